//! Test helpers: a fresh store on either backend and the demo catalog; with the `app`
//! feature, the real app on port 0 (so testing the store does not build the web layer).

#[cfg(feature = "app")]
mod app;
#[cfg(feature = "app")]
pub mod oidc;
#[cfg(feature = "app")]
pub use app::{spawn_app, spawn_app_with, TestApp};

use anyhow::{anyhow, Context};
use onetrip_domain::catalog::file::{parse_catalog, CatalogBatch};
use onetrip_domain::clock::FixedClock;
use onetrip_store::SharedStore;
use std::path::{Path, PathBuf};

/// A database backend under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends to test: SQLite always; PostgreSQL when `ONETRIP_TEST_DATABASE_URL` is
/// set. Under `CI=true` a missing URL is an error, not a skip.
pub fn backends() -> anyhow::Result<Vec<Backend>> {
    let pg = std::env::var("ONETRIP_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    match (pg, ci) {
        (Some(_), _) => Ok(vec![Backend::Sqlite, Backend::Postgres]),
        (None, true) => Err(anyhow!("CI=true but ONETRIP_TEST_DATABASE_URL is not set: the PostgreSQL suite would be skipped")),
        (None, false) => {
            eprintln!("note: ONETRIP_TEST_DATABASE_URL not set; PostgreSQL tests skipped");
            Ok(vec![Backend::Sqlite])
        }
    }
}

/// A fresh, migrated, empty store. The directory (SQLite file, search index) lives as long
/// as the returned guard.
pub async fn fresh_store(backend: Backend) -> anyhow::Result<(SharedStore, tempfile::TempDir)> {
    let (store, dir, _) = fresh_store_at(backend).await?;
    Ok((store, dir))
}

/// Like [`fresh_store`], with the database URL (for tests that reach around the store,
/// e.g. to tamper with the audit log).
pub async fn fresh_store_at(
    backend: Backend,
) -> anyhow::Result<(SharedStore, tempfile::TempDir, String)> {
    let dir = tempfile::tempdir()?;
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("test.sqlite3").display()),
        Backend::Postgres => {
            let admin =
                std::env::var("ONETRIP_TEST_DATABASE_URL").context("ONETRIP_TEST_DATABASE_URL")?;
            onetrip_store::postgres::create_migrated_database(&admin, "onetrip_test").await?
        }
    };
    let store = onetrip_store::open(&url).await?;
    Ok((store, dir, url))
}

/// The repository's `catalog/` directory.
pub fn catalog_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog")
}

/// The demo county, parsed.
pub fn demo_batch() -> anyhow::Result<CatalogBatch> {
    parse_catalog(&onetrip_store::catalog_files::read_catalog_dir(
        &catalog_dir(),
    )?)
    .map_err(|e| {
        anyhow!(
            "demo catalog: {}",
            e.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

/// The demo synonym list's text.
pub fn demo_synonyms() -> anyhow::Result<String> {
    Ok(std::fs::read_to_string(
        catalog_dir().join("search/synonyms.toml"),
    )?)
}

/// 2026-03-02 09:00 China time: a fixed "now" for every test.
pub fn test_clock() -> FixedClock {
    use chrono::TimeZone;
    FixedClock(
        chrono::Utc
            .with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
            .single()
            .unwrap_or_default(),
    )
}
