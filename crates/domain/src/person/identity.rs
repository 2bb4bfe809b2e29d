//! Identity documents of natural persons: the resident ID card (GB 11643-1999), the
//! residence permits of Hong Kong, Macao and Taiwan residents, the foreigner's permanent
//! residence ID card, and passports.

use crate::message::{Explain, Message};
use crate::text::normalize_number;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";
/// The earliest birth year accepted (GB 11643's own example is born in 1880).
const EARLIEST_YEAR: i32 = 1850;

/// The kind of identity document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 居民身份证.
    ResidentIdCard,
    /// 港澳居民居住证.
    HkMacaoResidencePermit,
    /// 台湾居民居住证.
    TaiwanResidencePermit,
    /// 外国人永久居留身份证.
    ForeignPermanentResidence,
    /// 护照.
    Passport,
}

impl DocumentKind {
    pub const ALL: &'static [DocumentKind] = &[
        DocumentKind::ResidentIdCard,
        DocumentKind::HkMacaoResidencePermit,
        DocumentKind::TaiwanResidencePermit,
        DocumentKind::ForeignPermanentResidence,
        DocumentKind::Passport,
    ];

    /// The key used in forms, URLs, storage and message ids.
    pub fn key(self) -> &'static str {
        match self {
            DocumentKind::ResidentIdCard => "resident_id_card",
            DocumentKind::HkMacaoResidencePermit => "hk_macao_residence_permit",
            DocumentKind::TaiwanResidencePermit => "taiwan_residence_permit",
            DocumentKind::ForeignPermanentResidence => "foreign_permanent_residence",
            DocumentKind::Passport => "passport",
        }
    }

    pub fn from_key(key: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.iter().copied().find(|k| k.key() == key)
    }

    /// The document's Chinese name, used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::ResidentIdCard => "居民身份证号码",
            DocumentKind::HkMacaoResidencePermit => "港澳居民居住证号码",
            DocumentKind::TaiwanResidencePermit => "台湾居民居住证号码",
            DocumentKind::ForeignPermanentResidence => "外国人永久居留身份证号码",
            DocumentKind::Passport => "护照号码",
        }
    }
}

/// Why a document number is not valid. `Display` is a whole Chinese sentence naming the
/// document and the position; `Explain` says it in any language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("请填写{0}")]
    Empty(DocumentKind),
    #[error("{document}应为 {expected} 位，实际为 {found} 位")]
    Length {
        document: DocumentKind,
        expected: &'static str,
        found: usize,
    },
    #[error("{document}第 {position} 位“{found}”不是允许的字符")]
    Character {
        document: DocumentKind,
        position: usize,
        found: char,
    },
    #[error("{document}中的出生日期 {digits} 不是真实的日期")]
    BirthDate {
        document: DocumentKind,
        digits: String,
    },
    #[error("{document}第 18 位校验码不正确，请核对号码")]
    CheckDigit { document: DocumentKind },
    #[error("{document}应以 {expected} 开头")]
    Prefix {
        document: DocumentKind,
        expected: &'static str,
    },
    #[error("15 位的旧身份证号码已停止使用，请填写 18 位号码")]
    Legacy,
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Explain for IdentityError {
    fn explain(&self) -> Message {
        let doc = |id, d: &DocumentKind| {
            Message::new(id).label("document", format!("document-number-{}", d.key()))
        };
        match self {
            IdentityError::Empty(d) => doc("invalid-document-empty", d),
            IdentityError::Length {
                document,
                expected,
                found,
            } => doc("invalid-document-length", document)
                .text("expected", expected)
                .number("found", *found),
            IdentityError::Character {
                document,
                position,
                found,
            } => doc("invalid-document-character", document)
                .number("position", *position)
                .text("found", found),
            IdentityError::BirthDate { document, digits } => {
                doc("invalid-document-birth-date", document).text("digits", digits)
            }
            IdentityError::CheckDigit { document } => doc("invalid-document-check-digit", document),
            IdentityError::Prefix { document, expected } => {
                doc("invalid-document-prefix", document).text("expected", expected)
            }
            IdentityError::Legacy => Message::new("invalid-document-legacy"),
        }
    }
}

