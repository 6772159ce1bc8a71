//! The crate's module graph: which modules of `src/` import which, read from the source text,
//! and the check that no import goes round in a circle (issue 13: "no two modules of src/
//! import each other"; the machine imports nothing from the driver or the JavaScript layer).
//!
//! An import is a path in code (not in comments or `#[cfg(test)] mod tests`): `crate::a::b`,
//! `super::x`, `self::x`, a `use` of a child module, or a child named in a path of its parent
//! (`fetch::post(…)` in `web/mod.rs`). Each is resolved to the deepest module it names. A
//! parent's re-exports of its children are imports of the children, so a child may use its
//! siblings but not its parent.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use anyhow::{bail, Result};

use crate::util::root;

/// Modules, by path (`""` for the crate root, `"machine::step"`), and the modules each imports.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// Fails when an import of `src/` goes round in a circle, naming it.
pub fn check() -> Result<()> {
    let graph = graph(&root().join("src"))?;
    if let Some(circle) = circle(&graph) {
        bail!("modules of src/ import each other: {}", circle.join(" -> "));
    }
    if let Some(banned) = graph
        .get("machine")
        .into_iter()
        .chain(
            graph
                .iter()
                .filter(|(m, _)| m.starts_with("machine::"))
                .map(|(_, i)| i),
        )
        .flatten()
        .find(|m| ["driver", "web", "js", "client"].contains(&top(m)))
    {
        bail!(
            "the machine imports `{banned}`: it may import no driver, browser or JavaScript layer"
        );
    }
    println!("[layout] {} modules, no import circle", graph.len());
    Ok(())
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or("")
}

/// Reads every `.rs` file under `src` into the module graph.
fn graph(src: &Path) -> Result<Graph> {
    let mut files = Vec::new();
    collect(src, &mut files)?;
    let module_of = |path: &Path| -> (Vec<String>, bool) {
        let rel = path.strip_prefix(src).unwrap_or(path).with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let is_dir = matches!(parts.last().map(String::as_str), Some("mod" | "lib"));
        if is_dir {
            parts.pop();
        }
        (parts, is_dir)
    };
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f).0.join("::")).collect();
    let mut graph = Graph::new();
    for file in &files {
        let (me, is_dir) = module_of(file);
        let text = code_of(&fs::read_to_string(file)?);
        let name = me.join("::");
        let mut imports = BTreeSet::new();
        for path in paths(&text) {
            let full: Vec<String> = match path.first().map(String::as_str) {
                Some("crate") => path[1..].to_vec(),
                Some("super") => {
                    // `super` of a file's module is its parent, whether it is `x.rs` or `x/mod.rs`.
                    let mut base = me.clone();
                    let mut rest = &path[..];
                    while rest.first().map(String::as_str) == Some("super") {
                        base.pop();
                        rest = &rest[1..];
                    }
                    base.into_iter().chain(rest.iter().cloned()).collect()
                }
                Some("self") => me.iter().chain(&path[1..]).cloned().collect(),
                Some(first) if is_dir && modules.contains(&child(&me, first)) => {
                    me.iter().chain(&path).cloned().collect()
                }
                _ => continue,
            };
            let target = deepest(&modules, full);
            if target != name {
                imports.insert(target);
            }
        }
        graph.insert(name, imports);
    }
    Ok(graph)
}

