//! Staff roles and what each permits.

use serde::{Deserialize, Serialize};

/// A role held by a staff account through a [`crate::access::Grant`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 综合窗口: accepts applications for the matters delegated to the centre.
    WindowClerk,
    /// 经办.
    Handler,
    /// 复核.
    Reviewer,
    /// 审批.
    Approver,
    /// Supervision: reads cases and statistics in scope, handles complaints.
    Supervisor,
    /// Edits and publishes catalog entries in scope.
    CatalogAdmin,
    /// 系统管理员: configuration, backups, the calendar. Reads no audit record, grants no role.
    SystemAdmin,
    /// 安全管理员: staff accounts, grants and revocations, security settings.
    SecurityAdmin,
    /// 审计管理员: reads and exports the audit log, nothing else.
    AuditAdmin,
}

/// Something a staff member may do, checked on every route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    AcceptApplication,
    HandleCase,
    ReviewCase,
    ApproveCase,
    Supervise,
    EditCatalog,
    ManageSystem,
    ManageStaff,
    ReadAudit,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::WindowClerk,
        Role::Handler,
        Role::Reviewer,
        Role::Approver,
        Role::Supervisor,
        Role::CatalogAdmin,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::WindowClerk => "window_clerk",
            Role::Handler => "handler",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::Supervisor => "supervisor",
            Role::CatalogAdmin => "catalog_admin",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.key() == key)
    }

    /// One of the three administrators (三员): an account holds at most one of them.
    pub fn is_administrator(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }

    /// The one permission each role carries: roles do not overlap, so every grade of
    /// approval needs its own grant.
    pub fn permission(self) -> Permission {
        match self {
            Role::WindowClerk => Permission::AcceptApplication,
            Role::Handler => Permission::HandleCase,
            Role::Reviewer => Permission::ReviewCase,
            Role::Approver => Permission::ApproveCase,
            Role::Supervisor => Permission::Supervise,
            Role::CatalogAdmin => Permission::EditCatalog,
            Role::SystemAdmin => Permission::ManageSystem,
            Role::SecurityAdmin => Permission::ManageStaff,
            Role::AuditAdmin => Permission::ReadAudit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_permissions_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for r in Role::ALL {
            assert_eq!(Role::from_key(r.key()), Some(*r));
            assert!(seen.insert(r.permission()), "{r:?} shares a permission");
        }
        assert_eq!(Role::ALL.iter().filter(|r| r.is_administrator()).count(), 3);
    }
}
