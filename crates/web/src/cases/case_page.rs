//! The case page, the same for the window, the back office and the supervisor: facts and
//! clocks, the applicant's answers (masked) and materials, what is missing, the timeline
//! of the flow, the journal, and the acts the caller's standing allows. Each act posts
//! here and comes back to the page, with what was done or why it was refused.

use crate::error::{Answer, Error};
use crate::extract::FormBody;
use crate::page::{render, render_refused, Chrome};
use crate::params::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::Extension;
use onetrip_app::cases::{
    AcceptRequest, Acted, CaseView, CommitmentCheckRequest, DecisionRequest, DeliveryRequest,
    ExternalResult, JournalView, TaskMove,
};
use onetrip_app::Signed;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage<'a> {
    c: &'a Chrome,
    csrf: String,
    me: String,
    /// The caller's department or service place.
    organization: Option<String>,
    case: CaseView,
    journal: Vec<JournalView>,
    /// The files submitted or scanned for the case.
    files: Vec<onetrip_app::cases::AttachmentView>,
    /// Colleagues each of the caller's tasks can go to: (task, [(id, name)]).
    colleagues: Vec<(String, Vec<(String, String)>)>,
    error: Option<String>,
    notice: Option<String>,
}

impl CasePage<'_> {
    fn colleagues_of(&self, task: &str) -> &[(String, String)] {
        self.colleagues
            .iter()
            .find(|(t, _)| t == task)
            .map_or(&[], |(_, list)| list.as_slice())
    }

    fn is_window(&self) -> bool {
        self.case.standing == "window"
    }

    /// The implementing department's back office, where the commitment check is done.
    fn in_department(&self) -> bool {
        (self.case.standing == "flow" || self.case.standing == "colleague")
            && self.organization.as_deref() == Some(self.case.department.as_str())
    }

    /// A journal entry's note as a person reads it: the recorded value in words.
    fn note(&self, j: &JournalView) -> String {
        let step_name = |id: &str| {
            self.case
                .tasks
                .iter()
                .find(|t| t.step == id)
                .map_or_else(|| id.to_string(), |t| t.step_name.clone())
        };
        match j.action.as_str() {
            "submit" => self.c.label("channel", &j.note).into_owned(),
            "deliver" => self.c.label("delivery", &j.note).into_owned(),
            "conclude" => self.c.label("decision", &j.note).into_owned(),
            "complete_notice" => {
                let n = j
                    .note
                    .split(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                self.c.n("journal-note-items", n).into_owned()
            }
            "terminated" => self.c.t("journal-note-deficiency").into_owned(),
            "send_back" => step_name(&j.note),
            "add_cosigner" | "hand_over" => j.colleague.clone().unwrap_or_default(),
            "escalate" | "limits_counted" => String::new(),
            _ => j.note.clone(),
        }
    }

    fn holds_a_task(&self) -> bool {
        self.case.tasks.iter().any(|t| t.mine)
    }

    fn may_defer(&self) -> bool {
        self.case.state == "submitted"
            && !self.case.gaps.is_empty()
            && self.case.gaps.iter().all(|g| {
                g.kind == "material" && self.case.document.intake.deferrable.contains(&g.key)
            })
    }

    /// The China-time minute of a journal entry.
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        onetrip_domain::case::law::china(*at)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// A state's label, or the key itself (journal notes may carry other values).
    fn state_label(&self, key: &str) -> String {
        self.c.label("case-state", key).into_owned()
    }
}

async fn case_page(
    state: &AppState,
    signed: &Signed,
    c: &Chrome,
    id: &str,
    error: Option<&Error>,
    notice: Option<String>,
) -> Answer {
    let (mut case, journal, files) = state.case_page(signed, id).await?;
    for g in &mut case.gaps {
        g.localize(c.lang);
    }
    let mut colleagues = Vec::new();
    for t in case.tasks.iter().filter(|t| t.mine) {
        colleagues.push((t.id.clone(), state.colleagues(signed, id, &t.id).await?));
    }
    let page = CasePage {
        c,
        csrf: signed.csrf(),
        me: signed.account.id.clone(),
        organization: signed.account.organization.clone(),
        case,
        journal,
        files,
        colleagues,
        error: error.map(|e| e.message(c.lang)),
        notice,
    };
    let html = match error {
        Some(e) => render_refused(e, &page)?,
        None => render(&page)?,
    };
    Ok(html)
}

/// The case page.
pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
    params: Params,
) -> Answer {
    let notice = params
        .get("done")
        .map(|d| c.label("done-case", d).into_owned());
    case_page(&state, &signed, &c, &id, None, notice).await
}