/// GB 11643's check character for the first 17 digits.
fn check_character(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK.get((sum % 11) as usize).map(|c| char::from(*c))
}

fn birth_date(digits: &str) -> Option<NaiveDate> {
    let year: i32 = digits.get(0..4)?.parse().ok()?;
    let month: u32 = digits.get(4..6)?.parse().ok()?;
    let day: u32 = digits.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day).filter(|d| d.year() >= EARLIEST_YEAR)
}

/// Checks an 18-character number in the GB 11643 layout: 17 digits, a check character,
/// a real birth date in positions 7 to 14.
fn check_gb11643(document: DocumentKind, s: &str) -> Result<NaiveDate, IdentityError> {
    let len = s.chars().count();
    if len != 18 {
        return Err(IdentityError::Length {
            document,
            expected: "18",
            found: len,
        });
    }
    for (i, c) in s.chars().enumerate() {
        let allowed = c.is_ascii_digit() || (i == 17 && c == 'X');
        if !allowed {
            return Err(IdentityError::Character {
                document,
                position: i + 1,
                found: c,
            });
        }
    }
    let digits = s.get(6..14).unwrap_or_default();
    let born = birth_date(digits).ok_or_else(|| IdentityError::BirthDate {
        document,
        digits: digits.to_string(),
    })?;
    let expected = check_character(&s.as_bytes()[..17]).ok_or(IdentityError::Length {
        document,
        expected: "18",
        found: len,
    })?;
    if s.ends_with(expected) {
        Ok(born)
    } else {
        Err(IdentityError::CheckDigit { document })
    }
}

/// A resident ID number (居民身份证号码): 18 characters with a valid check character and a
/// real birth date.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResidentIdNumber(String);

impl ResidentIdNumber {
    /// Parses what a person types: full-width digits and a lower-case `x` are accepted.
    /// A 15-digit legacy number is refused (use [`ResidentIdNumber::parse_registry`]).
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let document = DocumentKind::ResidentIdCard;
        let s = normalize_number(input).to_uppercase();
        if s.is_empty() {
            return Err(IdentityError::Empty(document));
        }
        if s.len() == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentityError::Legacy);
        }
        check_gb11643(document, &s)?;
        Ok(ResidentIdNumber(s))
    }

    /// Parses a number from an imported registry, where 15-digit numbers issued before
    /// 1999 still occur: they are converted to 18 digits (century 19 and a check digit).
    pub fn parse_registry(input: &str) -> Result<Self, IdentityError> {
        let s = normalize_number(input).to_uppercase();
        if s.len() == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
            let mut long = String::with_capacity(18);
            long.push_str(&s[..6]);
            long.push_str("19");
            long.push_str(&s[6..]);
            let check = check_character(long.as_bytes()).ok_or(IdentityError::Legacy)?;
            long.push(check);
            return ResidentIdNumber::parse(&long);
        }
        ResidentIdNumber::parse(&s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The date of birth in positions 7 to 14.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        self.0.get(6..14).and_then(birth_date)
    }
}

impl fmt::Display for ResidentIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An identity document: its kind and its normalized number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdentityDocument {
    kind: DocumentKind,
    number: String,
}

impl IdentityDocument {
    /// Validates `input` as a number of the given kind.
    pub fn parse(kind: DocumentKind, input: &str) -> Result<Self, IdentityError> {
        let document = kind;
        let s = normalize_number(input).to_uppercase();
        if s.is_empty() {
            return Err(IdentityError::Empty(document));
        }
        match kind {
            DocumentKind::ResidentIdCard => {
                ResidentIdNumber::parse(&s)?;
            }
            DocumentKind::HkMacaoResidencePermit => {
                check_gb11643(document, &s)?;
                if !(s.starts_with("810000") || s.starts_with("820000")) {
                    return Err(IdentityError::Prefix {
                        document,
                        expected: "810000（香港）或 820000（澳门）",
                    });
                }
            }
            DocumentKind::TaiwanResidencePermit => {
                check_gb11643(document, &s)?;
                if !s.starts_with("830000") {
                    return Err(IdentityError::Prefix {
                        document,
                        expected: "830000",
                    });
                }
            }
            DocumentKind::ForeignPermanentResidence => parse_foreign_permanent(&s)?,
            DocumentKind::Passport => parse_passport(&s)?,
        }
        Ok(IdentityDocument { kind, number: s })
    }

