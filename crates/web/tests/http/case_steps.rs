//! The back office beside deciding steps, through real requests: an external step decided
//! in a department's own system, commitments checked later, an agent's application and the
//! applicant's consents, a result sent by post, refusals, co-signers, special procedures,
//! decisions out of order.

use super::auth::*;
use super::cases::{delegate_civil_affairs, gaoling, journal_len, task_at, Desk, RELIEF};
use super::each_app;
use onetrip_app::demo::DEMO_APPLICANT;
use onetrip_domain::access::Delegation;
use onetrip_domain::case::{CaseState, TaskState};
use onetrip_domain::clock::Clock;
use onetrip_testkit::TestApp;
use serde_json::{json, Value};

/// 最低生活保障 as 石门镇 implements it: a survey in the township and, at the same time,
/// the county's check of the family's finances in the civil-affairs system (external).
const DIBAO_SHIMEN: &str = "11331199MB1A02190X000105002000";
const SHIMEN_GOVERNMENT: &str = "11331199MB1A02190X";

/// A complete form and materials for a matter in force.
pub(crate) async fn complete(app: &TestApp, matter: &str) -> (Value, Value) {
    let imp = app
        .store
        .implementation(matter, app.clock.today())
        .await
        .unwrap()
        .unwrap();
    let (form, materials) = onetrip_app::demo_hall::filled(&imp.resolved.content);
    (json!(form), json!(materials))
}

/// Submits a complete application for temporary relief at the county centre.
async fn relief(app: &TestApp, clerk: &Desk, extra: Value) -> String {
    let (form, materials) = complete(app, RELIEF).await;
    let mut body = json!({"matter": RELIEF, "applicant": {"document_number": DEMO_APPLICANT.1},
        "form": form, "materials": materials});
    for (k, v) in extra.as_object().unwrap() {
        if k == "materials" {
            for (m, how) in v.as_object().unwrap() {
                body["materials"][m] = how.clone();
            }
        } else {
            body[k] = v.clone();
        }
    }
    let (status, done) = clerk.post(app, "/api/v1/applications", body).await;
    assert_eq!(status, 201, "{done}");
    done["cases"][0]["id"].as_str().unwrap().to_string()
}

