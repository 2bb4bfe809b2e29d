//! The service catalog: reference data, versioned matters and implementations, drafts.
//! What gets a new version, with which documents, is planned in [`crate::plan`]; these run
//! the statements.

use crate::model::*;
use crate::plan::{self, DraftRow, Latest, VersionRow};
use crate::sql::{all, first, id, json, json_of, one, Conn, Executor, Row, Value};
use crate::store::{run, SqlStore};
use crate::{CatalogStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::catalog::file::{CatalogBatch, LifeEvent};
use onetrip_domain::catalog::matter::BaseMatter;
use onetrip_domain::department::{Department, ServicePlace};
use onetrip_domain::Division;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// The latest version of every entry of a kind, by code.
async fn latest_map(c: &mut dyn Conn, e: Entity) -> Result<BTreeMap<String, Latest>, StoreError> {
    let sql = "SELECT code, version, CAST(document AS TEXT) AS document, base_version
        FROM catalog_version v WHERE entity = $1 AND version = (SELECT MAX(version)
          FROM catalog_version w WHERE w.entity = v.entity AND w.code = v.code)";
    let args = [e.key().into()];
    let rows = all(c, sql, &args, |r| {
        let latest = Latest {
            version: r.int("version")?,
            document: r.text("document")?,
            base_version: r.opt_int("base_version")?,
        };
        Ok((r.text("code")?, latest))
    });
    Ok(rows.await?.into_iter().collect())
}

async fn insert_version(c: &mut dyn Conn, row: &VersionRow) -> Result<(), StoreError> {
    let sql = "INSERT INTO catalog_version (id, entity, code, version, base_code, base_version,
        name, division_code, department_code, effective_from, published_at, document,
        resolved, summary)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
    let key = row.id.to_string();
    let args = [
        id(&key),
        row.entity.key().into(),
        (&row.code).into(),
        row.version.into(),
        row.base_code.as_deref().into(),
        row.base_version.into(),
        (&row.name).into(),
        row.division.as_deref().into(),
        row.department.as_deref().into(),
        row.effective_from.into(),
        row.published_at.into(),
        json(&row.document),
        Value::Json(row.resolved.as_deref()),
        Value::Json(row.summary.as_deref()),
    ];
    c.execute(sql, &args).await?;
    Ok(())
}

async fn upsert_draft(c: &mut dyn Conn, d: &DraftRow, at: DateTime<Utc>) -> Result<(), StoreError> {
    let sql = "INSERT INTO catalog_draft (entity, code, base_code, document, updated_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (entity, code) DO UPDATE SET base_code = excluded.base_code,
          document = excluded.document, updated_at = excluded.updated_at";
    let args = [
        d.entity.key().into(),
        (&d.code).into(),
        d.base_code.as_deref().into(),
        json(&d.document),
        at.into(),
    ];
    c.execute(sql, &args).await?;
    Ok(())
}

async fn bump_revision(c: &mut dyn Conn) -> Result<(), StoreError> {
    let sql = "UPDATE catalog_meta SET value = value + 1 WHERE key = 'revision'";
    c.execute(sql, &[]).await?;
    Ok(())
}

async fn upsert_reference(c: &mut dyn Conn, batch: &CatalogBatch) -> Result<(), StoreError> {
    let sql = "INSERT INTO division (code, name, kind, parent_code, valid_from, valid_to,
        document) VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
          parent_code = excluded.parent_code, valid_from = excluded.valid_from,
          valid_to = excluded.valid_to, document = excluded.document";
    for d in &batch.divisions {
        let (doc, parent) = (
            serde_json::to_string(d)?,
            d.parent.as_ref().map(|p| p.to_string()),
        );
        let args = [
            d.code.as_str().into(),
            (&d.name).into(),
            d.kind.key().into(),
            parent.as_deref().into(),
            d.valid_from.into(),
            d.valid_to.into(),
            json(&doc),
        ];
        c.execute(sql, &args).await?;
    }
    let sql = |table: &str| {
        format!(
            "INSERT INTO {table} (code, name, division_code, document) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name,
               division_code = excluded.division_code, document = excluded.document"
        )
    };
    for d in &batch.departments {
        let doc = serde_json::to_string(d)?;
        let args = [
            d.code.as_str().into(),
            (&d.name).into(),
            d.division.as_str().into(),
            json(&doc),
        ];
        c.execute(&sql("department"), &args).await?;
    }
    for p in &batch.places {
        let doc = serde_json::to_string(p)?;
        let args = [
            (&p.code).into(),
            (&p.name).into(),
            p.division.as_str().into(),
            json(&doc),
        ];
        c.execute(&sql("service_place"), &args).await?;
    }
    let sql = "INSERT INTO life_event (key, name, document) VALUES ($1, $2, $3)
        ON CONFLICT (key) DO UPDATE SET name = excluded.name, document = excluded.document";
    for e in &batch.life_events {
        let doc = serde_json::to_string(e)?;
        c.execute(sql, &[(&e.key).into(), (&e.name).into(), json(&doc)])
            .await?;
    }
    Ok(())
}

