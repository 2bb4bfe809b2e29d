//! The catalog administrator edits a draft, is told exactly what is wrong, previews the
//! guide, publishes it, and cannot touch implementations outside their divisions.

use super::auth::{count, csrf_in, csrf_of, get, post_form, staff};
use super::{each_app, GAOLING};
use onetrip_domain::audit::AuditEvent;

#[tokio::test]
async fn a_draft_is_checked_previewed_and_published() {
    each_app(|app| async move {
        let admin = staff(&app, "catalog").await;
        let (status, list) = get(&app, &admin, "/admin/catalog").await;
        assert_eq!(status, 200);
        assert!(list.contains("高龄津贴申领"));
        let path = format!("/admin/catalog/{GAOLING}");
        let (status, page) = get(&app, &admin, &path).await;
        assert_eq!(status, 200);
        let text = page
            .split("spellcheck=\"false\">")
            .nth(1)
            .unwrap()
            .split("</textarea>")
            .next()
            .unwrap();
        let text = text
            .replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'");
        assert!(text.contains("0578-6110101"), "{text}");
        let csrf = csrf_in(&page);

        let (status, body) = post_form(
            &app,
            &admin,
            &path,
            &[("csrf", &csrf), ("text", "code = \"unterminated")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            body.contains("line 1"),
            "a TOML error names the line: {body}"
        );

        let unknown = text.replace("channels =", "chanels =");
        let (status, body) =
            post_form(&app, &admin, &path, &[("csrf", &csrf), ("text", &unknown)]).await;
        assert_eq!(status, 422);
        assert!(
            body.contains("chanels"),
            "an unknown field is named: {body}"
        );

        let edited = text.replace("0578-6110101", "0578-6119999");
        let (status, to) =
            post_form(&app, &admin, &path, &[("csrf", &csrf), ("text", &edited)]).await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("{path}?saved=1").as_str())
        );
        let (status, preview) = get(&app, &admin, &format!("{path}/preview")).await;
        assert_eq!(status, 200);
        assert!(preview.contains("草稿预览") && preview.contains("0578-6119999"));
        let (_, public) = get(&app, &app.browser(), &format!("/guide/{GAOLING}")).await;
        assert!(
            public.contains("0578-6110101") && !public.contains("0578-6119999"),
            "the public sees the published version"
        );

        let (status, body) = post_form(
            &app,
            &admin,
            &format!("{path}/publish"),
            &[("csrf", &csrf), ("effective", "2020-01-01")],
        )
        .await;
        assert_eq!(status, 422, "{body}");
        let (status, to) = post_form(
            &app,
            &admin,
            &format!("{path}/publish"),
            &[("csrf", &csrf), ("effective", "2026-03-02")],
        )
        .await;
        assert_eq!(
            (status, to.as_str()),
            (303, format!("/guide/{GAOLING}").as_str())
        );
        let (_, public) = get(&app, &app.browser(), &format!("/guide/{GAOLING}")).await;
        assert!(
            public.contains("0578-6119999"),
            "published and in force today"
        );
        assert_eq!(count(&app, AuditEvent::CatalogDraftSaved).await, 1);
        assert_eq!(count(&app, AuditEvent::CatalogPublished).await, 1);
    })
    .await;
}

#[tokio::test]
async fn a_township_catalog_administrator_cannot_edit_county_entries() {
    each_app(|app| async move {
        let sec = staff(&app, "secadmin").await;
        let token = csrf_of(&app, &sec).await;
        let handler = app
            .store
            .account_by_login("handler")
            .await
            .unwrap()
            .unwrap()
            .id;
        let resp = sec
            .post(app.url(&format!("/api/v1/staff/{handler}/grants")))
            .header("x-csrf-token", &token)
            .json(&serde_json::json!({"role": "catalog_admin", "division": "331199001"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        let town = staff(&app, "handler").await;
        let (status, list) = get(&app, &town, "/admin/catalog").await;
        assert_eq!(status, 200);
        assert!(!list.contains(GAOLING), "county entries are not listed");
        let before = count(&app, AuditEvent::AccessDenied).await;
        assert_eq!(
            get(&app, &town, &format!("/admin/catalog/{GAOLING}"))
                .await
                .0,
            404
        );
        assert_eq!(count(&app, AuditEvent::AccessDenied).await, before + 1);
    })
    .await;
}
