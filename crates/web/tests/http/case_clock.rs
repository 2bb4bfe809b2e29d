//! The law's clock through real requests: an online application nobody acts on is deemed
//! accepted, and a limit reaching a year without a calendar is flagged, then counted once
//! the year is imported.

use super::auth::*;
use super::case_steps::complete;
use super::cases::{accepted_case, delegate_civil_affairs, Desk, RELIEF};
use super::each_app;
use onetrip_app::demo::{DEMO_APPLICANT, DEMO_PASSWORD};
use onetrip_domain::case::CaseState;
use serde_json::{json, Value};

#[tokio::test]
async fn an_online_application_nobody_acts_on_is_accepted_after_five_working_days() {
    each_app(|app| async move {
        let step = app
            .app()
            .password_login(DEMO_APPLICANT.1, DEMO_PASSWORD, [127, 0, 0, 1].into(), None)
            .await
            .unwrap();
        let onetrip_app::login::LoginStep::Complete(done) = step else {
            panic!("an applicant signs in with a password alone");
        };
        let signed = app
            .app()
            .by_session(&done.cookie, "127.0.0.1")
            .await
            .unwrap()
            .unwrap();
        let (form, materials) = complete(&app, RELIEF).await;
        let req: onetrip_app::cases::ApplicationRequest = serde_json::from_value(json!({
            "matter": RELIEF, "applicant": {"account_id": signed.account.id},
            "form": form, "materials": materials}))
        .unwrap();
        let submitted = app.app().submit(&signed, &req).await.unwrap();
        let id = submitted.cases[0].id.clone();
        assert_eq!(
            app.store.case(&id).await.unwrap().unwrap().channel,
            "online"
        );
        app.clock.advance(chrono::Duration::days(4));
        assert_eq!(
            app.app().sweep().await.unwrap().deemed_accepted,
            0,
            "not yet"
        );
        app.clock.advance(chrono::Duration::days(4));
        assert_eq!(app.app().sweep().await.unwrap().deemed_accepted, 1);
        let case = app.store.case(&id).await.unwrap().unwrap();
        assert_eq!(case.state, CaseState::InProgress);
        assert_eq!(
            case.doc.accepted_on,
            Some(case.doc.received_on),
            "accepted as of the day it was received (art. 32)"
        );
        let last = app.store.journal(&id).await.unwrap().pop().unwrap().0;
        assert_eq!(
            (last.actor.as_str(), last.action.as_str()),
            ("system", "deemed_accepted")
        );
    })
    .await;
}

#[tokio::test]
async fn a_limit_reaching_a_year_without_calendar_is_flagged_then_counted_after_import() {
    each_app(|app| async move {
        delegate_civil_affairs(&app).await;
        app.clock
            .set(chrono::DateTime::parse_from_rfc3339("2026-12-21T02:00:00Z").unwrap().into());
        let clerk = Desk::of(&app, "clerk").await;
        let id = accepted_case(&app, &clerk, "year-end").await;
        let (_, view) = clerk.get(&app, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(view["promised"]["ends"], "2026-12-28", "five working days: {view}");
        assert_eq!(view["legal"]["ends"], Value::Null, "twenty reach 2027, never guessed: {view}");
        assert_eq!(view["legal"]["unknown_year"], 2027);
        let (_, page) = get(&app, &clerk.client, &format!("/cases/{id}")).await;
        assert!(page.contains("节假日安排未录入"), "flagged on the page");
        app.app()
            .import_calendar(
                "[[year]]\nyear = 2027\nnotice = \"test\"\nholidays = [{ name = \"元旦\", from = \"2027-01-01\", to = \"2027-01-01\" }]\n",
                "test",
            )
            .await
            .unwrap();
        let report = app.app().sweep().await.unwrap();
        assert_eq!(report.limits_counted, 1, "{report:?}");
        let (_, view) = clerk.get(&app, &format!("/api/v1/cases/{id}")).await;
        assert!(view["legal"]["ends"].as_str().unwrap().starts_with("2027-01-"), "{view}");
        assert_eq!(view["legal"]["unknown_year"], Value::Null);
    })
    .await;
}
