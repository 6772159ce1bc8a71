//! Release readiness of the crates: every publishable workspace member (as `cargo metadata`
//! tells: `publish` is not `false`/`[]`) carries the metadata crates.io shows, and packages and
//! builds on its own from the `.crate` file, natively and for wasm32.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::util::{cmd, probe, root, run};

/// What xtask reads of `cargo metadata --format-version 1 --no-deps`.
#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Member>,
    workspace_members: Vec<String>,
}

/// A workspace member, with the fields crates.io shows.
#[derive(Deserialize)]
pub struct Member {
    id: String,
    pub name: String,
    pub version: String,
    /// `None`: any registry; `[]`: none (`publish = false`); else the registries named.
    publish: Option<Vec<String>>,
    manifest_path: PathBuf,
    description: Option<String>,
    license: Option<String>,
    license_file: Option<String>,
    repository: Option<String>,
    homepage: Option<String>,
    documentation: Option<String>,
    readme: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
}

impl Member {
    fn publishable(&self) -> bool {
        self.publish
            .as_ref()
            .is_none_or(|registries| !registries.is_empty())
    }

    /// The crates.io page's fields this member leaves empty.
    fn missing_metadata(&self) -> Vec<&'static str> {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        let mut missing = Vec::new();
        for (key, present) in [
            ("description", set(&self.description)),
            ("license", set(&self.license) || set(&self.license_file)),
            ("repository", set(&self.repository)),
            ("homepage", set(&self.homepage)),
            ("documentation", set(&self.documentation)),
            ("readme", set(&self.readme)),
            ("keywords", !self.keywords.is_empty()),
            ("categories", !self.categories.is_empty()),
        ] {
            if !present {
                missing.push(key);
            }
        }
        missing
    }

    /// Its directory.
    fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }
}

/// The workspace members `cargo metadata` calls publishable, in its order.
fn publishable(metadata_json: &str) -> Result<Vec<Member>> {
    let metadata: Metadata =
        serde_json::from_str(metadata_json).context("reading `cargo metadata`'s output")?;
    Ok(metadata
        .packages
        .into_iter()
        .filter(|p| metadata.workspace_members.contains(&p.id) && p.publishable())
        .collect())
}

/// Paths that `git status --porcelain -z` reports changed or untracked, relative to the
/// repository root (a rename's new path only).
fn changed_paths(status_z: &str) -> Vec<&str> {
    let mut paths = Vec::new();
    let mut entries = status_z.split('\0').filter(|e| !e.is_empty());
    while let Some(entry) = entries.next() {
        let (Some(code), Some(path)) = (entry.get(..2), entry.get(3..)) else {
            continue;
        };
        paths.push(path);
        if code.contains(['R', 'C']) {
            entries.next(); // the path it was renamed or copied from
        }
    }
    paths
}

/// The files `cargo package` would take from `dir` (`listed`, relative to it) that git calls
/// changed (`changed`, relative to the repository root `root`).
fn uncommitted<'a>(
    root: &Path,
    dir: &Path,
    listed: &[String],
    changed: &[&'a str],
) -> Vec<&'a str> {
    changed
        .iter()
        .filter(|path| {
            root.join(path)
                .strip_prefix(dir)
                .is_ok_and(|inside| listed.iter().any(|l| Path::new(l) == inside))
        })
        .copied()
        .collect()
}

/// Where `cargo package` packages and verifies: a target of its own, so what it builds of the
/// members is never mistaken for the workspace's builds of them (and back).
const PACKAGE_TARGET: &str = "target/package-check";

/// Makes the verify step build the members' new `.crate` files. Packaging several members at
/// once verifies each against the others' new `.crate` through a registry of its own, and cargo
/// takes a registry's sources as immutable: it extracts a `.crate` into
/// `$CARGO_HOME/registry/src/<registry>/<name>-<version>` once, and fingerprints what it built
/// of it by name and version. A later run of the same version would verify against the first
/// run's sources and builds (seen: a field added to the core was missing in the verify build).
/// So the extracted sources of the members go, and in [`PACKAGE_TARGET`] (where every build of
/// a member is of a packaged one) their fingerprints. The members are no dependency from any
/// other registry.
fn forget_packaged(members: &[Member]) -> Result<()> {
    let remove = |dir: &Path| -> Result<()> {
        std::fs::remove_dir_all(dir).with_context(|| format!("could not remove {}", dir.display()))
    };
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let registries = home.map(|h| h.join("registry/src"));
    for registry in registries
        .iter()
        .flat_map(std::fs::read_dir)
        .flatten()
        .flatten()
    {
        for m in members {
            let extracted = registry.path().join(format!("{}-{}", m.name, m.version));
            if extracted.is_dir() {
                remove(&extracted)?;
            }
        }
    }
    // <target>/<triple>/debug/.fingerprint/<name>-<hash>
    let targets = std::fs::read_dir(root().join(PACKAGE_TARGET));
    for triple in targets.into_iter().flatten().flatten() {
        let fingerprints = triple.path().join("debug/.fingerprint");
        for entry in std::fs::read_dir(&fingerprints)
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = members.iter().any(|m| {
                name.strip_prefix(m.name.as_str())
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|hash| hash.bytes().all(|b| b.is_ascii_hexdigit()))
            });
            if ours {
                remove(&entry.path())?;
            }
        }
    }
    Ok(())
}

