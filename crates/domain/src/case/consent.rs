//! What an applicant consents to with an application.

use serde::{Deserialize, Serialize};

/// One consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    /// Departments fetch shared data and electronic certificates instead of asking for
    /// paper (数据共享授权).
    DataSharing,
    /// The result may be served electronically (电子送达).
    ElectronicDelivery,
    /// Messages about the case may be sent.
    Notifications,
}

impl Consent {
    pub const ALL: [Consent; 3] = [
        Consent::DataSharing,
        Consent::ElectronicDelivery,
        Consent::Notifications,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Consent::DataSharing => "data_sharing",
            Consent::ElectronicDelivery => "electronic_delivery",
            Consent::Notifications => "notifications",
        }
    }

    pub fn from_key(key: &str) -> Option<Consent> {
        Consent::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Consents by key, each once, in a fixed order; the first unknown key otherwise.
    pub fn parse_all(keys: &[String]) -> Result<Vec<Consent>, String> {
        let mut out = Vec::new();
        for key in keys.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
            let c = Consent::from_key(key).ok_or_else(|| key.to_string())?;
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consents_parse_once_each_and_name_an_unknown_key() {
        let keys = ["notifications", " data_sharing", "notifications", ""].map(String::from);
        assert_eq!(
            Consent::parse_all(&keys),
            Ok(vec![Consent::DataSharing, Consent::Notifications])
        );
        let bad = ["data_sharing", "sell_my_data"].map(String::from);
        assert_eq!(Consent::parse_all(&bad), Err("sell_my_data".into()));
    }
}
