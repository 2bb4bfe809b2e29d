//! 行政区划: administrative divisions with GB/T 2260 codes, extended to 9 digits for
//! townships and 12 for villages.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A division code: 6 digits (province, prefecture, county), 9 (township) or 12 (village).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionCodeError {
    #[error("行政区划代码应为 6、9 或 12 位数字，实际为 {0} 位")]
    Length(usize),
    #[error("行政区划代码只能包含数字，第 {0} 位不是数字")]
    NotDigit(usize),
    #[error("行政区划代码前两位“{0}”不是省级代码")]
    Province(String),
}

impl crate::message::Explain for DivisionCodeError {
    fn explain(&self) -> crate::message::Message {
        crate::message::Message::new("invalid-division")
    }
}

impl DivisionCode {
    /// Parses a 6/9/12-digit code (full-width digits accepted).
    pub fn parse(input: &str) -> Result<Self, DivisionCodeError> {
        let s = crate::text::normalize_ascii(input);
        if let Some(i) = s.chars().position(|c| !c.is_ascii_digit()) {
            return Err(DivisionCodeError::NotDigit(i + 1));
        }
        if !matches!(s.len(), 6 | 9 | 12) {
            return Err(DivisionCodeError::Length(s.chars().count()));
        }
        let province: u32 = s[..2].parse().unwrap_or(0);
        if !(11..=82).contains(&province) {
            return Err(DivisionCodeError::Province(s[..2].to_string()));
        }
        Ok(DivisionCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits a child's code must start with, given this division's kind.
    pub fn significant_prefix(&self, kind: DivisionKind) -> &str {
        let n = match kind {
            DivisionKind::Province => 2,
            DivisionKind::Prefecture => 4,
            DivisionKind::County => 6,
            DivisionKind::Township => 9,
            DivisionKind::Village => 12,
        };
        &self.0[..n.min(self.0.len())]
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = DivisionCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        DivisionCode::parse(&value)
    }
}

impl From<DivisionCode> for String {
    fn from(value: DivisionCode) -> Self {
        value.0
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The level of a division. A parent may skip levels: a prefecture-level city with no
/// counties (东莞市) parents townships, a county-level city directly under a province
/// (仙桃市) has a province as parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivisionKind {
    Province,
    Prefecture,
    County,
    Township,
    Village,
}

impl DivisionKind {
    pub const ALL: &'static [DivisionKind] = &[
        DivisionKind::Province,
        DivisionKind::Prefecture,
        DivisionKind::County,
        DivisionKind::Township,
        DivisionKind::Village,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DivisionKind::Province => "province",
            DivisionKind::Prefecture => "prefecture",
            DivisionKind::County => "county",
            DivisionKind::Township => "township",
            DivisionKind::Village => "village",
        }
    }

    /// The code length this kind uses.
    pub fn code_len(self) -> usize {
        match self {
            DivisionKind::Province | DivisionKind::Prefecture | DivisionKind::County => 6,
            DivisionKind::Township => 9,
            DivisionKind::Village => 12,
        }
    }
}

/// One division, valid from a date and, once its code is retired, until a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Division {
    pub code: DivisionCode,
    pub name: String,
    pub kind: DivisionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<DivisionCode>,
    pub valid_from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
}

impl Division {
    /// Whether the code is in force on a date.
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date < to)
    }
}

/// A problem with one division in a set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionError {
    #[error("区划 {code}：{kind} 级区划代码应为 {expected} 位")]
    CodeLength {
        code: String,
        kind: &'static str,
        expected: usize,
    },
    #[error("区划 {0} 重复")]
    Duplicate(String),
    #[error("区划 {code} 的上级 {parent} 不存在")]
    UnknownParent { code: String, parent: String },
    #[error("区划 {code} 的上级 {parent} 级别不高于它")]
    ParentNotHigher { code: String, parent: String },
    #[error("区划 {code} 的代码不以上级 {parent} 的代码 {prefix} 开头")]
    PrefixMismatch {
        code: String,
        parent: String,
        prefix: String,
    },
    #[error("区划 {code} 不是省级，却没有上级")]
    MissingParent { code: String },
    #[error("区划关系形成循环：{0}")]
    Cycle(String),
    #[error("区划 {code} 的失效日期早于生效日期")]
    ValidityOrder { code: String },
}

