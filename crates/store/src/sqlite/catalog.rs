//! [`CatalogStore`] on SQLite.

use super::SqliteStore;
use crate::model::*;
use crate::plan::{self, Latest, VersionRow};
use crate::{CatalogStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::catalog::file::{CatalogBatch, LifeEvent};
use onetrip_domain::catalog::matter::BaseMatter;
use onetrip_domain::department::{Department, ServicePlace};
use onetrip_domain::Division;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

const CURRENT: &str = "SELECT v.version, v.effective_from, v.published_at, v.{col}
     FROM catalog_version v
     WHERE v.entity = ?1 AND v.code = ?2 AND v.effective_from <= ?3
     ORDER BY v.version DESC LIMIT 1";

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::Backend(format!("bad date {s}: {e}")))
}

fn instant(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| StoreError::Backend(format!("bad instant {s}: {e}")))
}

fn info_of(row: &Row<'_>) -> Result<(VersionInfo, String), StoreError> {
    let version: i64 = row.get(0)?;
    let effective: String = row.get(1)?;
    let published: String = row.get(2)?;
    let doc: String = row.get(3)?;
    Ok((
        VersionInfo {
            version,
            effective_from: date(&effective)?,
            published_at: instant(&published)?,
        },
        doc,
    ))
}

/// One version row (version, effective date, publication time, document), parsed straight
/// from the row's bytes, if any.
fn one_version<T: DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Option<(VersionInfo, T)>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let effective: String = row.get(1)?;
    let published: String = row.get(2)?;
    let info = VersionInfo {
        version: row.get(0)?,
        effective_from: date(&effective)?,
        published_at: instant(&published)?,
    };
    let bytes = row
        .get_ref(3)?
        .as_bytes()
        .map_err(|e| StoreError::Backend(e.to_string()))?;
    let doc = serde_json::from_slice(bytes)?;
    Ok(Some((info, doc)))
}

fn documents<T: DeserializeOwned>(conn: &Connection, sql: &str) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let docs = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    docs.iter().map(|d| Ok(serde_json::from_str(d)?)).collect()
}

fn latest_map(conn: &Connection, entity: Entity) -> Result<BTreeMap<String, Latest>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT code, version, document, base_version FROM catalog_version v
         WHERE entity = ?1 AND version = (SELECT MAX(version) FROM catalog_version w
                                          WHERE w.entity = v.entity AND w.code = v.code)",
    )?;
    let rows = stmt.query_map([entity.key()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Latest {
                version: r.get(1)?,
                document: r.get(2)?,
                base_version: r.get(3)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<BTreeMap<_, _>, _>>()?)
}

fn insert_version(conn: &Connection, row: &VersionRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO catalog_version (id, entity, code, version, base_code, base_version, name,
           division_code, department_code, effective_from, published_at, document, resolved, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        row.id.to_string(),
        row.entity.key(),
        row.code,
        row.version,
        row.base_code,
        row.base_version,
        row.name,
        row.division,
        row.department,
        row.effective_from.to_string(),
        row.published_at.to_rfc3339(),
        row.document,
        row.resolved,
        row.summary,
    ])?;
    Ok(())
}

fn upsert_draft(conn: &Connection, d: &plan::DraftRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO catalog_draft (entity, code, base_code, document, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (entity, code) DO UPDATE SET base_code = excluded.base_code,
           document = excluded.document, updated_at = excluded.updated_at",
    )?
    .execute(params![d.entity.key(), d.code, d.base_code, d.document, Utc::now().to_rfc3339()])?;
    Ok(())
}

fn bump_revision(conn: &Connection) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE catalog_meta SET value = value + 1 WHERE key = 'revision'",
        [],
    )?;
    Ok(())
}

