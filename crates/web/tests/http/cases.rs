//! Cases through the JSON API: a walk-in application for another department's matter
//! accepted at the centre, handled and approved by separate people, concluded and handed
//! out; the complete notice; deferred materials; the journal that records every step.

use super::auth::*;
use super::each_app;
use onetrip_app::demo::DEMO_APPLICANT;
use onetrip_domain::access::Delegation;
use onetrip_domain::case::CaseState;
use onetrip_testkit::TestApp;
use reqwest::Client;
use serde_json::{json, Value};

pub(crate) const GAOLING: &str = "11331199MB1A001006000105001000";
pub(crate) const RELIEF: &str = "11331199MB1A001006000105004000";
pub(crate) const CIVIL_AFFAIRS: &str = "11331199MB1A001006";

/// A signed-in staff member speaking JSON.
pub(crate) struct Desk {
    pub client: Client,
    pub csrf: String,
}

impl Desk {
    pub(crate) async fn of(app: &TestApp, login: &str) -> Desk {
        let client = staff(app, login).await;
        let csrf = csrf_of(app, &client).await;
        Desk { client, csrf }
    }

    pub(crate) async fn post(&self, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
        self.send(app, reqwest::Method::POST, path, body).await
    }

    pub(crate) async fn send(
        &self,
        app: &TestApp,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let resp = self
            .client
            .request(method, app.url(path))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// The status a GET of `path` answers.
    pub(crate) async fn status(&self, app: &TestApp, path: &str) -> u16 {
        let resp = self.client.get(app.url(path)).send().await.unwrap();
        resp.status().as_u16()
    }

    pub(crate) async fn get(&self, app: &TestApp, path: &str) -> (u16, Value) {
        let resp = self.client.get(app.url(path)).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// The county's civil-affairs bureau lets the county centre's windows accept its matters.
pub(crate) async fn delegate_civil_affairs(app: &TestApp) {
    let console = onetrip_app::staff::Actor::console("test", "console");
    app.app()
        .staff()
        .add_delegation(
            &console,
            Delegation {
                department: CIVIL_AFFAIRS.into(),
                place: "331199-centre".into(),
                matters: Vec::new(),
            },
        )
        .await
        .unwrap();
}

/// A complete application for the old-age allowance, for the demo applicant.
pub(crate) fn gaoling(key: &str) -> Value {
    json!({
        "matter": GAOLING,
        "applicant": {"document_number": DEMO_APPLICANT.1},
        "form": {"applicant_role": "本人", "elder_name": "王𠈌", "elder_id": DEMO_APPLICANT.1,
                 "phone": "13800000001", "address": "青溪县石门镇石门村 12 号"},
        "materials": {"id_card": "original", "household_register": "electronic"},
        "idempotency_key": key,
    })
}

/// Answers for every field of a matter's form, each valid for its kind.
pub(crate) fn filled_form(
    content: &onetrip_domain::catalog::matter::Content,
) -> serde_json::Map<String, Value> {
    let mut form = serde_json::Map::new();
    for f in &content.form {
        let v = match f.kind.key() {
            "choice" => f.options[0].clone(),
            "id_number" => DEMO_APPLICANT.1.into(),
            "phone" => "13800000001".into(),
            "number" => "1".into(),
            "date" => "2026-02-01".into(),
            _ => "示例".into(),
        };
        form.insert(f.key.clone(), v.into());
    }
    form
}

/// Submits a complete application and accepts it; the case id.
pub(crate) async fn accepted_case(app: &TestApp, clerk: &Desk, key: &str) -> String {
    let (status, body) = clerk.post(app, "/api/v1/applications", gaoling(key)).await;
    assert_eq!(status, 201, "{body}");
    let id = body["cases"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = clerk
        .post(app, &format!("/api/v1/cases/{id}/accept"), json!({}))
        .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("in_progress")),
        "{body}"
    );
    id
}

/// The id of the case's live task at a step.
pub(crate) async fn task_at(app: &TestApp, case: &str, step: &str) -> String {
    let c = app.store.case(case).await.unwrap().unwrap();
    c.doc
        .tasks
        .iter()
        .find(|t| t.step == step && t.state.is_live())
        .unwrap_or_else(|| panic!("no live {step} task in {:?}", c.doc.tasks))
        .id
        .clone()
}

pub(crate) async fn journal_len(app: &TestApp, case: &str) -> usize {
    app.store.journal(case).await.unwrap().len()
}

#[tokio::test]
async fn a_walk_in_case_is_accepted_decided_by_two_people_and_handed_out() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let (status, body) = clerk
            .post(&app, "/api/v1/applications", gaoling("walk-in-1"))
            .await;
        assert_eq!(status, 201, "{body}");
        let case = &body["cases"][0];
        let id = case["id"].as_str().unwrap().to_string();
        let number = case["number"].as_str().unwrap().to_string();
        assert!(number.starts_with("331199-01-20260302-"), "{number}");
        assert_eq!(case["gaps"], json!([]));

        // A retried request with the same key stores nothing new.
        let (status, again) = clerk
            .post(&app, "/api/v1/applications", gaoling("walk-in-1"))
            .await;
        assert_eq!((status, again["existing"].as_bool()), (200, Some(true)));
        assert_eq!(again["cases"][0]["id"], case["id"]);
        assert_eq!(
            app.store
                .cases_of_application(again["application_id"].as_str().unwrap())
                .await
                .unwrap()
                .len(),
            1
        );

        let (status, acted) = clerk
            .post(&app, &format!("/api/v1/cases/{id}/accept"), json!({}))
            .await;
        assert_eq!(
            (status, acted["state"].as_str()),
            (200, Some("in_progress")),
            "{acted}"
        );
        let view = clerk.get(&app, &format!("/api/v1/cases/{id}")).await.1;
        assert_eq!(
            view["promised"]["ends"], "2026-03-09",
            "5 working days, the day of acceptance (Monday 2 March) not counted"
        );
        assert_eq!(view["standing"], "window");
        let form: Vec<(String, String)> = serde_json::from_value(view["form"].clone()).unwrap();
        assert!(
            form.contains(&("老人身份证号".into(), "331199********0026".into())),
            "masked: {form:?}"
        );

        // The approver cannot act before the handler: no approval task exists yet.
        let approver = Desk::of(&app, "approver").await;
        let inbox = approver.get(&app, "/api/v1/inbox").await.1;
        assert_eq!(inbox["claimable"], json!([]), "nothing to approve yet");
        let handler = Desk::of(&app, "handler").await;
        let inbox = handler.get(&app, "/api/v1/inbox").await.1;
        assert_eq!(inbox["claimable"][0]["case_number"], number.as_str());
        assert_eq!(inbox["claimable"][0]["step_name"], "乡镇初审与公示");
        let handle = task_at(&app, &id, "handle").await;
        let (status, body) = approver
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{handle}/claim"),
                json!({}),
            )
            .await;
        assert_eq!(status, 403, "an approver does not handle: {body}");

