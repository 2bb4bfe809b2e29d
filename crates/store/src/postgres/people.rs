//! Accounts, grants, sessions, tokens, audit log and data keys on PostgreSQL.

use super::PgStore;
use crate::people::{division_of, lockout_record};
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
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

/// An id from outside; one that is not a UUID names nothing.
fn uid(s: &str) -> Option<Uuid> {
    Uuid::parse_str(s).ok()
}

fn need(s: &str, what: &str) -> Result<Uuid, StoreError> {
    uid(s).ok_or_else(|| StoreError::NotFound(what.to_string()))
}

const ACCOUNT_COLS: &str = "a.id AS a_id, a.kind, a.login, a.display_name, a.organization,
    a.password_hash, a.password_changed_at, a.totp_secret, a.totp_last_step, a.assurance,
    a.failed_logins, a.slowed_until, a.disabled_at, a.created_at AS a_created_at,
    a.last_login_at, a.last_login_source, a.previous_login_at, a.previous_login_source,
    a.failures_before_login, a.must_change_password";

fn account_of(r: &PgRow) -> Result<Account, StoreError> {
    let kind: String = r.try_get("kind")?;
    let assurance: String = r.try_get("assurance")?;
    Ok(Account {
        id: r.try_get::<Uuid, _>("a_id")?.to_string(),
        kind: AccountKind::from_key(&kind)
            .ok_or_else(|| StoreError::Backend(format!("bad account kind {kind}")))?,
        login: r.try_get("login")?,
        display_name: r.try_get("display_name")?,
        organization: r.try_get("organization")?,
        password_hash: r.try_get("password_hash")?,
        password_changed_at: r.try_get("password_changed_at")?,
        totp_secret: r.try_get("totp_secret")?,
        totp_last_step: r.try_get("totp_last_step")?,
        assurance: Assurance::from_key(&assurance)
            .ok_or_else(|| StoreError::Backend(format!("bad assurance {assurance}")))?,
        failed_logins: r.try_get("failed_logins")?,
        slowed_until: r.try_get("slowed_until")?,
        disabled_at: r.try_get("disabled_at")?,
        created_at: r.try_get("a_created_at")?,
        last_login: LoginTrace::from_parts(
            r.try_get("last_login_at")?,
            r.try_get("last_login_source")?,
        ),
        previous_login: LoginTrace::from_parts(
            r.try_get("previous_login_at")?,
            r.try_get("previous_login_source")?,
        ),
        failures_before_login: r.try_get("failures_before_login")?,
        must_change_password: r.try_get("must_change_password")?,
    })
}

/// Appends one audit record to the chain, in the caller's transaction. The head row's
/// update serializes concurrent appends.
pub(crate) async fn append_audit_in(
    conn: &mut PgConnection,
    mut record: AuditRecord,
) -> Result<AuditEntry, StoreError> {
    record.at = record.at.trunc_subsecs(6);
    let (seq, prev): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?;
    let prev = chain::from_hex(&prev)
        .ok_or_else(|| StoreError::Backend("audit head hash is malformed".into()))?;
    let hash = chain::to_hex(&chain::link(&prev, &record.canonical_bytes()));
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, source, event, object, outcome, detail, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(record.at)
    .bind(&record.actor)
    .bind(&record.source)
    .bind(record.event.key())
    .bind(&record.object)
    .bind(record.outcome.key())
    .bind(&record.detail)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(AuditEntry { seq, record, hash })
}

fn audit_entry(r: &PgRow) -> Result<AuditEntry, StoreError> {
    let event: String = r.try_get("event")?;
    let outcome: String = r.try_get("outcome")?;
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        record: AuditRecord {
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            source: r.try_get("source")?,
            event: AuditEvent::from_key(&event)
                .ok_or_else(|| StoreError::Backend(format!("bad audit event {event}")))?,
            object: r.try_get("object")?,
            outcome: Outcome::from_key(&outcome)
                .ok_or_else(|| StoreError::Backend(format!("bad audit outcome {outcome}")))?,
            detail: r.try_get("detail")?,
        },
        hash: r.try_get("hash")?,
    })
}

const SESSION_COLS: &str = "s.id_hash, s.account_id, s.stage, s.csrf_token, s.source,
    s.created_at, s.last_seen_at, s.expires_at";

