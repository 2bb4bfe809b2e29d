//! Staff administration by the security administrator: accounts in their divisions,
//! grants, disabling, resets, other staff's API tokens.

mod api;
mod pages;

use crate::auth::Access::Staff;
use crate::route::{api, page, Route};
use axum::http::Method;
use onetrip_domain::access::Permission::ManageStaff;

pub(crate) fn routes() -> Vec<Route> {
    let (get, post) = (Method::GET, Method::POST);
    let admin = Staff(ManageStaff);
    vec![
        page(get, "/admin/staff", admin, pages::staff),
        page(post.clone(), "/admin/staff", admin, pages::staff_create),
        page(
            post.clone(),
            "/admin/staff/{id}/grants",
            admin,
            pages::staff_grant,
        ),
        page(
            post.clone(),
            "/admin/grants/{id}/revoke",
            admin,
            pages::grant_revoke,
        ),
        page(
            post.clone(),
            "/admin/staff/{id}/disable",
            admin,
            pages::staff_disable,
        ),
        page(
            post.clone(),
            "/admin/staff/{id}/enable",
            admin,
            pages::staff_enable,
        ),
        page(
            post.clone(),
            "/admin/staff/{id}/reset-password",
            admin,
            pages::staff_reset_password,
        ),
        page(
            post.clone(),
            "/admin/staff/{id}/reset-second-factor",
            admin,
            pages::staff_reset_second_factor,
        ),
        page(
            post,
            "/admin/tokens/{id}/revoke",
            admin,
            pages::token_revoke,
        ),
        api!(admin, api::list_staff),
        api!(admin, api::create_staff),
        api!(admin, api::add_grant),
        api!(admin, api::revoke_grant),
        api!(admin, api::disable_staff),
        api!(admin, api::enable_staff),
        api!(admin, api::list_tokens),
        api!(admin, api::revoke_token),
    ]
}
