//! Authentication rules: password policy and one-time codes. Hashing and sessions live in
//! the layers that do I/O; the rules here are pure.

pub mod lockout;
pub mod password_policy;
pub mod totp;

pub use lockout::{Attempt, LockPolicy, SourceRecord};
pub use password_policy::{PasswordError, PasswordPolicy, PasswordProfile};
pub use totp::TotpSecret;
