//! Who may do what to a case: the route x role x foreign-object matrix, races between two
//! people deciding at once, separation of duties, and the back office's other moves.

use super::auth::*;
use super::cases::{accepted_case, delegate_civil_affairs, gaoling, journal_len, task_at, Desk};
use super::each_app;
use onetrip_domain::access::Role;
use onetrip_domain::audit::AuditEvent;
use serde_json::json;

#[tokio::test]
async fn a_case_outside_ones_scope_is_not_found_and_nothing_changes() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let id = accepted_case(&app, &clerk, "scope-1").await;
        let handle = task_at(&app, &id, "handle").await;
        // Police handler (another department) and a township window (another place).
        app.add_desk(
            "police.handler",
            "11331199MB1A00660Q",
            &[(Role::Handler, "331199")],
        )
        .await
        .unwrap();
        // The case's own department, but a handler of one township only: the case is the
        // county's.
        app.add_desk(
            "civil.shimen.handler",
            super::cases::CIVIL_AFFAIRS,
            &[(Role::Handler, "331199101")],
        )
        .await
        .unwrap();
        let actors = [
            ("shimen.window", Desk::of(&app, "shimen.window").await),
            ("police.handler", Desk::of(&app, "police.handler").await),
            (
                "civil.shimen.handler",
                Desk::of(&app, "civil.shimen.handler").await,
            ),
            ("auditor", Desk::of(&app, "auditor").await),
            ("secadmin", Desk::of(&app, "secadmin").await),
        ];
        let routes: Vec<(&str, String, serde_json::Value)> = vec![
            ("GET", format!("/api/v1/cases/{id}"), json!(null)),
            ("GET", format!("/api/v1/cases/{id}/journal"), json!(null)),
            ("GET", format!("/cases/{id}"), json!(null)),
            ("POST", format!("/api/v1/cases/{id}/accept"), json!({})),
            (
                "POST",
                format!("/api/v1/cases/{id}/refuse"),
                json!({"reason": "x"}),
            ),
            ("POST", format!("/api/v1/cases/{id}/notice"), json!({})),
            ("POST", format!("/api/v1/cases/{id}/conclude"), json!({})),
            (
                "POST",
                format!("/api/v1/cases/{id}/delivery"),
                json!({"method": "window"}),
            ),
            (
                "POST",
                format!("/api/v1/cases/{id}/tasks/{handle}/claim"),
                json!({}),
            ),
            (
                "POST",
                format!("/api/v1/cases/{id}/tasks/{handle}/decision"),
                json!({"decision": "pass"}),
            ),
            (
                "POST",
                format!("/api/v1/cases/{id}/tasks/{handle}/move"),
                json!({"action": "recall"}),
            ),
            (
                "POST",
                format!("/api/v1/cases/{id}/special-procedure"),
                json!({"name": "实地查看"}),
            ),
            (
                "POST",
                format!("/api/v1/cases/{id}/tasks/{handle}/external"),
                json!({"pass": true, "document": "民审〔2026〕1号"}),
            ),
            (
                "POST",
                format!("/api/v1/cases/{id}/resubmission"),
                json!({"form": {}, "materials": {}}),
            ),
            ("POST", format!("/api/v1/cases/{id}/corrected"), json!({})),
            ("POST", format!("/api/v1/cases/{id}/supplied"), json!({})),
            (
                "POST",
                format!("/api/v1/cases/{id}/commitment-check"),
                json!({"truthful": true}),
            ),
            ("GET", format!("/cases/{id}/notice"), json!(null)),
            ("GET", format!("/cases/{id}/decision"), json!(null)),
            ("GET", format!("/cases/{id}/termination"), json!(null)),
            ("GET", format!("/cases/{id}/resubmit"), json!(null)),
        ];
        // The same acts through the pages' forms.
        let page_posts: Vec<String> = [
            "accept",
            "refuse",
            "notice",
            "supplied",
            "corrected",
            "conclude",
            "deliver",
            "special",
            "resubmit",
            "commitment-check",
        ]
        .iter()
        .map(|act| format!("/cases/{id}/{act}"))
        .chain(
            ["claim", "decide", "move", "external"]
                .iter()
                .map(|act| format!("/cases/{id}/tasks/{handle}/{act}")),
        )
        .collect();
        let version = app.store.case(&id).await.unwrap().unwrap().version;
        let entries = journal_len(&app, &id).await;
        for (who, desk) in &actors {
            let denied_before = count(&app, AuditEvent::AccessDenied).await;
            for (method, path, body) in &routes {
                let resp = if *method == "GET" {
                    desk.client.get(app.url(path)).send().await.unwrap()
                } else {
                    desk.client
                        .post(app.url(path))
                        .header("x-csrf-token", &desk.csrf)
                        .json(body)
                        .send()
                        .await
                        .unwrap()
                };
                let status = resp.status().as_u16();
                let window_route = path.contains("/accept")
                    || path.contains("/refuse")
                    || path.contains("/notice")
                    || path.contains("/conclude")
                    || path.contains("/delivery")
                    || path.contains("/resubmi")
                    || path.contains("/corrected")
                    || path.contains("/supplied");
                let expected: &[u16] = if window_route && *who != "shimen.window" {
                    &[403] // the guard: they hold no window role
                } else {
                    &[404]
                };
                assert!(
                    expected.contains(&status),
                    "{who} {method} {path}: {status}"
                );
            }
            for path in &page_posts {
                let resp = desk
                    .client
                    .post(app.url(path))
                    .form(&[
                        ("csrf", desk.csrf.as_str()),
                        ("reason", "x"),
                        ("decision", "pass"),
                        ("action", "recall"),
                        ("method", "window"),
                        ("pass", "true"),
                        ("document", "民审〔2026〕1号"),
                        ("name", "实地查看"),
                    ])
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                let window_page = [
                    "accept",
                    "refuse",
                    "notice",
                    "supplied",
                    "corrected",
                    "conclude",
                    "deliver",
                    "resubmit",
                ]
                .iter()
                .any(|a| path.ends_with(&format!("/{a}")));
                let expected: &[u16] = if window_page && *who != "shimen.window" {
                    &[403]
                } else {
                    &[404]
                };
                assert!(
                    expected.contains(&status),
                    "{who} POST {path} (page): {status}"
                );
            }
            assert!(
                count(&app, AuditEvent::AccessDenied).await > denied_before,
                "{who}'s attempts are recorded"
            );
        }
        let after = app.store.case(&id).await.unwrap().unwrap();
        assert_eq!(
            (after.version, journal_len(&app, &id).await),
            (version, entries),
            "nothing changed"
        );

        // The supervisor of the county may look (recorded), but not act.
        let supervisor = Desk::of(&app, "supervisor").await;
        let viewed = count(&app, AuditEvent::CaseViewed).await;
        let (status, view) = supervisor.get(&app, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(
            (status, view["standing"].as_str()),
            (200, Some("supervisor"))
        );
        assert_eq!(count(&app, AuditEvent::CaseViewed).await, viewed + 1);
        let (status, _) = supervisor
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{handle}/claim"),
                json!({}),
            )
            .await;
        assert_eq!(status, 403);
        // An applicant is no staff at all.
        let citizen = applicant(&app).await;
        let resp = citizen
            .get(app.url(&format!("/api/v1/cases/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 403);

        // A township window cannot accept a county matter nobody delegated to it.
        let shimen = &actors[0].1;
        let (status, body) = shimen
            .post(&app, "/api/v1/applications", gaoling("scope-2"))
            .await;
        assert_eq!(status, 403, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("本窗口不能受理此事项"),
            "{body}"
        );
        let matters = shimen.get(&app, "/api/v1/window/matters").await.1;
        assert!(
            matters
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["code"] != super::cases::GAOLING),
            "{matters}"
        );
        let matters = clerk.get(&app, "/api/v1/window/matters").await.1;
        assert!(matters
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["code"] == super::cases::GAOLING));
    })
    .await;
}

