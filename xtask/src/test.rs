//! `cargo xtask test`: the whole suite, each step timed, then a summary table.
//!
//! Independent steps keep running after a failure; steps that need a failed one
//! (browser tests without a sandbox binary, e2e without a package) are skipped and
//! the run still fails. `--quick` leaves out the browser and end-to-end steps.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;

use crate::sandbox::{self, Sandbox};
use crate::setup::{self, CHROMEDRIVER, CHROMIUM};
use crate::util::{cmd, package_version, root, run};
use crate::{pkg, readme, release};

/// The size the package aims at, gzipped (.wasm + JS, as `cargo xtask bench` counts): issue 22
/// "Lighter and plainer"'s budget (it was 45,000 B in "One flow, one driver"). `cargo xtask
/// test` reports the figure beside it; the verdict is `cargo xtask bench`'s, in
/// docs/BENCHMARKS.md (size is measured, not asserted).
const PKG_GZIP_BUDGET: u64 = 66_000;

/// The end-to-end runner, started when it exists.
const E2E_RUNNER: &str = "tests/e2e/run.mjs";

/// How a step ended.
enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

/// One row of the summary.
struct Row {
    name: String,
    outcome: Outcome,
    time: Duration,
}

/// Runs steps and collects their outcomes.
#[derive(Default)]
struct Suite {
    rows: Vec<Row>,
}

impl Suite {
    /// Runs `f` as a timed step; returns whether it passed.
    fn step(&mut self, name: &str, f: impl FnOnce() -> Result<()>) -> bool {
        println!("\n==> {name}");
        let start = Instant::now();
        let outcome = match f() {
            Ok(()) => Outcome::Pass,
            Err(e) => {
                // `{:#}`: the message with every context it was in, on one line.
                let e = format!("{e:#}");
                eprintln!("[test] {name} FAILED: {e}");
                Outcome::Fail(e)
            }
        };
        let passed = matches!(outcome, Outcome::Pass);
        self.rows.push(Row {
            name: name.to_owned(),
            outcome,
            time: start.elapsed(),
        });
        passed
    }

    /// Records a step that did not run.
    fn skip(&mut self, name: &str, why: &str) {
        println!("\n==> {name}: skipped ({why})");
        self.rows.push(Row {
            name: name.to_owned(),
            outcome: Outcome::Skip(why.to_owned()),
            time: Duration::ZERO,
        });
    }

    /// Prints the summary table; returns whether nothing failed.
    fn summary(&self) -> bool {
        let width = self
            .rows
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        println!("\n{:<width$}  {:<6}  {:>8}", "step", "result", "seconds");
        println!("{}", "-".repeat(width + 18));
        for row in &self.rows {
            let (result, note) = match &row.outcome {
                Outcome::Pass => ("PASS", String::new()),
                Outcome::Fail(_) => ("FAIL", String::new()),
                Outcome::Skip(why) => ("SKIP", format!("  ({why})")),
            };
            println!(
                "{:<width$}  {:<6}  {:>8.1}{note}",
                row.name,
                result,
                row.time.as_secs_f64()
            );
        }
        let total: Duration = self.rows.iter().map(|r| r.time).sum();
        println!("{}", "-".repeat(width + 18));
        println!(
            "{:<width$}  {:<6}  {:>8.1}",
            "total",
            "",
            total.as_secs_f64()
        );
        let failed: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
            .collect();
        if failed.is_empty() {
            println!("\nall steps passed");
            return true;
        }
        println!("\n{} step(s) failed:", failed.len());
        for row in failed {
            if let Outcome::Fail(e) = &row.outcome {
                println!("  {}: {e}", row.name);
            }
        }
        false
    }
}

