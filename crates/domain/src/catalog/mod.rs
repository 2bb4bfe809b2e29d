//! The service catalog: base matters (基本目录), their regional implementations (实施清单),
//! guides, forms and flows, and the rules that keep implementations narrower than their base.

pub mod check;
pub mod codes;
pub mod file;
pub mod flow;
pub mod form;
pub mod matter;
pub mod validate;

pub use codes::{CatalogCode, ImplementationCode};
pub use matter::{
    BaseMatter, Content, Implementation, Material, Overrides, ResolvedImplementation,
};
