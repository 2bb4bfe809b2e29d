//! The window's "find an applicant" page: look up by the number the person shows, check
//! their identity in person, and (with an unmasking grant) show the numbers in full.

use crate::error::{Answer, Error};
use crate::extract::FormBody;
use crate::page::{render, Chrome};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::CACHE_CONTROL;
use axum::response::IntoResponse;
use axum::Extension;
use onetrip_app::people::{Lookup, PersonCard};
use onetrip_app::Signed;
use onetrip_domain::person::DocumentKind;

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage<'a> {
    c: &'a Chrome,
    csrf: String,
    kinds: Vec<(&'static str, String)>,
    /// What was typed, kept after an error (never echoed after a successful search).
    query: LookupEcho,
    error: Option<String>,
    notice: Option<String>,
    /// None before a search.
    cards: Option<Vec<PersonCard>>,
    may_unmask: bool,
    /// The cards show full numbers (after unmasking).
    in_full: bool,
}

#[derive(Default)]
struct LookupEcho {
    kind: String,
    number: String,
    phone: String,
}

struct Outcome {
    error: Option<String>,
    notice: Option<String>,
    cards: Option<Vec<PersonCard>>,
    in_full: bool,
    echo: LookupEcho,
}

fn page(signed: &Signed, c: &Chrome, o: Outcome) -> Answer {
    let kinds = DocumentKind::ALL
        .iter()
        .map(|k| (k.key(), c.label("document-kind", k.key()).into_owned()))
        .collect();
    let html = render(&PeoplePage {
        c,
        csrf: signed.csrf(),
        kinds,
        query: o.echo,
        error: o.error,
        notice: o.notice,
        cards: o.cards,
        may_unmask: signed.may_unmask(),
        in_full: o.in_full,
    })?;
    // Personal data never stays in a shared window PC's cache.
    Ok(([(CACHE_CONTROL, "no-store")], html).into_response())
}

fn blank() -> Outcome {
    Outcome {
        error: None,
        notice: None,
        cards: None,
        in_full: false,
        echo: LookupEcho::default(),
    }
}

/// One applicant's card after an action on it, with the notice saying what was done.
fn one_card(signed: &Signed, c: &Chrome, card: PersonCard, notice: &str, in_full: bool) -> Answer {
    let mut o = blank();
    o.notice = Some(c.t(notice).into_owned());
    o.cards = Some(vec![card]);
    o.in_full = in_full;
    page(signed, c, o)
}

/// A refused entry is shown on the page with its message; anything else is an error page.
fn refused(e: Error, signed: &Signed, c: Chrome, echo: LookupEcho) -> Answer {
    match e {
        Error::Invalid { .. } | Error::NotFound(_) => {
            let mut o = blank();
            o.error = Some(e.message(c.lang));
            o.echo = echo;
            let page = page(signed, &c, o)?;
            Ok(crate::error::refused_with(&e, page))
        }
        e => Err(e.into()),
    }
}

pub async fn form(Extension(signed): Extension<Signed>, c: Chrome) -> Answer {
    page(&signed, &c, blank())
}

pub async fn find(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
    FormBody(query): FormBody<Lookup>,
) -> Answer {
    match state.lookup(&signed, &query).await {
        Ok(cards) => {
            let mut o = blank();
            o.cards = Some(cards);
            page(&signed, &c, o)
        }
        Err(e) => {
            let echo = LookupEcho {
                kind: query.document_kind.unwrap_or_default(),
                number: query.document_number.unwrap_or_default(),
                phone: query.phone.unwrap_or_default(),
            };
            refused(e, &signed, c, echo)
        }
    }
}

pub async fn verify(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    match state.verify_in_person(&signed, &id).await {
        Ok(card) => one_card(&signed, &c, card, "people-verified", false),
        Err(e) => refused(e, &signed, c, LookupEcho::default()),
    }
}

pub async fn unmask(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    match state.unmask(&signed, &id).await {
        Ok(card) => one_card(&signed, &c, card, "people-unmasked", true),
        Err(e) => refused(e, &signed, c, LookupEcho::default()),
    }
}