        // Deciding before claiming is refused and changes nothing.
        let before = journal_len(&app, &id).await;
        let pass = json!({"decision": "pass"});
        let (status, body) = handler
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{handle}/decision"),
                pass.clone(),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("请先签收"),
            "{body}"
        );
        assert_eq!(
            journal_len(&app, &id).await,
            before,
            "no journal entry for a refused act"
        );

        let (status, _) = handler
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{handle}/claim"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        let (status, body) = handler
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{handle}/decision"),
                json!({"decision": "deny"}),
            )
            .await;
        assert_eq!(status, 422, "a denial needs its reason: {body}");
        let (status, _) = handler
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{handle}/decision"),
                pass.clone(),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = handler
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{handle}/decision"),
                pass.clone(),
            )
            .await;
        assert_eq!(status, 409, "decided already");

        let approve = task_at(&app, &id, "approve").await;
        approver
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{approve}/claim"),
                json!({}),
            )
            .await;
        let (status, acted) = approver
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{approve}/decision"),
                pass,
            )
            .await;
        assert_eq!((status, acted["state"].as_str()), (200, Some("decided")));

        let (status, acted) = clerk
            .post(&app, &format!("/api/v1/cases/{id}/conclude"), json!({}))
            .await;
        assert_eq!((status, acted["state"].as_str()), (200, Some("concluded")));
        let (status, page) = get(&app, &clerk.client, &format!("/cases/{id}/decision")).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("准予许可")
                && page.contains(&number)
                && page.contains("青溪县民政局")
                && page.contains("高龄津贴申领"),
            "{page}"
        );

        let (status, body) = clerk
            .post(
                &app,
                &format!("/api/v1/cases/{id}/delivery"),
                json!({"method": "post", "tracking": "SF1"}),
            )
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("address")),
            "no address given, none with the application"
        );
        let (status, acted) = clerk
            .post(
                &app,
                &format!("/api/v1/cases/{id}/delivery"),
                json!({"method": "window"}),
            )
            .await;
        assert_eq!((status, acted["state"].as_str()), (200, Some("delivered")));
        let stored = app.store.case(&id).await.unwrap().unwrap();
        assert_eq!(stored.state, CaseState::Delivered);
        let application = app
            .store
            .application(&stored.application_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(application.visits, 2, "one visit to apply, one to collect");

        let (status, journal) = clerk
            .get(&app, &format!("/api/v1/cases/{id}/journal"))
            .await;
        assert_eq!(status, 200);
        let actions: Vec<&str> = journal
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["submit", "accept", "claim", "pass", "claim", "pass", "conclude", "deliver"]
        );
        assert_eq!(journal[2]["actor_name"], "吴建国");
        let check = app.app().verify_journal().await.unwrap();
        assert!(check.broken.is_none() && check.entries == 8, "{check:?}");
    })
    .await;
}

