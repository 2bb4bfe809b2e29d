//! Who may administer which staff account. A security administrator acts only inside the
//! division subtrees of its `security_admin` grants, never on its own account, and never on
//! an account that holds the system or audit administrator role: those two roles are
//! granted, revoked and reset only at the server's console, so that no administrator can
//! obtain another's power (三员分立).

use crate::access::grant::Grant;
use crate::access::role::Role;
use crate::division::{is_within, Division};
use crate::message::{Explain, Message};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Who administers.
#[derive(Debug, Clone, Copy)]
pub enum Administrator<'a> {
    /// The operator at the server's console (`onetrip user ...`): every division, and the
    /// only one who grants, revokes or resets the system and audit administrators.
    Console,
    /// A signed-in security administrator: its account id and its grants.
    Account { id: &'a str, grants: &'a [Grant] },
}

/// A staff account as administration sees it.
#[derive(Debug, Clone, Copy)]
pub struct Administered<'a> {
    pub id: &'a str,
    /// The division of the account's organization (department or service place); `None`
    /// when the organization is not in the catalog.
    pub division: Option<&'a str>,
    pub grants: &'a [Grant],
}

/// Why an administrative action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The object lies outside the administrator's divisions (answered as not found).
    #[error("该对象不在您管理的行政区划内")]
    OutOfScope,
    #[error("不能为自己的账号授权、撤销授权、重置密码或第二因素、签发或启用")]
    OwnAccount,
    #[error("系统管理员和审计管理员的账号只能在服务器控制台管理")]
    AdministratorAccount,
    #[error("系统管理员和审计管理员角色只能在服务器控制台授予或撤销")]
    ConsoleRole,
    #[error("授权的行政区划超出您管理的范围")]
    DivisionOutOfScope,
    #[error("只能任免和管理下级行政区划的安全管理员")]
    PeerAdministrator,
    #[error("查看完整号码的授权只能在服务器控制台授予")]
    ConsoleUnmask,
    #[error("行政区划代码不存在或已撤销")]
    UnknownDivision,
    #[error("单位不在目录中：应为部门的统一社会信用代码或服务场所代码")]
    UnknownOrganization,
}

impl Explain for Refusal {
    fn explain(&self) -> Message {
        Message::new(match self {
            Refusal::OutOfScope => "refused-out-of-scope",
            Refusal::OwnAccount => "refused-own-account",
            Refusal::AdministratorAccount => "refused-administrator-account",
            Refusal::ConsoleRole => "refused-console-role",
            Refusal::DivisionOutOfScope => "refused-division-out-of-scope",
            Refusal::PeerAdministrator => "refused-peer-administrator",
            Refusal::ConsoleUnmask => "refused-console-unmask",
            Refusal::UnknownDivision => "invalid-division-unknown",
            Refusal::UnknownOrganization => "invalid-organization-unknown",
        })
    }
}

/// Roles only the console grants, revokes or resets.
fn console_only(role: Role) -> bool {
    matches!(role, Role::SystemAdmin | Role::AuditAdmin)
}

