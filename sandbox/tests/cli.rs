//! The binary: first stdout line, a curl-like request, graceful shutdown on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// `GET /__sandbox/config` of the sandbox at `base`.
#[cfg(unix)]
async fn config_of(base: &str) -> Value {
    let config = reqwest::get(format!("{base}/__sandbox/config"))
        .await
        .unwrap();
    config.json().await.unwrap()
}

/// The binary started with `args` (stderr dropped): the child, its remaining stdout lines, and
/// the base URL of its first line.
#[cfg(unix)]
fn start(
    args: &[&str],
) -> (
    std::process::Child,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
    String,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quiltt-sandbox"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a first line").unwrap();
    let base = first
        .strip_prefix("listening on ")
        .expect("listening on")
        .to_owned();
    (child, lines, base)
}

#[cfg(unix)]
#[tokio::test]
async fn binary_prints_its_url_answers_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quiltt-sandbox"))
        .args(["--port", "0", "--link-token-ttl-secs", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").unwrap();
    let base = first
        .strip_prefix("listening on http://127.0.0.1:")
        .map(|port| format!("http://127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"));
    let port: u16 = base.rsplit(':').next().unwrap().parse().expect("a port");
    assert_ne!(port, 0);
    let rest: Vec<String> = lines.take(2).map(Result::unwrap).collect();
    assert_eq!(rest[0], format!("graphql: {base}/v1/graphql"));

    let client = reqwest::Client::new();
    let body: Value = client
        .post(format!("{base}/v1/graphql"))
        .header("Authorization", "Bearer sandbox-session-token")
        .json(&json!({
            "query": "mutation($input: ConnectorPlaidInitializeInput!) { connectorPlaidInitialize(input: $input) { success record { status expiration } } }",
            "variables": { "input": { "connectionId": "conn_login_required", "featuresRequired": ["ACCOUNT_BALANCES_AND_TRANSACTIONS"] } }
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["data"]["connectorPlaidInitialize"]["record"]["status"],
        "ACTION_REQUIRED"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(unix)]
#[tokio::test]
async fn schema_flag_picks_the_generation() {
    let (mut child, lines, base) = start(&["--port", "0", "--schema", "2023"]);
    let schema_line = lines
        .map(Result::unwrap)
        .find(|l| l.starts_with("schema: "))
        .expect("a schema line");
    assert!(schema_line.contains("2023-08"), "{schema_line}");
    let config = config_of(&base).await;
    assert_eq!(config["schema"], "2023");
    let _ = child.kill();
    let _ = child.wait();

    let out = Command::new(env!("CARGO_BIN_EXE_quiltt-sandbox"))
        .args(["--port", "0", "--schema", "2022"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("2023, 2024, 2025 or no-plaid"));
}

#[cfg(unix)]
#[tokio::test]
async fn sync_flags_set_the_delay_and_outcome_of_a_repair() {
    let (mut child, lines, base) = start(&[
        "--port",
        "0",
        "--sync-delay-ms",
        "2500",
        "--sync-outcome",
        "ERROR_SERVICE",
    ]);
    let repairs = lines
        .map(Result::unwrap)
        .find(|l| l.starts_with("repairs: "))
        .expect("a repairs line");
    assert_eq!(repairs, "repairs: SYNCING for 2500 ms, then ERROR_SERVICE");
    let config = config_of(&base).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(config["syncDelayMs"], 2500, "{config}");
    assert_eq!(config["syncOutcome"], "ERROR_SERVICE", "{config}");

    for (bad, message) in [
        (
            "--sync-outcome=SYNCING",
            "SYNCING is not a status a sync ends in",
        ),
        ("--sync-outcome=OK", "unknown connection status \"OK\""),
        (
            "--sync-delay-ms=-5",
            "invalid value '-5' for '--sync-delay-ms",
        ),
        (
            "--sync-delay-ms=soon",
            "invalid value 'soon' for '--sync-delay-ms",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_quiltt-sandbox"))
            .args(["--port", "0", bad])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{bad:?}: {stderr}");
    }
}

#[test]
fn bad_www_dir_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_quiltt-sandbox"))
        .args(["--port", "0", "--www", "/definitely/not/here"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a directory"));
}
