//! The Plaid Link stand-in in a real browser: headless Chromium loads `tests/browser/` from an
//! in-process sandbox with the strict CSP and runs every mode; skipped when no Chromium is found
//! (set `CHROME` to its path to choose one).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::Sb;
use quiltt_sandbox::{SandboxConfig, SchemaGeneration};
use serde_json::Value;

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROME") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Loads `path` from a sandbox serving `tests/browser/` (with the strict CSP if `csp`) in
/// headless Chromium and returns the JSON report the page wrote into `#out`; None when no
/// Chromium.
async fn report_of(path: &str, csp: bool) -> Option<Value> {
    let Some(chromium) = find_chromium() else {
        eprintln!("skipped: no Chromium found (set CHROME=/path/to/chromium)");
        return None;
    };
    let www = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    // The pages speak 2024 (`connectorToken`).
    let sb = Sb::start_with(SandboxConfig {
        www_dir: Some(www),
        csp,
        schema: SchemaGeneration::V2024,
        ..Default::default()
    })
    .await;
    let url = sb.url(path);
    let profile = std::env::temp_dir().join(format!(
        "quiltt-sandbox-chrome-{}-{}",
        std::process::id(),
        path.trim_matches(|c: char| !c.is_ascii_alphanumeric())
    ));
    let output = tokio::task::spawn_blocking(move || {
        Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--virtual-time-budget=20000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--dump-dom")
            .arg(url)
            .output()
    })
    .await
    .unwrap()
    .expect("run chromium");
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom.find("<pre id=\"out\">").expect("report element") + "<pre id=\"out\">".len();
    let end = start + dom[start..].find("</pre>").expect("report end");
    let report: Value = serde_json::from_str(&unescape(&dom[start..end]))
        .unwrap_or_else(|e| panic!("report is not JSON ({e}): {}", &dom[start..end]));
    assert_eq!(
        report["violations"],
        serde_json::json!([]),
        "CSP violations: {report:#}"
    );
    Some(report)
}

