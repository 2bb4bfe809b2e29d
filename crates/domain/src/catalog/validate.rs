//! Checks a whole catalog batch before anything is stored: references, unique codes,
//! forms, flows, and that implementations only narrow their base unless they declare it.

use super::check::contradictions;
use super::file::{CatalogBatch, MatterFile};
use super::flow::validate_flow;
use super::form::{check_condition, validate_form, FormField};
use super::matter::{Content, Implementation};
use crate::division::validate_divisions;
use std::collections::{BTreeMap, BTreeSet};

/// Which part of a batch a problem is in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Divisions,
    Departments,
    Places,
    LifeEvents,
    /// A matter file, by its position in the batch.
    Matter(usize),
}

/// One problem, located by target and field path (e.g. `implementation[0].department`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub target: Target,
    pub path: String,
    pub message: String,
}

struct Collector(Vec<Problem>);

impl Collector {
    fn push(&mut self, target: Target, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            target,
            path: path.into(),
            message: message.into(),
        });
    }
}

/// Every problem in a batch; empty means it may be imported.
pub fn validate_batch(batch: &CatalogBatch) -> Vec<Problem> {
    let mut c = Collector(Vec::new());
    for e in validate_divisions(&batch.divisions) {
        c.push(Target::Divisions, "division", e.to_string());
    }
    let divisions: BTreeMap<&str, _> = batch
        .divisions
        .iter()
        .map(|d| (d.code.as_str(), d))
        .collect();
    let mut departments = BTreeMap::new();
    for (i, d) in batch.departments.iter().enumerate() {
        if departments.insert(d.code.as_str(), d).is_some() {
            c.push(
                Target::Departments,
                format!("department[{i}].code"),
                format!("部门代码 {} 重复", d.code),
            );
        }
        if !divisions.contains_key(d.division.as_str()) {
            c.push(
                Target::Departments,
                format!("department[{i}].division"),
                format!("区划 {} 不存在", d.division),
            );
        }
    }
    let mut places = BTreeMap::new();
    for (i, p) in batch.places.iter().enumerate() {
        if places.insert(p.code.as_str(), p).is_some() {
            c.push(
                Target::Places,
                format!("place[{i}].code"),
                format!("场所代码 {} 重复", p.code),
            );
        }
        if !divisions.contains_key(p.division.as_str()) {
            c.push(
                Target::Places,
                format!("place[{i}].division"),
                format!("区划 {} 不存在", p.division),
            );
        }
    }
    for (i, p) in batch.places.iter().enumerate() {
        if let Some(parent) = &p.parent {
            if !places.contains_key(parent.as_str()) {
                c.push(
                    Target::Places,
                    format!("place[{i}].parent"),
                    format!("上级场所 {parent} 不存在"),
                );
            }
        }
    }
    let mut events = BTreeSet::new();
    for (i, e) in batch.life_events.iter().enumerate() {
        if !events.insert(e.key.as_str()) {
            c.push(
                Target::LifeEvents,
                format!("life_event[{i}].key"),
                format!("一件事 {} 重复", e.key),
            );
        }
    }
    let refs = Refs {
        divisions: &divisions,
        departments: &departments,
        places: &places,
        events: &events,
    };
    let mut base_codes = BTreeMap::new();
    let mut impl_codes = BTreeMap::new();
    for (m, file) in batch.matters.iter().enumerate() {
        let t = Target::Matter(m);
        if let Some(other) = base_codes.insert(file.matter.code.as_str(), m) {
            c.push(
                t.clone(),
                "matter.code",
                format!(
                    "基本编码 {} 与第 {} 个事项文件重复",
                    file.matter.code,
                    other + 1
                ),
            );
        }
        for (i, imp) in file.implementation.iter().enumerate() {
            if impl_codes.insert(imp.code.as_str(), m).is_some() {
                c.push(
                    t.clone(),
                    format!("implementation[{i}].code"),
                    format!("实施编码 {} 重复", imp.code),
                );
            }
        }
        validate_matter(file, &refs, &t, &mut c);
    }
    c.0
}

