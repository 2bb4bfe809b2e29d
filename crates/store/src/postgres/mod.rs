//! The PostgreSQL backend: a sqlx pool and ordinary transactions. Nothing here needs
//! advisory locks, so PostgreSQL-compatible distributed engines work too.

mod agency;
mod catalog;
mod people;

use crate::migrations::{self, Migration};
use crate::{redact_url, HealthStore, Store, StoreError};
use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

/// A PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    /// Connects and migrates. An unreachable server is one clear error.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| StoreError::Unavailable(format!("{}（{e}）", redact_url(url))))?;
        migrate(&pool, migrations::POSTGRES).await?;
        Ok(PgStore { pool })
    }
}

async fn migrate(pool: &PgPool, list: &[Migration]) -> Result<(), StoreError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)",
    )
    .execute(pool)
    .await?;
    let current: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(pool)
            .await?;
    if current > migrations::latest(list) {
        return Err(StoreError::Schema(format!(
            "数据库结构版本 {current} 比本程序（{}）新，请升级 onetrip",
            migrations::latest(list)
        )));
    }
    for m in list.iter().filter(|m| m.version > current) {
        let mut tx = pool.begin().await?;
        let claimed = sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())
             ON CONFLICT (version) DO NOTHING",
        )
        .bind(m.version)
        .bind(m.name)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            continue;
        }
        sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}

#[async_trait]
impl HealthStore for PgStore {
    async fn ready(&self) -> Result<(), StoreError> {
        let applied: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
                .fetch_one(&self.pool)
                .await?;
        let latest = migrations::latest(migrations::POSTGRES);
        if applied == latest {
            Ok(())
        } else {
            Err(StoreError::Schema(format!(
                "applied {applied}, expected {latest}"
            )))
        }
    }
}

impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }
}

/// Creates a fresh, empty database next to the one `admin_url` names and returns its URL
/// (for tests and `onetrip bench`).
pub async fn create_scratch_database(admin_url: &str, prefix: &str) -> Result<String, StoreError> {
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await
        .map_err(|e| StoreError::Unavailable(format!("{}（{e}）", redact_url(admin_url))))?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await?;
    pool.close().await;
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    let cut = base.rfind('/').map_or(base.len(), |i| i);
    Ok(format!("{}/{name}", &base[..cut]))
}
