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

/// One route: method, path (axum syntax), who may call it, and whether its answers may be
/// cached (public catalog pages and static files; everything else is `no-store`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub cacheable: bool,
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
            cacheable: false,
        },
        handler,
    )
}

/// A public catalog page, API answer or static file: anyone may call it, and an answer
/// to a request without a session may be cached.
fn catalog(path: &'static str, handler: MethodRouter<AppState>) -> Entry {
    let (mut info, handler) = r("GET", path, Access::Public, handler);
    info.cacheable = true;
    (info, handler)
}

use Access::{AnyStaff, Public, SecondFactor, SignedIn, Staff, Unmask};

pub(crate) fn table() -> Vec<Entry> {
    vec![
        // The public hall.
        catalog("/", get(pages::home)),
        catalog("/search", get(pages::search)),
        catalog("/matters", get(pages::matters)),
        catalog("/matter/{base_code}", get(pages::matter)),
        catalog("/guide/{code}", get(pages::guide)),
        catalog("/guide/{code}/checklist", get(pages::checklist)),
        catalog("/catalog/check", get(pages::check)),
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
        catalog("/api/v1/matters", get(api::list_matters)),
        catalog("/api/v1/matters/{base_code}", get(api::get_matter)),
        catalog(
            "/api/v1/implementations/{code}",
            get(api::get_implementation),
        ),
        catalog("/api/v1/search", get(api::search)),
        catalog("/api/v1/catalog/check", get(api::catalog_check)),
        catalog("/api/v1/departments", get(api::departments)),
        catalog("/api/v1/divisions", get(api::divisions)),
        catalog("/api/v1/places", get(api::places)),
        catalog("/api/v1/life-events", get(api::life_events)),
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
            "GET",
            "/api/v1/staff/{id}/tokens",
            Staff(Permission::ManageStaff),
            get(account_api::list_tokens),
        ),
        // One's own API tokens (staff).
        r(
            "POST",
            "/me/tokens",
            AnyStaff,
            post(account_pages::token_issue),
        ),
        r(
            "POST",
            "/me/tokens/{id}/revoke",
            AnyStaff,
            post(account_pages::token_revoke),
        ),
        r(
            "GET",
            "/api/v1/me/tokens",
            AnyStaff,
            get(account_api::own_tokens),
        ),
        r(
            "POST",
            "/api/v1/me/tokens",
            AnyStaff,
            post(account_api::create_own_token),
        ),
        r(
            "DELETE",
            "/api/v1/me/tokens/{id}",
            AnyStaff,
            delete(account_api::revoke_own_token),
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
        catalog("/api/openapi.json", get(api::openapi)),
        r("GET", "/healthz", Public, get(|| async { "ok" })),
        r("GET", "/readyz", Public, get(api::readyz)),
        catalog("/static/app.css", get(crate::stylesheet)),
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
        let handler = if info.cacheable {
            handler.route_layer(axum::middleware::from_fn(crate::layers::cacheable))
        } else {
            handler
        };
        let guarded = handler.route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            move |st, req, next| guard(st, access, req, next),
        ));
        router = router.route(info.path, guarded);
    }
    router
}
