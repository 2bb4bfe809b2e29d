//! Password policy: the default profile (NIST-style: long enough, not common) and the
//! `mlps` profile for sites assessed under 等保 2.0 (adds complexity and periodic change).

use crate::message::{Explain, Message};
use serde::{Deserialize, Serialize};

const COMMON: &str = include_str!("../../data/common-passwords.txt");
/// Passwords longer than this are refused (hashing cost stays bounded); 64 must fit.
pub const MAX_CHARS: usize = 128;

/// Which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordProfile {
    #[default]
    Default,
    /// 等保 2.0 level 3: three of four character classes, change every 90 days.
    Mlps,
}

/// A password policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub profile: PasswordProfile,
    pub min_chars: usize,
    /// Days after which a password must be changed (mlps only).
    pub max_age_days: Option<u32>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy::for_profile(PasswordProfile::Default)
    }
}

/// Why a new password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("密码至少 {0} 个字符")]
    TooShort(usize),
    #[error("密码最多 {MAX_CHARS} 个字符")]
    TooLong,
    #[error("这个密码太常见，很容易被猜中，请换一个")]
    Common,
    #[error("密码不能与账号、姓名或手机号相同")]
    SameAsAccount,
    #[error("密码须包含大写字母、小写字母、数字、符号中的至少三类")]
    Complexity,
}

impl Explain for PasswordError {
    fn explain(&self) -> Message {
        match self {
            PasswordError::TooShort(n) => Message::new("invalid-password-short").number("min", *n),
            PasswordError::TooLong => {
                Message::new("invalid-password-long").number("max", MAX_CHARS)
            }
            PasswordError::Common => Message::new("invalid-password-common"),
            PasswordError::SameAsAccount => Message::new("invalid-password-same-as-account"),
            PasswordError::Complexity => Message::new("invalid-password-complexity"),
        }
    }
}

impl PasswordPolicy {
    pub fn for_profile(profile: PasswordProfile) -> Self {
        match profile {
            PasswordProfile::Default => PasswordPolicy {
                profile,
                min_chars: 8,
                max_age_days: None,
            },
            PasswordProfile::Mlps => PasswordPolicy {
                profile,
                min_chars: 8,
                max_age_days: Some(90),
            },
        }
    }

    /// Checks a new password. `personal` holds the login name, name and phone number.
    pub fn check(&self, password: &str, personal: &[&str]) -> Result<(), PasswordError> {
        let n = password.chars().count();
        if n < self.min_chars {
            return Err(PasswordError::TooShort(self.min_chars));
        }
        if n > MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        let lower = password.to_lowercase();
        if COMMON
            .lines()
            .filter(|l| !l.starts_with('#'))
            .any(|l| l == lower)
        {
            return Err(PasswordError::Common);
        }
        if personal
            .iter()
            .any(|p| !p.is_empty() && lower == p.to_lowercase())
        {
            return Err(PasswordError::SameAsAccount);
        }
        if self.profile == PasswordProfile::Mlps {
            let classes = [
                password.chars().any(|c| c.is_uppercase()),
                password.chars().any(|c| c.is_lowercase()),
                password.chars().any(|c| c.is_ascii_digit()),
                password.chars().any(|c| !c.is_alphanumeric()),
            ];
            if classes.iter().filter(|c| **c).count() < 3 {
                return Err(PasswordError::Complexity);
            }
        }
        Ok(())
    }

    /// Whether a password set on `changed` must be changed on `today`.
    pub fn expired(&self, changed: chrono::NaiveDate, today: chrono::NaiveDate) -> bool {
        self.max_age_days
            .is_some_and(|days| (today - changed).num_days() >= i64::from(days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_profile_wants_length_and_rarity() {
        let p = PasswordPolicy::default();
        assert_eq!(p.check("short1", &[]), Err(PasswordError::TooShort(8)));
        assert_eq!(p.check("woaini1314", &[]), Err(PasswordError::Common));
        assert_eq!(p.check("PASSWORD123", &[]), Err(PasswordError::Common));
        assert_eq!(
            p.check("13812345678", &["13812345678"]),
            Err(PasswordError::SameAsAccount)
        );
        assert_eq!(
            p.check("溪水长流桃花开", &[]),
            Err(PasswordError::TooShort(8))
        );
        assert_eq!(p.check("溪水长流桃花又开了", &[]), Ok(()));
        assert_eq!(p.check(&"a long passphrase ".repeat(4), &[]), Ok(()));
        assert_eq!(p.check(&"x".repeat(129), &[]), Err(PasswordError::TooLong));
    }

    #[test]
    fn mlps_profile_adds_complexity_and_expiry() {
        let p = PasswordPolicy::for_profile(PasswordProfile::Mlps);
        assert_eq!(
            p.check("correcthorsebattery", &[]),
            Err(PasswordError::Complexity)
        );
        assert_eq!(p.check("Correct-horse-7", &[]), Ok(()));
        let d = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert!(!p.expired(d(1, 1), d(3, 31)));
        assert!(p.expired(d(1, 1), d(4, 1)));
        assert!(!PasswordPolicy::default().expired(d(1, 1), d(12, 31)));
    }

    #[test]
    fn the_common_list_is_lower_case_and_loaded() {
        let n = COMMON.lines().filter(|l| !l.starts_with('#')).count();
        assert!(n > 150, "{n}");
        assert!(COMMON
            .lines()
            .filter(|l| !l.starts_with('#'))
            .all(|l| l == l.to_lowercase()));
    }
}
