//! Backups of the whole database, taken while the server runs, and restores into an empty
//! place. SQLite: `VACUUM INTO` a consistent single-file copy, checked before it is
//! reported. PostgreSQL: `pg_dump` in its custom format, restored by `pg_restore` in one
//! transaction. Sealed fields stay sealed: the key file is never part of a backup.

use crate::{migrations, redact_url, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub bytes: u64,
    /// The schema version of the copy.
    pub schema_version: i64,
    /// Accounts and audit entries in the copy (SQLite), or tables with data (PostgreSQL).
    pub accounts: Option<i64>,
    pub audit_entries: Option<i64>,
    pub tables: Option<usize>,
}

/// Writes a backup of the database `url` names to `to`, which must not exist yet.
pub async fn backup(url: &str, to: &Path) -> Result<BackupSummary, StoreError> {
    if to.exists() {
        return Err(StoreError::Refused(format!(
            "备份文件 {} 已存在，请换一个文件名",
            to.display()
        )));
    }
    let url = url.to_string();
    let to = to.to_path_buf();
    blocking(move || match sqlite_path(&url) {
        Some(path) => sqlite_backup(&path, &to),
        None => pg_backup(&url, &to),
    })
    .await
}

/// Restores the backup `from` into the database `url` names, which must be empty (SQLite:
/// no file yet; PostgreSQL: no OneTrip tables). On any error nothing is left behind.
pub async fn restore(from: &Path, url: &str) -> Result<BackupSummary, StoreError> {
    let url = url.to_string();
    let from = from.to_path_buf();
    match sqlite_path(&url) {
        Some(path) => blocking(move || sqlite_restore(&from, &path)).await,
        None => pg_restore(&from, &url).await,
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    url.strip_prefix("sqlite://").map(PathBuf::from)
}

fn sqlite_backup(db: &Path, to: &Path) -> Result<BackupSummary, StoreError> {
    if !db.exists() {
        return Err(StoreError::Refused(format!("没有数据库 {}", db.display())));
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let target = to.to_string_lossy().to_string();
    // VACUUM INTO fills an empty file: made private first, it never holds data readable
    // by others.
    crate::files::private_file(to)
        .map_err(|e| StoreError::Backend(format!("{}：{e}", to.display())))?;
    if let Err(e) = conn.execute("VACUUM INTO ?1", [&target]) {
        let _ = std::fs::remove_file(to);
        return Err(e.into());
    }
    match check_sqlite(to) {
        Ok(summary) => Ok(summary),
        Err(e) => {
            let _ = std::fs::remove_file(to);
            Err(e)
        }
    }
}

/// Opens a copy read-only and checks that it is a whole OneTrip database this program can
/// open.
fn check_sqlite(file: &Path) -> Result<BackupSummary, StoreError> {
    let not_backup =
        || StoreError::Refused(format!("{} 不是 OneTrip 的 SQLite 备份", file.display()));
    let mut header = [0u8; 16];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(file)
            .map_err(|_| StoreError::Refused(format!("没有备份文件 {}", file.display())))?;
        f.read_exact(&mut header).map_err(|_| not_backup())?;
    }
    if &header != b"SQLite format 3\0" {
        return Err(not_backup());
    }
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|_| not_backup())?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|_| not_backup())?;
    if integrity != "ok" {
        return Err(StoreError::Refused(format!(
            "备份文件 {} 已损坏：{integrity}",
            file.display()
        )));
    }
    let version: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(|_| not_backup())?;
    let latest = migrations::latest();
    if version > latest {
        return Err(StoreError::Schema(format!(
            "备份的数据库结构版本 {version} 比本程序（{latest}）新，请升级 onetrip"
        )));
    }
    let count = |table: &str| -> Option<i64> {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .ok()
    };
    Ok(BackupSummary {
        bytes: std::fs::metadata(file).map(|m| m.len()).unwrap_or(0),
        schema_version: version,
        accounts: count("account"),
        audit_entries: count("audit_log"),
        tables: None,
    })
}

fn sqlite_restore(from: &Path, db: &Path) -> Result<BackupSummary, StoreError> {
    let summary = check_sqlite(from)?;
    if db.exists() {
        return Err(StoreError::Refused(format!(
            "{} 已有数据库：请恢复到新的数据目录，确认无误后再让服务使用它",
            db.display()
        )));
    }
    if let Some(dir) = db.parent() {
        crate::files::private_dir(dir)
            .map_err(|e| StoreError::Backend(format!("{}：{e}", dir.display())))?;
    }
    let partial = db.with_extension("restoring");
    let copy = || -> std::io::Result<()> {
        std::fs::copy(from, &partial)?;
        std::fs::File::open(&partial)?.sync_all()?;
        std::fs::rename(&partial, db)
    };
    copy().map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        StoreError::Backend(format!("{}：{e}", db.display()))
    })?;
    Ok(summary)
}

