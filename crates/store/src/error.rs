use thiserror::Error;

/// A storage failure, in terms the domain and web layers can act on. Backend errors are
/// kept as text for the log; they never reach a user.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness or state rule was violated: which one.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// The configuration cannot work (bad URL, unreadable data directory).
    #[error("{0}")]
    Config(String),
    /// The database cannot be reached.
    #[error("数据库无法连接：{0}")]
    Unavailable(String),
    /// Migrations are missing or newer than this binary.
    #[error("数据库结构版本不符：{0}")]
    Schema(String),
    /// An operator's request that cannot be carried out as asked (a backup over an existing
    /// file, a restore into a database that holds data); the message says why.
    #[error("{0}")]
    Refused(String),
    /// The writer's queue is full: try again in a moment.
    #[error("busy")]
    Busy,
    /// Anything else the backend reported.
    #[error("storage failure: {0}")]
    Backend(String),
}

/// A rule a change broke, in terms a caller can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// The login is taken.
    Login,
    /// The identity document is registered to another account.
    Document,
    /// The account holds an administrator role already.
    Administrator,
    /// Administrator and business roles on one account.
    AdministratorAlone,
    /// No enabled account would keep `security_admin`.
    LastSecurityAdmin,
    /// Publishing an entry (by code) that has no draft.
    NoDraft(String),
    /// An implementation whose base matter (by code) has not been published.
    BaseUnpublished(String),
    /// A case changed since it was read: someone else acted on it first.
    Stale,
    /// Another rule of the schema, by its name.
    Other(String),
}

impl Conflict {
    /// The rule a schema name designates: PostgreSQL's constraint (or trigger) name, or
    /// what SQLite reports for it (`table.column` of a unique column, the trigger's name).
    fn named(name: &str) -> Conflict {
        match name {
            "account_login_key" | "account.login" => Conflict::Login,
            "person_document_index_key" | "person.document_index" => Conflict::Document,
            "staff_grant_one_administrator" | "staff_grant.account_id" => Conflict::Administrator,
            "staff_grant_administrator_alone" => Conflict::AdministratorAlone,
            other => Conflict::Other(other.to_string()),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, Some(msg))
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                match msg.strip_prefix("UNIQUE constraint failed: ") {
                    Some(columns) => StoreError::Conflict(Conflict::named(columns)),
                    None if msg == "staff_grant_administrator_alone" => {
                        StoreError::Conflict(Conflict::AdministratorAlone)
                    }
                    None => StoreError::Backend(e.to_string()),
                }
            }
            _ => StoreError::Backend(e.to_string()),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
            sqlx::Error::Database(db) if db.is_unique_violation() || db.is_check_violation() => {
                match db.constraint() {
                    Some(name) => StoreError::Conflict(Conflict::named(name)),
                    None => StoreError::Backend(db.to_string()),
                }
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(e.to_string())
            }
            other => StoreError::Backend(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Backend(format!("stored document: {e}"))
    }
}
