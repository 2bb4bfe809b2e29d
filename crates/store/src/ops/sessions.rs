//! Sessions and API tokens, kept by the hash of their secret.

use super::accounts::{account, ACCOUNT};
use super::audit::append;
use crate::sql::{all, changed, first, id, json, Conn, Executor, Row};
use crate::store::{run, SqlStore};
use crate::{Account, ApiToken, Session, SessionStage, SessionStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use onetrip_domain::audit::AuditRecord;

const SESSION: &str = "s.id_hash AS s_id_hash, s.account_id AS s_account_id, s.stage AS s_stage,
    s.csrf_token AS s_csrf_token, s.source AS s_source, s.created_at AS s_created_at,
    s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at";

fn session(r: &dyn Row) -> Result<Session, StoreError> {
    let stage = r.text("s_stage")?;
    Ok(Session {
        id_hash: r.text("s_id_hash")?,
        account_id: r.id("s_account_id")?,
        stage: SessionStage::from_key(&stage)
            .ok_or_else(|| StoreError::Backend(format!("bad session stage {stage}")))?,
        csrf_token: r.text("s_csrf_token")?,
        source: r.text("s_source")?,
        created_at: r.time("s_created_at")?,
        last_seen_at: r.time("s_last_seen_at")?,
        expires_at: r.time("s_expires_at")?,
    })
}

const TOKEN: &str = "t.id AS t_id, t.account_id AS t_account_id, t.name AS t_name,
    t.token_hash AS t_token_hash, CAST(t.scopes AS TEXT) AS t_scopes,
    CAST(t.grant_ids AS TEXT) AS t_grant_ids, t.created_at AS t_created_at,
    t.expires_at AS t_expires_at, t.revoked_at AS t_revoked_at";

fn token(r: &dyn Row) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: r.id("t_id")?,
        account_id: r.id("t_account_id")?,
        name: r.text("t_name")?,
        token_hash: r.text("t_token_hash")?,
        scopes: crate::sql::json_of(r, "t_scopes")?,
        grant_ids: crate::sql::json_of(r, "t_grant_ids")?,
        created_at: r.time("t_created_at")?,
        expires_at: r.opt_time("t_expires_at")?,
        revoked_at: r.opt_time("t_revoked_at")?,
    })
}

