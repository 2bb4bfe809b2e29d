//! Agency: departments' delegations of acceptance to service places, and authorities to
//! act for someone else.

mod api;

use crate::auth::Access::{SignedIn, Staff};
use crate::route::{api, Route};
use onetrip_domain::access::Permission::{AcceptApplication, ManageStaff};

pub(crate) fn routes() -> Vec<Route> {
    vec![
        api!(Staff(ManageStaff), api::list_delegations),
        api!(Staff(ManageStaff), api::add_delegation),
        api!(Staff(ManageStaff), api::revoke_delegation),
        api!(Staff(AcceptApplication), api::add_representation),
        api!(SignedIn, api::my_representations),
        api!(SignedIn, api::revoke_representation),
    ]
}
