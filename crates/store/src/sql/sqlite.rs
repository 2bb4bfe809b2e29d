//! The embedded SQLite executor: one writer thread with group commit, a pool of reader
//! connections, WAL journal, full sync. A job's future never waits (every statement runs
//! to completion on the calling thread), so it is driven by polling it once.

use super::writer::{Writer, QUEUE};
use super::{Conn, Each, Executor, Job, Row, Value};
use crate::people::instant_text;
use crate::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Null;
use rusqlite::{Connection, OpenFlags};
use std::cell::Cell;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Reader connections kept open.
const READERS: usize = 8;

/// A connection handed to a job.
struct SqliteConn<'c> {
    conn: &'c mut Connection,
}

/// Binds `args` to the statement's placeholders, which must be `$1..$N` in order.
fn bind(stmt: &mut rusqlite::Statement<'_>, args: &[Value<'_>]) -> Result<(), StoreError> {
    let takes = stmt.parameter_count();
    if takes != args.len() {
        let given = args.len();
        return Err(StoreError::Backend(format!(
            "{takes} values taken, {given} given"
        )));
    }
    for (i, arg) in args.iter().enumerate() {
        let n = i + 1;
        // Every statement runs in the debug builds of the test suite, which check this; a
        // release build does not pay for it on every execution.
        if cfg!(debug_assertions) {
            let name = stmt.parameter_name(n);
            if name.and_then(|p| p.strip_prefix('$')?.parse().ok()) != Some(n) {
                return Err(StoreError::Backend(format!(
                    "placeholder {n} is {name:?}: write $1..$N in ascending order"
                )));
            }
        }
        match *arg {
            Value::Text(Some(s)) | Value::Id(Some(s)) | Value::Json(Some(s)) => {
                stmt.raw_bind_parameter(n, s)?
            }
            Value::Int(Some(v)) => stmt.raw_bind_parameter(n, v)?,
            Value::Bool(b) => stmt.raw_bind_parameter(n, b)?,
            Value::Time(Some(t)) => stmt.raw_bind_parameter(n, instant_text(t))?,
            Value::Date(Some(d)) => stmt.raw_bind_parameter(n, d.to_string())?,
            Value::Bytes(b) => stmt.raw_bind_parameter(n, b)?,
            Value::Text(None)
            | Value::Id(None)
            | Value::Json(None)
            | Value::Int(None)
            | Value::Time(None)
            | Value::Date(None) => stmt.raw_bind_parameter(n, Null)?,
        }
    }
    Ok(())
}

#[async_trait]
impl Conn for SqliteConn<'_> {
    async fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.conn.execute_batch(sql)?)
    }

    async fn execute(&mut self, sql: &str, args: &[Value<'_>]) -> Result<u64, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        bind(&mut stmt, args)?;
        Ok(stmt.raw_execute()? as u64)
    }

    async fn query(
        &mut self,
        sql: &str,
        args: &[Value<'_>],
        each: &mut Each<'_>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        bind(&mut stmt, args)?;
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            each(&SqliteRow {
                row,
                next: Cell::new(0),
            })?;
        }
        Ok(())
    }
}

struct SqliteRow<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    /// Where to look for the next column asked for.
    next: Cell<usize>,
}

impl SqliteRow<'_, '_> {
    /// The index of a column by its name. Columns are mostly read in the order selected, so
    /// the search starts after the last one found: one comparison each instead of a scan.
    fn index(&self, col: &str) -> Result<usize, StoreError> {
        let stmt = self.row.as_ref();
        let n = stmt.column_count();
        let start = self.next.get();
        (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| stmt.column_name(i).is_ok_and(|name| name == col))
            .inspect(|i| self.next.set(i + 1))
            .ok_or_else(|| StoreError::Backend(format!("no column {col}")))
    }

    fn get<T: rusqlite::types::FromSql>(&self, col: &str) -> Result<T, StoreError> {
        Ok(self.row.get(self.index(col)?)?)
    }

    /// A text column parsed by `parse`; what does not parse is a backend error.
    fn parsed<T, E: std::fmt::Display>(
        &self,
        col: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<Option<T>, StoreError> {
        let text: Option<String> = self.get(col)?;
        text.map(|s| parse(&s).map_err(|e| StoreError::Backend(format!("{col} {s}: {e}"))))
            .transpose()
    }
}

impl Row for SqliteRow<'_, '_> {
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        self.get(col)
    }

    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        self.get(col)
    }

    fn bool(&self, col: &str) -> Result<bool, StoreError> {
        self.get(col)
    }

    fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.parsed(col, |s| {
            DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc))
        })
    }

    fn opt_date(&self, col: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.parsed(col, |s| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
    }

    fn opt_id(&self, col: &str) -> Result<Option<String>, StoreError> {
        self.get(col)
    }

    fn bytes(&self, col: &str) -> Result<Vec<u8>, StoreError> {
        self.get(col)
    }
}

/// Drives a job to its end on this thread: its statements never wait.
pub(crate) fn run_now<T>(conn: &mut Connection, job: Job<T>) -> Result<T, StoreError> {
    let mut c = SqliteConn { conn };
    let mut future = job(&mut c);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(result) => result,
        Poll::Pending => Err(StoreError::Backend(
            "a SQLite job waited for something other than the database".into(),
        )),
    }
}

struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    fn run<T>(&self, job: Job<T>) -> Result<T, StoreError> {
        let mut conn = match self.idle.lock().map(|mut idle| idle.pop()) {
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
        let result = run_now(&mut conn, job);
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
    conn.set_prepared_statement_cache_capacity(64);
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA cache_size = -2000; PRAGMA mmap_size = 1073741824;",
    )
}

/// A SQLite database file.
#[derive(Clone)]
pub(crate) struct SqliteExec {
    writer: Writer,
    readers: Arc<Readers>,
}

impl SqliteExec {
    /// Opens the database at `path`, creating it (with private modes) if needed.
    pub async fn open(path: &Path) -> Result<SqliteExec, StoreError> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(path))
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?
    }

    fn open_blocking(path: PathBuf) -> Result<SqliteExec, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::private_dir(dir).map_err(|e| {
                StoreError::Config(format!("无法创建数据目录 {}：{e}", dir.display()))
            })?;
        }
        // The journal and shared-memory files SQLite makes beside it take this file's mode;
        // ones left by an older version are narrowed too.
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            if suffix.is_empty() || file.exists() {
                crate::files::private_file(&file).map_err(|e| {
                    StoreError::Config(format!("无法打开数据库文件 {}：{e}", file.display()))
                })?;
            }
        }
        let conn = Connection::open(&path).map_err(|e| {
            StoreError::Config(format!("无法打开数据库文件 {}：{e}", path.display()))
        })?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
        configure(&conn)?;
        // The writer's savepoints journal pages in memory, not in a temporary file, and it
        // keeps the pages of a batch's indexes cached.
        conn.execute_batch("PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16000;")?;
        // The checkpointer copies the log into the database beside the writer; under
        // steady writes it never quite catches up, so the log could only grow (and every
        // commit append to fresh, zeroed pages). Past 1000 pages the writer finishes the
        // copy itself between batches, and its next commit starts the log over.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 1000;")?;
        let readers = Arc::new(Readers {
            path: path.clone(),
            idle: Mutex::new(Vec::new()),
        });
        start_checkpointer(&path, Arc::downgrade(&readers))?;
        Ok(SqliteExec {
            writer: Writer::start(conn, QUEUE)?,
            readers,
        })
    }
}

/// How often the checkpointer looks at the log.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Starts the thread that copies the write-ahead log into the database (passively: it
/// never waits for a reader or the writer), until the store is dropped.
fn start_checkpointer(path: &Path, alive: std::sync::Weak<Readers>) -> Result<(), StoreError> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    std::thread::Builder::new()
        .name("sqlite-checkpointer".into())
        .spawn(move || {
            while alive.strong_count() > 0 {
                std::thread::sleep(CHECKPOINT_EVERY);
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "checkpoint failed; trying again");
                }
            }
        })
        .map_err(|e| StoreError::Backend(format!("cannot start checkpointer thread: {e}")))?;
    Ok(())
}

impl Executor for SqliteExec {
    fn write<T: Send + 'static>(
        &self,
        job: Job<T>,
    ) -> impl Future<Output = Result<T, StoreError>> + Send {
        self.writer.write(job)
    }

    async fn read<T: Send + 'static>(&self, job: Job<T>) -> Result<T, StoreError> {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || readers.run(job))
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?
    }

    /// Point reads take tens of microseconds: cheaper run here than handed to a thread.
    async fn read_point<T: Send + 'static>(&self, job: Job<T>) -> Result<T, StoreError> {
        self.readers.run(job)
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::writer::tests::count;
    use crate::sql::{job, Conn};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_stays_bounded_under_steady_writes_and_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let exec = SqliteExec::open(&path).await.unwrap();
        let create = job(|c: &mut dyn Conn| {
            Box::pin(async move { c.execute("CREATE TABLE t (b TEXT NOT NULL)", &[]).await })
        });
        exec.write(create).await.unwrap();
        let until = std::time::Instant::now() + std::time::Duration::from_secs(3);
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let exec = exec.clone();
            tasks.push(tokio::spawn(async move {
                while std::time::Instant::now() < until {
                    let insert = job(|c: &mut dyn Conn| {
                        Box::pin(async move {
                            let b = "x".repeat(3000);
                            c.execute("INSERT INTO t (b) VALUES ($1)", &[b.as_str().into()])
                                .await
                        })
                    });
                    exec.write(insert).await.unwrap();
                    exec.read_point(count()).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let rows = exec.read_point(count()).await.unwrap();
        let log = std::fs::metadata(dir.path().join("db.sqlite3-wal"))
            .unwrap()
            .len();
        assert!(
            rows > 3000,
            "enough was written to outgrow the bound: {rows} rows"
        );
        // It peaked near 13 MB with the other tests running beside it; left to grow, the
        // same run ends near 47 MB.
        assert!(
            log < 24 * 1024 * 1024,
            "the log holds {log} bytes after {rows} rows of 3 KB"
        );
    }
}
