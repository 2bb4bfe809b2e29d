#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every page and API route through the real router on port 0: happy path, not found,
//! bad input; on SQLite and (when configured) PostgreSQL.

use onetrip_testkit::{backends, spawn_app, TestApp};

pub(crate) const GAOLING: &str = "11331199MB1A001006000105001000";
const DIBAO_BASE: &str = "000105002000";

pub(crate) async fn each_app<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends().unwrap() {
        eprintln!("-- {backend:?}");
        test(spawn_app(backend).await.unwrap()).await;
    }
}

#[tokio::test]
async fn health_and_openapi() {
    each_app(|app| async move {
        assert_eq!(app.get("/healthz").await.unwrap(), (200, "ok".into()));
        let mut ready = app.get("/readyz").await.unwrap().0;
        for _ in 0..100 {
            if ready == 200 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            ready = app.get("/readyz").await.unwrap().0;
        }
        assert_eq!(ready, 200);
        let (status, doc) = app.json("/api/openapi.json").await.unwrap();
        assert_eq!(status, 200);
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/api/v1/matters",
            "/api/v1/matters/{base_code}",
            "/api/v1/implementations/{code}",
            "/api/v1/search",
            "/api/v1/catalog/check",
            "/api/v1/departments",
            "/api/v1/divisions",
            "/api/v1/places",
            "/api/v1/life-events",
        ] {
            assert!(paths.contains_key(p), "OpenAPI lacks {p}");
        }
    })
    .await;
}

#[tokio::test]
async fn home_page_offers_every_way_to_browse() {
    each_app(|app| async move {
        let (status, html) = app.get("/").await.unwrap();
        assert_eq!(status, 200);
        assert!(html.contains("<html lang=\"zh-Hans\">"));
        for text in [
            "网上办事大厅",
            "出生一件事",
            "青溪县民政局",
            "石门镇",
            "个人办事",
            "企业和单位办事",
        ] {
            assert!(html.contains(text), "home lacks {text}");
        }
        assert!(
            !html.contains("溪口乡"),
            "a retired township is not offered"
        );
    })
    .await;
}

#[tokio::test]
async fn search_page_and_api_find_by_everyday_words() {
    each_app(|app| async move {
        let (status, html) = app
            .get("/search?q=%E8%80%81%E4%BA%BA%E8%A1%A5%E8%B4%B4")
            .await
            .unwrap();
        assert_eq!(status, 200);
        assert!(html.contains("高龄津贴申领"), "{html}");
        let (status, json) = app
            .json("/api/v1/search?q=%E5%BC%80%E5%BA%97")
            .await
            .unwrap();
        assert_eq!(status, 200);
        let names: Vec<&str> = json["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"个体工商户设立登记") && names.contains(&"食品经营许可"),
            "{names:?}"
        );
        let (status, html) = app.get("/search?q=").await.unwrap();
        assert_eq!(status, 200);
        assert!(html.contains("请在上面的搜索框"));
        let long = "%E8%80%81".repeat(101);
        let (status, json) = app.json(&format!("/api/v1/search?q={long}")).await.unwrap();
        assert_eq!(status, 400);
        assert_eq!(json["error"]["field"], "q");
        let (status, json) = app.json("/api/v1/search?q=x&limit=abc").await.unwrap();
        assert_eq!(
            (status, json["error"]["field"].as_str()),
            (400, Some("limit"))
        );
        let (status, html) = app.get("/search?q=x&limit=0").await.unwrap();
        assert_eq!(status, 400);
        assert!(html.contains("limit"), "the page names the parameter");
    })
    .await;
}

#[tokio::test]
async fn guide_page_tells_everything_once() {
    each_app(|app| async move {
        let (status, html) = app.get(&format!("/guide/{GAOLING}")).await.unwrap();
        assert_eq!(status, 200);
        for text in [
            "高龄津贴申领",
            "要带什么材料",
            "居民身份证",
            "政府已有，可免提交",
            "跑 0 次",
            "不收费",
            "办理地点",
            "法律依据",
            "中华人民共和国老年人权益保障法",
            "咨询电话",
            "常见问题",
            "打印材料清单",
        ] {
            assert!(html.contains(text), "guide lacks {text}");
        }
        let (status, html) = app
            .get(&format!("/guide/{GAOLING}/checklist"))
            .await
            .unwrap();
        assert_eq!(status, 200);
        assert!(html.contains("材料清单") && html.contains("☐") && html.contains("居民身份证"));
        let (status, html) = app.get("/guide/NOPE0000000000000").await.unwrap();
        assert_eq!(status, 404);
        assert!(html.contains("没有找到"));
        let (status, _) = app.get("/guide/NOPE0000000000000/checklist").await.unwrap();
        assert_eq!(status, 404);
    })
    .await;
}

