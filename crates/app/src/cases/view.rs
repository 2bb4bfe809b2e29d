//! A case as staff see it: its facts, the applicant (named, never numbered), the form's
//! answers with identity and phone numbers masked, the materials, what is missing, the
//! flow's tasks with their clocks, and who did what.

use super::scope::Standing;
use super::submit::FORM_CONTEXT;
use crate::i18n::Lang;
use crate::{App, Error, Signed};
use chrono::NaiveDate;
use onetrip_domain::case::intake::{FormData, Gap};
use onetrip_domain::case::{CaseDoc, Limit, Task};
use onetrip_domain::catalog::form::FieldKind;
use onetrip_domain::person::mask::{mask_identity, mask_phone};
use onetrip_store::StoredCase;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Something missing or wrong, and what to do about it in the reader's language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GapView {
    /// `field` or `material`.
    pub kind: String,
    pub key: String,
    pub label: String,
    pub reason: String,
    pub message: String,
    #[serde(skip)]
    gap: Option<Gap>,
}

impl From<&Gap> for GapView {
    fn from(g: &Gap) -> GapView {
        GapView {
            kind: match g.kind {
                onetrip_domain::case::intake::GapKind::Field => "field".into(),
                onetrip_domain::case::intake::GapKind::Material => "material".into(),
            },
            key: g.key.clone(),
            label: g.label.clone(),
            reason: g.reason.clone(),
            message: String::new(),
            gap: Some(g.clone()),
        }
    }
}

impl GapView {
    /// Says it in `lang`.
    pub fn localize(&mut self, lang: Lang) {
        if let Some(g) = &self.gap {
            self.message = lang.say(&g.message());
        }
    }
}

/// A limit as lists show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LimitView {
    pub ends: Option<NaiveDate>,
    /// `on_time`, `nearing`, `overdue`, `stopped` or `unknown`.
    pub urgency: String,
    /// While stopped: the days that remained.
    pub remaining: Option<u32>,
    /// The year whose holidays the count needs and does not have.
    pub unknown_year: Option<i32>,
}

impl LimitView {
    fn of(
        l: &Limit,
        today: NaiveDate,
        cal: &onetrip_domain::calendar::WorkingCalendar,
    ) -> LimitView {
        LimitView {
            ends: l.ends,
            urgency: l.urgency(today, cal).key().into(),
            remaining: l.paused.map(|p| p.2),
            unknown_year: l.unknown_year,
        }
    }
}

/// A task of a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskView {
    pub id: String,
    pub step: String,
    pub step_name: String,
    pub role: String,
    pub department: String,
    /// `open`, `claimed`, `external`, `correction`, `done` or `cancelled`.
    pub state: String,
    pub round: u32,
    pub claimed_by: Option<String>,
    /// The name of who holds it.
    pub claimed_by_name: Option<String>,
    pub decided_by: Option<String>,
    pub decided_by_name: Option<String>,
    /// `pass`, `deny` or `skipped`.
    pub verdict: Option<String>,
    pub reason: Option<String>,
    pub opened: NaiveDate,
    pub limit: LimitView,
    pub cosigns: Option<String>,
    pub escalated: bool,
    /// The caller may claim it now (open, their department, their role).
    pub claimable: bool,
    /// The caller may enter its result by hand (an external step of their department and
    /// role, waiting for the department's own system).
    pub recordable: bool,
    /// For an external step: its decision document's number in that system.
    pub document: Option<String>,
    /// The caller holds it.
    pub mine: bool,
}

