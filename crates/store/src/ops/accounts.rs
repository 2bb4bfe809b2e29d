//! Accounts, applicants' sealed identities, sign-in failures and successes, passwords,
//! second factors and disabling.

use super::audit::append;
use super::grants::{keep_a_security_admin, lock_security_admins};
use super::sessions::{end_sessions, end_tokens};
use crate::people::lockout_record;
use crate::sql::{all, changed, first, id, one, Executor, Row};
use crate::store::{run, SqlStore};
use crate::{Account, AccountKind, AccountStore, LoginTrace, NewAccount, PersonRecord, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use onetrip_domain::audit::AuditRecord;
use onetrip_domain::auth::lockout::{self, Consequence, Failures, LockPolicy, SourceRecord};
use onetrip_domain::person::Assurance;

/// The account columns, as `a_…`, of an account aliased `a`.
pub(crate) const ACCOUNT: &str = "a.id AS a_id, a.kind AS a_kind, a.login AS a_login,
    a.display_name AS a_display_name, a.organization AS a_organization,
    a.password_hash AS a_password_hash, a.password_changed_at AS a_password_changed_at,
    a.totp_secret AS a_totp_secret, a.totp_last_step AS a_totp_last_step,
    a.assurance AS a_assurance, a.failed_logins AS a_failed_logins,
    a.slowed_until AS a_slowed_until, a.disabled_at AS a_disabled_at,
    a.created_at AS a_created_at, a.last_login_at AS a_last_login_at,
    a.last_login_source AS a_last_login_source, a.previous_login_at AS a_previous_login_at,
    a.previous_login_source AS a_previous_login_source,
    a.failures_before_login AS a_failures_before_login,
    a.must_change_password AS a_must_change_password";

/// An account from the [`ACCOUNT`] columns.
pub(crate) fn account(r: &dyn Row) -> Result<Account, StoreError> {
    let kind = r.text("a_kind")?;
    let assurance = r.text("a_assurance")?;
    Ok(Account {
        id: r.id("a_id")?,
        kind: AccountKind::from_key(&kind)
            .ok_or_else(|| StoreError::Backend(format!("bad account kind {kind}")))?,
        login: r.text("a_login")?,
        display_name: r.text("a_display_name")?,
        organization: r.opt_text("a_organization")?,
        password_hash: r.opt_text("a_password_hash")?,
        password_changed_at: r.opt_time("a_password_changed_at")?,
        totp_secret: r.opt_text("a_totp_secret")?,
        totp_last_step: r.opt_int("a_totp_last_step")?,
        assurance: Assurance::from_key(&assurance)
            .ok_or_else(|| StoreError::Backend(format!("bad assurance {assurance}")))?,
        failed_logins: r.int("a_failed_logins")?,
        slowed_until: r.opt_time("a_slowed_until")?,
        disabled_at: r.opt_time("a_disabled_at")?,
        created_at: r.time("a_created_at")?,
        last_login: LoginTrace::from_parts(
            r.opt_time("a_last_login_at")?,
            r.opt_text("a_last_login_source")?,
        ),
        previous_login: LoginTrace::from_parts(
            r.opt_time("a_previous_login_at")?,
            r.opt_text("a_previous_login_source")?,
        ),
        failures_before_login: r.int("a_failures_before_login")?,
        must_change_password: r.bool("a_must_change_password")?,
    })
}

#[async_trait]
impl<E: Executor> AccountStore for SqlStore<E> {
    async fn create_account(
        &self,
        new: NewAccount,
        mut audit: AuditRecord,
    ) -> Result<Account, StoreError> {
        let a = Account::from_new(&new, crate::new_id(), audit.at.trunc_subsecs(6));
        run!(self.write, |c| {
            let sql = "INSERT INTO account (id, kind, login, display_name, organization,
                password_hash, password_changed_at, assurance, created_at, must_change_password)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
            let args = [
                id(&a.id),
                a.kind.key().into(),
                (&a.login).into(),
                (&a.display_name).into(),
                a.organization.as_deref().into(),
                a.password_hash.as_deref().into(),
                a.password_changed_at.into(),
                a.assurance.key().into(),
                a.created_at.into(),
                a.must_change_password.into(),
            ];
            c.execute(sql, &args).await?;
            if let Some(p) = &new.person {
                let sql = "INSERT INTO person (account_id, name, document_kind,
                    document_sealed, document_index, document_masked, phone_sealed,
                    phone_index, phone_masked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
                let args = [
                    id(&a.id),
                    (&p.name).into(),
                    (&p.document_kind).into(),
                    (&p.document_sealed).into(),
                    (&p.document_index).into(),
                    (&p.document_masked).into(),
                    (&p.phone_sealed).into(),
                    (&p.phone_index).into(),
                    (&p.phone_masked).into(),
                ];
                c.execute(sql, &args).await?;
            }
            audit.object = Some(a.id.clone());
            append(c, audit).await?;
            Ok(a)
        })
    }

    async fn account(&self, key: &str) -> Result<Option<Account>, StoreError> {
        let key = key.to_owned();
        run!(self.point, |c| {
            let sql = format!("SELECT {ACCOUNT} FROM account a WHERE a.id = $1");
            first(c, &sql, &[id(&key)], account).await
        })
    }

    async fn account_by_login(&self, login: &str) -> Result<Option<Account>, StoreError> {
        let login = login.to_owned();
        run!(self.point, |c| {
            let sql = format!("SELECT {ACCOUNT} FROM account a WHERE a.login = $1");
            first(c, &sql, &[(&login).into()], account).await
        })
    }

    async fn accounts_by_phone(&self, phone_index: &str) -> Result<Vec<Account>, StoreError> {
        let index = phone_index.to_owned();
        run!(self.point, |c| {
            let sql = format!(
                "SELECT {ACCOUNT} FROM account a JOIN person p ON p.account_id = a.id
                 WHERE p.phone_index = $1 ORDER BY a.id"
            );
            all(c, &sql, &[(&index).into()], account).await
        })
    }

    async fn person(&self, account_id: &str) -> Result<Option<PersonRecord>, StoreError> {
        let key = account_id.to_owned();
        run!(self.point, |c| {
            let sql = "SELECT name, document_kind, document_sealed, document_index,
                document_masked, phone_sealed, phone_index, phone_masked
                FROM person WHERE account_id = $1";
            first(c, sql, &[id(&key)], |r| {
                Ok(PersonRecord {
                    name: r.text("name")?,
                    document_kind: r.text("document_kind")?,
                    document_sealed: r.text("document_sealed")?,
                    document_index: r.text("document_index")?,
                    document_masked: r.text("document_masked")?,
                    phone_sealed: r.text("phone_sealed")?,
                    phone_index: r.text("phone_index")?,
                    phone_masked: r.text("phone_masked")?,
                })
            })
            .await
        })
    }

    async fn staff_accounts(&self) -> Result<Vec<Account>, StoreError> {
        run!(self.read, |c| {
            let sql =
                format!("SELECT {ACCOUNT} FROM account a WHERE a.kind = 'staff' ORDER BY a.login");
            all(c, &sql, &[], account).await
        })
    }

    async fn login_source(
        &self,
        account_id: &str,
        source: &str,
    ) -> Result<Option<SourceRecord>, StoreError> {
        let (key, source) = (account_id.to_owned(), source.to_owned());
        run!(self.point, |c| {
            let sql = "SELECT failures, locked_until, last_success_at FROM login_source
                WHERE account_id = $1 AND source = $2";
            first(c, sql, &[id(&key), (&source).into()], |r| {
                Ok(SourceRecord {
                    failures: r.int("failures")?,
                    locked_until: r.opt_time("locked_until")?,
                    last_success_at: r.opt_time("last_success_at")?,
                })
            })
            .await
        })
    }

    async fn record_login_failure(
        &self,
        account_id: &str,
        source: &str,
        policy: &LockPolicy,
        audit: AuditRecord,
    ) -> Result<Consequence, StoreError> {
        let (key, source, policy) = (account_id.to_owned(), source.to_owned(), *policy);
        run!(self.write, |c| {
            let at = audit.at.trunc_subsecs(6);
            let sql = "DELETE FROM login_source WHERE account_id = $1
                AND last_success_at IS NULL AND last_failure_at < $2
                AND (locked_until IS NULL OR locked_until < $3)";
            let args = [id(&key), (at - policy.lock_for).into(), at.into()];
            c.execute(sql, &args).await?;
            let sql = "INSERT INTO login_source (account_id, source, failures, last_failure_at)
                VALUES ($1, $2, 1, $3)
                ON CONFLICT (account_id, source) DO UPDATE
                  SET failures = login_source.failures + 1, last_failure_at = $3
                RETURNING failures";
            let args = [id(&key), (&source).into(), at.into()];
            let from_source = one(c, sql, &args, |r| r.int("failures")).await?;
            let sql = "UPDATE account SET failed_logins = failed_logins + 1 WHERE id = $1
                RETURNING failed_logins";
            let of_account = one(c, sql, &[id(&key)], |r| r.int("failed_logins")).await?;
            let address = audit.source.clone();
            append(c, audit).await?;
            let counts = Failures {
                from_source,
                of_account,
            };
            let consequence = lockout::after_failure(counts, &policy, at);
            if let Some(until) = consequence.slow_account_until {
                let sql = "UPDATE account SET slowed_until = $1 WHERE id = $2";
                c.execute(sql, &[until.into(), id(&key)]).await?;
            }
            if let Some(until) = consequence.lock_source_until {
                let sql = "UPDATE login_source SET locked_until = $1, failures = 0
                    WHERE account_id = $2 AND source = $3";
                c.execute(sql, &[until.into(), id(&key), (&source).into()])
                    .await?;
                append(c, lockout_record(&key, &address, at, counts, until)).await?;
            }
            Ok(consequence)
        })
    }

    async fn record_login_success(
        &self,
        account_id: &str,
        source: &str,
        mark_source: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (key, source, at) = (
            account_id.to_owned(),
            source.to_owned(),
            at.trunc_subsecs(6),
        );
        run!(self.write, |c| {
            if mark_source {
                let sql = "INSERT INTO login_source (account_id, source, failures,
                    last_success_at) VALUES ($1, $2, 0, $3)
                    ON CONFLICT (account_id, source) DO UPDATE
                      SET failures = 0, locked_until = NULL, last_success_at = $3";
                c.execute(sql, &[id(&key), (&source).into(), at.into()])
                    .await?;
            }
            let sql = "UPDATE account SET failures_before_login = failed_logins,
                failed_logins = 0, slowed_until = NULL, previous_login_at = last_login_at,
                previous_login_source = last_login_source, last_login_at = $1,
                last_login_source = $2
                WHERE id = $3";
            let n = c
                .execute(sql, &[at.into(), (&source).into(), id(&key)])
                .await?;
            changed(n, "account")
        })
    }

    async fn set_password(
        &self,
        account_id: &str,
        hash: &str,
        keep: Option<&str>,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let (key, hash, keep) = (
            account_id.to_owned(),
            hash.to_owned(),
            keep.map(str::to_owned),
        );
        run!(self.write_auth, |c| {
            let sql = "UPDATE account SET password_hash = $1, password_changed_at = $2,
                failed_logins = 0, slowed_until = NULL, must_change_password = $3
                WHERE id = $4";
            let args = [
                (&hash).into(),
                audit.at.trunc_subsecs(6).into(),
                keep.is_none().into(),
                id(&key),
            ];
            changed(c.execute(sql, &args).await?, "account")?;
            let sql = "UPDATE login_source SET failures = 0, locked_until = NULL
                WHERE account_id = $1";
            c.execute(sql, &[id(&key)]).await?;
            let sql = "DELETE FROM session WHERE account_id = $1
                AND id_hash IS DISTINCT FROM $2";
            c.execute(sql, &[id(&key), keep.as_deref().into()]).await?;
            if keep.is_none() {
                end_tokens(c, &key, audit.at).await?;
            }
            append(c, audit).await?;
            Ok(())
        })
    }

    async fn set_totp(
        &self,
        account_id: &str,
        sealed: Option<String>,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let key = account_id.to_owned();
        run!(self.write_auth, |c| {
            let sql = "UPDATE account SET totp_secret = $1, totp_last_step = NULL WHERE id = $2";
            let n = c
                .execute(sql, &[sealed.as_deref().into(), id(&key)])
                .await?;
            changed(n, "account")?;
            if sealed.is_none() {
                end_sessions(c, &key).await?;
                end_tokens(c, &key, audit.at).await?;
            }
            append(c, audit).await?;
            Ok(())
        })
    }

    async fn claim_totp_step(&self, account_id: &str, step: i64) -> Result<bool, StoreError> {
        let key = account_id.to_owned();
        run!(self.write, |c| {
            let sql = "UPDATE account SET totp_last_step = $1
                WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)";
            Ok(c.execute(sql, &[step.into(), id(&key)]).await? == 1)
        })
    }

    async fn set_assurance(
        &self,
        account_id: &str,
        assurance: Assurance,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let key = account_id.to_owned();
        run!(self.write_auth, |c| {
            let sql = "UPDATE account SET assurance = $1 WHERE id = $2";
            let n = c.execute(sql, &[assurance.key().into(), id(&key)]).await?;
            changed(n, "account")?;
            append(c, audit).await?;
            Ok(())
        })
    }

    async fn set_disabled(
        &self,
        account_id: &str,
        disabled: bool,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        let key = account_id.to_owned();
        run!(self.write_auth, |c| {
            if disabled {
                lock_security_admins(c).await?;
            }
            let at = disabled.then(|| audit.at.trunc_subsecs(6));
            let sql = "UPDATE account SET disabled_at = $1 WHERE id = $2";
            changed(c.execute(sql, &[at.into(), id(&key)]).await?, "account")?;
            if disabled {
                end_sessions(c, &key).await?;
                let sql = "SELECT EXISTS (SELECT 1 FROM staff_grant WHERE account_id = $1
                    AND role = 'security_admin' AND revoked_at IS NULL) AS held";
                if one(c, sql, &[id(&key)], |r| r.bool("held")).await? {
                    keep_a_security_admin(c).await?;
                }
            }
            append(c, audit).await?;
            Ok(())
        })
    }
}
