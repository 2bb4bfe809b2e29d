//! Acting for someone else: a legal representative or an authorized agent for an
//! organization, a relative or a village agent (帮办代办) for a person. Every authority
//! except a legal representative's rests on a recorded authorization.

use crate::message::{Explain, Message};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// In what capacity the agent acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    /// 法定代表人 of an organization.
    LegalRepresentative,
    /// 经办人 authorized by an organization.
    AuthorizedAgent,
    /// A relative authorized by a person.
    Relative,
    /// A village agent (代办员) authorized by a person.
    VillageAgent,
}

impl Capacity {
    pub const ALL: &'static [Capacity] = &[
        Capacity::LegalRepresentative,
        Capacity::AuthorizedAgent,
        Capacity::Relative,
        Capacity::VillageAgent,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Capacity::LegalRepresentative => "legal_representative",
            Capacity::AuthorizedAgent => "authorized_agent",
            Capacity::Relative => "relative",
            Capacity::VillageAgent => "village_agent",
        }
    }

    pub fn from_key(key: &str) -> Option<Capacity> {
        Capacity::ALL.iter().copied().find(|c| c.key() == key)
    }

    /// The Chinese name, for messages on the command line and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Capacity::LegalRepresentative => "法定代表人",
            Capacity::AuthorizedAgent => "经办人",
            Capacity::Relative => "亲属",
            Capacity::VillageAgent => "代办员",
        }
    }

    /// Whether the principal is an organization (else a person).
    pub fn for_organization(self) -> bool {
        matches!(
            self,
            Capacity::LegalRepresentative | Capacity::AuthorizedAgent
        )
    }
}

/// Whom the agent acts for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Principal {
    /// By unified social credit code.
    Organization(String),
    /// By account id.
    Person(String),
}

/// One authority to act for someone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representation {
    /// The agent's account id.
    pub agent: String,
    pub principal: Principal,
    pub capacity: Capacity,
    /// The recorded authorization (e.g. the number of a signed power of attorney kept at the
    /// window).
    pub authorization: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

/// Why a representation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepresentationError {
    #[error("“{0}”只能代表单位，不能代表个人")]
    NeedsOrganization(Capacity),
    #[error("“{0}”只能代表个人，不能代表单位")]
    NeedsPerson(Capacity),
    #[error("须登记授权委托书编号")]
    NoAuthorization,
    #[error("授权的截止日期早于起始日期")]
    Backwards,
    #[error("不能代表自己")]
    Itself,
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Explain for RepresentationError {
    fn explain(&self) -> Message {
        match self {
            RepresentationError::NeedsOrganization(c) => {
                Message::new("invalid-representation-needs-organization")
                    .label("capacity", format!("capacity-{}", c.key()))
            }
            RepresentationError::NeedsPerson(c) => {
                Message::new("invalid-representation-needs-person")
                    .label("capacity", format!("capacity-{}", c.key()))
            }
            RepresentationError::NoAuthorization => {
                Message::new("invalid-representation-no-authorization")
            }
            RepresentationError::Backwards => Message::new("invalid-representation-backwards"),
            RepresentationError::Itself => Message::new("invalid-representation-itself"),
        }
    }
}

impl Representation {
    /// Checks that the capacity fits the principal, that an authorization is recorded where
    /// one is needed, and that the dates make sense.
    pub fn validate(&self) -> Result<(), RepresentationError> {
        let name = self.capacity;
        match (&self.principal, self.capacity.for_organization()) {
            (Principal::Person(_), true) => {
                return Err(RepresentationError::NeedsOrganization(name))
            }
            (Principal::Organization(_), false) => {
                return Err(RepresentationError::NeedsPerson(name))
            }
            (Principal::Person(p), false) if *p == self.agent => {
                return Err(RepresentationError::Itself)
            }
            _ => {}
        }
        let recorded = self
            .authorization
            .as_deref()
            .is_some_and(|a| !crate::text::is_blank(a));
        if self.capacity != Capacity::LegalRepresentative && !recorded {
            return Err(RepresentationError::NoAuthorization);
        }
        if self.valid_until.is_some_and(|u| u < self.valid_from) {
            return Err(RepresentationError::Backwards);
        }
        Ok(())
    }

    /// Whether it is in force on a date.
    pub fn in_force(&self, on: NaiveDate) -> bool {
        self.valid_from <= on && self.valid_until.is_none_or(|u| on <= u)
    }
}

/// Whether `agent` may act for `principal` on `on`.
pub fn acts_for(
    reps: &[Representation],
    agent: &str,
    principal: &Principal,
    on: NaiveDate,
) -> bool {
    reps.iter()
        .any(|r| r.agent == agent && r.principal == *principal && r.in_force(on))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn village_agent() -> Representation {
        Representation {
            agent: "agent".into(),
            principal: Principal::Person("elder".into()),
            capacity: Capacity::VillageAgent,
            authorization: Some("桃源乡代办委托 2026-031".into()),
            valid_from: day(3, 1),
            valid_until: Some(day(12, 31)),
        }
    }

    #[test]
    fn a_village_agent_needs_a_recorded_authorization_and_acts_within_its_dates() {
        let r = village_agent();
        assert_eq!(r.validate(), Ok(()));
        assert!(acts_for(
            std::slice::from_ref(&r),
            "agent",
            &Principal::Person("elder".into()),
            day(3, 2)
        ));
        assert!(!acts_for(
            std::slice::from_ref(&r),
            "agent",
            &Principal::Person("elder".into()),
            day(2, 28)
        ));
        assert!(!acts_for(
            std::slice::from_ref(&r),
            "agent",
            &Principal::Person("other".into()),
            day(3, 2)
        ));
        let unrecorded = Representation {
            authorization: Some("  ".into()),
            ..village_agent()
        };
        assert_eq!(
            unrecorded.validate(),
            Err(RepresentationError::NoAuthorization)
        );
        let backwards = Representation {
            valid_until: Some(day(2, 1)),
            ..village_agent()
        };
        assert_eq!(backwards.validate(), Err(RepresentationError::Backwards));
    }

    #[test]
    fn capacities_fit_their_principals() {
        let legal = Representation {
            principal: Principal::Organization("91350100M000100Y43".into()),
            capacity: Capacity::LegalRepresentative,
            authorization: None,
            ..village_agent()
        };
        assert_eq!(legal.validate(), Ok(()));
        let wrong = Representation {
            capacity: Capacity::Relative,
            ..legal.clone()
        };
        assert!(matches!(
            wrong.validate(),
            Err(RepresentationError::NeedsPerson(_))
        ));
        let wrong = Representation {
            capacity: Capacity::AuthorizedAgent,
            ..village_agent()
        };
        assert!(matches!(
            wrong.validate(),
            Err(RepresentationError::NeedsOrganization(_))
        ));
        let itself = Representation {
            principal: Principal::Person("agent".into()),
            ..village_agent()
        };
        assert_eq!(itself.validate(), Err(RepresentationError::Itself));
        for c in Capacity::ALL {
            assert_eq!(Capacity::from_key(c.key()), Some(*c));
        }
    }
}
