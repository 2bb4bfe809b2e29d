//! Printable A4 pages: the complete notice (一次性告知书) naming everything missing at
//! once, the decision document of a concluded case, ready for the e-seal, and the notice
//! that ends a case whose deferred materials did not come by their date.

use crate::error::Answer;
use crate::page::{render, Chrome};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::Extension;
use onetrip_app::cases::CaseView;
use onetrip_app::Signed;

#[derive(Template)]
#[template(path = "case_notice.html")]
struct NoticePage<'a> {
    c: &'a Chrome,
    case: CaseView,
    place: String,
    today: chrono::NaiveDate,
}

#[derive(Template)]
#[template(path = "case_decision.html")]
struct DecisionPage<'a> {
    c: &'a Chrome,
    case: CaseView,
}

#[derive(Template)]
#[template(path = "case_termination.html")]
struct TerminationPage<'a> {
    c: &'a Chrome,
    case: CaseView,
    due: chrono::NaiveDate,
    on: chrono::NaiveDate,
}

/// The complete notice of a case.
pub async fn notice(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let mut case = state.case_view(&signed, &id).await?;
    for g in &mut case.gaps {
        g.localize(c.lang);
    }
    let place = state.workplace(&signed).await?.unwrap_or_default();
    render(&NoticePage {
        c: &c,
        case,
        place,
        today: state.clock.today(),
    })
}

/// The decision document of a concluded case.
pub async fn decision(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let case = state.case_view(&signed, &id).await?;
    if case.document.conclusion.is_none() {
        return Err(not_yet("case-not-concluded"));
    }
    render(&DecisionPage { c: &c, case })
}

/// The notice ending a case whose deferred materials (容缺) were not supplied by their date:
/// what was owed, by when, and the day it ended.
pub async fn termination(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let case = state.case_view(&signed, &id).await?;
    let owed = case.document.deficiency.as_ref().map(|d| d.due);
    let (Some(due), Some(on)) = (owed, case.document.terminated_on) else {
        return Err(not_yet("case-not-terminated"));
    };
    render(&TerminationPage {
        c: &c,
        case,
        due,
        on,
    })
}

/// The case has not reached the state this document records.
fn not_yet(message: &'static str) -> crate::error::Failure {
    onetrip_app::Error::conflict("state", onetrip_domain::message::Message::new(message)).into()
}
