//! `cargo xtask setup`: installs what the other commands need, skipping whatever is
//! already present. Every step prints one `[setup] <what>: <state>` line.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::util::{cmd, probe, root, run, which};

/// Chromium as packaged by Debian (`apt-get install chromium`).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The project's one nightly, pinned so builds are reproducible: the npm build uses it for its
/// size flags (`xtask/src/pkg.rs`), `cargo xtask fuzz` for libFuzzer. To move on, change the
/// date and compare `cargo xtask bench` before and after.
pub const NIGHTLY: &str = "nightly-2026-10-30";

/// The matching WebDriver (`apt-get install chromium-driver`).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Copy of the `package-lock.json` that the last successful `npm ci` installed.
/// npm's own `node_modules/.package-lock.json` leaves out the root package and
/// optional packages for other platforms, so it never equals the committed lock.
const NPM_STAMP: &str = "node_modules/.xtask-package-lock.json";

/// Runs every set-up step in order; stops at the first one that fails.
pub fn setup() -> Result<()> {
    wasm32_target()?;
    nightly()?;
    wasm_bindgen_cli()?;
    wasm_pack()?;
    chromium()?;
    npm_packages()?;
    Ok(())
}

fn say(what: &str, state: &str) {
    println!("[setup] {what}: {state}");
}

/// `rustup target add wasm32-unknown-unknown` unless it is installed.
fn wasm32_target() -> Result<()> {
    const TARGET: &str = "wasm32-unknown-unknown";
    let Some(installed) = probe(cmd("rustup").args(["target", "list", "--installed"])) else {
        bail!("`rustup` not found; install Rust with rustup (https://rustup.rs), then run `rustup target add {TARGET}`");
    };
    if installed.lines().any(|l| l.trim() == TARGET) {
        say("wasm32 target", "present");
        return Ok(());
    }
    say("wasm32 target", "installing");
    run(cmd("rustup").args(["target", "add", TARGET]))
}

/// [`NIGHTLY`] with `rust-src` (the npm build rebuilds std from it) and the wasm32 target,
/// unless all three are installed. About 100 MB, some seconds.
pub fn nightly() -> Result<()> {
    let installed = |what: &str| {
        probe(cmd("rustup").args([what, "list", "--installed", "--toolchain", NIGHTLY]))
            .unwrap_or_default()
    };
    let has_src = installed("component")
        .lines()
        .any(|l| l.starts_with("rust-src"));
    let has_wasm = installed("target")
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown");
    if has_src && has_wasm {
        say("nightly toolchain", &format!("{NIGHTLY} present"));
        return Ok(());
    }
    say("nightly toolchain", &format!("installing {NIGHTLY}"));
    run(cmd("rustup").args([
        "toolchain",
        "install",
        NIGHTLY,
        "--profile",
        "minimal",
        "--component",
        "rust-src",
        "--target",
        "wasm32-unknown-unknown",
    ]))
}

/// `wasm-bindgen-cli` at exactly the `wasm-bindgen` version locked in `Cargo.lock`
/// (wasm-pack refuses a mismatched one and would try to download it instead).
fn wasm_bindgen_cli() -> Result<()> {
    let lock_path = root().join("Cargo.lock");
    if !lock_path.exists() {
        say("Cargo.lock", "missing, generating");
        run(cmd("cargo").arg("generate-lockfile"))?;
    }
    let lock = fs::read_to_string(&lock_path)?;
    let Some(version) = locked_version(&lock, "wasm-bindgen")? else {
        bail!("Cargo.lock has no `wasm-bindgen` package; is it a dependency of the root crate?");
    };
    // Both print `<name> <version>`; the test runner is needed by `wasm-pack test`.
    let cli = probe(cmd("wasm-bindgen").arg("--version"));
    let runner = probe(cmd("wasm-bindgen-test-runner").arg("--version"));
    let current = |out: &Option<String>| {
        out.as_deref()
            .and_then(|o| o.split_whitespace().nth(1))
            .is_some_and(|v| v == version)
    };
    if current(&cli) && current(&runner) {
        say("wasm-bindgen-cli", &format!("{version} present"));
        return Ok(());
    }
    let found = cli.unwrap_or_else(|| "none".into());
    say(
        "wasm-bindgen-cli",
        &format!("installing {version} (found: {found}; takes a few minutes)"),
    );
    let install = |locked: bool| {
        let mut c = cmd("cargo");
        c.args(["install", "wasm-bindgen-cli", "--version", &version]);
        if locked {
            c.arg("--locked");
        }
        run(&mut c)
    };
    // Its lock file can pin a crate version a registry mirror lacks; then resolve afresh.
    install(true)
        .or_else(|_| {
            say(
                "wasm-bindgen-cli",
                "--locked install failed; retrying without --locked",
            );
            install(false)
        })
        .with_context(|| {
            format!("installing wasm-bindgen-cli failed (install it yourself with: cargo install wasm-bindgen-cli --version {version})")
        })?;
    let now = probe(cmd("wasm-bindgen").arg("--version"));
    if !current(&now) {
        let now = now.unwrap_or_else(|| "nothing".into());
        bail!("installed wasm-bindgen-cli {version}, but `wasm-bindgen --version` on PATH prints {now}; put Cargo's bin directory (~/.cargo/bin) first on PATH");
    }
    Ok(())
}

