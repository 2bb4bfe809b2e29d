//! The case journal: every state change of a case, hash-chained per case (SM3), so that
//! cases never wait on each other; and checkpoints over all chains' heads, signed elsewhere,
//! so that rehashing a chain, dropping its last entries or deleting a whole case is caught
//! too. Entries refer to people and documents by id; they copy no personal data.

use crate::chain::{self, Hash};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use std::collections::BTreeMap;

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub case_id: String,
    /// 1, 2, 3… within the case.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// Account id, `system`, or a department system's token holder.
    pub actor: String,
    pub action: String,
    pub before: String,
    pub after: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    #[serde(default)]
    pub note: String,
}

impl JournalEntry {
    /// The bytes the hash covers: every field, length-prefixed, in a fixed order.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let at = self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let seq = self.seq.to_string();
        let fields: [&str; 9] = [
            &self.case_id,
            &seq,
            &at,
            &self.actor,
            &self.action,
            &self.before,
            &self.after,
            self.task.as_deref().unwrap_or(""),
            &self.note,
        ];
        let mut out = Vec::new();
        for f in fields {
            out.extend_from_slice(&(f.len() as u32).to_be_bytes());
            out.extend_from_slice(f.as_bytes());
        }
        out
    }

    /// Its hash after `prev` (the previous entry's, or zeros for the first).
    pub fn hash_after(&self, prev: &Hash) -> Hash {
        chain::link(prev, &self.canonical_bytes())
    }
}

/// A case's chain head: its last entry's number and hash.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Head {
    pub case_id: String,
    pub seq: i64,
    pub hash: String,
}

/// The digest a checkpoint signs: every head, by case id.
pub fn checkpoint_digest(heads: &[Head]) -> Hash {
    let mut sorted: Vec<&Head> = heads.iter().collect();
    sorted.sort();
    let mut h = Sm3::new();
    for head in sorted {
        for part in [head.case_id.as_str(), &head.seq.to_string(), &head.hash] {
            h.update((part.len() as u32).to_be_bytes());
            h.update(part.as_bytes());
        }
    }
    h.finalize().into()
}

/// A checkpoint's digest chained to the previous checkpoint's (hex, empty for the first):
/// removing or changing an earlier checkpoint breaks every later one.
pub fn chained_digest(previous: &str, heads: &[Head]) -> String {
    let mut h = Sm3::new();
    h.update(previous.as_bytes());
    h.update(checkpoint_digest(heads));
    chain::to_hex(&h.finalize().into())
}

/// Where a journal fails to verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Broken {
    /// An entry that does not match its hash or its predecessor, or is out of order.
    Entry { case_id: String, seq: i64 },
    /// The case's head names a later entry than the chain holds, or another hash.
    Head { case_id: String, seq: i64 },
    /// A checkpoint saw an entry the chain no longer holds as it was.
    Checkpoint { case_id: String, seq: i64 },
    /// A checkpoint saw a case that no longer exists.
    MissingCase { case_id: String },
    /// A checkpoint's signature does not verify.
    Signature { checkpoint: i64 },
}

/// Walks one case's entries (in their stored order) against the case's recorded head; the
/// hashes of every entry on the way, by sequence number, for checkpoint checks.
pub fn verify_case(
    case_id: &str,
    entries: &[(JournalEntry, String)],
    head: &Head,
) -> Result<BTreeMap<i64, String>, Broken> {
    let mut prev: Hash = [0; 32];
    let mut seen = BTreeMap::new();
    for (i, (entry, stored)) in entries.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        let hash = entry.hash_after(&prev);
        if entry.case_id != case_id || entry.seq != expected_seq || chain::to_hex(&hash) != *stored
        {
            return Err(Broken::Entry {
                case_id: case_id.to_string(),
                seq: expected_seq,
            });
        }
        seen.insert(entry.seq, stored.clone());
        prev = hash;
    }
    let last = i64::try_from(entries.len()).unwrap_or(i64::MAX);
    if head.seq != last || (last > 0 && seen.get(&last) != Some(&head.hash)) {
        return Err(Broken::Head {
            case_id: case_id.to_string(),
            seq: last + 1,
        });
    }
    Ok(seen)
}

