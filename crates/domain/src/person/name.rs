//! Names of natural persons, kept exactly as written: GB 18030-2022 covers every CJK
//! character including the rare ones outside the Basic Multilingual Plane, so nothing is
//! replaced or dropped.

use crate::message::{Explain, Message};
use std::fmt;

/// Longest name accepted, in characters (long transliterated foreign names fit).
const MAX_CHARS: usize = 64;

/// A person's name as on their identity document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

/// Why a name is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("请填写姓名")]
    Empty,
    #[error("姓名最多 {MAX_CHARS} 个字，实际为 {0} 个字")]
    TooLong(usize),
    #[error("姓名第 {position} 个字符“{found}”不能用在姓名中")]
    Character { position: usize, found: char },
}

impl Explain for NameError {
    fn explain(&self) -> Message {
        match self {
            NameError::Empty => Message::new("invalid-name-empty"),
            NameError::TooLong(n) => Message::new("invalid-name-too-long")
                .number("max", MAX_CHARS)
                .number("found", *n),
            NameError::Character { position, found } => Message::new("invalid-name-character")
                .number("position", *position)
                .text("found", found),
        }
    }
}

fn allowed(c: char) -> bool {
    c.is_alphabetic() || matches!(c, '·' | '•' | '．' | '.' | '-' | ' ' | '\'')
}

impl PersonName {
    /// Trims the ends and refuses digits, control characters and punctuation other than
    /// the middle dot of ethnic-minority and foreign names.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let s = input.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
        if s.is_empty() {
            return Err(NameError::Empty);
        }
        let n = s.chars().count();
        if n > MAX_CHARS {
            return Err(NameError::TooLong(n));
        }
        if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !allowed(*c)) {
            return Err(NameError::Character {
                position: i + 1,
                found: c,
            });
        }
        Ok(PersonName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 张**: for lists and public listings.
    pub fn masked(&self) -> String {
        crate::person::mask::mask_name(&self.0)
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_characters_are_kept_exactly() {
        // 𠈌 (U+2020C, CJK Extension B) and 䶮 (U+4DAE, Extension A).
        for name in ["王𠈌", "刘䶮", "阿依古丽·买买提", "Anna-Maria O'Neil"] {
            assert_eq!(
                PersonName::parse(name).map(|n| n.to_string()).as_deref(),
                Ok(name)
            );
        }
        assert_eq!(
            PersonName::parse("王𠈌").map(|n| n.as_str().chars().count()),
            Ok(2)
        );
    }

    #[test]
    fn refuses_digits_and_empty_names() {
        assert_eq!(PersonName::parse(" \u{3000}"), Err(NameError::Empty));
        assert_eq!(
            PersonName::parse("张三3"),
            Err(NameError::Character {
                position: 3,
                found: '3'
            })
        );
        assert!(matches!(
            PersonName::parse(&"张".repeat(65)),
            Err(NameError::TooLong(65))
        ));
    }
}
