//! A store over one backend's executor. Each capability is implemented once, in
//! [`crate::ops`], as operations the executor runs: a write in one durable transaction, a
//! read on a connection.

use crate::sql::{BoxFuture, Conn, Executor};
use crate::{migrations, HealthStore, Store, StoreError};
use async_trait::async_trait;

/// Runs a block with connection `c` through one of the store's ways below:
/// `run!(self.write, |c| { ... })` is `self.write(move |c| Box::pin(async move { ... })).await`.
macro_rules! run {
    ($store:ident . $how:ident, |$c:ident| $body:block) => {
        $store.$how(move |$c| Box::pin(async move $body)).await
    };
}
pub(crate) use run;

pub(crate) struct SqlStore<E> {
    pub(crate) exec: E,
    /// See [`Store::auth_generation`].
    auth: std::sync::atomic::AtomicU64,
}

impl<E: Executor> SqlStore<E> {
    /// A store over `exec`, its database migrated.
    pub(crate) async fn migrated(exec: E) -> Result<Self, StoreError> {
        let store = SqlStore {
            exec,
            auth: std::sync::atomic::AtomicU64::new(0),
        };
        migrations::migrate(&store).await?;
        Ok(store)
    }

    /// Marks principals read so far as stale (a token, grant or account changed).
    pub(crate) fn auth_changed(&self) {
        self.auth.fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// Runs `op` in a transaction, durable before it returns.
    pub(crate) async fn write<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        self.exec.write(Box::new(op)).await
    }

    /// Like [`SqlStore::write`], for a change of who may do what.
    pub(crate) async fn write_auth<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        let done = self.write(op).await;
        self.auth_changed();
        done
    }

    /// Runs `op`, a read that may scan many rows.
    pub(crate) async fn read<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        self.exec.read(Box::new(op)).await
    }

    /// Runs `op`, a point read by key.
    pub(crate) async fn point<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        self.exec.read_point(Box::new(op)).await
    }
}

#[async_trait]
impl<E: Executor> HealthStore for SqlStore<E> {
    async fn ready(&self) -> Result<(), StoreError> {
        let (applied, latest) = (migrations::applied(self).await?, migrations::latest());
        if applied == latest {
            Ok(())
        } else {
            Err(StoreError::Schema(format!(
                "applied {applied}, expected {latest}"
            )))
        }
    }
}

impl<E: Executor> Store for SqlStore<E> {
    fn backend(&self) -> &'static str {
        self.exec.backend()
    }

    fn auth_generation(&self) -> u64 {
        self.auth.load(std::sync::atomic::Ordering::Acquire)
    }
}
