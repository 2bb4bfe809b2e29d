//! Interface languages: zh-Hans (default), zh-Hant and en, from `locales/*/main.ftl`.
//! Catalog content stays as written; the interface is translated.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use onetrip_domain::message::{Arg, Message};
use std::borrow::Cow;
use std::sync::LazyLock;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-Hans",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    ZhHans,
    ZhHant,
    En,
}

/// Most memoized messages (the catalog's keys, three languages, with room to spare).
const MEMO_LIMIT: usize = 16_384;

type Table = std::sync::RwLock<std::collections::HashMap<Box<str>, &'static str>>;

static MEMO: LazyLock<[Table; 3]> = LazyLock::new(|| std::array::from_fn(|_| Table::default()));

static IDS: LazyLock<[LanguageIdentifier; 3]> = LazyLock::new(|| {
    let parse = |s: &str| s.parse::<LanguageIdentifier>().unwrap_or_default();
    [parse("zh-Hans"), parse("zh-Hant"), parse("en")]
});

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::ZhHans, Lang::ZhHant, Lang::En];

    /// The BCP 47 tag, as `<html lang>` and `?lang=` use it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhHans => "zh-Hans",
            Lang::ZhHant => "zh-Hant",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the switcher.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::ZhHans => "简体中文",
            Lang::ZhHant => "繁體中文",
            Lang::En => "English",
        }
    }

    /// Parses a `?lang=` value or cookie.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(tag))
    }

    /// The best match for an Accept-Language header.
    pub fn from_accept(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("zh-hant") || tag == "zh-tw" || tag == "zh-hk" || tag == "zh-mo" {
                return Lang::ZhHant;
            }
            if tag.starts_with("zh") {
                return Lang::ZhHans;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::ZhHans
    }

    fn id(self) -> &'static LanguageIdentifier {
        &IDS[self as usize]
    }

    /// The message for a key. Messages are memoized per language (the set of keys is
    /// fixed and small), so a page's many lookups allocate nothing.
    pub fn t(self, key: &str) -> Cow<'static, str> {
        let table = &MEMO[self as usize];
        if let Some(hit) = table.read().ok().and_then(|m| m.get(key).copied()) {
            return Cow::Borrowed(hit);
        }
        let value = LOCALES.lookup(self.id(), key);
        match table.write() {
            Ok(mut m) if m.len() < MEMO_LIMIT => {
                let kept: &'static str = Box::leak(value.into_boxed_str());
                m.insert(key.into(), kept);
                Cow::Borrowed(kept)
            }
            _ => Cow::Owned(value),
        }
    }

    /// The message for a key with one `$n` argument. Counts up to 1000 are memoized.
    pub fn t_n(self, key: &str, n: usize) -> Cow<'static, str> {
        if n > 1000 {
            return Cow::Owned(self.format_n(key, n));
        }
        let memo_key = format!("{key}#{n}");
        let table = &MEMO[self as usize];
        if let Some(hit) = table
            .read()
            .ok()
            .and_then(|m| m.get(memo_key.as_str()).copied())
        {
            return Cow::Borrowed(hit);
        }
        let value = self.format_n(key, n);
        match table.write() {
            Ok(mut m) if m.len() < MEMO_LIMIT => {
                let kept: &'static str = Box::leak(value.into_boxed_str());
                m.insert(memo_key.into(), kept);
                Cow::Borrowed(kept)
            }
            _ => Cow::Owned(value),
        }
    }

    /// The name of a submitted field (`field-{name}`), or the name itself when it has no
    /// translation (a JSON body may name any field).
    pub fn field(self, name: &str) -> String {
        LOCALES
            .try_lookup(self.id(), &format!("field-{name}"))
            .unwrap_or_else(|| name.to_string())
    }

    /// A domain message in this language; labels among its arguments are translated first.
    pub fn say(self, message: &Message) -> String {
        let args: std::collections::HashMap<Cow<'static, str>, FluentValue<'static>> = message
            .args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Text(s) => FluentValue::from(s.clone()),
                    Arg::Number(n) => FluentValue::from(*n),
                    Arg::Label(id) => FluentValue::from(self.t(id).into_owned()),
                };
                (Cow::Borrowed(*name), value)
            })
            .collect();
        LOCALES.lookup_with_args(self.id(), message.id, &args)
    }

    fn format_n(self, key: &str, n: usize) -> String {
        let mut args = std::collections::HashMap::new();
        args.insert(
            Cow::Borrowed("n"),
            fluent_templates::fluent_bundle::FluentValue::from(n),
        );
        LOCALES.lookup_with_args(self.id(), key, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(lang: &str) -> BTreeSet<String> {
        let path = format!("{}/locales/{lang}/main.ftl", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        text.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
            .collect()
    }

    #[test]
    fn every_message_key_exists_in_all_three_languages() {
        let hans = keys("zh-Hans");
        assert!(hans.len() > 50, "zh-Hans has only {} keys", hans.len());
        for other in ["zh-Hant", "en"] {
            let theirs = keys(other);
            let missing: Vec<_> = hans.difference(&theirs).collect();
            let extra: Vec<_> = theirs.difference(&hans).collect();
            assert!(missing.is_empty(), "{other} lacks {missing:?}");
            assert!(
                extra.is_empty(),
                "{other} has keys zh-Hans lacks: {extra:?}"
            );
        }
    }

    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_key_the_templates_and_code_use_exists() {
        let hans = keys("zh-Hans");
        let mut used = BTreeSet::new();
        let mut paths = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["../web/templates", "../web/src", "src", "../domain/src"] {
            files(&root.join(dir), &mut paths);
        }
        assert!(paths.len() > 40, "only {} files scanned", paths.len());
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for chunk in [".t(\"", ".n(\"", "Message::new(\""]
                .iter()
                .flat_map(|pat| text.split(pat).skip(1))
            {
                if let Some(key) = chunk.split('"').next() {
                    if key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
                        && !key.ends_with('-')
                        && !key.is_empty()
                    {
                        used.insert(key.to_string());
                    }
                }
            }
        }
        for id in [
            "invalid-place",
            "invalid-role",
            "invalid-name-empty",
            "error-field",
        ] {
            assert!(used.contains(id), "the scan missed {id}");
        }
        let missing: Vec<_> = used.difference(&hans).collect();
        assert!(missing.is_empty(), "keys used but not defined: {missing:?}");
    }

    #[test]
    fn enumeration_labels_exist_for_every_value() {
        use onetrip_domain::codes::*;
        let hans = keys("zh-Hans");
        let mut wanted: Vec<String> = Vec::new();
        wanted.extend(
            MatterType::ALL
                .iter()
                .map(|v| format!("matter-type-{}", v.key())),
        );
        wanted.extend(
            ServiceObject::ALL
                .iter()
                .map(|v| format!("object-{}", v.key())),
        );
        wanted.extend(
            OnlineDepth::ALL
                .iter()
                .map(|v| format!("depth-{}", v.key())),
        );
        wanted.extend(
            CaseType::ALL
                .iter()
                .map(|v| format!("case-type-{}", v.key())),
        );
        wanted.extend(Channel::ALL.iter().map(|v| format!("channel-{}", v.key())));
        wanted.extend(
            MaterialKind::ALL
                .iter()
                .map(|v| format!("material-kind-{}", v.key())),
        );
        wanted.extend(
            MaterialForm::ALL
                .iter()
                .map(|v| format!("material-form-{}", v.key())),
        );
        wanted.extend(
            MaterialSource::ALL
                .iter()
                .map(|v| format!("material-source-{}", v.key())),
        );
        wanted.extend(
            ResultType::ALL
                .iter()
                .map(|v| format!("result-type-{}", v.key())),
        );
        wanted.extend(LimitUnit::ALL.iter().map(|v| format!("unit-{}", v.key())));
        let missing: Vec<_> = wanted.iter().filter(|k| !hans.contains(*k)).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn accept_language_picks_the_right_script() {
        assert_eq!(Lang::from_accept("zh-TW,zh;q=0.9"), Lang::ZhHant);
        assert_eq!(Lang::from_accept("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept("fr"), Lang::ZhHans);
        assert_eq!(Lang::En.t("site-name"), "OneTrip Government Services");
    }
    /// Every validator's message, in every language: found, with its arguments filled in,
    /// and the English one free of Chinese.
    #[test]
    fn every_validator_message_reads_in_every_language() {
        use onetrip_domain::access::{GrantError, Refusal};
        use onetrip_domain::auth::PasswordError;
        use onetrip_domain::credit_code::CreditCodeError;
        use onetrip_domain::message::Explain;
        use onetrip_domain::person::{
            Capacity, DocumentKind, IdentityError, NameError, PhoneError, RepresentationError,
        };
        let mut all: Vec<Message> = Vec::new();
        for &document in DocumentKind::ALL {
            all.extend(
                [
                    IdentityError::Empty(document),
                    IdentityError::Length {
                        document,
                        expected: "18",
                        found: 17,
                    },
                    IdentityError::Character {
                        document,
                        position: 3,
                        found: 'x',
                    },
                    IdentityError::BirthDate {
                        document,
                        digits: "19990231".into(),
                    },
                    IdentityError::CheckDigit { document },
                    IdentityError::Prefix {
                        document,
                        expected: "H",
                    },
                ]
                .iter()
                .map(Explain::explain),
            );
        }
        all.push(IdentityError::Legacy.explain());
        all.extend(
            [
                NameError::Empty,
                NameError::TooLong(65),
                NameError::Character {
                    position: 2,
                    found: '3',
                },
            ]
            .iter()
            .map(Explain::explain),
        );
        all.extend(
            [
                PhoneError::Empty,
                PhoneError::Length(10),
                PhoneError::Character {
                    position: 4,
                    found: 'a',
                },
                PhoneError::Prefix,
            ]
            .iter()
            .map(Explain::explain),
        );
        all.extend(
            [
                CreditCodeError::Length(17),
                CreditCodeError::Character {
                    position: 5,
                    found: 'I',
                },
                CreditCodeError::CheckCharacter { expected: 'Y' },
            ]
            .iter()
            .map(Explain::explain),
        );
        all.extend(
            [
                PasswordError::TooShort(8),
                PasswordError::TooLong,
                PasswordError::Common,
                PasswordError::SameAsAccount,
                PasswordError::Complexity,
            ]
            .iter()
            .map(Explain::explain),
        );
        all.extend(
            [
                GrantError::SecondAdministrator,
                GrantError::Duplicate,
                GrantError::AdministratorWithMatters,
                GrantError::AdministratorWithBusinessRole,
                GrantError::AdministratorUnmask,
            ]
            .iter()
            .map(Explain::explain),
        );
        all.push(onetrip_domain::division::DivisionCodeError::Length(5).explain());
        all.extend(
            [
                Refusal::OutOfScope,
                Refusal::OwnAccount,
                Refusal::AdministratorAccount,
                Refusal::ConsoleRole,
                Refusal::DivisionOutOfScope,
                Refusal::PeerAdministrator,
                Refusal::ConsoleUnmask,
                Refusal::UnknownDivision,
                Refusal::UnknownOrganization,
            ]
            .iter()
            .map(Explain::explain),
        );
        for &capacity in Capacity::ALL {
            all.push(RepresentationError::NeedsOrganization(capacity).explain());
            all.push(RepresentationError::NeedsPerson(capacity).explain());
        }
        all.extend(
            [
                RepresentationError::NoAuthorization,
                RepresentationError::Backwards,
                RepresentationError::Itself,
            ]
            .iter()
            .map(Explain::explain),
        );
        let hans = keys("zh-Hans");
        for message in &all {
            assert!(hans.contains(message.id), "no message {}", message.id);
            for lang in Lang::ALL {
                let said = lang.say(message);
                assert!(
                    !said.is_empty() && !said.contains('{') && !said.contains(message.id),
                    "{}: {} gave {said:?}",
                    lang.tag(),
                    message.id
                );
                for (_, arg) in &message.args {
                    let shown = match arg {
                        Arg::Text(t) => t.clone(),
                        Arg::Number(n) => n.to_string(),
                        Arg::Label(id) => lang.t(id).into_owned(),
                    };
                    assert!(
                        said.contains(&shown),
                        "{}: {said:?} lacks {shown:?}",
                        lang.tag()
                    );
                }
                if lang == Lang::En {
                    assert!(
                        !said.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                        "English message in Chinese: {said:?}"
                    );
                }
            }
        }
        let check = IdentityError::CheckDigit {
            document: DocumentKind::ResidentIdCard,
        }
        .explain();
        assert_eq!(
            Lang::En.say(&check),
            "the check character (18th) of the resident ID card number is wrong; please check the number"
        );
        assert_eq!(Lang::ZhHans.say(&check), check_zh());
        assert_eq!(
            Lang::ZhHant.say(&check),
            "居民身分證號碼第 18 位校驗碼不正確，請核對號碼"
        );
    }

    /// The Chinese message and the validator's own `Display` agree.
    fn check_zh() -> String {
        onetrip_domain::person::IdentityError::CheckDigit {
            document: onetrip_domain::person::DocumentKind::ResidentIdCard,
        }
        .to_string()
    }
}
