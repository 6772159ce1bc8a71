//! The Link script, static files (MIME types, CSP) and the committed schema file.

mod common;

use std::path::PathBuf;

use common::Sb;
use quiltt_sandbox::{SandboxConfig, SchemaGeneration, StrictCsp, STRICT_CSP};
use reqwest::StatusCode;

#[tokio::test]
async fn link_script_is_javascript_and_counted() {
    let sb = Sb::start().await;
    assert_eq!(sb.admin_get("/__sandbox/script-loads").await["count"], 0);
    for _ in 0..2 {
        let resp = sb
            .client
            .get(sb.url("/link/v2/stable/link-initialize.js"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript"));
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let text = resp.text().await.unwrap();
        assert!(text.contains("window.Plaid ="));
        assert!(text.contains("Do not call destroy() when Link is open"));
        assert!(!text.contains("eval("));
    }
    assert_eq!(sb.admin_get("/__sandbox/script-loads").await["count"], 2);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("quiltt-sandbox-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn with_files(csp: bool) -> Sb {
    let www = temp_dir(&format!("www-{csp}"));
    std::fs::write(www.join("index.html"), "<!doctype html><title>demo</title>").unwrap();
    std::fs::write(www.join("app.js"), "console.log('app');").unwrap();
    std::fs::write(www.join("style.css"), "body{}").unwrap();
    let pkg = temp_dir(&format!("pkg-{csp}"));
    std::fs::write(pkg.join("quiltt_reconnect_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(
        pkg.join("quiltt_reconnect.js"),
        "export default function init() {}",
    )
    .unwrap();
    std::fs::write(pkg.join("package.json"), "{}").unwrap();
    Sb::start_with(SandboxConfig {
        www_dir: Some(www),
        pkg_dir: Some(pkg),
        csp,
        ..Default::default()
    })
    .await
}

async fn get(sb: &Sb, path: &str) -> reqwest::Response {
    sb.client.get(sb.url(path)).send().await.unwrap()
}

fn content_type(resp: &reqwest::Response) -> String {
    resp.headers()["content-type"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn pkg_and_www_have_correct_mime_types() {
    let sb = with_files(false).await;
    let wasm = get(&sb, "/pkg/quiltt_reconnect_bg.wasm").await;
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(content_type(&wasm), "application/wasm");
    assert_eq!(&wasm.bytes().await.unwrap()[..4], b"\0asm");
    let js = get(&sb, "/pkg/quiltt_reconnect.js").await;
    assert!(
        content_type(&js).starts_with("text/javascript"),
        "{}",
        content_type(&js)
    );
    assert!(content_type(&get(&sb, "/app.js").await).starts_with("text/javascript"));
    assert!(content_type(&get(&sb, "/style.css").await).starts_with("text/css"));
    assert!(content_type(&get(&sb, "/pkg/package.json").await).starts_with("application/json"));
    let index = get(&sb, "/").await;
    assert!(content_type(&index).starts_with("text/html"));
    assert!(index.headers().get("content-security-policy").is_none());
    assert!(index.text().await.unwrap().contains("<title>demo</title>"));
    assert_eq!(
        get(&sb, "/missing.html").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&sb, "/pkg/missing.wasm").await.status(),
        StatusCode::NOT_FOUND
    );
    // The API still answers next to the static files.
    assert_eq!(get(&sb, "/__sandbox/health").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn csp_flag_adds_strict_policy_to_html() {
    let sb = with_files(true).await;
    let index = get(&sb, "/").await;
    assert_eq!(index.headers()["content-security-policy"], STRICT_CSP);
    let index = get(&sb, "/index.html").await;
    assert_eq!(index.headers()["content-security-policy"], STRICT_CSP);
    assert_eq!(
        STRICT_CSP,
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
    );
    // The built-in index page (no --www) gets it too.
    let plain = Sb::start_with(SandboxConfig {
        csp: true,
        ..Default::default()
    })
    .await;
    let resp = get(&plain, "/").await;
    assert!(content_type(&resp).starts_with("text/html"));
    assert_eq!(resp.headers()["content-security-policy"], STRICT_CSP);
}

/// The nonce of a `--strict-csp` policy.
fn nonce_of(policy: &str) -> String {
    let rest = policy.split("'nonce-").nth(1).expect("a nonce source");
    rest.split('\'').next().unwrap().to_owned()
}

#[tokio::test]
async fn strict_csp_gives_every_page_a_fresh_nonce_on_its_scripts() {
    let www = temp_dir("www-strict");
    let page = "<!doctype html><head><script type=\"module\" src=\"app.js\"></script>\
<SCRIPT\tsrc=\"b.js\"></SCRIPT><script>1</script><scripty></scripty></head><p>&lt;script x</p>";
    std::fs::write(www.join("index.html"), page).unwrap();
    std::fs::write(www.join("app.js"), "console.log('<script >');").unwrap();
    let sb = Sb::start_with(SandboxConfig {
        www_dir: Some(www),
        csp: true, // --strict-csp wins
        strict_csp: Some(StrictCsp::NonceOnly),
        ..Default::default()
    })
    .await;
    let first = get(&sb, "/").await;
    assert_eq!(first.status(), StatusCode::OK);
    let policy = first.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = nonce_of(&policy);
    assert_eq!(policy, StrictCsp::NonceOnly.policy(&nonce));
    assert_eq!(
        policy,
        format!(
            "default-src 'self'; script-src 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types quiltt-reconnect"
        )
    );
    assert!(
        nonce.len() >= 22
            && nonce
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
        "{nonce}"
    );
    assert_eq!(first.headers()["cache-control"], "no-store");
    assert!(first.headers().get("etag").is_none());
    assert!(first.headers().get("last-modified").is_none());
    assert!(first.headers().get("accept-ranges").is_none());
    let length: usize = first.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = first.text().await.unwrap();
    assert_eq!(length, body.len());
    let n = format!(" nonce=\"{nonce}\"");
    assert_eq!(
        body,
        format!(
            "<!doctype html><head><script{n} type=\"module\" src=\"app.js\"></script>\
<SCRIPT{n}\tsrc=\"b.js\"></SCRIPT><script{n}>1</script><scripty></scripty></head><p>&lt;script x</p>"
        )
    );
    // Every response has its own nonce, also when the browser asks whether its copy is fresh.
    let second = sb
        .client
        .get(sb.url("/index.html"))
        .header("if-modified-since", "Wed, 01 Jan 2098 00:00:00 GMT")
        .header("if-none-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    let other = nonce_of(
        second.headers()["content-security-policy"]
            .to_str()
            .unwrap(),
    );
    assert_ne!(other, nonce);
    assert!(second
        .text()
        .await
        .unwrap()
        .contains(&format!("<script nonce=\"{other}\" type=\"module\"")));
    // Scripts are served as they are, without a policy.
    let script = get(&sb, "/app.js").await;
    assert!(script.headers().get("content-security-policy").is_none());
    assert_eq!(script.text().await.unwrap(), "console.log('<script >');");

    // 'strict-dynamic', and the names --strict-csp takes.
    assert!(StrictCsp::StrictDynamic
        .policy("abc")
        .contains("script-src 'nonce-abc' 'wasm-unsafe-eval' 'strict-dynamic';"));
    assert_eq!("nonce-only".parse(), Ok(StrictCsp::NonceOnly));
    assert_eq!("nonce".parse(), Ok(StrictCsp::NonceOnly));
    assert_eq!("strict-dynamic".parse(), Ok(StrictCsp::StrictDynamic));
    assert!("strict".parse::<StrictCsp>().is_err());
}

#[tokio::test]
async fn schema_files_match_the_served_schemas() {
    let sb = Sb::start().await;
    for generation in SchemaGeneration::ALL {
        let file = format!("schema-{generation}.graphql");
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(&file);
        let sdl = quiltt_sandbox::schema_sdl(generation);
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &sdl).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == sdl,
            "sandbox/{file} differs from the schema the sandbox serves; regenerate it with \
             `UPDATE_SCHEMA=1 cargo test -p quiltt-sandbox --test static_files` and commit it"
        );
        let served = get(&sb, &format!("/__sandbox/{file}")).await;
        assert_eq!(served.headers()["x-quiltt-schema"], generation.as_str());
        assert_eq!(served.text().await.unwrap(), committed);
    }
    // /__sandbox/schema.graphql is the generation served now.
    let now = get(&sb, "/__sandbox/schema.graphql").await;
    assert_eq!(now.headers()["x-quiltt-schema"], "2025");
    sb.admin_post("/__sandbox/config", serde_json::json!({ "schema": "2023" }))
        .await;
    let now = get(&sb, "/__sandbox/schema.graphql").await;
    assert_eq!(now.headers()["x-quiltt-schema"], "2023");
    assert_eq!(
        now.text().await.unwrap(),
        quiltt_sandbox::schema_sdl(SchemaGeneration::V2023)
    );

    let sdl = SchemaGeneration::ALL.map(quiltt_sandbox::schema_sdl);
    let [v2023, v2024, v2025, no_plaid] = &sdl;
    let initialize = "connectorPlaidInitialize(input: ConnectorPlaidInitializeInput!): ConnectorPlaidInitializePayload\n";
    for (sdl, needles) in [
        (
            v2023,
            &[
                initialize,
                "features: [ConnectionFeature!]\n",
                "euConfig: PlaidLinkTokenEUConfig",
                "record: PlaidConnector\n",
                "code: String!",
                "metadata: JSON!",
                "logos(sources: [ImageSource!]): [Image!]",
            ][..],
        ),
        (
            v2024,
            &[
                initialize,
                "featuresRequired: [ConnectionFeature!]!",
                "portalId: ID",
                "record: PlaidConnectorSession\n",
                "connectorStatus: ConnectorStatus!",
                "hostedLinkUrl: String",
                "code: String\n",
                "type: AccountType! @deprecated(reason: \"Use `kind`\")",
            ][..],
        ),
        (
            v2025,
            &[
                initialize,
                "portalsProviderId: ID",
                "status: ConnectorStatus!",
                "token: String!",
                "DISCONNECTING",
                "ACCOUNT_BALANCES_AND_TRANSACTIONS",
                "taxonomy: [AccountTaxonomyMember!]!",
            ][..],
        ),
        (
            no_plaid,
            &[
                "connectorFinicityInitialize(input: ConnectorFinicityInitializeInput!)",
                "DISCONNECTING",
            ][..],
        ),
    ] {
        for needle in needles {
            assert!(sdl.contains(needle), "schema lacks {needle:?}");
        }
        for needle in [
            "connectionUpdate(input: ConnectionUpdateInput!)",
            "connectionSimulateError(input: ConnectionSimulateErrorInput!): ConnectionSimulateErrorPayload",
            "connection(id: ID!): Connection\n",
            "connections(filter: ConnectionFilter): [Connection!]\n",
            "logo(source: ImageSource): Image\n",
            "type Error {",
            "scalar JSON",
        ] {
            assert!(sdl.contains(needle), "schema lacks {needle:?}");
        }
    }
    assert!(!v2024.contains("euConfig") && !v2024.contains("\tfeatures: [ConnectionFeature!]\n"));
    assert!(!v2025.contains("connectorStatus") && !v2025.contains("logos"));
    assert!(!no_plaid.contains("connectorPlaid") && !no_plaid.contains("PlaidMutationError"));
}
