//! `cargo xtask bench`: size, latency, start-up, memory and growth figures of the release
//! package, side by side with its peers (a hand-written vanilla flow, React + Apollo +
//! react-plaid-link, `@quiltt/react`).
//!
//! This sets up the tools, builds the release package (`pkg/`, as `cargo xtask pkg` does) and
//! the sandbox (release profile), starts the sandbox, and hands over to `benches/run.mjs`,
//! which builds the peers (`npm ci` + esbuild), measures everything in headless Chromium,
//! prints the tables and rewrites `docs/BENCHMARKS.md`. Speed is only ever written down here,
//! never asserted by `cargo xtask test`.

use crate::sandbox::{self, Sandbox};
use crate::setup::{self, CHROMIUM};
use anyhow::{bail, Result};

use crate::pkg;
use crate::util::{cmd, run};

/// The benchmark runner (Node, playwright-core).
const RUNNER: &str = "benches/run.mjs";

/// Flags passed through to the runner: `--quick` (few runs, for trying the bench itself;
/// leaves `docs/` alone), `--no-write` (full run, `docs/BENCHMARKS.md` left alone) and
/// `--shared` (the machine is doing other work: the document says its times are indicative; it
/// also says so by itself when the load average shows a loaded machine, see benches/README.md).
const FLAGS: &[&str] = &["--quick", "--no-write", "--shared"];

/// Runs the benchmarks; `args` are the flags after `bench`.
pub fn bench(args: &[String]) -> Result<()> {
    let flags = parse_flags(args)?;
    // The load before this command's own build, which the runner's first samples still carry.
    let load_start = load_average();
    setup::setup()?;
    pkg::pkg()?;
    let bin = sandbox::build_release()?;
    let sandbox = Sandbox::start(&bin, 0, &[])?;
    let command = std::iter::once("cargo xtask bench")
        .chain(flags.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    run(cmd("node")
        .arg(RUNNER)
        .args(&flags)
        .env("QUILTT_SANDBOX_URL", &sandbox.url)
        // To start a new one if something outside stops this one mid-run.
        .env("QUILTT_SANDBOX_BIN", &bin)
        .env("CHROMIUM", CHROMIUM)
        .env("BENCH_COMMAND", command)
        .envs(load_start.map(|load| ("BENCH_LOAD_START", load))))?;
    drop(sandbox);
    Ok(())
}

/// The 1-minute load average (the first field of `/proc/loadavg`), if the system tells.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let first = text.split_whitespace().next()?;
    first.parse::<f64>().ok().map(|_| first.to_owned())
}

/// Accepts only the known flags, each at most once.
fn parse_flags(args: &[String]) -> Result<Vec<String>> {
    let mut flags: Vec<String> = Vec::new();
    for arg in args {
        if !FLAGS.contains(&arg.as_str()) {
            bail!(
                "unknown bench argument `{arg}` (expected {})",
                FLAGS.join(", ")
            );
        }
        if !flags.contains(arg) {
            flags.push(arg.clone());
        }
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::parse_flags;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_flags() {
        assert!(parse_flags(&args(&[])).unwrap().is_empty());
        assert_eq!(
            parse_flags(&args(&["--quick", "--quick"])).unwrap(),
            ["--quick"]
        );
        assert_eq!(parse_flags(&args(&["--no-write"])).unwrap(), ["--no-write"]);
        assert_eq!(
            parse_flags(&args(&["--shared", "--no-write"])).unwrap(),
            ["--shared", "--no-write"]
        );
        assert!(parse_flags(&args(&["--runs", "3"])).is_err());
    }
}
