//! Chinese full-text search over the published catalog: jieba tokenization with the
//! catalog's own terms added to the dictionary, a synonym list built from how people phrase
//! their needs, and a tantivy index on disk that is rebuilt only when the catalog changes.

mod synonyms;
mod tokenizer;

pub use synonyms::{Synonym, Synonyms};

use jieba_rs::Jieba;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST};
use tantivy::{doc, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};
use tokenizer::JiebaTokenizer;

/// What the index holds of one implementation.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDoc {
    pub implementation_code: String,
    pub base_code: String,
    pub name: String,
    pub keywords: Vec<String>,
    pub summary: String,
    pub materials: Vec<String>,
}

/// One matter found, with the implementations that matched, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub base_code: String,
    pub implementation_codes: Vec<String>,
    pub score: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index: {0}")]
    Open(#[from] tantivy::directory::error::OpenDirectoryError),
}

/// Hits scoring below this share of the best hit are dropped.
const RELEVANCE_FLOOR: f32 = 0.4;

/// The common-word dictionary (see `data/README.md`).
const DICTIONARY: &str = include_str!("../data/dict.txt");

/// Words that carry no need ("我想办个…").
const STOPWORDS: &[&str] = &[
    "我",
    "想",
    "要",
    "办",
    "办理",
    "怎么",
    "怎样",
    "如何",
    "什么",
    "哪里",
    "的",
    "了",
    "吗",
    "呢",
    "个",
    "一个",
    "去",
    "在",
    "给",
    "帮",
    "请问",
    "需要",
    "可以",
    "能",
    "能不能",
    "有",
    "和",
    "与",
    "及",
    "是",
];

const FIELDS: [(&str, f32); 4] = [
    ("name", 4.0),
    ("keywords", 3.0),
    ("summary", 1.0),
    ("materials", 0.5),
];

/// A searchable index of the catalog.
pub struct SearchIndex {
    reader: IndexReader,
    jieba: Arc<Jieba>,
    synonyms: Synonyms,
    fields: Vec<(Field, f32)>,
    /// Per segment: the column of each document's position in `codes`.
    positions: Vec<Column<u64>>,
    /// (base code, implementation code) of each document, by position.
    codes: Vec<(String, String)>,
}

/// The jieba dictionary with the catalog's own words added.
pub fn dictionary(docs: &[SearchDoc], synonyms: &Synonyms) -> Jieba {
    let mut jieba = Jieba::empty();
    if let Err(e) = jieba.load_dict(&mut std::io::BufReader::new(DICTIONARY.as_bytes())) {
        tracing::error!(error = %e, "built-in dictionary does not load; segmenting by HMM only");
    }
    let mut words: BTreeSet<&str> = BTreeSet::new();
    for d in docs {
        words.insert(&d.name);
        words.extend(d.keywords.iter().map(String::as_str));
    }
    words.extend(synonyms.words());
    for w in words {
        let w = w.trim();
        if w.chars().count() >= 2 && w.chars().count() <= 12 && !w.contains(char::is_whitespace) {
            jieba.add_word(w, Some(20_000), None);
        }
    }
    jieba
}

fn schema() -> Schema {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("jieba")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    b.add_u64_field("position", FAST);
    for (name, _) in FIELDS {
        b.add_text_field(name, text.clone());
    }
    b.build()
}

const STAMP_FILE: &str = "onetrip-stamp";

impl SearchIndex {
    /// Opens the index in `dir` if it was built for `stamp` (the catalog revision and the
    /// day whose versions it holds), else rebuilds it there from `docs`.
    pub fn open_or_build(
        dir: &Path,
        stamp: &str,
        docs: &[SearchDoc],
        synonyms: Synonyms,
    ) -> Result<Self, SearchError> {
        let jieba = Arc::new(dictionary(docs, &synonyms));
        let stamp_file = dir.join(STAMP_FILE);
        let reusable = std::fs::read_to_string(&stamp_file)
            .is_ok_and(|b| b.trim() == stamp)
            .then(|| Index::open_in_dir(dir).ok())
            .flatten()
            .filter(|index| {
                index
                    .reader()
                    .is_ok_and(|r| r.searcher().num_docs() == docs.len() as u64)
            });
        let index = match reusable {
            Some(index) => {
                register(&index, &jieba);
                index
            }
            None => {
                if dir.exists() {
                    std::fs::remove_dir_all(dir)?;
                }
                std::fs::create_dir_all(dir)?;
                let index = Index::create_in_dir(dir, schema())?;
                register(&index, &jieba);
                write_docs(&index, docs)?;
                std::fs::write(&stamp_file, stamp)?;
                tracing::info!(documents = docs.len(), stamp, "built search index");
                index
            }
        };
        Self::from_index(index, jieba, synonyms, codes_of(docs))
    }

