//! Small helpers shared by every command: the repository root, tool lookup on `PATH`, and
//! running child processes with a printed command line. Errors are `anyhow`'s: a step fails
//! with a message (and the context it was in), which `main` prints before exiting non-zero.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in a subdirectory of the workspace")
        .to_path_buf()
}

/// Cargo's `bin` directory (`$CARGO_HOME/bin`, by default `~/.cargo/bin`).
pub fn cargo_bin_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Some(PathBuf::from(home).join("bin"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo").join("bin"))
}

/// Puts `<root>/node_modules/.bin` and Cargo's `bin` directory in front of `PATH`
/// for this process and therefore for every child it starts, so wasm-pack finds
/// npm's current `wasm-opt` and freshly `cargo install`ed tools are found at once.
/// Called once at start-up, before any thread exists.
pub fn prepend_tool_dirs_to_path() {
    let mut dirs = vec![root().join("node_modules").join(".bin")];
    dirs.extend(cargo_bin_dir());
    let old = std::env::var_os("PATH").unwrap_or_default();
    dirs.extend(
        std::env::split_paths(&old)
            .filter(|p| !dirs.contains(p))
            .collect::<Vec<_>>(),
    );
    if let Ok(path) = std::env::join_paths(dirs) {
        std::env::set_var("PATH", path);
    }
}

/// Finds an executable on `PATH`, like the shell's `command -v`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Builds a [`Command`] that runs in the workspace root.
pub fn cmd(program: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root());
    c
}

/// Renders a command line for logs and error messages.
pub fn display(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for arg in c.get_args() {
        let arg = arg.to_string_lossy();
        if arg.is_empty() || arg.contains(char::is_whitespace) {
            s.push_str(&format!(" '{arg}'"));
        } else {
            s.push(' ');
            s.push_str(&arg);
        }
    }
    s
}

/// Runs a command with inherited stdio, printing it first; a non-zero exit is an error.
pub fn run(c: &mut Command) -> Result<()> {
    let line = display(c);
    println!("$ {line}");
    let status = c
        .status()
        .with_context(|| format!("could not start `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

/// Runs a command quietly and returns its trimmed stdout, or `None` when it can't be
/// started or exits non-zero. Used for probes such as `wasm-bindgen --version`.
pub fn probe(c: &mut Command) -> Option<String> {
    let out = c.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Reads the `version` of the `[package]` section of a `Cargo.toml` document: `None` when it
/// has no `[package]` or no literal version (`version.workspace = true` is not one).
pub fn package_version(cargo_toml: &str) -> Result<Option<String>> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Version {
        Literal(String),
        Other(serde::de::IgnoredAny),
    }
    #[derive(Deserialize)]
    struct Manifest {
        package: Option<Package>,
    }
    #[derive(Deserialize)]
    struct Package {
        version: Option<Version>,
    }
    let manifest: Manifest = toml::from_str(cargo_toml).context("Cargo.toml is not valid TOML")?;
    Ok(match manifest.package.and_then(|p| p.version) {
        Some(Version::Literal(v)) => Some(v),
        Some(Version::Other(_)) | None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_version() {
        let toml =
            "[package]\nname = \"a\"\nversion = \"1.2.3\"\n\n[dependencies]\nversion = \"9\"\n";
        assert_eq!(package_version(toml).unwrap().as_deref(), Some("1.2.3"));
        let spread = "[package.metadata.x]\nversion = \"9\"\n[package]\nversion = '2.0.0'\n";
        assert_eq!(package_version(spread).unwrap().as_deref(), Some("2.0.0"));
        assert_eq!(
            package_version("[workspace]\nversion = \"1\"\n").unwrap(),
            None
        );
        let inherited = "[package]\nname = \"a\"\nversion.workspace = true\n";
        assert_eq!(package_version(inherited).unwrap(), None);
        assert!(package_version("[package\n").is_err());
    }
}
