//! What the store hands out: versioned catalog entries and summaries.

use chrono::{DateTime, NaiveDate, Utc};
use onetrip_domain::catalog::matter::{BaseMatter, ResolvedImplementation};
use onetrip_domain::codes::{MatterType, OnlineDepth, ServiceObject};
use serde::{Deserialize, Serialize};

/// Which kind of catalog entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Base,
    Implementation,
}

impl Entity {
    pub fn key(self) -> &'static str {
        match self {
            Entity::Base => "base",
            Entity::Implementation => "implementation",
        }
    }
}

/// Publish every changed entry, or only stage drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// New versions, in force from each file's effective date (or the given date).
    Publish {
        default_effective: NaiveDate,
    },
    Draft,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub divisions: usize,
    pub departments: usize,
    pub places: usize,
    pub life_events: usize,
    /// Entries that got a new version (or draft).
    pub changed: Vec<String>,
    /// Entries whose content was already the latest version.
    pub unchanged: usize,
}

/// Metadata of one published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    pub version: i64,
    pub effective_from: NaiveDate,
    pub published_at: DateTime<Utc>,
}

/// A published base matter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedBase {
    pub info: VersionInfo,
    pub matter: BaseMatter,
}

/// A published implementation, resolved against the base version it was published under.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedImplementation {
    pub info: VersionInfo,
    pub resolved: ResolvedImplementation,
}

/// The draft and versions of one entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    pub versions: Vec<VersionInfo>,
    pub draft: Option<serde_json::Value>,
}

/// A draft to save: the entry's document as written (base matter, or implementation
/// with its base code).
#[derive(Debug, Clone, PartialEq)]
pub enum Draft {
    Base(BaseMatter),
    Implementation {
        base_code: String,
        implementation: onetrip_domain::catalog::Implementation,
    },
}

/// The few fields lists, filters and the search index need, kept small so the whole
/// catalog's summaries load fast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImplementationSummary {
    pub code: String,
    pub version: i64,
    pub base_code: String,
    pub name: String,
    pub matter_type: MatterType,
    pub division: String,
    pub department: String,
    pub summary: String,
    pub service_objects: Vec<ServiceObject>,
    pub life_events: Vec<String>,
    pub keywords: Vec<String>,
    pub materials: Vec<String>,
    pub visits: u8,
    pub online_depth: OnlineDepth,
    pub promised_days: u16,
}

impl ImplementationSummary {
    /// The summary of a resolved implementation.
    pub fn of(version: i64, r: &ResolvedImplementation) -> Self {
        ImplementationSummary {
            code: r.implementation.code.to_string(),
            version,
            base_code: r.base_code.to_string(),
            name: r.name.clone(),
            matter_type: r.matter_type,
            division: r.implementation.division.to_string(),
            department: r.implementation.department.to_string(),
            summary: r.content.summary.clone(),
            service_objects: r.content.service_objects.clone(),
            life_events: r.content.life_events.clone(),
            keywords: r.content.keywords.clone(),
            materials: r.content.materials.iter().map(|m| m.name.clone()).collect(),
            visits: r.content.visits,
            online_depth: r.content.online_depth,
            promised_days: r.content.promised_limit.days,
        }
    }
}