/// After an act: back to the case page saying what was done, or showing why not.
async fn after(
    state: &AppState,
    signed: &Signed,
    c: &Chrome,
    id: &str,
    done: &str,
    result: Result<Acted, Error>,
) -> Answer {
    match result {
        Ok(acted) => Ok(Redirect::to(&format!("/cases/{}?done={done}", acted.id)).into_response()),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. } | Error::Refused(_))) => {
            case_page(state, signed, c, id, Some(&e), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The fields of the case page's forms; each act reads those it needs.
#[derive(Debug, Default, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    deficiency_due: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    colleague: String,
    #[serde(default)]
    pass: String,
    #[serde(default)]
    document: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    tracking: String,
}

fn given(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

type CaseId = Path<String>;
type TaskId = Path<(String, String)>;

pub async fn accept(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): CaseId,
    c: Chrome,
    FormBody(f): FormBody<ActForm>,
) -> Answer {
    let req = AcceptRequest {
        deficiency_due: given(&f.deficiency_due),
    };
    let r = state.accept(&signed, &id, &req).await;
    after(&state, &signed, &c, &id, "accepted", r).await
}

/// Uploads a scanned page (multipart: `csrf`, `material`, then `file`).
pub async fn scan(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): CaseId,
    c: Chrome,
    form: axum::extract::Multipart,
) -> Answer {
    let (material, name, content) = crate::online::read_upload(form).await?;
    match state
        .upload_at_window(&signed, &id, &material, &name, content)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?done=scanned")).into_response()),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => {
            case_page(&state, &signed, &c, &id, Some(&e), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Records that the applicant signed the printed application.
pub async fn confirm(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): CaseId,
    c: Chrome,
) -> Answer {
    let r = state
        .confirm_application(&signed, &id, "signed_paper")
        .await;
    after(&state, &signed, &c, &id, "confirmed", r).await
}

pub async fn refuse(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): CaseId,
    c: Chrome,
    FormBody(f): FormBody<ActForm>,
) -> Answer {
    let r = state.refuse(&signed, &id, &f.reason).await;
    after(&state, &signed, &c, &id, "refused", r).await
}

/// Gives the complete notice, then shows it for printing.
pub async fn notice(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): CaseId,
    c: Chrome,
) -> Answer {
    match state.notice(&signed, &id).await {
        Ok(acted) => Ok(Redirect::to(&format!("/cases/{}/notice", acted.id)).into_response()),
        Err(e) => after(&state, &signed, &c, &id, "", Err(e)).await,
    }
}

pub async fn supplied(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): CaseId,
    c: Chrome,
) -> Answer {
    let r = state.supplied(&signed, &id).await;
    after(&state, &signed, &c, &id, "supplied", r).await
}

pub async fn corrected(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): CaseId,
    c: Chrome,
) -> Answer {
    let r = state.corrected(&signed, &id).await;
    after(&state, &signed, &c, &id, "corrected", r).await
}

/// Concludes the case, then shows the decision for printing.
pub async fn conclude(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): CaseId,
    c: Chrome,
) -> Answer {
    match state.conclude(&signed, &id).await {
        Ok(acted) => Ok(Redirect::to(&format!("/cases/{}/decision", acted.id)).into_response()),
        Err(e) => after(&state, &signed, &c, &id, "", Err(e)).await,
    }
}

pub async fn deliver(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): CaseId,
    c: Chrome,
    FormBody(f): FormBody<ActForm>,
) -> Answer {
    let req = DeliveryRequest {
        method: f.method,
        address: given(&f.address),
        tracking: given(&f.tracking),
    };
    let r = state.deliver(&signed, &id, &req).await;
    after(&state, &signed, &c, &id, "delivered", r).await
}

pub async fn special(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): CaseId,
    c: Chrome,
    FormBody(f): FormBody<ActForm>,
) -> Answer {
    let name = given(&f.name);
    let done = if name.is_some() {
        "special_started"
    } else {
        "special_ended"
    };
    let r = state.special_procedure(&signed, &id, name.as_deref()).await;
    after(&state, &signed, &c, &id, done, r).await
}

pub async fn claim(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, task)): TaskId,
    c: Chrome,
) -> Answer {
    let r = state.claim(&signed, &id, &task).await;
    after(&state, &signed, &c, &id, "claimed", r).await
}

pub async fn decide(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, task)): TaskId,
    c: Chrome,
    FormBody(f): FormBody<ActForm>,
) -> Answer {
    let req = DecisionRequest {
        decision: f.decision,
        reason: given(&f.reason),
    };
    let r = state.decide(&signed, &id, &task, &req).await;
    after(&state, &signed, &c, &id, "decided", r).await
}

pub async fn move_task(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, task)): TaskId,
    c: Chrome,
    FormBody(f): FormBody<ActForm>,
) -> Answer {
    let req = match f.action.as_str() {
        "send_back" => TaskMove::SendBack {
            to: f.to,
            reason: f.reason,
        },
        "recall" => TaskMove::Recall,
        "cosign" => TaskMove::Cosign {
            colleague: f.colleague,
        },
        _ => TaskMove::HandOver {
            colleague: f.colleague,
        },
    };
    let r = state.move_task(&signed, &id, &task, &req).await;
    after(&state, &signed, &c, &id, "moved", r).await
}

pub async fn external(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path((id, task)): TaskId,
    c: Chrome,
    FormBody(f): FormBody<ActForm>,
) -> Answer {
    let req = ExternalResult {
        pass: f.pass == "true",
        document: f.document,
        reason: given(&f.reason),
    };
    let r = state.external_result(&signed, &id, &task, &req).await;
    after(&state, &signed, &c, &id, "external", r).await
}

pub async fn commitment_check(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): CaseId,
    c: Chrome,
    FormBody(f): FormBody<ActForm>,
) -> Answer {
    let req = CommitmentCheckRequest {
        truthful: f.pass == "true",
        note: given(&f.reason),
    };
    let r = state.check_commitments(&signed, &id, &req).await;
    after(&state, &signed, &c, &id, "commitment-checked", r).await
}
