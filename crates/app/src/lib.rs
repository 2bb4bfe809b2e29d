//! OneTrip's use cases, shared by every face (pages, the JSON API, the CLI). Each is a
//! method taking the acting party and typed input, returning typed output or an [`Error`]
//! whose message exists in all three interface languages. Rules live in the domain; this
//! layer checks who may act, calls the rules, stores the result and journals it.

pub mod account;
pub mod agency;
pub mod audit;
pub mod cases;
pub mod catalog;
pub mod demo;
pub mod demo_hall;
mod error;
pub mod fresh;
pub mod i18n;
pub mod keys;
pub mod limit;
pub mod login;
pub mod oidc;
pub mod people;
pub mod principal;
pub mod register;
pub mod security;
pub mod session;
pub mod staff;

pub use error::{Error, OnField};
pub use principal::Signed;
pub use security::{AuthConfig, Security, SecurityError};

use onetrip_domain::clock::Clock;
use onetrip_store::{Objects, SharedStore};
use std::sync::Arc;

/// The system's clock, which the faces hand the use cases (tests hand them another).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}

/// The use cases over one store, clock and set of keys.
#[derive(Clone)]
pub struct App {
    pub store: SharedStore,
    pub clock: Arc<dyn Clock>,
    pub security: Arc<Security>,
    pub cases: Arc<cases::CaseRuntime>,
    /// Where uploaded files are kept.
    pub objects: Objects,
}

impl App {
    /// The use cases of node 1 (the case-number node of a single-process installation).
    pub fn new(
        store: SharedStore,
        clock: Arc<dyn Clock>,
        security: Arc<Security>,
        objects: Objects,
    ) -> App {
        App::on_node(store, clock, security, objects, 1)
    }

    /// The use cases of one node of several writing cases to one database.
    pub fn on_node(
        store: SharedStore,
        clock: Arc<dyn Clock>,
        security: Arc<Security>,
        objects: Objects,
        node: u16,
    ) -> App {
        App {
            store,
            clock,
            security,
            cases: Arc::new(cases::CaseRuntime::new(node)),
            objects,
        }
    }
}
