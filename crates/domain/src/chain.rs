//! SM3 hash chains for append-only logs: the security audit log, and the case journal
//! that comes later. Each entry's hash covers the previous hash and the entry's canonical
//! bytes, so changing, reordering or removing an entry breaks every hash after it.

use sm3::{Digest as _, Sm3};

/// An SM3 digest.
pub type Hash = [u8; 32];

/// The "previous hash" of a chain's first entry.
pub const GENESIS: Hash = [0; 32];

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
