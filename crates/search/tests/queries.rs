#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Everyday queries against the demo county's real catalog: each must find the matters
//! people would expect in the first ten results.

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

fn load() -> (Vec<SearchDoc>, BTreeMap<String, String>, Synonyms) {
    let batch = onetrip_testkit::demo_batch().unwrap();
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
    let synonyms = Synonyms::parse(&onetrip_testkit::demo_synonyms().unwrap()).unwrap();
    (docs, names, synonyms)
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
fn index_on_disk_is_reused_for_the_same_stamp_and_rebuilt_otherwise() {
    let (docs, _, synonyms) = load();
    let dir = tempfile::tempdir().unwrap();
    let meta = || std::fs::read_to_string(dir.path().join("meta.json")).unwrap();
    let first =
        SearchIndex::open_or_build(dir.path(), "7:2026-03-02", &docs, synonyms.clone()).unwrap();
    assert!(!first.search("结婚", 3).unwrap().is_empty());
    drop(first);
    let built = meta();
    let again =
        SearchIndex::open_or_build(dir.path(), "7:2026-03-02", &docs, synonyms.clone()).unwrap();
    assert_eq!(meta(), built, "the same stamp must reuse the built index");
    assert!(!again.search("结婚", 3).unwrap().is_empty());
    drop(again);
    let next_day =
        SearchIndex::open_or_build(dir.path(), "7:2026-03-03", &docs, synonyms.clone()).unwrap();
    assert_ne!(meta(), built, "a new day must rebuild");
    drop(next_day);
    let fewer =
        SearchIndex::open_or_build(dir.path(), "7:2026-03-03", &docs[1..], synonyms).unwrap();
    assert!(
        fewer
            .search("高龄津贴", 50)
            .unwrap()
            .iter()
            .map(|h| h.implementation_codes.len())
            .sum::<usize>()
            > 0
    );
}