/// A case as staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    pub id: String,
    pub number: String,
    pub version: i64,
    /// `submitted`, `incomplete`, `refused`, `in_progress`, `correction`, `decided`,
    /// `concluded`, `delivered` or `terminated`.
    pub state: String,
    pub matter: String,
    pub implementation_code: String,
    pub implementation_version: i64,
    pub department: String,
    pub department_name: String,
    pub division: String,
    /// `window`, `api` or `online`.
    pub channel: String,
    /// The applicant's name, or the organization's credit code.
    pub applicant: String,
    /// The applicant's account, if a person.
    pub applicant_id: Option<String>,
    /// The agent who applied for the applicant under a representation, by name.
    pub agent: Option<String>,
    /// How the result is to reach the applicant: `window`, `electronic` or `post`.
    pub delivery: String,
    /// What the applicant consented to (`data_sharing`, `electronic_delivery`,
    /// `notifications`).
    pub consents: Vec<String>,
    /// Visits to a window so far (submission, supplying, pickup).
    pub visits: i64,
    /// Materials to be supplied later (容缺), by name.
    pub deferred: Vec<String>,
    /// Materials replaced by a signed commitment, flagged for the later check, by name.
    pub commitments: Vec<String>,
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub promised: Option<LimitView>,
    pub legal: Option<LimitView>,
    /// The form's answers by label, identity and phone numbers masked.
    pub form: Vec<(String, String)>,
    /// How each material was presented, by name.
    #[schema(value_type = Vec<Object>)]
    pub materials: Vec<(String, String)>,
    /// The materials a file can be uploaded for (not paper only): (id, name).
    #[schema(value_type = Vec<Object>)]
    pub uploadable: Vec<(String, String)>,
    pub gaps: Vec<GapView>,
    pub tasks: Vec<TaskView>,
    #[schema(value_type = Object)]
    pub document: CaseDoc,
    /// `window`, `flow`, `colleague` (its department's back office, on no step) or
    /// `supervisor`: how the caller stands to it.
    pub standing: String,
    /// The steps before the caller's task, for sending back.
    pub earlier_steps: Vec<(String, String)>,
    /// Steps of the flow not reached yet, by name (for the timeline).
    pub to_come: Vec<String>,
    /// Special procedures the matter provides for (each stops the clock).
    pub special_procedures: Vec<String>,
}

/// Masks a form answer as lists show it.
fn masked(kind: FieldKind, value: &str) -> String {
    match kind {
        FieldKind::IdNumber => mask_identity(value),
        FieldKind::Phone => mask_phone(value),
        _ => value.to_string(),
    }
}

impl App {
    /// The answers of a case's sealed form.
    pub(crate) fn form_of(&self, case: &StoredCase) -> Result<FormData, Error> {
        let json = self.security.cipher.open_field(FORM_CONTEXT, &case.form)?;
        serde_json::from_str(&json).map_err(|e| Error::Internal(format!("case form: {e}")))
    }

    /// A case as `signed` may see it.
    pub async fn case_view(&self, signed: &Signed, id: &str) -> Result<CaseView, Error> {
        let (case, standing) = self.case_for(signed, id).await?;
        self.view_of(signed, case, standing).await
    }

    /// A case and its journal, read (and, outside its flow, recorded) once, for its page.
    pub async fn case_page(
        &self,
        signed: &Signed,
        id: &str,
    ) -> Result<
        (
            CaseView,
            Vec<super::JournalView>,
            Vec<super::AttachmentView>,
        ),
        Error,
    > {
        let (case, standing) = self.case_for(signed, id).await?;
        let journal = self.journal_of(&case.id).await?;
        let files = self
            .store
            .case_attachments(&case.id)
            .await?
            .iter()
            .map(|a| self.attachment_view(a))
            .collect::<Result<_, _>>()?;
        Ok((self.view_of(signed, case, standing).await?, journal, files))
    }

