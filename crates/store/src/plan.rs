//! Backend-neutral planning of catalog writes: which entries get a new version, with what
//! documents. Backends only run the SQL.

use crate::model::{Draft, Entity, ImplementationSummary, ImportMode};
use crate::StoreError;
use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::catalog::file::{CatalogBatch, MatterFile};
use onetrip_domain::catalog::matter::{BaseMatter, Implementation, ResolvedImplementation};
use std::collections::BTreeMap;

/// The latest stored version of an entry: its number and document.
#[derive(Debug, Clone)]
pub(crate) struct Latest {
    pub version: i64,
    pub document: String,
    pub base_version: Option<i64>,
}

/// One version row to insert.
#[derive(Debug, Clone)]
pub(crate) struct VersionRow {
    pub id: uuid::Uuid,
    pub entity: Entity,
    pub code: String,
    pub version: i64,
    pub base_code: Option<String>,
    pub base_version: Option<i64>,
    pub name: String,
    pub division: Option<String>,
    pub department: Option<String>,
    pub effective_from: NaiveDate,
    pub published_at: DateTime<Utc>,
    pub document: String,
    pub resolved: Option<String>,
    pub summary: Option<String>,
}

/// One draft row to upsert.
#[derive(Debug, Clone)]
pub(crate) struct DraftRow {
    pub entity: Entity,
    pub code: String,
    pub base_code: Option<String>,
    pub document: String,
}

#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub versions: Vec<VersionRow>,
    pub drafts: Vec<DraftRow>,
    pub changed: Vec<String>,
    pub unchanged: usize,
}

/// The stored document of an implementation: the implementation and its base code.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct ImplementationDocument {
    pub base_code: String,
    pub implementation: Implementation,
}

pub(crate) fn resolve(
    base: &BaseMatter,
    base_version: i64,
    imp: &Implementation,
) -> ResolvedImplementation {
    ResolvedImplementation::resolve(base, base_version, imp)
}

pub(crate) fn implementation_row(
    base: &BaseMatter,
    base_version: i64,
    imp: &Implementation,
    version: i64,
    effective_from: NaiveDate,
    now: DateTime<Utc>,
) -> Result<VersionRow, StoreError> {
    let resolved = resolve(base, base_version, imp);
    let summary = ImplementationSummary::of(version, &resolved);
    Ok(VersionRow {
        id: uuid::Uuid::now_v7(),
        entity: Entity::Implementation,
        code: imp.code.to_string(),
        version,
        base_code: Some(base.code.to_string()),
        base_version: Some(base_version),
        name: base.name.clone(),
        division: Some(imp.division.to_string()),
        department: Some(imp.department.to_string()),
        effective_from,
        published_at: now,
        document: implementation_document(base, imp)?,
        resolved: Some(serde_json::to_string(&resolved)?),
        summary: Some(serde_json::to_string(&summary)?),
    })
}

pub(crate) fn base_row(
    base: &BaseMatter,
    version: i64,
    effective_from: NaiveDate,
    now: DateTime<Utc>,
) -> Result<VersionRow, StoreError> {
    Ok(VersionRow {
        id: uuid::Uuid::now_v7(),
        entity: Entity::Base,
        code: base.code.to_string(),
        version,
        base_code: None,
        base_version: None,
        name: base.name.clone(),
        division: None,
        department: None,
        effective_from,
        published_at: now,
        document: serde_json::to_string(base)?,
        resolved: None,
        summary: None,
    })
}

fn implementation_document(base: &BaseMatter, imp: &Implementation) -> Result<String, StoreError> {
    Ok(serde_json::to_string(&ImplementationDocument {
        base_code: base.code.to_string(),
        implementation: imp.clone(),
    })?)
}

