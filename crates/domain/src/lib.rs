//! OneTrip domain: pure types and rules. No I/O, no async, no SQL.

pub mod access;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod chain;
pub mod clock;
pub mod codes;
pub mod credit_code;
pub mod department;
pub mod division;
pub mod message;
pub mod person;
pub mod text;

pub use credit_code::CreditCode;
pub use division::{Division, DivisionCode, DivisionKind};
