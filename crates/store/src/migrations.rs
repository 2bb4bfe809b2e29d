//! Embedded migrations, applied in order, each with its text for SQLite and for PostgreSQL.
//! No advisory locks: a migration's version row is inserted in the same transaction as its
//! statements, so two nodes migrating at once cannot both apply it.

use crate::sql::{one, Executor};
use crate::store::{run, SqlStore};
use crate::StoreError;

/// A migration: its version, name and SQL for each backend.
pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! per_backend {
    ($version:expr, $name:expr, $file:expr) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $file)),
            postgres: include_str!(concat!("../migrations/postgres/", $file)),
        }
    };
}

pub(crate) const ALL: &[Migration] = &[
    per_backend!(1, "catalog", "0001_catalog.sql"),
    per_backend!(2, "people", "0002_people.sql"),
    per_backend!(3, "agency", "0003_agency.sql"),
    per_backend!(4, "staff_hardening", "0004_staff_hardening.sql"),
    per_backend!(
        5,
        "credentials_of_their_holder",
        "0005_credentials_of_their_holder.sql"
    ),
    per_backend!(6, "cases", "0006_cases.sql"),
    per_backend!(7, "online", "0007_online.sql"),
];

/// The newest version this binary knows.
pub(crate) fn latest() -> i64 {
    ALL.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The table of applied migrations, in words both dialects read alike.
const CREATE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)";

/// The newest migration applied to the database.
pub(crate) async fn applied<E: Executor>(store: &SqlStore<E>) -> Result<i64, StoreError> {
    let sql = "SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations";
    run!(store.point, |c| { one(c, sql, &[], |r| r.int("v")).await })
}

/// Applies, in order, each migration the database lacks, in a transaction of its own.
pub(crate) async fn migrate<E: Executor>(store: &SqlStore<E>) -> Result<(), StoreError> {
    let backend = store.exec.backend();
    run!(store.write, |c| { c.batch(CREATE).await })?;
    let current = applied(store).await?;
    if current > latest() {
        return Err(StoreError::Schema(format!(
            "数据库结构版本 {current} 比本程序（{}）新，请升级 onetrip",
            latest()
        )));
    }
    for m in ALL.iter().filter(|m| m.version > current) {
        let script = if backend == "sqlite" {
            m.sqlite
        } else {
            m.postgres
        };
        let applied = run!(store.write, |c| {
            let sql = "INSERT INTO schema_migrations (version, name, applied_at)
                VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING";
            let args = [m.version.into(), m.name.into(), chrono::Utc::now().into()];
            if c.execute(sql, &args).await? == 0 {
                return Ok(false);
            }
            c.batch(script).await?;
            Ok(true)
        })?;
        if applied {
            tracing::info!(version = m.version, name = m.name, "applied migration");
        }
    }
    Ok(())
}

/// A fingerprint of every PostgreSQL migration, naming a migrated template database that
/// tests clone (a change of any migration makes a new one).
pub fn postgres_fingerprint() -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for m in ALL {
        for b in m.postgres.bytes().chain(m.version.to_le_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
