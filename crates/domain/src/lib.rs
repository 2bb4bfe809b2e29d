//! OneTrip domain: pure types and rules. No I/O, no async, no SQL.

pub mod catalog;
pub mod clock;
pub mod codes;
pub mod credit_code;
pub mod department;
pub mod division;
pub mod text;

pub use credit_code::CreditCode;
pub use division::{Division, DivisionCode, DivisionKind};
