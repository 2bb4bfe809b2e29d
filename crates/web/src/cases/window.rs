//! The window's pages: find the person by the number they show (or register them), pick
//! any matter the window may accept, fill the form the catalog generates with the
//! materials presented, and the queue of cases waiting for the window. An incomplete
//! application is taken back here once the applicant brings what the notice listed.

use crate::error::{Answer, Error};
use crate::extract::FormBody;
use crate::page::{render, render_refused, Chrome};
use crate::params::Params;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::Extension;
use onetrip_app::cases::{ApplicantRef, ApplicationForm, ApplicationRequest, MatterChoice};
use onetrip_app::people::{Lookup, PersonCard};
use onetrip_app::Signed;
use onetrip_domain::catalog::form::FormField;
use onetrip_domain::catalog::matter::Material;
use onetrip_domain::person::DocumentKind;
use onetrip_store::CaseLine;
use std::collections::BTreeMap;

/// A line of the window's queue.
pub struct QueueLine {
    pub case: CaseLine,
    pub matter: String,
}

#[derive(Template)]
#[template(path = "window.html")]
struct WindowPage<'a> {
    c: &'a Chrome,
    csrf: String,
    kinds: Vec<(&'static str, String)>,
    error: Option<String>,
    notice: Option<String>,
    /// Found by the last lookup (several share a phone).
    found: Option<Vec<PersonCard>>,
    /// The person being served.
    person: Option<PersonCard>,
    /// What was typed, for registering a person nobody found.
    echo: Lookup,
    /// Departments with the matters this window may accept.
    matters: Vec<(String, Vec<MatterChoice>)>,
    queue: Vec<QueueLine>,
}

struct Shown {
    error: Option<String>,
    notice: Option<String>,
    found: Option<Vec<PersonCard>>,
    person: Option<PersonCard>,
    echo: Lookup,
}

impl Shown {
    fn blank() -> Shown {
        Shown {
            error: None,
            notice: None,
            found: None,
            person: None,
            echo: Lookup::default(),
        }
    }
}

async fn window_page(
    state: &AppState,
    signed: &Signed,
    c: &Chrome,
    shown: Shown,
    refusal: Option<&Error>,
) -> Answer {
    let choices = state.acceptable_matters(signed).await?;
    let names: BTreeMap<&str, &str> = choices
        .iter()
        .map(|m| (m.code.as_str(), m.name.as_str()))
        .collect();
    let queue = state
        .window_queue(signed)
        .await?
        .into_iter()
        .map(|case| QueueLine {
            matter: names
                .get(case.implementation_code.as_str())
                .map_or_else(|| case.implementation_code.clone(), |n| (*n).to_string()),
            case,
        })
        .collect();
    let mut matters: Vec<(String, Vec<MatterChoice>)> = Vec::new();
    for m in choices {
        match matters.last_mut() {
            Some((d, list)) if *d == m.department_name => list.push(m),
            _ => matters.push((m.department_name.clone(), vec![m])),
        }
    }
    let page = WindowPage {
        c,
        csrf: signed.csrf(),
        kinds: kinds(c),
        error: shown.error,
        notice: shown.notice,
        found: shown.found,
        person: shown.person,
        echo: shown.echo,
        matters,
        queue,
    };
    let html = match refusal {
        Some(e) => render_refused(e, &page)?,
        None => render(&page)?,
    };
    Ok(html)
}

fn kinds(c: &Chrome) -> Vec<(&'static str, String)> {
    DocumentKind::ALL
        .iter()
        .map(|k| (k.key(), c.label("document-kind", k.key()).into_owned()))
        .collect()
}

/// The window: find the person, pick the matter, and the queue.
pub async fn home(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
    params: Params,
) -> Answer {
    let mut shown = Shown::blank();
    if let Some(id) = params.get("person") {
        shown.person = Some(state.person_card(&signed, id).await?);
    }
    shown.notice = params.get("done").map(|d| c.label("done", d).into_owned());
    window_page(&state, &signed, &c, shown, None).await
}

