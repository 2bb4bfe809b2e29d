//! Duties that come due by themselves: an online application nobody acted on for five
//! working days is accepted (《行政许可法》第三十二条); a case whose deferred materials did
//! not come by their date is terminated; a task past its limit goes to the supervisor; and
//! the journal's heads are signed in a checkpoint.

use crate::{App, Error};
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::case::law::{deemed_accepted, NOTICE_DAYS};
use onetrip_domain::case::lifecycle::{Ctx, Transition};
use onetrip_domain::case::CaseState;
use onetrip_domain::case::{CaseDoc, CaseError};
use onetrip_store::{CaseLine, CaseQuery, Checkpoint, JournalCheck, TaskQuery};
use std::collections::BTreeSet;

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub deemed_accepted: usize,
    pub terminated: usize,
    pub escalated: usize,
    /// Cases whose unknown last days could be counted with a year the calendar gained.
    pub limits_counted: usize,
}

/// Cases read per duty and sweep at most (the rest come at the next sweep).
const BATCH: usize = 1000;

/// The states in which a case still runs against its limits.
const OPEN: [CaseState; 3] = [
    CaseState::InProgress,
    CaseState::Correction,
    CaseState::Decided,
];

/// One case a duty could not do: logged, and the sweep goes on with the others.
fn failed(number: &str, duty: &str, e: &Error) {
    tracing::warn!(case = number, duty, error = ?e, "case duty failed; trying again at the next sweep");
}

impl App {
    /// Runs every duty due today.
    pub async fn sweep(&self) -> Result<SweepReport, Error> {
        if self.reload_calendar().await? {
            tracing::info!(years = ?self.cases.calendar().years(), "working calendar reloaded");
        }
        let today = self.clock.today();
        let mut report = SweepReport::default();
        if self.cases.take_recount() {
            report.limits_counted = self.settle_limits().await?;
        }
        let cal = self.cases.calendar();
        let waiting = self
            .store
            .cases(&CaseQuery {
                states: vec![CaseState::Submitted],
                channels: vec!["online".into()],
                received_until: Some(today - chrono::Duration::days(i64::from(NOTICE_DAYS))),
                limit: BATCH,
                ..CaseQuery::default()
            })
            .await?;
        let due: Vec<CaseLine> = waiting
            .into_iter()
            .filter(|l| matches!(deemed_accepted(l.received_on, today, &cal), Ok(Some(_))))
            .collect();
        report.deemed_accepted = self
            .each_case(due, "deemed acceptance", false, |doc, ctx, ids| {
                doc.deem_accepted(ctx, ids)
            })
            .await?;
        let expired = self
            .store
            .cases(&CaseQuery {
                states: OPEN.to_vec(),
                deficiency_before: Some(today),
                limit: BATCH,
                ..CaseQuery::default()
            })
            .await?;
        report.terminated = self
            .each_case(expired, "deficiency expiry", false, |doc, ctx, _| {
                doc.deficiency_expired(ctx.today)
            })
            .await?;
        let overdue = self
            .store
            .tasks(&TaskQuery {
                overdue_on: Some(today),
                limit: BATCH,
                ..TaskQuery::default()
            })
            .await?;
        let cases: BTreeSet<String> = overdue.into_iter().map(|l| l.task.case_id).collect();
        for id in cases {
            let Some(case) = self.store.case(&id).await? else {
                continue;
            };
            let acted = self
                .apply(case, "system", 0, |doc, ctx, _| {
                    let before = doc.state;
                    let ids = doc.escalate(ctx);
                    if ids.is_empty() {
                        return Err(onetrip_domain::case::CaseError::WrongState(before));
                    }
                    Ok(onetrip_domain::case::lifecycle::Transition {
                        action: "escalate",
                        before,
                        after: doc.state,
                        task: ids.first().cloned(),
                        note: ids.join(" "),
                    })
                })
                .await;
            if acted.is_ok() {
                report.escalated += 1;
            }
        }
        Ok(report)
    }

