//! The embedded SQLite backend: one writer thread with group commit, a pool of reader
//! connections, WAL journal, full sync.

mod agency;
mod catalog;
mod people;
mod writer;

use crate::migrations::{self, Migration};
use crate::{HealthStore, Store, StoreError};
use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use writer::Writer;

/// Reader connections kept open.
const READERS: usize = 8;

/// A SQLite database file.
#[derive(Clone)]
pub struct SqliteStore {
    writer: Writer,
    readers: Arc<Readers>,
}

struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    fn with<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = match self.idle.lock().map(|mut idle| idle.pop()) {
            Ok(Some(conn)) => conn,
            _ => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&conn)?;
                conn
            }
        };
        let result = work(&conn);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < READERS {
                idle.push(conn);
            }
        }
        result
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA cache_size = -2000;")
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(path))
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?
    }

    fn open_blocking(path: PathBuf) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::private_dir(dir).map_err(|e| {
                StoreError::Config(format!("无法创建数据目录 {}：{e}", dir.display()))
            })?;
        }
        // The journal and shared-memory files SQLite makes beside it take this file's mode;
        // ones left by an older version are narrowed too.
        crate::files::private_file(&path).map_err(|e| {
            StoreError::Config(format!("无法打开数据库文件 {}：{e}", path.display()))
        })?;
        for suffix in ["-wal", "-shm"] {
            let beside = PathBuf::from(format!("{}{suffix}", path.display()));
            if beside.exists() {
                crate::files::private_file(&beside).map_err(|e| {
                    StoreError::Config(format!("无法打开数据库文件 {}：{e}", beside.display()))
                })?;
            }
        }
        let mut conn = Connection::open(&path).map_err(|e| {
            StoreError::Config(format!("无法打开数据库文件 {}：{e}", path.display()))
        })?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
        configure(&conn)?;
        migrate(&mut conn, migrations::SQLITE)?;
        Ok(SqliteStore {
            writer: Writer::start(conn)?,
            readers: Arc::new(Readers {
                path,
                idle: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Runs a read that may scan many rows on a pooled connection, off the async threads.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || readers.with(work))
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?
    }

    /// Runs a point read (one row by key, tens of microseconds) on the calling thread:
    /// cheaper than a hand-off to the blocking pool.
    pub(crate) fn read_point<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError>,
    {
        self.readers.with(work)
    }

    /// Runs a write in the next group commit.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.writer.write(work).await
    }
}

fn migrate(conn: &mut Connection, list: &[Migration]) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let current: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    if current > migrations::latest(list) {
        return Err(StoreError::Schema(format!(
            "数据库结构版本 {current} 比本程序（{}）新，请升级 onetrip",
            migrations::latest(list)
        )));
    }
    for m in list.iter().filter(|m| m.version > current) {
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, chrono::Utc::now().to_rfc3339()],
        )?;
        tx.execute_batch(m.sql)?;
        tx.commit()?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}

#[async_trait]
impl HealthStore for SqliteStore {
    async fn ready(&self) -> Result<(), StoreError> {
        let latest = migrations::latest(migrations::SQLITE);
        let applied: i64 = self
            .read(|c| {
                Ok(c.query_row(
                    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await?;
        if applied == latest {
            Ok(())
        } else {
            Err(StoreError::Schema(format!(
                "applied {applied}, expected {latest}"
            )))
        }
    }
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }
}