/// Finds the person by the number they show.
pub async fn find(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
    FormBody(query): FormBody<Lookup>,
) -> Answer {
    match state.lookup(&signed, &query).await {
        Ok(cards) if cards.len() == 1 => {
            let id = cards.first().map(|p| p.id.clone()).unwrap_or_default();
            Ok(Redirect::to(&format!("/window?person={id}")).into_response())
        }
        Ok(cards) => {
            let mut shown = Shown::blank();
            if cards.is_empty() {
                shown.notice = Some(c.t("window-nobody").into_owned());
                shown.echo = query;
            }
            shown.found = Some(cards);
            window_page(&state, &signed, &c, shown, None).await
        }
        Err(e @ (Error::Invalid { .. } | Error::NotFound(_))) => {
            let mut shown = Shown::blank();
            shown.error = Some(e.message(c.lang));
            shown.echo = query;
            window_page(&state, &signed, &c, shown, Some(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A walk-in person to register.
#[derive(Debug, serde::Deserialize)]
pub struct WalkInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    document_kind: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    phone: String,
}

/// Registers a walk-in person whose identity the clerk checked in person.
pub async fn register(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
    FormBody(form): FormBody<WalkInForm>,
) -> Answer {
    let kind = if form.document_kind.trim().is_empty() {
        "resident_id_card"
    } else {
        form.document_kind.as_str()
    };
    match state
        .register_at_window(
            &signed,
            &form.name,
            kind,
            &form.document_number,
            &form.phone,
        )
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/window?person={id}&done=registered")).into_response()),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => {
            let mut shown = Shown::blank();
            shown.error = Some(e.message(c.lang));
            shown.found = Some(Vec::new());
            shown.echo = Lookup {
                document_kind: Some(form.document_kind),
                document_number: Some(form.document_number),
                phone: Some(form.phone),
            };
            window_page(&state, &signed, &c, shown, Some(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "window_new.html")]
struct NewPage<'a> {
    c: &'a Chrome,
    csrf: String,
    /// Where the form posts.
    action: String,
    form: ApplicationForm,
    /// Answers and presentations typed so far.
    values: BTreeMap<String, String>,
    /// The problems of the last try, each with the field it names.
    problems: Vec<(String, String)>,
    idempotency_key: String,
    /// A resubmission of this case (no applicant, representation or delivery to choose).
    resubmission: Option<String>,
    presentations: Vec<&'static str>,
}

impl NewPage<'_> {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }

    /// How a material was presented so far: `original` unless told.
    fn presented(&self, m: &Material) -> &str {
        match self.values.get(&format!("m.{}", m.id)) {
            Some(v) => v.as_str(),
            None if m.required => "original",
            None => "missing",
        }
    }

    fn allows(&self, m: &Material, how: &str) -> bool {
        how != "commitment" || m.commitment_allowed
    }

    fn input_type(&self, f: &FormField) -> &'static str {
        use onetrip_domain::catalog::form::FieldKind;
        match f.kind {
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Phone => "tel",
            _ => "text",
        }
    }

    fn condition(&self, f: &FormField) -> Option<String> {
        self.when(f.when.as_ref())
    }

    fn material_condition(&self, m: &Material) -> Option<String> {
        self.when(m.when.as_ref())
    }

    /// "Only when …", in the page's language.
    fn when(&self, cond: Option<&onetrip_domain::catalog::form::Condition>) -> Option<String> {
        let cond = cond?;
        let label = self
            .form
            .fields
            .iter()
            .find(|x| x.key == cond.field)
            .map_or(cond.field.as_str(), |x| x.label.as_str());
        Some(
            self.c
                .lang
                .say(
                    &onetrip_domain::message::Message::new("window-field-when")
                        .text("field", label)
                        .text("values", cond.one_of.join("、")),
                )
                .to_string(),
        )
    }

    fn problem(&self, key: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, m)| m.as_str())
    }
}

fn new_key() -> String {
    onetrip_store::new_id()
}

async fn new_page(signed: &Signed, mut page: NewPage<'_>, refusal: Option<&Error>) -> Answer {
    page.csrf = signed.csrf();
    let html = match refusal {
        Some(e) => render_refused(e, &page)?,
        None => render(&page)?,
    };
    Ok(html)
}

