//! Lists of cases and tasks: the inbox of tasks a staff member may take or holds, the
//! window's queue, the supervisor's overdue and nearing lists, and a case's journal.

use super::view::Names;
use crate::{App, Error, Signed};
use chrono::NaiveDate;
use onetrip_domain::access::{check, Permission, Scope};
use onetrip_domain::case::{CaseState, Urgency};
use onetrip_store::{CaseQuery, TaskLine, TaskQuery};
use serde::Serialize;
use utoipa::ToSchema;

/// A task in an inbox, with its case's facts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxLine {
    pub task_id: String,
    pub case_id: String,
    pub case_number: String,
    pub matter: String,
    pub step: String,
    pub step_name: String,
    pub state: String,
    /// Who holds it, if claimed.
    pub claimed_by: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// `on_time`, `nearing`, `overdue`.
    pub urgency: String,
    pub escalated: bool,
    pub received_on: NaiveDate,
}

/// A staff member's inbox: tasks they may claim, tasks they hold, and external steps of
/// their department waiting for its own system's result (which they may enter by hand).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Inbox {
    pub claimable: Vec<InboxLine>,
    pub mine: Vec<InboxLine>,
    pub external: Vec<InboxLine>,
}

/// A journal entry as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JournalView {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    /// The actor's name.
    pub actor_name: String,
    pub action: String,
    pub before: String,
    pub after: String,
    pub task: Option<String>,
    /// A short note as recorded: a reason, a date, a channel, a step, a colleague's id.
    pub note: String,
    /// For a co-signer or a hand-over: the colleague's name.
    pub colleague: Option<String>,
    pub hash: String,
}

impl App {
    pub(crate) fn urgency_of(&self, due: Option<NaiveDate>) -> String {
        let today = self.clock.today();
        match due {
            Some(d) if today > d => Urgency::Overdue.key().into(),
            Some(d) => {
                let cal = self.cases.calendar();
                match cal.working_days_between(today, d) {
                    Ok(left) if left < onetrip_domain::case::law::NEARING_DAYS => {
                        Urgency::Nearing.key().into()
                    }
                    Ok(_) => Urgency::OnTime.key().into(),
                    Err(_) => Urgency::Unknown.key().into(),
                }
            }
            None => Urgency::Unknown.key().into(),
        }
    }

    /// by due date.
    pub async fn inbox(&self, signed: &Signed) -> Result<Inbox, Error> {
        let Some(org) = signed
            .account
            .organization
            .clone()
            .filter(|_| signed.is_staff())
        else {
            return Ok(Inbox {
                claimable: vec![],
                mine: vec![],
                external: vec![],
            });
        };
        let roles: Vec<String> = signed
            .grants
            .iter()
            .filter_map(|g| match g.role {
                onetrip_domain::access::Role::Handler => Some("handler"),
                onetrip_domain::access::Role::Reviewer => Some("reviewer"),
                onetrip_domain::access::Role::Approver => Some("approver"),
                onetrip_domain::access::Role::WindowClerk => Some("window_clerk"),
                _ => None,
            })
            .map(String::from)
            .collect();
        let (mut claimable, mut external) = (Vec::new(), Vec::new());
        if !roles.is_empty() {
            let open = self
                .store
                .tasks(&TaskQuery {
                    departments: vec![org],
                    roles,
                    states: vec!["open".into(), "external".into()],
                    limit: 500,
                    ..TaskQuery::default()
                })
                .await?;
            let divisions = self.division_map().await?;
            for line in open {
                let permission = role_permission(&line.task.role);
                let scope = Scope {
                    division: &line.task.division,
                    matter: Some(&line.task.base_code),
                };
                if check(&signed.grants, permission, scope, &divisions).is_ok() {
                    let waits_outside = line.task.state == "external";
                    let shown = self.inbox_line(line).await?;
                    if waits_outside {
                        external.push(shown);
                    } else {
                        claimable.push(shown);
                    }
                }
            }
        }
        let held = self
            .store
            .tasks(&TaskQuery {
                claimed_by: Some(signed.account.id.clone()),
                states: vec!["claimed".into(), "correction".into()],
                limit: 500,
                ..TaskQuery::default()
            })
            .await?;
        let mut mine = Vec::new();
        for line in held {
            mine.push(self.inbox_line(line).await?);
        }
        Ok(Inbox {
            claimable,
            mine,
            external,
        })
    }