    /// Rebuilds a document from storage without checking it again.
    pub fn from_trusted(kind: DocumentKind, number: String) -> Self {
        IdentityDocument { kind, number }
    }

    pub fn kind(&self) -> DocumentKind {
        self.kind
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    /// The number with its middle hidden, for lists, pages and logs.
    pub fn masked(&self) -> String {
        crate::person::mask::mask_identity(&self.number)
    }

    /// The date of birth, for the documents that carry one.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        match self.kind {
            DocumentKind::ResidentIdCard
            | DocumentKind::HkMacaoResidencePermit
            | DocumentKind::TaiwanResidencePermit => self.number.get(6..14).and_then(birth_date),
            DocumentKind::ForeignPermanentResidence if self.number.len() == 18 => {
                self.number.get(6..14).and_then(birth_date)
            }
            DocumentKind::ForeignPermanentResidence | DocumentKind::Passport => None,
        }
    }
}

/// The 2023 card has 18 digits starting with 9 in the GB 11643 layout; the 2017 card has
/// three letters (nationality) and twelve digits.
fn parse_foreign_permanent(s: &str) -> Result<(), IdentityError> {
    let document = DocumentKind::ForeignPermanentResidence;
    let len = s.chars().count();
    match len {
        18 => {
            check_gb11643(document, s)?;
            if !s.starts_with('9') {
                return Err(IdentityError::Prefix {
                    document,
                    expected: "9",
                });
            }
            Ok(())
        }
        15 => {
            for (i, c) in s.chars().enumerate() {
                let ok = if i < 3 {
                    c.is_ascii_uppercase()
                } else {
                    c.is_ascii_digit()
                };
                if !ok {
                    return Err(IdentityError::Character {
                        document,
                        position: i + 1,
                        found: c,
                    });
                }
            }
            Ok(())
        }
        found => Err(IdentityError::Length {
            document,
            expected: "18（2023 版）或 15（2017 版）",
            found,
        }),
    }
}

