//! `cargo xtask pkg`: builds the npm package into `pkg/` with wasm-pack (which runs
//! wasm-bindgen and wasm-opt), shortens the names the `.wasm` and wasm-bindgen's glue share
//! (`xtask/wasm-names.mjs`), copies the hand-written JS files (`js/`) beside wasm-bindgen's
//! output, minifies every JS file with esbuild, checks that the `.wasm` and the minified glue
//! still agree, then writes `pkg/package.json` from `pkg.json.template` at the workspace root.
//!
//! wasm-bindgen's import names carry 16-hex-digit hashes and its closure exports are mangled Rust
//! symbols; both sit in the `.wasm` and in the glue, and hashes don't compress. Binaryen's
//! `--minify-imports-and-exports-and-modules` renames them and prints its old -> new map, which the
//! script applies to the glue and the `.d.ts` files through parsers (acorn and eslint-scope,
//! @babel/parser), never by searching their text; `memory` keeps its name, since apps read it from
//! what `init()` resolves to. Whatever the script can't follow where wasm-bindgen 0.2 writes it
//! (a name the map lists and the glue lacks, an export read it can't see) fails the build, and the
//! check after minifying instantiates the `.wasm` with the shipped glue.
//!
//! The template is JSON with the fixed metadata; this module reads it with serde_json and fills
//! in the top-level values `"{{version}}"` (the root crate's version), `"{{main}}"`,
//! `"{{types}}"`, `"{{exports}}"`, `"{{files}}"` and `"{{sideEffects}}"` from [`PKG_FILES`],
//! keeping the template's key order. To ship another file, add one line there.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

use crate::setup::NIGHTLY;
use crate::util::{cmd, package_version, root, run};

/// Output directory of `wasm-pack build`, relative to the workspace root.
pub const OUT_DIR: &str = "pkg";

/// One file of the npm package.
#[derive(Clone, Copy)]
struct PkgFile {
    /// Path inside `pkg/`.
    path: &'static str,
    /// Where it is copied from (relative to the workspace root); `None` for files
    /// wasm-pack writes itself.
    source: Option<&'static str>,
    /// Subpath in the `exports` map (`"."`, `"./element"`, ...), if importable. When
    /// several present files claim a subpath, the first one in [`PKG_FILES`] wins.
    export: Option<&'static str>,
    /// Its TypeScript declarations (inside `pkg/`), used as the export's `types` condition.
    types: Option<&'static str>,
    /// Whether importing it has side effects (listed in `sideEffects` for bundlers).
    side_effects: bool,
}

impl PkgFile {
    /// A file wasm-pack must produce.
    const fn built(path: &'static str) -> Self {
        PkgFile {
            path,
            source: None,
            export: None,
            types: None,
            side_effects: false,
        }
    }

    /// A file copied from `source` in the repository; packaged only if that exists.
    const fn copied(source: &'static str, path: &'static str) -> Self {
        PkgFile {
            source: Some(source),
            ..PkgFile::built(path)
        }
    }

    /// Exports the file at `subpath`.
    const fn export(self, subpath: &'static str) -> Self {
        PkgFile {
            export: Some(subpath),
            ..self
        }
    }

    /// Names the file's TypeScript declarations.
    const fn types(self, types: &'static str) -> Self {
        PkgFile {
            types: Some(types),
            ..self
        }
    }

    /// Marks the file as having side effects when imported.
    const fn side_effects(self) -> Self {
        PkgFile {
            side_effects: true,
            ..self
        }
    }
}

/// Every file of the package, in `files` order. Add a line to ship another one.
#[rustfmt::skip]
const PKG_FILES: &[PkgFile] = &[
    // The entry point: wasm-bindgen's API plus the self-registering custom element.
    PkgFile::copied("js/index.js", "index.js").export(".").types("index.d.ts").side_effects(),
    PkgFile::copied("js/index.d.ts", "index.d.ts"),
    // The <quiltt-reconnect> custom element on its own (registers itself on import).
    PkgFile::copied("js/element.js", "element.js").export("./element").types("element.d.ts").side_effects(),
    PkgFile::copied("js/element.d.ts", "element.d.ts"),
    // The React hook (React is a peer dependency of this entry only).
    PkgFile::copied("js/react.js", "react.js").export("./react").types("react.d.ts"),
    PkgFile::copied("js/react.d.ts", "react.d.ts"),
    // The error class as JavaScript makes it where the module can't (the entry and the hook).
    PkgFile::copied("js/error.js", "error.js"),
    // `watch()`'s async iterator, for the entry and the hook.
    PkgFile::copied("js/watch.js", "watch.js"),
    // wasm-bindgen's output; also the "." entry when there is no js/index.js.
    PkgFile::built("quiltt_reconnect.js").export(".").types("quiltt_reconnect.d.ts").side_effects(),
    PkgFile::built("quiltt_reconnect.d.ts"),
    PkgFile::built("quiltt_reconnect_bg.wasm").export("./quiltt_reconnect_bg.wasm"),
    PkgFile::built("quiltt_reconnect_bg.wasm.d.ts"),
    // What a stranger reads on npm: the package's own README (the repository's is for
    // contributors), the changelog, and both licenses of "MIT OR Apache-2.0".
    PkgFile::copied("js/README.md", "README.md"),
    PkgFile::copied("CHANGELOG.md", "CHANGELOG.md"),
    PkgFile::copied("LICENSE-MIT", "LICENSE-MIT"),
    PkgFile::copied("LICENSE-APACHE", "LICENSE-APACHE"),
];