#[tokio::test]
async fn link_stand_in_runs_every_mode_under_strict_csp() {
    let Some(report) = report_of("/", true).await else {
        return;
    };
    assert_eq!(report["done"], true, "{report:#}");
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("loaded more than once"), "{warnings}");
    assert!(
        warnings.contains("exit() was called but Link is not open"),
        "{warnings}"
    );

    let r = &report["results"];
    let success = &r["success"];
    assert_eq!(success["loaded"], true);
    assert_eq!(success["isUpdate"], true);
    assert_eq!(
        success["events"],
        serde_json::json!([
            "OPEN:CREDENTIAL",
            "TRANSITION_VIEW:CREDENTIAL",
            "TRANSITION_VIEW:CONNECTED",
            "HANDOFF"
        ])
    );
    assert_eq!(success["success"], 1);
    assert_eq!(success["closeSuccess"], true);
    assert_eq!(success["metadata"]["institution"]["name"], "Capital One");
    assert_eq!(success["destroyedAfter"], true);

    let exit_error = &r["exitError"];
    assert_eq!(exit_error["exitError"]["error_code"], "ITEM_LOGIN_REQUIRED");
    assert_eq!(exit_error["exitError"]["error_type"], "ITEM_ERROR");
    assert_eq!(exit_error["exitMeta"]["status"], "requires_credentials");
    assert_eq!(exit_error["events"][3], "EXIT");

    let invalid = &r["invalid"];
    assert_eq!(invalid["exitError"]["error_code"], "INVALID_LINK_TOKEN");
    assert_eq!(invalid["exitError"]["error_type"], "INVALID_INPUT");

    assert_eq!(r["twice"]["success"], 2);
    assert_eq!(r["nullToken"]["publicToken"], Value::Null);
    assert_eq!(r["nullToken"]["success"], 1);

    let modal = &r["modal"];
    assert_eq!(
        modal["destroyWhileOpen"],
        "Do not call destroy() when Link is open"
    );
    assert!(modal["modalText"]
        .as_str()
        .unwrap()
        .contains("Navy Federal Credit Union"));
    assert_eq!(modal["modalFixed"], "fixed");
    assert_eq!(modal["success"], 1);

    assert_eq!(r["force"]["exitError"], Value::Null);
    assert_eq!(r["force"]["exitMeta"]["status"], Value::Null);
    assert_eq!(r["modalGone"], true);

    // OAuth without redirectUri: "Continue to bank" in the modal, success in place.
    let modal = &r["oauthModal"];
    assert_eq!(modal["plainContinue"], false, "{modal:#}");
    assert_eq!(modal["success"], 1);
    assert_eq!(
        modal["events"],
        serde_json::json!([
            "OPEN:OAUTH",
            "TRANSITION_VIEW:OAUTH",
            "TRANSITION_VIEW:OAUTH",
            "OPEN_OAUTH:OAUTH",
            "TRANSITION_VIEW:CONNECTED",
            "HANDOFF"
        ])
    );
    assert_eq!(modal["metadata"]["institution"]["name"], "Citibank Online");

    // OAuth with redirectUri: the page is sent to it with an oauth_state_id, Link ends without
    // a callback; re-created with receivedRedirectUri it resumes once, for its own link token.
    let left = &r["oauthRedirect"];
    let navigated = left["navigated"].as_str().expect("navigated");
    assert!(
        navigated.contains("/oauth-return.html?app=smoke&oauth_state_id=oauth-state-"),
        "{navigated}"
    );
    assert_eq!(left["callbacks"], 0);
    assert_eq!(left["destroyed"], true);
    assert_eq!(
        left["events"],
        serde_json::json!([
            "OPEN:OAUTH",
            "TRANSITION_VIEW:OAUTH",
            "TRANSITION_VIEW:OAUTH",
            "OPEN_OAUTH:OAUTH"
        ])
    );
    let resume = &r["oauthResume"];
    assert_eq!(
        resume["wrongState"]["exitError"]["error_type"],
        "OAUTH_ERROR"
    );
    assert_eq!(
        resume["wrongState"]["exitError"]["error_code"],
        "OAUTH_STATE_ID_NOT_FOUND"
    );
    assert_eq!(
        resume["otherToken"]["exitError"]["error_code"],
        "INCORRECT_LINK_TOKEN"
    );
    assert_eq!(resume["resumed"]["success"], 1, "{resume:#}");
    assert_eq!(resume["resumed"]["publicToken"], "minted");
    assert_eq!(
        resume["resumed"]["closed"],
        serde_json::json!({ "success": true, "record": { "id": "conn_oauth" } })
    );
    assert_eq!(
        resume["again"]["exitError"]["error_code"],
        "OAUTH_STATE_ID_ALREADY_PROCESSED"
    );
    assert_eq!(
        report["stats"]["created"], report["stats"]["destroyed"],
        "{report:#}"
    );
}

/// The app page runs in a frame of `oauth.html` (Chromium's --dump-dom cannot follow a
/// navigation of the page it dumps), so without the CSP, whose `frame-ancestors 'none'` forbids
/// framing; the smoke test above runs the same OAuth code under the CSP.
#[tokio::test]
async fn oauth_redirect_navigates_the_page_and_link_resumes_there() {
    let Some(report) = report_of("/oauth.html", false).await else {
        return;
    };
    assert_eq!(report["done"], true, "{report:#}");
    assert_eq!(
        report["returnedTo"], "/oauth-app.html?from=test",
        "{report:#}"
    );
    assert_eq!(
        report["eventsBeforeRedirect"],
        serde_json::json!([
            "OPEN:OAUTH",
            "TRANSITION_VIEW:OAUTH",
            "TRANSITION_VIEW:OAUTH",
            "OPEN_OAUTH:OAUTH"
        ])
    );
    assert_eq!(report["exitError"], Value::Null, "{report:#}");
    assert_eq!(report["institution"], "Citibank Online");
    assert_eq!(
        report["close"],
        serde_json::json!({ "success": true, "record": { "id": "c_oauth_nav", "status": "SYNCED" } })
    );
    assert_eq!(
        report["resumeEvents"],
        serde_json::json!(["OPEN", "TRANSITION_VIEW", "HANDOFF"])
    );
}
