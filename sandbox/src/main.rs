//! `quiltt-sandbox`: runs the local Quiltt API and Plaid Link stand-in on 127.0.0.1.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use quiltt_sandbox::{
    ConnectionStatus, SandboxConfig, SchemaGeneration, StrictCsp, DEFAULT_SESSION_TOKEN,
    GRAPHQL_PATH, LINK_SCRIPT_PATH,
};

/// A local stand-in for Quiltt's GraphQL API and Plaid Link.
#[derive(Parser, Debug)]
#[command(name = "quiltt-sandbox", version, about)]
struct Cli {
    /// Port on 127.0.0.1; 0 picks a free port.
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Accepted `Authorization: Bearer` session token.
    #[arg(long, default_value = DEFAULT_SESSION_TOKEN)]
    session_token: String,
    /// Lifetime of link tokens, in seconds.
    #[arg(long, default_value_t = 1800)]
    link_token_ttl_secs: u64,
    /// Directory served at `/` (the demo page).
    #[arg(long, value_name = "DIR")]
    www: Option<PathBuf>,
    /// Directory served at `/pkg/` (the built npm package).
    #[arg(long, value_name = "DIR")]
    pkg: Option<PathBuf>,
    /// Send a strict Content-Security-Policy header with HTML pages.
    #[arg(long)]
    csp: bool,
    /// Serve HTML pages under a strict nonce-based policy with Trusted Types instead: a fresh
    /// nonce per response, put on the page's <script> tags too. MODE: nonce-only (the default)
    /// or strict-dynamic.
    #[arg(
        long,
        value_name = "MODE",
        num_args = 0..=1,
        default_missing_value = "nonce-only",
        require_equals = true,
        conflicts_with = "csp"
    )]
    strict_csp: Option<StrictCsp>,
    /// Which generation of Quiltt's live schema to serve: 2023 (2023-08), 2024 (2024-08),
    /// 2025 (2025-04) or no-plaid (2025-04 as published for an environment without Plaid).
    #[arg(long, value_name = "GENERATION", default_value = "2025")]
    schema: SchemaGeneration,
    /// How long a repaired connection stays SYNCING before it settles in --sync-outcome, in
    /// milliseconds; 0 settles it at once.
    #[arg(long, value_name = "N", default_value_t = 0)]
    sync_delay_ms: u64,
    /// The status a repaired connection settles in: SYNCED, ERROR_REPAIRABLE, ERROR_SERVICE,
    /// ERROR_PROVIDER or ERROR_INSTITUTION.
    #[arg(
        long,
        value_name = "STATUS",
        default_value = "SYNCED",
        value_parser = ConnectionStatus::parse_sync_outcome
    )]
    sync_outcome: ConnectionStatus,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    eprintln!("quiltt-sandbox: shutting down");
}

fn check_dir(flag: &str, dir: &Option<PathBuf>) -> Result<(), String> {
    match dir {
        Some(d) if !d.is_dir() => Err(format!("{flag} {}: not a directory", d.display())),
        _ => Ok(()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = check_dir("--www", &cli.www).and(check_dir("--pkg", &cli.pkg)) {
        eprintln!("quiltt-sandbox: {e}");
        return ExitCode::from(2);
    }
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", cli.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "quiltt-sandbox: cannot listen on 127.0.0.1:{}: {e}",
                cli.port
            );
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("quiltt-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base = format!("http://{addr}");
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {base}");
        let _ = writeln!(out, "graphql: {base}{GRAPHQL_PATH}");
        let _ = writeln!(out, "link script: {base}{LINK_SCRIPT_PATH}");
        if cli.www.is_some() {
            let _ = writeln!(out, "demo: {base}/");
        } else {
            let _ = writeln!(out, "demo: {base}/ (no --www given: an index page)");
        }
        if cli.pkg.is_some() {
            let _ = writeln!(out, "pkg: {base}/pkg/");
        }
        if let Some(strict) = cli.strict_csp {
            let _ = writeln!(
                out,
                "html pages: strict CSP ({strict}, a nonce per response, Trusted Types)"
            );
        }
        let _ = writeln!(out, "admin: {base}/__sandbox/connections");
        let _ = writeln!(
            out,
            "schema: Quiltt's {} generation (--schema 2023, 2024, 2025 or no-plaid)",
            cli.schema.published()
        );
        match (cli.sync_delay_ms, cli.sync_outcome) {
            (0, ConnectionStatus::Synced) => {}
            (0, outcome) => {
                let _ = writeln!(out, "repairs: {outcome} at once (--sync-outcome)");
            }
            (ms, outcome) => {
                let _ = writeln!(out, "repairs: SYNCING for {ms} ms, then {outcome}");
            }
        }
        if cli.session_token == DEFAULT_SESSION_TOKEN {
            let _ = writeln!(out, "session token: {DEFAULT_SESSION_TOKEN} (default)");
        } else {
            let _ = writeln!(out, "session token: (custom, from --session-token)");
        }
        let _ = out.flush();
    }
    let config = SandboxConfig {
        session_token: cli.session_token,
        link_token_ttl: Duration::from_secs(cli.link_token_ttl_secs),
        www_dir: cli.www,
        pkg_dir: cli.pkg,
        csp: cli.csp,
        strict_csp: cli.strict_csp,
        schema: cli.schema,
        sync_delay: Duration::from_millis(cli.sync_delay_ms),
        sync_outcome: cli.sync_outcome,
    };
    match quiltt_sandbox::serve(listener, config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quiltt-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}
