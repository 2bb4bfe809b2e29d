//! Accounts, grants, sessions, tokens, audit log and data keys on SQLite.

use super::SqliteStore;
use crate::people::{instant_text, lockout_record};
use crate::{
    Account, AccountKind, AccountStore, ApiToken, AuditEntry, AuditFilter, AuditStore, GrantStore,
    KeyStore, LoginTrace, NewAccount, PersonRecord, Session, SessionStage, SessionStore,
    StoreError, StoredDataKey, StoredGrant,
};
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use onetrip_domain::access::{Grant, Role};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::auth::lockout::{self, Consequence, Failures, LockPolicy, SourceRecord};
use onetrip_domain::chain;
use onetrip_domain::person::Assurance;
use rusqlite::{params, Connection, OptionalExtension, Row};

fn instant(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| StoreError::Backend(format!("bad instant {s}: {e}")))
}

fn opt_instant(s: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    s.as_deref().map(instant).transpose()
}

const ACCOUNT_COLS: &str = "a.id, a.kind, a.login, a.display_name, a.organization, a.password_hash,
    a.password_changed_at, a.totp_secret, a.totp_last_step, a.assurance, a.failed_logins,
    a.slowed_until, a.disabled_at, a.created_at, a.last_login_at, a.last_login_source,
    a.previous_login_at, a.previous_login_source, a.failures_before_login, a.must_change_password";

/// An account row as SQLite gives it, before instants and keys are parsed.
struct RawAccount {
    id: String,
    kind: String,
    login: String,
    display_name: String,
    organization: Option<String>,
    password_hash: Option<String>,
    password_changed_at: Option<String>,
    totp_secret: Option<String>,
    totp_last_step: Option<i64>,
    assurance: String,
    failed_logins: i64,
    slowed_until: Option<String>,
    disabled_at: Option<String>,
    created_at: String,
    last_login: (Option<String>, Option<String>),
    previous_login: (Option<String>, Option<String>),
    failures_before_login: i64,
    must_change_password: bool,
}

/// The account columns ([`ACCOUNT_COLS`]) starting at column `at`.
fn raw_account(r: &Row<'_>, at: usize) -> rusqlite::Result<RawAccount> {
    Ok(RawAccount {
        id: r.get(at)?,
        kind: r.get(at + 1)?,
        login: r.get(at + 2)?,
        display_name: r.get(at + 3)?,
        organization: r.get(at + 4)?,
        password_hash: r.get(at + 5)?,
        password_changed_at: r.get(at + 6)?,
        totp_secret: r.get(at + 7)?,
        totp_last_step: r.get(at + 8)?,
        assurance: r.get(at + 9)?,
        failed_logins: r.get(at + 10)?,
        slowed_until: r.get(at + 11)?,
        disabled_at: r.get(at + 12)?,
        created_at: r.get(at + 13)?,
        last_login: (r.get(at + 14)?, r.get(at + 15)?),
        previous_login: (r.get(at + 16)?, r.get(at + 17)?),
        failures_before_login: r.get(at + 18)?,
        must_change_password: r.get(at + 19)?,
    })
}

fn trace(raw: (Option<String>, Option<String>)) -> Result<Option<LoginTrace>, StoreError> {
    Ok(LoginTrace::from_parts(opt_instant(raw.0)?, raw.1))
}

fn account_of(raw: RawAccount) -> Result<Account, StoreError> {
    Ok(Account {
        kind: AccountKind::from_key(&raw.kind)
            .ok_or_else(|| StoreError::Backend(format!("bad account kind {}", raw.kind)))?,
        id: raw.id,
        login: raw.login,
        display_name: raw.display_name,
        organization: raw.organization,
        password_hash: raw.password_hash,
        password_changed_at: opt_instant(raw.password_changed_at)?,
        totp_secret: raw.totp_secret,
        totp_last_step: raw.totp_last_step,
        assurance: Assurance::from_key(&raw.assurance)
            .ok_or_else(|| StoreError::Backend(format!("bad assurance {}", raw.assurance)))?,
        failed_logins: raw.failed_logins,
        slowed_until: opt_instant(raw.slowed_until)?,
        disabled_at: opt_instant(raw.disabled_at)?,
        created_at: instant(&raw.created_at)?,
        last_login: trace(raw.last_login)?,
        previous_login: trace(raw.previous_login)?,
        failures_before_login: raw.failures_before_login,
        must_change_password: raw.must_change_password,
    })
}

