//! The single SQLite writer thread with group commit: waiting write jobs are batched into
//! one transaction and one sync; each runs in its own SAVEPOINT, so one that fails, or
//! panics, is rolled back alone and answers only its own caller; each caller is answered
//! only after the commit. The queue is bounded: when it is full a write is refused at once
//! as busy (the web answers 503 with `Retry-After`) instead of growing memory.

use super::sqlite::run_now;
use super::Job;
use crate::StoreError;
use rusqlite::Connection;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Most jobs one transaction takes.
const MAX_BATCH: usize = 512;

/// Jobs waiting at most; beyond this, writes are refused as busy.
pub(crate) const QUEUE: usize = 8192;

trait Pending: Send {
    /// Runs inside a savepoint; whether it succeeded (else it is rolled back).
    fn run(&mut self, conn: &mut Connection) -> bool;
    /// Answers the caller once the batch is committed (or failed to commit).
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

struct Request<T> {
    job: Option<Job<T>>,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T: Send + 'static> Pending for Request<T> {
    fn run(&mut self, conn: &mut Connection) -> bool {
        let Some(job) = self.job.take() else {
            return false;
        };
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| run_now(conn, job)))
            .unwrap_or_else(|_| Err(StoreError::Backend("a write failed unexpectedly".into())));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), String>) {
        let answer = match (commit, self.result) {
            (_, Some(Err(e))) => Err(e),
            (Ok(()), Some(Ok(v))) => Ok(v),
            (Err(e), Some(Ok(_))) => Err(StoreError::Backend(format!("commit failed: {e}"))),
            (_, None) => Err(StoreError::Backend("write was not run".into())),
        };
        let _ = self.reply.send(answer);
    }
}

/// Handle to the writer thread.
#[derive(Clone)]
pub(crate) struct Writer {
    queue: mpsc::SyncSender<Box<dyn Pending>>,
}

impl Writer {
    /// Starts the writer thread on an open connection, with room for `capacity` waiting
    /// jobs.
    pub fn start(conn: Connection, capacity: usize) -> Result<Writer, StoreError> {
        let (queue, jobs) = mpsc::sync_channel::<Box<dyn Pending>>(capacity);
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(conn, jobs))
            .map_err(|e| StoreError::Backend(format!("cannot start writer thread: {e}")))?;
        Ok(Writer { queue })
    }

    /// Runs `job` in the next group commit and returns its result once durable.
    pub async fn write<T: Send + 'static>(&self, job: Job<T>) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let pending = Box::new(Request {
            job: Some(job),
            result: None,
            reply,
        });
        self.queue.try_send(pending).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => StoreError::Busy,
            mpsc::TrySendError::Disconnected(_) => {
                StoreError::Backend("writer thread has stopped".into())
            }
        })?;
        answer
            .await
            .map_err(|_| StoreError::Backend("writer thread dropped a request".into()))?
    }
}

fn run(mut conn: Connection, jobs: mpsc::Receiver<Box<dyn Pending>>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let commit = commit_batch(&mut conn, &mut batch);
        if let Err(e) = &commit {
            tracing::error!(error = %e, size = batch.len(), "group commit failed");
        }
        for job in batch {
            job.finish(commit.clone());
        }
    }
}

/// Runs one of the writer's own statements, prepared once.
fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn commit_batch(conn: &mut Connection, batch: &mut [Box<dyn Pending>]) -> Result<(), String> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| e.to_string())?;
    for job in batch.iter_mut() {
        let step = exec(conn, "SAVEPOINT job").and_then(|()| {
            if job.run(conn) {
                exec(conn, "RELEASE job")
            } else {
                exec(conn, "ROLLBACK TO job").and_then(|()| exec(conn, "RELEASE job"))
            }
        });
        if let Err(e) = step {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e.to_string());
        }
    }
    conn.execute_batch("COMMIT").map_err(|e| {
        let _ = conn.execute_batch("ROLLBACK");
        e.to_string()
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sql::{job, Conn};

    fn writer(dir: &tempfile::TempDir, capacity: usize) -> Writer {
        let conn = Connection::open(dir.path().join("w.sqlite3")).unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER NOT NULL)")
            .unwrap();
        Writer::start(conn, capacity).unwrap()
    }

    fn insert(n: i64) -> Job<u64> {
        job(move |c: &mut dyn Conn| {
            Box::pin(async move {
                c.execute("INSERT INTO t (n) VALUES ($1)", &[n.into()])
                    .await
            })
        })
    }

    /// Counts the rows of table `t`.
    pub(crate) fn count() -> Job<i64> {
        job(|c: &mut dyn Conn| {
            Box::pin(async move {
                crate::sql::one(c, "SELECT COUNT(*) AS n FROM t", &[], |r| r.int("n")).await
            })
        })
    }

    #[tokio::test]
    async fn a_job_that_fails_or_panics_fails_alone_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let w = writer(&dir, 16);
        let failing = job(|c: &mut dyn Conn| {
            Box::pin(async move { c.execute("INSERT INTO t (n) VALUES (NULL)", &[]).await })
        });
        let panicking: Job<u64> =
            job(|_c: &mut dyn Conn| Box::pin(async move { panic!("a bug in a write") }));
        let (a, b, c, d) = tokio::join!(
            w.write(insert(1)),
            w.write(failing),
            w.write(panicking),
            w.write(insert(2))
        );
        assert_eq!((a.unwrap(), d.unwrap()), (1, 1));
        assert!(b.is_err(), "a constraint violation fails its own request");
        assert!(matches!(c, Err(StoreError::Backend(_))), "{c:?}");
        assert_eq!(w.write(count()).await.unwrap(), 2, "the others committed");
        assert_eq!(w.write(insert(3)).await.unwrap(), 1, "the writer goes on");
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_instead_of_growing() {
        let dir = tempfile::tempdir().unwrap();
        let w = writer(&dir, 2);
        // Hold the writer in a job until the queue has filled behind it.
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hold = std::sync::Mutex::new(hold);
        let blocker: Job<u64> = job(move |_c: &mut dyn Conn| {
            Box::pin(async move {
                let _ = hold.lock().map(|h| h.recv());
                Ok(0)
            })
        });
        let first = tokio::spawn({
            let w = w.clone();
            async move { w.write(blocker).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let queued: Vec<_> = (0..2)
            .map(|i| {
                let w = w.clone();
                tokio::spawn(async move { w.write(insert(i)).await })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(matches!(w.write(insert(9)).await, Err(StoreError::Busy)));
        release.send(()).unwrap();
        first.await.unwrap().unwrap();
        for q in queued {
            q.await.unwrap().unwrap();
        }
        assert_eq!(
            w.write(count()).await.unwrap(),
            2,
            "the queued ones ran; the refused one did not"
        );
    }
}
