//! [`CatalogStore`] on PostgreSQL.

use super::PgStore;
use crate::model::*;
use crate::plan::{self, Latest, VersionRow};
use crate::{CatalogStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::catalog::file::{CatalogBatch, LifeEvent};
use onetrip_domain::catalog::matter::BaseMatter;
use onetrip_domain::department::{Department, ServicePlace};
use onetrip_domain::Division;
use serde::de::DeserializeOwned;
use sqlx::{PgConnection, Row};
use std::collections::BTreeMap;

type Info = (i64, NaiveDate, DateTime<Utc>, String);

fn info((version, effective_from, published_at, _): &Info) -> VersionInfo {
    VersionInfo {
        version: *version,
        effective_from: *effective_from,
        published_at: *published_at,
    }
}

async fn documents<T: DeserializeOwned>(
    conn: &mut PgConnection,
    sql: &str,
) -> Result<Vec<T>, StoreError> {
    let docs: Vec<String> = sqlx::query_scalar(sql).fetch_all(conn).await?;
    docs.iter().map(|d| Ok(serde_json::from_str(d)?)).collect()
}

async fn latest_map(
    conn: &mut PgConnection,
    entity: Entity,
) -> Result<BTreeMap<String, Latest>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT ON (code) code, version, document::text AS document, base_version
         FROM catalog_version WHERE entity = $1 ORDER BY code, version DESC",
    )
    .bind(entity.key())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("code")?,
                Latest {
                    version: r.try_get("version")?,
                    document: r.try_get("document")?,
                    base_version: r.try_get("base_version")?,
                },
            ))
        })
        .collect()
}

async fn insert_version(conn: &mut PgConnection, row: &VersionRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO catalog_version (id, entity, code, version, base_code, base_version, name,
           division_code, department_code, effective_from, published_at, document, resolved, summary)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::json, $13::jsonb, $14::jsonb)",
    )
    .bind(row.id)
    .bind(row.entity.key())
    .bind(&row.code)
    .bind(row.version)
    .bind(&row.base_code)
    .bind(row.base_version)
    .bind(&row.name)
    .bind(&row.division)
    .bind(&row.department)
    .bind(row.effective_from)
    .bind(row.published_at)
    .bind(&row.document)
    .bind(&row.resolved)
    .bind(&row.summary)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert_draft(conn: &mut PgConnection, d: &plan::DraftRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO catalog_draft (entity, code, base_code, document, updated_at)
         VALUES ($1, $2, $3, $4::json, now())
         ON CONFLICT (entity, code) DO UPDATE SET base_code = excluded.base_code,
           document = excluded.document, updated_at = excluded.updated_at",
    )
    .bind(d.entity.key())
    .bind(&d.code)
    .bind(&d.base_code)
    .bind(&d.document)
    .execute(conn)
    .await?;
    Ok(())
}

async fn bump_revision(conn: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("UPDATE catalog_meta SET value = value + 1 WHERE key = 'revision'")
        .execute(conn)
        .await?;
    Ok(())
}

async fn upsert_reference(conn: &mut PgConnection, batch: &CatalogBatch) -> Result<(), StoreError> {
    for d in &batch.divisions {
        sqlx::query(
            "INSERT INTO division (code, name, kind, parent_code, valid_from, valid_to, document)
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
               parent_code = excluded.parent_code, valid_from = excluded.valid_from,
               valid_to = excluded.valid_to, document = excluded.document",
        )
        .bind(d.code.as_str())
        .bind(&d.name)
        .bind(d.kind.key())
        .bind(d.parent.as_ref().map(|p| p.to_string()))
        .bind(d.valid_from)
        .bind(d.valid_to)
        .bind(serde_json::to_string(d)?)
        .execute(&mut *conn)
        .await?;
    }
    for d in &batch.departments {
        sqlx::query(
            "INSERT INTO department (code, name, division_code, document) VALUES ($1, $2, $3, $4::jsonb)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name,
               division_code = excluded.division_code, document = excluded.document",
        )
        .bind(d.code.as_str())
        .bind(&d.name)
        .bind(d.division.as_str())
        .bind(serde_json::to_string(d)?)
        .execute(&mut *conn)
        .await?;
    }
    for p in &batch.places {
        sqlx::query(
            "INSERT INTO service_place (code, name, division_code, document) VALUES ($1, $2, $3, $4::jsonb)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name,
               division_code = excluded.division_code, document = excluded.document",
        )
        .bind(&p.code)
        .bind(&p.name)
        .bind(p.division.as_str())
        .bind(serde_json::to_string(p)?)
        .execute(&mut *conn)
        .await?;
    }
    for e in &batch.life_events {
        sqlx::query(
            "INSERT INTO life_event (key, name, document) VALUES ($1, $2, $3::jsonb)
             ON CONFLICT (key) DO UPDATE SET name = excluded.name, document = excluded.document",
        )
        .bind(&e.key)
        .bind(&e.name)
        .bind(serde_json::to_string(e)?)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn latest_base(
    conn: &mut PgConnection,
    code: &str,
) -> Result<Option<(i64, BaseMatter)>, StoreError> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT version, document::text FROM catalog_version WHERE entity = 'base' AND code = $1
         ORDER BY version DESC LIMIT 1",
    )
    .bind(code)
    .fetch_optional(conn)
    .await?;
    row.map(|(v, d)| Ok((v, serde_json::from_str(&d)?)))
        .transpose()
}

