//! The route permission matrix: every declared route has a reviewed entry, and every
//! cell holds by a real request.

use super::auth::*;
use super::each_app;
use onetrip_web::auth::Access;
use reqwest::Client;
use std::collections::BTreeSet;

fn label(access: Access) -> String {
    match access {
        Access::Public => "public".into(),
        Access::SecondFactor => "second_factor".into(),
        Access::SignedIn => "signed_in".into(),
        Access::Applicant => "applicant".into(),
        Access::Staff(p) => format!("{p:?}"),
        Access::AnyStaff => "any_staff".into(),
        Access::Unmask => "unmask".into(),
    }
}

/// Every route with its declared access. A new route fails this test until it is added
/// here, with the access a reviewer agreed to.
const MATRIX: &[(&str, &str, &str)] = &[
    ("GET", "/", "public"),
    ("GET", "/search", "public"),
    ("GET", "/matters", "public"),
    ("GET", "/matter/{base_code}", "public"),
    ("GET", "/guide/{code}", "public"),
    ("GET", "/guide/{code}/checklist", "public"),
    ("GET", "/catalog/check", "public"),
    ("GET", "/login", "public"),
    ("POST", "/login", "public"),
    ("GET", "/login/second-factor", "second_factor"),
    ("POST", "/login/second-factor", "second_factor"),
    ("GET", "/login/sso", "public"),
    ("GET", "/login/sso/callback", "public"),
    ("POST", "/logout", "public"),
    ("GET", "/register", "public"),
    ("POST", "/register", "public"),
    ("GET", "/me", "signed_in"),
    ("GET", "/me/password", "signed_in"),
    ("POST", "/me/password", "signed_in"),
    ("GET", "/admin/staff", "ManageStaff"),
    ("POST", "/admin/staff", "ManageStaff"),
    ("POST", "/admin/staff/{id}/grants", "ManageStaff"),
    ("POST", "/admin/grants/{id}/revoke", "ManageStaff"),
    ("POST", "/admin/staff/{id}/disable", "ManageStaff"),
    ("POST", "/admin/staff/{id}/enable", "ManageStaff"),
    ("POST", "/admin/staff/{id}/reset-password", "ManageStaff"),
    (
        "POST",
        "/admin/staff/{id}/reset-second-factor",
        "ManageStaff",
    ),
    ("GET", "/admin/catalog", "EditCatalog"),
    ("GET", "/admin/catalog/{code}", "EditCatalog"),
    ("POST", "/admin/catalog/{code}", "EditCatalog"),
    ("GET", "/admin/catalog/{code}/preview", "EditCatalog"),
    ("POST", "/admin/catalog/{code}/publish", "EditCatalog"),
    ("GET", "/admin/audit", "ReadAudit"),
    ("GET", "/admin/audit.csv", "ReadAudit"),
    ("GET", "/admin/audit/verify", "ReadAudit"),
    ("GET", "/api/v1/staff/{id}/tokens", "ManageStaff"),
    ("POST", "/me/tokens", "any_staff"),
    ("POST", "/me/tokens/{id}/revoke", "any_staff"),
    ("GET", "/api/v1/me/tokens", "any_staff"),
    ("POST", "/api/v1/me/tokens", "any_staff"),
    ("DELETE", "/api/v1/me/tokens/{id}", "any_staff"),
    ("POST", "/admin/tokens/{id}/revoke", "ManageStaff"),
    ("GET", "/api/v1/audit/verify", "ReadAudit"),
    ("GET", "/api/v1/matters", "public"),
    ("GET", "/api/v1/matters/{base_code}", "public"),
    ("GET", "/api/v1/implementations/{code}", "public"),
    ("GET", "/api/v1/search", "public"),
    ("GET", "/api/v1/catalog/check", "public"),
    ("GET", "/api/v1/departments", "public"),
    ("GET", "/api/v1/divisions", "public"),
    ("GET", "/api/v1/places", "public"),
    ("GET", "/api/v1/life-events", "public"),
    ("POST", "/api/v1/session", "public"),
    ("POST", "/api/v1/session/second-factor", "second_factor"),
    ("DELETE", "/api/v1/session", "signed_in"),
    ("GET", "/api/v1/me", "signed_in"),
    ("POST", "/api/v1/me/password", "signed_in"),
    ("POST", "/api/v1/applicants", "public"),
    ("GET", "/api/v1/accounts/{id}", "signed_in"),
    ("GET", "/api/v1/accounts/{id}/identity", "unmask"),
    ("POST", "/api/v1/people/lookup", "AcceptApplication"),
    (
        "POST",
        "/api/v1/people/{id}/verify-in-person",
        "AcceptApplication",
    ),
    ("POST", "/me/representations/{id}/withdraw", "signed_in"),
    ("GET", "/staff/people", "AcceptApplication"),
    ("POST", "/staff/people", "AcceptApplication"),
    ("POST", "/staff/people/{id}/verify", "AcceptApplication"),
    ("POST", "/staff/people/{id}/unmask", "unmask"),
    ("GET", "/api/v1/staff", "ManageStaff"),
    ("POST", "/api/v1/staff", "ManageStaff"),
    ("POST", "/api/v1/staff/{id}/grants", "ManageStaff"),
    ("DELETE", "/api/v1/grants/{id}", "ManageStaff"),
    ("POST", "/api/v1/staff/{id}/disable", "ManageStaff"),
    ("POST", "/api/v1/staff/{id}/enable", "ManageStaff"),
    ("DELETE", "/api/v1/tokens/{id}", "ManageStaff"),
    ("GET", "/api/v1/audit", "ReadAudit"),
    ("GET", "/api/v1/delegations", "ManageStaff"),
    ("POST", "/api/v1/delegations", "ManageStaff"),
    ("DELETE", "/api/v1/delegations/{id}", "ManageStaff"),
    ("POST", "/api/v1/representations", "AcceptApplication"),
    ("GET", "/api/v1/me/representations", "signed_in"),
    ("DELETE", "/api/v1/representations/{id}", "signed_in"),
    ("GET", "/window", "AcceptApplication"),
    ("POST", "/window/person", "AcceptApplication"),
    ("POST", "/window/register", "AcceptApplication"),
    ("GET", "/window/new", "AcceptApplication"),
    ("GET", "/window/screen", "AcceptApplication"),
    ("POST", "/window/screen/{id}/confirm", "AcceptApplication"),
    ("POST", "/cases/{id}/confirm", "AcceptApplication"),
    ("POST", "/cases/{id}/files", "AcceptApplication"),
    ("POST", "/api/v1/cases/{id}/files", "AcceptApplication"),
    (
        "POST",
        "/api/v1/cases/{id}/confirmation",
        "AcceptApplication",
    ),
    ("POST", "/window/new", "AcceptApplication"),
    ("GET", "/inbox", "any_staff"),
    ("GET", "/supervision", "Supervise"),
    ("GET", "/cases/{id}", "any_staff"),
    ("GET", "/cases/{id}/notice", "AcceptApplication"),
    ("GET", "/cases/{id}/decision", "any_staff"),
    ("GET", "/cases/{id}/termination", "any_staff"),
    ("GET", "/cases/{id}/resubmit", "AcceptApplication"),
    ("POST", "/cases/{id}/resubmit", "AcceptApplication"),
    ("POST", "/cases/{id}/accept", "AcceptApplication"),
    ("POST", "/cases/{id}/refuse", "AcceptApplication"),
    ("POST", "/cases/{id}/notice", "AcceptApplication"),
    ("POST", "/cases/{id}/supplied", "AcceptApplication"),
    ("POST", "/cases/{id}/corrected", "AcceptApplication"),
    ("POST", "/cases/{id}/conclude", "AcceptApplication"),
    ("POST", "/cases/{id}/deliver", "AcceptApplication"),
    ("POST", "/cases/{id}/special", "any_staff"),
    ("POST", "/cases/{id}/commitment-check", "any_staff"),
    ("POST", "/cases/{id}/tasks/{task}/claim", "any_staff"),
    ("POST", "/cases/{id}/tasks/{task}/decide", "any_staff"),
    ("POST", "/cases/{id}/tasks/{task}/move", "any_staff"),
    ("POST", "/cases/{id}/tasks/{task}/external", "any_staff"),
    ("POST", "/api/v1/applications", "AcceptApplication"),
    ("GET", "/api/v1/window/matters", "AcceptApplication"),
    ("POST", "/api/v1/people", "AcceptApplication"),
    ("GET", "/api/v1/cases/{id}", "any_staff"),
    ("GET", "/api/v1/cases/{id}/journal", "any_staff"),
    ("POST", "/api/v1/cases/{id}/accept", "AcceptApplication"),
    ("POST", "/api/v1/cases/{id}/refuse", "AcceptApplication"),
    ("POST", "/api/v1/cases/{id}/notice", "AcceptApplication"),
    (
        "POST",
        "/api/v1/cases/{id}/resubmission",
        "AcceptApplication",
    ),
    ("POST", "/api/v1/cases/{id}/corrected", "AcceptApplication"),
    ("POST", "/api/v1/cases/{id}/supplied", "AcceptApplication"),
    ("GET", "/api/v1/inbox", "any_staff"),
    ("POST", "/api/v1/cases/{id}/tasks/{task}/claim", "any_staff"),
    (
        "POST",
        "/api/v1/cases/{id}/tasks/{task}/decision",
        "any_staff",
    ),
    ("POST", "/api/v1/cases/{id}/tasks/{task}/move", "any_staff"),
    (
        "POST",
        "/api/v1/cases/{id}/tasks/{task}/external",
        "any_staff",
    ),
    ("POST", "/api/v1/cases/{id}/special-procedure", "any_staff"),
    ("POST", "/api/v1/cases/{id}/commitment-check", "any_staff"),
    ("POST", "/api/v1/cases/{id}/conclude", "AcceptApplication"),
    ("POST", "/api/v1/cases/{id}/delivery", "AcceptApplication"),
    ("GET", "/api/v1/supervision", "Supervise"),
    ("GET", "/apply/{code}", "public"),
    ("POST", "/apply/{code}", "applicant"),
    ("GET", "/drafts/{id}/q/{n}", "applicant"),
    ("POST", "/drafts/{id}/q/{n}", "applicant"),
    ("GET", "/drafts/{id}/materials", "applicant"),
    ("POST", "/drafts/{id}/materials", "applicant"),
    ("POST", "/drafts/{id}/files/{file}/remove", "applicant"),
    ("GET", "/drafts/{id}/check", "applicant"),
    ("POST", "/drafts/{id}/choices", "applicant"),
    ("POST", "/drafts/{id}/submit", "applicant"),
    ("POST", "/drafts/{id}/discard", "applicant"),
    ("GET", "/my/cases", "applicant"),
    ("GET", "/my/cases/{id}", "applicant"),
    ("GET", "/my/cases/{id}/receipt", "applicant"),
    ("POST", "/my/cases/{id}/files", "applicant"),
    ("POST", "/my/cases/{id}/corrected", "applicant"),
    ("POST", "/api/v1/me/cases/{id}/files", "applicant"),
    ("POST", "/api/v1/me/cases/{id}/correction", "applicant"),
    ("GET", "/cases/{id}/receipt", "AcceptApplication"),
    ("GET", "/attachments/{id}", "signed_in"),
    ("GET", "/track", "public"),
    ("GET", "/kiosk", "public"),
    ("GET", "/kiosk/end", "public"),
    ("POST", "/track", "public"),
    ("POST", "/api/v1/me/drafts", "applicant"),
    ("GET", "/api/v1/me/drafts/{id}", "applicant"),
    ("PATCH", "/api/v1/me/drafts/{id}", "applicant"),
    ("DELETE", "/api/v1/me/drafts/{id}", "applicant"),
    ("POST", "/api/v1/me/drafts/{id}/files", "applicant"),
    ("DELETE", "/api/v1/me/drafts/{id}/files/{file}", "applicant"),
    ("POST", "/api/v1/me/drafts/{id}/submit", "applicant"),
    ("GET", "/api/v1/me/cases", "applicant"),
    ("GET", "/api/v1/me/cases/{id}", "applicant"),
    ("GET", "/api/v1/me/cases/{id}/receipt", "applicant"),
    ("GET", "/api/v1/attachments/{id}", "signed_in"),
    ("POST", "/api/v1/track", "public"),
    ("GET", "/api/openapi.json", "public"),
    ("GET", "/healthz", "public"),
    ("GET", "/readyz", "public"),
    ("GET", "/static/app.css", "public"),
];

