//! [`CaseStore`]: applications and cases, their tasks and journal entries. A case changes
//! only at the version it was read at; its journal entry is written in the same
//! transaction.

use crate::cases::*;
use crate::sql::{all, first, id, json, json_of, opt_id, Conn, Executor, Row, Value};
use crate::store::{run, SqlStore};
use crate::{Conflict, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use onetrip_domain::audit::AuditRecord;
use onetrip_domain::calendar::CalendarYear;
use onetrip_domain::case::journal::JournalEntry;
use onetrip_domain::case::CaseState;

const CASE: &str = "c.id AS c_id, c.number AS c_number, c.application_id AS c_application_id,
    c.implementation_code AS c_implementation_code,
    c.implementation_version AS c_implementation_version, c.base_code AS c_base_code,
    c.department AS c_department, c.division AS c_division, c.channel AS c_channel,
    c.state AS c_state, c.received_on AS c_received_on, c.due_on AS c_due_on,
    c.version AS c_version, c.journal_seq AS c_journal_seq, c.journal_head AS c_journal_head,
    c.form AS c_form, CAST(c.document AS TEXT) AS c_document, c.created_at AS c_created_at,
    c.updated_at AS c_updated_at";

fn state(r: &dyn Row, col: &str) -> Result<CaseState, StoreError> {
    let key = r.text(col)?;
    CaseState::from_key(&key).ok_or_else(|| StoreError::Backend(format!("bad case state {key}")))
}

fn case(r: &dyn Row) -> Result<StoredCase, StoreError> {
    Ok(StoredCase {
        id: r.id("c_id")?,
        number: r.text("c_number")?,
        application_id: r.id("c_application_id")?,
        implementation_code: r.text("c_implementation_code")?,
        implementation_version: r.int("c_implementation_version")?,
        base_code: r.text("c_base_code")?,
        department: r.text("c_department")?,
        division: r.text("c_division")?,
        channel: r.text("c_channel")?,
        state: state(r, "c_state")?,
        received_on: r.date("c_received_on")?,
        due_on: r.opt_date("c_due_on")?,
        version: r.int("c_version")?,
        journal_seq: r.int("c_journal_seq")?,
        journal_head: r.text("c_journal_head")?,
        form: r.text("c_form")?,
        doc: json_of(r, "c_document")?,
        created_at: r.time("c_created_at")?,
        updated_at: r.time("c_updated_at")?,
    })
}

/// Appends a journal entry (the case row's head is updated by the caller).
async fn journal(c: &mut dyn Conn, e: &JournalEntry, hash: &str) -> Result<(), StoreError> {
    let sql = "INSERT INTO case_journal (case_id, seq, at, actor, action, before, after, task,
        note, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    let args = [
        id(&e.case_id),
        e.seq.into(),
        e.at.trunc_subsecs(6).into(),
        (&e.actor).into(),
        (&e.action).into(),
        (&e.before).into(),
        (&e.after).into(),
        e.task.as_deref().into(),
        (&e.note).into(),
        hash.into(),
    ];
    c.execute(sql, &args).await?;
    Ok(())
}

/// Inserts or updates task rows.
async fn tasks(c: &mut dyn Conn, rows: &[TaskRow]) -> Result<(), StoreError> {
    let sql = "INSERT INTO task (id, case_id, step, role, department, division, base_code,
        state, claimed_by, due_on, escalated, opened_on)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (id) DO UPDATE SET state = excluded.state,
          claimed_by = excluded.claimed_by, due_on = excluded.due_on,
          escalated = excluded.escalated";
    for t in rows {
        let args = [
            id(&t.id),
            id(&t.case_id),
            (&t.step).into(),
            (&t.role).into(),
            (&t.department).into(),
            (&t.division).into(),
            (&t.base_code).into(),
            (&t.state).into(),
            t.claimed_by.as_deref().into(),
            t.due_on.into(),
            t.escalated.into(),
            t.opened_on.into(),
        ];
        c.execute(sql, &args).await?;
    }
    Ok(())
}

