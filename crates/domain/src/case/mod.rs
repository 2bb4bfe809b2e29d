//! Applications and cases: what is submitted once, the handling of each matter in it, the
//! law's clock over it, and the flow engine that moves it through the back office.

pub mod consent;
pub mod engine;
pub mod intake;
pub mod journal;
pub mod law;
pub mod lifecycle;
mod task;
pub mod upload;
mod work;
pub use work::External;

pub use engine::{Decision, Engine, FlowError, Outcome, Task, TaskState, Verdict};
pub use intake::{FormData, Gap, Intake, MaterialsPresented, Presented};
pub use law::{Limit, Pause, Urgency};
pub use lifecycle::{
    CaseDoc, CaseError, Conclusion, Confirmation, Deficiency, Delivery, DeliveryMethod,
};

use crate::division::DivisionCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Received; the window has not decided on it yet.
    Submitted,
    /// A complete notice (一次性告知) was given; waiting for what is missing.
    Incomplete,
    /// Not accepted, with a reason.
    Refused,
    /// Accepted; the back office is working on it.
    InProgress,
    /// Returned to the applicant for correction; the clock stands still.
    Correction,
    /// The back office has decided; waiting to be concluded at a window.
    Decided,
    /// Concluded with a decision document.
    Concluded,
    /// The result was handed out (or sent).
    Delivered,
    /// Ended because a deferred material (容缺) was not supplied in time.
    Terminated,
}

impl CaseState {
    pub const ALL: &'static [CaseState] = &[
        CaseState::Submitted,
        CaseState::Incomplete,
        CaseState::Refused,
        CaseState::InProgress,
        CaseState::Correction,
        CaseState::Decided,
        CaseState::Concluded,
        CaseState::Delivered,
        CaseState::Terminated,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CaseState::Submitted => "submitted",
            CaseState::Incomplete => "incomplete",
            CaseState::Refused => "refused",
            CaseState::InProgress => "in_progress",
            CaseState::Correction => "correction",
            CaseState::Decided => "decided",
            CaseState::Concluded => "concluded",
            CaseState::Delivered => "delivered",
            CaseState::Terminated => "terminated",
        }
    }

    pub fn from_key(key: &str) -> Option<CaseState> {
        CaseState::ALL.iter().copied().find(|s| s.key() == key)
    }

    /// No further change is possible.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseState::Refused | CaseState::Delivered | CaseState::Terminated
        )
    }
}

/// A readable case number made without a global sequence: the issuing division, the node
/// that issued it, the day, and that node's counter for the day, e.g.
/// `331199-01-20260302-000042`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CaseNumber(String);

impl CaseNumber {
    pub fn new(division: &DivisionCode, node: u16, day: NaiveDate, counter: u64) -> CaseNumber {
        CaseNumber(format!(
            "{division}-{node:02}-{}-{counter:06}",
            day.format("%Y%m%d")
        ))
    }

    /// The prefix every number of a node and day starts with.
    pub fn prefix(division: &DivisionCode, node: u16, day: NaiveDate) -> String {
        format!("{division}-{node:02}-{}-", day.format("%Y%m%d"))
    }

    /// The counter of a number issued under `prefix`, if it is one.
    pub fn counter_after(number: &str, prefix: &str) -> Option<u64> {
        number.strip_prefix(prefix)?.parse().ok()
    }

    /// A number as written, checked for its shape.
    pub fn parse(s: &str) -> Option<CaseNumber> {
        let parts: Vec<&str> = s.split('-').collect();
        let digits = |p: &str, n: std::ops::RangeInclusive<usize>| {
            n.contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit())
        };
        let ok = parts.len() == 4
            && DivisionCode::parse(parts[0]).is_ok()
            && digits(parts[1], 2..=4)
            && digits(parts[2], 8..=8)
            && digits(parts[3], 6..=12);
        ok.then(|| CaseNumber(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_read_as_division_node_day_counter() {
        let division = DivisionCode::parse("331199001").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let n = CaseNumber::new(&division, 1, day, 42);
        assert_eq!(n.as_str(), "331199001-01-20260302-000042");
        assert_eq!(CaseNumber::parse(n.as_str()), Some(n.clone()));
        let prefix = CaseNumber::prefix(&division, 1, day);
        assert_eq!(CaseNumber::counter_after(n.as_str(), &prefix), Some(42));
        assert_eq!(CaseNumber::parse("331199001-01-2026032-000042"), None);
        assert_eq!(CaseNumber::parse("x-01-20260302-000042"), None);
        for s in CaseState::ALL {
            assert_eq!(CaseState::from_key(s.key()), Some(*s));
        }
    }
}
