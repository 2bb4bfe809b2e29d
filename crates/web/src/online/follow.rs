//! Following a case: the applicant's cases and drafts (我的办件), a case's timeline with the
//! confirmation after submitting, the receipt (受理回执, printable, with a QR code to follow
//! the case), the lookup by case number and ID digits for people without an account, and
//! uploaded files.

use crate::auth::client::ClientIp;
use crate::error::{Answer, Error};
use crate::extract::FormBody;
use crate::page::{render, render_refused, Chrome};
use crate::params::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Extension;
use onetrip_app::cases::{MyCase, Receipt, Timeline};
use onetrip_app::Signed;

#[derive(Template)]
#[template(path = "my_cases.html")]
struct MyCasesPage<'a> {
    c: &'a Chrome,
    cases: Vec<MyCase>,
    /// How many changed since last read.
    news: usize,
    drafts: Vec<(String, String, chrono::DateTime<chrono::Utc>)>,
}

/// 我的办件: the caller's cases and unfinished drafts.
pub async fn my_cases(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
) -> Answer {
    let cases = state.read_my_cases(&signed).await?;
    let drafts = state.my_drafts(&signed).await?;
    render(&MyCasesPage {
        c: &c,
        news: cases.iter().filter(|k| k.news).count(),
        cases,
        drafts,
    })
}

#[derive(Template)]
#[template(path = "timeline.html")]
struct TimelinePage<'a> {
    c: &'a Chrome,
    t: Timeline,
    /// Just submitted: the confirmation.
    submitted: bool,
    /// Shown to someone without an account (no links into the applicant's space).
    anonymous: bool,
    csrf: String,
    /// Why a correction was refused.
    problem: Option<String>,
}

/// A case's timeline (after submitting: with the confirmation and the case number).
pub async fn timeline(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
    params: Params,
) -> Answer {
    timeline_page(
        &state,
        &signed,
        &c,
        &id,
        params.get("submitted").is_some(),
        None,
    )
    .await
}

async fn timeline_page(
    state: &AppState,
    signed: &Signed,
    c: &Chrome,
    id: &str,
    submitted: bool,
    refusal: Option<&Error>,
) -> Answer {
    let t = state.timeline(signed, id).await?;
    let page = TimelinePage {
        c,
        t,
        submitted,
        anonymous: false,
        csrf: signed.csrf(),
        problem: refusal.map(|e| e.message(c.lang)),
    };
    match refusal {
        Some(e) => render_refused(e, &page),
        None => render(&page),
    }
}

/// Uploads a file for a case returned for correction.
pub async fn correction_file(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
    form: axum::extract::Multipart,
) -> Answer {
    let (material, name, content) = super::pages::read_upload(form).await?;
    match state
        .upload_correction(&signed, &id, &material, &name, content)
        .await
    {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/my/cases/{id}")).into_response()),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => {
            timeline_page(&state, &signed, &c, &id, false, Some(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Sends the case back from correction with the answers changed (`f.KEY`).
pub async fn corrected(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
    FormBody(form): FormBody<std::collections::BTreeMap<String, String>>,
) -> Answer {
    let req = onetrip_app::cases::CorrectionRequest {
        form: form
            .into_iter()
            .filter_map(|(k, v)| k.strip_prefix("f.").map(|k| (k.to_string(), v)))
            .collect(),
    };
    match state.correct(&signed, &id, &req).await {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/my/cases/{id}")).into_response()),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => {
            timeline_page(&state, &signed, &c, &id, false, Some(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage<'a> {
    c: &'a Chrome,
    r: Receipt,
    qr: String,
    follow: String,
}

/// The receipt of an accepted case, for its applicant or the window.
pub async fn receipt(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    c: Chrome,
) -> Answer {
    let r = state.receipt(&signed, &id).await?;
    let follow = format!("{}/track?number={}", origin(&headers), r.number);
    let qr = crate::page::qr_svg(&follow)?;
    render(&ReceiptPage {
        c: &c,
        r,
        qr,
        follow,
    })
}

/// The address the request was made to, for a link that must work from a phone.
fn origin(headers: &axum::http::HeaderMap) -> String {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    let host = get("host").unwrap_or("localhost");
    let scheme = match get("x-forwarded-proto") {
        Some("https") => "https",
        _ if headers.contains_key("origin")
            && get("origin").is_some_and(|o| o.starts_with("https:")) =>
        {
            "https"
        }
        _ => "http",
    };
    format!("{scheme}://{host}")
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage<'a> {
    c: &'a Chrome,
    number: String,
    problem: Option<String>,
}

/// The lookup by case number and the last six characters of the ID number (the receipt's
/// QR code opens it with the number filled in).
pub async fn track_form(c: Chrome, params: Params) -> Answer {
    render(&TrackPage {
        c: &c,
        number: params.get("number").unwrap_or_default().to_string(),
        problem: None,
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    id_tail: String,
}

/// The timeline for the case number and ID digits given; a mismatch says only that.
pub async fn track(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    c: Chrome,
    FormBody(form): FormBody<TrackForm>,
) -> Answer {
    match state.track(&form.number, &form.id_tail, ip).await {
        Ok(t) => render(&TimelinePage {
            c: &c,
            t,
            submitted: false,
            anonymous: true,
            csrf: String::new(),
            problem: None,
        }),
        Err(e @ Error::NotFound(_)) => {
            let page = TrackPage {
                c: &c,
                number: form.number,
                problem: Some(c.t("track-no-match").into_owned()),
            };
            render_refused(&e, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// An uploaded file, as stored (its type read from the content at upload).
pub async fn file(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
) -> Answer {
    let (view, content) = state.attachment_file(&signed, &id).await?;
    let disposition = format!(
        "inline; filename*=UTF-8''{}",
        percent_encoding::utf8_percent_encode(&view.name, percent_encoding::NON_ALPHANUMERIC)
    );
    Ok((
        [
            (header::CONTENT_TYPE, view.content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
        ],
        content,
    )
        .into_response())
}
