//! Authentication over HTTP: the session and device cookies, the client's address, CSRF
//! protection, and the route guard that checks each route's declared [`Access`]. Who may
//! sign in, and how, is `onetrip_app`'s; this is how a request carries it.

pub mod client;
pub mod cookies;
pub mod csrf;
pub mod guard;

pub use guard::Access;