    /// An index held in memory (tests, small catalogs).
    pub fn in_memory(docs: &[SearchDoc], synonyms: Synonyms) -> Result<Self, SearchError> {
        let jieba = Arc::new(dictionary(docs, &synonyms));
        let index = Index::create_in_ram(schema());
        register(&index, &jieba);
        write_docs(&index, docs)?;
        Self::from_index(index, jieba, synonyms, codes_of(docs))
    }

    fn from_index(
        index: Index,
        jieba: Arc<Jieba>,
        synonyms: Synonyms,
        codes: Vec<(String, String)>,
    ) -> Result<Self, SearchError> {
        let schema = index.schema();
        let field = |n: &str| schema.get_field(n);
        let fields = FIELDS
            .iter()
            .map(|(n, boost)| Ok((field(n)?, *boost)))
            .collect::<Result<Vec<_>, tantivy::TantivyError>>()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let positions = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment.fast_fields().u64("position"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SearchIndex {
            reader,
            jieba,
            synonyms,
            fields,
            positions,
            codes,
        })
    }

    /// The terms a query searches for: its words (less stopwords) and their synonyms.
    pub fn query_terms(&self, query: &str) -> Vec<String> {
        let normalized = normalize(query);
        let mut terms: Vec<String> = Vec::new();
        let mut push = |w: &str| {
            let w = w.trim();
            if !w.is_empty() && !STOPWORDS.contains(&w) && !terms.iter().any(|t| t == w) {
                terms.push(w.to_string());
            }
        };
        for t in tokenizer::words(&self.jieba, &normalized) {
            push(&t);
        }
        for expansion in self.synonyms.expand(&normalized) {
            for t in tokenizer::words(&self.jieba, expansion) {
                push(&t);
            }
        }
        terms
    }

    /// The best matters for a query, at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, SearchError> {
        self.search_terms(&self.query_terms(query), limit)
    }

    /// The best matters for terms from [`SearchIndex::query_terms`], at most `limit`.
    pub fn search_terms(&self, terms: &[String], limit: usize) -> Result<Vec<Hit>, SearchError> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in terms {
            for (field, boost) in &self.fields {
                let q = TermQuery::new(
                    Term::from_field_text(*field, t),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), *boost)),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &query,
            &TopDocs::with_limit(limit.saturating_mul(4).max(20)),
        )?;
        let mut hits: Vec<Hit> = Vec::new();
        let mut by_base: BTreeMap<String, usize> = BTreeMap::new();
        for (score, address) in top {
            // Codes come from memory by the document's position: no stored document is read.
            let position = self
                .positions
                .get(address.segment_ord as usize)
                .and_then(|c| c.first(address.doc_id));
            let Some((base, imp)) = position.and_then(|p| self.codes.get(usize::try_from(p).ok()?))
            else {
                continue;
            };
            match by_base.get(base) {
                Some(i) => hits[*i].implementation_codes.push(imp.clone()),
                None => {
                    by_base.insert(base.clone(), hits.len());
                    hits.push(Hit {
                        base_code: base.clone(),
                        implementation_codes: vec![imp.clone()],
                        score,
                    });
                }
            }
        }
        // Hits far below the best one match only a common word ("补贴"): a short, relevant
        // list serves people better than a long one.
        let floor = hits.first().map_or(0.0, |h| h.score * RELEVANCE_FLOOR);
        hits.retain(|h| h.score >= floor);
        hits.truncate(limit);
        Ok(hits)
    }
}

fn codes_of(docs: &[SearchDoc]) -> Vec<(String, String)> {
    docs.iter()
        .map(|d| (d.base_code.clone(), d.implementation_code.clone()))
        .collect()
}

fn register(index: &Index, jieba: &Arc<Jieba>) {
    index.tokenizers().register(
        "jieba",
        tantivy::tokenizer::TextAnalyzer::from(JiebaTokenizer::new(jieba.clone())),
    );
}

fn write_docs(index: &Index, docs: &[SearchDoc]) -> Result<(), SearchError> {
    let schema = index.schema();
    let f = |n: &str| schema.get_field(n);
    let (position, name, keywords, summary, materials) = (
        f("position")?,
        f("name")?,
        f("keywords")?,
        f("summary")?,
        f("materials")?,
    );
    let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 40_000_000)?;
    for (i, d) in docs.iter().enumerate() {
        writer.add_document(doc!(
            position => i as u64,
            name => d.name.as_str(),
            keywords => d.keywords.join(" "),
            summary => d.summary.as_str(),
            materials => d.materials.join(" "),
        ))?;
    }
    writer.commit()?;
    Ok(())
}

/// Lower case, half-width, punctuation turned into spaces.
fn normalize(query: &str) -> String {
    onetrip_domain::text::normalize_ascii(query)
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}
