//! A task: one step of a case's flow in one round, as the engine runs it.

use super::law::Limit;
use crate::codes::StepRole;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Waiting to be claimed.
    Open,
    /// Taken by someone.
    Claimed,
    /// Decided in a department's own system; waiting for its result.
    External,
    /// The applicant is correcting what this task asked for.
    Correction,
    Done,
    /// Cancelled by a send-back, a recall or the case's end.
    Cancelled,
}

impl TaskState {
    pub fn key(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Claimed => "claimed",
            TaskState::External => "external",
            TaskState::Correction => "correction",
            TaskState::Done => "done",
            TaskState::Cancelled => "cancelled",
        }
    }

    /// Still to be done.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            TaskState::Open | TaskState::Claimed | TaskState::External | TaskState::Correction
        )
    }
}

/// How a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Deny,
    /// The step's condition did not hold.
    Skipped,
}

/// One step's work in one round (a send-back starts a new round of the step).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub step: String,
    pub round: u32,
    pub role: StepRole,
    /// Credit code of the department that does it.
    pub department: String,
    pub state: TaskState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Who decided it (for external steps, who entered the result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// An external step's decision document, by its number in the department's system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    pub opened: NaiveDate,
    pub limit: Limit,
    /// A co-signer's task: the task it signs beside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosigns: Option<String>,
    /// Passed its limit and shown to the supervisor.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub escalated: bool,
}
