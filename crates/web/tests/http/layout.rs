//! The shape of the house, checked: no circle of imports between the web crate's files,
//! no source file of the project over 600 lines, and the CLI reaching the web crate only
//! to serve.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `a/b.rs` and `a/b/mod.rs` are module `a::b`; `lib.rs` is the root.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|p| p != "mod" && p != "lib")
        .collect();
    parts.join("::")
}

/// The longest known module that `path` (segments after `crate::`) names.
fn resolve(path: &[&str], modules: &BTreeSet<String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| modules.contains(m))
}

/// The paths a `use` tree names: `crate::{a, b::{c, d}}` is `crate::a`, `crate::b::c`,
/// `crate::b::d`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let (prefix, rest) = tree.split_at(open);
    let inner = &rest[1..rest.len().saturating_sub(1)];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// Every module a file's code refers to: `crate::x::…`, `super::x`, and (in a module
/// with children) `child::…` for its own submodules.
fn references(module: &str, text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let text: String = text
        .lines()
        .take_while(|l| !l.starts_with("#[cfg(test)]"))
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let parent: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
    let mut words: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| w.contains("::") && !w.ends_with("::"))
        .map(str::to_string)
        .collect();
    for statement in text.split("use ").skip(1) {
        if let Some(tree) = statement.split(';').next() {
            words.extend(expand(tree));
        }
    }
    for word in &words {
        let segments: Vec<&str> = word.split("::").filter(|s| !s.is_empty()).collect();
        let absolute: Vec<&str> = match segments.first() {
            Some(&"crate") => segments[1..].to_vec(),
            Some(&"super") => {
                let mut p = parent[..parent.len().saturating_sub(1)].to_vec();
                p.extend(&segments[1..]);
                p
            }
            Some(_) => {
                let mut p = parent.clone();
                p.extend(&segments);
                p
            }
            None => continue,
        };
        if let Some(target) = resolve(&absolute, modules) {
            if target != module {
                out.insert(target);
            }
        }
    }
    out
}

#[test]
fn no_circle_of_imports_between_web_files() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let graph: BTreeMap<String, BTreeSet<String>> = files
        .iter()
        .map(|f| {
            let m = module_of(&src, f);
            let refs = references(&m, &std::fs::read_to_string(f).unwrap(), &modules);
            (m, refs)
        })
        .collect();
    assert!(
        graph["catalog"].contains("catalog::pages")
            && graph["catalog::admin"].contains("catalog::pages"),
        "the reader sees a feature's routes use its pages: {:?}",
        graph["catalog"]
    );
    // Depth-first search for a back edge, reporting the circle it closes.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut circle = path[i..].to_vec();
            circle.push(m.to_string());
            return Some(circle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys().filter(|m| !m.is_empty()) {
        let circle = visit(m, &graph, &mut Vec::new(), &mut done);
        assert!(
            circle.is_none(),
            "web files import each other in a circle: {}",
            circle.unwrap_or_default().join(" -> ")
        );
    }
}

#[test]
fn no_source_file_is_over_600_lines() {
    let mut files = Vec::new();
    rust_files(&crates_dir(), &mut files);
    assert!(files.len() > 100, "found only {} files", files.len());
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).unwrap().lines().count();
            (lines > 600).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over 600 lines: {long:?}");
}

#[test]
fn the_cli_reaches_the_web_crate_only_to_serve() {
    let mut files = Vec::new();
    rust_files(&crates_dir().join("cli/src"), &mut files);
    let users: Vec<String> = files
        .iter()
        .filter(|f| std::fs::read_to_string(f).unwrap().contains("onetrip_web"))
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(users, ["serve.rs"], "CLI files using the web crate");
}
