//! `cargo xtask fuzz [--seconds N]`: runs the `decode` target of the cargo-fuzz project in
//! `fuzz/` under libFuzzer (nightly) for N seconds (default 600), then prints the run's figures.
//!
//! The committed seeds (`fuzz/corpus/decode/`) are copied into a work corpus under
//! `fuzz/target/corpus/decode/`, where libFuzzer writes what it finds, so the committed seed
//! corpus stays small. A crash fails the command; libFuzzer leaves the input in
//! `fuzz/artifacts/decode/`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::util::{cmd, display, probe, root, run};

/// The fuzz target.
const TARGET: &str = "decode";
/// The default run time in seconds.
const DEFAULT_SECONDS: u64 = 600;
/// The largest input libFuzzer makes, in bytes.
const MAX_LEN: u32 = 4096;

/// Prints a progress line.
fn say(what: &str) {
    println!("[fuzz] {what}");
}

/// Entry point of `cargo xtask fuzz`.
pub fn fuzz(args: &[String]) -> Result<()> {
    let seconds = parse_seconds(args)?;
    ensure_cargo_fuzz()?;
    crate::setup::nightly()?;

    let root = root();
    let seeds = root.join("fuzz").join("corpus").join(TARGET);
    let work = root.join("fuzz").join("target").join("corpus").join(TARGET);
    std::fs::create_dir_all(&work)?;
    let copied = copy_seeds(&seeds, &work)?;
    say(&format!(
        "fuzzing `{TARGET}` for {seconds} s: {copied} seeds from {}, work corpus {}",
        seeds.display(),
        work.display()
    ));

    let mut c = cmd("cargo");
    c.arg(format!("+{}", crate::setup::NIGHTLY))
        .args(["fuzz", "run", "--fuzz-dir", "fuzz", TARGET])
        .arg(&work)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-max_len={MAX_LEN}"))
        .arg("-print_final_stats=1");
    let line = display(&c);
    println!("$ {line}");
    let started = Instant::now();
    let mut child = c
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{line}`"))?;

    // Echo libFuzzer's output as it comes, keeping what the summary needs.
    let mut figures = Figures::default();
    if let Some(stderr) = child.stderr.take() {
        for text in BufReader::new(stderr).lines() {
            let text = text?;
            eprintln!("{text}");
            figures.read(&text);
        }
    }
    let status = child.wait()?;
    let elapsed = started.elapsed().as_secs();

    println!("\n==> fuzz run of `{TARGET}`: {elapsed} s wall clock");
    match &figures.done_line {
        Some(l) => println!("last libFuzzer line: {l}"),
        None => {
            if let Some(l) = &figures.last_status_line {
                println!("last libFuzzer status line: {l}");
            }
        }
    }
    if let Some(n) = figures.execs {
        println!("executions: {n}");
    }
    if let Some(n) = figures.execs_per_sec {
        println!("executions per second: {n}");
    }
    if let Some(n) = figures.new_units {
        println!("new corpus units: {n}");
    }
    if let Some(n) = figures.peak_rss_mb {
        println!("peak RSS: {n} MB");
    }
    let corpus = count_files(&work);
    println!("work corpus: {corpus} files in {}", work.display());

    if !status.success() || figures.crashed {
        let artifact = figures
            .artifact
            .map(|a| format!("; input written to {a}"))
            .unwrap_or_default();
        bail!("the fuzz run found a crash or failed ({status}){artifact}");
    }
    say("no crash");
    Ok(())
}

/// Parses `[--seconds N]`.
fn parse_seconds(args: &[String]) -> Result<u64> {
    let value = match args {
        [] => return Ok(DEFAULT_SECONDS),
        [flag, n] if flag == "--seconds" => n.as_str(),
        [flag] if flag.starts_with("--seconds=") => &flag["--seconds=".len()..],
        _ => bail!("usage: cargo xtask fuzz [--seconds N]"),
    };
    match value.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => bail!("bad --seconds: {value}"),
    }
}

/// Installs `cargo-fuzz` when `cargo fuzz` is missing: `--locked` first, then without it, as a
/// registry mirror may lack a dependency at the locked version.
fn ensure_cargo_fuzz() -> Result<()> {
    if let Some(version) = probe(cmd("cargo").args(["fuzz", "--version"])) {
        say(&format!("found {version}"));
        return Ok(());
    }
    say("cargo-fuzz is missing: installing it");
    if run(cmd("cargo").args(["install", "cargo-fuzz", "--locked"])).is_ok() {
        return Ok(());
    }
    say("`cargo install --locked` failed; trying without --locked");
    run(cmd("cargo").args(["install", "cargo-fuzz"]))
}

/// Copies the seed files into the work corpus; returns how many seeds there are.
fn copy_seeds(seeds: &Path, work: &Path) -> Result<usize> {
    let mut n = 0;
    for entry in std::fs::read_dir(seeds)
        .with_context(|| format!("cannot read the seed corpus {}", seeds.display()))?
    {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), work.join(entry.file_name()))?;
            n += 1;
        }
    }
    Ok(n)
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter(|e| e.is_ok()).count())
        .unwrap_or(0)
}

/// What the summary reports, read from libFuzzer's output.
#[derive(Default)]
struct Figures {
    /// `#N DONE cov: ... ft: ... corp: ... exec/s: ...`
    done_line: Option<String>,
    /// The last `#N ...` line, for a run that did not finish.
    last_status_line: Option<String>,
    execs: Option<u64>,
    execs_per_sec: Option<u64>,
    new_units: Option<u64>,
    peak_rss_mb: Option<u64>,
    crashed: bool,
    artifact: Option<String>,
}

