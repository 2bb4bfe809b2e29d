//! Checking an application against its matter: the form's fields (kinds, bounds, options,
//! conditions) and the materials presented (original, copy, electronic, missing, or a signed
//! commitment in place of a proof). Everything wrong is found at once, for one complete
//! notice (一次性告知); what cannot be an application at all (a field or material the matter
//! does not have) is a [`Malformed`] error instead.

use crate::catalog::form::{Condition, FieldKind, FormField};
use crate::catalog::matter::{Content, Material};
use crate::codes::{MaterialForm, MaterialKind};
use crate::message::{Explain, Message};
use crate::person::{MobileNumber, ResidentIdNumber};
use crate::CreditCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The form's answers, by field key.
pub type FormData = BTreeMap<String, String>;

/// How a material was presented, as the clerk (or the online hall) records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presented {
    /// The original, checked by a clerk.
    Original,
    Copy,
    Electronic,
    Missing,
    /// A signed commitment (告知承诺) in place of the proof.
    Commitment,
}

impl Presented {
    pub const ALL: &'static [Presented] = &[
        Presented::Original,
        Presented::Copy,
        Presented::Electronic,
        Presented::Missing,
        Presented::Commitment,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Presented::Original => "original",
            Presented::Copy => "copy",
            Presented::Electronic => "electronic",
            Presented::Missing => "missing",
            Presented::Commitment => "commitment",
        }
    }

    pub fn from_key(key: &str) -> Option<Presented> {
        Presented::ALL.iter().copied().find(|p| p.key() == key)
    }
}

/// The materials presented, by material id.
pub type MaterialsPresented = BTreeMap<String, Presented>;

/// What is wrong or missing: a form field or a material, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// `field` or `material`.
    pub kind: GapKind,
    /// The field key or material id.
    pub key: String,
    /// The field label or material name, as the catalog words it.
    pub label: String,
    /// The message id saying what is wrong, translated by the faces.
    pub reason: String,
    /// Its argument, if any (a bound, an expected form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    Field,
    Material,
}

impl Gap {
    /// The gap as a message: `gap-<reason>` with the label and detail.
    pub fn message(&self) -> Message {
        let m = Message::new(gap_message(&self.reason)).text("label", &self.label);
        match &self.detail {
            Some(d) => m.text("detail", d),
            None => m.text("detail", ""),
        }
    }
}

/// Message ids of gaps, by reason.
fn gap_message(reason: &str) -> &'static str {
    match reason {
        "required" => "gap-required",
        "not_a_number" => "gap-not-a-number",
        "below_min" => "gap-below-min",
        "above_max" => "gap-above-max",
        "not_a_date" => "gap-not-a-date",
        "not_an_option" => "gap-not-an-option",
        "too_long" => "gap-too-long",
        "bad_id_number" => "gap-bad-id-number",
        "bad_credit_code" => "gap-bad-credit-code",
        "bad_phone" => "gap-bad-phone",
        "missing" => "gap-missing",
        "original_needed" => "gap-original-needed",
        "paper_needed" => "gap-paper-needed",
        "commitment_not_allowed" => "gap-commitment-not-allowed",
        _ => "gap-other",
    }
}

/// What cannot be taken as an application of this matter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    #[error("表单没有字段“{0}”")]
    UnknownField(String),
    #[error("本事项没有材料“{0}”")]
    UnknownMaterial(String),
}

impl Explain for Malformed {
    fn explain(&self) -> Message {
        match self {
            Malformed::UnknownField(k) => Message::new("invalid-unknown-field").text("key", k),
            Malformed::UnknownMaterial(k) => {
                Message::new("invalid-unknown-material").text("key", k)
            }
        }
    }
}

impl Malformed {
    /// The request field it concerns.
    pub fn field(&self) -> &'static str {
        match self {
            Malformed::UnknownField(_) => "form",
            Malformed::UnknownMaterial(_) => "materials",
        }
    }
}

