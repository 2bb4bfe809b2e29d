//! The accepted values of key fields, for the API document.

use utoipa::ToSchema;

/// A role key, as requests name roles (documentation of the accepted values).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RoleKey {
    WindowClerk,
    Handler,
    Reviewer,
    Approver,
    Supervisor,
    CatalogAdmin,
    SystemAdmin,
    SecurityAdmin,
    AuditAdmin,
}

/// A consent key (documentation of the accepted values).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ConsentKey {
    DataSharing,
    ElectronicDelivery,
    Notifications,
}

/// An identity document kind (documentation of the accepted values).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum DocumentKindKey {
    ResidentIdCard,
    HkMacaoResidencePermit,
    TaiwanResidencePermit,
    ForeignPermanentResidence,
    Passport,
}
