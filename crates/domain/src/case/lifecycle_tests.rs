use super::*;
use crate::calendar::{parse_calendar, SHIPPED};
use crate::case::intake::{check, MaterialsPresented, Presented};
use crate::case::{Decision, TaskState};

fn cal() -> WorkingCalendar {
    WorkingCalendar::new(&parse_calendar(SHIPPED).unwrap())
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A matter: two materials (one deferrable), a 10-working-day promise, 20 legal days, and a
/// window -> handle -> approve flow done by different people.
fn content() -> Content {
    toml::from_str(
        r#"
summary = "s"
legal_basis = []
service_objects = ["natural_person"]
conditions = []
legal_limit = { days = 20 }
promised_limit = { days = 10 }
visits = 1
online_depth = "online_acceptance"
case_type = "promised"
steps = []
result = { name = "批复", type = "approval_document" }

[[materials]]
id = "id_card"
name = "身份证"
required = true

[[materials]]
id = "income_proof"
name = "收入证明"
required = true
deficiency_allowed = true

[flow]
start = "accept"
distinct = [["handle", "approve"]]

[[flow.steps]]
id = "accept"
name = "受理"
role = "window_clerk"
days = 1
next = ["handle"]

[[flow.steps]]
id = "handle"
name = "经办"
role = "handler"
days = 5
next = ["approve"]

[[flow.steps]]
id = "approve"
name = "审批"
role = "approver"
days = 2
"#,
    )
    .unwrap()
}

struct World {
    content: Content,
    form: FormData,
    cal: WorkingCalendar,
}

impl World {
    fn new() -> World {
        World {
            content: content(),
            form: FormData::new(),
            cal: cal(),
        }
    }

    fn ctx(&self, today: &str) -> Ctx<'_> {
        Ctx {
            content: &self.content,
            form: &self.form,
            department: "11331199MB1A001006",
            cal: &self.cal,
            today: d(today),
        }
    }

    fn intake(&self, presented: &[(&str, Presented)]) -> Intake {
        let m: MaterialsPresented = presented.iter().map(|(k, p)| (k.to_string(), *p)).collect();
        check(&self.content, &self.form, &m).unwrap()
    }
}

fn counter() -> impl FnMut() -> String {
    let mut n = 0;
    move || {
        n += 1;
        format!("t{n}")
    }
}

fn live_task(doc: &CaseDoc, step: &str) -> String {
    doc.tasks
        .iter()
        .find(|t| t.step == step && t.state.is_live())
        .unwrap()
        .id
        .clone()
}

#[test]
fn a_case_runs_from_acceptance_to_delivery() {
    let w = World::new();
    let intake = w.intake(&[
        ("id_card", Presented::Original),
        ("income_proof", Presented::Original),
    ]);
    let mut doc = CaseDoc::received(d("2026-03-02"), intake);
    let mut n = 0;
    let mut ids = || {
        n += 1;
        format!("t{n}")
    };
    let ctx = w.ctx("2026-03-02");
    let t = doc.accept(&ctx, "clerk", &mut ids).unwrap();
    assert_eq!(
        (t.before, t.after),
        (CaseState::Submitted, CaseState::InProgress)
    );
    assert_eq!(doc.promised.unwrap().ends, Some(d("2026-03-16")));
    assert_eq!(doc.legal.unwrap().ends, Some(d("2026-03-30")));
    let handle = live_task(&doc, "handle");
    doc.claim(&ctx, &handle, "wu").unwrap();
    doc.decide(&ctx, &handle, "wu", Decision::Pass, &mut ids)
        .unwrap();
    let approve = live_task(&doc, "approve");
    let same = doc.claim(&ctx, &approve, "wu");
    assert!(matches!(
        same,
        Err(CaseError::Flow(FlowError::SamePerson(_)))
    ));
    doc.claim(&ctx, &approve, "li").unwrap();
    let t = doc
        .decide(&ctx, &approve, "li", Decision::Pass, &mut ids)
        .unwrap();
    assert_eq!(t.after, CaseState::Decided);
    assert!(doc.verdict.as_ref().unwrap().approved);
    doc.conclude(d("2026-03-03"), "clerk2").unwrap();
    let t = doc
        .deliver(Delivery {
            method: DeliveryMethod::Window,
            on: d("2026-03-04"),
            by: "clerk3".into(),
            place: Some("331199-centre".into()),
            tracking: None,
        })
        .unwrap();
    assert_eq!(t.after, CaseState::Delivered);
    assert!(doc.state.is_final());
}