#[tokio::test]
async fn an_incomplete_application_gets_one_complete_notice_and_comes_back() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let mut req = gaoling("notice-1");
        req["form"].as_object_mut().unwrap().remove("elder_name");
        req["form"]["phone"] = "1380000".into();
        req["materials"] = json!({"id_card": "copy"});
        let (status, body) = clerk.post(&app, "/api/v1/applications", req).await;
        assert_eq!(status, 201, "an incomplete application is stored, not refused: {body}");
        let gaps: Vec<&str> = body["cases"][0]["gaps"].as_array().unwrap().iter().map(|g| g["message"].as_str().unwrap()).collect();
        assert_eq!(gaps, ["老人姓名：必填", "联系电话：手机号码不正确", "居民身份证：须提交原件", "居民户口簿：未提交"]);
        let id = body["cases"][0]["id"].as_str().unwrap().to_string();

        let (status, body) = clerk.post(&app, &format!("/api/v1/cases/{id}/accept"), json!({})).await;
        assert_eq!(status, 409, "{body}");
        let (status, acted) = clerk.post(&app, &format!("/api/v1/cases/{id}/notice"), json!({})).await;
        assert_eq!((status, acted["state"].as_str()), (200, Some("incomplete")));
        let (status, page) = get(&app, &clerk.client, &format!("/cases/{id}/notice")).await;
        assert_eq!(status, 200);
        for text in ["一次性告知书", "老人姓名：必填", "联系电话：手机号码不正确", "居民身份证：须提交原件", "居民户口簿：未提交", "王𠈌", "青溪县政务服务中心"] {
            assert!(page.contains(text), "notice lacks {text}");
        }

        // The applicant comes back with everything; the identity number, shown masked,
        // keeps its answer when left out.
        let (status, acted) = clerk
            .post(&app, &format!("/api/v1/cases/{id}/resubmission"), json!({
                "form": {"applicant_role": "本人", "elder_name": "王𠈌", "phone": "13800000001", "address": "青溪县石门镇石门村 12 号"},
                "materials": {"id_card": "original", "household_register": "original"},
            }))
            .await;
        assert_eq!((status, acted["state"].as_str()), (200, Some("submitted")), "{acted}");
        let view = clerk.get(&app, &format!("/api/v1/cases/{id}")).await.1;
        assert_eq!(view["gaps"], json!([]), "{view}");
        let (status, _) = clerk.post(&app, &format!("/api/v1/cases/{id}/accept"), json!({})).await;
        assert_eq!(status, 200);
        let application = app.store.application(&app.store.case(&id).await.unwrap().unwrap().application_id).await.unwrap().unwrap();
        assert_eq!(application.visits, 2, "it took the applicant a second trip");
    })
    .await;
}

