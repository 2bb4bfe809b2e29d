//! Mainland mobile phone numbers.

use crate::message::{Explain, Message};
use crate::text::normalize_ascii;
use std::fmt;

/// An 11-digit mainland mobile number starting with 13 to 19.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MobileNumber(String);

/// Why a phone number is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("请填写手机号码")]
    Empty,
    #[error("手机号码应为 11 位数字，实际为 {0} 位")]
    Length(usize),
    #[error("手机号码第 {position} 位“{found}”不是数字")]
    Character { position: usize, found: char },
    #[error("手机号码应以 13 至 19 开头")]
    Prefix,
}

impl Explain for PhoneError {
    fn explain(&self) -> Message {
        match self {
            PhoneError::Empty => Message::new("invalid-phone-empty"),
            PhoneError::Length(n) => Message::new("invalid-phone-length").number("found", *n),
            PhoneError::Character { position, found } => Message::new("invalid-phone-character")
                .number("position", *position)
                .text("found", found),
            PhoneError::Prefix => Message::new("invalid-phone-prefix"),
        }
    }
}

impl MobileNumber {
    /// Accepts full-width digits, spaces and hyphens between groups, and a +86 prefix.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let s = normalize_ascii(input);
        let s = s.strip_prefix("+86").unwrap_or(&s);
        let s: String = s.chars().filter(|c| *c != ' ' && *c != '-').collect();
        if s.is_empty() {
            return Err(PhoneError::Empty);
        }
        if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(PhoneError::Character {
                position: i + 1,
                found: c,
            });
        }
        if s.len() != 11 {
            return Err(PhoneError::Length(s.len()));
        }
        let second = s.as_bytes().get(1).copied().unwrap_or(b'0');
        if !s.starts_with('1') || !(b'3'..=b'9').contains(&second) {
            return Err(PhoneError::Prefix);
        }
        Ok(MobileNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 138****5678.
    pub fn masked(&self) -> String {
        crate::person::mask::mask_phone(&self.0)
    }
}

impl fmt::Display for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_ways_people_write_it() {
        for input in [
            "13812345678",
            "+86 138 1234 5678",
            "138-1234-5678",
            "１３８１２３４５６７８",
        ] {
            assert_eq!(
                MobileNumber::parse(input).map(|m| m.to_string()).as_deref(),
                Ok("13812345678"),
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_with_a_reason() {
        assert_eq!(MobileNumber::parse(""), Err(PhoneError::Empty));
        assert_eq!(
            MobileNumber::parse("1381234567"),
            Err(PhoneError::Length(10))
        );
        assert_eq!(
            MobileNumber::parse("1381234567a"),
            Err(PhoneError::Character {
                position: 11,
                found: 'a'
            })
        );
        assert_eq!(MobileNumber::parse("12812345678"), Err(PhoneError::Prefix));
    }
}
