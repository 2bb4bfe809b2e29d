//! Staff grants. The database itself keeps an administrator role alone on its account
//! (unique index and trigger); these keep at least one security administrator.

use super::audit::append;
use crate::people::division_of;
use crate::sql::{all, first, id, json, one, opt_id, Conn, Executor, Row};
use crate::store::{run, SqlStore};
use crate::{GrantStore, StoreError, StoredGrant};
use async_trait::async_trait;
use chrono::SubsecRound;
use onetrip_domain::access::{Grant, Role};
use onetrip_domain::audit::AuditRecord;

const COLUMNS: &str = "id, account_id, role, division_code, CAST(matters AS TEXT) AS matters,
    unmask, granted_by, granted_at";

fn grant(r: &dyn Row) -> Result<StoredGrant, StoreError> {
    let role = r.text("role")?;
    Ok(StoredGrant {
        id: r.id("id")?,
        account_id: r.id("account_id")?,
        grant: Grant {
            role: Role::from_key(&role)
                .ok_or_else(|| StoreError::Backend(format!("bad role {role}")))?,
            division: division_of(r.text("division_code")?)?,
            matters: crate::sql::json_of(r, "matters")?,
            unmask: r.bool("unmask")?,
        },
        granted_by: r.opt_id("granted_by")?,
        granted_at: r.time("granted_at")?,
    })
}

#[async_trait]
impl<E: Executor> GrantStore for SqlStore<E> {
    async fn grants_of(&self, account_id: &str) -> Result<Vec<StoredGrant>, StoreError> {
        let account = account_id.to_owned();
        run!(self.point, |c| { of(c, &account).await })
    }

    async fn add_grant(
        &self,
        account_id: &str,
        grant: &Grant,
        audit: AuditRecord,
    ) -> Result<StoredGrant, StoreError> {
        let stored = StoredGrant {
            id: crate::new_id(),
            account_id: account_id.to_owned(),
            grant: grant.clone(),
            granted_by: audit.actor.clone(),
            granted_at: audit.at.trunc_subsecs(6),
        };
        run!(self.write_auth, |c| {
            let g = &stored.grant;
            let matters = serde_json::to_string(&g.matters)?;
            let sql = "INSERT INTO staff_grant (id, account_id, role, division_code, matters,
                unmask, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
            let args = [
                id(&stored.id),
                id(&stored.account_id),
                g.role.key().into(),
                g.division.as_str().into(),
                json(&matters),
                g.unmask.into(),
                opt_id(stored.granted_by.as_deref()),
                stored.granted_at.into(),
            ];
            c.execute(sql, &args).await?;
            append(c, audit).await?;
            Ok(stored)
        })
    }

    async fn grant(&self, grant_id: &str) -> Result<Option<StoredGrant>, StoreError> {
        let key = grant_id.to_owned();
        run!(self.point, |c| {
            let sql =
                format!("SELECT {COLUMNS} FROM staff_grant WHERE id = $1 AND revoked_at IS NULL");
            first(c, &sql, &[id(&key)], grant).await
        })
    }

    async fn revoke_grant(&self, grant_id: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let key = grant_id.to_owned();
        run!(self.write_auth, |c| {
            lock_security_admins(c).await?;
            let sql = "UPDATE staff_grant SET revoked_at = $1, revoked_by = $2
                WHERE id = $3 AND revoked_at IS NULL RETURNING role";
            let args = [
                audit.at.trunc_subsecs(6).into(),
                opt_id(audit.actor.as_deref()),
                id(&key),
            ];
            let role = first(c, sql, &args, |r| r.text("role"))
                .await?
                .ok_or_else(|| StoreError::NotFound("grant".into()))?;
            if role == Role::SecurityAdmin.key() {
                keep_a_security_admin(c).await?;
            }
            append(c, audit).await?;
            Ok(())
        })
    }
}

/// Live grants of an account.
pub(crate) async fn of(c: &mut dyn Conn, account_id: &str) -> Result<Vec<StoredGrant>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM staff_grant WHERE account_id = $1 AND revoked_at IS NULL
         ORDER BY granted_at, id"
    );
    all(c, &sql, &[id(account_id)], grant).await
}

/// Locks the live `security_admin` grants (on PostgreSQL; SQLite has one writer), so that
/// two changes at once cannot each leave the other's holder as the last one and together
/// leave none.
pub(crate) async fn lock_security_admins(c: &mut dyn Conn) -> Result<(), StoreError> {
    let sql = "UPDATE staff_grant SET role = role
        WHERE role = 'security_admin' AND revoked_at IS NULL";
    c.execute(sql, &[]).await?;
    Ok(())
}

/// Refuses a change that left no enabled account holding `security_admin` (called only
/// when the change took that role from someone: a new installation has none at all).
pub(crate) async fn keep_a_security_admin(c: &mut dyn Conn) -> Result<(), StoreError> {
    let sql = "SELECT COUNT(*) AS n FROM staff_grant g JOIN account a ON a.id = g.account_id
        WHERE g.role = 'security_admin' AND g.revoked_at IS NULL AND a.disabled_at IS NULL";
    let left = one(c, sql, &[], |r| r.int("n")).await?;
    if left == 0 {
        return Err(StoreError::Conflict(crate::Conflict::LastSecurityAdmin));
    }
    Ok(())
}
