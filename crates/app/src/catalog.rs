//! The catalog administrator's work: the implementations in their scope, drafts checked
//! like an import (unknown fields, bad codes, contradictions with the base matter, flow
//! errors), a preview of a draft's guide, and publication with an effective date. Another
//! township's implementation looks like nothing at all (404, recorded); drafts and
//! publications are journaled.

use crate::{App, Error, Signed};
use chrono::NaiveDate;
use onetrip_domain::access::{check, Permission, Scope};
use onetrip_domain::audit::{AuditEvent, Outcome};
use onetrip_domain::catalog::file::{CatalogBatch, MatterFile};
use onetrip_domain::catalog::matter::ResolvedImplementation;
use onetrip_domain::catalog::validate::validate_batch;
use onetrip_domain::catalog::Implementation;
use onetrip_domain::message::Message;
use onetrip_domain::Division;
use onetrip_store::{
    Draft, Entity, ImplementationSummary, PublishedBase, PublishedImplementation, VersionInfo,
};
use std::collections::BTreeMap;

/// An implementation as its editor opens it.
#[derive(Debug, Clone)]
pub struct DraftText {
    pub summary: ImplementationSummary,
    /// The draft, or else the version in force, as TOML.
    pub text: String,
    pub has_draft: bool,
    /// Published versions, newest first.
    pub versions: Vec<VersionInfo>,
}

/// What saving a draft came to.
#[derive(Debug, Clone)]
pub enum DraftSaved {
    Saved,
    /// Not saved: each problem names its line or field.
    Rejected(Vec<String>),
}

fn in_scope_of(
    signed: &Signed,
    s: &ImplementationSummary,
    divisions: &BTreeMap<String, Division>,
) -> bool {
    let scope = Scope {
        division: &s.division,
        matter: Some(&s.base_code),
    };
    check(&signed.grants, Permission::EditCatalog, scope, divisions).is_ok()
}

fn draft_implementation(doc: &serde_json::Value) -> Result<Implementation, Error> {
    serde_json::from_value(doc.get("implementation").cloned().unwrap_or_default())
        .map_err(|e| Error::Internal(format!("stored draft: {e}")))
}

impl App {
    async fn divisions(&self) -> Result<BTreeMap<String, Division>, Error> {
        Ok(self
            .store
            .divisions()
            .await?
            .into_iter()
            .map(|d| (d.code.to_string(), d))
            .collect())
    }

    /// The implementations in force today that the administrator's grants cover.
    pub async fn editable_implementations(
        &self,
        signed: &Signed,
    ) -> Result<Vec<ImplementationSummary>, Error> {
        let divisions = self.divisions().await?;
        let all = self
            .store
            .implementation_summaries(self.clock.today())
            .await?;
        Ok(all
            .into_iter()
            .filter(|s| in_scope_of(signed, s, &divisions))
            .collect())
    }

    /// The implementation if the administrator's grants cover it; otherwise 404 and an
    /// access-denied record.
    async fn editable(&self, signed: &Signed, code: &str) -> Result<ImplementationSummary, Error> {
        let today = self.clock.today();
        let found = self.store.implementation(code, today).await?;
        let summary = found
            .map(|p| ImplementationSummary::of(p.info.version, &p.resolved))
            .ok_or_else(|| Error::NotFound(code.to_string()))?;
        if in_scope_of(signed, &summary, &self.divisions().await?) {
            return Ok(summary);
        }
        let mut record = signed.audit(
            self.clock.now(),
            AuditEvent::AccessDenied,
            Some(format!("catalog {code}")),
            Outcome::Denied,
        );
        record.detail = "outside the catalog administrator's divisions".into();
        self.store.append_audit(record).await?;
        Err(Error::NotFound(code.to_string()))
    }

    /// The draft of an implementation, or its version in force, to edit.
    pub async fn draft_text(&self, signed: &Signed, code: &str) -> Result<DraftText, Error> {
        let summary = self.editable(signed, code).await?;
        let history = self.store.history(Entity::Implementation, code).await?;
        let imp = match &history.draft {
            Some(doc) => draft_implementation(doc)?,
            None => {
                self.store
                    .implementation(code, self.clock.today())
                    .await?
                    .ok_or_else(|| Error::NotFound(code.to_string()))?
                    .resolved
                    .implementation
            }
        };
        let text = toml::to_string_pretty(&imp).map_err(|e| Error::Internal(e.to_string()))?;
        Ok(DraftText {
            summary,
            text,
            has_draft: history.draft.is_some(),
            versions: history.versions,
        })
    }

