//! The back office's inbox (tasks to claim, tasks held, by due date with yellow and red
//! marks) and the supervisor's list (escalated, overdue, nearing, unclaimed).

use crate::error::Answer;
use crate::page::{render, Chrome};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::Extension;
use onetrip_app::cases::{CaseAttention, InboxLine, Supervision};
use onetrip_app::Signed;

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage<'a> {
    c: &'a Chrome,
    csrf: String,
    mine: Vec<InboxLine>,
    claimable: Vec<InboxLine>,
    external: Vec<InboxLine>,
}

pub async fn inbox(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
) -> Answer {
    let inbox = state.inbox(&signed).await?;
    let html = render(&InboxPage {
        c: &c,
        csrf: signed.csrf(),
        mine: inbox.mine,
        claimable: inbox.claimable,
        external: inbox.external,
    })?;
    Ok(html)
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionPage<'a> {
    c: &'a Chrome,
    lines: Vec<InboxLine>,
    cases: Vec<CaseAttention>,
    commitments: Vec<CaseAttention>,
    visits: Vec<CaseAttention>,
    overdue: usize,
    nearing: usize,
    escalated: usize,
    unclaimed: usize,
}

pub async fn supervision(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
) -> Answer {
    let Supervision {
        tasks: lines,
        cases,
        commitments,
        visits,
    } = state.supervision(&signed).await?;
    let count = |f: &dyn Fn(&InboxLine) -> bool| lines.iter().filter(|l| f(l)).count();
    let html = render(&SupervisionPage {
        c: &c,
        overdue: count(&|l| l.urgency == "overdue"),
        nearing: count(&|l| l.urgency == "nearing"),
        escalated: count(&|l| l.escalated),
        unclaimed: count(&|l| l.state == "open"),
        lines,
        cases,
        commitments,
        visits,
    })?;
    Ok(html)
}