/// Runs the suite; `quick` skips the browser and end-to-end steps.
pub fn test(quick: bool) -> Result<()> {
    let mut s = Suite::default();
    let set_up = s.step("setup", setup::setup);

    s.step(
        "the core crate is sans-IO (no browser crate in its tree)",
        core_is_sans_io,
    );
    s.step("cargo fmt --check", || {
        run(cmd("cargo").args(["fmt", "--all", "--", "--check"]))
    });
    s.step("clippy (native)", || {
        run(cmd("cargo").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    });
    s.step("clippy (wasm32)", || {
        run(cmd("cargo").args([
            "clippy",
            "-p",
            "quiltt-reconnect",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--features",
            pkg::PKG_FEATURES,
            "--",
            "-D",
            "warnings",
        ]))
    });
    s.step("cargo doc (wasm32, warnings denied)", || {
        // The docs as a Rust user of the crate reads them (Client exists on wasm32 only): a
        // broken intra-doc link fails here instead of rendering as plain text.
        run(cmd("cargo")
            .args([
                "doc",
                "-p",
                "quiltt-reconnect",
                "-p",
                "quiltt-reconnect-core",
                "--no-deps",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env("RUSTDOCFLAGS", "-D warnings"))
    });
    s.step("cargo test (native)", || {
        run(cmd("cargo").args(["test", "--workspace"]))
    });
    s.step("GraphQL documents on every schema generation", || {
        // Every document the crate sends, validated by graphql-js against Quiltt's published
        // schemas (2023-08, 2024-08, 2025-04, and one without Plaid) and the sandbox's, and
        // where graphql-js refuses the newest initialize; see tests/schema/README.md.
        run(cmd("node").arg("tests/schema/validate.mjs"))
    });
    s.step(
        "a Rust app depending on the crate (tests/rust-app)",
        rust_app,
    );
    s.step(
        "README.md's Rust example (target/readme-example, wasm32)",
        readme::build,
    );
    s.step(
        "release packages (cargo package, native + wasm32)",
        release::package_crates,
    );
    s.step("bench statistics (node --test, benches/stats.mjs)", || {
        // The bootstrap, the budget verdicts and the load rule of benches/run.mjs.
        run(cmd("node").args(["--test", "benches/stats.test.mjs"]))
    });
    s.step("wasm names (node --test, xtask/wasm-names.mjs)", || {
        // The rename `cargo xtask pkg` applies to the .wasm, its glue and declarations, and the
        // check of what ships, on a small module laid out as wasm-bindgen lays out its output.
        run(cmd("node").args(["--test", "xtask/wasm-names.test.mjs"]))
    });

    const BROWSER: &str = "browser tests (wasm-pack)";
    const PKG: &str = "package (wasm-pack build)";
    const E2E: &str = "end-to-end (tests/e2e)";
    let e2e_exists = root().join(E2E_RUNNER).exists();
    if quick {
        for name in [BROWSER, PKG, E2E] {
            s.skip(name, "--quick");
        }
        return finish(&s);
    }

    let mut sandbox_bin: Option<PathBuf> = None;
    s.step("build sandbox", || {
        sandbox_bin = Some(sandbox::build()?);
        Ok(())
    });
    // What keeps the sandbox-based steps from running, if anything.
    let blocker = if !set_up {
        Some("setup failed")
    } else if sandbox_bin.is_none() {
        Some("sandbox build failed")
    } else {
        None
    };

    match (&sandbox_bin, blocker) {
        (Some(bin), None) => {
            s.step(BROWSER, || browser_tests(bin));
        }
        (_, why) => s.skip(BROWSER, why.unwrap_or("sandbox build failed")),
    }

    if !e2e_exists {
        let why = format!("{E2E_RUNNER} does not exist yet");
        s.skip(PKG, &why);
        s.skip(E2E, &why);
        return finish(&s);
    }
    let packaged = set_up && s.step(PKG, pkg::pkg);
    if !set_up {
        s.skip(PKG, "setup failed");
    }
    if packaged {
        s.step("package size (reported)", size_report);
        s.step(
            "npm tarball contents and metadata (npm pack)",
            tarball_contents,
        );
    }
    match (&sandbox_bin, blocker) {
        (Some(bin), None) if packaged => {
            s.step(E2E, || e2e_tests(bin));
        }
        (_, why) => s.skip(E2E, why.unwrap_or("package build failed")),
    }
    finish(&s)
}

/// The crates the core must not depend on: with none of them in its tree, the compiler keeps the
/// machines, the driver and the documents free of the browser.
const BROWSER_CRATES: &[&str] = &[
    "wasm-bindgen",
    "js-sys",
    "web-sys",
    "wasm-bindgen-futures",
    "serde-wasm-bindgen",
    "gloo-net",
    "gloo-timers",
    "gloo-events",
];

/// Checks that `quiltt-reconnect-core` builds natively and that none of [`BROWSER_CRATES`] is
/// in its dependency tree, for the host or for wasm32.
fn core_is_sans_io() -> Result<()> {
    run(cmd("cargo").args(["build", "-p", "quiltt-reconnect-core"]))?;
    for target in [None, Some("wasm32-unknown-unknown")] {
        let mut tree = cmd("cargo");
        tree.args([
            "tree",
            "-p",
            "quiltt-reconnect-core",
            "-e",
            "normal",
            "--prefix",
            "none",
        ]);
        if let Some(target) = target {
            tree.args(["--target", target]);
        }
        let out = tree.output()?;
        if !out.status.success() {
            bail!(
                "cargo tree failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let listed = String::from_utf8_lossy(&out.stdout);
        let found: Vec<&str> = listed
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .filter(|name| BROWSER_CRATES.contains(name))
            .collect();
        if !found.is_empty() {
            bail!("quiltt-reconnect-core depends on {found:?} ({target:?})");
        }
    }
    println!("[test] quiltt-reconnect-core: none of {BROWSER_CRATES:?} in its tree");
    Ok(())
}

/// Prints what `pkg/` ships gzipped beside [`PKG_GZIP_BUDGET`].
fn size_report() -> Result<()> {
    let bytes = pkg::shipped_gzip_bytes(&root().join(pkg::OUT_DIR))?;
    let verdict = if bytes <= PKG_GZIP_BUDGET {
        "within"
    } else {
        "over"
    };
    println!("[test] pkg/ ships {bytes} B gzipped, {verdict} the {PKG_GZIP_BUDGET} B budget");
    Ok(())
}

/// What `npm pack` puts in the tarball: the files `package.json` lists, the package's own README,
/// the changelog and both licenses, and nothing else; and what the registry shows of
/// `package.json` (see [`registry_metadata_problems`]).
fn tarball_contents() -> Result<()> {
    let dir = root().join(pkg::OUT_DIR);
    let out = cmd("npm")
        .args(["pack", "--dry-run", "--json", "--ignore-scripts"])
        .current_dir(&dir)
        .output()
        .context("could not start npm pack")?;
    if !out.status.success() {
        bail!("npm pack failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let packed: Vec<Packed> =
        serde_json::from_slice(&out.stdout).context("reading npm pack's --json output")?;
    let [packed] = &packed[..] else {
        bail!("npm pack described {} packages, expected one", packed.len());
    };
    let mut listed: Vec<&str> = packed.files.iter().map(|f| f.path.as_str()).collect();
    listed.sort_unstable();
    println!("[test] the tarball holds {listed:?}");
    let mut expected = pkg::tarball_files();
    expected.sort_unstable();
    if listed != expected {
        bail!("npm pack lists {listed:?}, expected {expected:?}");
    }
    for needed in ["LICENSE-MIT", "LICENSE-APACHE", "README.md", "CHANGELOG.md"] {
        if !listed.contains(&needed) {
            bail!("the tarball has no {needed}");
        }
    }

    let cargo_toml = std::fs::read_to_string(root().join("Cargo.toml"))?;
    let krate: CrateToml = toml::from_str(&cargo_toml).context("reading Cargo.toml")?;
    let Some(version) = package_version(&cargo_toml)? else {
        bail!("no [package] version in the root Cargo.toml");
    };
    if (packed.name.as_str(), packed.version.as_str()) != (krate.package.name.as_str(), &version) {
        bail!(
            "npm pack makes {}@{}, expected {}@{version} (the crate's name and version)",
            packed.name,
            packed.version,
            krate.package.name
        );
    }
    let text = std::fs::read_to_string(dir.join("package.json"))?;
    let json: Value = serde_json::from_str(&text).context("reading pkg/package.json")?;
    let problems = registry_metadata_problems(&json, &listed, &krate.package);
    if !problems.is_empty() {
        bail!("pkg/package.json: {}", problems.join("; "));
    }
    println!(
        "[test] {}@{} shows a description, license {}, repository, homepage, bugs, keywords, types and {} exports, each in the tarball",
        packed.name,
        packed.version,
        json["license"],
        json["exports"].as_object().map_or(0, |e| e.len())
    );
    Ok(())
}

/// What `npm pack --dry-run --json` says of one package (it prints an array of them).
#[derive(Deserialize)]
struct Packed {
    name: String,
    version: String,
    files: Vec<PackedFile>,
}

#[derive(Deserialize)]
struct PackedFile {
    path: String,
}

/// The root `Cargo.toml`'s `[package]`, as far as the npm package must agree with it.
#[derive(Deserialize)]
struct CrateToml {
    package: CratePackage,
}

#[derive(Deserialize)]
struct CratePackage {
    name: String,
    license: String,
    repository: String,
}

/// What is wrong with the metadata a registry shows of `package.json` (`pkg`), given the files
/// of the tarball (`listed`) and the crate's own: the name and license are the crate's; the
/// description, homepage, keywords and bug tracker are there; the repository is the crate's;
/// `types` and every target of `exports` (`"."` among them) are files of the tarball.
fn registry_metadata_problems(pkg: &Value, listed: &[&str], krate: &CratePackage) -> Vec<String> {
    let mut problems = Vec::new();
    let text = |key: &str| pkg[key].as_str().filter(|s| !s.trim().is_empty());
    if pkg["name"] != krate.name.as_str() {
        problems.push(format!(
            "name is {}, expected {:?}",
            pkg["name"], krate.name
        ));
    }
    if pkg["license"] != krate.license.as_str() {
        problems.push(format!(
            "license is {}, expected {:?}",
            pkg["license"], krate.license
        ));
    }
    for key in ["description", "homepage"] {
        if text(key).is_none() {
            problems.push(format!("no {key}"));
        }
    }
    if !pkg["keywords"]
        .as_array()
        .is_some_and(|k| !k.is_empty() && k.iter().all(Value::is_string))
    {
        problems.push("no keywords".into());
    }
    if pkg["bugs"]["url"]
        .as_str()
        .or(pkg["bugs"].as_str())
        .is_none()
    {
        problems.push("no bugs URL".into());
    }
    let repository = pkg["repository"]["url"]
        .as_str()
        .or(pkg["repository"].as_str());
    let bare = |url: &str| {
        let url = url.strip_prefix("git+").unwrap_or(url);
        url.strip_suffix(".git")
            .unwrap_or(url)
            .trim_end_matches('/')
            .to_owned()
    };
    if repository.map(bare) != Some(bare(&krate.repository)) {
        problems.push(format!(
            "repository is {}, expected the crate's {}",
            pkg["repository"], krate.repository
        ));
    }
    let shipped = |file: &str| listed.contains(&file.trim_start_matches("./"));
    match text("types") {
        Some(types) if shipped(types) => {}
        Some(types) => problems.push(format!("types names {types}, which the tarball lacks")),
        None => problems.push("no types".into()),
    }
    match pkg["exports"].as_object() {
        Some(exports) if exports.contains_key(".") => {
            let mut targets = Vec::new();
            collect_strings(&pkg["exports"], &mut targets);
            for target in targets.into_iter().filter(|t| !shipped(t)) {
                problems.push(format!("exports name {target}, which the tarball lacks"));
            }
        }
        _ => problems.push("no exports with a \".\" entry".into()),
    }
    problems
}

/// Every string inside `v`.
fn collect_strings<'a>(v: &'a Value, into: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => into.push(s),
        Value::Array(items) => items.iter().for_each(|i| collect_strings(i, into)),
        Value::Object(map) => map.values().for_each(|i| collect_strings(i, into)),
        _ => {}
    }
}

/// The crate as a Rust web app uses it: `tests/rust-app` depends on it by path with default
/// features and has its own `#[wasm_bindgen] pub struct Job`. It must build for wasm32 and pass
/// through wasm-bindgen (a name exported twice fails there), and its bindings must export the
/// app's names only: nothing of the crate's JavaScript class.
fn rust_app() -> Result<()> {
    let app = root().join("tests/rust-app");
    let target = root().join("target/rust-app");
    run(cmd("cargo")
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .current_dir(&app)
        .env("CARGO_TARGET_DIR", &target))?;
    let out = target.join("bindings");
    run(cmd("wasm-bindgen")
        .args(["--target", "web", "--out-dir"])
        .arg(&out)
        .arg(target.join("wasm32-unknown-unknown/release/rust_app.wasm")))?;
    let js = std::fs::read_to_string(out.join("rust_app.js"))?;
    let exported = exported_names(&js);
    let expected = ["Job", "default", "initSync", "repair", "store_tier"];
    if exported != expected {
        bail!("tests/rust-app's bindings export {exported:?}, expected the app's own {expected:?}");
    }
    println!("[test] tests/rust-app's bindings export only the app's names: {exported:?}");
    Ok(())
}

/// The names an ES module's `export` lines give: `export class X`, `export function X`, and
/// `export { a, b as c }`; sorted.
fn exported_names(js: &str) -> Vec<String> {
    let mut names = Vec::new();
    for rest in js.lines().filter_map(|l| l.strip_prefix("export ")) {
        match rest.strip_prefix('{') {
            Some(list) => {
                let list = list.trim_end_matches(['}', ';', ' ']);
                let items = list.split(',').filter_map(|item| item.split(" as ").last());
                names.extend(items.map(|name| name.trim().to_owned()));
            }
            None => names.extend(
                rest.trim_start_matches("async ")
                    .split([' ', '(', '{'])
                    .filter(|w| !w.is_empty())
                    .nth(1)
                    .map(str::to_owned),
            ),
        }
    }
    names.sort_unstable();
    names
}

fn finish(s: &Suite) -> Result<()> {
    if s.summary() {
        Ok(())
    } else {
        bail!("some test steps failed (see the summary above)")
    }
}

/// `wasm-pack test --headless --chrome` against a fresh sandbox, whose URL and schema
/// generation the tests read at compile time (`QUILTT_SANDBOX_URL`, `QUILTT_SANDBOX_SCHEMA`):
/// every test against the 2025 schema (Quiltt's current one); the flow tests of the JS class and
/// the Rust `Client` (`tests/browser.rs`, `tests/client.rs`) and the generation detection
/// (`tests/generations.rs`) again against the 2024 and 2023 schemas, all with default options;
/// and `tests/generations.rs` against an environment without Plaid.
fn browser_tests(bin: &Path) -> Result<()> {
    let every: &[&str] = &[];
    let flows: &[&str] = &["browser", "client", "generations"];
    let runs = [
        ("2025", every),
        ("2024", flows),
        ("2023", flows),
        ("no-plaid", &["generations"][..]),
    ];
    for (schema, only) in runs {
        println!("[test] browser tests against a sandbox with the {schema} schema");
        let sandbox = Sandbox::start(bin, 0, &["--schema", schema])?;
        let mut wasm_pack = cmd("wasm-pack");
        wasm_pack.args([
            "test",
            "--headless",
            "--chrome",
            "--chromedriver",
            CHROMEDRIVER,
            "--",
        ]);
        for test in only {
            wasm_pack.args(["--test", test]);
        }
        run(wasm_pack
            .args(["--features", pkg::PKG_FEATURES])
            .env("QUILTT_SANDBOX_URL", &sandbox.url)
            .env("QUILTT_SANDBOX_SCHEMA", schema)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))?;
        drop(sandbox);
    }
    Ok(())
}

/// `node tests/e2e/run.mjs` against three sandboxes on 127.0.0.1 that serve `www/` and `pkg/`
/// under the strict CSP: one with Quiltt's current schema (2025, every scenario) and one each
/// with the 2024 and 2023 schemas (the scenarios that must work on every generation). They stop
/// when this returns, also on failure.
fn e2e_tests(bin: &Path) -> Result<()> {
    let serve = ["--www", "www", "--pkg", pkg::OUT_DIR, "--csp", "--schema"];
    let current = Sandbox::start(bin, 0, &[&serve[..], &["2025"]].concat())?;
    let y2024 = Sandbox::start(bin, 0, &[&serve[..], &["2024"]].concat())?;
    let y2023 = Sandbox::start(bin, 0, &[&serve[..], &["2023"]].concat())?;
    run(cmd("node")
        .arg(E2E_RUNNER)
        .env("QUILTT_SANDBOX_URL", &current.url)
        .env("QUILTT_SANDBOX_2024_URL", &y2024.url)
        .env("QUILTT_SANDBOX_2023_URL", &y2023.url)
        .env("CHROMIUM", CHROMIUM))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_metadata_is_checked_against_the_crate_and_the_tarball() {
        let krate = CratePackage {
            name: "quiltt-reconnect".into(),
            license: "MIT OR Apache-2.0".into(),
            repository: "https://github.com/o/r".into(),
        };
        let listed = ["index.js", "index.d.ts", "x.wasm", "package.json"];
        let good = serde_json::json!({
            "name": "quiltt-reconnect",
            "description": "d",
            "license": "MIT OR Apache-2.0",
            "homepage": "https://github.com/o/r#readme",
            "repository": { "type": "git", "url": "git+https://github.com/o/r.git" },
            "bugs": { "url": "https://github.com/o/r/issues" },
            "keywords": ["a"],
            "types": "index.d.ts",
            "exports": { ".": { "types": "./index.d.ts", "import": "./index.js" }, "./x.wasm": "./x.wasm" },
        });
        assert!(registry_metadata_problems(&good, &listed, &krate).is_empty());

        let mut bad = good.clone();
        bad["license"] = "MIT".into();
        bad["repository"] = "https://github.com/o/other".into();
        bad.as_object_mut().unwrap().remove("homepage");
        bad.as_object_mut().unwrap().remove("bugs");
        bad["keywords"] = serde_json::json!([]);
        bad["types"] = "gone.d.ts".into();
        bad["exports"]["./element"] = "./element.js".into();
        let problems = registry_metadata_problems(&bad, &listed, &krate).join("; ");
        for expected in [
            "license is",
            "repository is",
            "no homepage",
            "no bugs",
            "no keywords",
            "gone.d.ts",
            "./element.js",
        ] {
            assert!(problems.contains(expected), "{expected}: {problems}");
        }
        bad["exports"] = serde_json::json!({ "./x.wasm": "./x.wasm" });
        let problems = registry_metadata_problems(&bad, &listed, &krate).join("; ");
        assert!(problems.contains("no exports with a \".\""), "{problems}");
    }

    #[test]
    fn reads_every_kind_of_export_line() {
        let js = "export class Job {\nexport function repair(a) {\nexport async function x() {\nexport { initSync, __wbg_init as default };\n  export const no = 1;";
        assert_eq!(
            exported_names(js),
            ["Job", "default", "initSync", "repair", "x"]
        );
    }
}