struct Refs<'a> {
    divisions: &'a BTreeMap<&'a str, &'a crate::Division>,
    departments: &'a BTreeMap<&'a str, &'a crate::department::Department>,
    places: &'a BTreeMap<&'a str, &'a crate::department::ServicePlace>,
    events: &'a BTreeSet<&'a str>,
}

fn validate_matter(file: &MatterFile, refs: &Refs<'_>, t: &Target, c: &mut Collector) {
    let base = &file.matter;
    if crate::text::is_blank(&base.name) {
        c.push(t.clone(), "matter.name", "事项名称不能为空");
    }
    if base.use_levels.is_empty() {
        c.push(t.clone(), "matter.use_levels", "至少要有一个行使层级");
    }
    if base.cancel_date.is_some_and(|d| d <= base.effective_date) {
        c.push(
            t.clone(),
            "matter.cancel_date",
            "计划取消日期应晚于生效日期",
        );
    }
    validate_content(&base.guide, "matter.guide", refs, t, c);
    if file.implementation.is_empty() {
        c.push(t.clone(), "implementation", "事项至少要有一个实施清单");
    }
    for (i, imp) in file.implementation.iter().enumerate() {
        validate_implementation(
            imp,
            &base.guide,
            &format!("implementation[{i}]"),
            refs,
            t,
            c,
        );
    }
}

fn validate_content(content: &Content, at: &str, refs: &Refs<'_>, t: &Target, c: &mut Collector) {
    if crate::text::is_blank(&content.summary) {
        c.push(t.clone(), format!("{at}.summary"), "请用一句话写明事项用途");
    }
    if content.service_objects.is_empty() {
        c.push(
            t.clone(),
            format!("{at}.service_objects"),
            "至少要有一个服务对象",
        );
    }
    if content.legal_basis.is_empty() {
        c.push(t.clone(), format!("{at}.legal_basis"), "缺少设定依据");
    }
    if content.promised_limit.is_longer_than(&content.legal_limit) {
        c.push(
            t.clone(),
            format!("{at}.promised_limit"),
            "承诺时限不能长于法定时限",
        );
    }
    for (i, e) in content.life_events.iter().enumerate() {
        if !refs.events.contains(e.as_str()) {
            c.push(
                t.clone(),
                format!("{at}.life_events[{i}]"),
                format!("一件事“{e}”不存在"),
            );
        }
    }
    let mut ids = BTreeSet::new();
    let fields: BTreeMap<&str, &FormField> =
        content.form.iter().map(|f| (f.key.as_str(), f)).collect();
    for (i, m) in content.materials.iter().enumerate() {
        if m.id.is_empty()
            || !m
                .id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            c.push(
                t.clone(),
                format!("{at}.materials[{i}].id"),
                format!("材料标识“{}”只能由字母、数字和下划线组成", m.id),
            );
        }
        if !ids.insert(m.id.as_str()) {
            c.push(
                t.clone(),
                format!("{at}.materials[{i}].id"),
                format!("材料标识“{}”重复", m.id),
            );
        }
        if crate::text::is_blank(&m.name) {
            c.push(
                t.clone(),
                format!("{at}.materials[{i}].name"),
                "材料名称不能为空",
            );
        }
        if let Some(cond) = &m.when {
            for e in check_condition(cond, &fields, &format!("{at}.materials[{i}].when")) {
                c.push(t.clone(), e.path, e.message);
            }
        }
    }
    for e in validate_form(&content.form, &format!("{at}.form")) {
        c.push(t.clone(), e.path, e.message);
    }
    if let Some(flow) = &content.flow {
        for e in validate_flow(flow, &content.form, &format!("{at}.flow")) {
            c.push(t.clone(), e.path, e.message);
        }
        for (i, s) in flow.steps.iter().enumerate() {
            if let Some(d) = &s.department {
                if !refs.departments.contains_key(d.as_str()) {
                    c.push(
                        t.clone(),
                        format!("{at}.flow.steps[{i}].department"),
                        format!("部门 {d} 不存在"),
                    );
                }
            }
        }
    }
}