#[tokio::test]
async fn bad_submissions_are_named_and_store_nothing() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let cases_before = app.store.cases(&Default::default()).await.unwrap().len();
        let mut unknown_field = gaoling("bad-1");
        unknown_field["form"]["shoe_size"] = "42".into();
        let mut wrong_presentation = gaoling("bad-2");
        wrong_presentation["materials"]["id_card"] = "photo".into();
        let mut nobody = gaoling("bad-3");
        nobody["applicant"] = json!({"document_number": "110101199003070011"});
        let mut bad_number = gaoling("bad-4");
        bad_number["applicant"] = json!({"document_number": "331199195603120027"});
        let mut post = gaoling("bad-5");
        post["delivery"] = "post".into();
        let mut matter = gaoling("bad-6");
        matter["matter"] = "NOPE".into();
        for (req, field, text) in [
            (unknown_field, "form", "shoe_size"),
            (wrong_presentation, "materials", "photo"),
            (nobody, "applicant", "找不到申请人"),
            (bad_number, "applicant.document_number", "校验码"),
            (post, "delivery_address", "邮寄地址"),
            (matter, "matter", "NOPE"),
        ] {
            let (status, body) = clerk.post(&app, "/api/v1/applications", req).await;
            assert_eq!(
                (status, body["error"]["field"].as_str()),
                (422, Some(field)),
                "{body}"
            );
            assert!(
                body["error"]["message"].as_str().unwrap().contains(text),
                "{body}"
            );
        }
        let resp = clerk
            .client
            .post(app.url("/api/v1/applications"))
            .header("x-csrf-token", &clerk.csrf)
            .header("accept-language", "en")
            .json(&json!({"matter": "NOPE", "applicant": {}}))
            .send()
            .await
            .unwrap();
        let body: Value = resp.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("No matter “NOPE” is in force"),
            "{body}"
        );
        assert_eq!(
            app.store.cases(&Default::default()).await.unwrap().len(),
            cases_before,
            "nothing stored"
        );
    })
    .await;
}

