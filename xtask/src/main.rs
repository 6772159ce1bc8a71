//! Developer commands for the quiltt-reconnect workspace, run as `cargo xtask <command>`
//! (the alias lives in `.cargo/config.toml`).
//!
//! Every command that needs tools runs [`setup::setup`] first, which installs what is
//! missing and skips what is present, so a fresh machine needs nothing but these commands.

mod bench;
mod demo;
mod fuzz;
mod mutants;
mod pkg;
mod readme;
mod release;
mod sandbox;
mod setup;
mod test;
mod util;

use std::process::ExitCode;

use anyhow::Result;

const USAGE: &str = "\
Usage: cargo xtask <command> [options]

Commands:
  setup               install what the other commands need (idempotent)
  pkg                 build the npm package into pkg/ (wasm-pack + package.json)
  test [--quick]      fmt, clippy, docs, native tests, the README's Rust example, the crates
                      packaged (cargo package), browser tests, end-to-end tests;
                      --quick leaves out the browser and end-to-end steps
  demo [--port <n>]   build the package and serve the demo (default port 8787)
  fuzz [--seconds N]  fuzz the reply decoding and input validation (nightly libFuzzer; default 600 s)
  bench [--quick]     size, latency and memory figures beside the peer libraries;
                      rewrites docs/BENCHMARKS.md (--quick: a short trial run)
  mutants [names...]  undo each fix of tests/mutants/mutants.json in a copy of the sources
                      and check that its browser test fails (or hangs while it runs);
                      names pick mutants by a word of their name; not part of `test`
  help                show this text
";

fn main() -> ExitCode {
    util::prepend_tool_dirs_to_path();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match (command.as_str(), rest) {
        ("setup", []) => setup::setup(),
        ("pkg", []) => setup::setup().and_then(|()| pkg::pkg()),
        ("test", []) => test::test(false),
        ("test", [flag]) if flag == "--quick" => test::test(true),
        ("demo", rest) => match parse_port(rest) {
            Ok(port) => demo::demo(port),
            Err(e) => return usage_error(&e),
        },
        ("fuzz", rest) => fuzz::fuzz(rest),
        ("bench", rest) => bench::bench(rest),
        ("mutants", names) => mutants::mutants(names),
        ("help" | "-h" | "--help", _) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => return usage_error(&format!("unknown command or arguments: {}", args.join(" "))),
    };
    report(result)
}

/// Parses the demo's `[--port <n>]`.
fn parse_port(args: &[String]) -> std::result::Result<u16, String> {
    match args {
        [] => Ok(demo::DEFAULT_PORT),
        [flag, n] if flag == "--port" => n.parse().map_err(|_| format!("bad port: {n}")),
        [flag] if flag.starts_with("--port=") => {
            let n = &flag["--port=".len()..];
            n.parse().map_err(|_| format!("bad port: {n}"))
        }
        _ => Err(format!("unknown demo arguments: {}", args.join(" "))),
    }
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("error: {msg}\n\n{USAGE}");
    ExitCode::from(2)
}

fn report(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}`: the message with the context it was in, on one line.
            eprintln!("\nerror: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_port;

    #[test]
    fn parses_demo_port() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_port(&args(&[])), Ok(8787));
        assert_eq!(parse_port(&args(&["--port", "9000"])), Ok(9000));
        assert_eq!(parse_port(&args(&["--port=0"])), Ok(0));
        assert!(parse_port(&args(&["--port", "x"])).is_err());
        assert!(parse_port(&args(&["--host"])).is_err());
    }
}
