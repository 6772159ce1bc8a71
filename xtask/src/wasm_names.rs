//! Shortens the names the package's `.wasm` and its JS glue share.
//!
//! wasm-bindgen names each import after the JS function plus a 16-digit hash
//! (`__wbg_random_df36b90cd78a7d54`), and each closure export after its mangled Rust symbol. The
//! names sit in both files and hashes don't compress: about 3 KB of the gzipped package. Binaryen's
//! `--minify-imports-and-exports-and-modules` renames them all to one or two letters and prints
//! the mapping; this module applies that mapping to the glue and its TypeScript declarations.
//! Every renamed name must be found where wasm-bindgen writes it, or the build fails.
//!
//! The `memory` export keeps its name: apps read `(await init()).memory`.

use std::fs;
use std::path::Path;

use crate::bail;
use crate::util::{cmd, display, Result};

/// The `.wasm`, its glue and the declarations that name its exports, inside `pkg/`.
const WASM: &str = "quiltt_reconnect_bg.wasm";
pub(crate) const GLUE: &str = "quiltt_reconnect.js";
const GLUE_TYPES: &str = "quiltt_reconnect.d.ts";
const WASM_TYPES: &str = "quiltt_reconnect_bg.wasm.d.ts";

/// The export that keeps its name.
const KEPT_EXPORT: &str = "memory";

/// What Binaryen renamed.
#[derive(Debug, Default, PartialEq)]
struct Mapping {
    /// `(module, old name, new name)` of each import.
    imports: Vec<(String, String, String)>,
    /// `(old name, new name)` of each export.
    exports: Vec<(String, String)>,
}