#[tokio::test]
async fn deferred_materials_come_by_their_date_or_the_case_ends() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let imp = app.store.implementation(RELIEF, chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()).await.unwrap().unwrap();
        let content = &imp.resolved.content;
        let deferrable = content.materials.iter().find(|m| m.required && m.deficiency_allowed && m.when.is_none()).unwrap();
        let mut materials = serde_json::Map::new();
        for m in content.materials.iter().filter(|m| m.required && m.when.is_none()) {
            materials.insert(m.id.clone(), "original".into());
        }
        materials.insert(deferrable.id.clone(), "missing".into());
        let form = filled_form(content);
        let req = json!({"matter": RELIEF, "applicant": {"document_number": DEMO_APPLICANT.1}, "form": form, "materials": materials});
        let make = || async {
            let (status, body) = clerk.post(&app, "/api/v1/applications", req.clone()).await;
            assert_eq!(status, 201, "{body}");
            body["cases"][0]["id"].as_str().unwrap().to_string()
        };
        let id = make().await;
        let (status, body) = clerk.post(&app, &format!("/api/v1/cases/{id}/accept"), json!({"deficiency_due": "2027-01-01"})).await;
        assert_eq!((status, body["error"]["field"].as_str()), (422, Some("deficiency_due")), "no later than the promised limit: {body}");
        let (status, body) = clerk.post(&app, &format!("/api/v1/cases/{id}/accept"), json!({"deficiency_due": "2026-03-04"})).await;
        assert_eq!((status, body["state"].as_str()), (200, Some("in_progress")), "{body}");
        let (status, _) = clerk.post(&app, &format!("/api/v1/cases/{id}/supplied"), json!({})).await;
        assert_eq!(status, 200);
        assert!(app.store.case(&id).await.unwrap().unwrap().doc.deficiency.is_none());

        let late = make().await;
        clerk.post(&app, &format!("/api/v1/cases/{late}/accept"), json!({"deficiency_due": "2026-03-04"})).await;
        app.clock.advance(chrono::Duration::days(3));
        let report = app.app().sweep().await.unwrap();
        assert_eq!(report.terminated, 1);
        let ended = app.store.case(&late).await.unwrap().unwrap();
        assert_eq!(ended.state, CaseState::Terminated);
        let last = app.store.journal(&late).await.unwrap().pop().unwrap().0;
        assert_eq!((last.actor.as_str(), last.action.as_str()), ("system", "terminated"));

        // The notice that ends it names the material owed, the date it was due and the day
        // the case ended; a case that did not end so has none. (Three days on, the morning's
        // session has expired: the clerk signs in again.)
        let clerk = Desk::of(&app, "clerk").await;
        let page = |path: String| {
            let client = clerk.client.clone();
            let url = app.url(&path);
            async move {
                let resp = client.get(url).send().await.unwrap();
                (resp.status().as_u16(), resp.text().await.unwrap())
            }
        };
        let (status, case_page) = page(format!("/cases/{late}")).await;
        assert_eq!(status, 200);
        assert!(case_page.contains(&format!("/cases/{late}/termination")), "the case page links its notice");
        let (status, html) = page(format!("/cases/{late}/termination")).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("终止办理告知书") && html.contains(&deferrable.name), "{html}");
        assert!(html.contains(r#"<dd id="termination-due">2026-03-04</dd>"#), "{html}");
        assert!(html.contains(r#"<dd id="termination-on">2026-03-05</dd>"#), "{html}");
        let (status, html) = page(format!("/cases/{id}/termination")).await;
        assert_eq!(status, 409, "{html}");
        assert!(html.contains("没有终止办理告知书"), "{html}");
    })
    .await;
}

#[tokio::test]
async fn an_overdue_task_goes_to_the_supervisor() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let id = accepted_case(&app, &clerk, "late-1").await;
        let supervisor = Desk::of(&app, "supervisor").await;
        let lines = supervisor.get(&app, "/api/v1/supervision").await.1["tasks"].clone();
        assert_eq!(lines[0]["urgency"], "on_time");
        assert_eq!(lines[0]["state"], "open", "unclaimed tasks are listed too");
        app.clock.advance(chrono::Duration::days(7));
        assert_eq!(app.app().sweep().await.unwrap().escalated, 1);
        let supervisor = Desk::of(&app, "supervisor").await;
        let seen = supervisor.get(&app, "/api/v1/supervision").await.1;
        assert!(
            seen["cases"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["case_id"] == id.as_str() && c["urgency"] == "nearing"),
            "the case on the last day of its promised limit is listed too: {seen}"
        );
        let lines = seen["tasks"].clone();
        assert_eq!(
            (
                lines[0]["escalated"].as_bool(),
                lines[0]["urgency"].as_str()
            ),
            (Some(true), Some("overdue")),
            "{lines}"
        );
        let (status, page) = get(&app, &supervisor.client, "/supervision").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("已超期") && page.contains("已提请监督"),
            "{page}"
        );
        let (_, page) = get(&app, &supervisor.client, &format!("/cases/{id}")).await;
        assert!(page.contains("tag late"), "red mark on the case page");
        assert_eq!(
            app.app().sweep().await.unwrap().escalated,
            0,
            "escalated once"
        );
    })
    .await;
}
