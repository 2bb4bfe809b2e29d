//! The back-office flow of an implementation: steps with roles and limits, parallel branches
//! (a step with several successors forks; a step with several predecessors joins), conditions
//! on form fields, and separation of duties. The engine that runs flows comes later; here
//! flows are declared and checked.

use super::form::{check_condition, Condition, FormError, FormField};
use crate::codes::StepRole;
use crate::CreditCode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A flow: its first step, its steps, and the groups of steps that must be done by
/// different people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub start: String,
    pub steps: Vec<Step>,
    /// Each group lists steps that must be done by pairwise different people.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distinct: Vec<Vec<String>>,
}

/// One step of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub name: String,
    /// The role; unknown roles are refused at import.
    pub role: String,
    /// The department that does it, if not the implementing one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<CreditCode>,
    /// Working days this step may take.
    pub days: u16,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Decided in the department's own system; the platform records the outcome.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
}

impl Step {
    pub fn step_role(&self) -> Option<StepRole> {
        StepRole::from_key(&self.role)
    }
}

/// Checks a flow against the form it reads: known roles, known successors, the start step,
/// no cycle, every step reachable, at least one end, conditions on real fields, and
/// separation-of-duty groups naming real steps.
pub fn validate_flow(flow: &Flow, form: &[FormField], at: &str) -> Vec<FormError> {
    let mut errors = Vec::new();
    let e = |path: String, message: String| FormError { path, message };
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, s) in flow.steps.iter().enumerate() {
        if index.insert(s.id.as_str(), i).is_some() {
            errors.push(e(
                format!("{at}.steps[{i}].id"),
                format!("环节标识“{}”重复", s.id),
            ));
        }
    }
    if !index.contains_key(flow.start.as_str()) {
        errors.push(e(
            format!("{at}.start"),
            format!("起始环节“{}”不存在", flow.start),
        ));
    }
    let fields: BTreeMap<&str, &FormField> = form.iter().map(|f| (f.key.as_str(), f)).collect();
    for (i, s) in flow.steps.iter().enumerate() {
        let path = format!("{at}.steps[{i}]");
        if s.step_role().is_none() {
            let known: Vec<&str> = StepRole::ALL.iter().map(|r| r.key()).collect();
            errors.push(e(
                format!("{path}.role"),
                format!(
                    "环节“{}”的角色“{}”未知，可用：{}",
                    s.id,
                    s.role,
                    known.join("、")
                ),
            ));
        }
        for n in &s.next {
            if !index.contains_key(n.as_str()) {
                errors.push(e(
                    format!("{path}.next"),
                    format!("环节“{}”的后续环节“{n}”不存在", s.id),
                ));
            }
        }
        if let Some(cond) = &s.when {
            errors.extend(check_condition(cond, &fields, &format!("{path}.when")));
        }
    }
    if let Some(cycle) = find_cycle(flow, &index) {
        errors.push(e(format!("{at}.steps"), format!("流程存在循环：{cycle}")));
    } else if index.contains_key(flow.start.as_str()) {
        let reachable = reachable_from(flow, &index);
        for (i, s) in flow.steps.iter().enumerate() {
            if !reachable.contains(s.id.as_str()) {
                errors.push(e(
                    format!("{at}.steps[{i}]"),
                    format!("环节“{}”从起始环节无法到达", s.id),
                ));
            }
        }
    }
    if !flow.steps.is_empty()
        && flow
            .steps
            .iter()
            .all(|s| !successors(flow, &index, &s.id).is_empty())
    {
        errors.push(e(format!("{at}.steps"), "流程没有结束环节".into()));
    }
    for (g, group) in flow.distinct.iter().enumerate() {
        if group.len() < 2 {
            errors.push(e(
                format!("{at}.distinct[{g}]"),
                "不同人办理的环节组至少要有两个环节".into(),
            ));
        }
        for id in group {
            if !index.contains_key(id.as_str()) {
                errors.push(e(
                    format!("{at}.distinct[{g}]"),
                    format!("环节“{id}”不存在"),
                ));
            }
        }
    }
    errors
}

