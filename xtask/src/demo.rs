//! `cargo xtask demo`: builds the package, starts the sandbox serving `www/` and
//! `pkg/`, prints the demo URL and waits. Ctrl-C stops it: the sandbox runs in the
//! terminal's process group, so it receives the SIGINT too, and the guard kills it
//! whenever this command exits otherwise.

use anyhow::{bail, Result};

use crate::{pkg, sandbox, setup};

/// The port the demo listens on unless `--port` says otherwise.
pub const DEFAULT_PORT: u16 = 8787;

/// How long a repaired connection stays `SYNCING` in the demo (`--sync-delay-ms`), so the
/// page shows it syncing before it is synced.
const SYNC_DELAY_MS: &str = "2500";

/// Runs the demo on `port` until interrupted.
pub fn demo(port: u16) -> Result<()> {
    setup::setup()?;
    pkg::pkg()?;
    let bin = sandbox::build()?;
    let mut server = sandbox::start_serving(&bin, port, &["--sync-delay-ms", SYNC_DELAY_MS])?;
    println!("\nDemo: {}/", server.url);
    println!("Press Ctrl-C to stop.\n");
    let status = server.wait()?;
    if !status.success() {
        bail!("the sandbox stopped ({status})");
    }
    Ok(())
}