/// Claims and passes every open step until the case is decided.
async fn decide_all(app: &TestApp, id: &str) {
    for _ in 0..10 {
        let case = app.store.case(id).await.unwrap().unwrap();
        if case.state != CaseState::InProgress {
            return;
        }
        let task = case
            .doc
            .tasks
            .iter()
            .find(|t| t.state == TaskState::Open)
            .unwrap_or_else(|| panic!("nothing open in {:?}", case.doc.tasks));
        let desk = Desk::of(app, task.role.key()).await;
        let base = format!("/api/v1/cases/{id}/tasks/{}", task.id);
        let (status, body) = desk.post(app, &format!("{base}/claim"), json!({})).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = desk
            .post(
                app,
                &format!("{base}/decision"),
                json!({"decision": "pass"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    panic!("case {id} not decided");
}

#[tokio::test]
async fn an_external_step_waits_for_its_system_and_is_entered_with_its_document() {
    each_app(|app| async move {
        let console = onetrip_app::staff::Actor::console("test", "console");
        let to_township = Delegation {
            department: SHIMEN_GOVERNMENT.into(),
            place: "331199101-centre".into(),
            matters: Vec::new(),
        };
        app.app()
            .staff()
            .add_delegation(&console, to_township)
            .await
            .unwrap();
        let window = Desk::of(&app, "shimen.window").await;
        let (form, materials) = complete(&app, DIBAO_SHIMEN).await;
        let body = json!({"matter": DIBAO_SHIMEN, "applicant": {"document_number": DEMO_APPLICANT.1},
            "form": form, "materials": materials});
        let (status, done) = window.post(&app, "/api/v1/applications", body).await;
        assert_eq!(status, 201, "{done}");
        let id = done["cases"][0]["id"].as_str().unwrap().to_string();
        let (status, acted) = window
            .post(&app, &format!("/api/v1/cases/{id}/accept"), json!({}))
            .await;
        assert_eq!(status, 200, "{acted}");
        let check = task_at(&app, &id, "economic_check").await;

        // The county's civil-affairs handler sees it waiting, not as a task to claim.
        let handler = Desk::of(&app, "handler").await;
        let inbox = handler.get(&app, "/api/v1/inbox").await.1;
        let has = |list: &str| {
            inbox[list]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["task_id"] == check.as_str())
        };
        assert!(has("external") && !has("claimable"), "{inbox}");
        let (_, page) = get(&app, &handler.client, "/inbox").await;
        assert!(page.contains("等待外部系统结果"), "{page}");

        let url = format!("/api/v1/cases/{id}/tasks/{check}/external");
        let before = journal_len(&app, &id).await;
        let (status, body) = handler
            .post(&app, &url, json!({"pass": true, "document": "  "}))
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("document")),
            "{body}"
        );
        let (status, body) = handler
            .post(&app, &url, json!({"pass": false, "document": "民核〔2026〕7号"}))
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("reason")),
            "a denial says why: {body}"
        );
        assert_eq!(journal_len(&app, &id).await, before, "nothing recorded");

        // By hand on the case page, from the decision document.
        let (_, page) = get(&app, &handler.client, &format!("/cases/{id}")).await;
        assert!(
            page.contains(&format!("/tasks/{check}/external")) && page.contains("外部系统的决定文书编号"),
            "the page offers the entry: {page}"
        );
        let (status, to) = post_form(
            &app,
            &handler.client,
            &format!("/cases/{id}/tasks/{check}/external"),
            &[
                ("csrf", &handler.csrf),
                ("pass", "true"),
                ("document", "民核〔2026〕7号"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{to}");
        assert!(to.ends_with("done=external"), "{to}");
        let case = app.store.case(&id).await.unwrap().unwrap();
        let task = case.doc.tasks.iter().find(|t| t.id == check).unwrap();
        assert_eq!(
            (task.state, task.document.as_deref()),
            (TaskState::Done, Some("民核〔2026〕7号"))
        );
        let last = app.store.journal(&id).await.unwrap().pop().unwrap().0;
        assert_eq!(
            (last.action.as_str(), last.note.as_str()),
            ("external_pass", "民核〔2026〕7号")
        );
        let (_, page) = get(&app, &handler.client, &format!("/cases/{id}")).await;
        assert!(page.contains("决定文书 民核〔2026〕7号"), "{page}");
        let (status, _) = handler
            .post(&app, &url, json!({"pass": true, "document": "again"}))
            .await;
        assert_eq!(status, 409, "entered once");
    })
    .await;
}

#[tokio::test]
async fn a_commitment_is_flagged_for_its_check_and_checked_by_the_department() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let id = relief(
            &app,
            &clerk,
            json!({"materials": {"application": "commitment"}}),
        )
        .await;
        let (status, acted) = clerk
            .post(&app, &format!("/api/v1/cases/{id}/accept"), json!({}))
            .await;
        assert_eq!(status, 200, "{acted}");
        let supervisor = Desk::of(&app, "supervisor").await;
        let listed = |s: &Value| {
            s["commitments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["case_id"] == id.as_str())
        };
        assert!(listed(&supervisor.get(&app, "/api/v1/supervision").await.1));
        let (_, page) = get(&app, &supervisor.client, "/supervision").await;
        assert!(page.contains("承诺待核查的办件"), "{page}");

        let url = format!("/api/v1/cases/{id}/commitment-check");
        let (status, body) = clerk.post(&app, &url, json!({"truthful": true})).await;
        assert_eq!(status, 403, "the window does not check: {body}");
        let handler = Desk::of(&app, "handler").await;
        let (status, body) = handler.post(&app, &url, json!({"truthful": false})).await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("reason")),
            "{body}"
        );
        let (_, page) = get(&app, &handler.client, &format!("/cases/{id}")).await;
        assert!(
            page.contains("承诺事后核查") && page.contains("须按承诺事后核查"),
            "{page}"
        );
        let (status, body) = handler
            .post(
                &app,
                &url,
                json!({"truthful": true, "note": "已调取村委会证明"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(!listed(
            &supervisor.get(&app, "/api/v1/supervision").await.1
        ));
        let last = app.store.journal(&id).await.unwrap().pop().unwrap().0;
        assert_eq!(last.action, "commitment_confirmed");
        let (_, page) = get(&app, &handler.client, &format!("/cases/{id}")).await;
        assert!(
            page.contains("承诺核查属实") && !page.contains("须按承诺事后核查"),
            "{page}"
        );
        let (status, _) = handler.post(&app, &url, json!({"truthful": true})).await;
        assert_eq!(status, 409, "checked once");
    })
    .await;
}

#[tokio::test]
async fn an_agent_applies_for_a_person_with_the_persons_consents_on_record() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let agent = app.browser();
        let resp = agent
            .post(app.url("/api/v1/applicants"))
            .json(&json!({"name": "刘䶮", "document_number": "331199198007050037",
                "phone": "13800000002", "password": "溪水长流桃花又开了"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        let agent_me = json(&app, &agent, "/api/v1/me").await;
        let elder = applicant(&app).await;
        let elder_me = json(&app, &elder, "/api/v1/me").await;
        let clerk = Desk::of(&app, "clerk").await;
        let (status, rep) = clerk
            .post(
                &app,
                "/api/v1/representations",
                json!({"agent": agent_me["id"], "principal_kind": "person", "principal": elder_me["id"],
                    "capacity": "village_agent", "authorization": "石门村代办委托 2026-008",
                    "valid_from": "2026-03-01"}),
            )
            .await;
        assert_eq!(status, 201, "{rep}");

        let mut body = gaoling("agent-1");
        body["representation_id"] = rep["id"].clone();
        body["consents"] = json!(["notifications", "data_sharing"]);
        let (status, done) = clerk.post(&app, "/api/v1/applications", body.clone()).await;
        assert_eq!(status, 201, "{done}");
        let id = done["cases"][0]["id"].as_str().unwrap();
        let (_, view) = clerk.get(&app, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(view["agent"], "刘䶮", "the agent, not the clerk who typed it: {view}");
        assert_eq!(view["consents"], json!(["data_sharing", "notifications"]));
        let (_, page) = get(&app, &clerk.client, &format!("/cases/{id}")).await;
        assert!(page.contains("刘䶮") && page.contains("授权部门调取共享数据和电子证照"), "{page}");

        let cases = app.store.cases(&Default::default()).await.unwrap().len();
        body["idempotency_key"] = "agent-2".into();
        body["consents"] = json!(["data_sharing", "sell_my_data"]);
        let (status, err) = clerk.post(&app, "/api/v1/applications", body.clone()).await;
        assert_eq!(
            (status, err["error"]["field"].as_str()),
            (422, Some("consents")),
            "{err}"
        );
        assert!(err["error"]["message"].as_str().unwrap().contains("sell_my_data"));
        body["consents"] = json!([]);
        body["delivery"] = "electronic".into();
        let (status, err) = clerk.post(&app, "/api/v1/applications", body).await;
        assert_eq!((status, err["error"]["field"].as_str()), (422, Some("consents")), "{err}");
        assert!(
            err["error"]["message"].as_str().unwrap().contains("选择电子送达，须先同意电子送达"),
            "{err}"
        );
        assert_eq!(
            app.store.cases(&Default::default()).await.unwrap().len(),
            cases,
            "nothing stored"
        );
    })
    .await;
}

#[tokio::test]
async fn a_result_sent_by_post_keeps_its_address_sealed_and_its_tracking_number() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let mut body = gaoling("post-1");
        body["delivery"] = "post".into();
        body["delivery_address"] = "青溪县石门镇石门村 12 号".into();
        let (status, done) = clerk.post(&app, "/api/v1/applications", body).await;
        assert_eq!(status, 201, "{done}");
        let id = done["cases"][0]["id"].as_str().unwrap().to_string();
        let (status, _) = clerk
            .post(&app, &format!("/api/v1/cases/{id}/accept"), json!({}))
            .await;
        assert_eq!(status, 200);
        decide_all(&app, &id).await;
        let (status, _) = clerk
            .post(&app, &format!("/api/v1/cases/{id}/conclude"), json!({}))
            .await;
        assert_eq!(status, 200);
        let url = format!("/api/v1/cases/{id}/delivery");
        let (status, err) = clerk
            .post(&app, &url, json!({"method": "electronic"}))
            .await;
        assert_eq!(
            (status, err["error"]["field"].as_str()),
            (422, Some("method")),
            "no electronic delivery without the applicant's consent: {err}"
        );
        let (status, err) = clerk.post(&app, &url, json!({"method": "post"})).await;
        assert_eq!(
            (status, err["error"]["field"].as_str()),
            (422, Some("tracking")),
            "{err}"
        );
        let (status, acted) = clerk
            .post(
                &app,
                &url,
                json!({"method": "post", "tracking": "SF1234567890"}),
            )
            .await;
        assert_eq!(
            (status, acted["state"].as_str()),
            (200, Some("delivered")),
            "{acted}"
        );
        let case = app.store.case(&id).await.unwrap().unwrap();
        let delivery = case.doc.delivery.unwrap();
        assert_eq!(delivery.tracking.as_deref(), Some("SF1234567890"));
        let place = delivery.place.unwrap();
        assert!(
            !place.contains("石门村"),
            "the address given with the application, sealed"
        );
        let application = app
            .store
            .application(&case.application_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(application.visits, 1, "posting is no visit");
        let (_, page) = get(&app, &clerk.client, &format!("/cases/{id}")).await;
        assert!(page.contains("SF1234567890"), "{page}");
    })
    .await;
}

