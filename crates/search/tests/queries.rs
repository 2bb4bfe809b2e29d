//! Everyday queries against the demo county's real catalog: each must find the matters
//! people would expect in the first ten results.

use onetrip_domain::catalog::file::{is_catalog_file, parse_catalog, SourceFile};
use onetrip_search::{SearchDoc, SearchIndex, Synonyms};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
struct Queries {
    query: Vec<Query>,
}

#[derive(Deserialize)]
struct Query {
    q: String,
    expect: Vec<String>,
}

fn catalog_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog")
}

fn load() -> (Vec<SearchDoc>, BTreeMap<String, String>, Synonyms) {
    let dir = catalog_dir();
    let mut files = Vec::new();
    for entry in walk(&dir) {
        let rel = entry
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if is_catalog_file(&rel) {
            files.push(SourceFile {
                path: rel,
                text: std::fs::read_to_string(&entry).unwrap(),
            });
        }
    }
    let batch = parse_catalog(&files).unwrap_or_else(|errors| {
        panic!(
            "demo catalog does not parse:\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let mut docs = Vec::new();
    let mut names = BTreeMap::new();
    for m in &batch.matters {
        names.insert(m.matter.code.to_string(), m.matter.name.clone());
        for imp in &m.implementation {
            let content = imp.overrides.apply(&m.matter.guide);
            docs.push(SearchDoc {
                implementation_code: imp.code.to_string(),
                base_code: m.matter.code.to_string(),
                name: m.matter.name.clone(),
                keywords: content.keywords.clone(),
                summary: content.summary.clone(),
                materials: content.materials.iter().map(|m| m.name.clone()).collect(),
            });
        }
    }
    let synonyms =
        Synonyms::parse(&std::fs::read_to_string(dir.join("search/synonyms.toml")).unwrap())
            .unwrap();
    (docs, names, synonyms)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn everyday_queries_find_the_expected_matters() {
    let (docs, names, synonyms) = load();
    let index = SearchIndex::in_memory(&docs, synonyms).unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/everyday_queries.toml"),
    )
    .unwrap();
    let queries: Queries = toml::from_str(&text).unwrap();
    assert!(
        queries.query.len() >= 100,
        "only {} queries",
        queries.query.len()
    );
    let known: Vec<&String> = names.values().collect();
    let mut failures = Vec::new();
    for q in &queries.query {
        for e in &q.expect {
            assert!(
                known.contains(&e),
                "query {:?} expects unknown matter {e:?}",
                q.q
            );
        }
        let found: Vec<&str> = index
            .search(&q.q, 10)
            .unwrap()
            .iter()
            .filter_map(|h| names.get(&h.base_code).map(String::as_str))
            .collect();
        let missing: Vec<&String> = q
            .expect
            .iter()
            .filter(|e| !found.contains(&e.as_str()))
            .collect();
        if !missing.is_empty() {
            failures.push(format!(
                "{:?} missed {missing:?}; terms {:?}; found {found:?}",
                q.q,
                index.query_terms(&q.q)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries failed:\n{}",
        failures.len(),
        queries.query.len(),
        failures.join("\n")
    );
}

#[test]
fn nonsense_and_empty_queries_find_nothing_and_do_not_fail() {
    let (docs, _, synonyms) = load();
    let index = SearchIndex::in_memory(&docs, synonyms).unwrap();
    assert!(index.search("", 10).unwrap().is_empty());
    assert!(index.search("！！？？  ", 10).unwrap().is_empty());
    assert!(index.search("量子色动力学", 10).unwrap().is_empty());
}

#[test]
fn index_on_disk_is_reused_for_the_same_revision_and_rebuilt_for_a_new_one() {
    let (docs, _, synonyms) = load();
    let dir = tempfile::tempdir().unwrap();
    let first = SearchIndex::open_or_build(dir.path(), 7, &docs, synonyms.clone()).unwrap();
    assert_eq!(first.search("结婚", 3).unwrap().len() > 0, true);
    drop(first);
    let again = SearchIndex::open_or_build(dir.path(), 7, &[], synonyms.clone()).unwrap();
    assert!(
        !again.search("结婚", 3).unwrap().is_empty(),
        "same revision must reuse the built index"
    );
    drop(again);
    let rebuilt = SearchIndex::open_or_build(dir.path(), 8, &[], synonyms).unwrap();
    assert!(
        rebuilt.search("结婚", 3).unwrap().is_empty(),
        "a new revision must rebuild"
    );
}