async fn insert_application(c: &mut dyn Conn, a: &NewApplication) -> Result<(), StoreError> {
    let sql = "INSERT INTO application (id, submitted_by, applicant_id, organization,
        representation_id, channel, place, idempotency_key, document, visits, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    let doc = a.document.to_string();
    let args = [
        id(&a.id),
        (&a.submitted_by).into(),
        opt_id(a.applicant_id.as_deref()),
        a.organization.as_deref().into(),
        opt_id(a.representation_id.as_deref()),
        (&a.channel).into(),
        a.place.as_deref().into(),
        a.idempotency_key.as_deref().into(),
        json(&doc),
        a.visits.into(),
        a.at.trunc_subsecs(6).into(),
    ];
    c.execute(sql, &args).await?;
    Ok(())
}

async fn insert_case(
    c: &mut dyn Conn,
    app: &str,
    k: &NewCase,
    doc: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO cases (id, number, application_id, implementation_code,
        implementation_version, base_code, department, division, channel, state, received_on,
        due_on, deficiency_due, commitment_pending, limits_unknown, version, journal_seq,
        journal_head, form, document, created_at, updated_at, visits_allowed)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, $17,
        $18, $19, $20, $21, $22)";
    let at = at.trunc_subsecs(6);
    let args = [
        id(&k.id),
        (&k.number).into(),
        id(app),
        (&k.implementation_code).into(),
        k.implementation_version.into(),
        (&k.base_code).into(),
        (&k.department).into(),
        (&k.division).into(),
        (&k.channel).into(),
        k.doc.state.key().into(),
        k.doc.received_on.into(),
        k.due_on.into(),
        k.doc.deficiency.as_ref().map(|d| d.due).into(),
        k.doc.commitment_pending().into(),
        k.doc.limits_unknown().into(),
        k.journal.seq.into(),
        (&k.hash).into(),
        (&k.form).into(),
        json(doc),
        at.into(),
        at.into(),
        k.visits_allowed.into(),
    ];
    c.execute(sql, &args).await?;
    tasks(c, &k.tasks).await?;
    journal(c, &k.journal, &k.hash).await
}

/// The application a submitter's idempotency key already names, if any.
async fn existing(
    c: &mut dyn Conn,
    submitted_by: &str,
    key: Option<&str>,
) -> Result<Option<String>, StoreError> {
    let Some(key) = key else {
        return Ok(None);
    };
    let sql = "SELECT id FROM application WHERE submitted_by = $1 AND idempotency_key = $2";
    first(c, sql, &[submitted_by.into(), key.into()], |r| r.id("id")).await
}

fn task_line(r: &dyn Row) -> Result<TaskLine, StoreError> {
    Ok(TaskLine {
        task: TaskRow {
            id: r.id("id")?,
            case_id: r.id("case_id")?,
            step: r.text("step")?,
            role: r.text("role")?,
            department: r.text("department")?,
            division: r.text("division")?,
            base_code: r.text("base_code")?,
            state: r.text("state")?,
            claimed_by: r.opt_text("claimed_by")?,
            due_on: r.opt_date("due_on")?,
            escalated: r.bool("escalated")?,
            opened_on: r.date("opened_on")?,
        },
        case_number: r.text("number")?,
        case_state: state(r, "case_state")?,
        implementation_code: r.text("implementation_code")?,
        received_on: r.date("received_on")?,
    })
}

/// `AND col IN ($n, $n+1, …)` for a list of values, numbering from `next`.
fn any_of(col: &str, n: usize, next: &mut usize) -> String {
    let marks: Vec<String> = (0..n).map(|i| format!("${}", *next + i)).collect();
    *next += n;
    format!(" AND {col} IN ({})", marks.join(", "))
}