/// Checks a whole set of divisions: code lengths, parents that exist and are higher, code
/// prefixes, and no cycles. Returns every problem found.
pub fn validate_divisions(divisions: &[Division]) -> Vec<DivisionError> {
    let mut errors = Vec::new();
    let mut by_code: BTreeMap<&str, &Division> = BTreeMap::new();
    for d in divisions {
        if by_code.insert(d.code.as_str(), d).is_some() {
            errors.push(DivisionError::Duplicate(d.code.to_string()));
        }
        if d.code.as_str().len() != d.kind.code_len() {
            errors.push(DivisionError::CodeLength {
                code: d.code.to_string(),
                kind: d.kind.key(),
                expected: d.kind.code_len(),
            });
        }
        if d.valid_to.is_some_and(|to| to < d.valid_from) {
            errors.push(DivisionError::ValidityOrder {
                code: d.code.to_string(),
            });
        }
    }
    for d in divisions {
        let Some(parent_code) = &d.parent else {
            if d.kind != DivisionKind::Province {
                errors.push(DivisionError::MissingParent {
                    code: d.code.to_string(),
                });
            }
            continue;
        };
        let Some(parent) = by_code.get(parent_code.as_str()) else {
            errors.push(DivisionError::UnknownParent {
                code: d.code.to_string(),
                parent: parent_code.to_string(),
            });
            continue;
        };
        if parent.kind >= d.kind && parent.code != d.code {
            errors.push(DivisionError::ParentNotHigher {
                code: d.code.to_string(),
                parent: parent_code.to_string(),
            });
        }
        let prefix = parent.code.significant_prefix(parent.kind);
        if !d.code.as_str().starts_with(prefix) {
            errors.push(DivisionError::PrefixMismatch {
                code: d.code.to_string(),
                parent: parent_code.to_string(),
                prefix: prefix.to_string(),
            });
        }
    }
    errors.extend(find_cycle(divisions, &by_code));
    errors
}

fn find_cycle(
    divisions: &[Division],
    by_code: &BTreeMap<&str, &Division>,
) -> Option<DivisionError> {
    let mut cleared: BTreeSet<&str> = BTreeSet::new();
    for d in divisions {
        let mut path: Vec<&str> = Vec::new();
        let mut current = Some(d);
        while let Some(node) = current {
            let code = node.code.as_str();
            if cleared.contains(code) {
                break;
            }
            if let Some(start) = path.iter().position(|c| *c == code) {
                let mut cycle: Vec<&str> = path[start..].to_vec();
                cycle.push(code);
                return Some(DivisionError::Cycle(cycle.join(" → ")));
            }
            path.push(code);
            current = node
                .parent
                .as_ref()
                .and_then(|p| by_code.get(p.as_str()).copied());
        }
        cleared.extend(path);
    }
    None
}

