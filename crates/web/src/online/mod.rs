//! The applicant's side: applying online (drafts, one question per page, uploads, check
//! your answers, submission), following one's cases (我的办件, timelines, receipts), the
//! lookup by case number for people without an account, uploaded files, and the same over
//! the JSON API. Whose draft, case or file it is is decided in the app layer.

mod api;
mod follow;
mod kiosk;
mod pages;

pub(crate) use api::raw_file;
pub(crate) use pages::read_upload;

use crate::auth::csrf::MAX_MULTIPART;
use crate::auth::Access::{Applicant, Public, SignedIn, Staff};
use crate::route::{api, page, Route};
use axum::http::Method;
use onetrip_domain::access::Permission::AcceptApplication;

pub(crate) fn routes() -> Vec<Route> {
    let (get, post) = (Method::GET, Method::POST);
    vec![
        page(get.clone(), "/apply/{code}", Public, pages::start),
        page(post.clone(), "/apply/{code}", Applicant, pages::open),
        page(
            get.clone(),
            "/drafts/{id}/q/{n}",
            Applicant,
            pages::question,
        ),
        page(post.clone(), "/drafts/{id}/q/{n}", Applicant, pages::answer),
        page(
            get.clone(),
            "/drafts/{id}/materials",
            Applicant,
            pages::materials,
        ),
        page(
            post.clone(),
            "/drafts/{id}/materials",
            Applicant,
            pages::upload,
        )
        .body_limit(MAX_MULTIPART),
        page(
            post.clone(),
            "/drafts/{id}/files/{file}/remove",
            Applicant,
            pages::remove_file,
        ),
        page(get.clone(), "/drafts/{id}/check", Applicant, pages::check),
        page(
            post.clone(),
            "/drafts/{id}/choices",
            Applicant,
            pages::choices,
        ),
        page(
            post.clone(),
            "/drafts/{id}/submit",
            Applicant,
            pages::submit,
        ),
        page(
            post.clone(),
            "/drafts/{id}/discard",
            Applicant,
            pages::discard,
        ),
        page(get.clone(), "/my/cases", Applicant, follow::my_cases),
        page(get.clone(), "/my/cases/{id}", Applicant, follow::timeline),
        page(
            get.clone(),
            "/my/cases/{id}/receipt",
            Applicant,
            follow::receipt,
        ),
        page(
            post.clone(),
            "/my/cases/{id}/files",
            Applicant,
            follow::correction_file,
        )
        .body_limit(MAX_MULTIPART),
        page(
            post.clone(),
            "/my/cases/{id}/corrected",
            Applicant,
            follow::corrected,
        ),
        page(
            get.clone(),
            "/cases/{id}/receipt",
            Staff(AcceptApplication),
            follow::receipt,
        ),
        page(get.clone(), "/attachments/{id}", SignedIn, follow::file),
        page(get.clone(), "/kiosk", Public, kiosk::start),
        page(get.clone(), "/kiosk/end", Public, kiosk::end),
        page(get, "/track", Public, follow::track_form),
        page(post, "/track", Public, follow::track),
        api!(Applicant, api::open_draft),
        api!(Applicant, api::draft),
        api!(Applicant, api::update_draft),
        api!(Applicant, api::discard_draft),
        api!(Applicant, api::upload).body_limit(MAX_MULTIPART),
        api!(Applicant, api::remove_file),
        api!(Applicant, api::submit),
        api!(Applicant, api::my_cases),
        api!(Applicant, api::timeline),
        api!(Applicant, api::receipt),
        api!(Applicant, api::correction_file).body_limit(MAX_MULTIPART),
        api!(Applicant, api::correction),
        api!(SignedIn, api::attachment),
        api!(Public, api::track),
    ]
}
