//! What a supervisor watches in their divisions: tasks escalated, overdue, nearing their
//! limit or unclaimed; cases whose promised limit is near or past; cases whose signed
//! commitments wait for their later check; and applications that needed more visits than
//! their guide promised.

use super::InboxLine;
use crate::{App, Error, Signed};
use chrono::NaiveDate;
use onetrip_domain::access::{check, Permission, Scope};
use onetrip_domain::case::CaseState;
use onetrip_store::{CaseLine, CaseQuery, TaskQuery};
use serde::Serialize;
use utoipa::ToSchema;

/// A case as the supervisor sees it in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseAttention {
    pub case_id: String,
    pub case_number: String,
    pub matter: String,
    pub state: String,
    /// The promised limit's last day.
    pub due_on: Option<NaiveDate>,
    /// `on_time`, `nearing`, `overdue` or `unknown`.
    pub urgency: String,
}

/// The supervisor's lists.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Supervision {
    /// Live tasks escalated, overdue, nearing, or unclaimed; escalated and late first.
    pub tasks: Vec<InboxLine>,
    /// Cases whose promised limit is near or past, latest first.
    pub cases: Vec<CaseAttention>,
    /// Cases accepted on signed commitments whose later check is still to be done.
    pub commitments: Vec<CaseAttention>,
    /// Cases whose applicant had to come more often than the guide promised.
    pub visits: Vec<CaseAttention>,
}

/// Cases read per list at most.
const LIST: usize = 2000;

impl App {
    /// The supervisor's lists, for the divisions and matters `signed` supervises.
    pub async fn supervision(&self, signed: &Signed) -> Result<Supervision, Error> {
        let tasks = self.supervised_tasks(signed).await?;
        let today = self.clock.today();
        let soon = self
            .store
            .cases(&CaseQuery {
                states: vec![CaseState::InProgress, CaseState::Decided],
                due_until: Some(today + chrono::Duration::days(14)),
                limit: LIST,
                ..CaseQuery::default()
            })
            .await?;
        let mut cases = Vec::new();
        for line in self.supervised(signed, soon).await? {
            let shown = self.attention(line).await?;
            if shown.urgency == "overdue" || shown.urgency == "nearing" {
                cases.push(shown);
            }
        }
        let pending = self
            .store
            .cases(&CaseQuery {
                commitment_pending: true,
                limit: LIST,
                ..CaseQuery::default()
            })
            .await?;
        let mut commitments = Vec::new();
        for line in self.supervised(signed, pending).await? {
            commitments.push(self.attention(line).await?);
        }
        let over = self
            .store
            .cases(&CaseQuery {
                visits_exceeded: true,
                limit: LIST,
                ..CaseQuery::default()
            })
            .await?;
        let mut visits = Vec::new();
        for line in self.supervised(signed, over).await? {
            visits.push(self.attention(line).await?);
        }
        Ok(Supervision {
            tasks,
            cases,
            commitments,
            visits,
        })
    }

    /// The lines of cases `signed` supervises.
    async fn supervised(
        &self,
        signed: &Signed,
        lines: Vec<CaseLine>,
    ) -> Result<Vec<CaseLine>, Error> {
        let divisions = self.division_map().await?;
        Ok(lines
            .into_iter()
            .filter(|l| {
                let scope = Scope {
                    division: &l.division,
                    matter: Some(&l.base_code),
                };
                check(&signed.grants, Permission::Supervise, scope, &divisions).is_ok()
            })
            .collect())
    }

    async fn attention(&self, line: CaseLine) -> Result<CaseAttention, Error> {
        let matter = self.in_force(&line.implementation_code).await?.map_or_else(
            || line.implementation_code.clone(),
            |p| p.resolved.name.clone(),
        );
        Ok(CaseAttention {
            urgency: self.urgency_of(line.due_on),
            case_id: line.id,
            case_number: line.number,
            matter,
            state: line.state.key().into(),
            due_on: line.due_on,
        })
    }

    /// For a supervisor: live tasks of their divisions that are escalated, overdue, nearing
    /// their limit, or unclaimed.
    async fn supervised_tasks(&self, signed: &Signed) -> Result<Vec<InboxLine>, Error> {
        let divisions = self.division_map().await?;
        let lines = self
            .store
            .tasks(&TaskQuery {
                limit: 2000,
                ..TaskQuery::default()
            })
            .await?;
        let mut out = Vec::new();
        for line in lines {
            let scope = Scope {
                division: &line.task.division,
                matter: Some(&line.task.base_code),
            };
            if check(&signed.grants, Permission::Supervise, scope, &divisions).is_ok() {
                out.push(self.inbox_line(line).await?);
            }
        }
        out.sort_by_key(|l| {
            (
                !l.escalated,
                l.urgency != "overdue",
                l.urgency != "nearing",
                l.due_on,
            )
        });
        Ok(out)
    }
}