    pub(crate) async fn inbox_line(&self, line: TaskLine) -> Result<InboxLine, Error> {
        let found = self
            .store
            .implementation(&line.implementation_code, self.clock.today())
            .await?;
        let (matter, step_name) = match &found {
            Some(p) => (
                p.resolved.name.clone(),
                onetrip_domain::case::CaseDoc::flow(&p.resolved.content)
                    .steps
                    .iter()
                    .find(|s| s.id == line.task.step)
                    .map_or_else(|| line.task.step.clone(), |s| s.name.clone()),
            ),
            None => (line.implementation_code.clone(), line.task.step.clone()),
        };
        Ok(InboxLine {
            step_name,
            claimed_by: line.task.claimed_by,
            urgency: self.urgency_of(line.task.due_on),
            task_id: line.task.id,
            case_id: line.task.case_id,
            case_number: line.case_number,
            matter,
            step: line.task.step,
            state: line.task.state,
            due_on: line.task.due_on,
            escalated: line.task.escalated,
            received_on: line.received_on,
        })
    }

    /// The window's queue: cases of the matters `signed` accepts that wait for the window
    /// (to be accepted, concluded or handed out).
    pub async fn window_queue(
        &self,
        signed: &Signed,
    ) -> Result<Vec<onetrip_store::CaseLine>, Error> {
        if !signed.holds(Permission::AcceptApplication) {
            return Ok(Vec::new());
        }
        let scope = self.accept_scope(signed).await?;
        let departments = scope.departments();
        if departments.is_empty() {
            return Ok(Vec::new());
        }
        // Only the departments this window accepts for, before the limit: the province's
        // other waiting cases never crowd out this window's own.
        let lines = self
            .store
            .cases(&CaseQuery {
                departments,
                states: vec![
                    CaseState::Submitted,
                    CaseState::Incomplete,
                    CaseState::Decided,
                    CaseState::Concluded,
                ],
                limit: 500,
                ..CaseQuery::default()
            })
            .await?;
        Ok(lines
            .into_iter()
            .filter(|l| scope.allows(&l.department, &l.base_code, &l.division))
            .collect())
    }

    /// A case's journal, for staff who may see the case.
    pub async fn case_journal(&self, signed: &Signed, id: &str) -> Result<Vec<JournalView>, Error> {
        let (case, _) = self.case_for(signed, id).await?;
        self.journal_of(&case.id).await
    }

    /// A case's journal, with each actor's name.
    pub(crate) async fn journal_of(&self, case_id: &str) -> Result<Vec<JournalView>, Error> {
        let mut names = Names::default();
        let mut out = Vec::new();
        for (e, hash) in self.store.journal(case_id).await? {
            let actor_name = names.of(self, Some(&e.actor)).await?.unwrap_or_default();
            let colleague = match e.action.as_str() {
                "add_cosigner" | "hand_over" => names.of(self, Some(&e.note)).await?,
                _ => None,
            };
            out.push(JournalView {
                colleague,
                seq: e.seq,
                at: e.at,
                actor: e.actor,
                actor_name,
                action: e.action,
                before: e.before,
                after: e.after,
                task: e.task,
                note: e.note,
                hash,
            });
        }
        Ok(out)
    }
}

fn role_permission(role: &str) -> Permission {
    match role {
        "handler" => Permission::HandleCase,
        "reviewer" => Permission::ReviewCase,
        "approver" => Permission::ApproveCase,
        _ => Permission::AcceptApplication,
    }
}