#[async_trait]
impl<E: Executor> CaseStore for SqlStore<E> {
    async fn submit(
        &self,
        app: NewApplication,
        cases: Vec<NewCase>,
    ) -> Result<(String, bool), StoreError> {
        // Serialized here, not on the single writer thread.
        let docs = cases
            .iter()
            .map(|k| serde_json::to_string(&k.doc))
            .collect::<Result<Vec<_>, _>>()?;
        let (by, key) = (app.submitted_by.clone(), app.idempotency_key.clone());
        let stored = run!(self.write, |c| {
            if let Some(id) = existing(c, &app.submitted_by, app.idempotency_key.as_deref()).await?
            {
                return Ok((id, true));
            }
            insert_application(c, &app).await?;
            for (k, doc) in cases.iter().zip(&docs) {
                insert_case(c, &app.id, k, doc, app.at).await?;
            }
            if let (Some(draft), Some(first)) = (&app.draft_id, cases.first()) {
                super::online::draft_submitted(c, draft, &first.id).await?;
            }
            Ok((app.id.clone(), false))
        });
        match stored {
            // A retry that raced the first request (PostgreSQL's transactions run side by
            // side): the first one's application is the answer.
            Err(StoreError::Conflict(conflict)) if key.is_some() => {
                let found = run!(self.point, |c| { existing(c, &by, key.as_deref()).await })?;
                found
                    .map(|id| (id, true))
                    .ok_or(StoreError::Conflict(conflict))
            }
            other => other,
        }
    }

    async fn application(&self, key: &str) -> Result<Option<StoredApplication>, StoreError> {
        let key = key.to_owned();
        run!(self.point, |c| {
            let sql = "SELECT id, submitted_by, applicant_id, organization, representation_id,
                channel, place, CAST(document AS TEXT) AS document, visits, created_at
                FROM application WHERE id = $1";
            first(c, sql, &[id(&key)], |r| {
                Ok(StoredApplication {
                    id: r.id("id")?,
                    submitted_by: r.text("submitted_by")?,
                    applicant_id: r.opt_id("applicant_id")?,
                    organization: r.opt_text("organization")?,
                    representation_id: r.opt_id("representation_id")?,
                    channel: r.text("channel")?,
                    place: r.opt_text("place")?,
                    document: json_of(r, "document")?,
                    visits: r.int("visits")?,
                    created_at: r.time("created_at")?,
                })
            })
            .await
        })
    }

    async fn case(&self, key: &str) -> Result<Option<StoredCase>, StoreError> {
        let key = key.to_owned();
        run!(self.point, |c| {
            let sql = format!("SELECT {CASE} FROM cases c WHERE c.id = $1");
            first(c, &sql, &[id(&key)], case).await
        })
    }

    async fn case_by_number(&self, number: &str) -> Result<Option<StoredCase>, StoreError> {
        let number = number.to_owned();
        run!(self.point, |c| {
            let sql = format!("SELECT {CASE} FROM cases c WHERE c.number = $1");
            first(c, &sql, &[(&number).into()], case).await
        })
    }

    async fn cases_of_application(&self, key: &str) -> Result<Vec<StoredCase>, StoreError> {
        let key = key.to_owned();
        run!(self.point, |c| {
            let sql =
                format!("SELECT {CASE} FROM cases c WHERE c.application_id = $1 ORDER BY c.number");
            all(c, &sql, &[id(&key)], case).await
        })
    }

