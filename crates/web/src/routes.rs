//! Every route of the application with the access it declares. The router is built from
//! this table and the route guard enforces each entry, so a route cannot exist without a
//! declared access; the permission-matrix test walks the same table.

use crate::auth::guard::{guard, Access};
use crate::state::AppState;
use crate::{
    account_api, account_pages, admin_pages, agency_api, api, catalog_pages, pages, people_api,
    people_pages,
};
use axum::routing::{delete, get, post, MethodRouter};
use onetrip_domain::access::Permission;

/// One route: method, path (axum syntax), who may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

type Entry = (RouteInfo, MethodRouter<AppState>);

fn r(
    method: &'static str,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> Entry {
    (
        RouteInfo {
            method,
            path,
            access,
        },
        handler,
    )
}

use Access::{Public, SecondFactor, SignedIn, Staff, Unmask};

pub(crate) fn table() -> Vec<Entry> {
    vec![
        // The public hall.
        r("GET", "/", Public, get(pages::home)),
        r("GET", "/search", Public, get(pages::search)),
        r("GET", "/matters", Public, get(pages::matters)),
        r("GET", "/matter/{base_code}", Public, get(pages::matter)),
        r("GET", "/guide/{code}", Public, get(pages::guide)),
        r(
            "GET",
            "/guide/{code}/checklist",
            Public,
            get(pages::checklist),
        ),
        r("GET", "/catalog/check", Public, get(pages::check)),
        // One's own account.
        r("GET", "/login", Public, get(account_pages::login_form)),
        r("POST", "/login", Public, post(account_pages::login_submit)),
        r(
            "GET",
            "/login/second-factor",
            SecondFactor,
            get(account_pages::second_factor_form),
        ),
        r(
            "POST",
            "/login/second-factor",
            SecondFactor,
            post(account_pages::second_factor_submit),
        ),
        r("GET", "/login/sso", Public, get(account_pages::sso_start)),
        r(
            "GET",
            "/login/sso/callback",
            Public,
            get(account_pages::sso_callback),
        ),
        r("POST", "/logout", Public, post(account_pages::logout)),
        r(
            "GET",
            "/register",
            Public,
            get(account_pages::register_form),
        ),
        r(
            "POST",
            "/register",
            Public,
            post(account_pages::register_submit),
        ),
        r("GET", "/me", SignedIn, get(account_pages::me)),
        r(
            "GET",
            "/me/password",
            SignedIn,
            get(account_pages::password_form),
        ),
        r(
            "POST",
            "/me/password",
            SignedIn,
            post(account_pages::password_submit),
        ),
        // Security administrator.
        r(
            "GET",
            "/admin/staff",
            Staff(Permission::ManageStaff),
            get(admin_pages::staff),
        ),
        r(
            "POST",
            "/admin/staff",
            Staff(Permission::ManageStaff),
            post(admin_pages::staff_create),
        ),
        r(
            "POST",
            "/admin/staff/{id}/grants",
            Staff(Permission::ManageStaff),
            post(admin_pages::staff_grant),
        ),
        r(
            "POST",
            "/admin/grants/{id}/revoke",
            Staff(Permission::ManageStaff),
            post(admin_pages::grant_revoke),
        ),
        r(
            "POST",
            "/admin/staff/{id}/disable",
            Staff(Permission::ManageStaff),
            post(admin_pages::staff_disable),
        ),
        r(
            "POST",
            "/admin/staff/{id}/enable",
            Staff(Permission::ManageStaff),
            post(admin_pages::staff_enable),
        ),
        r(
            "POST",
            "/admin/staff/{id}/reset-password",
            Staff(Permission::ManageStaff),
            post(admin_pages::staff_reset_password),
        ),
        r(
            "POST",
            "/admin/staff/{id}/reset-second-factor",
            Staff(Permission::ManageStaff),
            post(admin_pages::staff_reset_second_factor),
        ),
        // Catalog administrator.
        r(
            "GET",
            "/admin/catalog",
            Staff(Permission::EditCatalog),
            get(catalog_pages::list),
        ),
        r(
            "GET",
            "/admin/catalog/{code}",
            Staff(Permission::EditCatalog),
            get(catalog_pages::edit),
        ),
        r(
            "POST",
            "/admin/catalog/{code}",
            Staff(Permission::EditCatalog),
            post(catalog_pages::save),
        ),
        r(
            "GET",
            "/admin/catalog/{code}/preview",
            Staff(Permission::EditCatalog),
            get(catalog_pages::preview),
        ),
        r(
            "POST",
            "/admin/catalog/{code}/publish",
            Staff(Permission::EditCatalog),
            post(catalog_pages::publish),
        ),
        // Audit administrator.
        r(
            "GET",
            "/admin/audit",
            Staff(Permission::ReadAudit),
            get(admin_pages::audit),
        ),
        r(
            "GET",
            "/admin/audit.csv",
            Staff(Permission::ReadAudit),
            get(admin_pages::audit_csv),
        ),
        r(
            "GET",
            "/admin/audit/verify",
            Staff(Permission::ReadAudit),
            get(admin_pages::audit_verify),
        ),
        r(
            "GET",
            "/api/v1/audit/verify",
            Staff(Permission::ReadAudit),
            get(account_api::audit_verify),
        ),
        // The JSON API: catalog.
        r("GET", "/api/v1/matters", Public, get(api::list_matters)),
        r(
            "GET",
            "/api/v1/matters/{base_code}",
            Public,
            get(api::get_matter),
        ),
        r(
            "GET",
            "/api/v1/implementations/{code}",
            Public,
            get(api::get_implementation),
        ),
        r("GET", "/api/v1/search", Public, get(api::search)),
        r(
            "GET",
            "/api/v1/catalog/check",
            Public,
            get(api::catalog_check),
        ),
        r("GET", "/api/v1/departments", Public, get(api::departments)),
        r("GET", "/api/v1/divisions", Public, get(api::divisions)),
        r("GET", "/api/v1/places", Public, get(api::places)),
        r("GET", "/api/v1/life-events", Public, get(api::life_events)),
        // The JSON API: accounts.
        r(
            "POST",
            "/api/v1/session",
            Public,
            post(account_api::create_session),
        ),
        r(
            "POST",
            "/api/v1/session/second-factor",
            SecondFactor,
            post(account_api::second_factor),
        ),
        r(
            "DELETE",
            "/api/v1/session",
            SignedIn,
            delete(account_api::delete_session),
        ),
        r("GET", "/api/v1/me", SignedIn, get(account_api::me)),
        r(
            "POST",
            "/api/v1/me/password",
            SignedIn,
            post(account_api::change_password),
        ),
        r(
            "POST",
            "/api/v1/applicants",
            Public,
            post(account_api::register),
        ),
        r(
            "GET",
            "/api/v1/accounts/{id}",
            SignedIn,
            get(account_api::account),
        ),
        r(
            "GET",
            "/api/v1/accounts/{id}/identity",
            Unmask,
            get(people_api::identity),
        ),
        r(
            "POST",
            "/api/v1/people/lookup",
            Staff(Permission::AcceptApplication),
            post(people_api::lookup),
        ),
        r(
            "POST",
            "/api/v1/people/{id}/verify-in-person",
            Staff(Permission::AcceptApplication),
            post(people_api::verify_in_person),
        ),
        r(
            "POST",
            "/me/representations/{id}/withdraw",
            SignedIn,
            post(account_pages::withdraw_representation),
        ),
        r(
            "GET",
            "/staff/people",
            Staff(Permission::AcceptApplication),
            get(people_pages::form),
        ),
        r(
            "POST",
            "/staff/people",
            Staff(Permission::AcceptApplication),
            post(people_pages::find),
        ),
        r(
            "POST",
            "/staff/people/{id}/verify",
            Staff(Permission::AcceptApplication),
            post(people_pages::verify),
        ),
        r(
            "POST",
            "/staff/people/{id}/unmask",
            Unmask,
            post(people_pages::unmask),
        ),
        r(
            "GET",
            "/api/v1/staff",
            Staff(Permission::ManageStaff),
            get(account_api::list_staff),
        ),
        r(
            "POST",
            "/api/v1/staff",
            Staff(Permission::ManageStaff),
            post(account_api::create_staff),
        ),
        r(
            "POST",
            "/api/v1/staff/{id}/grants",
            Staff(Permission::ManageStaff),
            post(account_api::add_grant),
        ),
        r(
            "DELETE",
            "/api/v1/grants/{id}",
            Staff(Permission::ManageStaff),
            delete(account_api::revoke_grant),
        ),
        r(
            "POST",
            "/api/v1/staff/{id}/disable",
            Staff(Permission::ManageStaff),
            post(account_api::disable_staff),
        ),
        r(
            "POST",
            "/api/v1/staff/{id}/enable",
            Staff(Permission::ManageStaff),
            post(account_api::enable_staff),
        ),
        r(
            "POST",
            "/api/v1/staff/{id}/tokens",
            Staff(Permission::ManageStaff),
            post(account_api::create_token),
        ),
        r(
            "GET",
            "/api/v1/staff/{id}/tokens",
            Staff(Permission::ManageStaff),
            get(account_api::list_tokens),
        ),
        r(
            "POST",
            "/admin/staff/{id}/tokens",
            Staff(Permission::ManageStaff),
            post(admin_pages::token_issue),
        ),
        r(
            "POST",
            "/admin/tokens/{id}/revoke",
            Staff(Permission::ManageStaff),
            post(admin_pages::token_revoke),
        ),
        r(
            "DELETE",
            "/api/v1/tokens/{id}",
            Staff(Permission::ManageStaff),
            delete(account_api::revoke_token),
        ),
        r(
            "GET",
            "/api/v1/audit",
            Staff(Permission::ReadAudit),
            get(account_api::audit),
        ),
        // The JSON API: agency.
        r(
            "GET",
            "/api/v1/delegations",
            Staff(Permission::ManageStaff),
            get(agency_api::list_delegations),
        ),
        r(
            "POST",
            "/api/v1/delegations",
            Staff(Permission::ManageStaff),
            post(agency_api::add_delegation),
        ),
        r(
            "DELETE",
            "/api/v1/delegations/{id}",
            Staff(Permission::ManageStaff),
            delete(agency_api::revoke_delegation),
        ),
        r(
            "POST",
            "/api/v1/representations",
            Staff(Permission::AcceptApplication),
            post(agency_api::add_representation),
        ),
        r(
            "GET",
            "/api/v1/me/representations",
            SignedIn,
            get(agency_api::my_representations),
        ),
        r(
            "DELETE",
            "/api/v1/representations/{id}",
            SignedIn,
            delete(agency_api::revoke_representation),
        ),
        // Documents and health.
        r("GET", "/api/openapi.json", Public, get(api::openapi)),
        r("GET", "/healthz", Public, get(|| async { "ok" })),
        r("GET", "/readyz", Public, get(api::readyz)),
        r("GET", "/static/app.css", Public, get(crate::stylesheet)),
    ]
}

/// The table without handlers, for tests and documentation.
pub fn route_info() -> Vec<RouteInfo> {
    table().into_iter().map(|(info, _)| info).collect()
}

/// The application's routes, each behind the guard for its access.
pub(crate) fn build(state: &AppState) -> axum::Router<AppState> {
    let mut router = axum::Router::new();
    for (info, handler) in table() {
        let access = info.access;
        let guarded = handler.route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            move |st, req, next| guard(st, access, req, next),
        ));
        router = router.route(info.path, guarded);
    }
    router
}
