//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps), the
//! second factor every staff login needs. A code is accepted once: the caller stores the
//! step of the last accepted code and passes it back.

use hmac::{Hmac, Mac};
use sha1::Sha1;

const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;
/// Steps either side of now that are still accepted (clock drift of a phone).
const WINDOW: i64 = 1;

/// A TOTP secret (20 random bytes, as RFC 4226 recommends).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        TotpSecret(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Parses RFC 4648 base32 (upper case, no padding, spaces ignored).
    pub fn from_base32(s: &str) -> Option<TotpSecret> {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
        for c in s.bytes().filter(|c| *c != b' ') {
            let v = ALPHABET.iter().position(|a| *a == c)?;
            buffer = (buffer << 5) | u32::try_from(v).ok()?;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
            }
        }
        Some(TotpSecret(out))
    }

    /// RFC 4648 base32 without padding, as authenticator apps expect.
    pub fn to_base32(&self) -> String {
        base32(&self.0)
    }

    /// The code for a Unix time.
    pub fn code_at(&self, unix: i64) -> String {
        format!("{:06}", self.code_for_step(unix.div_euclid(STEP_SECONDS)))
    }

    fn code_for_step(&self, step: i64) -> u32 {
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&self.0) else {
            return u32::MAX;
        };
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[19] & 0x0f);
        let bin = u32::from_be_bytes([
            digest[offset] & 0x7f,
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]);
        bin % 10u32.pow(DIGITS)
    }

    /// Checks a code typed at `unix`. Returns the step it matched, which must be later
    /// than `last_used_step` (a code is never accepted twice).
    pub fn verify(&self, code: &str, unix: i64, last_used_step: Option<i64>) -> Option<i64> {
        let code = crate::text::normalize_ascii(code).replace(' ', "");
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let typed: u32 = code.parse().ok()?;
        let now = unix.div_euclid(STEP_SECONDS);
        (now - WINDOW..=now + WINDOW)
            .filter(|step| last_used_step.is_none_or(|last| *step > last))
            .find(|step| self.code_for_step(*step) == typed)
    }

    /// The `otpauth://` address an authenticator app reads from a QR code.
    pub fn provisioning_uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
            enc(issuer),
            enc(account),
            self.to_base32(),
            enc(issuer)
        )
    }
}

fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec())
    }

    #[test]
    fn rfc_6238_test_vectors() {
        // Appendix B, SHA1, truncated to 6 digits.
        let s = rfc_secret();
        assert_eq!(s.code_at(59), "287082");
        assert_eq!(s.code_at(1_111_111_109), "081804");
        assert_eq!(s.code_at(1_234_567_890), "005924");
        assert_eq!(s.code_at(2_000_000_000), "279037");
    }

    #[test]
    fn a_code_is_accepted_once_and_only_near_its_time() {
        let s = rfc_secret();
        let t = 1_234_567_890;
        let code = s.code_at(t);
        let step = s.verify(&code, t, None);
        assert_eq!(step, Some(t / 30));
        assert_eq!(s.verify(&code, t, step), None, "replay");
        assert_eq!(s.verify(&code, t + 30, None), Some(t / 30), "one step late");
        assert_eq!(s.verify(&code, t + 90, None), None, "too late");
        assert_eq!(s.verify("12345", t, None), None);
        assert_eq!(s.verify("abcdef", t, None), None);
    }

    #[test]
    fn base32_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(rfc_secret().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            TotpSecret::from_base32("GEZD GNBV GY3TQOJQGEZDGNBVGY3TQOJQ"),
            Some(rfc_secret())
        );
        assert_eq!(TotpSecret::from_base32("gezd"), None);
        let uri = rfc_secret().provisioning_uri("一次办", "clerk");
        assert!(uri.starts_with("otpauth://totp/%E4%B8%80"), "{uri}");
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        assert_eq!(format!("{:?}", rfc_secret()), "TotpSecret(..)");
    }
}