fn child(parent: &[String], name: &str) -> String {
    parent
        .iter()
        .map(String::as_str)
        .chain([name])
        .collect::<Vec<_>>()
        .join("::")
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// The text without comments and without the unit tests (`#[cfg(test)] mod tests`).
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module path the code names: `a::b::c` sequences and `use` trees, expanded.
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    // `use` statements: a line starting with `use` (after a visibility) up to the next `;`.
    let mut at = 0;
    for line in code.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let after_vis = ["pub(crate) ", "pub(super) ", "pub "]
            .iter()
            .find_map(|v| trimmed.strip_prefix(v))
            .unwrap_or(trimmed);
        if let Some(tree) = after_vis.strip_prefix("use ") {
            let start = at + (line.len() - tree.len());
            let end = code[start..].find(';').map_or(code.len(), |e| start + e);
            expand(&[], &code[start..end], &mut out);
        }
        at += line.len();
    }
    // Paths in expressions and types: identifiers joined by `::`.
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let starts = (bytes[i].is_ascii_alphabetic() || bytes[i] == '_')
            && (i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || bytes[i - 1] == '_'
                    || bytes[i - 1] == ':'));
        if !starts {
            i += 1;
            continue;
        }
        let mut segments = Vec::new();
        let mut j = i;
        loop {
            let start = j;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == '_') {
                j += 1;
            }
            segments.push(bytes[start..j].iter().collect::<String>());
            if bytes.get(j) == Some(&':')
                && bytes.get(j + 1) == Some(&':')
                && bytes
                    .get(j + 2)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_')
            {
                j += 2;
            } else {
                break;
            }
        }
        if segments.len() > 1 {
            out.push(segments);
        }
        i = j.max(i + 1);
    }
    out
}

/// `a::{b, c::{d, e}}` under `prefix` into `[prefix, a, b]`, `[prefix, a, c, d]`, ….
fn expand(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(inner) = tree.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let mut depth = 0;
        let mut start = 0;
        for (at, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(prefix, &inner[start..at], out);
                    start = at + 1;
                }
                _ => {}
            }
        }
        expand(prefix, &inner[start..], out);
        return;
    }
    match tree.split_once("::") {
        Some((head, rest)) => {
            let mut next = prefix.to_vec();
            next.push(head.trim().to_owned());
            expand(&next, rest, out);
        }
        None => {
            let name = tree.split_whitespace().next().unwrap_or("");
            if !name.is_empty() && name != "*" && name != "self" {
                let mut path = prefix.to_vec();
                path.push(name.to_owned());
                out.push(path);
            } else if !prefix.is_empty() {
                out.push(prefix.to_vec());
            }
        }
    }
}

/// The deepest module of `modules` that `path` names (`""`, the root, at least).
fn deepest(modules: &BTreeSet<String>, mut path: Vec<String>) -> String {
    while !path.is_empty() && !modules.contains(&path.join("::")) {
        path.pop();
    }
    path.join("::")
}

/// A circle of imports, when there is one: depth-first search for a back edge.
fn circle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        graph: &Graph,
        node: &str,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|m| m == node) {
            let mut found = stack[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(graph, next, stack, done) {
                return Some(found);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(graph, m, &mut Vec::new(), &mut done))
        .map(|c| {
            c.into_iter()
                .map(|m| if m.is_empty() { "crate".into() } else { m })
                .collect()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph_of(edges: &[(&str, &[&str])]) -> Graph {
        edges
            .iter()
            .map(|(m, to)| (m.to_string(), to.iter().map(|t| t.to_string()).collect()))
            .collect()
    }

    #[test]
    fn a_circle_is_found_and_a_tree_is_not() {
        let tree = graph_of(&[("a", &["b", "c"]), ("b", &["c"]), ("c", &[])]);
        assert_eq!(circle(&tree), None);
        let round = graph_of(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        assert_eq!(circle(&round).unwrap(), ["a", "b", "c", "a"]);
    }

    #[test]
    fn use_trees_and_expression_paths_are_read() {
        let mut out = Vec::new();
        expand(
            &[],
            "super::{step::{Clock, Step}, secrets::Secrets}",
            &mut out,
        );
        assert!(out.contains(&vec!["super".into(), "step".into(), "Clock".into()]));
        assert!(out.contains(&vec!["super".into(), "secrets".into(), "Secrets".into()]));
        let found = paths(&code_of("let x = fetch::post(a); // crate::web::x\n"));
        assert_eq!(found, vec![vec!["fetch".to_string(), "post".to_string()]]);
    }

    #[test]
    fn the_crate_has_no_import_circle() {
        let graph = graph(&root().join("src")).unwrap();
        assert!(graph.contains_key("machine::step"), "{:?}", graph.keys());
        assert_eq!(circle(&graph), None);
    }
}