impl Administrator<'_> {
    /// Whether the administrator's scope reaches this division.
    pub fn covers(&self, division: &str, divisions: &BTreeMap<String, Division>) -> bool {
        match self {
            Administrator::Console => true,
            Administrator::Account { grants, .. } => grants
                .iter()
                .filter(|g| g.role == Role::SecurityAdmin)
                .any(|g| is_within(division, g.division.as_str(), divisions)),
        }
    }

    /// Whether the division lies strictly below one of the administrator's own: a security
    /// administrator appoints and manages security administrators only there, so that it
    /// never makes a stand-in with its own power.
    fn covers_below(&self, division: &str, divisions: &BTreeMap<String, Division>) -> bool {
        match self {
            Administrator::Console => true,
            Administrator::Account { grants, .. } => grants
                .iter()
                .filter(|g| g.role == Role::SecurityAdmin)
                .any(|g| {
                    g.division.as_str() != division
                        && is_within(division, g.division.as_str(), divisions)
                }),
        }
    }

    fn is_console(&self) -> bool {
        matches!(self, Administrator::Console)
    }

    /// May see the account (in lists and by id): its organization lies in scope.
    pub fn may_see(
        &self,
        target: &Administered<'_>,
        divisions: &BTreeMap<String, Division>,
    ) -> Result<(), Refusal> {
        match target.division {
            _ if self.is_console() => Ok(()),
            Some(d) if self.covers(d, divisions) => Ok(()),
            _ => Err(Refusal::OutOfScope),
        }
    }

    /// May change the account (disable, enable, reset, revoke its grants or tokens): it is
    /// in scope with every grant it holds (a visible account whose grants reach further is
    /// `DivisionOutOfScope`), it is not the administrator's own, and it holds no
    /// console-only role unless the console acts.
    pub fn may_manage(
        &self,
        target: &Administered<'_>,
        divisions: &BTreeMap<String, Division>,
    ) -> Result<(), Refusal> {
        self.may_see(target, divisions)?;
        if let Administrator::Account { id, .. } = self {
            if *id == target.id {
                return Err(Refusal::OwnAccount);
            }
        }
        if self.is_console() {
            return Ok(());
        }
        if target.grants.iter().any(|g| console_only(g.role)) {
            return Err(Refusal::AdministratorAccount);
        }
        if target.grants.iter().any(|g| {
            g.role == Role::SecurityAdmin && !self.covers_below(g.division.as_str(), divisions)
        }) {
            return Err(Refusal::PeerAdministrator);
        }
        if target
            .grants
            .iter()
            .any(|g| !self.covers(g.division.as_str(), divisions))
        {
            return Err(Refusal::DivisionOutOfScope);
        }
        Ok(())
    }

    /// May give the account this grant: [`Self::may_manage`], the role is not console-only
    /// (unless the console acts), and the division exists, is in force on `today` and lies
    /// in scope.
    pub fn may_grant(
        &self,
        target: &Administered<'_>,
        grant: &Grant,
        divisions: &BTreeMap<String, Division>,
        today: NaiveDate,
    ) -> Result<(), Refusal> {
        self.may_manage(target, divisions)?;
        if console_only(grant.role) && !self.is_console() {
            return Err(Refusal::ConsoleRole);
        }
        if grant.unmask && !self.is_console() {
            return Err(Refusal::ConsoleUnmask);
        }
        match divisions.get(grant.division.as_str()) {
            Some(d) if d.is_valid_on(today) => {}
            _ => return Err(Refusal::UnknownDivision),
        }
        if !self.covers(grant.division.as_str(), divisions) {
            return Err(Refusal::DivisionOutOfScope);
        }
        if grant.role == Role::SecurityAdmin
            && !self.covers_below(grant.division.as_str(), divisions)
        {
            return Err(Refusal::PeerAdministrator);
        }
        Ok(())
    }

    /// May create an account for an organization in this division.
    pub fn may_create_in(
        &self,
        division: Option<&str>,
        divisions: &BTreeMap<String, Division>,
    ) -> Result<(), Refusal> {
        match division {
            None => Err(Refusal::UnknownOrganization),
            Some(d) if self.covers(d, divisions) => Ok(()),
            Some(_) => Err(Refusal::DivisionOutOfScope),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::division::{DivisionCode, DivisionKind};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn divisions() -> BTreeMap<String, Division> {
        let mk = |code: &str, parent: Option<&str>, kind, to: Option<NaiveDate>| Division {
            code: DivisionCode::parse(code).unwrap(),
            name: code.to_string(),
            kind,
            parent: parent.map(|p| DivisionCode::parse(p).unwrap()),
            valid_from: date(2020, 1, 1),
            valid_to: to,
        };
        [
            mk("331199", None, DivisionKind::County, None),
            mk("331199101", Some("331199"), DivisionKind::Township, None),
            mk("331199102", Some("331199"), DivisionKind::Township, None),
            mk(
                "331199202",
                Some("331199"),
                DivisionKind::Township,
                Some(date(2024, 12, 31)),
            ),
        ]
        .into_iter()
        .map(|d| (d.code.to_string(), d))
        .collect()
    }

    fn grant(role: Role, division: &str) -> Grant {
        Grant {
            role,
            division: DivisionCode::parse(division).unwrap(),
            matters: Vec::new(),
            unmask: false,
        }
    }

    const TODAY: (i32, u32, u32) = (2026, 3, 2);

    #[test]
    fn a_township_administrator_stays_in_its_township() {
        let d = divisions();
        let own = [grant(Role::SecurityAdmin, "331199101")];
        let admin = Administrator::Account {
            id: "a",
            grants: &own,
        };
        let clerk_grants = [grant(Role::WindowClerk, "331199101")];
        let here = Administered {
            id: "b",
            division: Some("331199101"),
            grants: &clerk_grants,
        };
        let other_town = Administered {
            division: Some("331199102"),
            ..here
        };
        let county = Administered {
            division: Some("331199"),
            ..here
        };
        assert_eq!(admin.may_manage(&here, &d), Ok(()));
        assert_eq!(admin.may_manage(&other_town, &d), Err(Refusal::OutOfScope));
        assert_eq!(admin.may_manage(&county, &d), Err(Refusal::OutOfScope));
        let (y, m, dd) = TODAY;
        let today = date(y, m, dd);
        assert_eq!(
            admin.may_grant(&here, &grant(Role::CatalogAdmin, "331199"), &d, today),
            Err(Refusal::DivisionOutOfScope)
        );
        assert_eq!(
            admin.may_grant(&here, &grant(Role::Handler, "110105"), &d, today),
            Err(Refusal::UnknownDivision)
        );
        assert_eq!(
            admin.may_grant(&here, &grant(Role::Handler, "331199202"), &d, today),
            Err(Refusal::UnknownDivision),
            "a retired township"
        );
        assert_eq!(
            admin.may_grant(&here, &grant(Role::Handler, "331199101"), &d, today),
            Ok(())
        );
        assert_eq!(
            admin.may_create_in(Some("331199"), &d),
            Err(Refusal::DivisionOutOfScope)
        );
        assert_eq!(
            admin.may_create_in(None, &d),
            Err(Refusal::UnknownOrganization)
        );
    }

    #[test]
    fn an_account_whose_grants_reach_beyond_the_scope_is_out_of_scope() {
        let d = divisions();
        let own = [grant(Role::SecurityAdmin, "331199101")];
        let admin = Administrator::Account {
            id: "a",
            grants: &own,
        };
        let county_wide = [grant(Role::Approver, "331199")];
        let target = Administered {
            id: "b",
            division: Some("331199101"),
            grants: &county_wide,
        };
        assert_eq!(admin.may_see(&target, &d), Ok(()));
        assert_eq!(
            admin.may_manage(&target, &d),
            Err(Refusal::DivisionOutOfScope)
        );
    }

    #[test]
    fn nobody_administers_themselves_and_administrators_are_the_consoles() {
        let d = divisions();
        let own = [grant(Role::SecurityAdmin, "331199")];
        let admin = Administrator::Account {
            id: "a",
            grants: &own,
        };
        let me = Administered {
            id: "a",
            division: Some("331199"),
            grants: &own,
        };
        let today = date(2026, 3, 2);
        assert_eq!(admin.may_manage(&me, &d), Err(Refusal::OwnAccount));
        assert_eq!(
            admin.may_grant(&me, &grant(Role::WindowClerk, "331199"), &d, today),
            Err(Refusal::OwnAccount)
        );
        let auditor_grants = [grant(Role::AuditAdmin, "331199")];
        let auditor = Administered {
            id: "c",
            division: Some("331199"),
            grants: &auditor_grants,
        };
        assert_eq!(
            admin.may_manage(&auditor, &d),
            Err(Refusal::AdministratorAccount)
        );
        assert_eq!(Administrator::Console.may_manage(&auditor, &d), Ok(()));
        let fresh = Administered {
            id: "d",
            division: Some("331199"),
            grants: &[],
        };
        assert_eq!(
            admin.may_grant(&fresh, &grant(Role::AuditAdmin, "331199"), &d, today),
            Err(Refusal::ConsoleRole)
        );
        assert_eq!(
            admin.may_grant(&fresh, &grant(Role::SecurityAdmin, "331199101"), &d, today),
            Ok(()),
            "a security administrator may appoint one below it: no power it lacks"
        );
        assert_eq!(
            admin.may_grant(&fresh, &grant(Role::SecurityAdmin, "331199"), &d, today),
            Err(Refusal::PeerAdministrator),
            "but no peer, who could stand in for it"
        );
        let peer_grants = [grant(Role::SecurityAdmin, "331199")];
        let peer = Administered {
            id: "e",
            division: Some("331199"),
            grants: &peer_grants,
        };
        assert_eq!(admin.may_manage(&peer, &d), Err(Refusal::PeerAdministrator));
        let mut unmask = grant(Role::WindowClerk, "331199");
        unmask.unmask = true;
        assert_eq!(
            admin.may_grant(&fresh, &unmask, &d, today),
            Err(Refusal::ConsoleUnmask)
        );
        assert_eq!(
            Administrator::Console.may_grant(&fresh, &unmask, &d, today),
            Ok(())
        );
        assert_eq!(
            Administrator::Console.may_grant(&fresh, &grant(Role::AuditAdmin, "331199"), &d, today),
            Ok(())
        );
    }
}
