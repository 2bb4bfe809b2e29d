//! OneTrip persistence. Capabilities are small traits ([`CatalogStore`], [`HealthStore`]);
//! each backend implements all of them: SQLite (embedded, default) and PostgreSQL.

pub mod catalog_files;
mod error;
mod migrations;
pub mod model;
mod plan;
pub mod postgres;
pub mod sqlite;

pub use error::StoreError;
pub use model::*;

use async_trait::async_trait;
use chrono::NaiveDate;
use onetrip_domain::catalog::file::{CatalogBatch, LifeEvent};
use onetrip_domain::department::{Department, ServicePlace};
use onetrip_domain::Division;
use std::sync::Arc;

/// The service catalog: reference data, versioned matters and implementations.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Imports a validated batch in one transaction. Reference data is upserted; a matter
    /// or implementation whose content differs from its latest version gets a new published
    /// version (or a draft, with [`ImportMode::Draft`]). On any error nothing is changed.
    async fn import_catalog(
        &self,
        batch: &CatalogBatch,
        mode: ImportMode,
    ) -> Result<ImportReport, StoreError>;
    /// The latest published version of everything, as a batch (for export).
    async fn export_catalog(&self) -> Result<CatalogBatch, StoreError>;
    async fn divisions(&self) -> Result<Vec<Division>, StoreError>;
    async fn departments(&self) -> Result<Vec<Department>, StoreError>;
    async fn places(&self) -> Result<Vec<ServicePlace>, StoreError>;
    async fn life_events(&self) -> Result<Vec<LifeEvent>, StoreError>;
    /// Summaries of every implementation in force on a date.
    async fn implementation_summaries(
        &self,
        on: NaiveDate,
    ) -> Result<Vec<ImplementationSummary>, StoreError>;
    /// The implementation version in force on a date.
    async fn implementation(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<PublishedImplementation>, StoreError>;
    /// One exact version, as a case pins it.
    async fn implementation_version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<PublishedImplementation>, StoreError>;
    /// The base matter version in force on a date.
    async fn base_matter(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<PublishedBase>, StoreError>;
    /// Every version of an entry, newest first, and its draft if any.
    async fn history(&self, entity: Entity, code: &str) -> Result<History, StoreError>;
    /// Saves (replaces) the draft of an entry.
    async fn save_draft(&self, draft: Draft) -> Result<(), StoreError>;
    /// Publishes an entry's draft as a new immutable version in force from `effective_from`.
    async fn publish(
        &self,
        entity: Entity,
        code: &str,
        effective_from: NaiveDate,
    ) -> Result<i64, StoreError>;
    /// A number that grows with every catalog change (for caches and the search index).
    async fn catalog_revision(&self) -> Result<i64, StoreError>;
}

/// What `/readyz` asks.
#[async_trait]
pub trait HealthStore: Send + Sync {
    /// Reachable and every migration applied.
    async fn ready(&self) -> Result<(), StoreError>;
}

/// Every capability, as one object the web layer holds.
pub trait Store: CatalogStore + HealthStore {
    fn backend(&self) -> &'static str;
}

/// A shared store handle.
pub type SharedStore = Arc<dyn Store>;

/// Opens the store a URL names: `postgres://...` or `sqlite://PATH` (created and migrated).
pub async fn open(url: &str) -> Result<SharedStore, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::connect(url).await?))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Arc::new(
            sqlite::SqliteStore::open(std::path::Path::new(path)).await?,
        ))
    } else {
        Err(StoreError::Config(format!(
            "数据库地址“{}”无法识别：应以 postgres:// 或 sqlite:// 开头",
            redact_url(url)
        )))
    }
}

/// A database URL with its password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact_url("sqlite:///tmp/x"), "sqlite:///tmp/x");
    }
}