#[test]
fn every_route_has_an_entry_in_the_permission_matrix() {
    let declared: BTreeSet<(String, String, String)> = onetrip_web::routes::route_info()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_string(), label(r.access)))
        .collect();
    let expected: BTreeSet<(String, String, String)> = MATRIX
        .iter()
        .map(|(m, p, a)| (m.to_string(), p.to_string(), a.to_string()))
        .collect();
    let missing: Vec<_> = declared.difference(&expected).collect();
    let stale: Vec<_> = expected.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "routes without a matrix entry (or with another access): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix entries for routes that do not exist: {stale:?}"
    );
}

/// Each cell (route x actor) by a real request: anonymous callers are sent to sign in,
/// signed-in callers without the permission are refused, holders get past the guard.
#[tokio::test]
async fn every_cell_of_the_permission_matrix_holds() {
    each_app(|app| async move {
        let anonymous = app.browser();
        let actors: Vec<(&str, Client)> = vec![
            ("applicant", applicant(&app).await),
            ("clerk", staff(&app, "clerk").await),
            ("secadmin", staff(&app, "secadmin").await),
            ("sysadmin", staff(&app, "sysadmin").await),
            ("auditor", staff(&app, "auditor").await),
        ];
        let holds = |who: &str, access: &str| match access {
            "public" => true,
            "signed_in" => true,
            "applicant" => who == "applicant",
            "second_factor" => false,
            "any_staff" => who != "applicant",
            "ManageStaff" => who == "secadmin",
            "ReadAudit" => who == "auditor",
            "unmask" => who == "clerk",
            "AcceptApplication" => who == "clerk",
            _ => false,
        };
        for (method, path, access) in MATRIX {
            let concrete = path
                .replace("{base_code}", "000105002000")
                .replace("{code}", "11331199MB1A001006000105001000")
                .replace("{id}", "00000000-0000-0000-0000-000000000000")
                .replace("{task}", "00000000-0000-0000-0000-000000000001")
                .replace("{file}", "00000000-0000-0000-0000-000000000002")
                .replace("{n}", "0");
            let api = concrete.starts_with("/api/");
            let send = |client: &Client, csrf: Option<String>| {
                let mut req = client.request(method.parse().unwrap(), app.url(&concrete));
                if *method != "GET" {
                    req = req.header("content-type", "application/x-www-form-urlencoded");
                    req = req.body(match csrf {
                        Some(t) => format!("csrf={t}"),
                        None => String::new(),
                    });
                }
                req.send()
            };
            let status = send(&anonymous, None).await.unwrap().status().as_u16();
            match *access {
                // Public routes pass the guard; a wrong login (401) is the route's own answer,
                // and so is the sign-on callback's refusal of a call it did not start (403).
                "public" if *path == "/login/sso/callback" => {}
                "public" => assert_ne!(status, 403, "anonymous {method} {path}"),
                _ if api => assert_eq!(status, 401, "anonymous {method} {path}"),
                _ if *method == "GET" => assert_eq!(status, 303, "anonymous {method} {path}"),
                _ => assert_eq!(status, 401, "anonymous {method} {path}"),
            }
            // These sign the caller out (the kiosk's start and end forget the visitor before).
            if ["/logout", "/api/v1/session", "/kiosk", "/kiosk/end"].contains(path) {
                continue;
            }
            for (who, client) in &actors {
                let csrf = csrf_of(&app, client).await;
                let status = send(client, Some(csrf)).await.unwrap().status().as_u16();
                if *access == "public" {
                    if *path != "/login/sso/callback" {
                        assert_ne!(status, 403, "{who} {method} {path}");
                    }
                } else if holds(who, access) {
                    assert!(
                        status != 401 && status != 403,
                        "{who} {method} {path}: {status}"
                    );
                } else if *access == "second_factor" {
                    assert_eq!(status, 403, "{who} {method} {path}: already signed in");
                } else {
                    assert_eq!(status, 403, "{who} {method} {path}");
                }
            }
        }
    })
    .await;
}
