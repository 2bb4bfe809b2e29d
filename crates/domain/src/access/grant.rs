//! Grants: a role held over a division subtree, optionally for listed matters; and the
//! rule that decides whether a set of grants permits an action on an object.

use crate::access::role::{Permission, Role};
use crate::division::{Division, DivisionCode};
use crate::message::{Explain, Message};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A role held by a staff account over a division and everything below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    /// GB/T 2260 code of the top of the subtree.
    pub division: DivisionCode,
    /// Base catalog codes this grant is limited to; empty means every matter.
    #[serde(default)]
    pub matters: Vec<String>,
    /// Whether the holder may see identity and phone numbers in full (each view is audited).
    #[serde(default)]
    pub unmask: bool,
}

/// Where an object lives, for a permission check.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub division: &'a str,
    /// The base matter concerned, if any.
    pub matter: Option<&'a str>,
}

/// Why a set of grants refuses an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// No grant carries the permission.
    NoRole,
    /// A grant carries it, but not over this division or matter.
    OutOfScope,
}

impl Grant {
    /// Whether this grant covers the object.
    pub fn covers(&self, scope: Scope<'_>, divisions: &BTreeMap<String, Division>) -> bool {
        let in_subtree =
            crate::division::is_within(scope.division, self.division.as_str(), divisions);
        let matter_ok = self.matters.is_empty()
            || scope
                .matter
                .is_some_and(|m| self.matters.iter().any(|g| g == m));
        in_subtree && matter_ok
    }
}

/// Deny by default: permitted only if some grant carries the permission and covers the
/// object.
pub fn check(
    grants: &[Grant],
    permission: Permission,
    scope: Scope<'_>,
    divisions: &BTreeMap<String, Division>,
) -> Result<(), Denied> {
    let mut holding = grants.iter().filter(|g| g.role.permission() == permission);
    let mut any = false;
    if holding.any(|g| {
        any = true;
        g.covers(scope, divisions)
    }) {
        return Ok(());
    }
    Err(if any {
        Denied::OutOfScope
    } else {
        Denied::NoRole
    })
}

/// Whether the grants carry the permission anywhere (for menus and list pages, which then
/// filter by scope).
pub fn holds(grants: &[Grant], permission: Permission) -> bool {
    grants.iter().any(|g| g.role.permission() == permission)
}

/// Why a new grant is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("同一账号不能同时担任系统管理员、安全管理员、审计管理员中的两个（三员分立）")]
    SecondAdministrator,
    #[error("该账号已有此授权")]
    Duplicate,
    #[error("管理员角色须覆盖整个行政区划，不能限定事项")]
    AdministratorWithMatters,
    #[error("担任系统管理员、安全管理员或审计管理员的账号不能再担任业务角色，业务账号也不能担任这三种管理员（三员分立）")]
    AdministratorWithBusinessRole,
    #[error("管理员角色不能查看完整的证件号码和手机号码")]
    AdministratorUnmask,
}

impl Explain for GrantError {
    fn explain(&self) -> Message {
        Message::new(match self {
            GrantError::SecondAdministrator => "invalid-grant-second-administrator",
            GrantError::Duplicate => "invalid-grant-duplicate",
            GrantError::AdministratorWithMatters => "invalid-grant-administrator-with-matters",
            GrantError::AdministratorWithBusinessRole => {
                "invalid-grant-administrator-with-business-role"
            }
            GrantError::AdministratorUnmask => "invalid-grant-administrator-unmask",
        })
    }
}

