//! Applicants' identities: documents, names, phone numbers, assurance levels and masking.

pub mod identity;
pub mod mask;
pub mod name;
pub mod phone;
pub mod representation;

pub use identity::{DocumentKind, IdentityDocument, IdentityError, ResidentIdNumber};
pub use name::{NameError, PersonName};
pub use phone::{MobileNumber, PhoneError};
pub use representation::{acts_for, Capacity, Principal, Representation, RepresentationError};

use serde::{Deserialize, Serialize};

/// How sure we are that an account belongs to the person it names (实名核验等级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    /// Registered with a name, number and phone nobody has checked.
    SelfRegistered,
    /// Verified through the provincial single sign-on.
    SingleSignOn,
    /// Verified in person at a window against the document.
    InPerson,
}

impl Assurance {
    pub fn key(self) -> &'static str {
        match self {
            Assurance::SelfRegistered => "self_registered",
            Assurance::SingleSignOn => "single_sign_on",
            Assurance::InPerson => "in_person",
        }
    }

    pub fn from_key(key: &str) -> Option<Assurance> {
        [
            Assurance::SelfRegistered,
            Assurance::SingleSignOn,
            Assurance::InPerson,
        ]
        .into_iter()
        .find(|a| a.key() == key)
    }

    /// Whether the government's own data about the person may be reused for them and
    /// their certificates downloaded.
    pub fn is_verified(self) -> bool {
        self >= Assurance::SingleSignOn
    }
}
