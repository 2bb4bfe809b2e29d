//! One's own account: signing in and out, registration, the account page, the password,
//! one's own API tokens and representations.

mod api;
mod pages;
mod sign_in;

use crate::auth::Access::{AnyStaff, Public, SecondFactor, SignedIn};
use crate::route::{api, page, Route};
use axum::http::Method;

pub(crate) fn routes() -> Vec<Route> {
    let (get, post) = (Method::GET, Method::POST);
    vec![
        page(get.clone(), "/login", Public, sign_in::login_form),
        page(post.clone(), "/login", Public, sign_in::login_submit),
        page(
            get.clone(),
            "/login/second-factor",
            SecondFactor,
            sign_in::second_factor_form,
        ),
        page(
            post.clone(),
            "/login/second-factor",
            SecondFactor,
            sign_in::second_factor_submit,
        ),
        page(get.clone(), "/login/sso", Public, sign_in::sso_start),
        page(
            get.clone(),
            "/login/sso/callback",
            Public,
            sign_in::sso_callback,
        ),
        page(post.clone(), "/logout", Public, sign_in::logout),
        page(get.clone(), "/register", Public, sign_in::register_form),
        page(post.clone(), "/register", Public, sign_in::register_submit),
        page(get.clone(), "/me", SignedIn, pages::me),
        page(get.clone(), "/me/password", SignedIn, pages::password_form),
        page(
            post.clone(),
            "/me/password",
            SignedIn,
            pages::password_submit,
        ),
        page(post.clone(), "/me/tokens", AnyStaff, pages::token_issue),
        page(
            post.clone(),
            "/me/tokens/{id}/revoke",
            AnyStaff,
            pages::token_revoke,
        ),
        page(
            post,
            "/me/representations/{id}/withdraw",
            SignedIn,
            pages::withdraw_representation,
        ),
        api!(Public, api::create_session),
        api!(SecondFactor, api::second_factor),
        api!(SignedIn, api::delete_session),
        api!(SignedIn, api::me),
        api!(SignedIn, api::change_password),
        api!(Public, api::register),
        api!(SignedIn, api::account),
        api!(AnyStaff, api::own_tokens),
        api!(AnyStaff, api::create_own_token),
        api!(AnyStaff, api::revoke_own_token),
    ]
}
