//! [`AgencyStore`]: who acts for whom: departments' delegations of acceptance to service
//! places, and people's authorities to act for organizations and other people.

use super::audit::append;
use crate::sql::{all, changed, id, json, json_of, Executor, Row};
use crate::store::{run, SqlStore};
use crate::{AgencyStore, StoreError, StoredDelegation, StoredRepresentation};
use async_trait::async_trait;
use chrono::SubsecRound;
use onetrip_domain::access::Delegation;
use onetrip_domain::audit::AuditRecord;
use onetrip_domain::person::{Capacity, Principal, Representation};

fn representation(r: &dyn Row) -> Result<StoredRepresentation, StoreError> {
    let principal = r.text("principal")?;
    let capacity = r.text("capacity")?;
    Ok(StoredRepresentation {
        id: r.id("id")?,
        representation: Representation {
            agent: r.id("agent_id")?,
            principal: match r.text("principal_kind")?.as_str() {
                "organization" => Principal::Organization(principal),
                _ => Principal::Person(principal),
            },
            capacity: Capacity::from_key(&capacity)
                .ok_or_else(|| StoreError::Backend(format!("bad capacity {capacity}")))?,
            authorization: r.opt_text("authorization_ref")?,
            valid_from: r.date("valid_from")?,
            valid_until: r.opt_date("valid_until")?,
        },
        recorded_by: r.opt_text("recorded_by")?,
    })
}

/// Ends a live row of `table` (`delegation` or `representation`) and records it.
async fn revoke(
    c: &mut dyn crate::sql::Conn,
    table: &str,
    key: &str,
    audit: AuditRecord,
) -> Result<(), StoreError> {
    let sql = format!("UPDATE {table} SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL");
    let n = c
        .execute(&sql, &[audit.at.trunc_subsecs(6).into(), id(key)])
        .await?;
    changed(n, table)?;
    append(c, audit).await?;
    Ok(())
}

#[async_trait]
impl<E: Executor> AgencyStore for SqlStore<E> {
    async fn add_delegation(
        &self,
        delegation: &Delegation,
        audit: AuditRecord,
    ) -> Result<StoredDelegation, StoreError> {
        let stored = StoredDelegation {
            id: crate::new_id(),
            delegation: delegation.clone(),
        };
        run!(self.write_auth, |c| {
            let d = &stored.delegation;
            let matters = serde_json::to_string(&d.matters)?;
            let sql = "INSERT INTO delegation (id, department_code, place_code, matters,
                created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
            let args = [
                id(&stored.id),
                (&d.department).into(),
                (&d.place).into(),
                json(&matters),
                audit.actor.as_deref().into(),
                audit.at.trunc_subsecs(6).into(),
            ];
            c.execute(sql, &args).await?;
            append(c, audit).await?;
            Ok(stored)
        })
    }

    async fn delegations(&self) -> Result<Vec<StoredDelegation>, StoreError> {
        run!(self.read, |c| {
            let sql = "SELECT id, department_code, place_code, CAST(matters AS TEXT) AS matters
                FROM delegation WHERE revoked_at IS NULL ORDER BY created_at, id";
            all(c, sql, &[], |r| {
                Ok(StoredDelegation {
                    id: r.id("id")?,
                    delegation: Delegation {
                        department: r.text("department_code")?,
                        place: r.text("place_code")?,
                        matters: json_of(r, "matters")?,
                    },
                })
            })
            .await
        })
    }

    async fn revoke_delegation(&self, key: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let key = key.to_owned();
        run!(self.write_auth, |c| {
            revoke(c, "delegation", &key, audit).await
        })
    }

    async fn add_representation(
        &self,
        representation: &Representation,
        audit: AuditRecord,
    ) -> Result<StoredRepresentation, StoreError> {
        let stored = StoredRepresentation {
            id: crate::new_id(),
            representation: representation.clone(),
            recorded_by: audit.actor.clone(),
        };
        run!(self.write, |c| {
            let r = &stored.representation;
            let (kind, principal) = match &r.principal {
                Principal::Organization(code) => ("organization", code.as_str()),
                Principal::Person(account) => ("person", account.as_str()),
            };
            let sql = "INSERT INTO representation (id, agent_id, principal_kind, principal,
                capacity, authorization_ref, valid_from, valid_until, recorded_by, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
            let args = [
                id(&stored.id),
                id(&r.agent),
                kind.into(),
                principal.into(),
                r.capacity.key().into(),
                r.authorization.as_deref().into(),
                r.valid_from.into(),
                r.valid_until.into(),
                stored.recorded_by.as_deref().into(),
                audit.at.trunc_subsecs(6).into(),
            ];
            c.execute(sql, &args).await?;
            append(c, audit).await?;
            Ok(stored)
        })
    }

    /// Live representations where the account is the agent or the (person) principal.
    async fn representations_of(
        &self,
        account_id: &str,
    ) -> Result<Vec<StoredRepresentation>, StoreError> {
        let account = account_id.to_owned();
        run!(self.point, |c| {
            let sql = "SELECT id, agent_id, principal_kind, principal, capacity,
                authorization_ref, valid_from, valid_until, recorded_by FROM representation
                WHERE revoked_at IS NULL
                  AND (agent_id = $1 OR (principal_kind = 'person' AND principal = $2))
                ORDER BY created_at, id";
            all(c, sql, &[id(&account), (&account).into()], representation).await
        })
    }

    async fn revoke_representation(&self, key: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let key = key.to_owned();
        run!(self.write, |c| {
            revoke(c, "representation", &key, audit).await
        })
    }
}
