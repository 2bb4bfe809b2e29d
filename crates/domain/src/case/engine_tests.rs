use super::*;
use crate::calendar::{parse_calendar, SHIPPED};
use crate::catalog::form::Condition;

fn cal() -> WorkingCalendar {
    WorkingCalendar::new(&parse_calendar(SHIPPED).unwrap())
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

/// accept (window) -> survey + check (parallel, check external in another department)
/// -> review -> approve; survey, review and approve by different people; check only when
/// `income` is "有".
fn dibao() -> Flow {
    toml::from_str(
        r#"
start = "accept"
distinct = [["survey", "review", "approve"]]

[[steps]]
id = "accept"
name = "受理"
role = "window_clerk"
days = 1
next = ["survey", "check"]

[[steps]]
id = "survey"
name = "入户调查"
role = "handler"
days = 8
next = ["review"]

[[steps]]
id = "check"
name = "经济状况核对"
role = "handler"
department = "11331199MB1A001006"
days = 8
next = ["review"]
external = true
when = { field = "income", in = ["有"] }

[[steps]]
id = "review"
name = "审核"
role = "reviewer"
days = 2
next = ["approve"]

[[steps]]
id = "approve"
name = "审批"
role = "approver"
days = 2
"#,
    )
    .unwrap()
}

struct Run {
    flow: Flow,
    form: FormData,
    cal: WorkingCalendar,
    tasks: Vec<Task>,
    next_id: u32,
}

impl Run {
    fn new(flow: Flow, income: &str) -> Run {
        Run {
            flow,
            form: [("income".to_string(), income.to_string())]
                .into_iter()
                .collect(),
            cal: cal(),
            tasks: Vec::new(),
            next_id: 0,
        }
    }

    fn with<T>(
        &mut self,
        f: impl FnOnce(&Engine<'_>, &mut Vec<Task>, &mut dyn FnMut() -> String) -> T,
    ) -> T {
        let mut tasks = std::mem::take(&mut self.tasks);
        let mut n = self.next_id;
        let out = {
            let engine = Engine {
                flow: &self.flow,
                form: &self.form,
                department: "11331199MB1A020100",
                cal: &self.cal,
                today: today(),
            };
            let mut ids = || {
                n += 1;
                format!("t{n}")
            };
            f(&engine, &mut tasks, &mut ids)
        };
        self.next_id = n;
        self.tasks = tasks;
        out
    }

    fn live(&self) -> Vec<(String, TaskState)> {
        self.tasks
            .iter()
            .filter(|t| t.state.is_live())
            .map(|t| (t.step.clone(), t.state))
            .collect()
    }

    fn task_of(&self, step: &str) -> String {
        self.tasks
            .iter()
            .rev()
            .find(|t| t.step == step && t.state.is_live())
            .map(|t| t.id.clone())
            .unwrap()
    }

    /// The first task a step opened, live or not.
    fn first_of(&self, step: &str) -> String {
        self.tasks
            .iter()
            .find(|t| t.step == step)
            .map(|t| t.id.clone())
            .unwrap()
    }

    fn claim_and(&mut self, step: &str, who: &str, d: Decision) -> Result<Outcome, FlowError> {
        let id = self.task_of(step);
        self.with(|e, tasks, _| e.claim(tasks, &id, who))?;
        self.with(|e, tasks, ids| e.decide(tasks, &id, who, d, ids))
    }
}

#[test]
fn acceptance_opens_the_parallel_steps_and_the_join_waits_for_both() {
    let mut run = Run::new(dibao(), "有");
    let out = run.with(|e, t, ids| e.start(t, "clerk", ids)).unwrap();
    assert_eq!(out, Outcome::Continues);
    assert_eq!(
        run.live(),
        [
            ("survey".into(), TaskState::Open),
            ("check".into(), TaskState::External)
        ]
    );
    let accept = &run.tasks[0];
    assert_eq!(
        (accept.verdict, accept.decided_by.as_deref()),
        (Some(Verdict::Pass), Some("clerk"))
    );
    assert_eq!(
        run.tasks[1].department, "11331199MB1A020100",
        "the implementing department's"
    );
    assert_eq!(
        run.tasks[2].department, "11331199MB1A001006",
        "the step's own department"
    );
    assert_eq!(
        run.tasks[1].limit.ends,
        NaiveDate::from_ymd_opt(2026, 3, 12)
    );

    run.claim_and("survey", "wu", Decision::Pass).unwrap();
    assert_eq!(
        run.live(),
        [("check".into(), TaskState::External)],
        "review waits for the check"
    );
    let check = run.task_of("check");
    let out = run
        .with(|e, t, ids| {
            e.external(
                t,
                &check,
                "civil-system",
                crate::case::External {
                    pass: true,
                    document: "民审〔2026〕12号",
                    reason: None,
                },
                ids,
            )
        })
        .unwrap();
    assert_eq!(out, Outcome::Continues);
    assert_eq!(run.live(), [("review".into(), TaskState::Open)]);
    run.claim_and("review", "chen", Decision::Pass).unwrap();
    assert_eq!(
        run.claim_and("approve", "li", Decision::Pass).unwrap(),
        Outcome::Approved
    );
    assert!(run.live().is_empty());
}

#[test]
fn a_step_whose_condition_does_not_hold_is_skipped() {
    let mut run = Run::new(dibao(), "无");
    run.with(|e, t, ids| e.start(t, "clerk", ids)).unwrap();
    assert_eq!(run.live(), [("survey".into(), TaskState::Open)]);
    let check = run.tasks.iter().find(|t| t.step == "check").unwrap();
    assert_eq!(check.verdict, Some(Verdict::Skipped));
    run.claim_and("survey", "wu", Decision::Pass).unwrap();
    assert_eq!(run.live(), [("review".into(), TaskState::Open)]);
}

#[test]
fn steps_marked_distinct_need_different_people() {
    let mut run = Run::new(dibao(), "无");
    run.with(|e, t, ids| e.start(t, "clerk", ids)).unwrap();
    run.claim_and("survey", "wu", Decision::Pass).unwrap();
    let err = run.claim_and("review", "wu", Decision::Pass).unwrap_err();
    assert_eq!(err, FlowError::SamePerson("入户调查".into()));
    let review = run.task_of("review");
    assert_eq!(
        run.tasks.iter().find(|t| t.id == review).unwrap().state,
        TaskState::Open,
        "refused at the claim: nobody holds a task they may not decide"
    );
    run.with(|e, t, _| e.claim(t, &review, "chen")).unwrap();
    let err = run
        .with(|e, t, _| e.hand_over(t, &review, "chen", "wu"))
        .unwrap_err();
    assert_eq!(
        err,
        FlowError::SamePerson("入户调查".into()),
        "nor handed to them"
    );
    let err = run
        .with(|e, t, ids| e.add_cosigner(t, &review, "chen", "wu", ids))
        .unwrap_err();
    assert_eq!(
        err,
        FlowError::SamePerson("入户调查".into()),
        "nor co-signed by them"
    );
    run.with(|e, t, ids| e.decide(t, &review, "chen", Decision::Pass, ids))
        .unwrap();
    assert_eq!(run.live(), [("approve".into(), TaskState::Open)]);
}

#[test]
fn a_task_is_decided_once_by_whoever_claimed_it() {
    let mut run = Run::new(dibao(), "无");
    run.with(|e, t, ids| e.start(t, "clerk", ids)).unwrap();
    let survey = run.task_of("survey");
    let unclaimed = run.with(|e, t, ids| e.decide(t, &survey, "wu", Decision::Pass, ids));
    assert_eq!(unclaimed, Err(FlowError::NotClaimedByYou));
    run.with(|e, t, _| e.claim(t, &survey, "wu")).unwrap();
    assert_eq!(
        run.with(|e, t, _| e.claim(t, &survey, "zhou")),
        Err(FlowError::NotOpen)
    );
    let other = run.with(|e, t, ids| e.decide(t, &survey, "zhou", Decision::Pass, ids));
    assert_eq!(other, Err(FlowError::NotClaimedByYou));
    run.with(|e, t, ids| e.decide(t, &survey, "wu", Decision::Pass, ids))
        .unwrap();
    let again = run.with(|e, t, ids| e.decide(t, &survey, "wu", Decision::Pass, ids));
    assert_eq!(again, Err(FlowError::AlreadyDecided));
    // Approve before review: the approve step has no task yet.
    let early = run.with(|e, t, ids| e.decide(t, "t999", "li", Decision::Pass, ids));
    assert_eq!(early, Err(FlowError::NoSuchTask));
}

#[test]
fn a_correction_returns_to_the_asker_and_a_denial_ends_everything() {
    let mut run = Run::new(dibao(), "有");
    run.with(|e, t, ids| e.start(t, "clerk", ids)).unwrap();
    let out = run
        .claim_and("survey", "wu", Decision::Return("补充收入证明".into()))
        .unwrap();
    assert_eq!(out, Outcome::Correction);
    let survey = run.task_of("survey");
    assert_eq!(
        run.tasks.iter().find(|t| t.id == survey).unwrap().state,
        TaskState::Correction
    );
    run.with(|e, t, _| e.corrected(t));
    let task = run.tasks.iter().find(|t| t.id == survey).unwrap();
    assert_eq!(
        (task.state, task.claimed_by.as_deref()),
        (TaskState::Claimed, Some("wu"))
    );
    let out = run
        .with(|e, t, ids| e.decide(t, &survey, "wu", Decision::Deny("不符合条件".into()), ids))
        .unwrap();
    assert_eq!(out, Outcome::Denied);
    assert!(run.live().is_empty(), "the external check is cancelled too");
}

#[test]
fn sent_back_to_an_earlier_step_it_starts_a_new_round() {
    let mut run = Run::new(dibao(), "无");
    run.with(|e, t, ids| e.start(t, "clerk", ids)).unwrap();
    run.claim_and("survey", "wu", Decision::Pass).unwrap();
    let review = run.task_of("review");
    run.with(|e, t, _| e.claim(t, &review, "chen")).unwrap();
    let later = run.with(|e, t, ids| e.send_back(t, &review, "chen", "approve", "x", ids));
    assert_eq!(later, Err(FlowError::NotEarlier));
    run.with(|e, t, ids| e.send_back(t, &review, "chen", "survey", "入户照片不清楚", ids))
        .unwrap();
    assert_eq!(run.live(), [("survey".into(), TaskState::Open)]);
    let survey = run.tasks.iter().rev().find(|t| t.step == "survey").unwrap();
    assert_eq!(survey.round, 2);
    run.claim_and("survey", "wu", Decision::Pass).unwrap();
    assert_eq!(run.live(), [("review".into(), TaskState::Open)]);
    let review = run.tasks.iter().rev().find(|t| t.step == "review").unwrap();
    assert_eq!(review.round, 2);
}

#[test]
fn a_decision_is_recalled_until_the_next_step_is_claimed() {
    let mut run = Run::new(dibao(), "无");
    run.with(|e, t, ids| e.start(t, "clerk", ids)).unwrap();
    run.claim_and("survey", "wu", Decision::Pass).unwrap();
    let survey = run.first_of("survey");
    assert_eq!(
        run.with(|e, t, _| e.recall(t, &survey, "chen")),
        Err(FlowError::NotClaimedByYou),
        "only one's own decision"
    );
    run.with(|e, t, _| e.recall(t, &survey, "wu")).unwrap();
    assert_eq!(run.live(), [("survey".into(), TaskState::Claimed)]);
    run.with(|e, t, ids| e.decide(t, &survey, "wu", Decision::Pass, ids))
        .unwrap();
    let review = run.task_of("review");
    run.with(|e, t, _| e.claim(t, &review, "chen")).unwrap();
    assert_eq!(
        run.with(|e, t, _| e.recall(t, &survey, "wu")),
        Err(FlowError::NextClaimed)
    );
}

#[test]
fn a_pass_is_not_recalled_once_a_parallel_step_denied_the_case() {
    let mut run = Run::new(dibao(), "有");
    run.with(|e, t, ids| e.start(t, "clerk", ids)).unwrap();
    run.claim_and("survey", "wu", Decision::Pass).unwrap();
    let survey = run.first_of("survey");
    let check = run.task_of("check");
    let out = run
        .with(|e, t, ids| {
            let no = crate::case::External {
                pass: false,
                document: "民审〔2026〕13号",
                reason: Some("家庭收入超过标准"),
            };
            e.external(t, &check, "civil-system", no, ids)
        })
        .unwrap();
    assert_eq!(out, Outcome::Denied);
    assert_eq!(
        run.with(|e, t, _| e.recall(t, &survey, "wu")),
        Err(FlowError::DeniedElsewhere)
    );
    assert!(run.live().is_empty(), "nothing reopened");
}

#[test]
fn a_step_with_a_co_signer_finishes_when_both_pass() {
    let mut run = Run::new(dibao(), "无");
    run.with(|e, t, ids| e.start(t, "clerk", ids)).unwrap();
    let survey = run.task_of("survey");
    run.with(|e, t, _| e.claim(t, &survey, "wu")).unwrap();
    assert_eq!(
        run.with(|e, t, ids| e.add_cosigner(t, &survey, "wu", "wu", ids)),
        Err(FlowError::ToSelf)
    );
    run.with(|e, t, ids| e.add_cosigner(t, &survey, "wu", "zhou", ids))
        .unwrap();
    let co = run.tasks.last().unwrap().id.clone();
    run.with(|e, t, ids| e.decide(t, &survey, "wu", Decision::Pass, ids))
        .unwrap();
    assert_eq!(
        run.live(),
        [("survey".into(), TaskState::Claimed)],
        "the co-signer's"
    );
    run.with(|e, t, ids| e.decide(t, &co, "zhou", Decision::Pass, ids))
        .unwrap();
    assert_eq!(run.live(), [("review".into(), TaskState::Open)]);
}

#[test]
fn a_step_past_its_limit_is_escalated_once() {
    let mut run = Run::new(dibao(), "无");
    run.with(|e, t, ids| e.start(t, "clerk", ids)).unwrap();
    let later = Engine {
        flow: &run.flow,
        form: &run.form,
        department: "x",
        cal: &run.cal,
        today: NaiveDate::from_ymd_opt(2026, 3, 13).unwrap(),
    };
    let escalated = later.escalate(&mut run.tasks);
    assert_eq!(escalated.len(), 1);
    assert!(later.escalate(&mut run.tasks).is_empty(), "once");
    let on_time = run.with(|e, t, _| e.escalate(t));
    assert!(on_time.is_empty());
}

#[test]
fn a_flow_with_only_the_window_step_is_approved_at_acceptance() {
    let flow: Flow = toml::from_str(
        "start = \"accept\"\n[[steps]]\nid = \"accept\"\nname = \"受理并办结\"\nrole = \"window_clerk\"\ndays = 0\n",
    )
    .unwrap();
    let mut run = Run::new(flow, "无");
    let out = run.with(|e, t, ids| e.start(t, "clerk", ids)).unwrap();
    assert_eq!(out, Outcome::Approved);
}

#[test]
fn conditions_read_the_form() {
    let c = Some(Condition {
        field: "income".into(),
        one_of: vec!["有".into()],
    });
    let run = Run::new(dibao(), "有");
    assert!(holds(&c, &run.form));
}
