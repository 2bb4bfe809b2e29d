//! The catalog: the public hall's pages and API (matters, guides, search, the catalog
//! check, reference data), and the catalog administrator's editor.

mod admin;
mod api;
mod filters;
mod pages;
mod search;
pub mod view;

use crate::auth::Access::{Public, Staff};
use crate::route::{api, page, Route};
use axum::http::Method;
use onetrip_domain::access::Permission::EditCatalog;

pub(crate) fn routes() -> Vec<Route> {
    let get = Method::GET;
    let post = Method::POST;
    vec![
        page(get.clone(), "/", Public, pages::home).cacheable(),
        page(get.clone(), "/search", Public, pages::search).cacheable(),
        page(get.clone(), "/matters", Public, pages::matters).cacheable(),
        page(get.clone(), "/matter/{base_code}", Public, pages::matter).cacheable(),
        page(get.clone(), "/guide/{code}", Public, pages::guide).cacheable(),
        page(
            get.clone(),
            "/guide/{code}/checklist",
            Public,
            pages::checklist,
        )
        .cacheable(),
        page(get.clone(), "/catalog/check", Public, pages::check).cacheable(),
        api!(Public, api::list_matters).cacheable(),
        api!(Public, api::get_matter).cacheable(),
        api!(Public, api::get_implementation).cacheable(),
        api!(Public, api::search).cacheable(),
        api!(Public, api::catalog_check).cacheable(),
        api!(Public, api::departments).cacheable(),
        api!(Public, api::divisions).cacheable(),
        api!(Public, api::places).cacheable(),
        api!(Public, api::life_events).cacheable(),
        page(
            get.clone(),
            "/admin/catalog",
            Staff(EditCatalog),
            admin::list,
        ),
        page(
            get.clone(),
            "/admin/catalog/{code}",
            Staff(EditCatalog),
            admin::edit,
        ),
        page(
            post.clone(),
            "/admin/catalog/{code}",
            Staff(EditCatalog),
            admin::save,
        ),
        page(
            get,
            "/admin/catalog/{code}/preview",
            Staff(EditCatalog),
            admin::preview,
        ),
        page(
            post,
            "/admin/catalog/{code}/publish",
            Staff(EditCatalog),
            admin::publish,
        ),
    ]
}