/// An application checked against its matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    /// Everything wrong or missing, fields first, in the catalog's order.
    pub gaps: Vec<Gap>,
    /// Materials replaced by a signed commitment, to be checked later.
    pub commitments: Vec<String>,
    /// Missing materials the catalog allows to be supplied after acceptance (容缺).
    pub deferrable: Vec<String>,
}

impl Intake {
    /// Nothing is missing or wrong.
    pub fn is_complete(&self) -> bool {
        self.gaps.is_empty()
    }

    /// Everything missing may be supplied later (容缺): only deficiency-allowed materials,
    /// no field and no other problem.
    pub fn may_accept_with_deficiency(&self) -> bool {
        !self.gaps.is_empty()
            && self
                .gaps
                .iter()
                .all(|g| g.kind == GapKind::Material && self.deferrable.contains(&g.key))
    }
}

/// Whether a condition holds for the answers given.
pub fn holds(cond: &Option<Condition>, form: &FormData) -> bool {
    cond.as_ref().is_none_or(|c| {
        form.get(&c.field)
            .is_some_and(|v| c.one_of.iter().any(|o| o == v.trim()))
    })
}

fn field_gap(f: &FormField, reason: &str, detail: Option<String>) -> Gap {
    Gap {
        kind: GapKind::Field,
        key: f.key.clone(),
        label: f.label.clone(),
        reason: reason.into(),
        detail,
    }
}

/// What is wrong with one answer, if anything.
fn check_value(f: &FormField, value: &str) -> Option<Gap> {
    let v = value.trim();
    let gap = |reason: &str, detail: Option<String>| Some(field_gap(f, reason, detail));
    match f.kind {
        FieldKind::Number => match v.parse::<f64>() {
            Err(_) => gap("not_a_number", None),
            Ok(n) if f.min.is_some_and(|m| n < m) => gap("below_min", f.min.map(|m| m.to_string())),
            Ok(n) if f.max.is_some_and(|m| n > m) => gap("above_max", f.max.map(|m| m.to_string())),
            Ok(_) => None,
        },
        FieldKind::Date => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .is_err()
            .then(|| field_gap(f, "not_a_date", None)),
        FieldKind::Choice => (!f.options.iter().any(|o| o == v))
            .then(|| field_gap(f, "not_an_option", Some(f.options.join("、")))),
        FieldKind::IdNumber => ResidentIdNumber::parse(v)
            .is_err()
            .then(|| field_gap(f, "bad_id_number", None)),
        FieldKind::CreditCode => CreditCode::parse(v)
            .is_err()
            .then(|| field_gap(f, "bad_credit_code", None)),
        FieldKind::Phone => MobileNumber::parse(v)
            .is_err()
            .then(|| field_gap(f, "bad_phone", None)),
        FieldKind::Text | FieldKind::Address => f
            .max_length
            .filter(|m| v.chars().count() > *m as usize)
            .map(|m| field_gap(f, "too_long", Some(m.to_string()))),
    }
}

fn material_gap(m: &Material, reason: &str, detail: Option<String>) -> Gap {
    Gap {
        kind: GapKind::Material,
        key: m.id.clone(),
        label: m.name.clone(),
        reason: reason.into(),
        detail,
    }
}

/// What is wrong with how a material was presented, if anything.
fn check_material(m: &Material, presented: Option<Presented>) -> Option<Gap> {
    let paper_only = m.form == MaterialForm::Paper;
    match presented.unwrap_or(Presented::Missing) {
        Presented::Missing if m.required => Some(material_gap(m, "missing", None)),
        Presented::Missing => None,
        Presented::Commitment if !m.commitment_allowed => {
            Some(material_gap(m, "commitment_not_allowed", None))
        }
        Presented::Commitment => None,
        Presented::Copy
            if matches!(
                m.kind,
                MaterialKind::Original | MaterialKind::OriginalAndCopy
            ) =>
        {
            Some(material_gap(m, "original_needed", None))
        }
        Presented::Electronic if paper_only => Some(material_gap(m, "paper_needed", None)),
        Presented::Original | Presented::Copy | Presented::Electronic => None,
    }
}

