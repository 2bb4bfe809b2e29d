//! The application form: typed fields with required flags and conditions.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The type of a form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Choice,
    Address,
    IdNumber,
    CreditCode,
    Phone,
}

impl FieldKind {
    pub fn key(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Choice => "choice",
            FieldKind::Address => "address",
            FieldKind::IdNumber => "id_number",
            FieldKind::CreditCode => "credit_code",
            FieldKind::Phone => "phone",
        }
    }
}

/// Shows a field, a material or a flow step only when another field has one of some values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    #[serde(rename = "in")]
    pub one_of: Vec<String>,
}

/// One field of the application form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// The values of a choice field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// A problem in a form, with the path of the offending field (e.g. `form[2].when.field`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}：{message}")]
pub struct FormError {
    pub path: String,
    pub message: String,
}

fn err(path: String, message: String) -> FormError {
    FormError { path, message }
}

/// Checks a form: unique keys, choices with options, bounds in order, and conditions that
/// refer to an earlier choice field and one of its options.
pub fn validate_form(fields: &[FormField], at: &str) -> Vec<FormError> {
    let mut errors = Vec::new();
    let mut seen: BTreeMap<&str, &FormField> = BTreeMap::new();
    for (i, f) in fields.iter().enumerate() {
        let path = format!("{at}[{i}]");
        if f.key.trim().is_empty() || !f.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            errors.push(err(
                format!("{path}.key"),
                format!("字段标识“{}”只能由字母、数字和下划线组成", f.key),
            ));
        }
        if seen.contains_key(f.key.as_str()) {
            errors.push(err(
                format!("{path}.key"),
                format!("字段标识“{}”重复", f.key),
            ));
        }
        if f.label.trim().is_empty() {
            errors.push(err(format!("{path}.label"), "字段名称不能为空".into()));
        }
        if f.kind == FieldKind::Choice && f.options.is_empty() {
            errors.push(err(
                format!("{path}.options"),
                format!("选择字段“{}”没有可选项", f.key),
            ));
        }
        if f.kind != FieldKind::Choice && !f.options.is_empty() {
            errors.push(err(
                format!("{path}.options"),
                format!("只有选择字段可以有可选项，“{}”不是", f.key),
            ));
        }
        if let (Some(min), Some(max)) = (f.min, f.max) {
            if min > max {
                errors.push(err(format!("{path}.min"), "最小值大于最大值".into()));
            }
        }
        if let Some(cond) = &f.when {
            errors.extend(check_condition(cond, &seen, &format!("{path}.when")));
        }
        seen.insert(f.key.as_str(), f);
    }
    errors
}

/// Checks that a condition refers to a known choice field and only to its options.
pub fn check_condition(
    cond: &Condition,
    fields: &BTreeMap<&str, &FormField>,
    path: &str,
) -> Vec<FormError> {
    let Some(field) = fields.get(cond.field.as_str()) else {
        return vec![err(
            format!("{path}.field"),
            format!("条件引用了不存在的表单字段“{}”", cond.field),
        )];
    };
    if cond.one_of.is_empty() {
        return vec![err(format!("{path}.in"), "条件至少需要一个取值".into())];
    }
    if field.kind != FieldKind::Choice {
        return vec![];
    }
    cond.one_of
        .iter()
        .filter(|v| !field.options.contains(v))
        .map(|v| {
            err(
                format!("{path}.in"),
                format!("“{v}”不是字段“{}”的可选项", cond.field),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: FieldKind) -> FormField {
        FormField {
            key: key.into(),
            label: key.into(),
            kind,
            required: true,
            options: vec![],
            min: None,
            max: None,
            max_length: None,
            help: None,
            when: None,
        }
    }

    #[test]
    fn a_good_form_passes() {
        let mut marital = field("marital", FieldKind::Choice);
        marital.options = vec!["未婚".into(), "已婚".into()];
        let mut spouse = field("spouse_id", FieldKind::IdNumber);
        spouse.when = Some(Condition {
            field: "marital".into(),
            one_of: vec!["已婚".into()],
        });
        assert_eq!(validate_form(&[marital, spouse], "form"), vec![]);
    }

    #[test]
    fn names_the_bad_field() {
        let mut spouse = field("spouse_id", FieldKind::IdNumber);
        spouse.when = Some(Condition {
            field: "marital".into(),
            one_of: vec!["已婚".into()],
        });
        let errors = validate_form(
            &[
                field("a", FieldKind::Text),
                field("a", FieldKind::Choice),
                spouse,
            ],
            "form",
        );
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            vec!["form[1].key", "form[1].options", "form[2].when.field"]
        );
    }

    #[test]
    fn condition_values_must_be_options() {
        let mut marital = field("marital", FieldKind::Choice);
        marital.options = vec!["未婚".into()];
        let mut spouse = field("spouse", FieldKind::Text);
        spouse.when = Some(Condition {
            field: "marital".into(),
            one_of: vec!["离异".into()],
        });
        let errors = validate_form(&[marital, spouse], "form");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("离异"));
    }
}