fn load_account(
    conn: &Connection,
    where_sql: &str,
    key: &str,
) -> Result<Option<Account>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLS} FROM account a WHERE {where_sql}");
    conn.query_row(&sql, [key], |r| raw_account(r, 0))
        .optional()?
        .map(account_of)
        .transpose()
}

/// Appends one audit record to the chain, in the caller's transaction.
pub(crate) fn append_audit_in(
    conn: &Connection,
    mut record: AuditRecord,
) -> Result<AuditEntry, StoreError> {
    record.at = record.at.trunc_subsecs(6);
    let (seq, prev): (i64, String) = conn.query_row(
        "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let prev = chain::from_hex(&prev)
        .ok_or_else(|| StoreError::Backend("audit head hash is malformed".into()))?;
    let hash = chain::to_hex(&chain::link(&prev, &record.canonical_bytes()));
    conn.execute("UPDATE audit_head SET hash = ?1 WHERE id = 1", [&hash])?;
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor, source, event, object, outcome, detail, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            seq,
            instant_text(record.at),
            record.actor,
            record.source,
            record.event.key(),
            record.object,
            record.outcome.key(),
            record.detail,
            hash
        ],
    )?;
    Ok(AuditEntry { seq, record, hash })
}

fn audit_of(r: &Row<'_>) -> rusqlite::Result<RawAudit> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

type RawAudit = (
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
);

fn audit_entry(raw: RawAudit) -> Result<AuditEntry, StoreError> {
    let (seq, at, actor, source, event, object, outcome, detail, hash) = raw;
    Ok(AuditEntry {
        seq,
        record: AuditRecord {
            at: instant(&at)?,
            actor,
            source,
            event: AuditEvent::from_key(&event)
                .ok_or_else(|| StoreError::Backend(format!("bad audit event {event}")))?,
            object,
            outcome: Outcome::from_key(&outcome)
                .ok_or_else(|| StoreError::Backend(format!("bad audit outcome {outcome}")))?,
            detail,
        },
        hash,
    })
}

type RawSession = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn session_of(r: &Row<'_>) -> rusqlite::Result<RawSession> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn session_from(raw: RawSession) -> Result<Session, StoreError> {
    let (id_hash, account_id, stage, csrf_token, source, created, seen, expires) = raw;
    Ok(Session {
        id_hash,
        account_id,
        stage: SessionStage::from_key(&stage)
            .ok_or_else(|| StoreError::Backend(format!("bad session stage {stage}")))?,
        csrf_token,
        source,
        created_at: instant(&created)?,
        last_seen_at: instant(&seen)?,
        expires_at: instant(&expires)?,
    })
}

fn insert_session(conn: &Connection, s: &Session) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO session (id_hash, account_id, stage, csrf_token, source, created_at,
            last_seen_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            s.id_hash,
            s.account_id,
            s.stage.key(),
            s.csrf_token,
            s.source,
            instant_text(s.created_at),
            instant_text(s.last_seen_at),
            instant_text(s.expires_at)
        ],
    )?;
    Ok(())
}

fn token_from(r: &Row<'_>) -> rusqlite::Result<RawToken> {
    Ok((
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
        (r.get(4)?, r.get(5)?),
        (r.get(6)?, r.get(7)?, r.get(8)?),
    ))
}

type RawToken = (
    (String, String, String, String),
    (String, String),
    (String, Option<String>, Option<String>),
);