/// Minifies the names in `dir`'s `.wasm` and rewrites the glue to match.
pub fn shorten(dir: &Path) -> Result {
    let wasm = dir.join(WASM);
    let mut opt = cmd("wasm-opt");
    opt.arg(&wasm)
        .args([
            "--minify-imports-and-exports-and-modules",
            // One more size round on the renamed module: shorter names let it fold a little more
            // (about 0.1 KB gzip).
            "-Oz",
            "--strip-target-features",
            "-o",
        ])
        .arg(&wasm);
    let line = display(&opt);
    println!("$ {line}");
    let out = opt
        .output()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    if !out.status.success() {
        bail!(
            "`{line}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut mapping = parse_mapping(&String::from_utf8_lossy(&out.stdout))?;
    if let Some(at) = mapping
        .exports
        .iter()
        .position(|(old, _)| old == KEPT_EXPORT)
    {
        let (old, new) = mapping.exports.remove(at);
        let renamed = rename_export(&fs::read(&wasm)?, &new, &old)?;
        fs::write(&wasm, renamed)?;
    }
    let module = new_module(dir)?;

    let glue = dir.join(GLUE);
    let js = rename_glue(&fs::read_to_string(&glue)?, &mapping, &module)?;
    fs::write(&glue, js)?;
    for (file, prefix) in [(GLUE_TYPES, "readonly "), (WASM_TYPES, "export const ")] {
        let path = dir.join(file);
        let mut text = fs::read_to_string(&path)?;
        for (old, new) in &mapping.exports {
            text = replace_word(&text, &format!("{prefix}{old}"), &format!("{prefix}{new}")).0;
        }
        fs::write(&path, text)?;
    }
    println!(
        "[pkg] shortened {} import and {} export names",
        mapping.imports.len(),
        mapping.exports.len()
    );
    Ok(())
}

/// The one import module the minified `.wasm` has left (Binaryen merges them).
fn new_module(dir: &Path) -> Result<String> {
    let mut dis = cmd("wasm-dis");
    dis.arg(dir.join(WASM));
    let out = dis
        .output()
        .map_err(|e| format!("could not start `{}`: {e}", display(&dis)))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut modules: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("(import \""))
        .filter_map(|rest| rest.split('"').next())
        .collect();
    modules.dedup();
    match modules.as_slice() {
        [one] => Ok((*one).to_owned()),
        _ => bail!("expected one import module after minifying, found {modules:?}"),
    }
}

/// Reads Binaryen's mapping: `{"imports": [[module, old, new], ...], "exports": [[old, new], ...]}`,
/// one entry a line.
fn parse_mapping(text: &str) -> Result<Mapping> {
    let mut mapping = Mapping::default();
    let mut section = "";
    for line in text.lines().map(str::trim) {
        if line.starts_with("\"imports\"") || line.starts_with("\"exports\"") {
            section = &line[1..8];
            continue;
        }
        if !line.starts_with('[') {
            continue;
        }
        // The odd pieces of a split on '"' are the quoted strings.
        let strings: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
        match (section, strings.as_slice()) {
            ("imports", [module, old, new]) => {
                mapping
                    .imports
                    .push(((*module).into(), (*old).into(), (*new).into()));
            }
            ("exports", [old, new]) => mapping.exports.push(((*old).into(), (*new).into())),
            _ => bail!("unexpected line in wasm-opt's name mapping: {line}"),
        }
    }
    if mapping.imports.is_empty() || mapping.exports.is_empty() {
        bail!("wasm-opt printed no name mapping");
    }
    Ok(mapping)
}

/// Renames the import module, the import object's keys and every `wasm.<export>` in the glue.
fn rename_glue(js: &str, mapping: &Mapping, module: &str) -> Result<String> {
    let mut js = js.to_owned();
    let mut old_modules: Vec<&str> = mapping.imports.iter().map(|i| i.0.as_str()).collect();
    old_modules.dedup();
    for old in old_modules {
        let (renamed, n) = replace_word(&js, &format!("\"{old}\":"), &format!("\"{module}\":"));
        if n != 1 {
            bail!("{GLUE}: import module \"{old}\" found {n} times, expected once");
        }
        js = renamed;
    }
    for (_, old, new) in &mapping.imports {
        let (renamed, n) = replace_word(&js, &format!("{old}:"), &format!("\"{new}\":"));
        if n != 1 {
            bail!("{GLUE}: import {old} found {n} times, expected once");
        }
        js = renamed;
    }
    for (old, new) in &mapping.exports {
        js = replace_word(&js, &format!("wasm.{old}"), &format!("wasm[\"{new}\"]")).0;
    }
    let kept = format!("wasm.{KEPT_EXPORT}");
    for (at, _) in js.match_indices("wasm.") {
        let rest = &js[at..];
        let is_kept = rest.starts_with(&kept) && !rest[kept.len()..].starts_with(is_ident_char);
        if !is_kept {
            let rest: String = rest.chars().take(60).collect();
            bail!("{GLUE}: an export was not renamed: {rest}");
        }
    }
    Ok(js)
}

/// Renames the export `from` to `to` in a wasm binary, leaving every other byte as it was.
fn rename_export(wasm: &[u8], from: &str, to: &str) -> Result<Vec<u8>> {
    const EXPORT_SECTION: u8 = 7;
    let Some(body) = wasm.get(8..).filter(|_| wasm.starts_with(b"\0asm")) else {
        bail!("not a wasm module");
    };
    let mut out = wasm[..8].to_vec();
    let mut rest = body;
    let mut renamed = false;
    while let Some((&id, after_id)) = rest.split_first() {
        let (size, after_size) = read_leb(after_id)?;
        let Some(payload) = after_size.get(..size as usize) else {
            bail!("wasm section {id} runs past the end");
        };
        rest = &after_size[size as usize..];
        if id != EXPORT_SECTION {
            out.push(id);
            write_leb(&mut out, size);
            out.extend_from_slice(payload);
            continue;
        }
        let (count, mut entries) = read_leb(payload)?;
        let mut section = Vec::new();
        write_leb(&mut section, count);
        for _ in 0..count {
            let (len, after_len) = read_leb(entries)?;
            let Some(name) = after_len.get(..len as usize) else {
                bail!("wasm export name runs past its section");
            };
            let (kind_and_index, after) = export_tail(&after_len[len as usize..])?;
            let name = if name == from.as_bytes() {
                renamed = true;
                to.as_bytes()
            } else {
                name
            };
            write_leb(&mut section, name.len() as u32);
            section.extend_from_slice(name);
            section.extend_from_slice(kind_and_index);
            entries = after;
        }
        out.push(id);
        write_leb(&mut out, section.len() as u32);
        out.extend_from_slice(&section);
    }
    if !renamed {
        bail!("the wasm has no export named {from}");
    }
    Ok(out)
}

/// Splits an export's kind byte and index off what follows them.
fn export_tail(bytes: &[u8]) -> Result<(&[u8], &[u8])> {
    let Some((_kind, after_kind)) = bytes.split_first() else {
        bail!("wasm export entry is cut short");
    };
    let (_, after_index) = read_leb(after_kind)?;
    let used = bytes.len() - after_index.len();
    Ok((&bytes[..used], after_index))
}

/// Reads an unsigned LEB128 `u32`, returning it and the bytes after it.
fn read_leb(bytes: &[u8]) -> Result<(u32, &[u8])> {
    let mut value: u32 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(5) {
        value |= u32::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((value, &bytes[i + 1..]));
        }
    }
    bail!("bad LEB128 number in the wasm")
}