fn session_of(r: &PgRow) -> Result<Session, StoreError> {
    let stage: String = r.try_get("stage")?;
    Ok(Session {
        id_hash: r.try_get("id_hash")?,
        account_id: r.try_get::<Uuid, _>("account_id")?.to_string(),
        stage: SessionStage::from_key(&stage)
            .ok_or_else(|| StoreError::Backend(format!("bad session stage {stage}")))?,
        csrf_token: r.try_get("csrf_token")?,
        source: r.try_get("source")?,
        created_at: r.try_get("created_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

async fn insert_session(conn: &mut PgConnection, s: &Session) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO session (id_hash, account_id, stage, csrf_token, source, created_at,
            last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&s.id_hash)
    .bind(need(&s.account_id, "account")?)
    .bind(s.stage.key())
    .bind(&s.csrf_token)
    .bind(&s.source)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(s.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const TOKEN_COLS: &str = "t.id AS t_id, t.account_id AS t_account, t.name, t.token_hash,
    t.scopes, t.grant_ids, t.created_at AS t_created_at, t.expires_at, t.revoked_at";

fn token_of(r: &PgRow) -> Result<ApiToken, StoreError> {
    let scopes: serde_json::Value = r.try_get("scopes")?;
    let grant_ids: serde_json::Value = r.try_get("grant_ids")?;
    Ok(ApiToken {
        id: r.try_get::<Uuid, _>("t_id")?.to_string(),
        account_id: r.try_get::<Uuid, _>("t_account")?.to_string(),
        name: r.try_get("name")?,
        token_hash: r.try_get("token_hash")?,
        scopes: serde_json::from_value(scopes)?,
        grant_ids: serde_json::from_value(grant_ids)?,
        created_at: r.try_get("t_created_at")?,
        expires_at: r.try_get("expires_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

fn changed(n: u64, what: &str) -> Result<(), StoreError> {
    if n == 0 {
        Err(StoreError::NotFound(what.to_string()))
    } else {
        Ok(())
    }
}

fn grant_of(r: &PgRow) -> Result<StoredGrant, StoreError> {
    let role: String = r.try_get("role")?;
    let matters: serde_json::Value = r.try_get("matters")?;
    Ok(StoredGrant {
        id: r.try_get::<Uuid, _>("id")?.to_string(),
        account_id: r.try_get::<Uuid, _>("account_id")?.to_string(),
        grant: Grant {
            role: Role::from_key(&role)
                .ok_or_else(|| StoreError::Backend(format!("bad role {role}")))?,
            division: division_of(r.try_get("division_code")?)?,
            matters: serde_json::from_value(matters)?,
            unmask: r.try_get("unmask")?,
        },
        granted_by: r
            .try_get::<Option<Uuid>, _>("granted_by")?
            .map(|u| u.to_string()),
        granted_at: r.try_get("granted_at")?,
    })
}

impl PgStore {
    async fn one_account(&self, where_sql: &str, key: &str) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM account a WHERE {where_sql}");
        sqlx::query(&sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(account_of)
            .transpose()
    }
}

#[async_trait]
impl AccountStore for PgStore {
    async fn create_account(
        &self,
        new: NewAccount,
        audit: AuditRecord,
    ) -> Result<Account, StoreError> {
        let id = Uuid::now_v7();
        let now = audit.at.trunc_subsecs(6);
        let account = Account::from_new(&new, id.to_string(), now);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO account (id, kind, login, display_name, organization, password_hash,
                password_changed_at, assurance, created_at, must_change_password)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(account.kind.key())
        .bind(&account.login)
        .bind(&account.display_name)
        .bind(&account.organization)
        .bind(&account.password_hash)
        .bind(account.password_changed_at)
        .bind(account.assurance.key())
        .bind(account.created_at)
        .bind(account.must_change_password)
        .execute(&mut *tx)
        .await?;
        if let Some(p) = &new.person {
            sqlx::query(
                "INSERT INTO person (account_id, name, document_kind, document_sealed,
                    document_index, document_masked, phone_sealed, phone_index, phone_masked)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(&p.name)
            .bind(&p.document_kind)
            .bind(&p.document_sealed)
            .bind(&p.document_index)
            .bind(&p.document_masked)
            .bind(&p.phone_sealed)
            .bind(&p.phone_index)
            .bind(&p.phone_masked)
            .execute(&mut *tx)
            .await?;
        }
        let mut audit = audit;
        audit.object = Some(account.id.clone());
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(account)
    }

    async fn account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        if uid(id).is_none() {
            return Ok(None);
        }
        self.one_account("a.id = $1::uuid", id).await
    }

    async fn account_by_login(&self, login: &str) -> Result<Option<Account>, StoreError> {
        self.one_account("a.login = $1", login).await
    }

    async fn accounts_by_phone(&self, phone_index: &str) -> Result<Vec<Account>, StoreError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLS} FROM account a JOIN person p ON p.account_id = a.id
             WHERE p.phone_index = $1 ORDER BY a.id"
        );
        sqlx::query(&sql)
            .bind(phone_index)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(account_of)
            .collect()
    }

    async fn person(&self, account_id: &str) -> Result<Option<PersonRecord>, StoreError> {
        let Some(id) = uid(account_id) else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT name, document_kind, document_sealed, document_index, document_masked,
                phone_sealed, phone_index, phone_masked FROM person WHERE account_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(PersonRecord {
                name: r.try_get("name")?,
                document_kind: r.try_get("document_kind")?,
                document_sealed: r.try_get("document_sealed")?,
                document_index: r.try_get("document_index")?,
                document_masked: r.try_get("document_masked")?,
                phone_sealed: r.try_get("phone_sealed")?,
                phone_index: r.try_get("phone_index")?,
                phone_masked: r.try_get("phone_masked")?,
            })
        })
        .transpose()
    }

    async fn staff_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let sql =
            format!("SELECT {ACCOUNT_COLS} FROM account a WHERE a.kind = 'staff' ORDER BY a.login");
        sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(account_of)
            .collect()
    }

    async fn login_source(
        &self,
        account_id: &str,
        source: &str,
    ) -> Result<Option<SourceRecord>, StoreError> {
        let Some(id) = uid(account_id) else {
            return Ok(None);
        };
        let row: Option<(i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT failures, locked_until, last_success_at FROM login_source
             WHERE account_id = $1 AND source = $2",
        )
        .bind(id)
        .bind(source)
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            row.map(|(failures, locked_until, last_success_at)| SourceRecord {
                failures,
                locked_until,
                last_success_at,
            }),
        )
    }

    async fn record_login_failure(
        &self,
        account_id: &str,
        source: &str,
        policy: &LockPolicy,
        audit: AuditRecord,
    ) -> Result<Consequence, StoreError> {
        let id = need(account_id, "account")?;
        let at = audit.at.trunc_subsecs(6);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM login_source WHERE account_id = $1 AND last_success_at IS NULL
               AND last_failure_at < $2 AND (locked_until IS NULL OR locked_until < $3)",
        )
        .bind(id)
        .bind(at - policy.lock_for)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let from_source: i64 = sqlx::query_scalar(
            "INSERT INTO login_source (account_id, source, failures, last_failure_at)
             VALUES ($1, $2, 1, $3)
             ON CONFLICT (account_id, source) DO UPDATE
               SET failures = login_source.failures + 1, last_failure_at = $3
             RETURNING failures",
        )
        .bind(id)
        .bind(source)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let of_account: i64 = sqlx::query_scalar(
            "UPDATE account SET failed_logins = failed_logins + 1 WHERE id = $1
             RETURNING failed_logins",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let address = audit.source.clone();
        append_audit_in(&mut tx, audit).await?;
        let counts = Failures {
            from_source,
            of_account,
        };
        let consequence = lockout::after_failure(counts, policy, at);
        if let Some(until) = consequence.slow_account_until {
            sqlx::query("UPDATE account SET slowed_until = $1 WHERE id = $2")
                .bind(until)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(until) = consequence.lock_source_until {
            sqlx::query(
                "UPDATE login_source SET locked_until = $1, failures = 0
                 WHERE account_id = $2 AND source = $3",
            )
            .bind(until)
            .bind(id)
            .bind(source)
            .execute(&mut *tx)
            .await?;
            append_audit_in(
                &mut tx,
                lockout_record(account_id, &address, at, counts, until),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(consequence)
    }

    async fn record_login_success(
        &self,
        account_id: &str,
        source: &str,
        mark_source: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let id = need(account_id, "account")?;
        let at = at.trunc_subsecs(6);
        let mut tx = self.pool.begin().await?;
        if mark_source {
            sqlx::query(
                "INSERT INTO login_source (account_id, source, failures, last_success_at)
                 VALUES ($1, $2, 0, $3)
                 ON CONFLICT (account_id, source) DO UPDATE
                   SET failures = 0, locked_until = NULL, last_success_at = $3",
            )
            .bind(id)
            .bind(source)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        let n = sqlx::query(
            "UPDATE account SET failures_before_login = failed_logins, failed_logins = 0,
                slowed_until = NULL, previous_login_at = last_login_at,
                previous_login_source = last_login_source, last_login_at = $1,
                last_login_source = $2
             WHERE id = $3",
        )
        .bind(at)
        .bind(source)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        changed(n, "account")?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_password(
        &self,
        id: &str,
        hash: &str,
        keep: Option<&str>,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let uuid = need(id, "account")?;
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE account SET password_hash = $1, password_changed_at = $2,
                failed_logins = 0, slowed_until = NULL, must_change_password = $3
             WHERE id = $4",
        )
        .bind(hash)
        .bind(audit.at.trunc_subsecs(6))
        .bind(keep.is_none())
        .bind(uuid)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        changed(n, "account")?;
        sqlx::query(
            "UPDATE login_source SET failures = 0, locked_until = NULL WHERE account_id = $1",
        )
        .bind(uuid)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM session WHERE account_id = $1 AND id_hash IS DISTINCT FROM $2")
            .bind(uuid)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        if keep.is_none() {
            end_tokens(&mut tx, uuid, audit.at).await?;
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_totp(
        &self,
        id: &str,
        sealed: Option<String>,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let uuid = need(id, "account")?;
        let reset = sealed.is_none();
        let mut tx = self.pool.begin().await?;
        let n =
            sqlx::query("UPDATE account SET totp_secret = $1, totp_last_step = NULL WHERE id = $2")
                .bind(sealed)
                .bind(uuid)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        changed(n, "account")?;
        if reset {
            sqlx::query("DELETE FROM session WHERE account_id = $1")
                .bind(uuid)
                .execute(&mut *tx)
                .await?;
            end_tokens(&mut tx, uuid, audit.at).await?;
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_assurance(
        &self,
        id: &str,
        assurance: Assurance,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("UPDATE account SET assurance = $1 WHERE id = $2")
            .bind(assurance.key())
            .bind(need(id, "account")?)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        changed(n, "account")?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_totp_step(&self, id: &str, step: i64) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE account SET totp_last_step = $1
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(need(id, "account")?)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn set_disabled(
        &self,
        id: &str,
        disabled: bool,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let uuid = need(id, "account")?;
        let mut tx = self.pool.begin().await?;
        if disabled {
            lock_security_admins(&mut tx).await?;
        }
        let n = sqlx::query("UPDATE account SET disabled_at = $1 WHERE id = $2")
            .bind(disabled.then(|| audit.at.trunc_subsecs(6)))
            .bind(uuid)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        changed(n, "account")?;
        if disabled {
            sqlx::query("DELETE FROM session WHERE account_id = $1")
                .bind(uuid)
                .execute(&mut *tx)
                .await?;
            let held: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM staff_grant WHERE account_id = $1
                   AND role = 'security_admin' AND revoked_at IS NULL)",
            )
            .bind(uuid)
            .fetch_one(&mut *tx)
            .await?;
            if held {
                keep_a_security_admin(&mut tx).await?;
            }
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Revokes every live API token of an account.
async fn end_tokens(
    conn: &mut PgConnection,
    account: Uuid,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE api_token SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
    )
    .bind(at.trunc_subsecs(6))
    .bind(account)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Locks the live `security_admin` grants, so that two changes at once cannot each leave
/// the other's holder as the last one and together leave none.
async fn lock_security_admins(conn: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("SELECT id FROM staff_grant WHERE role = 'security_admin' AND revoked_at IS NULL FOR UPDATE")
        .fetch_all(&mut *conn)
        .await?;
    Ok(())
}

/// Refuses a change that left no enabled account holding `security_admin` (called only
/// when the change took that role from someone: a new installation has none at all).
async fn keep_a_security_admin(conn: &mut PgConnection) -> Result<(), StoreError> {
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM staff_grant g JOIN account a ON a.id = g.account_id
         WHERE g.role = 'security_admin' AND g.revoked_at IS NULL AND a.disabled_at IS NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    if left == 0 {
        return Err(StoreError::Conflict("last_security_admin".into()));
    }
    Ok(())
}

#[async_trait]
impl GrantStore for PgStore {
    async fn grants_of(&self, account_id: &str) -> Result<Vec<StoredGrant>, StoreError> {
        let Some(id) = uid(account_id) else {
            return Ok(Vec::new());
        };
        sqlx::query(
            "SELECT id, account_id, role, division_code, matters, unmask, granted_by, granted_at
             FROM staff_grant WHERE account_id = $1 AND revoked_at IS NULL ORDER BY granted_at, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(grant_of)
        .collect()
    }

    async fn add_grant(
        &self,
        account_id: &str,
        grant: &Grant,
        audit: AuditRecord,
    ) -> Result<StoredGrant, StoreError> {
        let stored = StoredGrant {
            id: Uuid::now_v7().to_string(),
            account_id: account_id.to_string(),
            grant: grant.clone(),
            granted_by: audit.actor.clone(),
            granted_at: audit.at.trunc_subsecs(6),
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO staff_grant (id, account_id, role, division_code, matters, unmask,
                granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(need(&stored.id, "grant")?)
        .bind(need(account_id, "account")?)
        .bind(grant.role.key())
        .bind(grant.division.as_str())
        .bind(serde_json::to_value(&grant.matters)?)
        .bind(grant.unmask)
        .bind(stored.granted_by.as_deref().and_then(uid))
        .bind(stored.granted_at)
        .execute(&mut *tx)
        .await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn grant(&self, grant_id: &str) -> Result<Option<StoredGrant>, StoreError> {
        let Some(id) = uid(grant_id) else {
            return Ok(None);
        };
        sqlx::query(
            "SELECT id, account_id, role, division_code, matters, unmask, granted_by, granted_at
             FROM staff_grant WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(grant_of)
        .transpose()
    }

    async fn revoke_grant(&self, grant_id: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        lock_security_admins(&mut tx).await?;
        let role: Option<String> = sqlx::query_scalar(
            "UPDATE staff_grant SET revoked_at = $1, revoked_by = $2
             WHERE id = $3 AND revoked_at IS NULL RETURNING role",
        )
        .bind(audit.at.trunc_subsecs(6))
        .bind(audit.actor.as_deref().and_then(uid))
        .bind(need(grant_id, "grant")?)
        .fetch_optional(&mut *tx)
        .await?;
        let role = role.ok_or_else(|| StoreError::NotFound("grant".into()))?;
        if role == Role::SecurityAdmin.key() {
            keep_a_security_admin(&mut tx).await?;
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl SessionStore for PgStore {
    async fn create_session(
        &self,
        session: Session,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_session(&mut tx, &session).await?;
        if let Some(a) = audit {
            append_audit_in(&mut tx, a).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, id_hash: &str) -> Result<Option<(Session, Account)>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLS}, {ACCOUNT_COLS} FROM session s JOIN account a ON a.id = s.account_id
             WHERE s.id_hash = $1"
        );
        let row = sqlx::query(&sql)
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((session_of(&r)?, account_of(&r)?)))
            .transpose()
    }

    async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE session SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn replace_session(
        &self,
        old_hash: &str,
        new: Session,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("DELETE FROM session WHERE id_hash = $1")
            .bind(old_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        changed(n, "session")?;
        insert_session(&mut tx, &new).await?;
        if let Some(a) = audit {
            append_audit_in(&mut tx, a).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn end_session(
        &self,
        id_hash: &str,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM session WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *tx)
            .await?;
        if let Some(a) = audit {
            append_audit_in(&mut tx, a).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_token(&self, token: ApiToken, audit: AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO api_token (id, account_id, name, token_hash, scopes, grant_ids,
                created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(need(&token.id, "token")?)
        .bind(need(&token.account_id, "account")?)
        .bind(&token.name)
        .bind(&token.token_hash)
        .bind(serde_json::to_value(&token.scopes)?)
        .bind(serde_json::to_value(&token.grant_ids)?)
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(&mut *tx)
        .await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn token(&self, token_hash: &str) -> Result<Option<(ApiToken, Account)>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLS}, {ACCOUNT_COLS} FROM api_token t JOIN account a ON a.id = t.account_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((token_of(&r)?, account_of(&r)?)))
            .transpose()
    }

    async fn token_by_id(&self, id: &str) -> Result<Option<ApiToken>, StoreError> {
        let Some(id) = uid(id) else {
            return Ok(None);
        };
        let sql = format!("SELECT {TOKEN_COLS} FROM api_token t WHERE t.id = $1");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(token_of)
            .transpose()
    }

    async fn tokens_of(&self, account_id: &str) -> Result<Vec<ApiToken>, StoreError> {
        let Some(id) = uid(account_id) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {TOKEN_COLS} FROM api_token t WHERE t.account_id = $1 ORDER BY t.created_at"
        );
        sqlx::query(&sql)
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(token_of)
            .collect()
    }

    async fn revoke_token(&self, id: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(audit.at.trunc_subsecs(6))
        .bind(need(id, "token")?)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        changed(n, "token")?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for PgStore {
    async fn append_audit(&self, record: AuditRecord) -> Result<AuditEntry, StoreError> {
        let mut tx = self.pool.begin().await?;
        let entry = append_audit_in(&mut tx, record).await?;
        tx.commit().await?;
        Ok(entry)
    }

    async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(
            "SELECT seq, at, actor, source, event, object, outcome, detail, hash FROM audit_log WHERE TRUE",
        );
        if let Some(t) = filter.from {
            qb.push(" AND at >= ").push_bind(t);
        }
        if let Some(t) = filter.until {
            qb.push(" AND at < ").push_bind(t);
        }
        if let Some(a) = &filter.actor {
            qb.push(" AND actor = ").push_bind(a.clone());
        }
        if let Some(e) = filter.event {
            qb.push(" AND event = ").push_bind(e.key());
        }
        if let Some(o) = filter.outcome {
            qb.push(" AND outcome = ").push_bind(o.key());
        }
        if let Some(s) = filter.before_seq {
            qb.push(" AND seq < ").push_bind(s);
        }
        qb.push(" ORDER BY seq DESC LIMIT ")
            .push_bind(i64::try_from(filter.limit.clamp(1, 10_000)).unwrap_or(100));
        qb.build()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(audit_entry)
            .collect()
    }

    async fn verify_audit(&self) -> Result<chain::ChainCheck, StoreError> {
        use futures_util::TryStreamExt as _;
        let mut rows = sqlx::query(
            "SELECT seq, at, actor, source, event, object, outcome, detail, hash FROM audit_log ORDER BY seq",
        )
        .fetch(&self.pool);
        let mut walk = chain::ChainWalk::default();
        while let Some(r) = rows.try_next().await? {
            let e = audit_entry(&r)?;
            if let Err(at) = walk.step(e.seq, &e.record.canonical_bytes(), &e.hash) {
                return Ok(chain::ChainCheck::Broken { at });
            }
        }
        drop(rows);
        let head: String = sqlx::query_scalar("SELECT hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(walk.finish(&head))
    }
}

#[async_trait]
impl KeyStore for PgStore {
    async fn data_keys(&self) -> Result<Vec<StoredDataKey>, StoreError> {
        sqlx::query("SELECT id, master_id, wrapped, active FROM data_key ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(StoredDataKey {
                    id: r.try_get("id")?,
                    master_id: r.try_get("master_id")?,
                    wrapped: r.try_get("wrapped")?,
                    active: r.try_get("active")?,
                })
            })
            .collect()
    }

    async fn add_data_key(&self, key: StoredDataKey) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        if key.active {
            sqlx::query("UPDATE data_key SET active = FALSE WHERE active")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO data_key (id, master_id, wrapped, active, created_at) VALUES ($1, $2, $3, $4, now())",
        )
        .bind(&key.id)
        .bind(&key.master_id)
        .bind(&key.wrapped)
        .bind(key.active)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn rewrap_data_keys(&self, keys: Vec<StoredDataKey>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for k in &keys {
            let n = sqlx::query("UPDATE data_key SET master_id = $1, wrapped = $2 WHERE id = $3")
                .bind(&k.master_id)
                .bind(&k.wrapped)
                .bind(&k.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            changed(n, "data key")?;
        }
        tx.commit().await?;
        Ok(())
    }
}
