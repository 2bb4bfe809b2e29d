//! `catalog check`: where an implementation contradicts its base matter, and where townships'
//! versions of the same matter differ.

use super::matter::{Content, Material};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One way an implementation is not a narrowing of its base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contradiction {
    /// The key a declared deviation names, e.g. `material:village_proof` or `visits`.
    pub key: String,
    /// Plain words for a centre manager.
    pub detail: String,
    /// The overrides field that causes it.
    pub field: &'static str,
}

fn required(materials: &[Material]) -> BTreeMap<&str, &Material> {
    materials
        .iter()
        .filter(|m| m.required)
        .map(|m| (m.id.as_str(), m))
        .collect()
}

/// Every contradiction of `local` (an implementation's resolved content) against `base`.
pub fn contradictions(base: &Content, local: &Content) -> Vec<Contradiction> {
    let mut out = Vec::new();
    let base_required = required(&base.materials);
    let local_required = required(&local.materials);
    let base_all: BTreeMap<&str, &Material> =
        base.materials.iter().map(|m| (m.id.as_str(), m)).collect();
    for (id, m) in &local_required {
        if base_required.contains_key(id) {
            continue;
        }
        let detail = if base_all.contains_key(id) {
            format!("把基本目录中的非必要材料“{}”改为必要材料", m.name)
        } else {
            format!("增加了基本目录没有的必要材料“{}”", m.name)
        };
        out.push(Contradiction {
            key: format!("material:{id}"),
            detail,
            field: "materials",
        });
    }
    for (id, m) in &base_required {
        if !local_required.contains_key(id) {
            out.push(Contradiction {
                key: format!("material:{id}"),
                detail: format!("缺少基本目录要求的必要材料“{}”", m.name),
                field: "materials",
            });
        }
    }
    if local.legal_limit.is_longer_than(&base.legal_limit) {
        out.push(Contradiction {
            key: "legal_limit".into(),
            detail: format!(
                "法定办结时限 {} 天，长于基本目录的 {} 天",
                local.legal_limit.days, base.legal_limit.days
            ),
            field: "legal_limit",
        });
    }
    if local.promised_limit.is_longer_than(&base.promised_limit) {
        out.push(Contradiction {
            key: "promised_limit".into(),
            detail: format!(
                "承诺办结时限 {} 天，长于基本目录的 {} 天",
                local.promised_limit.days, base.promised_limit.days
            ),
            field: "promised_limit",
        });
    }
    if local.visits > base.visits {
        out.push(Contradiction {
            key: "visits".into(),
            detail: format!(
                "到现场 {} 次，多于基本目录的 {} 次",
                local.visits, base.visits
            ),
            field: "visits",
        });
    }
    if local.online_depth.level() < base.online_depth.level() {
        out.push(Contradiction {
            key: "online_depth".into(),
            detail: format!(
                "网办深度为 {} 级，浅于基本目录的 {} 级",
                local.online_depth.level(),
                base.online_depth.level()
            ),
            field: "online_depth",
        });
    }
    let base_fees: Vec<&str> = base.fees.iter().map(|f| f.name.as_str()).collect();
    let added: Vec<&str> = local
        .fees
        .iter()
        .map(|f| f.name.as_str())
        .filter(|n| !base_fees.contains(n))
        .collect();
    if !added.is_empty() {
        out.push(Contradiction {
            key: "fees".into(),
            detail: format!("增加了基本目录没有的收费：{}", added.join("、")),
            field: "fees",
        });
    }
    out
}

