//! 统一社会信用代码 (unified social credit code, GB 32100-2015).

use crate::message::{Explain, Message};
use serde::{Deserialize, Serialize};
use std::fmt;

const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code with a valid check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

/// Why a credit code is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码应为 18 位，实际为 {0} 位")]
    Length(usize),
    #[error("统一社会信用代码第 {position} 位“{found}”不是允许的字符（数字或除 I、O、S、V、Z 外的大写字母）")]
    Character { position: usize, found: char },
    #[error("统一社会信用代码第 18 位校验码不正确，应为“{expected}”")]
    CheckCharacter { expected: char },
}

impl Explain for CreditCodeError {
    fn explain(&self) -> Message {
        match self {
            CreditCodeError::Length(n) => {
                Message::new("invalid-credit-code-length").number("found", *n)
            }
            CreditCodeError::Character { position, found } => {
                Message::new("invalid-credit-code-character")
                    .number("position", *position)
                    .text("found", found)
            }
            CreditCodeError::CheckCharacter { expected } => {
                Message::new("invalid-credit-code-check").text("expected", expected)
            }
        }
    }
}

fn value_of(c: char) -> Option<u32> {
    ALPHABET.find(c).and_then(|i| u32::try_from(i).ok())
}

/// The check character for the first 17 characters of a code, if they are all allowed.
pub fn check_character(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    let mut count = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += value_of(c)? * w;
        count += 1;
    }
    if count != 17 {
        return None;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.chars().nth(usize::try_from(check).ok()?)
}

impl CreditCode {
    /// Parses a code, accepting full-width characters and lower case, and checks GB 32100's
    /// check character.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let s = crate::text::normalize_ascii(input).to_uppercase();
        let len = s.chars().count();
        if len != 18 {
            return Err(CreditCodeError::Length(len));
        }
        for (i, c) in s.chars().enumerate() {
            if value_of(c).is_none() {
                return Err(CreditCodeError::Character {
                    position: i + 1,
                    found: c,
                });
            }
        }
        let expected = check_character(&s[..17]).ok_or(CreditCodeError::Length(len))?;
        if s.ends_with(expected) {
            Ok(CreditCode(s))
        } else {
            Err(CreditCodeError::CheckCharacter { expected })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(value: CreditCode) -> Self {
        value.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_standards_example_and_real_codes() {
        // GB 32100-2015 appendix example.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        // The demo county's civil affairs bureau, generated with the same rule.
        assert!(
            CreditCode::parse("11331199MB1A00106").is_err(),
            "17 characters"
        );
        assert!(CreditCode::parse("11331199MB1A001006").is_ok());
    }

    #[test]
    fn accepts_full_width_and_lower_case() {
        let code = CreditCode::parse("９１３５０１００m000100y43").map(|c| c.to_string());
        assert_eq!(code, Ok("91350100M000100Y43".to_string()));
    }

    #[test]
    fn rejects_wrong_check_character_naming_the_right_one() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::CheckCharacter { expected: '3' })
        );
    }

    #[test]
    fn rejects_wrong_length_and_forbidden_letters() {
        assert_eq!(
            CreditCode::parse("9135010"),
            Err(CreditCodeError::Length(7))
        );
        assert_eq!(
            CreditCode::parse("91350100I000100Y43"),
            Err(CreditCodeError::Character {
                position: 9,
                found: 'I'
            })
        );
    }

    #[test]
    fn message_is_chinese_and_names_the_position() {
        let msg = CreditCode::parse("91350100M000100Y44")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            msg.as_deref(),
            Some("统一社会信用代码第 18 位校验码不正确，应为“3”")
        );
    }
}
