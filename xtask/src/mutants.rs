//! `cargo xtask mutants [names...]`: shows that the browser tests fail without the fixes they
//! cover. It sets up the tools, builds the sandbox, and hands over to `tests/mutants/run.mjs`,
//! which undoes each fix of `tests/mutants/mutants.json` in a copy of the sources
//! (`target/mutants/tree`) and runs the browser test that must then fail, or hang while it
//! runs. `names` pick the mutants whose names contain one of them (all without). About a minute
//! a mutant; not part of `cargo xtask test`.

use anyhow::{bail, Result};

use crate::sandbox;
use crate::setup::{self, CHROMEDRIVER};
use crate::util::{cmd, run};

/// The mutation runner (Node).
const RUNNER: &str = "tests/mutants/run.mjs";

/// Runs the mutants whose names contain one of `names` (every mutant when there are none).
pub fn mutants(names: &[String]) -> Result<()> {
    check_names(names)?;
    setup::setup()?;
    let bin = sandbox::build()?;
    run(cmd("node")
        .arg(RUNNER)
        .args(names)
        .env("QUILTT_SANDBOX_BIN", &bin)
        .env("CHROMEDRIVER", CHROMEDRIVER))
}

/// Names are words of mutant names; the runner takes no flags.
fn check_names(names: &[String]) -> Result<()> {
    if let Some(flag) = names.iter().find(|n| n.starts_with('-') || n.is_empty()) {
        bail!("usage: cargo xtask mutants [names...] (`{flag}` is not part of a mutant's name)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_names;

    #[test]
    fn takes_names_and_no_flags() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_names(&args(&[])).is_ok());
        assert!(check_names(&args(&["signal", "token-without-timeout"])).is_ok());
        assert!(check_names(&args(&["--quick"])).is_err());
        assert!(check_names(&args(&[""])).is_err());
    }
}
