//! The citizen-facing second screen beside the window (一主机双屏): opened by the hall on
//! the window PC's second monitor in the clerk's session, it shows the application the clerk
//! last entered, in large type, with one button for the citizen to confirm it; while there
//! is nothing to confirm it waits and looks again every few seconds.

use crate::error::Answer;
use crate::page::{render, Chrome};
use crate::params::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::Extension;
use onetrip_app::cases::CaseView;
use onetrip_app::Signed;

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage<'a> {
    c: &'a Chrome,
    case: Option<CaseView>,
    csrf: String,
    /// The citizen just confirmed.
    done: bool,
}

/// The second screen.
pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
    params: Params,
) -> Answer {
    let case = state.awaiting_confirmation(&signed).await?;
    render(&ScreenPage {
        c: &c,
        case,
        csrf: signed.csrf(),
        done: params.get("done").is_some(),
    })
}

/// The citizen confirms on the second screen.
pub async fn confirm(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer {
    state
        .confirm_application(&signed, &id, "second_screen")
        .await?;
    Ok(Redirect::to("/window/screen?done=1").into_response())
}