fn validate_implementation(
    imp: &Implementation,
    base: &Content,
    at: &str,
    refs: &Refs<'_>,
    t: &Target,
    c: &mut Collector,
) {
    let Some(division) = refs.divisions.get(imp.division.as_str()) else {
        c.push(
            t.clone(),
            format!("{at}.division"),
            format!("区划 {} 不存在", imp.division),
        );
        return;
    };
    match refs.departments.get(imp.department.as_str()) {
        None => c.push(
            t.clone(),
            format!("{at}.department"),
            format!("部门 {} 不存在", imp.department),
        ),
        Some(d) if d.division != division.code => c.push(
            t.clone(),
            format!("{at}.department"),
            format!(
                "部门 {} 属于区划 {}，不是实施区划 {}",
                d.name, d.division, division.code
            ),
        ),
        Some(_) => {}
    }
    if imp.places.is_empty() {
        c.push(t.clone(), format!("{at}.places"), "至少要有一个受理场所");
    }
    for (i, p) in imp.places.iter().enumerate() {
        if !refs.places.contains_key(p.as_str()) {
            c.push(
                t.clone(),
                format!("{at}.places[{i}]"),
                format!("受理场所 {p} 不存在"),
            );
        }
    }
    if imp.channels.is_empty() {
        c.push(t.clone(), format!("{at}.channels"), "至少要有一个办理渠道");
    }
    let o = &imp.overrides;
    if o.materials.is_some() && !(o.drop_materials.is_empty() && o.material_updates.is_empty()) {
        c.push(
            t.clone(),
            format!("{at}.overrides.materials"),
            "materials 重写整份材料清单，不能再与 drop_materials、material_updates 同用",
        );
    }
    for (i, id) in o.drop_materials.iter().enumerate() {
        if !base.materials.iter().any(|m| &m.id == id) {
            c.push(
                t.clone(),
                format!("{at}.overrides.drop_materials[{i}]"),
                format!("基本目录没有标识为“{id}”的材料"),
            );
        }
    }
    for (i, m) in o.material_updates.iter().enumerate() {
        if o.drop_materials.contains(&m.id) || o.material_updates[..i].iter().any(|x| x.id == m.id)
        {
            c.push(
                t.clone(),
                format!("{at}.overrides.material_updates[{i}].id"),
                format!(
                    "材料“{}”在 drop_materials 或 material_updates 中出现了不止一次",
                    m.id
                ),
            );
        }
    }
    let local = imp.overrides.apply(base);
    validate_content(&local, &format!("{at}.overrides"), refs, t, c);
    let found = contradictions(base, &local);
    for x in &found {
        if !imp.deviations.iter().any(|d| d.key == x.key) {
            c.push(
                t.clone(),
                format!("{at}.overrides.{}", x.field),
                format!(
                    "{}：实施清单只能缩减基本目录；如确需如此，请在 deviations 中声明 key = \"{}\" 并写明理由",
                    x.detail, x.key
                ),
            );
        }
    }
    for (i, d) in imp.deviations.iter().enumerate() {
        if crate::text::is_blank(&d.reason) {
            c.push(
                t.clone(),
                format!("{at}.deviations[{i}].reason"),
                "声明偏离必须写明理由",
            );
        }
        if !found.iter().any(|x| x.key == d.key) {
            c.push(
                t.clone(),
                format!("{at}.deviations[{i}].key"),
                format!("声明的偏离“{}”与基本目录并无矛盾，请删除", d.key),
            );
        }
    }
}