/// Plans an import against the latest stored versions.
pub(crate) fn plan_import(
    batch: &CatalogBatch,
    mode: ImportMode,
    latest_bases: &BTreeMap<String, Latest>,
    latest_impls: &BTreeMap<String, Latest>,
    now: DateTime<Utc>,
) -> Result<Plan, StoreError> {
    let mut plan = Plan::default();
    for MatterFile {
        matter: base,
        implementation,
    } in &batch.matters
    {
        let code = base.code.to_string();
        let doc = serde_json::to_string(base)?;
        let prior = latest_bases.get(&code);
        let base_changed = prior.is_none_or(|p| p.document != doc);
        let base_version = match (mode, base_changed) {
            (_, false) => {
                plan.unchanged += 1;
                prior.map_or(1, |p| p.version)
            }
            (ImportMode::Draft, true) => {
                plan.drafts.push(DraftRow {
                    entity: Entity::Base,
                    code: code.clone(),
                    base_code: None,
                    document: doc,
                });
                plan.changed
                    .push(format!("基本目录 {code} {}（草稿）", base.name));
                prior.map_or(0, |p| p.version)
            }
            (ImportMode::Publish { .. }, true) => {
                let v = prior.map_or(1, |p| p.version + 1);
                plan.versions
                    .push(base_row(base, v, base.effective_date, now)?);
                plan.changed
                    .push(format!("基本目录 {code} {} 第 {v} 版", base.name));
                v
            }
        };
        for imp in implementation {
            let icode = imp.code.to_string();
            let idoc = implementation_document(base, imp)?;
            let prior = latest_impls.get(&icode);
            let same =
                prior.is_some_and(|p| p.document == idoc && p.base_version == Some(base_version));
            if same {
                plan.unchanged += 1;
                continue;
            }
            match mode {
                ImportMode::Draft => {
                    plan.drafts.push(DraftRow {
                        entity: Entity::Implementation,
                        code: icode.clone(),
                        base_code: Some(code.clone()),
                        document: idoc,
                    });
                    plan.changed.push(format!("实施清单 {icode}（草稿）"));
                }
                ImportMode::Publish { default_effective } => {
                    let v = prior.map_or(1, |p| p.version + 1);
                    let effective = imp
                        .effective_date
                        .unwrap_or(default_effective.max(base.effective_date));
                    plan.versions.push(implementation_row(
                        base,
                        base_version,
                        imp,
                        v,
                        effective,
                        now,
                    )?);
                    plan.changed.push(format!("实施清单 {icode} 第 {v} 版"));
                }
            }
        }
    }
    Ok(plan)
}

/// The entity and code of a draft, and its stored document.
pub(crate) fn draft_row(draft: &Draft) -> Result<DraftRow, StoreError> {
    Ok(match draft {
        Draft::Base(b) => DraftRow {
            entity: Entity::Base,
            code: b.code.to_string(),
            base_code: None,
            document: serde_json::to_string(b)?,
        },
        Draft::Implementation {
            base_code,
            implementation,
        } => DraftRow {
            entity: Entity::Implementation,
            code: implementation.code.to_string(),
            base_code: Some(base_code.clone()),
            document: serde_json::to_string(&ImplementationDocument {
                base_code: base_code.clone(),
                implementation: implementation.clone(),
            })?,
        },
    })
}

/// The version rows publishing a draft creates: the entry's new version and, for a base
/// matter, a re-resolved version of each of its implementations.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan_publish(
    entity: Entity,
    code: &str,
    draft: &str,
    version: i64,
    effective: NaiveDate,
    latest_base: Option<(i64, BaseMatter)>,
    latest_impls: &BTreeMap<String, Latest>,
    now: DateTime<Utc>,
) -> Result<Vec<VersionRow>, StoreError> {
    match entity {
        Entity::Base => {
            let base: BaseMatter = serde_json::from_str(draft)?;
            let mut rows = vec![base_row(&base, version, effective, now)?];
            for latest in latest_impls.values() {
                let doc: ImplementationDocument = serde_json::from_str(&latest.document)?;
                if doc.base_code == code {
                    rows.push(implementation_row(
                        &base,
                        version,
                        &doc.implementation,
                        latest.version + 1,
                        effective,
                        now,
                    )?);
                }
            }
            Ok(rows)
        }
        Entity::Implementation => {
            let doc: ImplementationDocument = serde_json::from_str(draft)?;
            let (base_version, base) = latest_base.ok_or_else(|| {
                StoreError::Conflict(crate::Conflict::BaseUnpublished(doc.base_code.clone()))
            })?;
            Ok(vec![implementation_row(
                &base,
                base_version,
                &doc.implementation,
                version,
                effective,
                now,
            )?])
        }
    }
}

/// The base code an implementation draft names (for fetching that base before publishing).
pub(crate) fn draft_base_code(draft: &str) -> Result<String, StoreError> {
    Ok(serde_json::from_str::<ImplementationDocument>(draft)?.base_code)
}

/// Groups the latest documents into matter files, for export.
pub(crate) fn export_matters(
    bases: &BTreeMap<String, Latest>,
    impls: &BTreeMap<String, Latest>,
) -> Result<Vec<MatterFile>, StoreError> {
    let mut matters: Vec<MatterFile> = Vec::new();
    let mut index = BTreeMap::new();
    for latest in bases.values() {
        let matter: BaseMatter = serde_json::from_str(&latest.document)?;
        index.insert(matter.code.to_string(), matters.len());
        matters.push(MatterFile {
            matter,
            implementation: Vec::new(),
        });
    }
    for latest in impls.values() {
        let doc: ImplementationDocument = serde_json::from_str(&latest.document)?;
        if let Some(file) = index.get(&doc.base_code).and_then(|i| matters.get_mut(*i)) {
            file.implementation.push(doc.implementation);
        }
    }
    Ok(matters)
}