fn parse_passport(s: &str) -> Result<(), IdentityError> {
    let document = DocumentKind::Passport;
    let len = s.chars().count();
    if !(5..=17).contains(&len) {
        return Err(IdentityError::Length {
            document,
            expected: "5 至 17",
            found: len,
        });
    }
    for (i, c) in s.chars().enumerate() {
        if !c.is_ascii_alphanumeric() {
            return Err(IdentityError::Character {
                document,
                position: i + 1,
                found: c,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_examples_of_gb_11643() {
        // Both examples printed in GB 11643-1999.
        let a = ResidentIdNumber::parse("11010519491231002X");
        assert_eq!(
            a.as_ref().ok().and_then(ResidentIdNumber::birth_date),
            NaiveDate::from_ymd_opt(1949, 12, 31)
        );
        assert!(ResidentIdNumber::parse("440524188001010014").is_ok());
    }

    #[test]
    fn accepts_full_width_digits_and_lower_case_x() {
        let n =
            ResidentIdNumber::parse("１１０１０５１９４９１２３１００２x").map(|n| n.to_string());
        assert_eq!(n.as_deref(), Ok("11010519491231002X"));
    }

    #[test]
    fn wrong_check_digit_is_refused() {
        assert_eq!(
            ResidentIdNumber::parse("110105194912310021"),
            Err(IdentityError::CheckDigit {
                document: DocumentKind::ResidentIdCard
            })
        );
    }

    #[test]
    fn impossible_dates_are_refused_even_with_a_matching_check_digit() {
        // 1949-02-30 with the check digit computed for it.
        let first17 = "11010519490230002";
        let check = check_character(first17.as_bytes()).unwrap_or('?');
        let err = ResidentIdNumber::parse(&format!("{first17}{check}"));
        assert_eq!(
            err,
            Err(IdentityError::BirthDate {
                document: DocumentKind::ResidentIdCard,
                digits: "19490230".into()
            })
        );
        assert_eq!(
            err.err().map(|e| e.to_string()).as_deref(),
            Some("居民身份证号码中的出生日期 19490230 不是真实的日期")
        );
    }

    #[test]
    fn wrong_length_and_letters_name_the_place() {
        assert_eq!(
            ResidentIdNumber::parse("1101051949123100"),
            Err(IdentityError::Length {
                document: DocumentKind::ResidentIdCard,
                expected: "18",
                found: 16
            })
        );
        assert_eq!(
            ResidentIdNumber::parse("1101051949A231002X"),
            Err(IdentityError::Character {
                document: DocumentKind::ResidentIdCard,
                position: 11,
                found: 'A'
            })
        );
        assert_eq!(
            ResidentIdNumber::parse("   "),
            Err(IdentityError::Empty(DocumentKind::ResidentIdCard))
        );
    }

    #[test]
    fn legacy_15_digit_numbers_are_converted_only_from_registries() {
        assert_eq!(
            ResidentIdNumber::parse("110105491231002"),
            Err(IdentityError::Legacy)
        );
        let converted = ResidentIdNumber::parse_registry("110105491231002").map(|n| n.to_string());
        assert_eq!(converted.as_deref(), Ok("11010519491231002X"));
    }

    #[test]
    fn residence_permits_need_their_region_prefix() {
        let first17 = "81000019900101001";
        let check = check_character(first17.as_bytes()).unwrap_or('?');
        let hk = format!("{first17}{check}");
        assert!(IdentityDocument::parse(DocumentKind::HkMacaoResidencePermit, &hk).is_ok());
        assert!(matches!(
            IdentityDocument::parse(DocumentKind::TaiwanResidencePermit, &hk),
            Err(IdentityError::Prefix { .. })
        ));
        assert!(matches!(
            IdentityDocument::parse(DocumentKind::HkMacaoResidencePermit, "11010519491231002X"),
            Err(IdentityError::Prefix { .. })
        ));
    }

    #[test]
    fn foreign_permanent_residence_both_editions() {
        let first17 = "93115019850612001";
        let check = check_character(first17.as_bytes()).unwrap_or('?');
        let new = IdentityDocument::parse(
            DocumentKind::ForeignPermanentResidence,
            &format!("{first17}{check}"),
        );
        assert_eq!(
            new.ok().and_then(|d| d.birth_date()),
            NaiveDate::from_ymd_opt(1985, 6, 12)
        );
        assert!(IdentityDocument::parse(
            DocumentKind::ForeignPermanentResidence,
            "USA310085061201"
        )
        .is_ok());
        assert!(matches!(
            IdentityDocument::parse(DocumentKind::ForeignPermanentResidence, "US3310085061201"),
            Err(IdentityError::Character { position: 3, .. })
        ));
    }

    #[test]
    fn passports_are_letters_and_digits() {
        let p = IdentityDocument::parse(DocumentKind::Passport, "e１２３４５６７８");
        assert_eq!(
            p.map(|p| p.number().to_string()).as_deref(),
            Ok("E12345678")
        );
        assert!(matches!(
            IdentityDocument::parse(DocumentKind::Passport, "E1234-678"),
            Err(IdentityError::Character { position: 6, .. })
        ));
        assert!(matches!(
            IdentityDocument::parse(DocumentKind::Passport, "E12"),
            Err(IdentityError::Length { found: 3, .. })
        ));
    }

    #[test]
    fn kinds_round_trip_through_their_keys() {
        for k in DocumentKind::ALL {
            assert_eq!(DocumentKind::from_key(k.key()), Some(*k));
        }
    }
}