    async fn change_case(&self, k: CaseChange) -> Result<(), StoreError> {
        let doc = serde_json::to_string(&k.doc)?;
        run!(self.write, |c| {
            let sql = "UPDATE cases SET state = $1, received_on = $2, due_on = $3,
                deficiency_due = $4, commitment_pending = $5, limits_unknown = $6, document = $7,
                form = COALESCE($8, form), version = version + 1, journal_seq = $9,
                journal_head = $10, updated_at = $11 WHERE id = $12 AND version = $13";
            let args = [
                k.doc.state.key().into(),
                k.doc.received_on.into(),
                k.due_on.into(),
                k.doc.deficiency.as_ref().map(|d| d.due).into(),
                k.doc.commitment_pending().into(),
                k.doc.limits_unknown().into(),
                json(&doc),
                k.form.as_deref().into(),
                k.journal.seq.into(),
                (&k.hash).into(),
                k.journal.at.trunc_subsecs(6).into(),
                id(&k.case_id),
                k.expected_version.into(),
            ];
            if c.execute(sql, &args).await? == 0 {
                return Err(StoreError::Conflict(Conflict::Stale));
            }
            tasks(c, &k.tasks).await?;
            journal(c, &k.journal, &k.hash).await?;
            if k.visits != 0 {
                let sql = "UPDATE application SET visits = visits + $1
                    WHERE id = (SELECT application_id FROM cases WHERE id = $2)";
                c.execute(sql, &[k.visits.into(), id(&k.case_id)]).await?;
            }
            Ok(())
        })
    }

    async fn tasks(&self, q: &TaskQuery) -> Result<Vec<TaskLine>, StoreError> {
        let q = q.clone();
        run!(self.read, |c| {
            let mut sql = "SELECT t.id, t.case_id, t.step, t.role, t.department, t.division,
                t.base_code, t.state, t.claimed_by, t.due_on, t.escalated, t.opened_on,
                c.number, c.state AS case_state, c.implementation_code, c.received_on
                FROM task t JOIN cases c ON c.id = t.case_id WHERE 1 = 1"
                .to_string();
            let live = ["open", "claimed", "external", "correction"].map(String::from);
            let states = if q.states.is_empty() {
                &live[..]
            } else {
                &q.states[..]
            };
            let mut args: Vec<Value<'_>> = Vec::new();
            let mut next = 1;
            sql += &any_of("t.state", states.len(), &mut next);
            args.extend(states.iter().map(Value::from));
            if !q.departments.is_empty() {
                sql += &any_of("t.department", q.departments.len(), &mut next);
                args.extend(q.departments.iter().map(Value::from));
            }
            if !q.roles.is_empty() {
                sql += &any_of("t.role", q.roles.len(), &mut next);
                args.extend(q.roles.iter().map(Value::from));
            }
            if let Some(holder) = &q.claimed_by {
                sql += &format!(" AND t.claimed_by = ${next}");
                next += 1;
                args.push(holder.into());
            }
            if q.escalated_only {
                sql += " AND t.escalated = TRUE";
            }
            if let Some(day) = q.overdue_on {
                sql += &format!(" AND t.due_on < ${next} AND t.escalated = FALSE");
                args.push(day.into());
            }
            sql += &format!(
                " ORDER BY t.due_on, t.opened_on LIMIT {}",
                q.limit.clamp(1, 10_000)
            );
            all(c, &sql, &args, task_line).await
        })
    }