fn info(r: &dyn Row) -> Result<VersionInfo, StoreError> {
    Ok(VersionInfo {
        version: r.int("version")?,
        effective_from: r.date("effective_from")?,
        published_at: r.time("published_at")?,
    })
}

/// The version of an entry in force on a date: its facts and its `document` (for a base)
/// or `resolved` guide (for an implementation).
async fn current<T: DeserializeOwned + Send>(
    c: &mut dyn Conn,
    entity: Entity,
    code: &str,
    on: NaiveDate,
) -> Result<Option<(VersionInfo, T)>, StoreError> {
    let column = match entity {
        Entity::Base => "document",
        Entity::Implementation => "resolved",
    };
    let sql = format!(
        "SELECT version, effective_from, published_at, CAST({column} AS TEXT) AS doc
         FROM catalog_version WHERE entity = $1 AND code = $2 AND effective_from <= $3
         ORDER BY version DESC LIMIT 1"
    );
    let args = [entity.key().into(), code.into(), on.into()];
    first(c, &sql, &args, |r| Ok((info(r)?, json_of(r, "doc")?))).await
}

async fn draft_document(
    c: &mut dyn Conn,
    e: Entity,
    code: &str,
) -> Result<Option<String>, StoreError> {
    let sql = "SELECT CAST(document AS TEXT) AS document FROM catalog_draft
        WHERE entity = $1 AND code = $2";
    first(c, sql, &[e.key().into(), code.into()], |r| {
        r.text("document")
    })
    .await
}

async fn latest_base(
    c: &mut dyn Conn,
    code: &str,
) -> Result<Option<(i64, BaseMatter)>, StoreError> {
    let sql = "SELECT version, CAST(document AS TEXT) AS document FROM catalog_version
        WHERE entity = 'base' AND code = $1 ORDER BY version DESC LIMIT 1";
    let args = [code.into()];
    let row = first(c, sql, &args, |r| {
        Ok((r.int("version")?, r.text("document")?))
    });
    row.await?
        .map(|(v, d)| Ok((v, serde_json::from_str(&d)?)))
        .transpose()
}

/// Documents of a reference table, in its order.
async fn documents<T: DeserializeOwned + Send>(
    c: &mut dyn Conn,
    table: &str,
    order: &str,
) -> Result<Vec<T>, StoreError> {
    let sql = format!("SELECT CAST(document AS TEXT) AS document FROM {table} ORDER BY {order}");
    all(c, &sql, &[], |r| json_of(r, "document")).await
}

impl<E: Executor> SqlStore<E> {
    async fn reference<T: DeserializeOwned + Send + 'static>(
        &self,
        table: &'static str,
        order: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        run!(self.read, |c| { documents(c, table, order).await })
    }
}

#[async_trait]
impl<E: Executor> CatalogStore for SqlStore<E> {
    async fn import_catalog(
        &self,
        batch: &CatalogBatch,
        mode: ImportMode,
        at: DateTime<Utc>,
    ) -> Result<ImportReport, StoreError> {
        let batch = batch.clone();
        run!(self.write, |c| {
            upsert_reference(c, &batch).await?;
            let bases = latest_map(c, Entity::Base).await?;
            let impls = latest_map(c, Entity::Implementation).await?;
            let plan = plan::plan_import(&batch, mode, &bases, &impls, at)?;
            for row in &plan.versions {
                insert_version(c, row).await?;
            }
            for d in &plan.drafts {
                upsert_draft(c, d, at).await?;
            }
            bump_revision(c).await?;
            Ok(ImportReport {
                divisions: batch.divisions.len(),
                departments: batch.departments.len(),
                places: batch.places.len(),
                life_events: batch.life_events.len(),
                changed: plan.changed,
                unchanged: plan.unchanged,
            })
        })
    }

    async fn export_catalog(&self) -> Result<CatalogBatch, StoreError> {
        run!(self.read, |c| {
            let bases = latest_map(c, Entity::Base).await?;
            let impls = latest_map(c, Entity::Implementation).await?;
            Ok(CatalogBatch {
                divisions: documents(c, "division", "code").await?,
                departments: documents(c, "department", "code").await?,
                places: documents(c, "service_place", "code").await?,
                life_events: documents(c, "life_event", "key").await?,
                matters: plan::export_matters(&bases, &impls)?,
            })
        })
    }