/// Every file the tarball must hold: [`PKG_FILES`] and `package.json`.
pub fn tarball_files() -> Vec<&'static str> {
    PKG_FILES
        .iter()
        .map(|f| f.path)
        .chain(["package.json"])
        .collect()
}

/// What a page downloads from `dir`: the `.wasm` and the JS files of [`PKG_FILES`], each
/// compressed on its own with gzip level 9 (Node's zlib, as `cargo xtask bench` measures), summed.
pub fn shipped_gzip_bytes(dir: &Path) -> Result<u64> {
    let files: Vec<String> = PKG_FILES
        .iter()
        .filter(|f| f.path.ends_with(".js") || f.path.ends_with(".wasm"))
        .map(|f| dir.join(f.path))
        .filter(|p| p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    let script = "const fs = require('fs'), zlib = require('zlib'); \
        let n = 0; for (const f of process.argv.slice(1)) n += zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length; \
        console.log(n)";
    let out = cmd("node")
        .arg("-e")
        .arg(script)
        .args(&files)
        .output()
        .context("could not start node to measure the package")?;
    let text = String::from_utf8_lossy(&out.stdout);
    match text.trim().parse() {
        Ok(bytes) if out.status.success() => Ok(bytes),
        _ => bail!(
            "could not measure {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Cargo features of the npm build: the JavaScript class, and the smaller allocator (a Rust app
/// picks its own, and gets neither).
pub const PKG_FEATURES: &str = "js,talc-allocator";

/// rustc flags of the npm build, which runs on the pinned [`NIGHTLY`] (the crate itself and
/// its tests build on stable). A panic already ends the module (`panic = "abort"`);
/// `immediate-abort` ends it without formatting a message no one reads, which drops std's
/// panic and `fmt` machinery. The package has no `Debug` output and no panic locations to show.
const PKG_RUSTFLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none";

/// Cargo flags of the npm build: std rebuilt with the crate's own size profile and LTO,
/// choosing std's smaller code paths.
const PKG_CARGO_FLAGS: [&str; 2] = [
    "-Zbuild-std=std,panic_abort",
    "-Zbuild-std-features=optimize_for_size",
];

/// Cargo's target directory for the npm build, apart from the stable builds' `target/`, so
/// the two don't rebuild each other's dependencies on every switch.
const PKG_TARGET_DIR: &str = "target/pkg";

/// Builds `pkg/`, copies the hand-written files into it, and writes its `package.json`.
pub fn pkg() -> Result<()> {
    run(cmd("wasm-pack")
        .args([
            "build",
            "--target",
            "web",
            "--release",
            "--out-dir",
            OUT_DIR,
            "--out-name",
            "quiltt_reconnect",
            "--",
            "--features",
            PKG_FEATURES,
        ])
        .args(PKG_CARGO_FLAGS)
        .env("RUSTUP_TOOLCHAIN", NIGHTLY)
        .env("RUSTFLAGS", PKG_RUSTFLAGS)
        .env("CARGO_TARGET_DIR", root().join(PKG_TARGET_DIR)))?;
    let dir = root().join(OUT_DIR);
    wasm_names("shorten", &dir)?;
    copy_sources(&dir)?;
    minify_js(&dir)?;
    wasm_names("check", &dir)?;
    write_package_json(&dir)
}

/// The script that shortens the names the `.wasm` and its glue share, and checks that they agree.
const WASM_NAMES: &str = "xtask/wasm-names.mjs";

/// Runs [`WASM_NAMES`] on `dir`: `shorten` (on wasm-bindgen's fresh output: renames the `.wasm`'s
/// imports and exports with wasm-opt, then the glue and the `.d.ts` files from wasm-opt's map) or
/// `check` (on what ships: every import provided, every export read present, no hashed name left,
/// the `.wasm` instantiated with the glue).
fn wasm_names(mode: &str, dir: &Path) -> Result<()> {
    run(cmd("node").arg(WASM_NAMES).arg(mode).arg(dir))
}

/// Minifies the package's JavaScript in place with esbuild (from the root `package.json`): the
/// hand-written files (`js/`) and wasm-bindgen's glue (its names already shortened), so a page
/// that loads `pkg/` without a bundler downloads what a bundler would have made of it. Exports
/// keep their names and the `@ts-self-types` pointer stays.
fn minify_js(dir: &Path) -> Result<()> {
    for f in PKG_FILES.iter().filter(|f| f.path.ends_with(".js")) {
        let file = dir.join(f.path);
        if !file.is_file() {
            continue;
        }
        let before = fs::metadata(&file)?.len();
        let mut esbuild = cmd("esbuild");
        esbuild
            .arg(&file)
            .args(["--minify", "--legal-comments=none", "--allow-overwrite"])
            .arg(format!("--outfile={}", file.display()));
        if let Some(types) = f.types {
            esbuild.arg(format!("--banner:js=/* @ts-self-types=\"./{types}\" */"));
        }
        run(&mut esbuild)?;
        let after = fs::metadata(&file)?.len();
        println!(
            "[pkg] minified {OUT_DIR}/{} ({before} -> {after} bytes)",
            f.path
        );
    }
    Ok(())
}

/// Copies every [`PKG_FILES`] entry with a `source` that exists into `dir`.
fn copy_sources(dir: &Path) -> Result<()> {
    let root = root();
    for f in PKG_FILES {
        let Some(source) = f.source else { continue };
        let from = root.join(source);
        if from.is_file() {
            fs::copy(&from, dir.join(f.path))
                .with_context(|| format!("copying {source} into {}", dir.display()))?;
            println!("[pkg] copied {source} -> {OUT_DIR}/{}", f.path);
        }
    }
    Ok(())
}

/// Renders `pkg.json.template` for the files present in `dir` and writes `dir/package.json`.
pub fn write_package_json(dir: &Path) -> Result<()> {
    let root = root();
    let template =
        fs::read_to_string(root.join("pkg.json.template")).context("reading pkg.json.template")?;
    let cargo_toml = fs::read_to_string(root.join("Cargo.toml")).context("reading Cargo.toml")?;
    let Some(version) = package_version(&cargo_toml)? else {
        bail!("no [package] version in the root Cargo.toml");
    };
    let files = present_files(dir)?;
    let snippets = dir.join("snippets").is_dir();
    let json =
        render(&template, &version, &files, snippets).context("rendering pkg.json.template")?;
    let out = dir.join("package.json");
    fs::write(&out, json).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "[pkg] wrote {} (version {version}, {} files)",
        out.display(),
        files.len()
    );
    Ok(())
}

/// The [`PKG_FILES`] present in `dir`; a missing required file is an error.
fn present_files(dir: &Path) -> Result<Vec<&'static PkgFile>> {
    let mut files = Vec::new();
    for f in PKG_FILES {
        if dir.join(f.path).is_file() {
            files.push(f);
        } else if f.source.is_none() {
            bail!(
                "{} is missing from {}; did wasm-pack build succeed?",
                f.path,
                dir.display()
            );
        }
    }
    Ok(files)
}

/// Fills the template's placeholders and returns the package.json text (two-space indents, a
/// trailing newline). The template is JSON; a placeholder is the whole string value of a
/// top-level key, `"{{name}}"`, which becomes the value computed here (a string, an object or an
/// array): `version`, `main`, `types`, `exports`, `files`, `sideEffects`. Keys keep the
/// template's order. `snippets` adds wasm-bindgen's `snippets/` directory (JS inlined with
/// `#[wasm_bindgen(inline_js)]` or `module = ...`).
fn render(template: &str, version: &str, files: &[&PkgFile], snippets: bool) -> Result<String> {
    let mut json: Value =
        serde_json::from_str(template).context("pkg.json.template is not valid JSON")?;
    let Value::Object(top) = &mut json else {
        bail!("pkg.json.template is not a JSON object");
    };
    let fields = fields(version, files, snippets);
    for (key, value) in top.iter_mut() {
        let Some(name) = value.as_str().and_then(placeholder) else {
            continue;
        };
        let Some(filled) = fields.get(name) else {
            bail!("pkg.json.template: `{key}` holds {{{{{name}}}}}, which xtask does not fill");
        };
        *value = filled.clone();
    }
    if let Some(left) = leftover_placeholder(&json) {
        bail!("pkg.json.template: {left:?} is left unfilled (a placeholder must be the whole value of a top-level key)");
    }
    let mut text = serde_json::to_string_pretty(&json)?;
    text.push('\n');
    Ok(text)
}

/// `name` when `s` is `{{name}}`.
fn placeholder(s: &str) -> Option<&str> {
    s.strip_prefix("{{")?.strip_suffix("}}")
}

/// The first string anywhere in `json` that still holds `{{`.
fn leftover_placeholder(json: &Value) -> Option<&str> {
    match json {
        Value::String(s) => s.contains("{{").then_some(s.as_str()),
        Value::Array(items) => items.iter().find_map(leftover_placeholder),
        Value::Object(map) => map.values().find_map(leftover_placeholder),
        _ => None,
    }
}

/// The value of every placeholder, for the files present.
fn fields(version: &str, files: &[&PkgFile], snippets: bool) -> Map<String, Value> {
    let present = |path: &str| files.iter().any(|f| f.path == path);
    // The first present file claiming each subpath, in table order.
    let mut exported: Vec<(&str, &PkgFile)> = Vec::new();
    for f in files {
        if let Some(subpath) = f.export {
            if !exported.iter().any(|(s, _)| *s == subpath) {
                exported.push((subpath, f));
            }
        }
    }

    let mut exports = Map::new();
    for (subpath, f) in &exported {
        let target = format!("./{}", f.path);
        let value = if f.path.ends_with(".js") {
            // `types` first: TypeScript takes the first condition that matches.
            let mut conditions = Map::new();
            if let Some(types) = f.types.filter(|t| present(t)) {
                conditions.insert("types".into(), format!("./{types}").into());
            }
            conditions.insert("import".into(), target.clone().into());
            conditions.insert("default".into(), target.into());
            Value::Object(conditions)
        } else {
            target.into()
        };
        exports.insert((*subpath).to_owned(), value);
    }

    let entry = exported.iter().find(|(s, _)| *s == ".").map(|(_, f)| *f);
    let main = entry.map_or("", |f| f.path);
    let types = entry
        .and_then(|f| f.types)
        .filter(|t| present(t))
        .unwrap_or("");

    let mut names: Vec<String> = files.iter().map(|f| f.path.to_owned()).collect();
    let mut side_effects: Vec<String> = files
        .iter()
        .filter(|f| f.side_effects)
        .map(|f| format!("./{}", f.path))
        .collect();
    if snippets {
        names.push("snippets/".into());
        side_effects.push("./snippets/*".into());
    }

    let mut fields = Map::new();
    fields.insert("version".into(), version.into());
    fields.insert("main".into(), main.into());
    fields.insert("types".into(), types.into());
    fields.insert("exports".into(), Value::Object(exports));
    fields.insert("files".into(), names.into());
    fields.insert("sideEffects".into(), side_effects.into());
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The computed keys between fixed ones, as the real template has them.
    const TEMPLATE: &str = r#"{"name": "x", "version": "{{version}}", "main": "{{main}}", "types": "{{types}}", "exports": "{{exports}}", "files": "{{files}}", "sideEffects": "{{sideEffects}}", "license": "MIT"}"#;

    fn rendered(files: &[&PkgFile], snippets: bool) -> (String, Value) {
        let text = render(TEMPLATE, "1.2.3", files, snippets).unwrap();
        let json = serde_json::from_str(&text).unwrap();
        (text, json)
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    #[test]
    fn renders_wasm_pack_output_alone() {
        let files: Vec<&PkgFile> = PKG_FILES.iter().filter(|f| f.source.is_none()).collect();
        let (text, json) = rendered(&files, false);
        assert_eq!(json["version"], "1.2.3");
        assert_eq!(json["main"], "quiltt_reconnect.js");
        assert_eq!(json["types"], "quiltt_reconnect.d.ts");
        assert_eq!(
            json["exports"],
            json!({
                ".": {
                    "types": "./quiltt_reconnect.d.ts",
                    "import": "./quiltt_reconnect.js",
                    "default": "./quiltt_reconnect.js",
                },
                "./quiltt_reconnect_bg.wasm": "./quiltt_reconnect_bg.wasm",
            })
        );
        assert_eq!(json["sideEffects"], json!(["./quiltt_reconnect.js"]));
        assert!(!text.contains("element"));
        assert!(!text.contains("{{"));
        // The template's key order, two-space indents, a trailing newline.
        assert_eq!(
            keys(&json),
            [
                "name",
                "version",
                "main",
                "types",
                "exports",
                "files",
                "sideEffects",
                "license"
            ]
        );
        assert!(text.starts_with("{\n  \"name\": \"x\",\n  \"version\": \"1.2.3\",\n"));
        assert!(text.contains("\n  \"sideEffects\": [\n    \"./quiltt_reconnect.js\"\n  ],\n"));
        assert!(text.ends_with("\n}\n"));
    }

    #[test]
    fn the_first_present_file_wins_an_export_and_snippets_are_listed() {
        let files: Vec<&PkgFile> = PKG_FILES.iter().collect();
        let (_, json) = rendered(&files, true);
        assert_eq!(json["main"], "index.js");
        assert_eq!(json["types"], "index.d.ts");
        let exports = &json["exports"];
        assert_eq!(
            keys(exports),
            [".", "./element", "./react", "./quiltt_reconnect_bg.wasm"]
        );
        // TypeScript takes the first condition that matches: `types` comes first.
        assert_eq!(keys(&exports["."]), ["types", "import", "default"]);
        assert_eq!(exports["."]["types"], "./index.d.ts");
        assert_eq!(exports["./element"]["types"], "./element.d.ts");
        let listed = json["files"].as_array().unwrap();
        assert_eq!(listed.len(), PKG_FILES.len() + 1);
        assert!(listed.contains(&json!("quiltt_reconnect.js")));
        assert_eq!(listed.last().unwrap(), "snippets/");
        let side_effects = json["sideEffects"].as_array().unwrap();
        assert_eq!(side_effects.last().unwrap(), "./snippets/*");
    }

    #[test]
    fn values_are_escaped_and_bad_templates_refused() {
        let files: Vec<&PkgFile> = PKG_FILES.iter().collect();
        let odd = "1.0.0-\"quoted\"\\\n";
        let text = render(TEMPLATE, odd, &files, false).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["version"], odd);
        // The old template's bare placeholders are not JSON.
        assert!(render("{\"a\": {{exports}}}", "1", &files, false).is_err());
        assert!(render("[]", "1", &files, false).is_err());
        let unknown = render(r#"{"a": "{{nope}}"}"#, "1", &files, false).unwrap_err();
        assert!(format!("{unknown:#}").contains("{{nope}}"), "{unknown:#}");
        let nested = render(r#"{"a": {"b": "{{version}}"}}"#, "1", &files, false).unwrap_err();
        assert!(format!("{nested:#}").contains("unfilled"), "{nested:#}");
    }

    #[test]
    fn writes_valid_package_json() {
        let dir = std::env::temp_dir().join(format!("xtask-pkg-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("snippets")).unwrap();
        for f in PKG_FILES.iter().filter(|f| f.source.is_none()) {
            std::fs::write(dir.join(f.path), "").unwrap();
        }
        write_package_json(&dir).unwrap();
        let text = std::fs::read_to_string(dir.join("package.json")).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        let cargo_toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        let version = package_version(&cargo_toml).unwrap().unwrap();
        assert_eq!(json["version"], version.as_str());
        assert_eq!(json["name"], "quiltt-reconnect");
        assert_eq!(keys(&json)[..2], ["name", "version"]);
        assert_eq!(
            json["files"].as_array().unwrap().last().unwrap(),
            "snippets/"
        );
        assert!(!text.contains("{{"));
        assert!(text.ends_with("}\n"));
        if crate::util::which("node").is_some() {
            let check = "JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))";
            let parsed = std::process::Command::new("node")
                .args(["-e", check, dir.join("package.json").to_str().unwrap()])
                .status()
                .unwrap();
            assert!(parsed.success(), "package.json is not valid JSON:\n{text}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shipped_size_counts_the_wasm_and_js_only() {
        if crate::util::which("node").is_none() {
            return;
        }
        let dir = std::env::temp_dir().join(format!("xtask-pkg-size-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let shipped: Vec<&PkgFile> = PKG_FILES
            .iter()
            .filter(|f| f.path.ends_with(".js") || f.path.ends_with(".wasm"))
            .collect();
        for f in PKG_FILES {
            std::fs::write(dir.join(f.path), "").unwrap();
        }
        // Declarations are not downloaded by a page: a large one must not count.
        std::fs::write(dir.join("index.d.ts"), "x".repeat(10_000)).unwrap();
        // An empty input gzips to 20 bytes (header, empty block, trailer).
        assert_eq!(shipped_gzip_bytes(&dir).unwrap(), 20 * shipped.len() as u64);
        std::fs::write(dir.join(shipped[0].path), "y".repeat(10_000)).unwrap();
        assert!(shipped_gzip_bytes(&dir).unwrap() > 20 * shipped.len() as u64);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
