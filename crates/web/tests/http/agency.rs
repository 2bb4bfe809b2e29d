//! Acting for someone else and single sign-on through real requests: delegations to
//! service places, village agents and relatives, the provincial identity service.

use super::auth::*;
use super::each_app;
use reqwest::Client;

#[tokio::test]
async fn delegations_and_village_agents_are_recorded_and_withdrawn() {
    each_app(|app| async move {
        let sec = staff(&app, "secadmin").await;
        let token = csrf_of(&app, &sec).await;
        let bad = sec
            .post(app.url("/api/v1/delegations"))
            .header("x-csrf-token", &token)
            .json(&serde_json::json!({"department": "11331199MB1A001006", "place": "no-such-place"}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), 422);
        let ok = sec
            .post(app.url("/api/v1/delegations"))
            .header("x-csrf-token", &token)
            .json(&serde_json::json!({"department": "11331199MB1A001006", "place": "331199-centre", "matters": ["000105001000"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status().as_u16(), 201);
        let list: serde_json::Value = sec.get(app.url("/api/v1/delegations")).send().await.unwrap().json().await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1);

        // A villager registers; the clerk records the village agent's authority for the elder.
        let agent = app.browser();
        let resp = agent
            .post(app.url("/api/v1/applicants"))
            .json(&serde_json::json!({"name": "刘䶮", "document_number": "331199198007050037", "phone": "13800000002", "password": "溪水长流桃花又开了"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        let agent_me: serde_json::Value = agent.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
        let elder = applicant(&app).await;
        let elder_me: serde_json::Value = elder.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
        let clerk = staff(&app, "clerk").await;
        let clerk_token = csrf_of(&app, &clerk).await;
        let mut body = serde_json::json!({
            "agent": agent_me["id"], "principal_kind": "person", "principal": elder_me["id"],
            "capacity": "village_agent", "valid_from": "2026-03-01", "valid_until": "2026-12-31"
        });
        let unrecorded = clerk.post(app.url("/api/v1/representations")).header("x-csrf-token", &clerk_token).json(&body).send().await.unwrap();
        assert_eq!(unrecorded.status().as_u16(), 422, "no authorization on file");
        body["authorization"] = "桃源乡代办委托 2026-031".into();
        let recorded = clerk.post(app.url("/api/v1/representations")).header("x-csrf-token", &clerk_token).json(&body).send().await.unwrap();
        assert_eq!(recorded.status().as_u16(), 201);
        let rep: serde_json::Value = recorded.json().await.unwrap();
        let seen: serde_json::Value = elder.get(app.url("/api/v1/me/representations")).send().await.unwrap().json().await.unwrap();
        assert_eq!(seen[0]["capacity"], "village_agent");

        // The agent now sees the elder's account (masked); the elder does not see the agent's.
        let elder_path = format!("/api/v1/accounts/{}", elder_me["id"].as_str().unwrap());
        let principal: serde_json::Value = agent.get(app.url(&elder_path)).send().await.unwrap().json().await.unwrap();
        assert_eq!(principal["document_number"], "331199********0026", "{principal}");
        let agent_path = format!("/api/v1/accounts/{}", agent_me["id"].as_str().unwrap());
        assert_eq!(elder.get(app.url(&agent_path)).send().await.unwrap().status().as_u16(), 404);

        let (_, agent_page) = get(&app, &agent, "/me").await;
        assert!(agent_page.contains("我可以代为办理：王𠈌") && agent_page.contains("331199********0026") && agent_page.contains("代办员"), "{agent_page}");
        assert!(agent_page.contains("您的账号还没有实名核验"), "a self-registered agent is told how to get verified");
        let (_, elder_page) = get(&app, &elder, "/me").await;
        assert!(elder_page.contains("可以代我办理：刘䶮"), "{elder_page}");
        assert!(!elder_page.contains("您的账号还没有实名核验"), "the elder was checked in person");
        assert!(!elder_page.contains("331199198007050037"), "masked on the page too");

        // A stranger cannot withdraw it; the elder can.
        let stranger = staff(&app, "auditor").await;
        let stranger_token = csrf_of(&app, &stranger).await;
        let path = format!("/api/v1/representations/{}", rep["id"].as_str().unwrap());
        let denied = stranger.delete(app.url(&path)).header("x-csrf-token", &stranger_token).send().await.unwrap();
        assert_eq!(denied.status().as_u16(), 404);
        let elder_token = csrf_of(&app, &elder).await;
        let withdrawn = elder.delete(app.url(&path)).header("x-csrf-token", &elder_token).send().await.unwrap();
        assert_eq!(withdrawn.status().as_u16(), 204);
        let seen: serde_json::Value = agent.get(app.url("/api/v1/me/representations")).send().await.unwrap().json().await.unwrap();
        assert_eq!(seen.as_array().unwrap().len(), 0);
        assert_eq!(agent.get(app.url(&elder_path)).send().await.unwrap().status().as_u16(), 404, "withdrawn: no longer visible");
        let (_, agent_page) = get(&app, &agent, "/me").await;
        assert!(!agent_page.contains("我可以代为办理"), "{agent_page}");

        // Recorded again, and this time the agent withdraws it from their own page.
        let again = clerk.post(app.url("/api/v1/representations")).header("x-csrf-token", &clerk_token).json(&body).send().await.unwrap();
        assert_eq!(again.status().as_u16(), 201);
        let again: serde_json::Value = again.json().await.unwrap();
        let agent_token = csrf_of(&app, &agent).await;
        let (status, to) = post_form(&app, &agent, &format!("/me/representations/{}/withdraw", again["id"].as_str().unwrap()), &[("csrf", &agent_token)]).await;
        assert_eq!((status, to.as_str()), (303, "/me?done=withdrawn"));
        let (_, agent_page) = get(&app, &agent, "/me?done=withdrawn").await;
        assert!(agent_page.contains("代办授权已撤回") && !agent_page.contains("我可以代为办理"), "{agent_page}");
    })
    .await;
}

/// Follows one redirect by hand, keeping the client's cookies.
async fn follow(client: &Client, url: &str) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, location.unwrap_or_default())
}

#[tokio::test]
async fn applicants_sign_in_through_the_provincial_identity_service() {
    each_app(|app| async move {
        let browser = app.browser();
        let (status, to) = follow(&browser, &app.url("/login/sso?next=%2Fme")).await;
        assert_eq!(status, 303);
        assert!(
            to.starts_with(&format!("{}/authorize?", app.provider.issuer)),
            "{to}"
        );
        assert!(
            to.contains("client_id=onetrip%2Dtest") && to.contains("nonce="),
            "{to}"
        );
        let (status, back) = follow(&browser, &to).await;
        assert_eq!(status, 303);
        assert!(
            back.starts_with(&app.url("/login/sso/callback?code=")),
            "{back}"
        );

        // The same answer delivered to another browser (no state cookie) is refused.
        let stranger = app.browser();
        assert_eq!(follow(&stranger, &back).await.0, 403);

        let (status, to) = follow(&browser, &back).await;
        assert_eq!((status, to.as_str()), (303, "/me"));
        let me: serde_json::Value = browser
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["name"], "陈𠮷");
        assert_eq!(me["assurance"], "single_sign_on");
        assert_eq!(me["document_number"], "331199********0037");
        let first_id = me["id"].clone();

        // Signing in again finds the same account.
        let again = app.browser();
        let (_, to) = follow(&again, &app.url("/login/sso")).await;
        let (_, back) = follow(&again, &to).await;
        assert_eq!(follow(&again, &back).await.0, 303);
        let me: serde_json::Value = again
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["id"], first_id);

        // A token issued for another client does not sign anyone in.
        app.provider
            .forge_audience
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let forged = app.browser();
        let (_, to) = follow(&forged, &app.url("/login/sso")).await;
        let (_, back) = follow(&forged, &to).await;
        assert_eq!(follow(&forged, &back).await.0, 401);
        assert_eq!(
            forged
                .get(app.url("/api/v1/me"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            401
        );
    })
    .await;
}