    async fn divisions(&self) -> Result<Vec<Division>, StoreError> {
        self.reference("division", "code").await
    }

    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        self.reference("department", "code").await
    }

    async fn places(&self) -> Result<Vec<ServicePlace>, StoreError> {
        self.reference("service_place", "code").await
    }

    async fn life_events(&self) -> Result<Vec<LifeEvent>, StoreError> {
        self.reference("life_event", "key").await
    }

    async fn implementation_summaries(
        &self,
        on: NaiveDate,
    ) -> Result<Vec<ImplementationSummary>, StoreError> {
        run!(self.read, |c| {
            let sql = "SELECT CAST(summary AS TEXT) AS summary FROM catalog_version v
                WHERE entity = 'implementation' AND version = (
                  SELECT MAX(version) FROM catalog_version w WHERE w.entity = 'implementation'
                  AND w.code = v.code AND w.effective_from <= $1)
                ORDER BY code";
            all(c, sql, &[on.into()], |r| json_of(r, "summary")).await
        })
    }

    async fn implementation(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<PublishedImplementation>, StoreError> {
        let code = code.to_owned();
        run!(self.point, |c| {
            let found = current(c, Entity::Implementation, &code, on).await?;
            Ok(found.map(|(info, resolved)| PublishedImplementation { info, resolved }))
        })
    }

    async fn implementation_version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<PublishedImplementation>, StoreError> {
        let code = code.to_owned();
        run!(self.point, |c| {
            let sql = "SELECT version, effective_from, published_at,
                CAST(resolved AS TEXT) AS doc FROM catalog_version
                WHERE entity = 'implementation' AND code = $1 AND version = $2";
            first(c, sql, &[(&code).into(), version.into()], |r| {
                Ok(PublishedImplementation {
                    info: info(r)?,
                    resolved: json_of(r, "doc")?,
                })
            })
            .await
        })
    }

    async fn base_matter(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<PublishedBase>, StoreError> {
        let code = code.to_owned();
        run!(self.point, |c| {
            let found = current(c, Entity::Base, &code, on).await?;
            Ok(found.map(|(info, matter)| PublishedBase { info, matter }))
        })
    }

    async fn history(&self, entity: Entity, code: &str) -> Result<History, StoreError> {
        let code = code.to_owned();
        run!(self.read, |c| {
            let sql = "SELECT version, effective_from, published_at FROM catalog_version
                WHERE entity = $1 AND code = $2 ORDER BY version DESC";
            let args = [entity.key().into(), (&code).into()];
            let versions = all(c, sql, &args, info).await?;
            let draft = draft_document(c, entity, &code).await?;
            Ok(History {
                versions,
                draft: draft.map(|d| serde_json::from_str(&d)).transpose()?,
            })
        })
    }

    async fn save_draft(&self, draft: Draft, at: DateTime<Utc>) -> Result<(), StoreError> {
        let row = plan::draft_row(&draft)?;
        run!(self.write, |c| { upsert_draft(c, &row, at).await })
    }

    async fn publish(
        &self,
        entity: Entity,
        code: &str,
        effective_from: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let code = code.to_owned();
        run!(self.write, |c| {
            let key = [entity.key().into(), (&code).into()];
            // Taking the draft row (a lock on PostgreSQL) makes two publications of one
            // draft wait for each other.
            let sql = "UPDATE catalog_draft SET updated_at = updated_at
                WHERE entity = $1 AND code = $2 RETURNING CAST(document AS TEXT) AS document";
            let draft = first(c, sql, &key, |r| r.text("document"))
                .await?
                .ok_or_else(|| StoreError::Conflict(crate::Conflict::NoDraft(code.clone())))?;
            let sql = "SELECT COALESCE(MAX(version), 0) + 1 AS next FROM catalog_version
                WHERE entity = $1 AND code = $2";
            let version = one(c, sql, &key, |r| r.int("next")).await?;
            let (base, impls) = match entity {
                Entity::Base => (None, latest_map(c, Entity::Implementation).await?),
                Entity::Implementation => (
                    latest_base(c, &plan::draft_base_code(&draft)?).await?,
                    BTreeMap::new(),
                ),
            };
            let rows = plan::plan_publish(
                entity,
                &code,
                &draft,
                version,
                effective_from,
                base,
                &impls,
                at,
            )?;
            for row in &rows {
                insert_version(c, row).await?;
            }
            let sql = "DELETE FROM catalog_draft WHERE entity = $1 AND code = $2";
            c.execute(sql, &key).await?;
            bump_revision(c).await?;
            Ok(version)
        })
    }

    async fn catalog_revision(&self) -> Result<i64, StoreError> {
        run!(self.point, |c| {
            let sql = "SELECT value FROM catalog_meta WHERE key = 'revision'";
            one(c, sql, &[], |r| r.int("value")).await
        })
    }
}
