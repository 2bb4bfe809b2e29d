//! SM3 hash chains for append-only logs: the security audit log, and the case journal
//! that comes later. Each entry's hash covers the previous hash and the entry's canonical
//! bytes, so changing, reordering or removing an entry breaks every hash after it.

use sm3::{Digest as _, Sm3};

/// An SM3 digest.
pub type Hash = [u8; 32];

/// The "previous hash" of a chain's first entry.
pub const GENESIS: Hash = [0; 32];

/// The SM3 digest of some content (a file's name in the object store).
pub fn digest(content: &[u8]) -> Hash {
    Sm3::digest(content).into()
}

/// The hash of an entry that follows `prev`.
pub fn link(prev: &Hash, payload: &[u8]) -> Hash {
    let mut h = Sm3::new();
    h.update(prev);
    h.update((payload.len() as u64).to_be_bytes());
    h.update(payload);
    h.finalize().into()
}

/// Checks a chain from its start. Returns the index of the first entry whose stored hash
/// does not match.
pub fn verify<'a>(entries: impl IntoIterator<Item = (&'a [u8], Hash)>) -> Result<(), usize> {
    let mut prev = GENESIS;
    for (i, (payload, stored)) in entries.into_iter().enumerate() {
        let expected = link(&prev, payload);
        if expected != stored {
            return Err(i);
        }
        prev = stored;
    }
    Ok(())
}

/// What walking a numbered chain from its start found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every entry matches its hash and its predecessor, and the head matches the last.
    Intact { entries: i64 },
    /// The first entry (by sequence number) that does not match: changed, reordered,
    /// missing, or cut off after the head moved on.
    Broken { at: i64 },
}

/// Walks a chain whose entries are numbered 1, 2, … in order, one entry at a time.
#[derive(Debug)]
pub struct ChainWalk {
    prev: Hash,
    next_seq: i64,
}

impl Default for ChainWalk {
    fn default() -> Self {
        ChainWalk {
            prev: GENESIS,
            next_seq: 1,
        }
    }
}

impl ChainWalk {
    /// Takes the next entry; `Err` with its sequence number when it breaks the chain.
    pub fn step(&mut self, seq: i64, payload: &[u8], stored_hex: &str) -> Result<(), i64> {
        let hash = link(&self.prev, payload);
        if seq != self.next_seq || to_hex(&hash) != stored_hex {
            return Err(seq);
        }
        self.prev = hash;
        self.next_seq += 1;
        Ok(())
    }

    /// The verdict once every entry was taken: the head must name the last entry's hash.
    pub fn finish(self, head_hex: &str) -> ChainCheck {
        if head_hex == to_hex(&self.prev) {
            ChainCheck::Intact {
                entries: self.next_seq - 1,
            }
        } else {
            ChainCheck::Broken { at: self.next_seq }
        }
    }
}

/// Lower-case hex.
pub fn to_hex(hash: &Hash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses lower- or upper-case hex of exactly 32 bytes.
pub fn from_hex(s: &str) -> Option<Hash> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_names_the_first_broken_entry() {
        let a = link(&GENESIS, b"a");
        let b = link(&a, b"b");
        let mut walk = ChainWalk::default();
        assert_eq!(walk.step(1, b"a", &to_hex(&a)), Ok(()));
        assert_eq!(walk.step(2, b"b", &to_hex(&b)), Ok(()));
        assert_eq!(walk.finish(&to_hex(&b)), ChainCheck::Intact { entries: 2 });
        let mut edited = ChainWalk::default();
        assert_eq!(edited.step(1, b"A", &to_hex(&a)), Err(1));
        let mut skipped = ChainWalk::default();
        assert_eq!(skipped.step(2, b"b", &to_hex(&b)), Err(2));
        let mut cut = ChainWalk::default();
        assert_eq!(cut.step(1, b"a", &to_hex(&a)), Ok(()));
        assert_eq!(
            cut.finish(&to_hex(&b)),
            ChainCheck::Broken { at: 2 },
            "the last entry is gone"
        );
    }

    #[test]
    fn sm3_of_abc_is_the_standard_value() {
        // GB/T 32905-2016, example 1.
        let d: Hash = Sm3::digest(b"abc").into();
        assert_eq!(
            to_hex(&d),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn any_change_is_found_at_its_entry() {
        let payloads: Vec<Vec<u8>> = (0..5).map(|i| format!("entry {i}").into_bytes()).collect();
        let mut hashes = Vec::new();
        let mut prev = GENESIS;
        for p in &payloads {
            prev = link(&prev, p);
            hashes.push(prev);
        }
        let pairs = |ps: &[Vec<u8>], hs: &[Hash]| -> Result<(), usize> {
            verify(ps.iter().map(Vec::as_slice).zip(hs.iter().copied()))
        };
        assert_eq!(pairs(&payloads, &hashes), Ok(()));

        let mut edited = payloads.clone();
        edited[2] = b"entry 2, edited".to_vec();
        assert_eq!(pairs(&edited, &hashes), Err(2));

        let mut dropped_p = payloads.clone();
        let mut dropped_h = hashes.clone();
        dropped_p.remove(1);
        dropped_h.remove(1);
        assert_eq!(pairs(&dropped_p, &dropped_h), Err(1));
    }

    #[test]
    fn hex_round_trips() {
        let h = link(&GENESIS, b"x");
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(from_hex("00"), None);
        assert_eq!(from_hex(&"zz".repeat(32)), None);
    }
}