/// `cargo package` of every publishable member in one invocation (so a member that depends on
/// another by path and version is verified against the other's just-packaged `.crate`), its
/// verify step building each packaged crate on its own natively and for wasm32. With
/// uncommitted changes in a packaged file (a developer's run; CI's checkout is clean) it passes
/// `--allow-dirty`, so the run checks the tree it is given, and says so.
pub fn package_crates() -> Result<()> {
    let root = root();
    let out = cmd("cargo")
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("could not run `cargo metadata`")?;
    if !out.status.success() {
        bail!(
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let members = publishable(&String::from_utf8_lossy(&out.stdout))?;
    if members.is_empty() {
        bail!("no workspace member is publishable");
    }
    for m in &members {
        let missing = m.missing_metadata();
        if !missing.is_empty() {
            bail!(
                "{} has no {} in its Cargo.toml's [package]: crates.io shows them",
                m.name,
                missing.join(", ")
            );
        }
    }
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    println!("[test] publishable workspace members: {names:?}");

    let host = probe(cmd("rustc").arg("-vV"))
        .and_then(|v| {
            v.lines()
                .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        })
        .context("`rustc -vV` names no host target")?;
    let mut package = cmd("cargo");
    package.arg("package");
    for name in &names {
        package.args(["-p", name]);
    }
    // `--target` twice: the verify step builds each packaged crate for both.
    package.args(["--target", &host, "--target", "wasm32-unknown-unknown"]);

    // Not `probe`: it trims, and the first entry's status may start with a space.
    let status = cmd("git")
        .args(["status", "--porcelain", "-z", "--untracked-files=all"])
        .output()
        .ok()
        .filter(|out| out.status.success());
    if let Some(status) = status {
        let status = String::from_utf8_lossy(&status.stdout);
        let changed = changed_paths(&status);
        let mut dirty: Vec<&str> = Vec::new();
        for m in &members {
            // `--allow-dirty` here only lets `--list` list a changed tree; it packages nothing.
            let listed =
                probe(cmd("cargo").args(["package", "--list", "--allow-dirty", "-p", &m.name]))
                    .with_context(|| format!("`cargo package --list -p {}` failed", m.name))?;
            let listed: Vec<String> = listed.lines().map(str::to_owned).collect();
            dirty.extend(uncommitted(&root, m.dir(), &listed, &changed));
        }
        if !dirty.is_empty() {
            println!("[test] uncommitted changes in packaged files ({}): packaging them as they are (--allow-dirty), since a test run checks the tree it is given; a clean checkout, as CI's, packages without it", dirty.join(", "));
            package.arg("--allow-dirty");
        }
    }
    forget_packaged(&members)?;
    run(package.env("CARGO_TARGET_DIR", root.join(PACKAGE_TARGET)))?;
    for m in &members {
        let file = root
            .join(PACKAGE_TARGET)
            .join("package")
            .join(format!("{}-{}.crate", m.name, m.version));
        let size = std::fs::metadata(&file)
            .with_context(|| format!("{} was not written", file.display()))?
            .len();
        println!(
            "[test] {} ({size} B) builds on its own for {host} and wasm32-unknown-unknown",
            file.strip_prefix(&root).unwrap_or(&file).display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = r#"{
      "packages": [
        {"id": "path+file:///w#quiltt-reconnect@0.1.0", "name": "quiltt-reconnect", "version": "0.1.0",
         "publish": null, "manifest_path": "/w/Cargo.toml", "description": "d", "license": "MIT",
         "license_file": null, "repository": "r", "homepage": "h", "documentation": "https://docs.rs/x",
         "readme": "README.md", "keywords": ["k"], "categories": ["wasm"]},
        {"id": "path+file:///w/core#quiltt-reconnect-core@0.1.0", "name": "quiltt-reconnect-core", "version": "0.1.0",
         "publish": ["crates-io"], "manifest_path": "/w/core/Cargo.toml", "description": null, "license": null,
         "license_file": "LICENSE", "repository": null, "homepage": null, "documentation": null,
         "readme": null, "keywords": [], "categories": []},
        {"id": "path+file:///w/xtask#0.0.0", "name": "xtask", "version": "0.0.0", "publish": [],
         "manifest_path": "/w/xtask/Cargo.toml"}
      ],
      "workspace_members": ["path+file:///w#quiltt-reconnect@0.1.0", "path+file:///w/core#quiltt-reconnect-core@0.1.0", "path+file:///w/xtask#0.0.0"]
    }"#;

    #[test]
    fn finds_the_publishable_members_and_their_missing_metadata() {
        let members = publishable(METADATA).unwrap();
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["quiltt-reconnect", "quiltt-reconnect-core"]);
        assert!(members[0].missing_metadata().is_empty());
        assert_eq!(
            members[1].missing_metadata(),
            [
                "description",
                "repository",
                "homepage",
                "documentation",
                "readme",
                "keywords",
                "categories"
            ]
        );
        assert_eq!(members[1].dir(), Path::new("/w/core"));
    }

    #[test]
    fn finds_uncommitted_packaged_files() {
        let status =
            " M README.md\0?? core/new.rs\0R  core/src/b.rs\0core/src/a.rs\0 M xtask/src/main.rs\0";
        let changed = changed_paths(status);
        assert_eq!(
            changed,
            [
                "README.md",
                "core/new.rs",
                "core/src/b.rs",
                "xtask/src/main.rs"
            ]
        );
        let root = Path::new("/w");
        let listed = |files: &[&str]| files.iter().map(|f| f.to_string()).collect::<Vec<_>>();
        // The root crate's list holds its own files, not xtask's.
        let root_files = listed(&["Cargo.toml", "README.md", "src/lib.rs"]);
        assert_eq!(
            uncommitted(root, root, &root_files, &changed),
            ["README.md"]
        );
        let core_files = listed(&["Cargo.toml", "src/b.rs"]);
        assert_eq!(
            uncommitted(root, &root.join("core"), &core_files, &changed),
            ["core/src/b.rs"]
        );
        assert!(uncommitted(root, root, &listed(&["src/lib.rs"]), &changed).is_empty());
    }
}