async fn insert(
    c: &mut dyn Conn,
    s: &Session,
    audit: Option<AuditRecord>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO session (id_hash, account_id, stage, csrf_token, source, created_at,
        last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    let args = [
        (&s.id_hash).into(),
        id(&s.account_id),
        s.stage.key().into(),
        (&s.csrf_token).into(),
        (&s.source).into(),
        s.created_at.trunc_subsecs(6).into(),
        s.last_seen_at.trunc_subsecs(6).into(),
        s.expires_at.trunc_subsecs(6).into(),
    ];
    c.execute(sql, &args).await?;
    if let Some(a) = audit {
        append(c, a).await?;
    }
    Ok(())
}

/// Ends every session of an account.
pub(crate) async fn end_sessions(c: &mut dyn Conn, account_id: &str) -> Result<(), StoreError> {
    let sql = "DELETE FROM session WHERE account_id = $1";
    c.execute(sql, &[id(account_id)]).await?;
    Ok(())
}

/// Revokes every live API token of an account.
pub(crate) async fn end_tokens(
    c: &mut dyn Conn,
    account_id: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "UPDATE api_token SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL";
    c.execute(sql, &[at.trunc_subsecs(6).into(), id(account_id)])
        .await?;
    Ok(())
}

#[async_trait]
impl<E: Executor> SessionStore for SqlStore<E> {
    async fn create_session(
        &self,
        session: Session,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError> {
        run!(self.write, |c| { insert(c, &session, audit).await })
    }

    async fn session(&self, id_hash: &str) -> Result<Option<(Session, Account)>, StoreError> {
        let key = id_hash.to_owned();
        run!(self.point, |c| {
            let sql = format!(
                "SELECT {SESSION}, {ACCOUNT} FROM session s
                 JOIN account a ON a.id = s.account_id WHERE s.id_hash = $1"
            );
            let args = [(&key).into()];
            first(c, &sql, &args, |r| Ok((session(r)?, account(r)?))).await
        })
    }

    async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let key = id_hash.to_owned();
        run!(self.write, |c| {
            let sql = "UPDATE session SET last_seen_at = $1 WHERE id_hash = $2";
            c.execute(sql, &[now.trunc_subsecs(6).into(), (&key).into()])
                .await?;
            Ok(())
        })
    }

    async fn replace_session(
        &self,
        old_hash: &str,
        new: Session,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError> {
        let old = old_hash.to_owned();
        run!(self.write, |c| {
            let sql = "DELETE FROM session WHERE id_hash = $1";
            changed(c.execute(sql, &[(&old).into()]).await?, "session")?;
            insert(c, &new, audit).await
        })
    }

    async fn end_session(
        &self,
        id_hash: &str,
        audit: Option<AuditRecord>,
    ) -> Result<(), StoreError> {
        let key = id_hash.to_owned();
        run!(self.write, |c| {
            let sql = "DELETE FROM session WHERE id_hash = $1";
            c.execute(sql, &[(&key).into()]).await?;
            match audit {
                Some(a) => append(c, a).await.map(|_| ()),
                None => Ok(()),
            }
        })
    }

    async fn create_token(&self, token: ApiToken, audit: AuditRecord) -> Result<(), StoreError> {
        run!(self.write_auth, |c| {
            let t = &token;
            let scopes = serde_json::to_string(&t.scopes)?;
            let grant_ids = serde_json::to_string(&t.grant_ids)?;
            let sql = "INSERT INTO api_token (id, account_id, name, token_hash, scopes,
                grant_ids, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
            let args = [
                id(&t.id),
                id(&t.account_id),
                (&t.name).into(),
                (&t.token_hash).into(),
                json(&scopes),
                json(&grant_ids),
                t.created_at.trunc_subsecs(6).into(),
                t.expires_at.map(|e| e.trunc_subsecs(6)).into(),
            ];
            c.execute(sql, &args).await?;
            append(c, audit).await?;
            Ok(())
        })
    }

    async fn token(&self, token_hash: &str) -> Result<Option<(ApiToken, Account)>, StoreError> {
        let key = token_hash.to_owned();
        run!(self.point, |c| {
            let sql = format!(
                "SELECT {TOKEN}, {ACCOUNT} FROM api_token t JOIN account a
                 ON a.id = t.account_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
            );
            first(c, &sql, &[(&key).into()], |r| Ok((token(r)?, account(r)?))).await
        })
    }

    async fn tokens_of(&self, account_id: &str) -> Result<Vec<ApiToken>, StoreError> {
        let key = account_id.to_owned();
        run!(self.point, |c| {
            let sql = format!(
                "SELECT {TOKEN} FROM api_token t WHERE t.account_id = $1 ORDER BY t.created_at"
            );
            all(c, &sql, &[id(&key)], token).await
        })
    }

    async fn token_by_id(&self, key: &str) -> Result<Option<ApiToken>, StoreError> {
        let key = key.to_owned();
        run!(self.point, |c| {
            let sql = format!("SELECT {TOKEN} FROM api_token t WHERE t.id = $1");
            first(c, &sql, &[id(&key)], token).await
        })
    }

    async fn revoke_token(&self, key: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let key = key.to_owned();
        run!(self.write_auth, |c| {
            let sql = "UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";
            let n = c
                .execute(sql, &[audit.at.trunc_subsecs(6).into(), id(&key)])
                .await?;
            changed(n, "token")?;
            append(c, audit).await?;
            Ok(())
        })
    }
}