fn upsert_reference(conn: &Connection, batch: &CatalogBatch) -> Result<(), StoreError> {
    for d in &batch.divisions {
        conn.prepare_cached(
            "INSERT INTO division (code, name, kind, parent_code, valid_from, valid_to, document)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
               parent_code = excluded.parent_code, valid_from = excluded.valid_from,
               valid_to = excluded.valid_to, document = excluded.document",
        )?
        .execute(params![
            d.code.as_str(),
            d.name,
            d.kind.key(),
            d.parent.as_ref().map(|p| p.to_string()),
            d.valid_from.to_string(),
            d.valid_to.map(|v| v.to_string()),
            serde_json::to_string(d)?,
        ])?;
    }
    for d in &batch.departments {
        conn.prepare_cached(
            "INSERT INTO department (code, name, division_code, document) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name,
               division_code = excluded.division_code, document = excluded.document",
        )?
        .execute(params![
            d.code.as_str(),
            d.name,
            d.division.as_str(),
            serde_json::to_string(d)?
        ])?;
    }
    for p in &batch.places {
        conn.prepare_cached(
            "INSERT INTO service_place (code, name, division_code, document) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name,
               division_code = excluded.division_code, document = excluded.document",
        )?
        .execute(params![p.code, p.name, p.division.as_str(), serde_json::to_string(p)?])?;
    }
    for e in &batch.life_events {
        conn.prepare_cached(
            "INSERT INTO life_event (key, name, document) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET name = excluded.name, document = excluded.document",
        )?
        .execute(params![e.key, e.name, serde_json::to_string(e)?])?;
    }
    Ok(())
}

