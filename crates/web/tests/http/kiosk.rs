//! The hall's self-service kiosk: each visitor is forgotten, and a session there ends by
//! itself.

use super::auth::*;
use super::each_app;
use onetrip_app::demo::DEMO_APPLICANT;

#[tokio::test]
async fn the_kiosk_forgets_each_visitor_and_ends_sessions_by_itself() {
    each_app(|app| async move {
        let kiosk = applicant(&app).await;
        let resp = kiosk.get(app.url("/kiosk")).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let set: Vec<String> = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert!(
            set.iter().any(|c| c.starts_with("onetrip-kiosk=1;")),
            "{set:?}"
        );
        assert!(
            set.iter()
                .any(|c| c.starts_with("onetrip-session=;") && c.contains("Max-Age=0")),
            "{set:?}"
        );
        let page = resp.text().await.unwrap();
        assert!(
            page.contains("class=\"large\"") && page.contains("id=\"kiosk-choices\""),
            "{page}"
        );
        assert_eq!(
            kiosk
                .get(app.url("/api/v1/me"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            401,
            "the one before is signed out"
        );

        // The next visitor signs in: every page is large, ends by itself, and has a way out.
        let sign_in = || async {
            let (status, to) = post_form(
                &app,
                &kiosk,
                "/login",
                &[
                    ("login", DEMO_APPLICANT.1),
                    ("password", onetrip_app::demo::DEMO_PASSWORD),
                ],
            )
            .await;
            assert_eq!((status, to.as_str()), (303, "/me"));
        };
        sign_in().await;
        let (status, page) = get(&app, &kiosk, "/my/cases").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("class=\"large\"")
                && page.contains("content=\"120;url=/kiosk/end\"")
                && page.contains("id=\"kiosk-end\""),
            "{page}"
        );
        let desk = applicant(&app).await;
        app.clock.advance(chrono::Duration::minutes(4));
        let (status, to) = get(&app, &kiosk, "/my/cases").await;
        assert_eq!(
            (status, to.as_str()),
            (303, "/login?next=%2Fmy%2Fcases"),
            "idle at the kiosk: signed out"
        );
        let (status, _) = get(&app, &desk, "/my/cases").await;
        assert_eq!(status, 200, "elsewhere the hall's usual limits hold");

        sign_in().await;
        for _ in 0..5 {
            app.clock.advance(chrono::Duration::minutes(2));
            let (status, _) = get(&app, &kiosk, "/my/cases").await;
            assert_eq!(status, 200, "busy, within ten minutes");
        }
        app.clock.advance(chrono::Duration::minutes(1));
        let (status, _) = get(&app, &kiosk, "/my/cases").await;
        assert_eq!(status, 303, "ten minutes at most");

        sign_in().await;
        let (status, to) = get(&app, &kiosk, "/kiosk/end").await;
        assert_eq!((status, to.as_str()), (303, "/kiosk"));
        assert_eq!(
            kiosk
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
