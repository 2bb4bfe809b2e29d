//! Applicants' personal data through real requests: registration and masking, unmasking
//! by grant, the window's lookup and in-person check, no number in clear on disk.

use super::auth::*;
use super::each_app;
use onetrip_app::demo::DEMO_APPLICANT;
use onetrip_domain::audit::AuditEvent;

#[tokio::test]
async fn applicants_register_see_masked_numbers_and_nobody_else() {
    each_app(|app| async move {
        let c = app.browser();
        let bad = c
            .post(app.url("/api/v1/applicants"))
            .json(&serde_json::json!({"name": "刘䶮", "document_number": "33119919800705003X", "phone": "13800000002", "password": "溪水长流桃花又开了"}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), 422);
        let body: serde_json::Value = bad.json().await.unwrap();
        assert_eq!(body["error"]["field"], "document_number");
        assert!(body["error"]["message"].as_str().unwrap().contains("校验码"), "{body}");
        for (lang, expected) in [
            ("en", "Document number: the check character (18th) of the resident ID card number is wrong"),
            ("zh-Hant", "居民身分證號碼第 18 位校驗碼不正確"),
        ] {
            let bad: serde_json::Value = c
                .post(app.url(&format!("/api/v1/applicants?lang={lang}")))
                .json(&serde_json::json!({"name": "刘䶮", "document_number": "33119919800705003X", "phone": "13800000002", "password": "溪水长流桃花又开了"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let message = bad["error"]["message"].as_str().unwrap();
            assert!(message.contains(expected), "{lang}: {message}");
        }
        let form = c
            .post(app.url("/register?lang=en"))
            .form(&[("name", "Liu 3"), ("document_kind", "resident_id_card"), ("document_number", "331199198007050037"), ("phone", "13800000002"), ("password", "溪水长流桃花又开了")])
            .send()
            .await
            .unwrap();
        assert_eq!(form.status().as_u16(), 422);
        let page = form.text().await.unwrap();
        assert!(page.contains("character 5 of the name, “3”, cannot be used in a name"), "{page}");

        let ok = c
            .post(app.url("/api/v1/applicants"))
            .json(&serde_json::json!({"name": "刘䶮", "document_number": "３３１１９９１９８００７０５００３７", "phone": "138 0000 0002", "password": "溪水长流桃花又开了"}))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status().as_u16(), 201);
        let me: serde_json::Value = c.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
        assert_eq!(me["name"], "刘䶮");
        assert_eq!(me["document_number"], "331199********0037");
        assert_eq!(me["phone"], "138****0002");
        assert_eq!(me["assurance"], "self_registered");

        let again = app.browser().post(app.url("/api/v1/applicants"))
            .json(&serde_json::json!({"name": "刘䶮", "document_number": "331199198007050037", "phone": "13800000003", "password": "溪水长流桃花又开了"}))
            .send().await.unwrap();
        assert_eq!(again.status().as_u16(), 409);

        // The other applicant's account, by changing the id in the URL: 404 and a record.
        let other = app.store.account_by_login(&onetrip_app::security::applicant_login(&app.security, "resident_id_card", DEMO_APPLICANT.1)).await.unwrap().unwrap();
        let denied_before = count(&app, AuditEvent::AccessDenied).await;
        let resp = c.get(app.url(&format!("/api/v1/accounts/{}", other.id))).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 404);
        assert_eq!(count(&app, AuditEvent::AccessDenied).await, denied_before + 1);
        let own = c.get(app.url(&format!("/api/v1/accounts/{}", me["id"].as_str().unwrap()))).send().await.unwrap();
        assert_eq!(own.status().as_u16(), 200);

        // Signing in by phone works too, and the page shows masked numbers only.
        let by_phone = app.browser();
        let (status, _) = post_form(&app, &by_phone, "/login", &[("login", "13800000002"), ("password", "溪水长流桃花又开了")]).await;
        assert_eq!(status, 303);
        let (_, page) = get(&app, &by_phone, "/me").await;
        assert!(page.contains("331199********0037") && !page.contains("331199198007050037"));
    })
    .await;
}

#[tokio::test]
async fn unmasking_needs_its_grant_and_is_recorded() {
    each_app(|app| async move {
        let other = app
            .store
            .account_by_login(&onetrip_app::security::applicant_login(
                &app.security,
                "resident_id_card",
                DEMO_APPLICANT.1,
            ))
            .await
            .unwrap()
            .unwrap();
        let path = format!("/api/v1/accounts/{}/identity", other.id);
        let handler = staff(&app, "handler").await;
        assert_eq!(
            handler
                .get(app.url(&path))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            403
        );
        let clerk = staff(&app, "clerk").await;
        let full: serde_json::Value = clerk
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(full["document_number"], DEMO_APPLICANT.1);
        assert_eq!(full["phone"], DEMO_APPLICANT.2);
        assert_eq!(count(&app, AuditEvent::Unmasked).await, 1);
    })
    .await;
}

/// No identity number is stored in clear anywhere in the data directory.
#[tokio::test]
async fn the_data_directory_holds_no_identity_number_in_clear() {
    let app = onetrip_testkit::spawn_app(onetrip_testkit::Backend::Sqlite)
        .await
        .unwrap();
    let c = app.browser();
    let resp = c
        .post(app.url("/api/v1/applicants"))
        .json(&serde_json::json!({"name": "刘䶮", "document_number": "331199198007050037", "phone": "13800000002", "password": "溪水长流桃花又开了"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let mut files = vec![app.data_dir().to_path_buf()];
    let mut scanned = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        scanned += bytes.len();
        for secret in [
            "331199198007050037",
            DEMO_APPLICANT.1,
            "13800000002",
            DEMO_APPLICANT.2,
        ] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in clear in {}",
                p.display()
            );
        }
    }
    assert!(
        scanned > 100_000,
        "the scan read the database ({scanned} bytes)"
    );
}

#[tokio::test]
async fn window_clerks_find_applicants_by_number_check_them_in_person_and_unmask() {
    each_app(|app| async move {
        let (name, number, phone) = DEMO_APPLICANT;
        let clerk = staff(&app, "clerk").await;
        let form_page = clerk.get(app.url("/staff/people")).send().await.unwrap();
        assert_eq!(form_page.status().as_u16(), 200);
        assert_eq!(form_page.headers()["cache-control"], "no-store");
        let csrf = csrf_in(&form_page.text().await.unwrap());
        let looked_before = count(&app, AuditEvent::PersonLookedUp).await;

        // The number as a person might type it: full-width digits and spaces.
        let typed = "３３１１９９ １９５６０３１２ ００２６";
        let (status, page) = post_form(&app, &clerk, "/staff/people", &[("csrf", &csrf), ("document_kind", "resident_id_card"), ("document_number", typed)]).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(name) && page.contains("331199********0026") && page.contains("138****0001"), "{page}");
        assert!(!page.contains(number) && !page.contains(phone), "numbers are masked");
        assert!(!page.contains(typed), "the typed number is not echoed back");
        assert_eq!(count(&app, AuditEvent::PersonLookedUp).await, looked_before + 1);

        let (status, page) = post_form(&app, &clerk, "/staff/people", &[("csrf", &csrf), ("phone", phone)]).await;
        assert_eq!(status, 200);
        assert!(page.contains(name), "found by phone");
        let (status, page) = post_form(&app, &clerk, "/staff/people", &[("csrf", &csrf), ("document_number", "11010519491231002X")]).await;
        assert_eq!(status, 200);
        assert!(page.contains("没有找到这个号码的注册账号"), "{page}");
        let (status, page) = post_form(&app, &clerk, "/staff/people?lang=en", &[("csrf", &csrf), ("document_number", "331199195603120027")]).await;
        assert_eq!(status, 422);
        assert!(page.contains("Document number: the check character (18th) of the resident ID card number is wrong"), "{page}");

        // A self-registered applicant comes to the window and is checked in person: the
        // account's assurance rises, once, and the check is recorded.
        let registered = app
            .browser()
            .post(app.url("/api/v1/applicants"))
            .json(&serde_json::json!({"name": "刘䶮", "document_number": "331199198007050037", "phone": "13800000002", "password": "溪水长流桃花又开了"}))
            .send()
            .await
            .unwrap();
        assert_eq!(registered.status().as_u16(), 201);
        let id = app.store.account_by_login(&onetrip_app::security::applicant_login(&app.security, "resident_id_card", "331199198007050037")).await.unwrap().unwrap().id;
        assert_eq!(app.store.account(&id).await.unwrap().unwrap().assurance, onetrip_domain::person::Assurance::SelfRegistered);
        let (_, page) = post_form(&app, &clerk, "/staff/people?lang=zh-Hans", &[("csrf", &csrf), ("document_number", "331199198007050037")]).await;
        assert!(page.contains(&format!("/staff/people/{id}/verify")), "a verify button for the unverified: {page}");
        let raised_before = count(&app, AuditEvent::AssuranceRaised).await;
        let (status, page) = post_form(&app, &clerk, &format!("/staff/people/{id}/verify?lang=zh-Hans"), &[("csrf", &csrf)]).await;
        assert_eq!(status, 200);
        assert!(page.contains("已记录：本人到窗口核验了身份") && page.contains("已在窗口当面核验"), "{page}");
        assert_eq!(app.store.account(&id).await.unwrap().unwrap().assurance, onetrip_domain::person::Assurance::InPerson);
        post_form(&app, &clerk, &format!("/staff/people/{id}/verify"), &[("csrf", &csrf)]).await;
        assert_eq!(count(&app, AuditEvent::AssuranceRaised).await, raised_before + 1);

        // In full only on request, recorded, and never cached.
        let unmasked_before = count(&app, AuditEvent::Unmasked).await;
        let resp = clerk.post(app.url(&format!("/staff/people/{id}/unmask"))).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let page = resp.text().await.unwrap();
        assert!(page.contains("331199198007050037") && page.contains("13800000002"), "{page}");
        assert_eq!(count(&app, AuditEvent::Unmasked).await, unmasked_before + 1);

        // Staff accounts are not applicants; no form without the session's token.
        let handler_id = app.store.account_by_login("handler").await.unwrap().unwrap().id;
        let (status, _) = post_form(&app, &clerk, &format!("/staff/people/{handler_id}/verify"), &[("csrf", &csrf)]).await;
        assert_eq!(status, 404);
        let (status, _) = post_form(&app, &clerk, "/staff/people", &[("document_number", number)]).await;
        assert_eq!(status, 403);

        // The same over JSON, for a department's own system.
        let token = csrf_of(&app, &clerk).await;
        let found: serde_json::Value = clerk.post(app.url("/api/v1/people/lookup")).header("X-CSRF-Token", &token).json(&serde_json::json!({"document_number": number})).send().await.unwrap().json().await.unwrap();
        assert_eq!(found[0]["document_number"], "331199********0026", "{found}");
        assert_eq!(found[0]["name"], name);
        let empty = clerk.post(app.url("/api/v1/people/lookup")).header("X-CSRF-Token", &token).json(&serde_json::json!({})).send().await.unwrap();
        assert_eq!(empty.status().as_u16(), 422);
        let body: serde_json::Value = empty.json().await.unwrap();
        assert_eq!(body["error"]["field"], "document_number");
        let verified = clerk.post(app.url(&format!("/api/v1/people/{handler_id}/verify-in-person"))).header("X-CSRF-Token", &token).send().await.unwrap();
        assert_eq!(verified.status().as_u16(), 404);
    })
    .await;
}
