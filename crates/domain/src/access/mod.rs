//! Who may do what: roles, grants over division subtrees, and the permission check.

pub mod administration;
pub mod delegation;
pub mod grant;
pub mod role;

pub use administration::{Administered, Administrator, Refusal};
pub use delegation::{may_accept, Acceptance, Delegation};
pub use grant::{admit, check, holds, Denied, Grant, GrantError, Scope};
pub use role::{Permission, Role};
