//! Server-rendered pages of the public hall. They work without script; every error page
//! speaks the visitor's language.

use super::filters::{Audience, Filters};
use super::search::{check_rows, run_search, SearchResult};
use super::view::CatalogView;
use crate::error::{Answer, Error};
use crate::page::{render, Chrome};
use crate::params::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use onetrip_domain::catalog::check::CheckRow;
use onetrip_domain::catalog::file::LifeEvent;
use onetrip_domain::department::{Department, ServicePlace};
use onetrip_domain::{Division, DivisionKind};
use onetrip_store::{ImplementationSummary, PublishedImplementation};
use std::sync::Arc;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    c: &'a Chrome,
    life_events: &'a [LifeEvent],
    departments: Vec<&'a Department>,
    townships: Vec<&'a Division>,
    count: usize,
}

pub(crate) async fn home(State(state): State<AppState>, c: Chrome) -> Answer {
    let view = state.view.get();
    let departments = view
        .departments
        .values()
        .filter(|d| {
            view.summaries
                .iter()
                .any(|s| s.department == d.code.as_str())
        })
        .collect();
    let townships = view
        .divisions
        .values()
        .filter(|d| d.kind == DivisionKind::Township && d.is_valid_on(view.day))
        .collect();
    render(&HomePage {
        c: &c,
        life_events: &view.life_events,
        departments,
        townships,
        count: view.by_base.len(),
    })
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    c: &'a Chrome,
    query: String,
    results: Vec<SearchResult>,
    view: &'a CatalogView,
}

pub(crate) async fn search(State(state): State<AppState>, c: Chrome, params: Params) -> Answer {
    let (query, results, _) = run_search(&state, &params).await?;
    let view = state.view.get();
    render(&SearchPage {
        c: &c,
        query,
        results,
        view: &view,
    })
}

#[derive(Template)]
#[template(path = "matters.html")]
struct MattersPage<'a> {
    c: &'a Chrome,
    items: Vec<&'a ImplementationSummary>,
    total: usize,
    filters: Filters,
    heading: String,
    pages: usize,
    view: &'a CatalogView,
}

pub(crate) async fn matters(State(state): State<AppState>, c: Chrome, params: Params) -> Answer {
    let view = state.view.get();
    let filters = Filters::parse(&params, &view)?;
    let (items, total) = filters.apply(&view);
    let mut heading = Vec::new();
    if let Some(d) = &filters.department {
        heading.push(view.department_name(d));
    }
    if let Some(e) = &filters.life_event {
        heading.extend(
            view.life_events
                .iter()
                .filter(|l| &l.key == e)
                .map(|l| l.name.clone()),
        );
    }
    if let Some(a) = filters.audience {
        heading.push(
            c.t(if a == Audience::Person {
                "browse-person"
            } else {
                "browse-organization"
            })
            .into_owned(),
        );
    }
    if let Some(d) = &filters.division {
        heading.push(view.division_name(d));
    }
    let heading = if heading.is_empty() {
        c.t("all-matters").into_owned()
    } else {
        heading.join(" · ")
    };
    let pages = total.div_ceil(filters.per_page).max(1);
    render(&MattersPage {
        c: &c,
        items,
        total,
        filters,
        heading,
        pages,
        view: &view,
    })
}

#[derive(Template)]
#[template(path = "matter.html")]
struct MatterPage<'a> {
    c: &'a Chrome,
    name: String,
    summary: String,
    items: Vec<&'a ImplementationSummary>,
    view: &'a CatalogView,
}

pub(crate) async fn matter(
    State(state): State<AppState>,
    c: Chrome,
    Path(code): Path<String>,
) -> Answer {
    let view = state.view.get();
    let items = view.implementations_of(&code);
    match items.as_slice() {
        [] => Err(Error::NotFound(format!("{} {code}", c.t("base-code"))).into()),
        [one] => Ok(Redirect::to(&format!("/guide/{}", one.code)).into_response()),
        [first, ..] => {
            let (name, summary) = (first.name.clone(), first.summary.clone());
            render(&MatterPage {
                c: &c,
                name,
                summary,
                items,
                view: &view,
            })
        }
    }
}

#[derive(Template)]
#[template(path = "guide.html")]
struct GuidePage<'a> {
    c: &'a Chrome,
    g: &'a PublishedImplementation,
    f: GuideFacts<'a>,
    /// A draft shown to its catalog administrator before publishing.
    preview: bool,
}

/// The guide page of a published implementation, or of a draft (`preview`).
pub(crate) fn render_guide(
    state: &AppState,
    c: &Chrome,
    g: &PublishedImplementation,
    preview: bool,
) -> Answer {
    let view = state.view.get();
    let f = guide_facts(&view, g);
    render(&GuidePage { c, g, f, preview })
}

#[derive(Template)]
#[template(path = "checklist.html")]
struct ChecklistPage<'a> {
    c: &'a Chrome,
    g: &'a PublishedImplementation,
    f: GuideFacts<'a>,
}

async fn load_guide(
    state: &AppState,
    code: &str,
    c: &Chrome,
) -> Result<Arc<PublishedImplementation>, Error> {
    state
        .view
        .guide(code)
        .await?
        .ok_or_else(|| Error::NotFound(format!("{} {code}", c.t("implementation-code"))))
}

/// What both the guide and its checklist show about who handles it, where and when.
struct GuideFacts<'a> {
    department: String,
    division: String,
    places: Vec<&'a ServicePlace>,
    address: String,
    hours: String,
}

fn guide_facts<'a>(view: &'a CatalogView, g: &PublishedImplementation) -> GuideFacts<'a> {
    let imp = &g.resolved.implementation;
    let places: Vec<&ServicePlace> = imp
        .places
        .iter()
        .filter_map(|p| view.places.get(p))
        .collect();
    let first = places.first();
    let address = imp
        .address
        .clone()
        .or_else(|| first.and_then(|p| p.address.clone()))
        .unwrap_or_default();
    let hours = imp
        .office_hours
        .clone()
        .or_else(|| first.and_then(|p| p.office_hours.clone()))
        .unwrap_or_default();
    GuideFacts {
        department: view.department_name(imp.department.as_str()),
        division: view.division_name(imp.division.as_str()),
        places,
        address,
        hours,
    }
}

pub(crate) async fn guide(
    State(state): State<AppState>,
    c: Chrome,
    Path(code): Path<String>,
) -> Answer {
    guide_or_checklist(state, c, code, false).await
}

pub(crate) async fn checklist(
    State(state): State<AppState>,
    c: Chrome,
    Path(code): Path<String>,
) -> Answer {
    guide_or_checklist(state, c, code, true).await
}

async fn guide_or_checklist(state: AppState, c: Chrome, code: String, checklist: bool) -> Answer {
    let loaded = load_guide(&state, &code, &c).await;
    let g = loaded?;
    if checklist {
        let view = state.view.get();
        let f = guide_facts(&view, &g);
        render(&ChecklistPage { c: &c, g: &g, f })
    } else {
        render_guide(&state, &c, &g, false)
    }
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage<'a> {
    c: &'a Chrome,
    rows: Vec<CheckRow>,
}

pub(crate) async fn check(State(state): State<AppState>, c: Chrome) -> Answer {
    let rows = check_rows(&state).await?;
    render(&CheckPage { c: &c, rows })
}
