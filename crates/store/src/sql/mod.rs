//! One SQL text per statement for both databases. Statements use `$1..$N` placeholders,
//! first appearing in ascending order (SQLite numbers named parameters as they appear;
//! PostgreSQL by their number), and read rows by column name through [`Row`]. Values say
//! what they are ([`Value`]), so each backend stores them in its own column types (UUID,
//! TIMESTAMPTZ, DATE, JSON on PostgreSQL; text on SQLite) from the same statement.
//!
//! An operation is written once as an async function over `&mut dyn Conn`; an [`Executor`]
//! runs it in a transaction (writes) or on a connection (reads).

pub(crate) mod postgres;
pub(crate) mod sqlite;
mod writer;

use crate::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::future::Future;
use std::pin::Pin;

/// A value bound to a placeholder. `None` is SQL NULL of that kind.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
    Bool(bool),
    /// An instant: TIMESTAMPTZ, or fixed-width RFC 3339 text (text order is time order).
    Time(Option<DateTime<Utc>>),
    /// A calendar date: DATE, or `YYYY-MM-DD` text.
    Date(Option<NaiveDate>),
    /// A key: UUID, or text. On PostgreSQL a string that is no UUID is NULL (it names
    /// nothing there, as it matches nothing in SQLite).
    Id(Option<&'a str>),
    /// A JSON document as text: JSON (JSONB columns take it by assignment), or text.
    Json(Option<&'a str>),
    Bytes(&'a [u8]),
}

/// `impl From<$t> for Value` as `Value::$variant($wrap(v))`.
macro_rules! value_from {
    ($($t:ty => $variant:ident $(($wrap:path))?),* $(,)?) => {$(
        impl<'a> From<$t> for Value<'a> {
            fn from(v: $t) -> Self {
                Value::$variant($($wrap)?(v))
            }
        }
    )*};
}

value_from! {
    &'a str => Text(Some),
    &'a String => Text(Some),
    Option<&'a str> => Text,
    i64 => Int(Some),
    Option<i64> => Int,
    bool => Bool,
    DateTime<Utc> => Time(Some),
    Option<DateTime<Utc>> => Time,
    NaiveDate => Date(Some),
    Option<NaiveDate> => Date,
}

/// A key value (UUID on PostgreSQL).
pub(crate) fn id(s: &str) -> Value<'_> {
    Value::Id(Some(s))
}

/// An optional key value.
pub(crate) fn opt_id(s: Option<&str>) -> Value<'_> {
    Value::Id(s)
}

/// A JSON document value.
pub(crate) fn json(s: &str) -> Value<'_> {
    Value::Json(Some(s))
}

/// A row of a result, read by column name.
pub(crate) trait Row {
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError>;
    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError>;
    fn bool(&self, col: &str) -> Result<bool, StoreError>;
    fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    fn opt_date(&self, col: &str) -> Result<Option<NaiveDate>, StoreError>;
    /// A key column (UUID on PostgreSQL) as text.
    fn opt_id(&self, col: &str) -> Result<Option<String>, StoreError>;
    fn bytes(&self, col: &str) -> Result<Vec<u8>, StoreError>;

    fn text(&self, col: &str) -> Result<String, StoreError> {
        self.opt_text(col)?.ok_or_else(|| null(col))
    }
    fn int(&self, col: &str) -> Result<i64, StoreError> {
        self.opt_int(col)?.ok_or_else(|| null(col))
    }
    fn time(&self, col: &str) -> Result<DateTime<Utc>, StoreError> {
        self.opt_time(col)?.ok_or_else(|| null(col))
    }
    fn date(&self, col: &str) -> Result<NaiveDate, StoreError> {
        self.opt_date(col)?.ok_or_else(|| null(col))
    }
    fn id(&self, col: &str) -> Result<String, StoreError> {
        self.opt_id(col)?.ok_or_else(|| null(col))
    }
}

fn null(col: &str) -> StoreError {
    StoreError::Backend(format!("column {col} is NULL"))
}