/// Whether division `code` is `ancestor` or lies below it (parents may skip levels).
pub fn is_within(code: &str, ancestor: &str, divisions: &BTreeMap<String, Division>) -> bool {
    let mut current = Some(code);
    for _ in 0..=DivisionKind::ALL.len() {
        match current {
            Some(c) if c == ancestor => return true,
            Some(c) => {
                current = divisions
                    .get(c)
                    .and_then(|d| d.parent.as_ref())
                    .map(DivisionCode::as_str)
            }
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn div(code: &str, kind: DivisionKind, parent: Option<&str>) -> Division {
        Division {
            code: DivisionCode(code.to_string()),
            name: code.to_string(),
            kind,
            parent: parent.map(|p| DivisionCode(p.to_string())),
            valid_from: date("2000-01-01"),
            valid_to: None,
        }
    }

    #[test]
    fn parses_codes_of_every_length() {
        assert!(DivisionCode::parse("330000").is_ok());
        assert!(DivisionCode::parse("441900003").is_ok());
        assert!(DivisionCode::parse("３３０１０２００１００１").is_ok());
        assert_eq!(
            DivisionCode::parse("33010"),
            Err(DivisionCodeError::Length(5))
        );
        assert_eq!(
            DivisionCode::parse("33O100"),
            Err(DivisionCodeError::NotDigit(3))
        );
        assert_eq!(
            DivisionCode::parse("990000"),
            Err(DivisionCodeError::Province("99".into()))
        );
    }

    #[test]
    fn accepts_the_real_exceptions() {
        use DivisionKind::*;
        let set = vec![
            div("420000", Province, None),
            // 仙桃市: county-level city directly under Hubei.
            div("429004", County, Some("420000")),
            div("440000", Province, None),
            // 东莞市: prefecture-level city with no counties; its townships hang below it.
            div("441900", Prefecture, Some("440000")),
            div("441900003", Township, Some("441900")),
            div("441900003001", Village, Some("441900003")),
        ];
        assert_eq!(validate_divisions(&set), vec![]);
    }

    #[test]
    fn rejects_cycles_and_wrong_parents() {
        use DivisionKind::*;
        let mut a = div("330100", Prefecture, Some("330102"));
        a.parent = Some(DivisionCode("330102".into()));
        let b = div("330102", County, Some("330100"));
        let errors = validate_divisions(&[a, b]);
        assert!(
            errors.iter().any(|e| matches!(e, DivisionError::Cycle(_))),
            "{errors:?}"
        );
        assert!(errors
            .iter()
            .any(|e| matches!(e, DivisionError::ParentNotHigher { .. })));
        assert!(!errors
            .iter()
            .any(|e| matches!(e, DivisionError::MissingParent { .. })));
    }

    #[test]
    fn rejects_prefix_mismatch_unknown_parent_and_bad_length() {
        use DivisionKind::*;
        let set = vec![
            div("330000", Province, None),
            div("320100", Prefecture, Some("330000")),
            div("330102", County, Some("330100")),
            div("330102", Township, Some("330000")),
        ];
        let errors = validate_divisions(&set);
        assert!(errors
            .iter()
            .any(|e| matches!(e, DivisionError::PrefixMismatch { .. })));
        assert!(errors
            .iter()
            .any(|e| matches!(e, DivisionError::UnknownParent { .. })));
        assert!(errors
            .iter()
            .any(|e| matches!(e, DivisionError::Duplicate(_))));
        assert!(errors
            .iter()
            .any(|e| matches!(e, DivisionError::CodeLength { .. })));
    }

    #[test]
    fn subtrees_follow_parents_that_skip_levels() {
        use DivisionKind::*;
        let map: BTreeMap<String, Division> = [
            div("440000", Province, None),
            div("441900", Prefecture, Some("440000")),
            div("441900003", Township, Some("441900")),
            div("420000", Province, None),
        ]
        .into_iter()
        .map(|d| (d.code.to_string(), d))
        .collect();
        assert!(is_within("441900003", "440000", &map));
        assert!(is_within("441900003", "441900003", &map));
        assert!(!is_within("441900003", "420000", &map));
        assert!(!is_within("999999", "440000", &map));
    }

    #[test]
    fn validity_dates_bound_a_code() {
        let mut d = div("330000", DivisionKind::Province, None);
        d.valid_to = Some(date("2020-01-01"));
        assert!(d.is_valid_on(date("2019-12-31")));
        assert!(!d.is_valid_on(date("2020-01-01")));
    }
}
