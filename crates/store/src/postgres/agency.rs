//! Delegations and representations on PostgreSQL.

use super::people::append_audit_in;
use super::PgStore;
use crate::{AgencyStore, StoreError, StoredDelegation, StoredRepresentation};
use async_trait::async_trait;
use chrono::{NaiveDate, SubsecRound};
use onetrip_domain::access::Delegation;
use onetrip_domain::audit::AuditRecord;
use onetrip_domain::person::{Capacity, Principal, Representation};
use sqlx::postgres::PgRow;
use sqlx::Row;
use uuid::Uuid;

fn need(s: &str, what: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|_| StoreError::NotFound(what.to_string()))
}

fn rep_of(r: &PgRow) -> Result<StoredRepresentation, StoreError> {
    let kind: String = r.try_get("principal_kind")?;
    let principal: String = r.try_get("principal")?;
    let capacity: String = r.try_get("capacity")?;
    Ok(StoredRepresentation {
        id: r.try_get::<Uuid, _>("id")?.to_string(),
        representation: Representation {
            agent: r.try_get::<Uuid, _>("agent_id")?.to_string(),
            principal: if kind == "organization" {
                Principal::Organization(principal)
            } else {
                Principal::Person(principal)
            },
            capacity: Capacity::from_key(&capacity)
                .ok_or_else(|| StoreError::Backend(format!("bad capacity {capacity}")))?,
            authorization: r.try_get("authorization_ref")?,
            valid_from: r.try_get::<NaiveDate, _>("valid_from")?,
            valid_until: r.try_get::<Option<NaiveDate>, _>("valid_until")?,
        },
        recorded_by: r.try_get("recorded_by")?,
    })
}

#[async_trait]
impl AgencyStore for PgStore {
    async fn add_delegation(
        &self,
        delegation: &Delegation,
        audit: AuditRecord,
    ) -> Result<StoredDelegation, StoreError> {
        let stored = StoredDelegation {
            id: crate::new_id(),
            delegation: delegation.clone(),
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO delegation (id, department_code, place_code, matters, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(need(&stored.id, "delegation")?)
        .bind(&delegation.department)
        .bind(&delegation.place)
        .bind(serde_json::to_value(&delegation.matters)?)
        .bind(&audit.actor)
        .bind(audit.at.trunc_subsecs(6))
        .execute(&mut *tx)
        .await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn delegations(&self) -> Result<Vec<StoredDelegation>, StoreError> {
        sqlx::query(
            "SELECT id, department_code, place_code, matters FROM delegation
             WHERE revoked_at IS NULL ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let matters: serde_json::Value = r.try_get("matters")?;
            Ok(StoredDelegation {
                id: r.try_get::<Uuid, _>("id")?.to_string(),
                delegation: Delegation {
                    department: r.try_get("department_code")?,
                    place: r.try_get("place_code")?,
                    matters: serde_json::from_value(matters)?,
                },
            })
        })
        .collect()
    }

    async fn revoke_delegation(&self, id: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE delegation SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(audit.at.trunc_subsecs(6))
        .bind(need(id, "delegation")?)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound("delegation".into()));
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
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
        let (kind, principal) = match &representation.principal {
            Principal::Organization(code) => ("organization", code.as_str()),
            Principal::Person(id) => ("person", id.as_str()),
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO representation (id, agent_id, principal_kind, principal, capacity,
                authorization_ref, valid_from, valid_until, recorded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(need(&stored.id, "representation")?)
        .bind(need(&representation.agent, "account")?)
        .bind(kind)
        .bind(principal)
        .bind(representation.capacity.key())
        .bind(&representation.authorization)
        .bind(representation.valid_from)
        .bind(representation.valid_until)
        .bind(&stored.recorded_by)
        .bind(audit.at.trunc_subsecs(6))
        .execute(&mut *tx)
        .await?;
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn representations_of(
        &self,
        account_id: &str,
    ) -> Result<Vec<StoredRepresentation>, StoreError> {
        let Ok(id) = Uuid::parse_str(account_id) else {
            return Ok(Vec::new());
        };
        sqlx::query(
            "SELECT id, agent_id, principal_kind, principal, capacity, authorization_ref,
                valid_from, valid_until, recorded_by FROM representation
             WHERE revoked_at IS NULL AND (agent_id = $1 OR (principal_kind = 'person' AND principal = $2))
             ORDER BY created_at, id",
        )
        .bind(id)
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(rep_of)
        .collect()
    }

    async fn revoke_representation(&self, id: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE representation SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(audit.at.trunc_subsecs(6))
        .bind(need(id, "representation")?)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound("representation".into()));
        }
        append_audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}