/// Checks a checkpoint's heads against the chains as they verified: every case it saw
/// still exists and still holds the entry it saw, with the same hash.
pub fn verify_checkpoint(
    heads: &[Head],
    chains: &BTreeMap<String, BTreeMap<i64, String>>,
) -> Result<(), Broken> {
    for h in heads {
        let Some(chain) = chains.get(&h.case_id) else {
            return Err(Broken::MissingCase {
                case_id: h.case_id.clone(),
            });
        };
        if chain.get(&h.seq) != Some(&h.hash) {
            return Err(Broken::Checkpoint {
                case_id: h.case_id.clone(),
                seq: h.seq,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(case: &str, seq: i64, action: &str) -> JournalEntry {
        JournalEntry {
            case_id: case.into(),
            seq,
            at: chrono::DateTime::from_timestamp(1_772_000_000 + seq, 0).unwrap(),
            actor: "clerk".into(),
            action: action.into(),
            before: "submitted".into(),
            after: "in_progress".into(),
            task: None,
            note: String::new(),
        }
    }

    fn chained(case: &str, actions: &[&str]) -> (Vec<(JournalEntry, String)>, Head) {
        let mut prev = [0u8; 32];
        let mut out = Vec::new();
        for (i, a) in actions.iter().enumerate() {
            let e = entry(case, i as i64 + 1, a);
            let h = e.hash_after(&prev);
            out.push((e, chain::to_hex(&h)));
            prev = h;
        }
        let head = Head {
            case_id: case.into(),
            seq: out.len() as i64,
            hash: out.last().map(|(_, h)| h.clone()).unwrap_or_default(),
        };
        (out, head)
    }

    #[test]
    fn an_intact_chain_verifies_and_any_edit_is_named() {
        let (entries, head) = chained("c1", &["submit", "accept", "claim"]);
        let seen = verify_case("c1", &entries, &head).unwrap();
        assert_eq!(seen.len(), 3);

        let mut edited = entries.clone();
        edited[1].0.actor = "someone else".into();
        assert_eq!(
            verify_case("c1", &edited, &head),
            Err(Broken::Entry {
                case_id: "c1".into(),
                seq: 2
            })
        );

        let mut reordered = entries.clone();
        reordered.swap(1, 2);
        assert!(verify_case("c1", &reordered, &head).is_err());

        let dropped = entries[..2].to_vec();
        assert_eq!(
            verify_case("c1", &dropped, &head),
            Err(Broken::Head {
                case_id: "c1".into(),
                seq: 3
            })
        );
    }

    #[test]
    fn a_rehashed_chain_passes_alone_but_not_its_checkpoint() {
        let (_, head) = chained("c1", &["submit", "accept", "claim"]);
        let checkpoint = vec![head.clone()];
        let digest = checkpoint_digest(&checkpoint);
        // An attacker edits entry 2 and rehashes the rest, head included.
        let (rehashed, new_head) = chained("c1", &["submit", "refuse", "claim"]);
        let seen = verify_case("c1", &rehashed, &new_head).unwrap();
        let chains: BTreeMap<_, _> = [("c1".to_string(), seen)].into_iter().collect();
        assert_eq!(
            verify_checkpoint(&checkpoint, &chains),
            Err(Broken::Checkpoint {
                case_id: "c1".into(),
                seq: 3
            })
        );
        assert_eq!(
            checkpoint_digest(&checkpoint),
            digest,
            "the digest is stable"
        );
        assert_eq!(
            verify_checkpoint(&checkpoint, &BTreeMap::new()),
            Err(Broken::MissingCase {
                case_id: "c1".into()
            })
        );
    }
}
