//! Every storage operation, written once over a [`crate::sql::Conn`]: each runs the same
//! SQL text on SQLite and PostgreSQL. Grouped by what they keep.

pub(crate) mod accounts;
pub(crate) mod agency;
pub(crate) mod audit;
pub(crate) mod cases;
pub(crate) mod catalog;
pub(crate) mod grants;
pub(crate) mod journal;
pub(crate) mod keys;
pub(crate) mod online;
pub(crate) mod sessions;
