//! The national matter codes of GB/T 39554.1-2020.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatterCodeError {
    #[error("{what}应为 {expected}，实际为 {found} 位")]
    Length {
        what: &'static str,
        expected: &'static str,
        found: usize,
    },
    #[error("{what}第 {position} 位“{found}”不是数字或大写字母")]
    Character {
        what: &'static str,
        position: usize,
        found: char,
    },
}

fn parse_code(
    input: &str,
    what: &'static str,
    expected: &'static str,
    ok_len: impl Fn(usize) -> bool,
) -> Result<String, MatterCodeError> {
    let s = crate::text::normalize_ascii(input).to_uppercase();
    let len = s.chars().count();
    if !ok_len(len) {
        return Err(MatterCodeError::Length {
            what,
            expected,
            found: len,
        });
    }
    if let Some((i, c)) = s
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_alphanumeric())
    {
        return Err(MatterCodeError::Character {
            what,
            position: i + 1,
            found: c,
        });
    }
    Ok(s)
}

macro_rules! code_type {
    ($(#[$meta:meta])* $name:ident, $what:literal, $expected:literal, $ok:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(input: &str) -> Result<Self, MatterCodeError> {
                parse_code(input, $what, $expected, $ok).map($name)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = MatterCodeError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $name::parse(&value)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

code_type!(
    /// 基本编码: the 12-character national basic code of a catalog matter.
    CatalogCode, "基本编码", "12 位", |n| n == 12
);
code_type!(
    /// 实施编码: the national implementation code (up to 36 characters; observed to begin
    /// with the implementing department's credit code).
    ImplementationCode, "实施编码", "13 到 36 位", |n| (13..=36).contains(&n)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_code_is_twelve_alphanumerics() {
        assert!(CatalogCode::parse("000105001000").is_ok());
        assert_eq!(
            CatalogCode::parse("ｂ00105001000").map(String::from),
            Ok("B00105001000".into())
        );
        assert!(matches!(
            CatalogCode::parse("0001"),
            Err(MatterCodeError::Length { found: 4, .. })
        ));
        assert!(matches!(
            CatalogCode::parse("00010500100-"),
            Err(MatterCodeError::Character { position: 12, .. })
        ));
    }

    #[test]
    fn implementation_code_allows_the_guangdong_sample() {
        assert!(ImplementationCode::parse("11440300007542785T4440709003000").is_ok());
        assert!(ImplementationCode::parse("short").is_err());
    }
}