#[test]
fn an_incomplete_application_gets_one_notice_not_an_acceptance() {
    let w = World::new();
    let intake = w.intake(&[("id_card", Presented::Copy)]);
    assert_eq!(
        intake.gaps.len(),
        2,
        "the copy of an original, and the missing proof"
    );
    let mut doc = CaseDoc::received(d("2026-03-02"), intake);
    let ctx = w.ctx("2026-03-02");
    let mut ids = counter();
    assert_eq!(
        doc.accept(&ctx, "clerk", &mut ids),
        Err(CaseError::Incomplete)
    );
    assert_eq!(doc.state, CaseState::Submitted, "nothing changed");
    doc.notice().unwrap();
    assert_eq!((doc.state, doc.notices), (CaseState::Incomplete, 1));
    let again = World::new().intake(&[
        ("id_card", Presented::Original),
        ("income_proof", Presented::Original),
    ]);
    doc.resubmitted(d("2026-03-05"), again, MaterialsPresented::new())
        .unwrap();
    assert_eq!(
        (doc.state, doc.received_on),
        (CaseState::Submitted, d("2026-03-05"))
    );
}

#[test]
fn a_deficiency_is_accepted_until_the_promise_and_terminates_when_late() {
    let w = World::new();
    let intake = w.intake(&[("id_card", Presented::Original)]);
    let mut doc = CaseDoc::received(d("2026-03-02"), intake);
    let ctx2 = w.ctx("2026-03-02");
    let mut ids = counter();
    assert_eq!(
        doc.accept_with_deficiency(&ctx2, "clerk", d("2026-03-17"), &mut ids),
        Err(CaseError::DueTooLate(d("2026-03-16")))
    );
    doc.accept_with_deficiency(&ctx2, "clerk", d("2026-03-09"), &mut ids)
        .unwrap();
    assert_eq!(doc.deficiency.as_ref().unwrap().materials, ["income_proof"]);
    assert_eq!(
        doc.deficiency_expired(d("2026-03-09")),
        Err(CaseError::WrongState(CaseState::InProgress))
    );
    let t = doc.deficiency_expired(d("2026-03-10")).unwrap();
    assert_eq!(t.after, CaseState::Terminated);
    assert_eq!(doc.terminated_on, Some(d("2026-03-10")));
    assert_eq!(
        doc.deficiency.as_ref().map(|d| d.due),
        Some(d("2026-03-09")),
        "the notice names what was owed and by when"
    );
    assert!(doc.tasks.iter().all(|t| !t.state.is_live()));
}

#[test]
fn an_approval_is_not_concluded_while_materials_are_owed() {
    let w = World::new();
    let intake = w.intake(&[("id_card", Presented::Original)]);
    let mut doc = CaseDoc::received(d("2026-03-02"), intake);
    let mut ids = counter();
    doc.accept_with_deficiency(&w.ctx("2026-03-02"), "clerk", d("2026-03-09"), &mut ids)
        .unwrap();
    // As the flow leaves it when the last step approves.
    doc.state = CaseState::Decided;
    doc.verdict = Some(Verdict {
        approved: true,
        reason: None,
        on: d("2026-03-05"),
    });
    assert_eq!(
        doc.conclude(d("2026-03-05"), "clerk"),
        Err(CaseError::MaterialsOwed)
    );
    assert_eq!(doc.state, CaseState::Decided, "nothing changed");
    doc.supplied().unwrap();
    doc.conclude(d("2026-03-06"), "clerk").unwrap();
    assert_eq!(doc.state, CaseState::Concluded);
}

#[test]
fn a_correction_stops_the_clocks_and_resumes_them_with_what_remained() {
    let w = World::new();
    let intake = w.intake(&[
        ("id_card", Presented::Original),
        ("income_proof", Presented::Original),
    ]);
    let mut doc = CaseDoc::received(d("2026-03-02"), intake);
    let content = w.content.clone();
    let cal = w.cal.clone();
    let form = FormData::new();
    let at = |day: &str| Ctx {
        content: &content,
        form: &form,
        department: "x",
        cal: &cal,
        today: d(day),
    };
    let mut ids = counter();
    doc.accept(&at("2026-03-02"), "clerk", &mut ids).unwrap();
    let handle = live_task(&doc, "handle");
    doc.claim(&at("2026-03-04"), &handle, "wu").unwrap();
    let empty = doc.decide(
        &at("2026-03-04"),
        &handle,
        "wu",
        Decision::Return(" ".into()),
        &mut ids,
    );
    assert_eq!(empty, Err(CaseError::ReasonRequired));
    doc.decide(
        &at("2026-03-04"),
        &handle,
        "wu",
        Decision::Return("收入证明不清晰".into()),
        &mut ids,
    )
    .unwrap();
    assert_eq!(doc.state, CaseState::Correction);
    assert_eq!(doc.promised.unwrap().paused.map(|p| p.2), Some(8));
    doc.corrected(&at("2026-03-20")).unwrap();
    assert_eq!(doc.state, CaseState::InProgress);
    assert_eq!(doc.promised.unwrap().ends, Some(d("2026-04-01")));
    let task = doc.tasks.iter().find(|t| t.id == handle).unwrap();
    assert_eq!(
        (task.state, task.claimed_by.as_deref()),
        (TaskState::Claimed, Some("wu"))
    );
}