    /// Counts the last days that were unknown for want of a year's calendar, now that the
    /// calendar may have it; the cases changed.
    async fn settle_limits(&self) -> Result<usize, Error> {
        let unknown = self
            .store
            .cases(&CaseQuery {
                states: OPEN.to_vec(),
                limits_unknown: true,
                limit: BATCH,
                ..CaseQuery::default()
            })
            .await?;
        if unknown.len() == BATCH {
            // More than one batch: the next sweep counts on.
            self.cases.recount_later();
        }
        // A conflict is a year still unknown: nothing to count yet.
        self.each_case(unknown, "counting limits", true, |doc, ctx, _| {
            doc.settle_limits(ctx.cal)
        })
        .await
    }

    /// Applies `rule` to each case as the system; the cases changed. A case the rule fails
    /// for is logged (not when `conflicts_expected` and the failure is a conflict) and the
    /// others go on.
    async fn each_case<F>(
        &self,
        lines: Vec<CaseLine>,
        duty: &str,
        conflicts_expected: bool,
        rule: F,
    ) -> Result<usize, Error>
    where
        F: Fn(&mut CaseDoc, &Ctx<'_>, &mut dyn FnMut() -> String) -> Result<Transition, CaseError>,
    {
        let mut changed = 0;
        for line in lines {
            let Some(case) = self.store.case(&line.id).await? else {
                continue;
            };
            match self.apply(case, "system", 0, &rule).await {
                Ok(_) => changed += 1,
                Err(Error::Conflict { .. }) if conflicts_expected => {}
                Err(e) => failed(&line.number, duty, &e),
            }
        }
        Ok(changed)
    }

    /// Signs a checkpoint of every case's journal head changed since the last one.
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>, Error> {
        let signer = self.security.signer.clone();
        let sign: onetrip_store::CheckpointSigner = Box::new(move |digest: &[u8]| {
            signer
                .sign(digest)
                .map(|s| (signer.key_id(), s))
                .map_err(|e| e.to_string())
        });
        let made = self.store.checkpoint(self.clock.now(), sign).await?;
        if let Some(c) = &made {
            let record = AuditRecord {
                at: self.clock.now(),
                actor: Some("system".into()),
                source: "console".into(),
                event: AuditEvent::JournalCheckpointed,
                object: Some(c.id.to_string()),
                outcome: Outcome::Success,
                detail: format!("{} cases", c.cases),
            };
            self.store.append_audit(record).await?;
        }
        Ok(made)
    }

    /// Verifies every case's journal and every checkpoint against this key file's public
    /// key.
    pub async fn verify_journal(&self) -> Result<JournalCheck, Error> {
        let (key_id, public) = (
            self.security.signer.key_id(),
            self.security.signer.public_key(),
        );
        let check: onetrip_store::SignatureCheck = Box::new(move |id, digest, signature| {
            id == key_id && onetrip_vault::signing::verify(&public, digest, signature)
        });
        Ok(self.store.verify_journal(check).await?)
    }
}

impl App {
    /// Runs the duties in the background: a sweep every `sweep_every` and a checkpoint every
    /// `checkpoint_every`, the first of each at once. A failed run is logged and tried again
    /// at the next tick.
    pub fn spawn_duties(
        &self,
        sweep_every: std::time::Duration,
        checkpoint_every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut sweep = tokio::time::interval(sweep_every);
            let mut checkpoint = tokio::time::interval(checkpoint_every);
            sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            checkpoint.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = sweep.tick() => match app.sweep().await {
                        Ok(r) if r != SweepReport::default() => tracing::info!(
                            deemed_accepted = r.deemed_accepted,
                            terminated = r.terminated,
                            escalated = r.escalated,
                            limits_counted = r.limits_counted,
                            "case duties done"
                        ),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = ?e, "case duties failed; trying again at the next tick"),
                    },
                    _ = checkpoint.tick() => match app.checkpoint().await {
                        Ok(Some(c)) => tracing::info!(cases = c.cases, "journal checkpoint signed"),
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = ?e, "journal checkpoint failed; trying again at the next tick"),
                    },
                }
            }
        })
    }
}