fn successors<'a>(flow: &'a Flow, index: &BTreeMap<&str, usize>, id: &str) -> Vec<&'a str> {
    index
        .get(id)
        .and_then(|i| flow.steps.get(*i))
        .map(|s| {
            s.next
                .iter()
                .map(String::as_str)
                .filter(|n| index.contains_key(n))
                .collect()
        })
        .unwrap_or_default()
}

fn reachable_from<'a>(flow: &'a Flow, index: &BTreeMap<&str, usize>) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![flow.start.as_str()];
    while let Some(id) = stack.pop() {
        if seen.insert(id) {
            stack.extend(successors(flow, index, id));
        }
    }
    seen
}

fn find_cycle(flow: &Flow, index: &BTreeMap<&str, usize>) -> Option<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    for s in &flow.steps {
        let mut path: Vec<(&str, Vec<&str>)> = Vec::new();
        if marks.contains_key(s.id.as_str()) {
            continue;
        }
        marks.insert(s.id.as_str(), Mark::Open);
        path.push((s.id.as_str(), successors(flow, index, &s.id)));
        while let Some((node, rest)) = path.last_mut() {
            let node = *node;
            match rest.pop() {
                Some(next) => match marks.get(next) {
                    Some(Mark::Open) => {
                        let start = path.iter().position(|(n, _)| *n == next).unwrap_or(0);
                        let mut names: Vec<&str> = path[start..].iter().map(|(n, _)| *n).collect();
                        names.push(next);
                        return Some(names.join(" → "));
                    }
                    Some(Mark::Done) => {}
                    None => {
                        marks.insert(next, Mark::Open);
                        path.push((next, successors(flow, index, next)));
                    }
                },
                None => {
                    marks.insert(node, Mark::Done);
                    path.pop();
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, role: &str, next: &[&str]) -> Step {
        Step {
            id: id.into(),
            name: id.into(),
            role: role.into(),
            department: None,
            days: 1,
            next: next.iter().map(|s| s.to_string()).collect(),
            when: None,
            external: false,
        }
    }

    fn flow(steps: Vec<Step>) -> Flow {
        Flow {
            start: "accept".into(),
            steps,
            distinct: vec![],
        }
    }

    #[test]
    fn parallel_branches_that_join_are_fine() {
        let mut f = flow(vec![
            step("accept", "window_clerk", &["a", "b"]),
            step("a", "handler", &["approve"]),
            step("b", "handler", &["approve"]),
            step("approve", "approver", &[]),
        ]);
        f.distinct = vec![vec!["a".into(), "approve".into()]];
        assert_eq!(validate_flow(&f, &[], "flow"), vec![]);
    }

    #[test]
    fn refuses_unknown_role_and_successor() {
        let f = flow(vec![step("accept", "janitor", &["nowhere"])]);
        let errors = validate_flow(&f, &[], "flow");
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, vec!["flow.steps[0].role", "flow.steps[0].next"]);
        assert!(errors[0].message.contains("janitor"));
    }

    #[test]
    fn refuses_a_cycle() {
        let f = flow(vec![
            step("accept", "window_clerk", &["handle"]),
            step("handle", "handler", &["review"]),
            step("review", "reviewer", &["handle", "end"]),
            step("end", "approver", &[]),
        ]);
        let errors = validate_flow(&f, &[], "flow");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].message.contains("handle → review → handle"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn refuses_an_unreachable_step_and_missing_start() {
        let f = flow(vec![
            step("accept", "window_clerk", &[]),
            step("orphan", "handler", &[]),
        ]);
        let errors = validate_flow(&f, &[], "flow");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "flow.steps[1]");
        let mut g = f.clone();
        g.start = "begin".into();
        assert!(validate_flow(&g, &[], "flow")
            .iter()
            .any(|e| e.path == "flow.start"));
    }

    #[test]
    fn conditions_must_name_form_fields_and_groups_real_steps() {
        let mut s = step("accept", "window_clerk", &[]);
        s.when = Some(Condition {
            field: "ghost".into(),
            one_of: vec!["x".into()],
        });
        let mut f = flow(vec![s]);
        f.distinct = vec![vec!["accept".into(), "nobody".into()]];
        let paths: Vec<_> = validate_flow(&f, &[], "flow")
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(paths, vec!["flow.steps[0].when.field", "flow.distinct[0]"]);
    }
}