#[tokio::test]
async fn a_matter_with_township_versions_lets_people_choose() {
    each_app(|app| async move {
        let (status, html) = app.get(&format!("/matter/{DIBAO_BASE}")).await.unwrap();
        assert_eq!(status, 200);
        for t in ["城关街道", "石门镇", "云峰镇", "桃源乡"] {
            assert!(html.contains(t), "chooser lacks {t}");
        }
        let resp = app.get_with("/matter/000105001000", &[]).await.unwrap();
        assert_eq!(resp.status().as_u16(), 303);
        assert_eq!(
            resp.headers()["location"],
            format!("/guide/{GAOLING}").as_str()
        );
        assert_eq!(app.get("/matter/999999999999").await.unwrap().0, 404);
    })
    .await;
}

#[tokio::test]
async fn matter_lists_filter_and_reject_bad_filters() {
    each_app(|app| async move {
        let (status, json) = app
            .json("/api/v1/matters?life_event=birth&per_page=100")
            .await
            .unwrap();
        assert_eq!(status, 200);
        let names: Vec<&str> = json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"出生医学证明办理") && names.contains(&"出生户口登记"),
            "{names:?}"
        );
        assert!(!names.contains(&"结婚登记"));
        let (_, json) = app
            .json("/api/v1/matters?division=331199101&per_page=100")
            .await
            .unwrap();
        let divisions: Vec<&str> = json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["division"].as_str().unwrap())
            .collect();
        assert!(
            !divisions.is_empty() && divisions.iter().all(|d| *d == "331199101"),
            "{divisions:?}"
        );
        let (_, json) = app
            .json("/api/v1/matters?object=organization&per_page=100")
            .await
            .unwrap();
        assert!(json["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "食品经营许可"));
        assert!(!json["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "高龄津贴申领"));
        let (_, json) = app.json("/api/v1/matters?per_page=5&page=2").await.unwrap();
        assert_eq!(
            (
                json["items"].as_array().unwrap().len(),
                json["page"].as_u64()
            ),
            (5, Some(2))
        );
        for (q, field) in [
            ("object=alien", "object"),
            ("department=NOPE", "department"),
            ("page=0", "page"),
            ("per_page=1000", "per_page"),
            ("division=12", "division"),
            ("life_event=moon", "life_event"),
        ] {
            let (status, json) = app.json(&format!("/api/v1/matters?{q}")).await.unwrap();
            assert_eq!(status, 400, "{q}");
            assert_eq!(json["error"]["field"], field, "{q}");
            let (status, html) = app.get(&format!("/matters?{q}")).await.unwrap();
            assert_eq!(status, 400, "{q}");
            assert!(html.contains(field), "page for {q} names the parameter");
        }
        let (status, html) = app
            .get("/matters?department=11331199MB1A001006")
            .await
            .unwrap();
        assert_eq!(status, 200);
        assert!(html.contains("青溪县民政局") && html.contains("高龄津贴申领"));
    })
    .await;
}

#[tokio::test]
async fn implementation_and_matter_api() {
    each_app(|app| async move {
        let (status, json) = app
            .json(&format!("/api/v1/implementations/{GAOLING}"))
            .await
            .unwrap();
        assert_eq!(status, 200);
        assert_eq!(json["resolved"]["name"], "高龄津贴申领");
        assert_eq!(json["info"]["version"], 1);
        let (status, _) = app
            .json(&format!("/api/v1/implementations/{GAOLING}?version=1"))
            .await
            .unwrap();
        assert_eq!(status, 200);
        let (status, json) = app
            .json(&format!("/api/v1/implementations/{GAOLING}?version=9"))
            .await
            .unwrap();
        assert_eq!(
            (status, json["error"]["code"].as_str()),
            (404, Some("not_found"))
        );
        let (status, json) = app
            .json(&format!("/api/v1/implementations/{GAOLING}?version=x"))
            .await
            .unwrap();
        assert_eq!(
            (status, json["error"]["field"].as_str()),
            (400, Some("version"))
        );
        let (status, json) = app
            .json(&format!("/api/v1/matters/{DIBAO_BASE}"))
            .await
            .unwrap();
        assert_eq!(status, 200);
        assert_eq!(json["implementations"].as_array().unwrap().len(), 4);
        let (status, json) = app.json("/api/v1/matters/000000000000").await.unwrap();
        assert_eq!(status, 404);
        assert!(json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("000000000000"));
        assert_eq!(app.json("/api/v1/no-such-route").await.unwrap().0, 404);
    })
    .await;
}

#[tokio::test]
async fn reference_data_api() {
    each_app(|app| async move {
        for (path, at_least) in [
            ("/api/v1/departments", 10),
            ("/api/v1/divisions", 7),
            ("/api/v1/places", 5),
            ("/api/v1/life-events", 5),
        ] {
            let (status, json) = app.json(path).await.unwrap();
            assert_eq!(status, 200, "{path}");
            assert!(json.as_array().unwrap().len() >= at_least, "{path}");
        }
    })
    .await;
}

#[tokio::test]
async fn catalog_check_reports_real_township_differences() {
    each_app(|app| async move {
        let (status, json) = app.json("/api/v1/catalog/check").await.unwrap();
        assert_eq!(status, 200);
        let rows = json["rows"].as_array().unwrap();
        assert!(rows.iter().any(|r| r["kind"] == "township_difference"
            && r["base_name"] == "农村宅基地和建房（规划许可）审批"));
        assert!(rows
            .iter()
            .any(|r| r["kind"] == "declared_deviation"
                && r["key"] == "material:geohazard_assessment"));
        let (status, html) = app.get("/catalog/check").await.unwrap();
        assert_eq!(status, 200);
        assert!(html.contains("乡镇之间不一致") && html.contains("桃源乡"));
    })
    .await;
}

#[tokio::test]
async fn language_switch_is_remembered_and_unknown_pages_are_404_in_that_language() {
    each_app(|app| async move {
        let resp = app.get_with("/?lang=en", &[]).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("lang=en")));
        let html = resp.text().await.unwrap();
        assert!(html.contains("<html lang=\"en\">") && html.contains("Online service hall"));
        let html = app
            .get_with("/", &[("cookie", "lang=zh-Hant")])
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("網上辦事大廳"));
        let html = app
            .get_with("/", &[("accept-language", "en-GB,en;q=0.8")])
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Online service hall"));
        let resp = app
            .get_with("/no/such/page", &[("cookie", "lang=en")])
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 404);
        assert!(resp.text().await.unwrap().contains("Not found"));
        let html = app.get("/?text=large").await.unwrap().1;
        assert!(html.contains("class=\"large\""));
    })
    .await;
}

