//! The PostgreSQL executor: a sqlx pool and ordinary transactions. Nothing here needs
//! advisory locks, so PostgreSQL-compatible distributed engines work too.

use super::{Conn, Each, Executor, Job, Row, Value};
use crate::migrations;
use crate::store::SqlStore;
use crate::{redact_url, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgPool, PgPoolOptions, PgRow, PgTypeInfo, Postgres};
use sqlx::{PgConnection, Row as _};
use std::time::Duration;
use uuid::Uuid;

/// JSON text bound as `json`: stored as written in JSON columns, and taken by JSONB ones
/// through PostgreSQL's assignment cast, with no parsing here.
struct JsonText<'a>(&'a str);

impl sqlx::Type<Postgres> for JsonText<'_> {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("json")
    }
}

impl sqlx::Encode<'_, Postgres> for JsonText<'_> {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        buf.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }
}

struct PgConn<'c> {
    conn: &'c mut PgConnection,
}

fn bound<'q>(
    sql: &'q str,
    args: &'q [Value<'q>],
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    let mut q = sqlx::query(sql);
    for arg in args {
        q = match *arg {
            Value::Text(s) => q.bind(s),
            Value::Int(n) => q.bind(n),
            Value::Bool(b) => q.bind(b),
            Value::Time(t) => q.bind(t),
            Value::Date(d) => q.bind(d),
            Value::Id(s) => q.bind(s.and_then(|s| Uuid::parse_str(s).ok())),
            Value::Json(s) => q.bind(s.map(JsonText)),
            Value::Bytes(b) => q.bind(b),
        };
    }
    q
}

#[async_trait]
impl Conn for PgConn<'_> {
    async fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        // A string with no values runs as a simple query: any number of statements.
        sqlx::Executor::execute(&mut *self.conn, sql).await?;
        Ok(())
    }

    async fn execute(&mut self, sql: &str, args: &[Value<'_>]) -> Result<u64, StoreError> {
        Ok(bound(sql, args)
            .execute(&mut *self.conn)
            .await?
            .rows_affected())
    }

    async fn query(
        &mut self,
        sql: &str,
        args: &[Value<'_>],
        each: &mut Each<'_>,
    ) -> Result<(), StoreError> {
        let rows = bound(sql, args).fetch_all(&mut *self.conn).await?;
        for row in &rows {
            each(&PgRowRef(row))?;
        }
        Ok(())
    }
}

struct PgRowRef<'r>(&'r PgRow);

impl Row for PgRowRef<'_> {
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        Ok(self.0.try_get(col)?)
    }

    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        match self.0.try_get::<Option<i64>, _>(col) {
            Ok(v) => Ok(v),
            Err(_) => Ok(self.0.try_get::<Option<i32>, _>(col)?.map(i64::from)),
        }
    }

    fn bool(&self, col: &str) -> Result<bool, StoreError> {
        Ok(self.0.try_get(col)?)
    }

    fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.0.try_get(col)?)
    }

    fn opt_date(&self, col: &str) -> Result<Option<NaiveDate>, StoreError> {
        Ok(self.0.try_get(col)?)
    }

    fn opt_id(&self, col: &str) -> Result<Option<String>, StoreError> {
        match self.0.try_get::<Option<Uuid>, _>(col) {
            Ok(v) => Ok(v.map(|u| u.to_string())),
            Err(_) => Ok(self.0.try_get(col)?),
        }
    }

    fn bytes(&self, col: &str) -> Result<Vec<u8>, StoreError> {
        Ok(self.0.try_get(col)?)
    }
}

/// A PostgreSQL database.
#[derive(Clone)]
pub(crate) struct PgExec {
    pool: PgPool,
}

impl PgExec {
    /// Connects. An unreachable server is one clear error.
    pub async fn connect(url: &str) -> Result<PgExec, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| StoreError::Unavailable(format!("{}（{e}）", redact_url(url))))?;
        Ok(PgExec { pool })
    }
}

impl Executor for PgExec {
    /// A job that fails drops its transaction, which rolls it back.
    async fn write<T: Send + 'static>(&self, job: Job<T>) -> Result<T, StoreError> {
        let mut tx = self.pool.begin().await?;
        let value = job(&mut PgConn { conn: &mut tx }).await?;
        tx.commit().await?;
        Ok(value)
    }

    async fn read<T: Send + 'static>(&self, job: Job<T>) -> Result<T, StoreError> {
        let mut conn = self.pool.acquire().await?;
        job(&mut PgConn { conn: &mut conn }).await
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

/// The URL of database `name` on the server `admin_url` names.
fn beside(admin_url: &str, name: &str) -> String {
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    let cut = base.rfind('/').map_or(base.len(), |i| i);
    format!("{}/{name}", &base[..cut])
}

async fn admin_pool(admin_url: &str) -> Result<PgPool, StoreError> {
    PgPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await
        .map_err(|e| StoreError::Unavailable(format!("{}（{e}）", redact_url(admin_url))))
}

/// Creates a fresh, empty database next to the one `admin_url` names and returns its URL
/// (for `onetrip bench` and restores).
pub async fn create_scratch_database(admin_url: &str, prefix: &str) -> Result<String, StoreError> {
    let name = format!("{prefix}_{}", Uuid::now_v7().simple());
    let pool = admin_pool(admin_url).await?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await?;
    pool.close().await;
    Ok(beside(admin_url, &name))
}

/// Creates a fresh database cloned from a migrated template (made once per set of
/// migrations, named by their fingerprint) and returns its URL: a migrated database in the
/// time a file copy takes, for tests.
pub async fn create_migrated_database(admin_url: &str, prefix: &str) -> Result<String, StoreError> {
    let template = format!("onetrip_template_{}", migrations::postgres_fingerprint());
    let pool = admin_pool(admin_url).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&template)
            .fetch_one(&pool)
            .await?;
    if !exists {
        // Built under a name of its own and renamed when complete, so that a test run in
        // another process never clones a half-migrated template.
        let building = format!("{template}_{}", Uuid::now_v7().simple());
        sqlx::raw_sql(&format!("CREATE DATABASE {building}"))
            .execute(&pool)
            .await?;
        let built =
            SqlStore::migrated(PgExec::connect(&beside(admin_url, &building)).await?).await?;
        built.exec.pool.close().await;
        let renamed = sqlx::raw_sql(&format!("ALTER DATABASE {building} RENAME TO {template}"))
            .execute(&pool)
            .await;
        if renamed.is_err() {
            // Another process finished first: use its template.
            let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {building}"))
                .execute(&pool)
                .await;
        }
    }
    let name = format!("{prefix}_{}", Uuid::now_v7().simple());
    let mut tries = 0;
    loop {
        let created = sqlx::raw_sql(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&pool)
            .await;
        match created {
            Ok(_) => break,
            // The template is briefly in use while another test clones it.
            Err(e) if tries < 50 => {
                tries += 1;
                tracing::debug!(error = %e, "template busy");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    pool.close().await;
    Ok(beside(admin_url, &name))
}
