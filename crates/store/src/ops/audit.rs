//! [`AuditStore`]: the hash-chained, append-only security audit log. The head row's
//! update serializes concurrent appends.

use crate::sql::{all, one, Conn, Executor, Row, Value};
use crate::store::{run, SqlStore};
use crate::{AuditEntry, AuditFilter, AuditStore, StoreError};
use async_trait::async_trait;
use chrono::SubsecRound;
use onetrip_domain::audit::{AuditEvent, AuditRecord, Outcome};
use onetrip_domain::chain;

const COLUMNS: &str = "seq, at, actor, source, event, object, outcome, detail, hash";

fn entry(r: &dyn Row) -> Result<AuditEntry, StoreError> {
    let event = r.text("event")?;
    let outcome = r.text("outcome")?;
    Ok(AuditEntry {
        seq: r.int("seq")?,
        record: AuditRecord {
            at: r.time("at")?,
            actor: r.opt_text("actor")?,
            source: r.text("source")?,
            event: AuditEvent::from_key(&event)
                .ok_or_else(|| StoreError::Backend(format!("bad audit event {event}")))?,
            object: r.opt_text("object")?,
            outcome: Outcome::from_key(&outcome)
                .ok_or_else(|| StoreError::Backend(format!("bad audit outcome {outcome}")))?,
            detail: r.text("detail")?,
        },
        hash: r.text("hash")?,
    })
}

/// Appends one record to the chain, in the caller's transaction.
pub(crate) async fn append(
    c: &mut dyn Conn,
    mut record: AuditRecord,
) -> Result<AuditEntry, StoreError> {
    record.at = record.at.trunc_subsecs(6);
    let sql = "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash";
    let (seq, prev) = one(c, sql, &[], |r| Ok((r.int("seq")?, r.text("hash")?))).await?;
    let prev = chain::from_hex(&prev)
        .ok_or_else(|| StoreError::Backend("audit head hash is malformed".into()))?;
    let hash = chain::to_hex(&chain::link(&prev, &record.canonical_bytes()));
    let sql = "UPDATE audit_head SET hash = $1 WHERE id = 1";
    c.execute(sql, &[(&hash).into()]).await?;
    let sql = "INSERT INTO audit_log (seq, at, actor, source, event, object, outcome, detail,
        hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    let args = [
        seq.into(),
        record.at.into(),
        record.actor.as_deref().into(),
        (&record.source).into(),
        record.event.key().into(),
        record.object.as_deref().into(),
        record.outcome.key().into(),
        (&record.detail).into(),
        (&hash).into(),
    ];
    c.execute(sql, &args).await?;
    Ok(AuditEntry { seq, record, hash })
}

/// Newest first, filtered.
async fn entries(c: &mut dyn Conn, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
    let mut conds: Vec<(&str, Value<'_>)> = Vec::new();
    if let Some(t) = f.from {
        conds.push(("at >=", t.into()));
    }
    if let Some(t) = f.until {
        conds.push(("at <", t.into()));
    }
    if let Some(a) = &f.actor {
        conds.push(("actor =", a.into()));
    }
    if let Some(e) = f.event {
        conds.push(("event =", e.key().into()));
    }
    if let Some(o) = f.outcome {
        conds.push(("outcome =", o.key().into()));
    }
    if let Some(s) = f.before_seq {
        conds.push(("seq <", s.into()));
    }
    let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1");
    for (i, (cond, _)) in conds.iter().enumerate() {
        sql.push_str(&format!(" AND {cond} ${}", i + 1));
    }
    sql.push_str(&format!(
        " ORDER BY seq DESC LIMIT {}",
        f.limit.clamp(1, 10_000)
    ));
    let args: Vec<Value<'_>> = conds.into_iter().map(|(_, v)| v).collect();
    all(c, &sql, &args, entry).await
}

/// Walks the chain from its start.
async fn verify(c: &mut dyn Conn) -> Result<chain::ChainCheck, StoreError> {
    let mut walk = chain::ChainWalk::default();
    let mut broken = None;
    let sql = format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq");
    c.query(&sql, &[], &mut |r| {
        if broken.is_none() {
            let e = entry(r)?;
            if let Err(at) = walk.step(e.seq, &e.record.canonical_bytes(), &e.hash) {
                broken = Some(at);
            }
        }
        Ok(())
    })
    .await?;
    if let Some(at) = broken {
        return Ok(chain::ChainCheck::Broken { at });
    }
    let sql = "SELECT hash FROM audit_head WHERE id = 1";
    let head = one(c, sql, &[], |r| r.text("hash")).await?;
    Ok(walk.finish(&head))
}

#[async_trait]
impl<E: Executor> AuditStore for SqlStore<E> {
    async fn append_audit(&self, record: AuditRecord) -> Result<AuditEntry, StoreError> {
        run!(self.write, |c| { append(c, record).await })
    }

    async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let filter = filter.clone();
        run!(self.read, |c| { entries(c, &filter).await })
    }

    async fn verify_audit(&self) -> Result<chain::ChainCheck, StoreError> {
        run!(self.read, |c| { verify(c).await })
    }
}
