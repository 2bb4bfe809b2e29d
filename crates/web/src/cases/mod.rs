//! Cases: the window (find or register the person, pick any matter it may accept, the
//! generated form, acceptance, the complete notice, conclusion and handing out), the back
//! office (inbox, claim, the case page, decide), the supervisor's list, and the same over
//! the JSON API. Which case a caller may see or act on is decided in the app layer; the
//! route's access here is only the first gate.

mod api;
mod case_page;
mod office;
mod printable;
mod screen;
mod window;

use crate::auth::Access::{AnyStaff, Staff};
use crate::route::{api, page, Route};
use axum::http::Method;
use onetrip_domain::access::Permission::{AcceptApplication, Supervise};

pub(crate) fn routes() -> Vec<Route> {
    let clerk = Staff(AcceptApplication);
    let post = Method::POST;
    vec![
        page(Method::GET, "/window", clerk, window::home),
        page(post.clone(), "/window/person", clerk, window::find),
        page(post.clone(), "/window/register", clerk, window::register),
        page(Method::GET, "/window/new", clerk, window::new_form),
        page(Method::GET, "/window/screen", clerk, screen::show),
        page(
            post.clone(),
            "/window/screen/{id}/confirm",
            clerk,
            screen::confirm,
        ),
        page(
            post.clone(),
            "/cases/{id}/confirm",
            clerk,
            case_page::confirm,
        ),
        page(post.clone(), "/cases/{id}/files", clerk, case_page::scan)
            .body_limit(crate::auth::csrf::MAX_MULTIPART),
        page(post.clone(), "/window/new", clerk, window::submit),
        page(Method::GET, "/inbox", AnyStaff, office::inbox),
        page(
            Method::GET,
            "/supervision",
            Staff(Supervise),
            office::supervision,
        ),
        page(Method::GET, "/cases/{id}", AnyStaff, case_page::show),
        page(Method::GET, "/cases/{id}/notice", clerk, printable::notice),
        page(
            Method::GET,
            "/cases/{id}/decision",
            AnyStaff,
            printable::decision,
        ),
        page(
            Method::GET,
            "/cases/{id}/termination",
            AnyStaff,
            printable::termination,
        ),
        page(
            Method::GET,
            "/cases/{id}/resubmit",
            clerk,
            window::resubmit_form,
        ),
        page(
            post.clone(),
            "/cases/{id}/resubmit",
            clerk,
            window::resubmit,
        ),
        page(post.clone(), "/cases/{id}/accept", clerk, case_page::accept),
        page(post.clone(), "/cases/{id}/refuse", clerk, case_page::refuse),
        page(post.clone(), "/cases/{id}/notice", clerk, case_page::notice),
        page(
            post.clone(),
            "/cases/{id}/supplied",
            clerk,
            case_page::supplied,
        ),
        page(
            post.clone(),
            "/cases/{id}/corrected",
            clerk,
            case_page::corrected,
        ),
        page(
            post.clone(),
            "/cases/{id}/conclude",
            clerk,
            case_page::conclude,
        ),
        page(
            post.clone(),
            "/cases/{id}/deliver",
            clerk,
            case_page::deliver,
        ),
        page(
            post.clone(),
            "/cases/{id}/special",
            AnyStaff,
            case_page::special,
        ),
        page(
            post.clone(),
            "/cases/{id}/tasks/{task}/claim",
            AnyStaff,
            case_page::claim,
        ),
        page(
            post.clone(),
            "/cases/{id}/tasks/{task}/decide",
            AnyStaff,
            case_page::decide,
        ),
        page(
            post.clone(),
            "/cases/{id}/tasks/{task}/move",
            AnyStaff,
            case_page::move_task,
        ),
        page(
            post.clone(),
            "/cases/{id}/tasks/{task}/external",
            AnyStaff,
            case_page::external,
        ),
        page(
            post,
            "/cases/{id}/commitment-check",
            AnyStaff,
            case_page::commitment_check,
        ),
        api!(clerk, api::submit),
        api!(clerk, api::matters),
        api!(clerk, api::register),
        api!(AnyStaff, api::case),
        api!(AnyStaff, api::journal),
        api!(clerk, api::accept),
        api!(clerk, api::refuse),
        api!(clerk, api::notice),
        api!(clerk, api::resubmit),
        api!(clerk, api::corrected),
        api!(clerk, api::supplied),
        api!(AnyStaff, api::inbox),
        api!(AnyStaff, api::claim),
        api!(AnyStaff, api::decide),
        api!(AnyStaff, api::move_task),
        api!(AnyStaff, api::external),
        api!(AnyStaff, api::special),
        api!(clerk, api::conclude),
        api!(clerk, api::deliver),
        api!(clerk, api::confirm),
        api!(clerk, api::scan).body_limit(crate::auth::csrf::MAX_MULTIPART),
        api!(Staff(Supervise), api::supervision),
        api!(AnyStaff, api::commitment_check),
    ]
}