#[tokio::test]
async fn stylesheet_is_served_and_pages_request_nothing_external() {
    each_app(|app| async move {
        let resp = app.get_with("/static/app.css", &[]).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css"));
        let html = app.get(&format!("/guide/{GAOLING}")).await.unwrap().1;
        assert!(
            !html.contains("http://") && !html.contains("https://cdn"),
            "pages must not load external resources"
        );
        assert!(html.len() < 60_000, "guide page is {} bytes", html.len());
    })
    .await;
}

#[path = "http/auth.rs"]
mod auth;

#[path = "http/catalog_admin.rs"]
mod catalog_admin;

#[path = "http/staff_admin.rs"]
mod staff_admin;

#[path = "http/staff_powers.rs"]
mod staff_powers;

#[path = "http/sign_in.rs"]
mod sign_in;

#[path = "http/responses.rs"]
mod responses;

#[path = "http/layout.rs"]
mod layout;

#[path = "http/conflicts.rs"]
mod conflicts;

#[path = "http/people.rs"]
mod people;

#[path = "http/admins.rs"]
mod admins;

#[path = "http/matrix.rs"]
mod matrix;

#[path = "http/agency.rs"]
mod agency;

#[path = "http/cases.rs"]
mod cases;

#[path = "http/case_scope.rs"]
mod case_scope;

#[path = "http/case_pages.rs"]
mod case_pages;

#[path = "http/case_steps.rs"]
mod case_steps;

#[path = "http/case_clock.rs"]
mod case_clock;

#[path = "http/online.rs"]
mod online;

#[path = "http/online_refusals.rs"]
mod online_refusals;

#[path = "http/online_others.rs"]
mod online_others;

#[path = "http/kiosk.rs"]
mod kiosk;