/// The form of a matter, generated from the catalog.
pub async fn new_form(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
    params: Params,
) -> Answer {
    let code = params.get("matter").unwrap_or_default();
    let form = state
        .application_form(&signed, code, params.get("person"))
        .await?;
    let page = NewPage {
        c: &c,
        csrf: String::new(),
        action: "/window/new".into(),
        form,
        values: BTreeMap::new(),
        problems: Vec::new(),
        idempotency_key: new_key(),
        resubmission: None,
        presentations: PRESENTATIONS.to_vec(),
    };
    new_page(&signed, page, None).await
}

const PRESENTATIONS: [&str; 5] = ["original", "copy", "electronic", "missing", "commitment"];

/// The answers (`f.KEY`) and materials (`m.ID`) of a posted form.
fn split(
    values: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let pick = |prefix: &str, keep_empty: bool| {
        values
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), v.clone())))
            .filter(|(_, v)| keep_empty || !v.trim().is_empty())
            .collect()
    };
    (pick("f.", false), pick("m.", true))
}

/// Submits the application; an incomplete one is stored too, for the complete notice.
pub async fn submit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    c: Chrome,
    FormBody(posted): FormBody<Vec<(String, String)>>,
) -> Answer {
    let values: BTreeMap<String, String> = posted.into_iter().collect();
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let (form, materials) = split(&values);
    let req = ApplicationRequest {
        matter: get("matter").unwrap_or_default(),
        applicant: ApplicantRef {
            account_id: get("person"),
            ..ApplicantRef::default()
        },
        representation_id: get("representation"),
        form,
        materials,
        idempotency_key: get("idempotency_key"),
        delivery: get("delivery"),
        delivery_address: get("delivery_address"),
        consents: values
            .keys()
            .filter_map(|k| k.strip_prefix("consent."))
            .map(String::from)
            .collect(),
    };
    match state.submit(&signed, &req).await {
        Ok(done) => {
            let id = done.cases.first().map(|c| c.id.clone()).unwrap_or_default();
            Ok(Redirect::to(&format!("/cases/{id}")).into_response())
        }
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. } | Error::Refused(_))) => {
            let form = state
                .application_form(&signed, &req.matter, req.applicant.account_id.as_deref())
                .await?;
            let problems = vec![(e.field().unwrap_or("").to_string(), e.message(c.lang))];
            let page = NewPage {
                c: &c,
                csrf: String::new(),
                action: "/window/new".into(),
                form,
                idempotency_key: get("idempotency_key").unwrap_or_else(new_key),
                values,
                problems,
                resubmission: None,
                presentations: PRESENTATIONS.to_vec(),
            };
            new_page(&signed, page, Some(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The form of an incomplete case, to take back what the notice listed.
pub async fn resubmit_form(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
) -> Answer {
    let (form, values) = state.resubmission_form(&signed, &id).await?;
    let page = NewPage {
        c: &c,
        csrf: String::new(),
        action: format!("/cases/{id}/resubmit"),
        form,
        values,
        problems: Vec::new(),
        idempotency_key: String::new(),
        resubmission: Some(id),
        presentations: PRESENTATIONS.to_vec(),
    };
    new_page(&signed, page, None).await
}

/// Takes back an incomplete case with what the applicant brought.
pub async fn resubmit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<String>,
    c: Chrome,
    FormBody(posted): FormBody<Vec<(String, String)>>,
) -> Answer {
    let values: BTreeMap<String, String> = posted.into_iter().collect();
    let (form, materials) = split(&values);
    match state.resubmit(&signed, &id, &form, &materials).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?done=resubmitted")).into_response()),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => {
            let (form, _) = state.resubmission_form(&signed, &id).await?;
            let problems = vec![(e.field().unwrap_or("").to_string(), e.message(c.lang))];
            let page = NewPage {
                c: &c,
                csrf: String::new(),
                action: format!("/cases/{id}/resubmit"),
                form,
                values,
                problems,
                idempotency_key: String::new(),
                resubmission: Some(id),
                presentations: PRESENTATIONS.to_vec(),
            };
            new_page(&signed, page, Some(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}
