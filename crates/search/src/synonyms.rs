//! The synonym list (`catalog/search/synonyms.toml`): when a query contains a phrase, the
//! words it means are searched too.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Synonym {
    pub phrase: String,
    pub means: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Synonyms {
    #[serde(default, rename = "synonym")]
    pub entries: Vec<Synonym>,
}

impl Synonyms {
    /// Parses the TOML file's text.
    pub fn parse(text: &str) -> Result<Synonyms, toml_error::Error> {
        toml_error::parse(text)
    }

    /// Every word the list mentions (for the dictionary).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().flat_map(|s| {
            std::iter::once(s.phrase.as_str()).chain(s.means.iter().map(String::as_str))
        })
    }

    /// The expansions of a normalized query.
    pub fn expand<'a>(&'a self, query: &'a str) -> impl Iterator<Item = &'a str> {
        self.entries
            .iter()
            .filter(move |s| query.contains(s.phrase.as_str()))
            .flat_map(|s| s.means.iter().map(String::as_str))
    }
}

mod toml_error {
    pub type Error = toml::de::Error;
    pub fn parse(text: &str) -> Result<super::Synonyms, Error> {
        toml::from_str(text)
    }
}