impl Figures {
    fn read(&mut self, line: &str) {
        let line = line.trim_end();
        if line.starts_with('#') {
            if line.split_whitespace().nth(1) == Some("DONE") {
                self.done_line = Some(line.to_owned());
            }
            self.last_status_line = Some(line.to_owned());
        } else if let Some(v) = stat(line, "stat::number_of_executed_units:") {
            self.execs = Some(v);
        } else if let Some(v) = stat(line, "stat::average_exec_per_sec:") {
            self.execs_per_sec = Some(v);
        } else if let Some(v) = stat(line, "stat::new_units_added:") {
            self.new_units = Some(v);
        } else if let Some(v) = stat(line, "stat::peak_rss_mb:") {
            self.peak_rss_mb = Some(v);
        } else if line.contains("==ERROR: libFuzzer")
            || line.contains("deadly signal")
            || line.starts_with("thread '") && line.contains("panicked")
        {
            self.crashed = true;
        } else if let Some(rest) = line.split("Test unit written to ").nth(1) {
            self.artifact = Some(rest.trim().to_owned());
        }
    }
}

/// Reads `name value` from a `-print_final_stats` line.
fn stat(line: &str, name: &str) -> Option<u64> {
    line.strip_prefix(name)?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seconds() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_seconds(&args(&[])).ok(), Some(600));
        assert_eq!(parse_seconds(&args(&["--seconds", "30"])).ok(), Some(30));
        assert_eq!(parse_seconds(&args(&["--seconds=5"])).ok(), Some(5));
        assert!(parse_seconds(&args(&["--seconds", "0"])).is_err());
        assert!(parse_seconds(&args(&["--seconds", "x"])).is_err());
        assert!(parse_seconds(&args(&["--minutes", "1"])).is_err());
    }

    #[test]
    fn reads_libfuzzer_figures() {
        let mut f = Figures::default();
        for line in [
            "#2\tINITED cov: 10 ft: 10 corp: 1/1b exec/s: 0 rss: 30Mb",
            "#1048576\tDONE   cov: 812 ft: 3120 corp: 401/21Kb lim: 4096 exec/s: 1747 rss: 420Mb",
            "Done 1048576 runs in 600 second(s)",
            "stat::number_of_executed_units: 1048576",
            "stat::average_exec_per_sec:     1747",
            "stat::new_units_added:          389",
            "stat::peak_rss_mb:              420",
        ] {
            f.read(line);
        }
        assert!(f.done_line.as_deref().unwrap().contains("cov: 812"));
        assert_eq!(f.execs, Some(1_048_576));
        assert_eq!(f.execs_per_sec, Some(1747));
        assert_eq!(f.new_units, Some(389));
        assert_eq!(f.peak_rss_mb, Some(420));
        assert!(!f.crashed);
        f.read("==1234== ERROR: libFuzzer: deadly signal");
        f.read("artifact_prefix='fuzz/artifacts/decode/'; Test unit written to fuzz/artifacts/decode/crash-ab");
        assert!(f.crashed);
        assert_eq!(
            f.artifact.as_deref(),
            Some("fuzz/artifacts/decode/crash-ab")
        );
    }
}