    pub(crate) async fn view_of(
        &self,
        signed: &Signed,
        case: StoredCase,
        standing: Standing,
    ) -> Result<CaseView, Error> {
        let imp = self
            .pinned(&case.implementation_code, case.implementation_version)
            .await?;
        let content = &imp.resolved.content;
        let form = self.form_of(&case)?;
        let today = self.clock.today();
        let cal = self.cases.calendar();
        let fields = content
            .form
            .iter()
            .filter_map(|f| {
                form.get(&f.key)
                    .map(|v| (f.label.clone(), masked(f.kind, v)))
            })
            .collect();
        let flow = CaseDoc::flow(content);
        let step_name = |id: &str| {
            flow.steps
                .iter()
                .find(|s| s.id == id)
                .map_or(id.to_string(), |s| s.name.clone())
        };
        let mut names = Names::default();
        let mut tasks = Vec::new();
        for t in &case.doc.tasks {
            let may = self.may_take(signed, t, &case).await?;
            let mut view = task_view(t, step_name(&t.step), may, &signed.account.id, today, &cal);
            view.claimed_by_name = names.of(self, t.claimed_by.as_deref()).await?;
            view.decided_by_name = names.of(self, t.decided_by.as_deref()).await?;
            tasks.push(view);
        }
        let application = self
            .store
            .application(&case.application_id)
            .await?
            .ok_or_else(|| Error::Internal(format!("case {} application", case.number)))?;
        let applicant = match (&application.applicant_id, &application.organization) {
            (Some(id), _) => names.of(self, Some(id)).await?.unwrap_or_default(),
            (None, Some(code)) => code.clone(),
            (None, None) => String::new(),
        };
        // The representation's agent, recorded with the application (at a window the one
        // who submits is the clerk, not the agent).
        let agent_id = application.document.get("agent").and_then(|a| a.as_str());
        let agent = match (&application.representation_id, agent_id) {
            (Some(_), Some(a)) => names.of(self, Some(a)).await?,
            (Some(_), None) => names.of(self, Some(&application.submitted_by)).await?,
            (None, _) => None,
        };
        let consents = application
            .document
            .get("consents")
            .and_then(|c| c.as_array())
            .map(|c| {
                c.iter()
                    .filter_map(|k| k.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let material_name = |id: &String| {
            content
                .materials
                .iter()
                .find(|m| &m.id == id)
                .map_or(id.clone(), |m| m.name.clone())
        };
        let department_name = self
            .store
            .departments()
            .await?
            .into_iter()
            .find(|d| d.code.as_str() == case.department)
            .map_or(case.department.clone(), |d| d.name);
        let mine: Vec<&Task> = case
            .doc
            .tasks
            .iter()
            .filter(|t| {
                t.state.is_live() && t.claimed_by.as_deref() == Some(signed.account.id.as_str())
            })
            .collect();
        let earlier_steps = mine
            .first()
            .map(|t| {
                earlier(&flow, &t.step)
                    .into_iter()
                    .map(|s| (s.clone(), step_name(&s)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(CaseView {
            id: case.id.clone(),
            number: case.number.clone(),
            version: case.version,
            state: case.state.key().into(),
            matter: imp.resolved.name.clone(),
            implementation_code: case.implementation_code.clone(),
            implementation_version: case.implementation_version,
            department: case.department.clone(),
            department_name,
            division: case.division.clone(),
            channel: case.channel.clone(),
            applicant,
            applicant_id: application.applicant_id.clone(),
            agent,
            consents,
            delivery: application
                .document
                .get("delivery")
                .and_then(|d| d.as_str())
                .unwrap_or("window")
                .into(),
            visits: application.visits,
            deferred: case
                .doc
                .deficiency
                .iter()
                .flat_map(|d| d.materials.iter().map(material_name))
                .collect(),
            commitments: case.doc.commitments.iter().map(material_name).collect(),
            received_on: case.doc.received_on,
            accepted_on: case.doc.accepted_on,
            promised: case
                .doc
                .promised
                .as_ref()
                .map(|l| LimitView::of(l, today, &cal)),
            legal: case
                .doc
                .legal
                .as_ref()
                .map(|l| LimitView::of(l, today, &cal)),
            form: fields,
            materials: content
                .materials
                .iter()
                .filter(|m| onetrip_domain::case::intake::holds(&m.when, &form))
                .map(|m| {
                    let p = case.doc.presented.get(&m.id).map_or("missing", |p| p.key());
                    (m.name.clone(), p.to_string())
                })
                .collect(),
            uploadable: content
                .materials
                .iter()
                .filter(|m| onetrip_domain::case::intake::holds(&m.when, &form))
                .filter(|m| m.form != onetrip_domain::codes::MaterialForm::Paper)
                .map(|m| (m.id.clone(), m.name.clone()))
                .collect(),
            gaps: case.doc.intake.gaps.iter().map(GapView::from).collect(),
            tasks,
            standing: match standing {
                Standing::Window => "window",
                Standing::Flow => "flow",
                Standing::Colleague => "colleague",
                Standing::Supervisor => "supervisor",
            }
            .into(),
            earlier_steps,
            to_come: if case.state.is_final() {
                Vec::new()
            } else {
                flow.steps
                    .iter()
                    .filter(|s| s.role != "window_clerk")
                    .filter(|s| !case.doc.tasks.iter().any(|t| t.step == s.id))
                    .map(|s| s.name.clone())
                    .collect()
            },
            special_procedures: content
                .special_procedures
                .iter()
                .map(|p| p.name.clone())
                .collect(),
            document: case.doc,
        })
    }
}

/// Names of accounts, each read once per view.
#[derive(Default)]
pub(crate) struct Names(BTreeMap<String, Option<String>>);

impl Names {
    /// The display name of an account id (`system` for the system's own acts).
    pub(crate) async fn of(
        &mut self,
        app: &App,
        id: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let Some(id) = id else { return Ok(None) };
        if let Some(n) = self.0.get(id) {
            return Ok(n.clone());
        }
        let name = match id {
            "system" => Some("system".to_string()),
            _ => app.store.account(id).await?.map(|a| a.display_name),
        };
        self.0.insert(id.to_string(), name.clone());
        Ok(name)
    }
}

/// Steps from which `step` can be reached: where a case may be sent back to.
fn earlier(flow: &onetrip_domain::catalog::flow::Flow, step: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut todo = vec![step.to_string()];
    let by_next: BTreeMap<&str, Vec<&str>> = flow.steps.iter().fold(BTreeMap::new(), |mut m, s| {
        for n in &s.next {
            m.entry(n.as_str())
                .or_insert_with(Vec::new)
                .push(s.id.as_str());
        }
        m
    });
    while let Some(s) = todo.pop() {
        for p in by_next.get(s.as_str()).into_iter().flatten() {
            let window = flow
                .steps
                .iter()
                .any(|x| x.id == *p && x.role == "window_clerk");
            if !window && !out.iter().any(|o| o == p) {
                out.push(p.to_string());
                todo.push(p.to_string());
            }
        }
    }
    out
}

fn task_view(
    t: &Task,
    step_name: String,
    may_take: bool,
    me: &str,
    today: NaiveDate,
    cal: &onetrip_domain::calendar::WorkingCalendar,
) -> TaskView {
    TaskView {
        id: t.id.clone(),
        step: t.step.clone(),
        step_name,
        role: t.role.key().into(),
        department: t.department.clone(),
        state: t.state.key().into(),
        round: t.round,
        claimed_by: t.claimed_by.clone(),
        claimed_by_name: None,
        decided_by: t.decided_by.clone(),
        decided_by_name: None,
        verdict: t.verdict.map(|v| match v {
            onetrip_domain::case::Verdict::Pass => "pass".into(),
            onetrip_domain::case::Verdict::Deny => "deny".into(),
            onetrip_domain::case::Verdict::Skipped => "skipped".into(),
        }),
        reason: t.reason.clone(),
        opened: t.opened,
        limit: LimitView::of(&t.limit, today, cal),
        cosigns: t.cosigns.clone(),
        escalated: t.escalated,
        claimable: may_take && t.state == onetrip_domain::case::TaskState::Open,
        recordable: may_take && t.state == onetrip_domain::case::TaskState::External,
        document: t.document.clone(),
        mine: t.claimed_by.as_deref() == Some(me) && t.state.is_live(),
    }
}
