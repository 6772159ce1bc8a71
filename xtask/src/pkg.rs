//! `cargo xtask pkg`: builds the npm package into `pkg/` with wasm-pack (which runs
//! wasm-bindgen and wasm-opt), copies the hand-written JS files (`js/`) beside wasm-bindgen's
//! output, minifies those hand-written files with esbuild, then writes `pkg/package.json` from
//! `pkg.json.template` at the workspace root. wasm-bindgen's output is shipped as it wrote it:
//! no step edits its JS, its `.d.ts` or the `.wasm`'s names, so a move of wasm-bindgen or
//! binaryen can't break the build.
//!
//! The template holds the fixed metadata; this module fills in `{{version}}` (the root
//! crate's version), `{{main}}`, `{{types}}`, `{{exports}}`, `{{files}}` and
//! `{{sideEffects}}` from [`PKG_FILES`]. To ship another file, add one line there.

use std::fs;
use std::path::Path;

use crate::bail;
use crate::setup::NIGHTLY;
use crate::util::{cmd, package_version, root, run, Result};

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
    let out = cmd("node").arg("-e").arg(script).args(&files).output()?;
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
pub fn pkg() -> Result {
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
    copy_sources(&dir)?;
    minify_js(&dir)?;
    write_package_json(&dir)
}

/// Minifies the package's hand-written JavaScript (`js/`) in place with esbuild (from the root
/// `package.json`), so a page that loads `pkg/` without a bundler downloads what a bundler would
/// have made of it. Exports keep their names and the `@ts-self-types` pointer stays.
/// wasm-bindgen's own output is left as it wrote it.
fn minify_js(dir: &Path) -> Result {
    for f in PKG_FILES
        .iter()
        .filter(|f| f.source.is_some() && f.path.ends_with(".js"))
    {
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
fn copy_sources(dir: &Path) -> Result {
    let root = root();
    for f in PKG_FILES {
        let Some(source) = f.source else { continue };
        let from = root.join(source);
        if from.is_file() {
            fs::copy(&from, dir.join(f.path))
                .map_err(|e| format!("copying {source} into {}: {e}", dir.display()))?;
            println!("[pkg] copied {source} -> {OUT_DIR}/{}", f.path);
        }
    }
    Ok(())
}

/// Renders `pkg.json.template` for the files present in `dir` and writes `dir/package.json`.
pub fn write_package_json(dir: &Path) -> Result {
    let root = root();
    let template = fs::read_to_string(root.join("pkg.json.template"))
        .map_err(|e| format!("reading pkg.json.template: {e}"))?;
    let cargo_toml = fs::read_to_string(root.join("Cargo.toml"))?;
    let Some(version) = package_version(&cargo_toml) else {
        bail!("no [package] version in the root Cargo.toml");
    };
    let files = present_files(dir)?;
    let snippets = dir.join("snippets").is_dir();
    let json = render(&template, &version, &files, snippets);
    let out = dir.join("package.json");
    fs::write(&out, json)?;
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

/// Fills the template's placeholders. `snippets` adds wasm-bindgen's `snippets/`
/// directory (JS inlined with `#[wasm_bindgen(inline_js)]` or `module = ...`).
fn render(template: &str, version: &str, files: &[&PkgFile], snippets: bool) -> String {
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

    let mut exports = Vec::new();
    for (subpath, f) in &exported {
        let target = format!("./{}", f.path);
        let value = if f.path.ends_with(".js") {
            let mut conditions = Vec::new();
            if let Some(types) = f.types.filter(|t| present(t)) {
                conditions.push(("types", format!("./{types}")));
            }
            conditions.push(("import", target.clone()));
            conditions.push(("default", target));
            let body: Vec<String> = conditions
                .iter()
                .map(|(k, v)| format!("      {}: {}", quote(k), quote(v)))
                .collect();
            format!("{{\n{}\n    }}", body.join(",\n"))
        } else {
            quote(&target)
        };
        exports.push(format!("    {}: {value}", quote(subpath)));
    }
    let exports = format!("{{\n{}\n  }}", exports.join(",\n"));

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

    template
        .replace("{{version}}", version)
        .replace("{{main}}", main)
        .replace("{{types}}", types)
        .replace("{{exports}}", &exports)
        .replace("{{files}}", &array(&names))
        .replace("{{sideEffects}}", &array(&side_effects))
}

/// A JSON array of strings, one per line, indented for a top-level key.
fn array(items: &[String]) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let body: Vec<String> = items.iter().map(|s| format!("    {}", quote(s))).collect();
    format!("[\n{}\n  ]", body.join(",\n"))
}

/// A JSON string literal.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "{\"version\": \"{{version}}\", \"main\": \"{{main}}\", \"types\": \"{{types}}\", \"exports\": {{exports}}, \"files\": {{files}}, \"sideEffects\": {{sideEffects}}}";

    #[test]
    fn renders_wasm_pack_output_alone() {
        let files: Vec<&PkgFile> = PKG_FILES.iter().filter(|f| f.source.is_none()).collect();
        let out = render(TEMPLATE, "1.2.3", &files, false);
        assert!(out.contains("\"version\": \"1.2.3\""));
        assert!(out.contains("\"main\": \"quiltt_reconnect.js\""));
        assert!(out.contains("\"types\": \"quiltt_reconnect.d.ts\""));
        assert!(out.contains("\".\": {\n      \"types\": \"./quiltt_reconnect.d.ts\""));
        assert!(out.contains("\"./quiltt_reconnect_bg.wasm\": \"./quiltt_reconnect_bg.wasm\""));
        assert!(!out.contains("element"));
        assert!(out.contains("\"sideEffects\": [\n    \"./quiltt_reconnect.js\"\n  ]"));
        assert!(!out.contains("{{"));
    }

    #[test]
    fn the_first_present_file_wins_an_export_and_snippets_are_listed() {
        let files: Vec<&PkgFile> = PKG_FILES.iter().collect();
        let out = render(TEMPLATE, "0.1.0", &files, true);
        assert!(out.contains("\"main\": \"index.js\""));
        assert!(out.contains("\"types\": \"index.d.ts\""));
        assert!(out.contains("\".\": {\n      \"types\": \"./index.d.ts\""));
        assert_eq!(out.matches("\".\":").count(), 1);
        assert!(out.contains("\"./element\": {\n      \"types\": \"./element.d.ts\""));
        assert!(out.contains("    \"quiltt_reconnect.js\",\n"));
        assert!(out.contains("\"snippets/\""));
        assert!(out.contains("\"./snippets/*\""));
    }

    #[test]
    fn writes_valid_package_json() {
        let dir = std::env::temp_dir().join(format!("xtask-pkg-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("snippets")).unwrap();
        for f in PKG_FILES.iter().filter(|f| f.source.is_none()) {
            std::fs::write(dir.join(f.path), "").unwrap();
        }
        write_package_json(&dir).unwrap();
        let json = std::fs::read_to_string(dir.join("package.json")).unwrap();
        let version = package_version(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap());
        assert!(json.contains(&format!("\"version\": \"{}\"", version.unwrap())));
        assert!(json.contains("\"name\": \"quiltt-reconnect\""));
        assert!(!json.contains("{{"));
        if crate::util::which("node").is_some() {
            let check = "JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))";
            let parsed = std::process::Command::new("node")
                .args(["-e", check, dir.join("package.json").to_str().unwrap()])
                .status()
                .unwrap();
            assert!(parsed.success(), "package.json is not valid JSON:\n{json}");
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

    #[test]
    fn quotes_json() {
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }
}