/// The URL without its password, and the password for `PGPASSWORD`, so that it never
/// shows in the process list.
fn split_password(url: &str) -> (String, Option<String>) {
    if let (Some(scheme), Some(at)) = (url.find("://"), url.rfind('@')) {
        if at > scheme {
            let userinfo = &url[scheme + 3..at];
            if let Some((user, password)) = userinfo.split_once(':') {
                let bare = format!("{}{user}{}", &url[..scheme + 3], &url[at..]);
                return (bare, Some(password.to_string()));
            }
        }
    }
    (url.to_string(), None)
}

fn pg_tool(tool: &str, url: &str) -> Command {
    let (bare, password) = split_password(url);
    let mut cmd = Command::new(tool);
    cmd.arg("--dbname").arg(bare);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    cmd
}

fn run(mut cmd: Command, tool: &str, url: &str) -> Result<String, StoreError> {
    let out = cmd.output().map_err(|e| {
        StoreError::Unavailable(format!(
            "无法运行 {tool}（PostgreSQL 的备份需要它，Debian 软件包 postgresql-client）：{e}"
        ))
    })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("").to_string();
        Err(StoreError::Backend(format!(
            "{tool}（{}）失败：{first}",
            redact_url(url)
        )))
    }
}

fn pg_backup(url: &str, to: &Path) -> Result<BackupSummary, StoreError> {
    crate::files::private_file(to)
        .map_err(|e| StoreError::Backend(format!("{}：{e}", to.display())))?;
    let mut cmd = pg_tool("pg_dump", url);
    cmd.args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
        .arg(to);
    if let Err(e) = run(cmd, "pg_dump", url) {
        let _ = std::fs::remove_file(to);
        return Err(e);
    }
    check_pg(to).inspect_err(|_| {
        let _ = std::fs::remove_file(to);
    })
}

/// Lists a custom-format dump and checks it holds OneTrip's tables.
fn check_pg(file: &Path) -> Result<BackupSummary, StoreError> {
    if !file.exists() {
        return Err(StoreError::Refused(format!(
            "没有备份文件 {}",
            file.display()
        )));
    }
    let mut cmd = Command::new("pg_restore");
    cmd.arg("--list").arg(file);
    let listing = run(cmd, "pg_restore", "").map_err(|_| {
        StoreError::Refused(format!(
            "{} 不是 OneTrip 的 PostgreSQL 备份",
            file.display()
        ))
    })?;
    let data: Vec<&str> = listing
        .lines()
        .filter(|l| l.contains(" TABLE DATA "))
        .collect();
    if !data.iter().any(|l| l.contains(" schema_migrations ")) {
        return Err(StoreError::Refused(format!(
            "{} 不是 OneTrip 的 PostgreSQL 备份",
            file.display()
        )));
    }
    // The copied rows of schema_migrations, one per line, the version first.
    let mut cmd = Command::new("pg_restore");
    cmd.args(["--data-only", "--table=schema_migrations", "--file=-"])
        .arg(file);
    let rows = run(cmd, "pg_restore", "")?;
    let version = rows
        .lines()
        .filter_map(|l| l.split('\t').next()?.parse::<i64>().ok())
        .max()
        .unwrap_or(0);
    let latest = migrations::latest();
    if version > latest {
        return Err(StoreError::Schema(format!(
            "备份的数据库结构版本 {version} 比本程序（{latest}）新，请升级 onetrip"
        )));
    }
    Ok(BackupSummary {
        bytes: std::fs::metadata(file).map(|m| m.len()).unwrap_or(0),
        schema_version: version,
        accounts: None,
        audit_entries: None,
        tables: Some(data.len()),
    })
}

async fn pg_restore(from: &Path, url: &str) -> Result<BackupSummary, StoreError> {
    let checked = from.to_path_buf();
    let summary = blocking(move || check_pg(&checked)).await?;
    let pool = sqlx::PgPool::connect(url)
        .await
        .map_err(|e| StoreError::Unavailable(format!("{}（{e}）", redact_url(url))))?;
    let existing: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&pool)
    .await?;
    pool.close().await;
    if existing > 0 {
        return Err(StoreError::Refused(format!(
            "{} 不是空数据库：请恢复到新建的空数据库",
            redact_url(url)
        )));
    }
    let url = url.to_string();
    let from = from.to_path_buf();
    blocking(move || {
        let mut cmd = pg_tool("pg_restore", &url);
        cmd.args([
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
        ])
        .arg(&from);
        run(cmd, "pg_restore", &url).map(|_| summary)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url() {
        assert_eq!(
            split_password("postgres://u:s3cret@db:5432/onetrip"),
            (
                "postgres://u@db:5432/onetrip".to_string(),
                Some("s3cret".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://u@db/onetrip"),
            ("postgres://u@db/onetrip".to_string(), None)
        );
    }
}