#[test]
fn silence_on_an_online_application_accepts_it_as_of_receipt() {
    let w = World::new();
    let intake = w.intake(&[
        ("id_card", Presented::Electronic),
        ("income_proof", Presented::Electronic),
    ]);
    let mut doc = CaseDoc::received(d("2026-02-13"), intake);
    let content = w.content.clone();
    let cal = w.cal.clone();
    let form = FormData::new();
    let ctx = Ctx {
        content: &content,
        form: &form,
        department: "x",
        cal: &cal,
        today: d("2026-02-28"),
    };
    let mut ids = counter();
    let t = doc.deem_accepted(&ctx, &mut ids).unwrap();
    assert_eq!(
        (t.action, doc.accepted_on),
        ("deemed_accepted", Some(d("2026-02-13")))
    );
    // 14, 24-28 February (the 14th and 28th are make-up Saturdays), 2-5 March.
    assert_eq!(
        doc.promised.unwrap().ends,
        Some(d("2026-03-05")),
        "counted from receipt"
    );
}

#[test]
fn a_refusal_needs_a_reason_and_a_special_procedure_stops_the_clock() {
    let w = World::new();
    let intake = w.intake(&[
        ("id_card", Presented::Original),
        ("income_proof", Presented::Original),
    ]);
    let mut doc = CaseDoc::received(d("2026-03-02"), intake.clone());
    assert_eq!(doc.refuse(""), Err(CaseError::ReasonRequired));
    doc.refuse("不属于本机关职权范围").unwrap();
    assert_eq!(doc.state, CaseState::Refused);
    assert!(matches!(
        doc.notice(),
        Err(CaseError::WrongState(CaseState::Refused))
    ));

    let mut doc = CaseDoc::received(d("2026-03-02"), intake);
    let content = w.content.clone();
    let cal = w.cal.clone();
    let form = FormData::new();
    let at = |day: &str| Ctx {
        content: &content,
        form: &form,
        department: "x",
        cal: &cal,
        today: d(day),
    };
    let mut ids = counter();
    doc.accept(&at("2026-03-02"), "clerk", &mut ids).unwrap();
    doc.special_procedure(&at("2026-03-03"), Some("专家评审"))
        .unwrap();
    assert_eq!(doc.legal.unwrap().paused.map(|p| p.2), Some(19));
    doc.special_procedure(&at("2026-03-10"), None).unwrap();
    assert_eq!(doc.legal.unwrap().ends, Some(d("2026-04-07")));

    // A correction asked and answered during a special procedure does not start the clock
    // again: only the procedure's end does.
    doc.special_procedure(&at("2026-03-11"), Some("专家评审"))
        .unwrap();
    let paused = doc.legal.unwrap().paused;
    let handle = live_task(&doc, "handle");
    doc.claim(&at("2026-03-11"), &handle, "wu").unwrap();
    doc.decide(
        &at("2026-03-12"),
        &handle,
        "wu",
        Decision::Return("补充专家意见所需材料".into()),
        &mut ids,
    )
    .unwrap();
    doc.corrected(&at("2026-03-13")).unwrap();
    assert_eq!(doc.legal.unwrap().paused, paused, "still stopped");
    assert!(doc.legal.unwrap().ends.is_none());
}

#[test]
fn the_applicant_confirms_what_the_window_entered_once_and_not_after_the_end() {
    let w = World::new();
    let intake = w.intake(&[("id_card", Presented::Copy)]);
    let mut doc = CaseDoc::received(d("2026-03-02"), intake);
    let moved = doc
        .confirmed_by_applicant(Confirmation::SecondScreen)
        .unwrap();
    assert_eq!(
        (moved.action, moved.note.as_str()),
        ("applicant_confirmed", "second_screen")
    );
    assert_eq!(
        doc.state,
        CaseState::Submitted,
        "confirming changes no state"
    );
    assert_eq!(
        doc.confirmed_by_applicant(Confirmation::SignedPaper),
        Err(CaseError::AlreadyConfirmed)
    );
    let mut refused = CaseDoc::received(d("2026-03-02"), w.intake(&[]));
    refused.refuse("不属于本窗口受理范围").unwrap();
    assert_eq!(
        refused.confirmed_by_applicant(Confirmation::SignedPaper),
        Err(CaseError::WrongState(CaseState::Refused))
    );
}