/// Fifty identical requests sent at once.
async fn at_once(
    desk: &Desk,
    url: String,
    body: serde_json::Value,
) -> Vec<(u16, serde_json::Value)> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (client, url, csrf, body) = (
            desk.client.clone(),
            url.clone(),
            desk.csrf.clone(),
            body.clone(),
        );
        set.spawn(async move {
            let resp = client
                .post(url)
                .header("x-csrf-token", csrf)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json().await.unwrap_or(serde_json::Value::Null))
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out
}

#[tokio::test]
async fn fifty_people_at_once_one_claim_and_one_decision_win() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        let clerk = Desk::of(&app, "clerk").await;
        let id = accepted_case(&app, &clerk, "race-1").await;
        let handle = task_at(&app, &id, "handle").await;
        let handler = Desk::of(&app, "handler").await;
        let before = journal_len(&app, &id).await;
        let statuses: Vec<u16> = at_once(
            &handler,
            app.url(&format!("/api/v1/cases/{id}/tasks/{handle}/claim")),
            json!({}),
        )
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 409).count(),
            49,
            "{statuses:?}"
        );
        assert_eq!(journal_len(&app, &id).await, before + 1);

        let answers = at_once(
            &handler,
            app.url(&format!("/api/v1/cases/{id}/tasks/{handle}/decision")),
            json!({"decision": "pass"}),
        )
        .await;
        let ok = answers.iter().filter(|(s, _)| *s == 200).count();
        assert_eq!(
            ok,
            1,
            "{:?}",
            answers.iter().map(|a| a.0).collect::<Vec<_>>()
        );
        let losers: Vec<&(u16, serde_json::Value)> =
            answers.iter().filter(|(s, _)| *s != 200).collect();
        assert_eq!(losers.len(), 49);
        for (status, body) in losers {
            assert_eq!(*status, 409, "{body}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("已经办理过"),
                "{body}"
            );
        }
        assert_eq!(
            journal_len(&app, &id).await,
            before + 2,
            "one state change, one entry"
        );
        assert!(app.app().verify_journal().await.unwrap().broken.is_none());
    })
    .await;
}