/// Checks an application's answers and materials against the matter's content.
pub fn check(
    content: &Content,
    form: &FormData,
    materials: &MaterialsPresented,
) -> Result<Intake, Malformed> {
    if let Some(k) = form
        .keys()
        .find(|k| !content.form.iter().any(|f| &f.key == *k))
    {
        return Err(Malformed::UnknownField(k.clone()));
    }
    if let Some(k) = materials
        .keys()
        .find(|k| !content.materials.iter().any(|m| &m.id == *k))
    {
        return Err(Malformed::UnknownMaterial(k.clone()));
    }
    let mut gaps = Vec::new();
    for f in content.form.iter().filter(|f| holds(&f.when, form)) {
        match form.get(&f.key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None if f.required => gaps.push(field_gap(f, "required", None)),
            None => {}
            Some(v) => gaps.extend(check_value(f, v)),
        }
    }
    let applicable: Vec<&Material> = content
        .materials
        .iter()
        .filter(|m| holds(&m.when, form))
        .collect();
    for m in &applicable {
        gaps.extend(check_material(m, materials.get(&m.id).copied()));
    }
    let commitments = applicable
        .iter()
        .filter(|m| m.commitment_allowed && materials.get(&m.id) == Some(&Presented::Commitment))
        .map(|m| m.id.clone())
        .collect();
    let deferrable = applicable
        .iter()
        .filter(|m| m.deficiency_allowed)
        .map(|m| m.id.clone())
        .collect();
    Ok(Intake {
        gaps,
        commitments,
        deferrable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::form::Condition;

    fn field(key: &str, kind: FieldKind, required: bool) -> FormField {
        FormField {
            key: key.into(),
            label: format!("{key} 标签"),
            kind,
            required,
            options: vec![],
            min: None,
            max: None,
            max_length: None,
            help: None,
            when: None,
        }
    }

    fn material(id: &str, required: bool) -> Material {
        toml::from_str(&format!(
            "id = \"{id}\"\nname = \"{id} 材料\"\nrequired = {required}"
        ))
        .unwrap()
    }

    fn content(form: Vec<FormField>, materials: Vec<Material>) -> Content {
        let mut c: Content = toml::from_str(
            r#"
summary = "s"
legal_basis = []
service_objects = ["natural_person"]
conditions = []
legal_limit = { days = 20 }
promised_limit = { days = 10 }
visits = 0
online_depth = "fully_online"
case_type = "promised"
steps = []
result = { name = "r", type = "approval_document" }
"#,
        )
        .unwrap();
        c.form = form;
        c.materials = materials;
        c
    }

    fn data(pairs: &[(&str, &str)]) -> FormData {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn everything_missing_or_wrong_is_found_at_once() {
        let mut age = field("age", FieldKind::Number, true);
        age.min = Some(60.0);
        let mut kind = field("kind", FieldKind::Choice, true);
        kind.options = vec!["本人".into(), "代办".into()];
        let mut agent = field("agent_phone", FieldKind::Phone, true);
        agent.when = Some(Condition {
            field: "kind".into(),
            one_of: vec!["代办".into()],
        });
        let c = content(
            vec![age, kind, agent, field("address", FieldKind::Address, true)],
            vec![material("id_card", true), material("photo", false)],
        );
        let intake = check(
            &c,
            &data(&[("age", "59"), ("kind", "代办")]),
            &BTreeMap::new(),
        )
        .unwrap();
        let reasons: Vec<(&str, &str)> = intake
            .gaps
            .iter()
            .map(|g| (g.key.as_str(), g.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("age", "below_min"),
                ("agent_phone", "required"),
                ("address", "required"),
                ("id_card", "missing")
            ]
        );
        assert_eq!(intake.gaps[0].detail.as_deref(), Some("60"));
        assert!(!intake.is_complete());
    }

    #[test]
    fn a_condition_that_does_not_hold_asks_for_nothing() {
        let mut kind = field("kind", FieldKind::Choice, true);
        kind.options = vec!["本人".into(), "代办".into()];
        let mut agent = field("agent_phone", FieldKind::Phone, true);
        agent.when = Some(Condition {
            field: "kind".into(),
            one_of: vec!["代办".into()],
        });
        let mut letter = material("authorization", true);
        letter.when = agent.when.clone();
        let c = content(vec![kind, agent], vec![letter]);
        let intake = check(&c, &data(&[("kind", "本人")]), &BTreeMap::new()).unwrap();
        assert!(intake.is_complete(), "{:?}", intake.gaps);
    }

    #[test]
    fn kinds_are_checked() {
        let c = content(
            vec![
                field("id", FieldKind::IdNumber, true),
                field("uscc", FieldKind::CreditCode, true),
                field("on", FieldKind::Date, true),
                field("phone", FieldKind::Phone, true),
            ],
            vec![],
        );
        let bad = check(
            &c,
            &data(&[
                ("id", "331199195603120027"),
                ("uscc", "x"),
                ("on", "2026-02-30"),
                ("phone", "123"),
            ]),
            &BTreeMap::new(),
        )
        .unwrap();
        let reasons: Vec<&str> = bad.gaps.iter().map(|g| g.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "bad_id_number",
                "bad_credit_code",
                "not_a_date",
                "bad_phone"
            ]
        );
        let good = check(
            &c,
            &data(&[
                ("id", "331199195603120026"),
                ("uscc", "11331199MB1A001006"),
                ("on", "2026-02-28"),
                ("phone", "13800000001"),
            ]),
            &BTreeMap::new(),
        )
        .unwrap();
        assert!(good.is_complete(), "{:?}", good.gaps);
    }

    #[test]
    fn deficiency_and_commitment_follow_the_catalog() {
        let mut proof = material("income_proof", true);
        proof.deficiency_allowed = true;
        let mut marriage = material("marriage_certificate", true);
        marriage.commitment_allowed = true;
        let strict = material("id_card", true);
        let c = content(vec![], vec![proof, marriage, strict]);
        let presented: MaterialsPresented = [
            ("marriage_certificate".to_string(), Presented::Commitment),
            ("id_card".to_string(), Presented::Original),
        ]
        .into_iter()
        .collect();
        let intake = check(&c, &FormData::new(), &presented).unwrap();
        assert_eq!(intake.commitments, ["marriage_certificate"]);
        assert!(intake.may_accept_with_deficiency(), "{:?}", intake.gaps);
        let copy: MaterialsPresented = [
            ("marriage_certificate".to_string(), Presented::Commitment),
            ("id_card".to_string(), Presented::Copy),
        ]
        .into_iter()
        .collect();
        let intake = check(&c, &FormData::new(), &copy).unwrap();
        assert!(
            !intake.may_accept_with_deficiency(),
            "a copy of an original is not deferrable"
        );
        let refused: MaterialsPresented = [("id_card".to_string(), Presented::Commitment)]
            .into_iter()
            .collect();
        let intake = check(&c, &FormData::new(), &refused).unwrap();
        assert!(intake
            .gaps
            .iter()
            .any(|g| g.reason == "commitment_not_allowed"));
    }

    #[test]
    fn a_field_or_material_the_matter_lacks_is_malformed() {
        let c = content(vec![], vec![material("id_card", true)]);
        assert_eq!(
            check(&c, &data(&[("nope", "1")]), &BTreeMap::new()),
            Err(Malformed::UnknownField("nope".into()))
        );
        let extra: MaterialsPresented = [("x".to_string(), Presented::Copy)].into_iter().collect();
        assert_eq!(
            check(&c, &FormData::new(), &extra),
            Err(Malformed::UnknownMaterial("x".into()))
        );
    }
}
