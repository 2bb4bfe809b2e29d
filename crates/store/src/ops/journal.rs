//! The case journal's reading, its signed checkpoints, and verifying the whole of it.

use crate::cases::{Checkpoint, CheckpointSigner, JournalCheck, SignatureCheck};
use crate::sql::{all, first, id, Conn, Row};
use crate::StoreError;
use chrono::{DateTime, SubsecRound, Utc};
use onetrip_domain::case::journal::{
    chained_digest, verify_case, verify_checkpoint, Broken, Head, JournalEntry,
};
use std::collections::BTreeMap;

fn entry(r: &dyn Row) -> Result<(JournalEntry, String), StoreError> {
    Ok((
        JournalEntry {
            case_id: r.id("case_id")?,
            seq: r.int("seq")?,
            at: r.time("at")?,
            actor: r.text("actor")?,
            action: r.text("action")?,
            before: r.text("before")?,
            after: r.text("after")?,
            task: r.opt_text("task")?,
            note: r.text("note")?,
        },
        r.text("hash")?,
    ))
}

/// A case's journal in its stored order.
pub(crate) async fn entries(
    c: &mut dyn Conn,
    case_id: &str,
) -> Result<Vec<(JournalEntry, String)>, StoreError> {
    let sql = "SELECT case_id, seq, at, actor, action, before, after, task, note, hash
        FROM case_journal WHERE case_id = $1 ORDER BY seq";
    all(c, sql, &[id(case_id)], entry).await
}

fn head(r: &dyn Row) -> Result<Head, StoreError> {
    Ok(Head {
        case_id: r.id("case_id")?,
        seq: r.int("seq")?,
        hash: r.text("hash")?,
    })
}

/// The last checkpoint: its id, time and digest.
async fn last(c: &mut dyn Conn) -> Result<Option<(i64, DateTime<Utc>, String)>, StoreError> {
    let sql = "SELECT id, at, digest FROM journal_checkpoint ORDER BY id DESC LIMIT 1";
    first(c, sql, &[], |r| {
        Ok((r.int("id")?, r.time("at")?, r.text("digest")?))
    })
    .await
}

/// Signs the heads of the cases changed since the last checkpoint.
pub(crate) async fn checkpoint(
    c: &mut dyn Conn,
    at: DateTime<Utc>,
    sign: &CheckpointSigner,
) -> Result<Option<Checkpoint>, StoreError> {
    let at = at.trunc_subsecs(6);
    let previous = last(c).await?;
    let since = previous.as_ref().map(|p| p.1);
    // Heads not yet signed, among cases changed since a margin before the last checkpoint
    // (a change stamped before it may have been written after it).
    let from = since.map(|s| s - chrono::Duration::minutes(10));
    let sql = "SELECT id AS case_id, journal_seq AS seq, journal_head AS hash FROM cases c
        WHERE ($1 IS NULL OR c.updated_at >= $2) AND NOT EXISTS (SELECT 1 FROM checkpoint_head h
          WHERE h.case_id = c.id AND h.seq = c.journal_seq) ORDER BY c.id";
    let args = [from.into(), from.into()];
    let heads = all(c, sql, &args, head).await?;
    if heads.is_empty() && previous.is_some() {
        return Ok(None);
    }
    let digest = chained_digest(previous.as_ref().map_or("", |p| p.2.as_str()), &heads);
    let (key_id, signature) = sign(digest.as_bytes()).map_err(StoreError::Backend)?;
    let n = previous.map_or(1, |p| p.0 + 1);
    let cases = i64::try_from(heads.len()).unwrap_or(i64::MAX);
    let sql = "INSERT INTO journal_checkpoint (id, at, since, cases, digest, key_id, signature)
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let hex: String = signature.iter().map(|b| format!("{b:02x}")).collect();
    let args = [
        n.into(),
        at.into(),
        since.into(),
        cases.into(),
        (&digest).into(),
        (&key_id).into(),
        (&hex).into(),
    ];
    c.execute(sql, &args).await?;
    let sql =
        "INSERT INTO checkpoint_head (checkpoint_id, case_id, seq, hash) VALUES ($1, $2, $3, $4)";
    for h in &heads {
        c.execute(
            sql,
            &[n.into(), id(&h.case_id), h.seq.into(), (&h.hash).into()],
        )
        .await?;
    }
    Ok(Some(Checkpoint {
        id: n,
        cases,
        digest,
    }))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| {
            s.get(2 * i..2 * i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect()
}

/// Walks every case's chain, then every checkpoint (its chained digest, signature and
/// heads); stops at the first thing that does not verify.
pub(crate) async fn verify(
    c: &mut dyn Conn,
    check: &SignatureCheck,
) -> Result<JournalCheck, StoreError> {
    let sql =
        "SELECT id AS case_id, journal_seq AS seq, journal_head AS hash FROM cases ORDER BY id";
    let heads = all(c, sql, &[], head).await?;
    let mut report = JournalCheck {
        cases: i64::try_from(heads.len()).unwrap_or(i64::MAX),
        entries: 0,
        checkpoints: 0,
        broken: None,
    };
    let mut chains = BTreeMap::new();
    for h in &heads {
        let chain = entries(c, &h.case_id).await?;
        report.entries += i64::try_from(chain.len()).unwrap_or(i64::MAX);
        match verify_case(&h.case_id, &chain, h) {
            Ok(seen) => {
                chains.insert(h.case_id.clone(), seen);
            }
            Err(b) => {
                report.broken = Some(b);
                return Ok(report);
            }
        }
    }
    let sql = "SELECT DISTINCT j.case_id FROM case_journal j
        WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = j.case_id) ORDER BY j.case_id";
    if let Some(orphan) = first(c, sql, &[], |r| r.id("case_id")).await? {
        report.broken = Some(Broken::MissingCase { case_id: orphan });
        return Ok(report);
    }
    let sql = "SELECT id, digest, key_id, signature FROM journal_checkpoint ORDER BY id";
    let checkpoints = all(c, sql, &[], |r| {
        Ok((
            r.int("id")?,
            r.text("digest")?,
            r.text("key_id")?,
            r.text("signature")?,
        ))
    })
    .await?;
    let mut previous = String::new();
    for (n, digest, key_id, signature) in checkpoints {
        let sql = "SELECT case_id, seq, hash FROM checkpoint_head WHERE checkpoint_id = $1 ORDER BY case_id";
        let heads = all(c, sql, &[n.into()], head).await?;
        let recomputed = chained_digest(&previous, &heads);
        if recomputed != digest || !check(&key_id, digest.as_bytes(), &unhex(&signature)) {
            report.broken = Some(Broken::Signature { checkpoint: n });
            return Ok(report);
        }
        if let Err(b) = verify_checkpoint(&heads, &chains) {
            report.broken = Some(b);
            return Ok(report);
        }
        report.checkpoints += 1;
        previous = digest;
    }
    Ok(report)
}
