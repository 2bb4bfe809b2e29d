//! Cases: submission at any window, through the API or online; acceptance (in full, with a
//! deficiency, deemed), refusal and the complete notice; the back office's inbox and flow;
//! conclusion with a decision and handing out; the journal; and the duties that run on
//! their own (deemed acceptance, expired deficiencies, escalation, checkpoints); and the
//! applicant's side: drafts, uploaded files, following a case, receipts.

mod act;
mod confirm;
mod correct;
mod files;
mod follow;
mod online;
mod read;
pub mod runtime;
mod scope;
mod submit;
mod supervise;
mod sweep;
mod view;
mod window;

pub use act::{Acted, LiveTask};
pub use correct::CorrectionRequest;
pub use follow::{CurrentStep, MyCase, Receipt, Timeline, TimelineEvent};
pub use online::{AttachmentView, DraftMaterial, DraftUpdate, DraftView, NewDraft, NotOnline};
pub use read::{Inbox, InboxLine, JournalView};
pub use runtime::CaseRuntime;
pub use scope::AcceptScope;
pub use submit::{ApplicantRef, ApplicationRequest, CaseBrief, Submitted};
pub use supervise::{CaseAttention, Supervision};
pub use sweep::SweepReport;
pub use view::{CaseView, GapView, LimitView, TaskView};
pub use window::{ApplicationForm, MatterChoice};

use serde::Deserialize;
use utoipa::ToSchema;

/// A decision on a claimed task.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// `pass`, `return` (for correction) or `deny`.
    #[schema(pattern = "^(pass|return|deny)$")]
    pub decision: String,
    /// Required to return or deny: what to correct, or why not.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Acceptance at the window.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AcceptRequest {
    /// Accept with deferred materials (容缺) due by this date (YYYY-MM-DD).
    #[serde(default)]
    pub deficiency_due: Option<String>,
}

/// How the applicant confirmed an application the window entered.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ConfirmationRequest {
    /// `second_screen` or `signed_paper`.
    #[schema(pattern = "^(second_screen|signed_paper)$")]
    pub how: String,
}

/// Handing out a concluded case's result.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DeliveryRequest {
    /// `window`, `electronic` or `post`.
    #[schema(pattern = "^(window|electronic|post)$")]
    pub method: String,
    /// The postal address, for `post`; the one given with the application when omitted.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address: Option<String>,
    /// The postal tracking number, required for `post`.
    #[serde(default)]
    #[schema(max_length = 40)]
    pub tracking: Option<String>,
}

/// An external step's result, from a department's own system or entered by hand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExternalResult {
    /// Whether the department's system passed it.
    pub pass: bool,
    /// The number of the decision document in that system (e.g. 民审〔2026〕12号).
    #[schema(min_length = 1, max_length = 100)]
    pub document: String,
    /// Why it was denied (required with `pass: false`).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// The result of the later check a case's commitments promised.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CommitmentCheckRequest {
    /// Whether what the applicant committed to was found true.
    pub truthful: bool,
    /// What was found (required when not true).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Back-office moves on a task the caller holds.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TaskMove {
    /// Back to an earlier step, with a reason.
    SendBack { to: String, reason: String },
    /// Take back one's decision while the next step is unclaimed.
    Recall,
    /// Add a colleague (account id) as co-signer.
    Cosign { colleague: String },
    /// Hand the task to a colleague (account id).
    HandOver { colleague: String },
}