/// The aspects in which two versions of the same matter differ, in plain words.
pub fn differences(a: &Content, b: &Content) -> Vec<String> {
    let mut out = Vec::new();
    let names = |c: &Content, req: bool| -> Vec<String> {
        c.materials
            .iter()
            .filter(|m| m.required == req)
            .map(|m| m.name.clone())
            .collect()
    };
    let set_diff = |x: &[String], y: &[String]| -> Vec<String> {
        x.iter().filter(|n| !y.contains(n)).cloned().collect()
    };
    for (req, label) in [(true, "必要材料"), (false, "非必要材料")] {
        let (ma, mb) = (names(a, req), names(b, req));
        let (only_a, only_b) = (set_diff(&ma, &mb), set_diff(&mb, &ma));
        if !only_a.is_empty() || !only_b.is_empty() {
            out.push(format!(
                "{label}不同（仅前者：{}；仅后者：{}）",
                or_none(&only_a),
                or_none(&only_b)
            ));
        }
    }
    if a.legal_limit != b.legal_limit {
        out.push(format!(
            "法定时限 {} 天 / {} 天",
            a.legal_limit.days, b.legal_limit.days
        ));
    }
    if a.promised_limit != b.promised_limit {
        out.push(format!(
            "承诺时限 {} 天 / {} 天",
            a.promised_limit.days, b.promised_limit.days
        ));
    }
    if a.visits != b.visits {
        out.push(format!("跑动次数 {} 次 / {} 次", a.visits, b.visits));
    }
    if a.online_depth != b.online_depth {
        out.push(format!(
            "网办深度 {} 级 / {} 级",
            a.online_depth.level(),
            b.online_depth.level()
        ));
    }
    if a.fees != b.fees {
        out.push("收费不同".into());
    }
    if a.conditions != b.conditions {
        out.push("受理条件不同".into());
    }
    out
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() {
        "无".into()
    } else {
        items.join("、")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::matter::{ResultSpec, TimeLimit};
    use crate::codes::{
        CaseType, LimitUnit, MaterialForm, MaterialKind, MaterialSource, OnlineDepth, ResultType,
    };

    pub(crate) fn material(id: &str, required: bool) -> Material {
        Material {
            id: id.into(),
            name: format!("材料{id}"),
            required,
            kind: MaterialKind::Original,
            form: MaterialForm::Paper,
            copies: 1,
            paper_size: None,
            source: MaterialSource::Applicant,
            source_note: None,
            certificate_type: None,
            deficiency_allowed: false,
            commitment_allowed: false,
            blank_form: None,
            sample: None,
            instructions: None,
            acceptance_standard: None,
            legal_basis: None,
            note: None,
            when: None,
        }
    }

    pub(crate) fn content() -> Content {
        Content {
            summary: "s".into(),
            legal_basis: vec![],
            service_objects: vec![],
            conditions: vec![],
            materials: vec![material("a", true), material("b", false)],
            form: vec![],
            legal_limit: TimeLimit {
                days: 20,
                unit: LimitUnit::WorkingDay,
            },
            promised_limit: TimeLimit {
                days: 10,
                unit: LimitUnit::WorkingDay,
            },
            special_procedures: vec![],
            fees: vec![],
            visits: 1,
            visits_reason: None,
            online_depth: OnlineDepth::OnlineAcceptance,
            case_type: CaseType::Promised,
            steps: vec![],
            result: ResultSpec {
                name: "r".into(),
                result_type: ResultType::NoResult,
                certificate_type: None,
                sample: None,
            },
            faq: vec![],
            keywords: vec![],
            life_events: vec![],
            topics: vec![],
            quantity_limit: None,
            intermediary_services: None,
            flow: None,
        }
    }

    #[test]
    fn narrowing_is_not_a_contradiction() {
        let base = content();
        let mut local = content();
        local.materials.retain(|m| m.required);
        local.promised_limit.days = 5;
        local.visits = 0;
        local.online_depth = OnlineDepth::FullyOnline;
        assert_eq!(contradictions(&base, &local), vec![]);
        assert!(!differences(&base, &local).is_empty());
    }

    #[test]
    fn single_materials_are_added_dropped_and_changed_by_id() {
        use crate::catalog::matter::Overrides;
        let base = content();
        let keys = |o: &Overrides| -> Vec<String> {
            contradictions(&base, &o.apply(&base))
                .into_iter()
                .map(|c| c.key)
                .collect()
        };
        // A township adds one material: only that one is named, not every base material.
        let added = Overrides {
            material_updates: vec![material("village_proof", true)],
            ..Overrides::default()
        };
        let local = added.apply(&base);
        assert_eq!(
            local
                .materials
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>(),
            vec!["a", "b", "village_proof"]
        );
        assert_eq!(keys(&added), vec!["material:village_proof"]);
        // Dropping an optional one narrows; dropping a required one does not.
        let mut dropped = Overrides {
            drop_materials: vec!["b".into()],
            ..Overrides::default()
        };
        assert_eq!(keys(&dropped), Vec::<String>::new());
        assert_eq!(dropped.apply(&base).materials.len(), 1);
        dropped.drop_materials = vec!["a".into()];
        assert_eq!(keys(&dropped), vec!["material:a"]);
        // Changing one in place: fewer copies narrows, making it required does not.
        let mut b = material("b", false);
        b.copies = 2;
        let mut changed = Overrides {
            material_updates: vec![b.clone()],
            ..Overrides::default()
        };
        assert_eq!(changed.apply(&base).materials[1].copies, 2);
        assert_eq!(keys(&changed), Vec::<String>::new());
        b.required = true;
        changed.material_updates = vec![b];
        assert_eq!(keys(&changed), vec!["material:b"]);
    }

    #[test]
    fn every_widening_is_named() {
        let base = content();
        let mut local = content();
        local.materials = vec![material("b", true), material("c", true)];
        local.legal_limit.days = 30;
        local.promised_limit = TimeLimit {
            days: 15,
            unit: LimitUnit::NaturalDay,
        };
        local.visits = 2;
        local.online_depth = OnlineDepth::InformationOnly;
        local.fees = vec![crate::catalog::matter::Fee {
            name: "工本费".into(),
            standard: "10 元".into(),
            basis: None,
            reducible: false,
            reduction_basis: None,
        }];
        let keys: Vec<String> = contradictions(&base, &local)
            .into_iter()
            .map(|c| c.key)
            .collect();
        assert_eq!(
            keys,
            vec![
                "material:b",
                "material:c",
                "material:a",
                "legal_limit",
                "promised_limit",
                "visits",
                "online_depth",
                "fees"
            ]
        );
    }

    #[test]
    fn natural_days_are_compared_fairly() {
        let working = TimeLimit {
            days: 10,
            unit: LimitUnit::WorkingDay,
        };
        assert!(!TimeLimit {
            days: 14,
            unit: LimitUnit::NaturalDay
        }
        .is_longer_than(&working));
        assert!(TimeLimit {
            days: 15,
            unit: LimitUnit::NaturalDay
        }
        .is_longer_than(&working));
    }
}

/// One row of the `catalog check` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckRow {
    pub base_code: String,
    pub base_name: String,
    pub implementation: String,
    pub division: String,
    /// `contradiction`, `declared_deviation` or `township_difference`.
    pub kind: &'static str,
    pub key: String,
    pub detail: String,
    /// For a township difference: the other implementation and its division.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<(String, String)>,
}

