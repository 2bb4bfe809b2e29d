//! Server-rendered pages of the public hall. They work without script; every error page
//! speaks the visitor's language.

use crate::api::{check_rows, run_search, SearchResult};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::params::{Filters, Params, Prefs};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Redirect, Response};
use onetrip_domain::catalog::check::CheckRow;
use onetrip_domain::catalog::file::LifeEvent;
use onetrip_domain::department::{Department, ServicePlace};
use onetrip_domain::{Division, DivisionKind};
use onetrip_store::{ImplementationSummary, PublishedImplementation};
use std::sync::Arc;

/// What every page's frame needs: language, text size, the links that switch them.
#[derive(Clone)]
pub struct Chrome {
    pub lang: Lang,
    pub large: bool,
    pub user: Option<std::sync::Arc<crate::params::UserBar>>,
    path: String,
    query: Vec<(String, String)>,
}

impl Chrome {
    pub(crate) fn new(prefs: Prefs, uri: &Uri) -> Chrome {
        let query = Params::parse(uri.query())
            .0
            .into_iter()
            .filter(|(k, _)| k != "lang" && k != "text")
            .collect();
        Chrome {
            lang: prefs.lang,
            large: prefs.large,
            user: prefs.user,
            path: uri.path().to_string(),
            query,
        }
    }

    /// The message for a key.
    pub fn t(&self, key: &str) -> std::borrow::Cow<'static, str> {
        self.lang.t(key)
    }

    /// The label of an enumeration value, e.g. `label("matter-type", "public_service")`.
    pub fn label(&self, prefix: &str, key: &str) -> std::borrow::Cow<'static, str> {
        let mut full = String::with_capacity(prefix.len() + key.len() + 1);
        full.push_str(prefix);
        full.push('-');
        full.push_str(key);
        self.lang.t(&full)
    }

    /// A message with a count.
    pub fn n(
        &self,
        key: &str,
        n: impl std::borrow::Borrow<usize>,
    ) -> std::borrow::Cow<'static, str> {
        self.lang.t_n(key, *n.borrow())
    }

    /// This page with one preference changed.
    pub fn with(&self, key: &str, value: &str) -> String {
        let mut parts: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        parts.push(format!("{key}={value}"));
        format!("{}?{}", self.path, parts.join("&"))
    }

    pub fn langs(&self) -> [Lang; 3] {
        Lang::ALL
    }
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// An error as a page.
pub struct PageError(pub(crate) AppError, pub(crate) Chrome);

impl PageError {
    pub fn new(error: AppError, prefs: Prefs, uri: &Uri) -> PageError {
        PageError(error, Chrome::new(prefs, uri))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: &'a Chrome,
    status: u16,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(e, c) = self;
        e.log();
        let page = ErrorPage {
            c: &c,
            status: e.status().as_u16(),
            message: e.message(c.lang),
        };
        let mut response = match page.render() {
            Ok(html) => (e.status(), Html(html)).into_response(),
            Err(_) => e.status().into_response(),
        };
        response.headers_mut().extend(e.headers());
        response
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

pub(crate) fn render<T: Template>(page: &T, c: &Chrome) -> PageResult {
    match page.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => Err(PageError(
            AppError::from(e),
            Chrome {
                lang: c.lang,
                large: c.large,
                user: c.user.clone(),
                path: c.path.clone(),
                query: vec![],
            },
        )),
    }
}

#[macro_export]
macro_rules! page_try {
    ($c:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(err) => {
                return Err($crate::pages::PageError(
                    $crate::error::AppError::from(err),
                    $c,
                ))
            }
        }
    };
}

pub async fn not_found(prefs: Prefs, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError(AppError::NotFound("API".into()), prefs.lang)
            .into_response();
    }
    let c = Chrome::new(prefs, &uri);
    PageError(AppError::NotFound(uri.path().to_string()), c).into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    c: &'a Chrome,
    life_events: &'a [LifeEvent],
    departments: Vec<&'a Department>,
    townships: Vec<&'a Division>,
    count: usize,
}