fn token_of(raw: RawToken) -> Result<ApiToken, StoreError> {
    let ((id, account_id, name, token_hash), (scopes, grant_ids), (created, expires, revoked)) =
        raw;
    Ok(ApiToken {
        id,
        account_id,
        name,
        token_hash,
        scopes: serde_json::from_str(&scopes)?,
        grant_ids: serde_json::from_str(&grant_ids)?,
        created_at: instant(&created)?,
        expires_at: opt_instant(expires)?,
        revoked_at: opt_instant(revoked)?,
    })
}

/// The token columns; the account's follow at [`TOKEN_WIDTH`].
const TOKEN_COLS: &str = "t.id, t.account_id, t.name, t.token_hash, t.scopes, t.grant_ids,
    t.created_at, t.expires_at, t.revoked_at";
const TOKEN_WIDTH: usize = 9;

fn changed(n: usize, what: &str) -> Result<(), StoreError> {
    if n == 0 {
        Err(StoreError::NotFound(what.to_string()))
    } else {
        Ok(())
    }
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_account(
        &self,
        new: NewAccount,
        audit: AuditRecord,
    ) -> Result<Account, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = audit.at.trunc_subsecs(6);
        let account = Account::from_new(&new, id.clone(), now);
        let a = account.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO account (id, kind, login, display_name, organization, password_hash,
                    password_changed_at, assurance, created_at, must_change_password)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    a.id,
                    a.kind.key(),
                    a.login,
                    a.display_name,
                    a.organization,
                    a.password_hash,
                    a.password_changed_at.map(instant_text),
                    a.assurance.key(),
                    instant_text(a.created_at),
                    a.must_change_password
                ],
            )?;
            if let Some(p) = &new.person {
                conn.execute(
                    "INSERT INTO person (account_id, name, document_kind, document_sealed,
                        document_index, document_masked, phone_sealed, phone_index, phone_masked)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        a.id,
                        p.name,
                        p.document_kind,
                        p.document_sealed,
                        p.document_index,
                        p.document_masked,
                        p.phone_sealed,
                        p.phone_index,
                        p.phone_masked
                    ],
                )?;
            }
            let mut audit = audit;
            audit.object = Some(a.id.clone());
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await?;
        Ok(account)
    }

    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        let id = id.to_string();
        self.read_point(|c| load_account(c, "a.id = ?1", &id))
    }

    async fn account_by_login(&self, login: &str) -> Result<Option<Account>, StoreError> {
        let login = login.to_string();
        self.read_point(|c| load_account(c, "a.login = ?1", &login))
    }

    async fn accounts_by_phone(&self, phone_index: &str) -> Result<Vec<Account>, StoreError> {
        let key = phone_index.to_string();
        self.read_point(|c| {
            let sql = format!(
                "SELECT {ACCOUNT_COLS} FROM account a JOIN person p ON p.account_id = a.id
                 WHERE p.phone_index = ?1 ORDER BY a.id"
            );
            let mut stmt = c.prepare(&sql)?;
            let raws = stmt
                .query_map([&key], |r| raw_account(r, 0))?
                .collect::<Result<Vec<_>, _>>()?;
            raws.into_iter().map(account_of).collect()
        })
    }

    async fn person(&self, account_id: &str) -> Result<Option<PersonRecord>, StoreError> {
        let id = account_id.to_string();
        self.read_point(|c| {
            Ok(c.query_row(
                "SELECT name, document_kind, document_sealed, document_index, document_masked,
                    phone_sealed, phone_index, phone_masked FROM person WHERE account_id = ?1",
                [&id],
                |r| {
                    Ok(PersonRecord {
                        name: r.get(0)?,
                        document_kind: r.get(1)?,
                        document_sealed: r.get(2)?,
                        document_index: r.get(3)?,
                        document_masked: r.get(4)?,
                        phone_sealed: r.get(5)?,
                        phone_index: r.get(6)?,
                        phone_masked: r.get(7)?,
                    })
                },
            )
            .optional()?)
        })
    }

    async fn staff_accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.read(|c| {
            let sql = format!(
                "SELECT {ACCOUNT_COLS} FROM account a WHERE a.kind = 'staff' ORDER BY a.login"
            );
            let mut stmt = c.prepare(&sql)?;
            let raws = stmt
                .query_map([], |r| raw_account(r, 0))?
                .collect::<Result<Vec<_>, _>>()?;
            raws.into_iter().map(account_of).collect()
        })
        .await
    }

    async fn login_source(
        &self,
        account_id: &str,
        source: &str,
    ) -> Result<Option<SourceRecord>, StoreError> {
        let (id, source) = (account_id.to_string(), source.to_string());
        self.read_point(|c| {
            let row: Option<(i64, Option<String>, Option<String>)> = c
                .prepare_cached(
                    "SELECT failures, locked_until, last_success_at FROM login_source
                     WHERE account_id = ?1 AND source = ?2",
                )?
                .query_row([&id, &source], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            row.map(|(failures, locked, success)| {
                Ok(SourceRecord {
                    failures,
                    locked_until: opt_instant(locked)?,
                    last_success_at: opt_instant(success)?,
                })
            })
            .transpose()
        })
    }

    async fn record_login_failure(
        &self,
        account_id: &str,
        source: &str,
        policy: &LockPolicy,
        audit: AuditRecord,
    ) -> Result<Consequence, StoreError> {
        let (id, source, policy) = (account_id.to_string(), source.to_string(), *policy);
        self.write(move |conn| {
            let at = audit.at.trunc_subsecs(6);
            let now = instant_text(at);
            conn.execute(
                "DELETE FROM login_source WHERE account_id = ?1 AND last_success_at IS NULL
                   AND last_failure_at < ?2 AND (locked_until IS NULL OR locked_until < ?3)",
                params![id, instant_text(at - policy.lock_for), now],
            )?;
            let from_source: i64 = conn.query_row(
                "INSERT INTO login_source (account_id, source, failures, last_failure_at)
                 VALUES (?1, ?2, 1, ?3)
                 ON CONFLICT (account_id, source) DO UPDATE
                   SET failures = login_source.failures + 1, last_failure_at = ?3
                 RETURNING failures",
                params![id, source, now],
                |r| r.get(0),
            )?;
            let of_account: i64 = conn.query_row(
                "UPDATE account SET failed_logins = failed_logins + 1 WHERE id = ?1
                 RETURNING failed_logins",
                [&id],
                |r| r.get(0),
            )?;
            let address = audit.source.clone();
            append_audit_in(conn, audit)?;
            let counts = Failures {
                from_source,
                of_account,
            };
            let consequence = lockout::after_failure(counts, &policy, at);
            if let Some(until) = consequence.slow_account_until {
                conn.execute(
                    "UPDATE account SET slowed_until = ?1 WHERE id = ?2",
                    params![instant_text(until), id],
                )?;
            }
            if let Some(until) = consequence.lock_source_until {
                conn.execute(
                    "UPDATE login_source SET locked_until = ?1, failures = 0
                     WHERE account_id = ?2 AND source = ?3",
                    params![instant_text(until), id, source],
                )?;
                append_audit_in(conn, lockout_record(&id, &address, at, counts, until))?;
            }
            Ok(consequence)
        })
        .await
    }

    async fn record_login_success(
        &self,
        account_id: &str,
        source: &str,
        mark_source: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (id, source) = (account_id.to_string(), source.to_string());
        self.write(move |conn| {
            let now = instant_text(at.trunc_subsecs(6));
            if mark_source {
                conn.execute(
                    "INSERT INTO login_source (account_id, source, failures, last_success_at)
                     VALUES (?1, ?2, 0, ?3)
                     ON CONFLICT (account_id, source) DO UPDATE
                       SET failures = 0, locked_until = NULL, last_success_at = ?3",
                    params![id, source, now],
                )?;
            }
            let n = conn.execute(
                "UPDATE account SET failures_before_login = failed_logins, failed_logins = 0,
                    slowed_until = NULL, previous_login_at = last_login_at,
                    previous_login_source = last_login_source, last_login_at = ?1,
                    last_login_source = ?2
                 WHERE id = ?3",
                params![now, source, id],
            )?;
            changed(n, "account")
        })
        .await
    }

    async fn set_password(
        &self,
        id: &str,
        hash: &str,
        keep: Option<&str>,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let (id, hash, keep) = (id.to_string(), hash.to_string(), keep.map(str::to_string));
        self.write(move |conn| {
            let n = conn.execute(
                "UPDATE account SET password_hash = ?1, password_changed_at = ?2,
                    failed_logins = 0, slowed_until = NULL, must_change_password = ?3
                 WHERE id = ?4",
                params![hash, instant_text(audit.at), keep.is_none(), id],
            )?;
            changed(n, "account")?;
            conn.execute(
                "UPDATE login_source SET failures = 0, locked_until = NULL WHERE account_id = ?1",
                [&id],
            )?;
            conn.execute(
                "DELETE FROM session WHERE account_id = ?1 AND id_hash IS NOT ?2",
                params![id, keep],
            )?;
            if keep.is_none() {
                end_tokens(conn, &id, audit.at)?;
            }
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await
    }

    async fn set_totp(
        &self,
        id: &str,
        sealed: Option<String>,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let id = id.to_string();
        self.write(move |conn| {
            let reset = sealed.is_none();
            let n = conn.execute(
                "UPDATE account SET totp_secret = ?1, totp_last_step = NULL WHERE id = ?2",
                params![sealed, id],
            )?;
            changed(n, "account")?;
            if reset {
                conn.execute("DELETE FROM session WHERE account_id = ?1", [&id])?;
                end_tokens(conn, &id, audit.at)?;
            }
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await
    }

    async fn set_assurance(
        &self,
        id: &str,
        assurance: Assurance,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let id = id.to_string();
        self.write(move |conn| {
            let n = conn.execute(
                "UPDATE account SET assurance = ?1 WHERE id = ?2",
                params![assurance.key(), id],
            )?;
            changed(n, "account")?;
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await
    }

    async fn claim_totp_step(&self, id: &str, step: i64) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.write(move |conn| {
            let n = conn.execute(
                "UPDATE account SET totp_last_step = ?1
                 WHERE id = ?2 AND (totp_last_step IS NULL OR totp_last_step < ?1)",
                params![step, id],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn set_disabled(
        &self,
        id: &str,
        disabled: bool,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let id = id.to_string();
        self.write(move |conn| {
            let at = disabled.then(|| instant_text(audit.at));
            let n = conn.execute(
                "UPDATE account SET disabled_at = ?1 WHERE id = ?2",
                params![at, id],
            )?;
            changed(n, "account")?;
            if disabled {
                conn.execute("DELETE FROM session WHERE account_id = ?1", [&id])?;
                let held: bool = conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM staff_grant WHERE account_id = ?1
                       AND role = 'security_admin' AND revoked_at IS NULL)",
                    [&id],
                    |r| r.get(0),
                )?;
                if held {
                    keep_a_security_admin(conn)?;
                }
            }
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await
    }
}

/// Revokes every live API token of an account.
fn end_tokens(conn: &Connection, account: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE api_token SET revoked_at = ?1 WHERE account_id = ?2 AND revoked_at IS NULL",
        params![instant_text(at.trunc_subsecs(6)), account],
    )?;
    Ok(())
}

/// Refuses a change that left no enabled account holding `security_admin` (called only
/// when the change took that role from someone: a new installation has none at all).
fn keep_a_security_admin(conn: &Connection) -> Result<(), StoreError> {
    let left: i64 = conn.query_row(
        "SELECT COUNT(*) FROM staff_grant g JOIN account a ON a.id = g.account_id
         WHERE g.role = 'security_admin' AND g.revoked_at IS NULL AND a.disabled_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    if left == 0 {
        return Err(StoreError::Conflict("last_security_admin".into()));
    }
    Ok(())
}

fn grant_from(r: &Row<'_>) -> rusqlite::Result<RawGrant> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

type RawGrant = (
    String,
    String,
    String,
    String,
    String,
    bool,
    Option<String>,
    String,
);

fn grant_of(raw: RawGrant) -> Result<StoredGrant, StoreError> {
    let (id, account_id, role, division, matters, unmask, granted_by, granted_at) = raw;
    Ok(StoredGrant {
        id,
        account_id,
        grant: Grant {
            role: Role::from_key(&role)
                .ok_or_else(|| StoreError::Backend(format!("bad role {role}")))?,
            division: crate::people::division_of(division)?,
            matters: serde_json::from_str(&matters)?,
            unmask,
        },
        granted_by,
        granted_at: instant(&granted_at)?,
    })
}

#[async_trait]
impl GrantStore for SqliteStore {
    async fn grants_of(&self, account_id: &str) -> Result<Vec<StoredGrant>, StoreError> {
        let id = account_id.to_string();
        self.read_point(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, account_id, role, division_code, matters, unmask, granted_by, granted_at
                 FROM staff_grant WHERE account_id = ?1 AND revoked_at IS NULL ORDER BY granted_at, id",
            )?;
            let raws = stmt.query_map([&id], grant_from)?.collect::<Result<Vec<_>, _>>()?;
            raws.into_iter().map(grant_of).collect()
        })
    }

    async fn add_grant(
        &self,
        account_id: &str,
        grant: &Grant,
        audit: AuditRecord,
    ) -> Result<StoredGrant, StoreError> {
        let stored = StoredGrant {
            id: uuid::Uuid::now_v7().to_string(),
            account_id: account_id.to_string(),
            grant: grant.clone(),
            granted_by: audit.actor.clone(),
            granted_at: audit.at.trunc_subsecs(6),
        };
        let s = stored.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO staff_grant (id, account_id, role, division_code, matters, unmask,
                    granted_by, granted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    s.id,
                    s.account_id,
                    s.grant.role.key(),
                    s.grant.division.as_str(),
                    serde_json::to_string(&s.grant.matters)?,
                    s.grant.unmask,
                    s.granted_by,
                    instant_text(s.granted_at)
                ],
            )?;
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await?;
        Ok(stored)
    }

    async fn grant(&self, grant_id: &str) -> Result<Option<StoredGrant>, StoreError> {
        let id = grant_id.to_string();
        self.read_point(|c| {
            c.prepare_cached(
                "SELECT id, account_id, role, division_code, matters, unmask, granted_by, granted_at
                 FROM staff_grant WHERE id = ?1 AND revoked_at IS NULL",
            )?
            .query_row([&id], grant_from)
            .optional()?
            .map(grant_of)
            .transpose()
        })
    }

    async fn revoke_grant(&self, grant_id: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let id = grant_id.to_string();
        self.write(move |conn| {
            let role: Option<String> = conn
                .query_row(
                    "UPDATE staff_grant SET revoked_at = ?1, revoked_by = ?2
                     WHERE id = ?3 AND revoked_at IS NULL RETURNING role",
                    params![instant_text(audit.at), audit.actor, id],
                    |r| r.get(0),
                )
                .optional()?;
            let role = role.ok_or_else(|| StoreError::NotFound("grant".into()))?;
            if role == Role::SecurityAdmin.key() {
                keep_a_security_admin(conn)?;
            }
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create_session(
        &self,
        session: Session,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError> {
        self.write(move |conn| {
            insert_session(conn, &session)?;
            if let Some(a) = audit {
                append_audit_in(conn, a)?;
            }
            Ok(())
        })
        .await
    }

    async fn session(&self, id_hash: &str) -> Result<Option<(Session, Account)>, StoreError> {
        let key = id_hash.to_string();
        self.read_point(|c| {
            let sql = format!(
                "SELECT s.id_hash, s.account_id, s.stage, s.csrf_token, s.source, s.created_at,
                    s.last_seen_at, s.expires_at, {ACCOUNT_COLS}
                 FROM session s JOIN account a ON a.id = s.account_id WHERE s.id_hash = ?1"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let row = stmt
                .query_row([&key], |r| Ok((session_of(r)?, raw_account(r, 8)?)))
                .optional()?;
            row.map(|(s, a)| Ok((session_from(s)?, account_of(a)?)))
                .transpose()
        })
    }

    async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let key = id_hash.to_string();
        self.write(move |conn| {
            conn.execute(
                "UPDATE session SET last_seen_at = ?1 WHERE id_hash = ?2",
                params![instant_text(now), key],
            )?;
            Ok(())
        })
        .await
    }

    async fn replace_session(
        &self,
        old_hash: &str,
        new: Session,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError> {
        let old = old_hash.to_string();
        self.write(move |conn| {
            let n = conn.execute("DELETE FROM session WHERE id_hash = ?1", [&old])?;
            changed(n, "session")?;
            insert_session(conn, &new)?;
            if let Some(a) = audit {
                append_audit_in(conn, a)?;
            }
            Ok(())
        })
        .await
    }

    async fn end_session(
        &self,
        id_hash: &str,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError> {
        let key = id_hash.to_string();
        self.write(move |conn| {
            conn.execute("DELETE FROM session WHERE id_hash = ?1", [&key])?;
            if let Some(a) = audit {
                append_audit_in(conn, a)?;
            }
            Ok(())
        })
        .await
    }

    async fn create_token(&self, token: ApiToken, audit: AuditRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO api_token (id, account_id, name, token_hash, scopes, grant_ids,
                    created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    token.id,
                    token.account_id,
                    token.name,
                    token.token_hash,
                    serde_json::to_string(&token.scopes)?,
                    serde_json::to_string(&token.grant_ids)?,
                    instant_text(token.created_at),
                    token.expires_at.map(instant_text)
                ],
            )?;
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await
    }

    async fn token(&self, token_hash: &str) -> Result<Option<(ApiToken, Account)>, StoreError> {
        let key = token_hash.to_string();
        self.read_point(|c| {
            let sql = format!(
                "SELECT {TOKEN_COLS}, {ACCOUNT_COLS} FROM api_token t JOIN account a ON a.id = t.account_id
                 WHERE t.token_hash = ?1 AND t.revoked_at IS NULL"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let row = stmt
                .query_row([&key], |r| Ok((token_from(r)?, raw_account(r, TOKEN_WIDTH)?)))
                .optional()?;
            row.map(|(t, a)| Ok((token_of(t)?, account_of(a)?))).transpose()
        })
    }

    async fn token_by_id(&self, id: &str) -> Result<Option<ApiToken>, StoreError> {
        let id = id.to_string();
        self.read_point(|c| {
            let sql = format!("SELECT {TOKEN_COLS} FROM api_token t WHERE t.id = ?1");
            c.prepare_cached(&sql)?
                .query_row([&id], token_from)
                .optional()?
                .map(token_of)
                .transpose()
        })
    }

    async fn tokens_of(&self, account_id: &str) -> Result<Vec<ApiToken>, StoreError> {
        let id = account_id.to_string();
        self.read_point(|c| {
            let sql = format!("SELECT {TOKEN_COLS} FROM api_token t WHERE t.account_id = ?1 ORDER BY t.created_at");
            let mut stmt = c.prepare(&sql)?;
            let raws = stmt.query_map([&id], token_from)?.collect::<Result<Vec<_>, _>>()?;
            raws.into_iter().map(token_of).collect()
        })
    }

    async fn revoke_token(&self, id: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let id = id.to_string();
        self.write(move |conn| {
            let n = conn.execute(
                "UPDATE api_token SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![instant_text(audit.at), id],
            )?;
            changed(n, "token")?;
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, record: AuditRecord) -> Result<AuditEntry, StoreError> {
        self.write(move |conn| append_audit_in(conn, record)).await
    }

    async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let f = filter.clone();
        self.read(move |c| {
            let mut sql = String::from(
                "SELECT seq, at, actor, source, event, object, outcome, detail, hash FROM audit_log WHERE 1 = 1",
            );
            let mut args: Vec<rusqlite::types::Value> = Vec::new();
            let mut push = |cond: &str, v: rusqlite::types::Value| {
                args.push(v);
                sql.push_str(&format!(" AND {cond} ?{}", args.len()));
            };
            if let Some(t) = f.from {
                push("at >=", instant_text(t).into());
            }
            if let Some(t) = f.until {
                push("at <", instant_text(t).into());
            }
            if let Some(a) = &f.actor {
                push("actor =", a.clone().into());
            }
            if let Some(e) = f.event {
                push("event =", e.key().to_string().into());
            }
            if let Some(o) = f.outcome {
                push("outcome =", o.key().to_string().into());
            }
            if let Some(s) = f.before_seq {
                push("seq <", s.into());
            }
            sql.push_str(&format!(" ORDER BY seq DESC LIMIT {}", f.limit.clamp(1, 10_000)));
            let mut stmt = c.prepare(&sql)?;
            let raws = stmt
                .query_map(rusqlite::params_from_iter(args), audit_of)?
                .collect::<Result<Vec<_>, _>>()?;
            raws.into_iter().map(audit_entry).collect()
        })
        .await
    }

    async fn verify_audit(&self) -> Result<chain::ChainCheck, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT seq, at, actor, source, event, object, outcome, detail, hash FROM audit_log ORDER BY seq",
            )?;
            let mut rows = stmt.query([])?;
            let mut walk = chain::ChainWalk::default();
            while let Some(r) = rows.next()? {
                let e = audit_entry(audit_of(r)?)?;
                if let Err(at) = walk.step(e.seq, &e.record.canonical_bytes(), &e.hash) {
                    return Ok(chain::ChainCheck::Broken { at });
                }
            }
            let head: String = c.query_row("SELECT hash FROM audit_head WHERE id = 1", [], |r| r.get(0))?;
            Ok(walk.finish(&head))
        })
        .await
    }
}

#[async_trait]
impl KeyStore for SqliteStore {
    async fn data_keys(&self) -> Result<Vec<StoredDataKey>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, master_id, wrapped, active FROM data_key ORDER BY created_at, id",
            )?;
            let keys = stmt
                .query_map([], |r| {
                    Ok(StoredDataKey {
                        id: r.get(0)?,
                        master_id: r.get(1)?,
                        wrapped: r.get(2)?,
                        active: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(keys)
        })
        .await
    }

    async fn add_data_key(&self, key: StoredDataKey) -> Result<(), StoreError> {
        self.write(move |conn| {
            if key.active {
                conn.execute("UPDATE data_key SET active = 0 WHERE active = 1", [])?;
            }
            conn.execute(
                "INSERT INTO data_key (id, master_id, wrapped, active, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key.id, key.master_id, key.wrapped, key.active, instant_text(Utc::now())],
            )?;
            Ok(())
        })
        .await
    }

    async fn rewrap_data_keys(&self, keys: Vec<StoredDataKey>) -> Result<(), StoreError> {
        self.write(move |conn| {
            for k in &keys {
                let n = conn.execute(
                    "UPDATE data_key SET master_id = ?1, wrapped = ?2 WHERE id = ?3",
                    params![k.master_id, k.wrapped, k.id],
                )?;
                changed(n, "data key")?;
            }
            Ok(())
        })
        .await
    }
}