/// The check report of a whole catalog: every contradiction (declared or not) of every
/// implementation, and every pair of townships whose versions of one matter differ.
/// `division_name` names a division code; `is_township` tells townships apart.
pub fn report(
    matters: &[super::file::MatterFile],
    division_name: impl Fn(&str) -> String,
    is_township: impl Fn(&str) -> bool,
) -> Vec<CheckRow> {
    let mut rows = Vec::new();
    for m in matters {
        let base = &m.matter;
        let resolved: Vec<(&super::Implementation, Content)> = m
            .implementation
            .iter()
            .map(|i| (i, i.overrides.apply(&base.guide)))
            .collect();
        for (imp, content) in &resolved {
            for c in contradictions(&base.guide, content) {
                let declared = imp.deviations.iter().find(|d| d.key == c.key);
                rows.push(CheckRow {
                    base_code: base.code.to_string(),
                    base_name: base.name.clone(),
                    implementation: imp.code.to_string(),
                    division: division_name(imp.division.as_str()),
                    kind: if declared.is_some() {
                        "declared_deviation"
                    } else {
                        "contradiction"
                    },
                    key: c.key,
                    detail: match declared {
                        Some(d) => format!("{}（已声明：{}）", c.detail, d.reason),
                        None => c.detail,
                    },
                    other: None,
                });
            }
        }
        let townships: Vec<&(&super::Implementation, Content)> = resolved
            .iter()
            .filter(|(i, _)| is_township(i.division.as_str()))
            .collect();
        for (i, (a, ca)) in townships.iter().enumerate() {
            for (b, cb) in townships.iter().skip(i + 1) {
                let diffs = differences(ca, cb);
                if diffs.is_empty() {
                    continue;
                }
                rows.push(CheckRow {
                    base_code: base.code.to_string(),
                    base_name: base.name.clone(),
                    implementation: a.code.to_string(),
                    division: division_name(a.division.as_str()),
                    kind: "township_difference",
                    key: "township".into(),
                    detail: diffs.join("；"),
                    other: Some((b.code.to_string(), division_name(b.division.as_str()))),
                });
            }
        }
    }
    rows
}