    async fn base_of(&self, summary: &ImplementationSummary) -> Result<PublishedBase, Error> {
        self.store
            .base_matter(&summary.base_code, self.clock.today())
            .await?
            .ok_or_else(|| Error::NotFound(summary.base_code.clone()))
    }

    /// Checks an edited implementation against its base and the reference data, as an
    /// import would, and saves it as the draft when it passes.
    pub async fn save_draft(
        &self,
        signed: &Signed,
        code: &str,
        text: &str,
    ) -> Result<DraftSaved, Error> {
        let summary = self.editable(signed, code).await?;
        let base = self.base_of(&summary).await?;
        let imp: Implementation = match toml::from_str(text) {
            Ok(imp) => imp,
            Err(e) => return Ok(DraftSaved::Rejected(vec![e.to_string()])),
        };
        if imp.code.as_str() != summary.code {
            let problem = format!("code：实施编码不能改（应为 {}）", summary.code);
            return Ok(DraftSaved::Rejected(vec![problem]));
        }
        let batch = CatalogBatch {
            divisions: self.store.divisions().await?,
            departments: self.store.departments().await?,
            places: self.store.places().await?,
            life_events: self.store.life_events().await?,
            matters: vec![MatterFile {
                matter: base.matter,
                implementation: vec![imp.clone()],
            }],
        };
        let problems = validate_batch(&batch);
        if !problems.is_empty() {
            let problems = problems
                .iter()
                .map(|p| format!("{}：{}", p.path, p.message))
                .collect();
            return Ok(DraftSaved::Rejected(problems));
        }
        let draft = Draft::Implementation {
            base_code: summary.base_code.clone(),
            implementation: imp,
        };
        self.store.save_draft(draft, self.clock.now()).await?;
        let record = signed.audit(
            self.clock.now(),
            AuditEvent::CatalogDraftSaved,
            Some(code.to_string()),
            Outcome::Success,
        );
        self.store.append_audit(record).await?;
        Ok(DraftSaved::Saved)
    }

    /// The guide the draft would publish, as of today.
    pub async fn preview_draft(
        &self,
        signed: &Signed,
        code: &str,
    ) -> Result<PublishedImplementation, Error> {
        let summary = self.editable(signed, code).await?;
        let history = self.store.history(Entity::Implementation, code).await?;
        let Some(doc) = history.draft else {
            return Err(Error::NotFound(format!("{code} draft")));
        };
        let imp = draft_implementation(&doc)?;
        let base = self.base_of(&summary).await?;
        Ok(PublishedImplementation {
            info: VersionInfo {
                version: 0,
                effective_from: self.clock.today(),
                published_at: self.clock.now(),
            },
            resolved: ResolvedImplementation::resolve(&base.matter, base.info.version, &imp),
        })
    }

    /// Publishes the draft as a new version in force from `effective` (`YYYY-MM-DD`, today
    /// or later); the version number.
    pub async fn publish_draft(
        &self,
        signed: &Signed,
        code: &str,
        effective: &str,
    ) -> Result<i64, Error> {
        self.editable(signed, code).await?;
        let effective = NaiveDate::parse_from_str(effective.trim(), "%Y-%m-%d")
            .map_err(|_| Error::invalid("effective", Message::new("invalid-date")))?;
        if effective < self.clock.today() {
            return Err(Error::invalid(
                "effective",
                Message::new("invalid-effective-past"),
            ));
        }
        let now = self.clock.now();
        let version = self
            .store
            .publish(Entity::Implementation, code, effective, now)
            .await?;
        self.cases.catalog_changed();
        let mut record = signed.audit(
            now,
            AuditEvent::CatalogPublished,
            Some(code.to_string()),
            Outcome::Success,
        );
        record.detail = format!("version {version} from {effective}");
        self.store.append_audit(record).await?;
        Ok(version)
    }
}
