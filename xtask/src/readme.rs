//! The README's Rust example, compiled as a Rust web app would compile it: its ```` ```rust ````
//! block becomes `src/lib.rs` of a generated crate under `target/readme-example/`, whose
//! `Cargo.toml` holds the ```` ```toml ```` block just before it (the `[dependencies]` a reader
//! copies), with `quiltt-reconnect` pointed at this workspace by path. A dependency the example
//! needs and the README does not list fails the build, and so does an example that no longer
//! matches the crate's API.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};
use toml::{Table, Value};

use crate::util::{cmd, root, run};

/// The crate the example uses, as a dependency key.
const CRATE: &str = "quiltt-reconnect";

/// Where the example crate is generated, relative to the workspace root.
const DIR: &str = "target/readme-example";

/// Cargo's target directory: `tests/rust-app`'s, so the dependencies both build alike
/// (wasm-bindgen, js-sys, the crate itself) are compiled once.
const TARGET_DIR: &str = "target/rust-app";

/// The README's example, as blocks of it.
#[derive(Debug, PartialEq)]
struct Example {
    /// The ```` ```toml ```` block before the Rust code: `[dependencies]` and more.
    dependencies: String,
    /// The ```` ```rust ```` block.
    code: String,
}

/// Generates `target/readme-example/` from README.md and builds it for wasm32.
pub fn build() -> Result<()> {
    let root = root();
    let readme = fs::read_to_string(root.join("README.md")).context("reading README.md")?;
    let example = extract(&readme).context("README.md's Rust example")?;
    let dir = root.join(DIR);
    let manifest = manifest(&example.dependencies, &root)?;
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    write_if_changed(&dir.join("src/lib.rs"), &example.code)?;
    // The versions `tests/rust-app` is tested with, as a start: cargo adds what the example
    // needs beyond them (from crates.io) and keeps the rest.
    let lock = dir.join("Cargo.lock");
    if !lock.exists() {
        fs::copy(root.join("tests/rust-app/Cargo.lock"), &lock)
            .context("seeding the example's Cargo.lock from tests/rust-app")?;
    }
    println!(
        "[test] README.md's example: {}/Cargo.toml and src/lib.rs ({} lines)",
        DIR,
        example.code.lines().count()
    );
    // The release profile of tests/rust-app (see `manifest`), so that its dependencies' builds
    // are reused here.
    run(cmd("cargo")
        .args(["build", "--release", "--target", "wasm32-unknown-unknown"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", root.join(TARGET_DIR)))
}

fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// One fenced code block: its info string (```` ```rust,ignore ```` → `rust,ignore`), its text
/// and the line its fence opens on (1-based).
struct Block<'a> {
    info: &'a str,
    text: String,
    line: usize,
}

/// The fenced (```` ``` ````) code blocks of a Markdown document.
fn blocks(markdown: &str) -> Result<Vec<Block<'_>>> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(info)) => {
                open = Some(Block {
                    info: info.trim(),
                    text: String::new(),
                    line: i + 1,
                })
            }
            (Some(_), Some(rest)) if rest.trim().is_empty() => blocks.extend(open.take()),
            (Some(block), _) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    if let Some(block) = open {
        bail!(
            "the code block opened on line {} is never closed",
            block.line
        );
    }
    Ok(blocks)
}

/// The README's one Rust block and the TOML block closest before it, which must hold a
/// `[dependencies]` table.
fn extract(readme: &str) -> Result<Example> {
    let blocks = blocks(readme)?;
    let language = |b: &Block| b.info.split(',').next().unwrap_or("").trim().to_owned();
    let rust: Vec<usize> = (0..blocks.len())
        .filter(|&i| language(&blocks[i]) == "rust")
        .collect();
    let at = match rust[..] {
        [at] => at,
        [] => bail!("no ```rust block"),
        _ => bail!(
            "{} ```rust blocks (on lines {}); the test builds one: merge them, or teach xtask/src/readme.rs to build each",
            rust.len(),
            rust.iter().map(|&i| blocks[i].line.to_string()).collect::<Vec<_>>().join(", ")
        ),
    };
    let code = &blocks[at];
    let Some(deps) = blocks[..at].iter().rev().find(|b| language(b) == "toml") else {
        bail!("no ```toml block with the example's [dependencies] before the ```rust block on line {}", code.line);
    };
    let table: Table = toml::from_str(&deps.text)
        .with_context(|| format!("the ```toml block on line {} is not TOML", deps.line))?;
    if !table.contains_key("dependencies") {
        bail!(
            "the ```toml block on line {} has no [dependencies] table",
            deps.line
        );
    }
    Ok(Example {
        dependencies: deps.text.clone(),
        code: code.text.clone(),
    })
}

