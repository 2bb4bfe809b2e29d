use thiserror::Error;

/// A storage failure, in terms the domain and web layers can act on. Backend errors are
/// kept as text for the log; they never reach a user.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness or state rule was violated (e.g. publishing with no draft).
    #[error("conflict: {0}")]
    Conflict(String),
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

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, Some(msg))
                if f.code == rusqlite::ErrorCode::ConstraintViolation
                    && (msg.starts_with("UNIQUE") || msg == ADMINISTRATOR_ALONE) =>
            {
                StoreError::Conflict(conflict_key(msg).to_string())
            }
            _ => StoreError::Backend(e.to_string()),
        }
    }
}

/// The trigger that keeps administrator roles apart from business roles (both backends).
const ADMINISTRATOR_ALONE: &str = "staff_grant_administrator_alone";

/// Names a uniqueness violation by what a caller can act on, from either backend's text.
fn conflict_key(detail: &str) -> &str {
    if detail == ADMINISTRATOR_ALONE {
        "administrator_alone"
    } else if detail.contains("administrator") || detail.contains("staff_grant.account_id") {
        "administrator"
    } else if detail.contains("document_index") {
        "document"
    } else if detail.contains("login") {
        "login"
    } else {
        detail
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
            sqlx::Error::Database(db)
                if db.is_unique_violation() || db.constraint() == Some(ADMINISTRATOR_ALONE) =>
            {
                StoreError::Conflict(conflict_key(db.constraint().unwrap_or_default()).to_string())
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