/// Appends `value` as unsigned LEB128.
fn write_leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Whether `c` can continue a JavaScript identifier (the names here are ASCII).
fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Replaces each `old` that is not part of a longer identifier, and counts them.
fn replace_word(text: &str, old: &str, new: &str) -> (String, usize) {
    let joins_before = old.starts_with(is_ident_char);
    let joins_after = old.ends_with(is_ident_char);
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut copied = 0;
    for (at, _) in text.match_indices(old) {
        let before = text[..at].chars().next_back();
        let after = text[at + old.len()..].chars().next();
        if (joins_before && before.is_some_and(is_ident_char))
            || (joins_after && after.is_some_and(is_ident_char))
        {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(new);
        copied = at + old.len();
        count += 1;
    }
    out.push_str(&text[copied..]);
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPPING: &str = r#"{
 "imports": [
  ["./m.js", "__wbg_random_df36", "$"],
  ["./m.js", "__wbg_head_931a", "A"],
 ],
"exports": [
  ["memory", "a"],
  ["invoke__h1", "b"],
  ["invoke__h1_6", "c"]
 ]
}"#;

    #[test]
    fn parses_binaryens_mapping() {
        let m = parse_mapping(MAPPING).unwrap();
        assert_eq!(
            m.imports[1],
            ("./m.js".into(), "__wbg_head_931a".into(), "A".into())
        );
        assert_eq!(
            m.exports,
            [
                ("memory".into(), "a".into()),
                ("invoke__h1".into(), "b".into()),
                ("invoke__h1_6".into(), "c".into())
            ]
        );
        assert!(parse_mapping("{}").is_err());
    }

    #[test]
    fn renames_the_glue_and_leaves_longer_names_alone() {
        let m = parse_mapping(MAPPING).unwrap();
        let js = "const import0 = {\n  __wbg_random_df36: function() {},\n  __wbg_head_931a: function() {},\n};\nreturn { \"./m.js\": import0 };\nwasm.invoke__h1(1); wasm.invoke__h1_6(2); new DataView(wasm.memory.buffer); let memory;";
        let out = rename_glue(js, &m, "a").unwrap();
        assert!(out.contains("\"$\": function() {}"), "{out}");
        assert!(out.contains("\"A\": function() {}"), "{out}");
        assert!(out.contains("{ \"a\": import0 }"), "{out}");
        assert!(out.contains("wasm[\"b\"](1); wasm[\"c\"](2);"), "{out}");
        assert!(out.contains("wasm[\"a\"].buffer); let memory;"), "{out}");
        let mut kept = m;
        kept.exports.retain(|(old, _)| old != KEPT_EXPORT);
        let out = rename_glue(js, &kept, "a").unwrap();
        assert!(out.contains("new DataView(wasm.memory.buffer)"), "{out}");
    }

    #[test]
    fn a_name_the_glue_lacks_fails_the_build() {
        let m = parse_mapping(MAPPING).unwrap();
        let js = "{ __wbg_random_df36: 1 } { \"./m.js\": import0 }";
        assert!(rename_glue(js, &m, "a").is_err());
        let unrenamed =
            "{ __wbg_random_df36: 1, __wbg_head_931a: 2 } { \"./m.js\": x } wasm.other()";
        assert!(rename_glue(unrenamed, &m, "a").is_err());
    }

    /// A module with one memory exported under `name` and nothing else.
    fn module_exporting_memory(name: &str) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[5, 3, 1, 0, 1]); // memory section: one memory, min 1 page
        let mut exports = vec![1, name.len() as u8];
        exports.extend_from_slice(name.as_bytes());
        exports.extend_from_slice(&[2, 0]); // kind memory, index 0
        wasm.push(7);
        wasm.push(exports.len() as u8);
        wasm.extend_from_slice(&exports);
        wasm
    }

    #[test]
    fn rename_export_rewrites_only_that_name() {
        let minified = module_exporting_memory("Ja");
        let renamed = rename_export(&minified, "Ja", "memory").unwrap();
        assert_eq!(renamed, module_exporting_memory("memory"));
        assert!(rename_export(&minified, "Kb", "memory").is_err());
        assert!(rename_export(b"not wasm", "Ja", "memory").is_err());
        assert!(rename_export(&minified[..minified.len() - 3], "Ja", "memory").is_err());
    }

    #[test]
    fn leb128_round_trips() {
        for n in [0, 1, 127, 128, 300, 16_384, u32::MAX] {
            let mut bytes = Vec::new();
            write_leb(&mut bytes, n);
            bytes.push(0xaa);
            assert_eq!(read_leb(&bytes).unwrap(), (n, &[0xaa][..]));
        }
    }

    #[test]
    fn replace_word_counts_whole_identifiers_only() {
        assert_eq!(
            replace_word("ab a ba a_", "a", "x"),
            ("ab x ba a_".into(), 1)
        );
        assert_eq!(replace_word("\"m\": \"m\":", "\"m\":", "\"n\":").1, 2);
    }
}