/// The example crate's `Cargo.toml`: the README's dependency block, with `quiltt-reconnect`
/// taken by path from `root` (its `features`, `default-features` and `version` kept, so a
/// version requirement the README shows must match the crate's version; `git`, `branch`, `tag`,
/// `rev` and `registry` dropped), as a `cdylib` in a workspace of its own, with
/// `tests/rust-app`'s release profile.
fn manifest(dependencies: &str, root: &Path) -> Result<String> {
    let mut doc: Table = toml::from_str(dependencies)?;
    let deps = doc
        .get_mut("dependencies")
        .and_then(Value::as_table_mut)
        .context("the README's ```toml block has no [dependencies] table")?;
    let Some(listed) = deps.get(CRATE) else {
        bail!("the README's [dependencies] do not name {CRATE}");
    };
    let mut local = Table::new();
    local.insert("path".into(), root.display().to_string().into());
    match listed {
        Value::String(version) => {
            local.insert("version".into(), version.clone().into());
        }
        Value::Table(spec) => {
            for key in [
                "version",
                "features",
                "default-features",
                "default_features",
            ] {
                if let Some(value) = spec.get(key) {
                    local.insert(key.into(), value.clone());
                }
            }
        }
        other => bail!("the README's {CRATE} dependency is neither a version nor a table: {other}"),
    }
    deps.insert(CRATE.into(), local.into());

    let package: Table = toml::from_str(
        r#"
name = "readme-example"
version = "0.0.0"
edition = "2021"
publish = false
"#,
    )?;
    let mut manifest = Table::new();
    manifest.insert("package".into(), package.into());
    manifest.insert(
        "lib".into(),
        toml::from_str::<Table>("crate-type = [\"cdylib\"]")?.into(),
    );
    manifest.extend(doc);
    manifest.insert("workspace".into(), Table::new().into());
    manifest.insert(
        "profile".into(),
        toml::from_str::<Table>("[release]\nopt-level = \"s\"")?.into(),
    );
    Ok(format!(
        "# Generated by `cargo xtask test` from README.md's example; edit README.md instead.\n{}",
        toml::to_string(&manifest)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "# x\n\n```sh\ncargo add x\n```\n\n```toml\n[dependencies]\nquiltt-reconnect = { git = \"https://example.com/x\", features = [\"talc-allocator\"] }\nweb-sys = { version = \"0.3\", features = [\"console\"] }\n```\n\n```rust,ignore\nuse quiltt_reconnect::Client;\n```\n\nmore\n";

    #[test]
    fn extracts_the_rust_block_and_the_toml_before_it() {
        let example = extract(README).unwrap();
        assert_eq!(example.code, "use quiltt_reconnect::Client;\n");
        assert!(example.dependencies.starts_with("[dependencies]\n"));
        assert!(example.dependencies.contains("web-sys"));
    }

    #[test]
    fn refuses_a_readme_it_cannot_build() {
        let err = |readme: &str| format!("{:#}", extract(readme).unwrap_err());
        assert!(err("```toml\n[dependencies]\n```\n").contains("no ```rust"));
        assert!(err("```rust\nfn a() {}\n```\n").contains("no ```toml"));
        assert!(err("```toml\n[package]\n```\n```rust\n```\n").contains("no [dependencies]"));
        assert!(err("```toml\n[dependencies\n```\n```rust\n```\n").contains("not TOML"));
        let two = format!("{README}```rust\nfn b() {{}}\n```\n");
        assert!(err(&two).contains("2 ```rust blocks"));
        assert!(err("```rust\nfn a() {}\n").contains("never closed"));
    }

    #[test]
    fn points_the_crate_at_the_workspace() {
        let example = extract(README).unwrap();
        let text = manifest(&example.dependencies, Path::new("/w/root")).unwrap();
        let doc: Table = toml::from_str(&text).unwrap();
        let deps = doc["dependencies"].as_table().unwrap();
        let ours = deps[CRATE].as_table().unwrap();
        assert_eq!(ours["path"].as_str(), Some("/w/root"));
        assert!(!ours.contains_key("git"));
        assert_eq!(ours["features"].as_array().unwrap().len(), 1);
        assert_eq!(deps["web-sys"]["features"][0].as_str(), Some("console"));
        assert_eq!(doc["lib"]["crate-type"][0].as_str(), Some("cdylib"));
        assert!(doc["workspace"].as_table().unwrap().is_empty());
        assert_eq!(doc["profile"]["release"]["opt-level"].as_str(), Some("s"));

        // A version requirement stays beside the path: it must match the crate's version.
        let versioned = manifest(
            "[dependencies]\nquiltt-reconnect = \"0.1\"\n",
            Path::new("/r"),
        );
        let doc: Table = toml::from_str(&versioned.unwrap()).unwrap();
        assert_eq!(doc["dependencies"][CRATE]["version"].as_str(), Some("0.1"));
        assert_eq!(doc["dependencies"][CRATE]["path"].as_str(), Some("/r"));

        assert!(manifest("[dependencies]\nserde = \"1\"\n", Path::new("/r")).is_err());
    }
}