#[tokio::test]
async fn one_person_cannot_handle_and_approve_the_same_case() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        app.add_desk(
            "both",
            super::cases::CIVIL_AFFAIRS,
            &[(Role::Handler, "331199"), (Role::Approver, "331199")],
        )
        .await
        .unwrap();
        let clerk = Desk::of(&app, "clerk").await;
        let id = accepted_case(&app, &clerk, "distinct-1").await;
        let me = Desk::of(&app, "both").await;
        let handle = task_at(&app, &id, "handle").await;
        me.post(
            &app,
            &format!("/api/v1/cases/{id}/tasks/{handle}/claim"),
            json!({}),
        )
        .await;
        let (status, _) = me
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{handle}/decision"),
                json!({"decision": "pass"}),
            )
            .await;
        assert_eq!(status, 200);
        let approve = task_at(&app, &id, "approve").await;
        let (status, body) = me
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{approve}/claim"),
                json!({}),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("按职责分离"),
            "{body}"
        );
        let approver = Desk::of(&app, "approver").await;
        let (status, _) = approver
            .post(
                &app,
                &format!("/api/v1/cases/{id}/tasks/{approve}/claim"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "someone else may");
    })
    .await;
}

#[tokio::test]
async fn send_back_recall_hand_over_and_correction() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        app.add_desk(
            "handler2",
            super::cases::CIVIL_AFFAIRS,
            &[(Role::Handler, "331199")],
        )
        .await
        .unwrap();
        let clerk = Desk::of(&app, "clerk").await;
        let handler = Desk::of(&app, "handler").await;
        let approver = Desk::of(&app, "approver").await;
        let id = accepted_case(&app, &clerk, "moves-1").await;
        let handle = task_at(&app, &id, "handle").await;
        let base = format!("/api/v1/cases/{id}/tasks");
        handler
            .post(&app, &format!("{base}/{handle}/claim"), json!({}))
            .await;

        // Handing over to someone who cannot take the step is refused.
        let (status, body) = handler
            .post(
                &app,
                &format!("{base}/{handle}/move"),
                json!({"action": "hand_over", "colleague": "nobody"}),
            )
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("colleague"))
        );
        let other = app
            .store
            .account_by_login("handler2")
            .await
            .unwrap()
            .unwrap()
            .id;
        let (status, _) = handler
            .post(
                &app,
                &format!("{base}/{handle}/move"),
                json!({"action": "hand_over", "colleague": other}),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            app.store
                .case(&id)
                .await
                .unwrap()
                .unwrap()
                .doc
                .tasks
                .iter()
                .find(|t| t.id == handle)
                .unwrap()
                .claimed_by
                .as_deref(),
            Some(other.as_str())
        );

        // The colleague passes, recalls before the approver claims, passes again.
        let second = Desk::of(&app, "handler2").await;
        second
            .post(
                &app,
                &format!("{base}/{handle}/decision"),
                json!({"decision": "pass"}),
            )
            .await;
        let (status, body) = second
            .post(
                &app,
                &format!("{base}/{handle}/move"),
                json!({"action": "recall"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            app.store
                .case(&id)
                .await
                .unwrap()
                .unwrap()
                .doc
                .tasks
                .iter()
                .filter(|t| t.step == "approve" && t.state.is_live())
                .count(),
            0,
            "the approval task is withdrawn"
        );
        second
            .post(
                &app,
                &format!("{base}/{handle}/decision"),
                json!({"decision": "pass"}),
            )
            .await;
        let approve = task_at(&app, &id, "approve").await;
        approver
            .post(&app, &format!("{base}/{approve}/claim"), json!({}))
            .await;
        let (status, _) = second
            .post(
                &app,
                &format!("{base}/{handle}/move"),
                json!({"action": "recall"}),
            )
            .await;
        assert_eq!(status, 409, "the next step was claimed");

        // The approver sends it back to handling with a reason; then handling returns it to
        // the applicant for correction, which stops the clock until the window records it.
        let (status, body) = approver
            .post(
                &app,
                &format!("{base}/{approve}/move"),
                json!({"action": "send_back", "to": "handle", "reason": "公示材料缺少村委会盖章"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let again = task_at(&app, &id, "handle").await;
        second
            .post(&app, &format!("{base}/{again}/claim"), json!({}))
            .await;
        let (status, acted) = second
            .post(
                &app,
                &format!("{base}/{again}/decision"),
                json!({"decision": "return", "reason": "请补充居住证明"}),
            )
            .await;
        assert_eq!((status, acted["state"].as_str()), (200, Some("correction")));
        let view = clerk.get(&app, &format!("/api/v1/cases/{id}")).await.1;
        assert_eq!(view["promised"]["urgency"], "stopped", "{view}");
        let (status, acted) = clerk
            .post(&app, &format!("/api/v1/cases/{id}/corrected"), json!({}))
            .await;
        assert_eq!(
            (status, acted["state"].as_str()),
            (200, Some("in_progress"))
        );
        let journal = clerk
            .get(&app, &format!("/api/v1/cases/{id}/journal"))
            .await
            .1;
        let notes: Vec<&str> = journal
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["note"].as_str().unwrap())
            .collect();
        assert!(
            notes.contains(&"请补充居住证明"),
            "the reason is journaled: {notes:?}"
        );
    })
    .await;
}
