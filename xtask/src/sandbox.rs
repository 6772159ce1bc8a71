//! Building, starting and stopping the `quiltt-sandbox` server.
//!
//! The sandbox prints `listening on http://127.0.0.1:<port>` as its first stdout line;
//! [`Sandbox::start`] waits for that line and hands back the URL. The returned guard
//! kills the server when dropped, including on errors and panics.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::util::{cmd, display, root, run};

/// How long the sandbox may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds the sandbox binary (debug profile) and returns its path.
pub fn build() -> Result<PathBuf> {
    build_profile(false)
}

/// Builds the sandbox with the release profile, for the benchmarks: a debug async-graphql
/// spends milliseconds per request that would count as every client's overhead.
pub fn build_release() -> Result<PathBuf> {
    build_profile(true)
}

fn build_profile(release: bool) -> Result<PathBuf> {
    let mut cargo = cmd("cargo");
    cargo.args(["build", "-p", "quiltt-sandbox"]);
    if release {
        cargo.arg("--release");
    }
    run(&mut cargo)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_relative() { root().join(p) } else { p })
        .unwrap_or_else(|| root().join("target"));
    let profile = if release { "release" } else { "debug" };
    let bin = target.join(profile).join("quiltt-sandbox");
    if !bin.exists() {
        bail!("built the sandbox but {} does not exist", bin.display());
    }
    Ok(bin)
}

/// A running sandbox; dropping it stops the server.
pub struct Sandbox {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub url: String,
}

impl Sandbox {
    /// Starts `bin --port <port> <args...>` in the workspace root and waits (up to 60 s)
    /// for its `listening on <url>` line. Later stdout lines are echoed with a
    /// `[sandbox]` prefix; stderr is inherited.
    pub fn start(bin: &Path, port: u16, args: &[&str]) -> Result<Sandbox> {
        Self::start_within(bin, port, args, START_TIMEOUT)
    }

    /// [`Sandbox::start`] with a custom start-up timeout.
    fn start_within(bin: &Path, port: u16, args: &[&str], timeout: Duration) -> Result<Sandbox> {
        let mut command = Command::new(bin);
        command
            .current_dir(root())
            .arg("--port")
            .arg(port.to_string())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let line = display(&command);
        println!("$ {line}");
        let mut child = command
            .spawn()
            .with_context(|| format!("could not start `{line}`"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        // From here on the guard owns the child, so every early return kills it.
        let mut guard = Sandbox {
            child,
            url: String::new(),
        };

        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next();
            if let Some(Ok(line)) = &first {
                println!("[sandbox] {line}");
            }
            let _ = tx.send(first);
            // Keep draining so the server never blocks on a full pipe.
            for line in lines.map_while(std::result::Result::ok) {
                println!("[sandbox] {line}");
            }
        });

        let first = match rx.recv_timeout(timeout) {
            Ok(Some(Ok(first))) => first,
            Ok(Some(Err(e))) => bail!("reading the sandbox's stdout failed: {e}"),
            Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = guard.child.wait()?;
                bail!("the sandbox exited ({status}) before printing `listening on <url>`; see its output above");
            }
            Err(mpsc::RecvTimeoutError::Timeout) => bail!(
                "the sandbox printed nothing within {}s (expected `listening on http://127.0.0.1:<port>` as its first line)",
                timeout.as_secs()
            ),
        };
        let Some(url) = parse_listening_line(&first) else {
            bail!("the sandbox's first stdout line was {first:?}, expected `listening on http://127.0.0.1:<port>`");
        };
        guard.url = url;
        Ok(guard)
    }

    /// Waits until the server exits by itself (or is stopped by Ctrl-C).
    pub fn wait(&mut self) -> Result<std::process::ExitStatus> {
        Ok(self.child.wait()?)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts the sandbox serving the built package (`pkg/`) and, when it exists, `www/`, with
/// `extra` flags.
pub fn start_serving(bin: &Path, port: u16, extra: &[&str]) -> Result<Sandbox> {
    let mut args = vec!["--pkg", crate::pkg::OUT_DIR];
    args.extend(extra);
    if root().join("www").is_dir() {
        args.extend(["--www", "www"]);
    }
    Sandbox::start(bin, port, &args)
}

/// Extracts the URL from `listening on http://127.0.0.1:<port>`, without a trailing slash.
pub fn parse_listening_line(line: &str) -> Option<String> {
    let url = line.trim().strip_prefix("listening on ")?.trim();
    let rest = url.strip_prefix("http://")?.trim_end_matches('/');
    let (host, port) = rest.rsplit_once(':')?;
    if host.is_empty() || host.contains('/') || port.parse::<u16>().ok()? == 0 {
        return None;
    }
    Some(format!("http://{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes an executable shell script standing in for the sandbox binary.
    fn fake_server(name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("xtask-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn alive(pid: u32) -> bool {
        // A killed-and-reaped process has no /proc entry (a zombie would show state Z).
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| !s.contains(") Z "))
            .unwrap_or(false)
    }

    /// One test, so that all scripts are written before any process is spawned
    /// (writing an executable while another thread forks can fail with ETXTBSY).
    #[test]
    fn starts_stops_and_reports_failures() {
        let ok = fake_server(
            "ok",
            r#"[ "$1 $2 $3" = "--port 0 --csp" ] || exit 3; echo "listening on http://127.0.0.1:4321"; echo "log line"; exec sleep 30"#,
        );
        let exits = fake_server("exits", "exit 1");
        let chatty = fake_server("chatty", "echo hello; exec sleep 30");
        let silent = fake_server("silent", "exec sleep 30");
        let start = |bin: &Path, args: &[&str], secs| {
            Sandbox::start_within(bin, 0, args, Duration::from_secs(secs))
        };

        let sandbox = start(&ok, &["--csp"], 10).unwrap();
        assert_eq!(sandbox.url, "http://127.0.0.1:4321");
        let pid = sandbox.child.id();
        assert!(alive(pid));
        drop(sandbox);
        assert!(!alive(pid));

        let e = start(&exits, &[], 10).err().unwrap();
        assert!(e.to_string().contains("exited"), "{e:#}");
        let e = start(&chatty, &[], 10).err().unwrap();
        assert!(e.to_string().contains("\"hello\""), "{e:#}");
        let e = start(&silent, &[], 1).err().unwrap();
        assert!(e.to_string().contains("nothing within 1s"), "{e:#}");
        let _ = std::fs::remove_dir_all(ok.parent().unwrap());
    }

    #[test]
    fn parses_the_listening_line() {
        assert_eq!(
            parse_listening_line("listening on http://127.0.0.1:40123").as_deref(),
            Some("http://127.0.0.1:40123")
        );
        assert_eq!(
            parse_listening_line("listening on http://127.0.0.1:8787/\n").as_deref(),
            Some("http://127.0.0.1:8787")
        );
    }

    #[test]
    fn rejects_other_lines() {
        for line in [
            "",
            "starting",
            "listening on 127.0.0.1:1",
            "listening on http://127.0.0.1",
            "listening on http://127.0.0.1:0",
            "listening on http://127.0.0.1:x",
            "listening on http://:80",
        ] {
            assert_eq!(parse_listening_line(line), None, "{line:?}");
        }
    }
}
