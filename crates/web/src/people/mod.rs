//! People at the window: finding an applicant by the number they show, the in-person
//! identity check, and unmasking numbers (recorded).

mod api;
mod pages;

use crate::auth::Access::{Staff, Unmask};
use crate::route::{api, page, Route};
use axum::http::Method;
use onetrip_domain::access::Permission::AcceptApplication;

pub(crate) fn routes() -> Vec<Route> {
    let clerk = Staff(AcceptApplication);
    vec![
        page(Method::GET, "/staff/people", clerk, pages::form),
        page(Method::POST, "/staff/people", clerk, pages::find),
        page(
            Method::POST,
            "/staff/people/{id}/verify",
            clerk,
            pages::verify,
        ),
        page(
            Method::POST,
            "/staff/people/{id}/unmask",
            Unmask,
            pages::unmask,
        ),
        api!(clerk, api::lookup),
        api!(clerk, api::verify_in_person),
        api!(Unmask, api::identity),
    ]
}