const CURRENT: &str =
    "SELECT version, effective_from, published_at, {col}::text FROM catalog_version
     WHERE entity = $1 AND code = $2 AND effective_from <= $3 ORDER BY version DESC LIMIT 1";

impl PgStore {
    async fn current(
        &self,
        entity: Entity,
        code: &str,
        on: NaiveDate,
        col: &str,
    ) -> Result<Option<Info>, StoreError> {
        Ok(sqlx::query_as(&CURRENT.replace("{col}", col))
            .bind(entity.key())
            .bind(code)
            .bind(on)
            .fetch_optional(&self.pool)
            .await?)
    }
}

/// Ordering of the reference documents, shared by export and the listing calls.
const DIVISIONS: &str = "SELECT document::text FROM division ORDER BY code";
const DEPARTMENTS: &str = "SELECT document::text FROM department ORDER BY code";
const PLACES: &str = "SELECT document::text FROM service_place ORDER BY code";
const LIFE_EVENTS: &str = "SELECT document::text FROM life_event ORDER BY key";

#[async_trait]
impl CatalogStore for PgStore {
    async fn import_catalog(
        &self,
        batch: &CatalogBatch,
        mode: ImportMode,
    ) -> Result<ImportReport, StoreError> {
        let mut tx = self.pool.begin().await?;
        upsert_reference(&mut tx, batch).await?;
        let bases = latest_map(&mut tx, Entity::Base).await?;
        let impls = latest_map(&mut tx, Entity::Implementation).await?;
        let plan = plan::plan_import(batch, mode, &bases, &impls, Utc::now())?;
        for row in &plan.versions {
            insert_version(&mut tx, row).await?;
        }
        for d in &plan.drafts {
            upsert_draft(&mut tx, d).await?;
        }
        bump_revision(&mut tx).await?;
        tx.commit().await?;
        Ok(ImportReport {
            divisions: batch.divisions.len(),
            departments: batch.departments.len(),
            places: batch.places.len(),
            life_events: batch.life_events.len(),
            changed: plan.changed,
            unchanged: plan.unchanged,
        })
    }

