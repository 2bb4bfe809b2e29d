//! Delegations and representations on SQLite.

use super::people::append_audit_in;
use super::SqliteStore;
use crate::people::instant_text;
use crate::{AgencyStore, StoreError, StoredDelegation, StoredRepresentation};
use async_trait::async_trait;
use chrono::NaiveDate;
use onetrip_domain::access::Delegation;
use onetrip_domain::audit::AuditRecord;
use onetrip_domain::person::{Capacity, Principal, Representation};
use rusqlite::{params, Row};

fn principal_parts(p: &Principal) -> (&'static str, &str) {
    match p {
        Principal::Organization(code) => ("organization", code),
        Principal::Person(id) => ("person", id),
    }
}

type RawRep = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

fn raw_rep(r: &Row<'_>) -> rusqlite::Result<RawRep> {
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

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::Backend(format!("bad date {s}: {e}")))
}

fn rep_of(raw: RawRep) -> Result<StoredRepresentation, StoreError> {
    let (id, agent, kind, principal, capacity, authorization, from, until, recorded_by) = raw;
    Ok(StoredRepresentation {
        id,
        representation: Representation {
            agent,
            principal: if kind == "organization" {
                Principal::Organization(principal)
            } else {
                Principal::Person(principal)
            },
            capacity: Capacity::from_key(&capacity)
                .ok_or_else(|| StoreError::Backend(format!("bad capacity {capacity}")))?,
            authorization,
            valid_from: date(&from)?,
            valid_until: until.as_deref().map(date).transpose()?,
        },
        recorded_by,
    })
}

fn changed(n: usize, what: &str) -> Result<(), StoreError> {
    if n == 0 {
        Err(StoreError::NotFound(what.to_string()))
    } else {
        Ok(())
    }
}

#[async_trait]
impl AgencyStore for SqliteStore {
    async fn add_delegation(
        &self,
        delegation: &Delegation,
        audit: AuditRecord,
    ) -> Result<StoredDelegation, StoreError> {
        let stored = StoredDelegation {
            id: crate::new_id(),
            delegation: delegation.clone(),
        };
        let s = stored.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO delegation (id, department_code, place_code, matters, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    s.id,
                    s.delegation.department,
                    s.delegation.place,
                    serde_json::to_string(&s.delegation.matters)?,
                    audit.actor,
                    instant_text(audit.at)
                ],
            )?;
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await?;
        Ok(stored)
    }

    async fn delegations(&self) -> Result<Vec<StoredDelegation>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, department_code, place_code, matters FROM delegation
                 WHERE revoked_at IS NULL ORDER BY created_at, id",
            )?;
            let raws = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            raws.into_iter()
                .map(|(id, department, place, matters)| {
                    Ok(StoredDelegation {
                        id,
                        delegation: Delegation {
                            department,
                            place,
                            matters: serde_json::from_str(&matters)?,
                        },
                    })
                })
                .collect()
        })
        .await
    }

    async fn revoke_delegation(&self, id: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let id = id.to_string();
        self.write(move |conn| {
            let n = conn.execute(
                "UPDATE delegation SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![instant_text(audit.at), id],
            )?;
            changed(n, "delegation")?;
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await
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
        let s = stored.clone();
        self.write(move |conn| {
            let r = &s.representation;
            let (kind, principal) = principal_parts(&r.principal);
            conn.execute(
                "INSERT INTO representation (id, agent_id, principal_kind, principal, capacity,
                    authorization_ref, valid_from, valid_until, recorded_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    s.id,
                    r.agent,
                    kind,
                    principal,
                    r.capacity.key(),
                    r.authorization,
                    r.valid_from.to_string(),
                    r.valid_until.map(|d| d.to_string()),
                    s.recorded_by,
                    instant_text(audit.at)
                ],
            )?;
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await?;
        Ok(stored)
    }

    async fn representations_of(
        &self,
        account_id: &str,
    ) -> Result<Vec<StoredRepresentation>, StoreError> {
        let id = account_id.to_string();
        self.read_point(|c| {
            let mut stmt = c.prepare(
                "SELECT id, agent_id, principal_kind, principal, capacity, authorization_ref,
                    valid_from, valid_until, recorded_by FROM representation
                 WHERE revoked_at IS NULL AND (agent_id = ?1 OR (principal_kind = 'person' AND principal = ?1))
                 ORDER BY created_at, id",
            )?;
            let raws = stmt.query_map([&id], raw_rep)?.collect::<Result<Vec<_>, _>>()?;
            raws.into_iter().map(rep_of).collect()
        })
    }

    async fn revoke_representation(&self, id: &str, audit: AuditRecord) -> Result<(), StoreError> {
        let id = id.to_string();
        self.write(move |conn| {
            let n = conn.execute(
                "UPDATE representation SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                params![instant_text(audit.at), id],
            )?;
            changed(n, "representation")?;
            append_audit_in(conn, audit)?;
            Ok(())
        })
        .await
    }
}