/// What xtask reads of a `Cargo.lock`: its `[[package]]` entries' names and versions.
#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
}

/// Finds the version of package `name` in a `Cargo.lock` document. More than one
/// locked version of the package is an error, since the CLI must match exactly one.
pub fn locked_version(lock: &str, name: &str) -> Result<Option<String>> {
    let lock: Lock = toml::from_str(lock).context("Cargo.lock is not valid TOML")?;
    let mut versions: Vec<String> = Vec::new();
    for package in lock.package.into_iter().filter(|p| p.name == name) {
        if !versions.contains(&package.version) {
            versions.push(package.version);
        }
    }
    match versions.len() {
        0 => Ok(None),
        1 => Ok(versions.pop()),
        _ => bail!(
            "Cargo.lock holds several versions of `{name}` ({}); pin one with `{name} = \"=<version>\"`",
            versions.join(", ")
        ),
    }
}

/// `cargo install wasm-pack --locked` unless `wasm-pack` is on `PATH`.
fn wasm_pack() -> Result<()> {
    if which("wasm-pack").is_some() {
        let version = probe(cmd("wasm-pack").arg("--version")).unwrap_or_default();
        say("wasm-pack", &format!("present ({version})"));
        return Ok(());
    }
    say("wasm-pack", "installing (takes a few minutes)");
    run(cmd("cargo").args(["install", "wasm-pack", "--locked"])).context(
        "installing wasm-pack failed (install it yourself with: cargo install wasm-pack --locked)",
    )?;
    Ok(())
}

/// Debian's `chromium` and `chromium-driver`, which match each other's version.
fn chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        say("chromium + chromedriver", "present");
        return Ok(());
    }
    const HOW: &str = "apt-get update && apt-get install -y chromium chromium-driver";
    if which("apt-get").is_none() {
        bail!("{CHROMIUM} or {CHROMEDRIVER} is missing and apt-get is not available; install Chromium and its matching chromedriver at those paths (on Debian: `{HOW}`)");
    }
    if probe(cmd("id").arg("-u")).as_deref() != Some("0") {
        bail!("{CHROMIUM} or {CHROMEDRIVER} is missing; install them as root with: sudo sh -c '{HOW}'");
    }
    say("chromium + chromedriver", "installing with apt-get");
    run(cmd("apt-get").arg("update"))?;
    run(cmd("apt-get")
        .args(["install", "-y", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
    .with_context(|| format!("installing chromium failed (install them yourself with: {HOW})"))?;
    Ok(())
}

/// `npm ci` from the committed `package-lock.json`, unless that exact lock is installed.
fn npm_packages() -> Result<()> {
    let root = root();
    let lock = root.join("package-lock.json");
    let stamp = root.join(NPM_STAMP);
    if !lock.exists() {
        bail!(
            "package-lock.json is missing at {}; restore it from git",
            root.display()
        );
    }
    let installed = root.join("node_modules/.package-lock.json").exists()
        && fs::read(&stamp).ok() == Some(fs::read(&lock)?);
    if installed {
        say(
            "npm packages",
            "present (node_modules matches package-lock.json)",
        );
        return Ok(());
    }
    if which("npm").is_none() || which("node").is_none() {
        bail!("node and npm are needed (Node.js 18 or newer); on Debian: apt-get install -y nodejs npm");
    }
    say("npm packages", "installing with npm ci");
    run(cmd("npm").args(["ci", "--no-audit", "--no-fund"])).with_context(|| {
        format!(
            "npm ci failed (run it yourself in {}: npm ci)",
            root.display()
        )
    })?;
    fs::copy(&lock, &stamp)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "wasm-bindgen-macro",
]

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.131"
"#;

    #[test]
    fn finds_locked_version() {
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen").unwrap().as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen-macro")
                .unwrap()
                .as_deref(),
            Some("0.2.131")
        );
        assert_eq!(locked_version(LOCK, "serde").unwrap(), None);
    }

    #[test]
    fn reads_the_lock_as_toml_not_as_lines() {
        // Key order, quoting and a `dependencies` entry that names the package are TOML's
        // business: none of them may mislead the reader.
        let lock = r#"
version = 4

[[package]]
version = '1.0.0'
name = "a"
dependencies = ["wasm-bindgen 0.2.1"]

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
"#;
        assert_eq!(
            locked_version(lock, "wasm-bindgen").unwrap().as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "a").unwrap().as_deref(), Some("1.0.0"));
        assert!(locked_version("[[package]\n", "a").is_err());
        assert_eq!(locked_version("version = 4\n", "a").unwrap(), None);
    }

    #[test]
    fn several_locked_versions_are_an_error() {
        let lock = format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.99\"\n");
        assert!(locked_version(&lock, "wasm-bindgen").is_err());
    }
}