#[tokio::test]
async fn refusal_co_signer_special_procedure_and_decisions_out_of_order() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;

        // A refusal says why.
        let refused = relief(&app, &clerk, json!({"idempotency_key": "refuse-1"})).await;
        let url = format!("/api/v1/cases/{refused}/refuse");
        let (status, err) = clerk.post(&app, &url, json!({"reason": "  "})).await;
        assert_eq!(
            (status, err["error"]["field"].as_str()),
            (422, Some("reason")),
            "{err}"
        );
        let (status, acted) = clerk
            .post(&app, &url, json!({"reason": "不属于本县户籍"}))
            .await;
        assert_eq!(
            (status, acted["state"].as_str()),
            (200, Some("refused")),
            "{acted}"
        );
        let last = app.store.journal(&refused).await.unwrap().pop().unwrap().0;
        assert_eq!(
            (last.action.as_str(), last.note.as_str()),
            ("refuse", "不属于本县户籍")
        );

        // Approval before survey and review: refused, nothing written.
        let id = relief(&app, &clerk, json!({"idempotency_key": "order-1"})).await;
        clerk
            .post(&app, &format!("/api/v1/cases/{id}/accept"), json!({}))
            .await;
        let survey = task_at(&app, &id, "survey").await;
        let approver = Desk::of(&app, "approver").await;
        let entries = journal_len(&app, &id).await;
        for act in ["claim", "decision"] {
            let (status, err) = approver
                .post(
                    &app,
                    &format!("/api/v1/cases/{id}/tasks/{survey}/{act}"),
                    json!({"decision": "pass"}),
                )
                .await;
            assert!([403, 409].contains(&status), "{act}: {status} {err}");
            assert!(!err["error"]["message"].as_str().unwrap().is_empty());
        }
        assert_eq!(journal_len(&app, &id).await, entries, "no entry");

        // A special procedure the matter provides for stops the clock; another is refused.
        // Only the implementing department's back office starts one, not the window that
        // accepted the case under delegation.
        let handler = Desk::of(&app, "handler").await;
        let special = format!("/api/v1/cases/{id}/special-procedure");
        let (status, err) = clerk
            .post(&app, &special, json!({"name": "审核结果公示"}))
            .await;
        assert_eq!(status, 403, "{err}");
        let case = app.store.case(&id).await.unwrap().unwrap();
        assert!(case.doc.special.is_none(), "nothing changed");
        let (status, err) = handler
            .post(&app, &special, json!({"name": "随便一个程序"}))
            .await;
        assert_eq!(
            (status, err["error"]["field"].as_str()),
            (422, Some("name")),
            "{err}"
        );
        let (status, acted) = handler
            .post(&app, &special, json!({"name": "审核结果公示"}))
            .await;
        assert_eq!(status, 200, "{acted}");
        let case = app.store.case(&id).await.unwrap().unwrap();
        assert!(
            case.doc.promised.unwrap().paused.is_some(),
            "the clock stands still"
        );
        let (status, _) = handler.post(&app, &special, json!({})).await;
        assert_eq!(status, 200);
        let case = app.store.case(&id).await.unwrap().unwrap();
        assert!(
            case.doc.promised.unwrap().paused.is_none(),
            "and runs again"
        );

        // A co-signer signs beside the handler; the step ends when both passed.
        let colleague = app
            .add_desk(
                "handler2",
                super::cases::CIVIL_AFFAIRS,
                &[(onetrip_domain::access::Role::Handler, "331199")],
            )
            .await
            .unwrap();
        let base = format!("/api/v1/cases/{id}/tasks/{survey}");
        let (status, _) = handler
            .post(&app, &format!("{base}/claim"), json!({}))
            .await;
        assert_eq!(status, 200);
        let (status, acted) = handler
            .post(
                &app,
                &format!("{base}/move"),
                json!({"action": "cosign", "colleague": colleague}),
            )
            .await;
        assert_eq!(status, 200, "{acted}");
        let case = app.store.case(&id).await.unwrap().unwrap();
        let co = case
            .doc
            .tasks
            .iter()
            .find(|t| t.cosigns.as_deref() == Some(survey.as_str()))
            .unwrap()
            .clone();
        assert_eq!(co.claimed_by.as_deref(), Some(colleague.as_str()));
        let (_, page) = get(&app, &handler.client, &format!("/cases/{id}")).await;
        assert!(page.contains("加签"), "the journal names it");
        let (status, _) = handler
            .post(
                &app,
                &format!("{base}/decision"),
                json!({"decision": "pass"}),
            )
            .await;
        assert_eq!(status, 200);
        let second = Desk::of(&app, "handler2").await;
        let mine = second.get(&app, "/api/v1/inbox").await.1;
        assert!(
            mine["mine"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["task_id"] == co.id.as_str()),
            "{mine}"
        );
        let (status, _) = second
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{}/decision", co.id),
                json!({"decision": "pass"}),
            )
            .await;
        assert_eq!(status, 200);
        task_at(&app, &id, "review").await;
    })
    .await;
}
