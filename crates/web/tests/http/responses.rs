//! What every response carries and what a bad request gets back: nothing personal is
//! cached, security headers are set, a session cookie never rides along with an API token
//! past the CSRF check, server errors are logged with the id the client sees, and a body
//! the API cannot read is answered with the documented JSON error, as the OpenAPI document
//! says.

use super::auth::{applicant, csrf_of, get, json, staff};
use super::{each_app, GAOLING};
use onetrip_app::demo::{DEMO_APPLICANT, DEMO_PASSWORD};
use onetrip_testkit::{spawn_app_with, Backend};

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn personal_data_and_secrets_are_never_cached_and_the_catalog_may_be() {
    each_app(|app| async move {
        let person = applicant(&app).await;
        let clerk = staff(&app, "clerk").await;
        let clerk_csrf = csrf_of(&app, &clerk).await;
        let auditor = staff(&app, "auditor").await;
        let me = json(&app, &person, "/api/v1/me").await;
        let id = me["id"].as_str().unwrap().to_string();
        let mut seen = Vec::new();
        for (client, path) in [
            (&person, "/api/v1/me".to_string()),
            (&person, "/me".into()),
            (&clerk, format!("/api/v1/accounts/{id}/identity")),
            (&auditor, "/api/v1/audit".into()),
            (&auditor, "/admin/audit".into()),
            (&auditor, "/admin/audit.csv".into()),
            (&person, format!("/guide/{GAOLING}")),
            (&app.client, "/login".into()),
        ] {
            let resp = client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 200, "{path}");
            seen.push((path, header(&resp, "cache-control")));
        }
        let lookup = clerk
            .post(app.url("/api/v1/people/lookup"))
            .header("x-csrf-token", &clerk_csrf)
            .json(&serde_json::json!({"phone": DEMO_APPLICANT.2}))
            .send()
            .await
            .unwrap();
        seen.push((
            "/api/v1/people/lookup".into(),
            header(&lookup, "cache-control"),
        ));
        let token = clerk
            .post(app.url("/api/v1/me/tokens"))
            .header("x-csrf-token", &clerk_csrf)
            .json(&serde_json::json!({"name": "x", "scopes": ["window_clerk"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(token.status().as_u16(), 201);
        seen.push((
            "POST /api/v1/me/tokens".into(),
            header(&token, "cache-control"),
        ));
        for (path, cache) in &seen {
            assert_eq!(cache, "no-store", "{path}");
        }
        for path in [
            format!("/guide/{GAOLING}"),
            "/api/v1/matters".into(),
            "/".into(),
        ] {
            let resp = app.client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(
                header(&resp, "cache-control"),
                "public, max-age=300",
                "{path}"
            );
            assert_eq!(header(&resp, "vary"), "Cookie, Accept-Language", "{path}");
        }
        let css = app
            .client
            .get(app.url("/static/app.css"))
            .send()
            .await
            .unwrap();
        assert_eq!(header(&css, "cache-control"), "public, max-age=86400");
        let missing = app
            .client
            .get(app.url("/guide/NOPE000"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            header(&missing, "cache-control"),
            "no-store",
            "an error is not kept"
        );
    })
    .await;
}

#[tokio::test]
async fn a_cookie_rides_past_the_csrf_check_only_with_a_valid_api_token_and_then_counts_for_nothing(
) {
    each_app(|app| async move {
        let admin = staff(&app, "secadmin").await;
        let before = app.store.staff_accounts().await.unwrap().len();
        let new_staff = serde_json::json!({
            "login": "sneaky", "name": "新同事", "organization": "331199-centre",
            "password": "溪水长流桃花又开了"
        });
        for authorization in ["Basic c2VjYWRtaW46eA==", "Bearer ot_not-a-token", "x"] {
            let resp = admin
                .post(app.url("/api/v1/staff"))
                .header("authorization", authorization)
                .json(&new_staff)
                .send()
                .await
                .unwrap();
            assert!(
                [401, 403].contains(&resp.status().as_u16()),
                "{authorization}: {}",
                resp.status()
            );
        }
        assert_eq!(app.store.staff_accounts().await.unwrap().len(), before);
        // With the window clerk's valid token, the administrator's cookie is ignored: the
        // request is the clerk's, who may look people up but not create staff.
        let clerk = staff(&app, "clerk").await;
        let csrf = csrf_of(&app, &clerk).await;
        let created: serde_json::Value = clerk
            .post(app.url("/api/v1/me/tokens"))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({"name": "系统", "scopes": ["window_clerk"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = created["token"].as_str().unwrap();
        let resp = admin
            .post(app.url("/api/v1/staff"))
            .bearer_auth(token)
            .json(&new_staff)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 403);
        assert_eq!(app.store.staff_accounts().await.unwrap().len(), before);
        let me: serde_json::Value = admin
            .get(app.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["login"], "clerk");
    })
    .await;
}

#[tokio::test]
async fn security_headers_and_waiting_times_are_sent() {
    let app = spawn_app_with(Backend::Sqlite, |a| {
        a.secure_cookies = true;
        a.attempts_per_minute = 2;
    })
    .await
    .unwrap();
    for path in ["/", "/api/v1/matters", "/login"] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            header(&resp, "strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
        assert_eq!(header(&resp, "referrer-policy"), "same-origin", "{path}");
        assert_eq!(header(&resp, "x-request-id").len(), 16, "{path}");
    }
    let mut last = None;
    for _ in 0..3 {
        last = Some(
            app.client
                .post(app.url("/api/v1/session"))
                .json(&serde_json::json!({"login": "clerk", "password": "wrong-wrong"}))
                .send()
                .await
                .unwrap(),
        );
    }
    let resp = last.unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    let wait: u64 = header(&resp, "retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let page = app
        .client
        .post(app.url("/login"))
        .form(&[("login", "clerk"), ("password", "wrong-wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 429);
    assert!(
        !header(&page, "retry-after").is_empty(),
        "the page says when too"
    );

    let plain = onetrip_testkit::spawn_app(Backend::Sqlite).await.unwrap();
    let resp = plain.client.get(plain.url("/")).send().await.unwrap();
    assert_eq!(
        header(&resp, "strict-transport-security"),
        "",
        "no HSTS over HTTP"
    );
    assert_eq!(header(&resp, "referrer-policy"), "same-origin");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let db = plain.data_dir().join("test.sqlite3");
        assert_eq!(mode(&db), 0o600, "the database file");
        let wal = plain.data_dir().join("test.sqlite3-wal");
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600, "its write-ahead log");
        }
    }
}

/// Log lines written while a test runs, on this test's thread.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_server_error_is_a_bare_500_logged_with_the_request_id_the_client_sees() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = onetrip_testkit::spawn_app(Backend::Sqlite).await.unwrap();
    // The database loses a table behind the application's back.
    let conn = rusqlite::Connection::open(app.data_dir().join("test.sqlite3")).unwrap();
    conn.execute_batch("DROP TABLE login_source").unwrap();
    let resp = app
        .client
        .post(app.url("/login"))
        .form(&[("login", DEMO_APPLICANT.1), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 500);
    let id = header(&resp, "x-request-id");
    let body = resp.text().await.unwrap();
    assert!(
        !body.contains("login_source"),
        "no detail reaches the user: {body}"
    );
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("server error"))
        .unwrap_or_else(|| panic!("no server error logged: {log}"));
    assert!(line.contains(&id) && line.contains("/login"), "{line}");
    assert!(
        log.contains("login_source"),
        "the cause is in the log: {log}"
    );
}

#[tokio::test]
async fn a_body_the_api_cannot_read_gets_the_documented_json_error() {
    each_app(|app| async move {
        let clerk = staff(&app, "clerk").await;
        let csrf = csrf_of(&app, &clerk).await;
        let send = |content_type: &'static str, body: Vec<u8>, lang: &'static str| {
            clerk
                .post(app.url(&format!("/api/v1/people/lookup?lang={lang}")))
                .header("x-csrf-token", &csrf)
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let cases: Vec<(&str, Vec<u8>, u16, &str, &str)> = vec![
            (
                "text/plain",
                b"phone=1".to_vec(),
                415,
                "unsupported_media_type",
                "",
            ),
            (
                "application/json",
                b"{\"phone\":".to_vec(),
                400,
                "bad_request",
                "body",
            ),
            (
                "application/json",
                b"{\"phone\": 5}".to_vec(),
                422,
                "invalid",
                "phone",
            ),
            (
                "application/json",
                b"[1, 2]".to_vec(),
                422,
                "invalid",
                "body",
            ),
            (
                "application/json",
                vec![b' '; 3 << 20],
                413,
                "too_large",
                "",
            ),
        ];
        for (content_type, body, status, code, field) in cases {
            for lang in ["zh-Hans", "en"] {
                let resp = send(content_type, body.clone(), lang).await.unwrap();
                assert_eq!(resp.status().as_u16(), status, "{content_type} {code}");
                assert!(header(&resp, "content-type").starts_with("application/json"));
                let json: serde_json::Value = resp.json().await.unwrap();
                assert_eq!(json["error"]["code"], code, "{json}");
                if !field.is_empty() {
                    assert_eq!(json["error"]["field"], field, "{json}");
                }
                let message = json["error"]["message"].as_str().unwrap();
                let chinese = message
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                assert_eq!(chinese, lang == "zh-Hans", "{lang}: {message}");
            }
        }
        let missing = app
            .client
            .post(app.url("/api/v1/session"))
            .json(&serde_json::json!({"login": "clerk"}))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status().as_u16(), 422);
        let json: serde_json::Value = missing.json().await.unwrap();
        assert_eq!(json["error"]["field"], "password", "{json}");
        // A page's form sent as something else gets a page, not plain text.
        let page = app
            .client
            .post(app.url("/login"))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 415);
        assert!(header(&page, "content-type").starts_with("text/html"));
        let (status, _) = get(&app, &app.client, "/healthz").await;
        assert_eq!(status, 200);
    })
    .await;
}

#[tokio::test]
async fn the_api_document_tells_the_answers_and_bounds_the_routes_give() {
    let app = onetrip_testkit::spawn_app(Backend::Sqlite).await.unwrap();
    let (status, doc) = app.json("/api/openapi.json").await.unwrap();
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().unwrap();
    // The document is the route table's: every documented operation is a declared route
    // of that method and path, and every declared API route is documented.
    let documented: std::collections::BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_ascii_uppercase(), path.clone()))
        })
        .collect();
    let declared: std::collections::BTreeSet<(String, String)> = onetrip_web::routes::route_info()
        .into_iter()
        .filter(|r| r.doc.is_some() || r.path.starts_with("/api/v1/"))
        .map(|r| (r.method.to_string(), r.path))
        .collect();
    assert_eq!(
        documented, declared,
        "the API document and the route table differ"
    );
    assert!(declared.len() > 30, "{} API routes", declared.len());
    for route in onetrip_web::routes::route_info() {
        if !route.path.starts_with("/api/v1/") {
            continue;
        }
        let operation = &paths
            .get(&route.path)
            .unwrap_or_else(|| panic!("{} {} is not documented", route.method, route.path))
            [route.method.as_str().to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{} {} is not documented",
            route.method,
            route.path
        );
        let responses = operation["responses"].as_object().unwrap();
        let has = |s: &str| responses.contains_key(s);
        if route.access != onetrip_web::auth::Access::Public {
            assert!(has("401") && has("403"), "{} {}", route.method, route.path);
        }
        if route.path.contains('{') {
            assert!(
                has("404"),
                "{} {} names an object but lacks 404",
                route.method,
                route.path
            );
        }
        if route.method != axum::http::Method::GET {
            assert!(
                has("503"),
                "{} {} lacks 503 (busy)",
                route.method,
                route.path
            );
        }
        if !operation["requestBody"].is_null() {
            for s in ["400", "413", "415", "422"] {
                assert!(has(s), "{} {} lacks {s}", route.method, route.path);
            }
        }
    }
    let param = |path: &str, name: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["schema"]
            .clone()
    };
    assert_eq!(param("/api/v1/matters", "page")["minimum"], 1);
    assert_eq!(param("/api/v1/matters", "per_page")["maximum"], 100);
    assert_eq!(param("/api/v1/search", "limit")["minimum"], 1);
    assert_eq!(param("/api/v1/search", "limit")["maximum"], 50);
    assert_eq!(param("/api/v1/audit", "limit")["maximum"], 1000);
    // And the server holds to the bounds it documents.
    for (path, status) in [
        ("/api/v1/matters?page=0", 400),
        ("/api/v1/matters?per_page=101", 400),
        ("/api/v1/matters?per_page=100", 200),
        ("/api/v1/search?q=x&limit=0", 400),
        ("/api/v1/search?q=x&limit=50", 200),
    ] {
        assert_eq!(app.json(path).await.unwrap().0, status, "{path}");
    }
}