/// Checks a new grant against the ones the account already holds: an administrator role
/// (三员) is held alone, by an account with no business role and no other administrator role.
pub fn admit(existing: &[Grant], new: &Grant) -> Result<(), GrantError> {
    if new.role.is_administrator() && !new.matters.is_empty() {
        return Err(GrantError::AdministratorWithMatters);
    }
    if new.role.is_administrator() && new.unmask {
        return Err(GrantError::AdministratorUnmask);
    }
    if existing
        .iter()
        .any(|g| g.role.is_administrator() != new.role.is_administrator())
    {
        return Err(GrantError::AdministratorWithBusinessRole);
    }
    if new.role.is_administrator()
        && existing
            .iter()
            .any(|g| g.role.is_administrator() && g.role != new.role)
    {
        return Err(GrantError::SecondAdministrator);
    }
    if existing
        .iter()
        .any(|g| g.role == new.role && g.division == new.division && g.matters == new.matters)
    {
        return Err(GrantError::Duplicate);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::division::DivisionKind;

    fn divisions() -> BTreeMap<String, Division> {
        let mk = |code: &str, parent: Option<&str>, kind| Division {
            code: DivisionCode::parse(code).unwrap(),
            name: code.to_string(),
            kind,
            parent: parent.map(|p| DivisionCode::parse(p).unwrap()),
            valid_from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            valid_to: None,
        };
        [
            mk("331199", None, DivisionKind::County),
            mk("331199001", Some("331199"), DivisionKind::Township),
            mk("331199101", Some("331199"), DivisionKind::Township),
        ]
        .into_iter()
        .map(|d| (d.code.to_string(), d))
        .collect()
    }

    fn grant(role: Role, division: &str, matters: &[&str]) -> Grant {
        Grant {
            role,
            division: DivisionCode::parse(division).unwrap(),
            matters: matters.iter().map(|m| m.to_string()).collect(),
            unmask: false,
        }
    }

    #[test]
    fn a_county_grant_covers_its_townships_but_not_the_other_way() {
        let d = divisions();
        let county = [grant(Role::Handler, "331199", &[])];
        let town = [grant(Role::Handler, "331199001", &[])];
        let in_town = Scope {
            division: "331199001",
            matter: None,
        };
        let in_county = Scope {
            division: "331199",
            matter: None,
        };
        let other_town = Scope {
            division: "331199101",
            matter: None,
        };
        assert_eq!(check(&county, Permission::HandleCase, in_town, &d), Ok(()));
        assert_eq!(
            check(&town, Permission::HandleCase, in_county, &d),
            Err(Denied::OutOfScope)
        );
        assert_eq!(
            check(&town, Permission::HandleCase, other_town, &d),
            Err(Denied::OutOfScope)
        );
    }

    #[test]
    fn one_role_does_not_permit_another_grade() {
        let d = divisions();
        let handler = [grant(Role::Handler, "331199", &[])];
        let scope = Scope {
            division: "331199",
            matter: None,
        };
        assert_eq!(
            check(&handler, Permission::ApproveCase, scope, &d),
            Err(Denied::NoRole)
        );
        assert_eq!(
            check(&[], Permission::ReadAudit, scope, &d),
            Err(Denied::NoRole)
        );
    }

    #[test]
    fn matter_limited_grants_cover_only_their_matters() {
        let d = divisions();
        let g = [grant(Role::Approver, "331199", &["000000000001"])];
        let listed = Scope {
            division: "331199001",
            matter: Some("000000000001"),
        };
        let other = Scope {
            division: "331199001",
            matter: Some("000000000002"),
        };
        assert_eq!(check(&g, Permission::ApproveCase, listed, &d), Ok(()));
        assert_eq!(
            check(&g, Permission::ApproveCase, other, &d),
            Err(Denied::OutOfScope)
        );
    }

    #[test]
    fn no_account_holds_two_administrator_roles() {
        let existing = [grant(Role::SystemAdmin, "331199", &[])];
        assert_eq!(
            admit(&existing, &grant(Role::AuditAdmin, "331199", &[])),
            Err(GrantError::SecondAdministrator)
        );
        assert_eq!(
            admit(&existing, &grant(Role::Handler, "331199", &[])),
            Err(GrantError::AdministratorWithBusinessRole)
        );
        assert_eq!(
            admit(
                &[grant(Role::WindowClerk, "331199", &[])],
                &grant(Role::SecurityAdmin, "331199", &[])
            ),
            Err(GrantError::AdministratorWithBusinessRole)
        );
        assert_eq!(
            admit(
                &[grant(Role::WindowClerk, "331199", &[])],
                &grant(Role::Handler, "331199", &[])
            ),
            Ok(())
        );
        let mut unmasking = grant(Role::SecurityAdmin, "331199", &[]);
        unmasking.unmask = true;
        assert_eq!(admit(&[], &unmasking), Err(GrantError::AdministratorUnmask));
        assert_eq!(
            admit(&existing, &grant(Role::SystemAdmin, "331199", &[])),
            Err(GrantError::Duplicate)
        );
        assert_eq!(
            admit(&[], &grant(Role::AuditAdmin, "331199", &["000000000001"])),
            Err(GrantError::AdministratorWithMatters)
        );
    }
}