pub(crate) async fn home(State(state): State<AppState>, prefs: Prefs, uri: Uri) -> PageResult {
    let c = Chrome::new(prefs, &uri);
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
    render(
        &HomePage {
            c: &c,
            life_events: &view.life_events,
            departments,
            townships,
            count: view.by_base.len(),
        },
        &c,
    )
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    c: &'a Chrome,
    query: String,
    results: Vec<SearchResult>,
    view: &'a crate::view::CatalogView,
}

pub(crate) async fn search(
    State(state): State<AppState>,
    prefs: Prefs,
    uri: Uri,
    params: Params,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let (query, results, _) = page_try!(c, run_search(&state, &params).await);
    let view = state.view.get();
    render(
        &SearchPage {
            c: &c,
            query,
            results,
            view: &view,
        },
        &c,
    )
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
    view: &'a crate::view::CatalogView,
}

pub(crate) async fn matters(
    State(state): State<AppState>,
    prefs: Prefs,
    uri: Uri,
    params: Params,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let view = state.view.get();
    let filters = page_try!(c, Filters::parse(&params, &view));
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
            c.t(if a == crate::params::Audience::Person {
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
    render(
        &MattersPage {
            c: &c,
            items,
            total,
            filters,
            heading,
            pages,
            view: &view,
        },
        &c,
    )
}

#[derive(Template)]
#[template(path = "matter.html")]
struct MatterPage<'a> {
    c: &'a Chrome,
    name: String,
    summary: String,
    items: Vec<&'a ImplementationSummary>,
    view: &'a crate::view::CatalogView,
}

pub(crate) async fn matter(
    State(state): State<AppState>,
    prefs: Prefs,
    uri: Uri,
    Path(code): Path<String>,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let view = state.view.get();
    let items = view.implementations_of(&code);
    match items.as_slice() {
        [] => Err(PageError(
            AppError::NotFound(format!("{} {code}", c.t("base-code"))),
            c,
        )),
        [one] => Ok(Redirect::to(&format!("/guide/{}", one.code)).into_response()),
        [first, ..] => {
            let (name, summary) = (first.name.clone(), first.summary.clone());
            render(
                &MatterPage {
                    c: &c,
                    name,
                    summary,
                    items,
                    view: &view,
                },
                &c,
            )
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
) -> PageResult {
    let view = state.view.get();
    let f = guide_facts(&view, g);
    render(&GuidePage { c, g, f, preview }, c)
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
) -> Result<Arc<PublishedImplementation>, AppError> {
    state
        .view
        .guide(code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("{} {code}", c.t("implementation-code"))))
}

/// What both the guide and its checklist show about who handles it, where and when.
struct GuideFacts<'a> {
    department: String,
    division: String,
    places: Vec<&'a ServicePlace>,
    address: String,
    hours: String,
}

fn guide_facts<'a>(
    view: &'a crate::view::CatalogView,
    g: &PublishedImplementation,
) -> GuideFacts<'a> {
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
    prefs: Prefs,
    uri: Uri,
    Path(code): Path<String>,
) -> PageResult {
    guide_or_checklist(state, prefs, uri, code, false).await
}

pub(crate) async fn checklist(
    State(state): State<AppState>,
    prefs: Prefs,
    uri: Uri,
    Path(code): Path<String>,
) -> PageResult {
    guide_or_checklist(state, prefs, uri, code, true).await
}

async fn guide_or_checklist(
    state: AppState,
    prefs: Prefs,
    uri: Uri,
    code: String,
    checklist: bool,
) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let loaded = load_guide(&state, &code, &c).await;
    let g = page_try!(c, loaded);
    if checklist {
        let view = state.view.get();
        let f = guide_facts(&view, &g);
        render(&ChecklistPage { c: &c, g: &g, f }, &c)
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

pub(crate) async fn check(State(state): State<AppState>, prefs: Prefs, uri: Uri) -> PageResult {
    let c = Chrome::new(prefs, &uri);
    let rows = page_try!(c, check_rows(&state).await);
    render(&CheckPage { c: &c, rows }, &c)
}

impl From<std::convert::Infallible> for AppError {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}