/// A JSON column (selected as `CAST(col AS TEXT) AS col`), parsed.
pub(crate) fn json_of<T: serde::de::DeserializeOwned>(
    row: &dyn Row,
    col: &str,
) -> Result<T, StoreError> {
    Ok(serde_json::from_str(&row.text(col)?)?)
}

/// What a query hands each row to.
pub(crate) type Each<'f> = dyn FnMut(&dyn Row) -> Result<(), StoreError> + Send + 'f;

/// A connection, inside a transaction for writes.
#[async_trait]
pub(crate) trait Conn: Send {
    /// Runs a script of statements with no values (a migration).
    async fn batch(&mut self, sql: &str) -> Result<(), StoreError>;
    /// Runs a statement; the number of rows it changed.
    async fn execute(&mut self, sql: &str, args: &[Value<'_>]) -> Result<u64, StoreError>;
    /// Runs a query and hands every row to `each`, in order.
    async fn query(
        &mut self,
        sql: &str,
        args: &[Value<'_>],
        each: &mut Each<'_>,
    ) -> Result<(), StoreError>;
}

/// The rows of a query, each turned into a `T`.
pub(crate) async fn all<T: Send>(
    c: &mut dyn Conn,
    sql: &str,
    args: &[Value<'_>],
    of: impl Fn(&dyn Row) -> Result<T, StoreError> + Send + Sync,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    c.query(sql, args, &mut |r| {
        out.push(of(r)?);
        Ok(())
    })
    .await?;
    Ok(out)
}

/// The first row of a query, if any, turned into a `T`.
pub(crate) async fn first<T: Send>(
    c: &mut dyn Conn,
    sql: &str,
    args: &[Value<'_>],
    of: impl Fn(&dyn Row) -> Result<T, StoreError> + Send + Sync,
) -> Result<Option<T>, StoreError> {
    let mut out = None;
    c.query(sql, args, &mut |r| {
        if out.is_none() {
            out = Some(of(r)?);
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

/// The one row a query must return.
pub(crate) async fn one<T: Send>(
    c: &mut dyn Conn,
    sql: &str,
    args: &[Value<'_>],
    of: impl Fn(&dyn Row) -> Result<T, StoreError> + Send + Sync,
) -> Result<T, StoreError> {
    first(c, sql, args, of)
        .await?
        .ok_or_else(|| StoreError::Backend("a query that returns one row returned none".into()))
}

/// Not found when a change touched no row.
pub(crate) fn changed(n: u64, what: &str) -> Result<(), StoreError> {
    (n > 0)
        .then_some(())
        .ok_or_else(|| StoreError::NotFound(what.to_string()))
}

/// A boxed future borrowing the connection.
pub(crate) type BoxFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// An operation to run on a connection.
pub(crate) type Job<T> =
    Box<dyn for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, Result<T, StoreError>> + Send>;

#[cfg(test)]
/// Wraps an operation as a [`Job`]: `job(move |c| Box::pin(async move { ... }))`.
pub(crate) fn job<T, F>(f: F) -> Job<T>
where
    F: for<'c> FnOnce(&'c mut dyn Conn) -> BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
{
    Box::new(f)
}

/// Runs jobs on one backend.
pub(crate) trait Executor: Send + Sync + 'static {
    /// In a transaction that is committed, and durable, before the result returns; a job
    /// that fails changes nothing.
    fn write<T: Send + 'static>(
        &self,
        job: Job<T>,
    ) -> impl Future<Output = Result<T, StoreError>> + Send;
    /// On a connection, for a read that may scan many rows.
    fn read<T: Send + 'static>(
        &self,
        job: Job<T>,
    ) -> impl Future<Output = Result<T, StoreError>> + Send;
    /// For a point read (one row by key): as cheap as the backend allows.
    fn read_point<T: Send + 'static>(
        &self,
        job: Job<T>,
    ) -> impl Future<Output = Result<T, StoreError>> + Send {
        self.read(job)
    }
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}