    async fn export_catalog(&self) -> Result<CatalogBatch, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let bases = latest_map(&mut conn, Entity::Base).await?;
        let impls = latest_map(&mut conn, Entity::Implementation).await?;
        Ok(CatalogBatch {
            divisions: documents(&mut conn, DIVISIONS).await?,
            departments: documents(&mut conn, DEPARTMENTS).await?,
            places: documents(&mut conn, PLACES).await?,
            life_events: documents(&mut conn, LIFE_EVENTS).await?,
            matters: plan::export_matters(&bases, &impls)?,
        })
    }

    async fn divisions(&self) -> Result<Vec<Division>, StoreError> {
        documents(&mut *self.pool.acquire().await?, DIVISIONS).await
    }

    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        documents(&mut *self.pool.acquire().await?, DEPARTMENTS).await
    }

    async fn places(&self) -> Result<Vec<ServicePlace>, StoreError> {
        documents(&mut *self.pool.acquire().await?, PLACES).await
    }

    async fn life_events(&self) -> Result<Vec<LifeEvent>, StoreError> {
        documents(&mut *self.pool.acquire().await?, LIFE_EVENTS).await
    }

    async fn implementation_summaries(
        &self,
        on: NaiveDate,
    ) -> Result<Vec<ImplementationSummary>, StoreError> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT ON (code) summary::text FROM catalog_version
             WHERE entity = 'implementation' AND effective_from <= $1 ORDER BY code, version DESC",
        )
        .bind(on)
        .fetch_all(&self.pool)
        .await?;
        docs.iter().map(|d| Ok(serde_json::from_str(d)?)).collect()
    }

    async fn implementation(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<PublishedImplementation>, StoreError> {
        self.current(Entity::Implementation, code, on, "resolved")
            .await?
            .map(|row| {
                Ok(PublishedImplementation {
                    info: info(&row),
                    resolved: serde_json::from_str(&row.3)?,
                })
            })
            .transpose()
    }

    async fn implementation_version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<PublishedImplementation>, StoreError> {
        let row: Option<Info> = sqlx::query_as(
            "SELECT version, effective_from, published_at, resolved::text FROM catalog_version
             WHERE entity = 'implementation' AND code = $1 AND version = $2",
        )
        .bind(code)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(PublishedImplementation {
                info: info(&row),
                resolved: serde_json::from_str(&row.3)?,
            })
        })
        .transpose()
    }

    async fn base_matter(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<PublishedBase>, StoreError> {
        self.current(Entity::Base, code, on, "document")
            .await?
            .map(|row| {
                Ok(PublishedBase {
                    info: info(&row),
                    matter: serde_json::from_str(&row.3)?,
                })
            })
            .transpose()
    }

    async fn history(&self, entity: Entity, code: &str) -> Result<History, StoreError> {
        let rows: Vec<Info> = sqlx::query_as(
            "SELECT version, effective_from, published_at, '' FROM catalog_version
             WHERE entity = $1 AND code = $2 ORDER BY version DESC",
        )
        .bind(entity.key())
        .bind(code)
        .fetch_all(&self.pool)
        .await?;
        let draft: Option<String> = sqlx::query_scalar(
            "SELECT document::text FROM catalog_draft WHERE entity = $1 AND code = $2",
        )
        .bind(entity.key())
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        Ok(History {
            versions: rows.iter().map(info).collect(),
            draft: draft.map(|d| serde_json::from_str(&d)).transpose()?,
        })
    }

    async fn save_draft(&self, draft: Draft) -> Result<(), StoreError> {
        let row = plan::draft_row(&draft)?;
        upsert_draft(&mut *self.pool.acquire().await?, &row).await
    }

    async fn publish(
        &self,
        entity: Entity,
        code: &str,
        effective_from: NaiveDate,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let draft: Option<String> = sqlx::query_scalar(
            "SELECT document::text FROM catalog_draft WHERE entity = $1 AND code = $2 FOR UPDATE",
        )
        .bind(entity.key())
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?;
        let draft =
            draft.ok_or_else(|| StoreError::Conflict(format!("{code} 没有待发布的草稿")))?;
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM catalog_version WHERE entity = $1 AND code = $2",
        )
        .bind(entity.key())
        .bind(code)
        .fetch_one(&mut *tx)
        .await?;
        let (base, impls) = match entity {
            Entity::Base => (None, latest_map(&mut tx, Entity::Implementation).await?),
            Entity::Implementation => (
                latest_base(&mut tx, &plan::draft_base_code(&draft)?).await?,
                BTreeMap::new(),
            ),
        };
        let rows = plan::plan_publish(
            entity,
            code,
            &draft,
            version,
            effective_from,
            base,
            &impls,
            Utc::now(),
        )?;
        for row in &rows {
            insert_version(&mut tx, row).await?;
        }
        sqlx::query("DELETE FROM catalog_draft WHERE entity = $1 AND code = $2")
            .bind(entity.key())
            .bind(code)
            .execute(&mut *tx)
            .await?;
        bump_revision(&mut tx).await?;
        tx.commit().await?;
        Ok(version)
    }

    async fn catalog_revision(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM catalog_meta WHERE key = 'revision'")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