    async fn cases(&self, q: &CaseQuery) -> Result<Vec<CaseLine>, StoreError> {
        let q = q.clone();
        run!(self.read, |c| {
            let mut sql = "SELECT id, number, implementation_code, base_code, department,
                division, channel, state, received_on, due_on, version, updated_at FROM cases WHERE 1 = 1"
                .to_string();
            let states: Vec<String> = q.states.iter().map(|s| s.key().to_string()).collect();
            let mut args: Vec<Value<'_>> = Vec::new();
            let mut next = 1;
            for (col, values) in [
                ("state", &states),
                ("department", &q.departments),
                ("channel", &q.channels),
            ] {
                if !values.is_empty() {
                    sql += &any_of(col, values.len(), &mut next);
                    args.extend(values.iter().map(Value::from));
                }
            }
            if let Some(party) = &q.party {
                sql += &format!(
                    " AND application_id IN (SELECT id FROM application
                        WHERE applicant_id = ${next} OR submitted_by = ${})",
                    next + 1
                );
                next += 2;
                args.push(id(party));
                args.push(party.into());
            }
            if let Some(until) = q.received_until {
                sql += &format!(" AND received_on <= ${next}");
                next += 1;
                args.push(until.into());
            }
            if let Some(before) = q.deficiency_before {
                sql += &format!(" AND deficiency_due < ${next}");
                next += 1;
                args.push(before.into());
            }
            if let Some(until) = q.due_until {
                sql += &format!(" AND due_on <= ${next}");
                args.push(until.into());
            }
            if q.commitment_pending {
                sql += " AND commitment_pending";
            }
            if q.limits_unknown {
                sql += " AND limits_unknown";
            }
            if q.visits_exceeded {
                sql += " AND visits_allowed < (SELECT a.visits FROM application a
                    WHERE a.id = cases.application_id)";
            }
            sql += &format!(
                " ORDER BY due_on, number LIMIT {}",
                q.limit.clamp(1, 10_000)
            );
            all(c, &sql, &args, |r| {
                Ok(CaseLine {
                    id: r.id("id")?,
                    number: r.text("number")?,
                    implementation_code: r.text("implementation_code")?,
                    base_code: r.text("base_code")?,
                    department: r.text("department")?,
                    division: r.text("division")?,
                    channel: r.text("channel")?,
                    state: state(r, "state")?,
                    received_on: r.date("received_on")?,
                    due_on: r.opt_date("due_on")?,
                    version: r.int("version")?,
                    updated_at: r.time("updated_at")?,
                })
            })
            .await
        })
    }

    async fn journal(&self, case_id: &str) -> Result<Vec<(JournalEntry, String)>, StoreError> {
        let key = case_id.to_owned();
        run!(self.point, |c| { super::journal::entries(c, &key).await })
    }

    async fn last_case_number(&self, prefix: &str) -> Result<Option<String>, StoreError> {
        let prefix = prefix.to_owned();
        run!(self.point, |c| {
            let sql = "SELECT MAX(number) AS n FROM cases WHERE number >= $1 AND number < $2";
            let upper = format!("{prefix}~");
            let args = [(&prefix).into(), (&upper).into()];
            Ok(first(c, sql, &args, |r| r.opt_text("n")).await?.flatten())
        })
    }

    async fn calendar(&self) -> Result<Vec<CalendarYear>, StoreError> {
        run!(self.read, |c| {
            let sql = "SELECT CAST(document AS TEXT) AS document FROM calendar_year ORDER BY year";
            all(c, sql, &[], |r| json_of(r, "document")).await
        })
    }

    async fn import_calendar(
        &self,
        years: Vec<CalendarYear>,
        at: DateTime<Utc>,
        audit: AuditRecord,
    ) -> Result<(), StoreError> {
        run!(self.write, |c| {
            let sql = "INSERT INTO calendar_year (year, notice, document, imported_at)
                VALUES ($1, $2, $3, $4) ON CONFLICT (year) DO UPDATE SET notice = excluded.notice,
                  document = excluded.document, imported_at = excluded.imported_at";
            for y in &years {
                let doc = serde_json::to_string(y)?;
                let args = [
                    i64::from(y.year).into(),
                    (&y.notice).into(),
                    json(&doc),
                    at.into(),
                ];
                c.execute(sql, &args).await?;
            }
            super::audit::append(c, audit).await?;
            Ok(())
        })
    }

    async fn checkpoint(
        &self,
        at: DateTime<Utc>,
        sign: CheckpointSigner,
    ) -> Result<Option<Checkpoint>, StoreError> {
        run!(self.write, |c| {
            super::journal::checkpoint(c, at, &sign).await
        })
    }

    async fn verify_journal(&self, check: SignatureCheck) -> Result<JournalCheck, StoreError> {
        run!(self.read, |c| { super::journal::verify(c, &check).await })
    }
}
