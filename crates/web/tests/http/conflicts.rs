//! A change that collides with existing data is a 409 naming the field, in the language of
//! the request, on the API and on a page; never a 500.

use super::auth::{csrf_in, csrf_of, get, staff};
use super::{each_app, GAOLING};

/// What each language says of a taken login and of publishing with no draft.
const LANGUAGES: [(&str, &str, &str); 3] = [
    ("zh-Hans", "登录名 approver 已被使用", "没有待发布的草稿"),
    ("zh-Hant", "登入名 approver 已被使用", "沒有待發布的草稿"),
    (
        "en",
        "the login name approver is taken",
        "has no draft to publish",
    ),
];

#[tokio::test]
async fn a_taken_login_is_a_409_on_its_field_in_every_language() {
    each_app(|app| async move {
        let admin = staff(&app, "secadmin").await;
        let csrf = csrf_of(&app, &admin).await;
        let before = app.store.staff_accounts().await.unwrap().len();
        for (lang, taken, _) in LANGUAGES {
            let resp = admin
                .post(format!("{}/api/v1/staff", app.address))
                .header("x-csrf-token", &csrf)
                .header("accept-language", lang)
                .json(&serde_json::json!({
                    "login": "approver",
                    "name": "重名 同事",
                    "organization": "11331199MB1A001006",
                    "password": "溪水长流桃花又开了"
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 409, "{lang}");
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_eq!(body["error"]["code"], "conflict", "{lang}: {body}");
            assert_eq!(body["error"]["field"], "login", "{lang}: {body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains(taken), "{lang}: {message}");
        }
        let after = app.store.staff_accounts().await.unwrap().len();
        assert_eq!(after, before, "nothing was created");
    })
    .await;
}

#[tokio::test]
async fn publishing_without_a_draft_is_a_409_page_in_every_language() {
    each_app(|app| async move {
        let admin = staff(&app, "catalog").await;
        let path = format!("/admin/catalog/{GAOLING}");
        let (status, page) = get(&app, &admin, &path).await;
        assert_eq!(status, 200);
        let csrf = csrf_in(&page);
        let versions = app
            .store
            .history(onetrip_store::Entity::Implementation, GAOLING)
            .await
            .unwrap()
            .versions
            .len();
        for (lang, _, no_draft) in LANGUAGES {
            let resp = admin
                .post(format!("{}{path}/publish", app.address))
                .header("accept-language", lang)
                .form(&[("csrf", csrf.as_str()), ("effective", "2026-03-09")])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 409, "{lang}");
            let html = resp.text().await.unwrap();
            assert!(html.contains(&format!("<html lang=\"{lang}\"")), "{lang}");
            assert!(html.contains(no_draft), "{lang}: {html}");
        }
        let history = app
            .store
            .history(onetrip_store::Entity::Implementation, GAOLING)
            .await
            .unwrap();
        assert_eq!(history.versions.len(), versions, "nothing was published");
    })
    .await;
}
