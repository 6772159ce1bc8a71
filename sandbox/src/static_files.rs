//! Static files: `--www` at `/`, `--pkg` at `/pkg/`, with exact MIME types for `.wasm` and
//! `.js`, and the strict Content-Security-Policy on HTML pages when `--csp` is set, or the
//! nonce-based one with Trusted Types when `--strict-csp` is (a fresh nonce per response, also
//! put on the page's `<script>` tags).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use tower_http::services::ServeDir;

use crate::{SandboxConfig, StrictCsp, GRAPHQL_PATH, LINK_SCRIPT_PATH, STRICT_CSP};

/// The policy HTML pages are served under.
#[derive(Clone, Copy)]
enum HtmlPolicy {
    None,
    /// [`STRICT_CSP`] (`--csp`).
    Static,
    /// `--strict-csp`.
    Nonce(StrictCsp),
}

/// The largest HTML page the sandbox rewrites (its pages are a few KiB).
const MAX_HTML: usize = 4 << 20;

/// The MIME type the sandbox insists on for a path's extension, if any.
pub(crate) fn forced_mime(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "wasm" => Some("application/wasm"),
        "js" | "mjs" => Some("text/javascript; charset=utf-8"),
        _ => None,
    }
}

/// Adds the static services and the header fix-ups to `router`.
pub(crate) fn attach(router: Router, config: &SandboxConfig) -> Router {
    let mut router = router;
    if let Some(pkg) = &config.pkg_dir {
        router = router.nest_service("/pkg", ServeDir::new(pkg));
    }
    router = match &config.www_dir {
        Some(www) => router.fallback_service(ServeDir::new(www)),
        None => router.route("/", get(index)),
    };
    let policy = match (config.strict_csp, config.csp) {
        (Some(strict), _) => HtmlPolicy::Nonce(strict),
        (None, true) => HtmlPolicy::Static,
        (None, false) => HtmlPolicy::None,
    };
    router.layer(middleware::from_fn_with_state(policy, fix_headers))
}

/// A fresh CSP nonce: 16 random bytes, base64.
fn fresh_nonce() -> String {
    let mut bytes = [0u8; 16];
    match getrandom::fill(&mut bytes) {
        Ok(()) => base64::engine::general_purpose::STANDARD.encode(bytes),
        // Extremely unlikely: random_id's own fallback (hex digits are base64 characters too).
        Err(_) => crate::util::random_id("nonce").replace('-', ""),
    }
}

/// `html` with ` nonce="<nonce>"` added to every `<script` tag (as the first attribute, so it
/// wins over one the page wrote).
pub(crate) fn add_nonce(html: &[u8], nonce: &str) -> Vec<u8> {
    const TAG: &[u8] = b"<script";
    let attribute = format!(" nonce=\"{nonce}\"");
    let mut out = Vec::with_capacity(html.len() + 64);
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        let is_tag = rest.len() > TAG.len()
            && rest[..TAG.len()].eq_ignore_ascii_case(TAG)
            && matches!(
                rest[TAG.len()],
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>' | b'/'
            );
        if is_tag {
            out.extend_from_slice(&rest[..TAG.len()]);
            out.extend_from_slice(attribute.as_bytes());
            i += TAG.len();
        } else {
            out.push(html[i]);
            i += 1;
        }
    }
    out
}

async fn fix_headers(
    State(policy): State<HtmlPolicy>,
    mut request: Request,
    next: Next,
) -> Response {
    let mime = forced_mime(request.uri().path());
    if let HtmlPolicy::Nonce(_) = policy {
        // Each page gets a fresh nonce: no 304 or range of a page served with another one.
        for name in [
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            header::IF_MATCH,
            header::IF_UNMODIFIED_SINCE,
            header::IF_RANGE,
            header::RANGE,
        ] {
            request.headers_mut().remove(name);
        }
    }
    let mut response = next.run(request).await;
    let ok = response.status().is_success();
    let headers = response.headers_mut();
    if ok {
        if let Some(mime) = mime {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
        }
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return response;
    }
    match policy {
        HtmlPolicy::None => response,
        HtmlPolicy::Static => {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(STRICT_CSP),
            );
            response
        }
        HtmlPolicy::Nonce(strict) => with_nonce(response, strict).await,
    }
}

/// The page with a fresh nonce on its `<script>` tags and the [`StrictCsp`] policy of that
/// nonce; never cached.
async fn with_nonce(response: Response, strict: StrictCsp) -> Response {
    let nonce = fresh_nonce();
    let (mut parts, body) = response.into_parts();
    let Ok(html) = axum::body::to_bytes(body, MAX_HTML).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "page too large to add a nonce to",
        )
            .into_response();
    };
    let html = add_nonce(&html, &nonce);
    let headers = &mut parts.headers;
    for name in [
        header::CONTENT_LENGTH,
        header::ETAG,
        header::LAST_MODIFIED,
        header::ACCEPT_RANGES,
    ] {
        headers.remove(name);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&strict.policy(&nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Response::from_parts(parts, Body::from(html))
}

async fn index() -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>quiltt-sandbox</title></head><body>\
<h1>quiltt-sandbox</h1>\
<p>A local stand-in for Quiltt's GraphQL API and Plaid Link. No <code>--www</code> directory \
was given, so there is no demo page here.</p><ul>\
<li>GraphQL: <code>POST {GRAPHQL_PATH}</code> with <code>Authorization: Bearer &lt;session token&gt;</code></li>\
<li>Plaid Link stand-in: <a href=\"{LINK_SCRIPT_PATH}\">{LINK_SCRIPT_PATH}</a></li>\
<li>Connections: <a href=\"/__sandbox/connections\">/__sandbox/connections</a></li>\
<li>Schema: <a href=\"/__sandbox/schema.graphql\">/__sandbox/schema.graphql</a></li>\
</ul></body></html>\n"
    ))
}