fn latest_base(conn: &Connection, code: &str) -> Result<Option<(i64, BaseMatter)>, StoreError> {
    let row = conn
        .query_row(
            "SELECT version, document FROM catalog_version WHERE entity = 'base' AND code = ?1
             ORDER BY version DESC LIMIT 1",
            [code],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?;
    row.map(|(v, d)| Ok((v, serde_json::from_str(&d)?)))
        .transpose()
}

fn publish_in(
    conn: &Connection,
    entity: Entity,
    code: &str,
    effective: NaiveDate,
) -> Result<i64, StoreError> {
    let draft: Option<String> = conn
        .query_row(
            "SELECT document FROM catalog_draft WHERE entity = ?1 AND code = ?2",
            [entity.key(), code],
            |r| r.get(0),
        )
        .optional()?;
    let draft = draft.ok_or_else(|| StoreError::Conflict(format!("{code} 没有待发布的草稿")))?;
    let version: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM catalog_version WHERE entity = ?1 AND code = ?2",
        [entity.key(), code],
        |r| r.get(0),
    )?;
    let (latest_base, impls) = match entity {
        Entity::Base => (None, latest_map(conn, Entity::Implementation)?),
        Entity::Implementation => (
            latest_base(conn, &plan::draft_base_code(&draft)?)?,
            BTreeMap::new(),
        ),
    };
    let rows = plan::plan_publish(
        entity,
        code,
        &draft,
        version,
        effective,
        latest_base,
        &impls,
        Utc::now(),
    )?;
    for row in &rows {
        insert_version(conn, row)?;
    }
    conn.execute(
        "DELETE FROM catalog_draft WHERE entity = ?1 AND code = ?2",
        [entity.key(), code],
    )?;
    bump_revision(conn)?;
    Ok(version)
}

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn import_catalog(
        &self,
        batch: &CatalogBatch,
        mode: ImportMode,
    ) -> Result<ImportReport, StoreError> {
        let batch = batch.clone();
        self.write(move |conn| {
            upsert_reference(conn, &batch)?;
            let bases = latest_map(conn, Entity::Base)?;
            let impls = latest_map(conn, Entity::Implementation)?;
            let plan = plan::plan_import(&batch, mode, &bases, &impls, Utc::now())?;
            for row in &plan.versions {
                insert_version(conn, row)?;
            }
            for d in &plan.drafts {
                upsert_draft(conn, d)?;
            }
            bump_revision(conn)?;
            Ok(ImportReport {
                divisions: batch.divisions.len(),
                departments: batch.departments.len(),
                places: batch.places.len(),
                life_events: batch.life_events.len(),
                changed: plan.changed,
                unchanged: plan.unchanged,
            })
        })
        .await
    }

    async fn export_catalog(&self) -> Result<CatalogBatch, StoreError> {
        self.read(|conn| {
            let matters = plan::export_matters(
                &latest_map(conn, Entity::Base)?,
                &latest_map(conn, Entity::Implementation)?,
            )?;
            Ok(CatalogBatch {
                divisions: documents(conn, "SELECT document FROM division ORDER BY code")?,
                departments: documents(conn, "SELECT document FROM department ORDER BY code")?,
                places: documents(conn, "SELECT document FROM service_place ORDER BY code")?,
                life_events: documents(conn, "SELECT document FROM life_event ORDER BY key")?,
                matters,
            })
        })
        .await
    }

    async fn divisions(&self) -> Result<Vec<Division>, StoreError> {
        self.read(|c| documents(c, "SELECT document FROM division ORDER BY code"))
            .await
    }

    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        self.read(|c| documents(c, "SELECT document FROM department ORDER BY code"))
            .await
    }

    async fn places(&self) -> Result<Vec<ServicePlace>, StoreError> {
        self.read(|c| documents(c, "SELECT document FROM service_place ORDER BY code"))
            .await
    }

    async fn life_events(&self) -> Result<Vec<LifeEvent>, StoreError> {
        self.read(|c| documents(c, "SELECT document FROM life_event ORDER BY key"))
            .await
    }

    async fn implementation_summaries(
        &self,
        on: NaiveDate,
    ) -> Result<Vec<ImplementationSummary>, StoreError> {
        self.read(move |conn| {
            documents_with(
                conn,
                "SELECT summary FROM catalog_version v
                 WHERE entity = 'implementation' AND version = (
                   SELECT MAX(version) FROM catalog_version w
                   WHERE w.entity = 'implementation' AND w.code = v.code AND w.effective_from <= ?1)
                 ORDER BY code",
                &on.to_string(),
            )
        })
        .await
    }

    async fn implementation(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<PublishedImplementation>, StoreError> {
        let sql = CURRENT.replace("{col}", "resolved");
        Ok(self
            .read_point(|conn| {
                one_version(conn, &sql, params!["implementation", code, on.to_string()])
            })?
            .map(|(info, resolved)| PublishedImplementation { info, resolved }))
    }

    async fn implementation_version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<PublishedImplementation>, StoreError> {
        let sql = "SELECT version, effective_from, published_at, resolved FROM catalog_version
                   WHERE entity = 'implementation' AND code = ?1 AND version = ?2";
        Ok(self
            .read_point(|conn| one_version(conn, sql, params![code, version]))?
            .map(|(info, resolved)| PublishedImplementation { info, resolved }))
    }

    async fn base_matter(
        &self,
        code: &str,
        on: NaiveDate,
    ) -> Result<Option<PublishedBase>, StoreError> {
        let sql = CURRENT.replace("{col}", "document");
        Ok(self
            .read_point(|conn| one_version(conn, &sql, params!["base", code, on.to_string()]))?
            .map(|(info, matter)| PublishedBase { info, matter }))
    }

    async fn history(&self, entity: Entity, code: &str) -> Result<History, StoreError> {
        let code = code.to_string();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT version, effective_from, published_at, '' FROM catalog_version
                 WHERE entity = ?1 AND code = ?2 ORDER BY version DESC",
            )?;
            let mut rows = stmt.query([entity.key(), code.as_str()])?;
            let mut versions = Vec::new();
            while let Some(row) = rows.next()? {
                versions.push(info_of(row)?.0);
            }
            let draft: Option<String> = conn
                .query_row(
                    "SELECT document FROM catalog_draft WHERE entity = ?1 AND code = ?2",
                    [entity.key(), code.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            let draft = draft.map(|d| serde_json::from_str(&d)).transpose()?;
            Ok(History { versions, draft })
        })
        .await
    }

    async fn save_draft(&self, draft: Draft) -> Result<(), StoreError> {
        let row = plan::draft_row(&draft)?;
        self.write(move |conn| upsert_draft(conn, &row)).await
    }

    async fn publish(
        &self,
        entity: Entity,
        code: &str,
        effective_from: NaiveDate,
    ) -> Result<i64, StoreError> {
        let code = code.to_string();
        self.write(move |conn| publish_in(conn, entity, &code, effective_from))
            .await
    }

    async fn catalog_revision(&self) -> Result<i64, StoreError> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT value FROM catalog_meta WHERE key = 'revision'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
    }
}

fn documents_with<T: DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    arg: &str,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let docs = stmt
        .query_map([arg], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    docs.iter().map(|d| Ok(serde_json::from_str(d)?)).collect()
}
