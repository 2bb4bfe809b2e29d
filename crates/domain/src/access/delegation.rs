//! Delegated acceptance (一窗受理): a department lets a service centre's window clerks
//! accept applications for its matters, without giving them its back-office roles.

use crate::access::grant::{check, Denied, Grant, Scope};
use crate::access::role::Permission;
use crate::division::Division;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A department's delegation of acceptance to a service place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// Credit code of the delegating department.
    pub department: String,
    /// Code of the service centre (or window) that accepts on its behalf.
    pub place: String,
    /// Base catalog codes delegated; empty means every matter of the department.
    #[serde(default)]
    pub matters: Vec<String>,
}

/// What a clerk is asked to accept.
#[derive(Debug, Clone, Copy)]
pub struct Acceptance<'a> {
    /// The implementing department's credit code.
    pub department: &'a str,
    /// The base matter.
    pub matter: &'a str,
    /// The implementation's division.
    pub division: &'a str,
}

/// Whether a clerk of `organization` holding `grants` may accept this application. A clerk
/// of the department itself needs the window-clerk role over the implementation's
/// division (and matter). A clerk of a place the department delegated the matter to needs
/// the role for the matter at that place, whatever division the grant names: the
/// delegation is the department's word that its matter is accepted there, as a township
/// hall's windows accept county matters (一窗通办).
pub fn may_accept(
    organization: &str,
    grants: &[Grant],
    delegations: &[Delegation],
    what: Acceptance<'_>,
    divisions: &BTreeMap<String, Division>,
) -> Result<(), Denied> {
    if organization == what.department {
        return check(
            grants,
            Permission::AcceptApplication,
            Scope {
                division: what.division,
                matter: Some(what.matter),
            },
            divisions,
        );
    }
    let mut clerk = grants
        .iter()
        .filter(|g| g.role.permission() == Permission::AcceptApplication)
        .peekable();
    if clerk.peek().is_none() {
        return Err(Denied::NoRole);
    }
    let for_matter =
        clerk.any(|g| g.matters.is_empty() || g.matters.iter().any(|m| m == what.matter));
    let delegated = delegations.iter().any(|d| {
        d.department == what.department
            && d.place == organization
            && (d.matters.is_empty() || d.matters.iter().any(|m| m == what.matter))
    });
    if for_matter && delegated {
        Ok(())
    } else {
        Err(Denied::OutOfScope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::division::{DivisionCode, DivisionKind};

    fn divisions() -> BTreeMap<String, Division> {
        let d = Division {
            code: DivisionCode::parse("331199").unwrap(),
            name: "青溪县".into(),
            kind: DivisionKind::County,
            parent: None,
            valid_from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            valid_to: None,
        };
        [(d.code.to_string(), d)].into_iter().collect()
    }

    const CIVIL: &str = "11331199MB1A001006";
    const CENTRE: &str = "331199-centre";

    fn clerk() -> Vec<Grant> {
        vec![Grant {
            role: Role::WindowClerk,
            division: crate::DivisionCode::parse("331199").unwrap(),
            matters: Vec::new(),
            unmask: false,
        }]
    }

    fn what(matter: &str) -> Acceptance<'_> {
        Acceptance {
            department: CIVIL,
            matter,
            division: "331199",
        }
    }

    #[test]
    fn a_centre_clerk_accepts_only_delegated_matters() {
        let d = divisions();
        let delegations = vec![Delegation {
            department: CIVIL.into(),
            place: CENTRE.into(),
            matters: vec!["000105001000".into()],
        }];
        assert_eq!(
            may_accept(CENTRE, &clerk(), &delegations, what("000105001000"), &d),
            Ok(())
        );
        assert_eq!(
            may_accept(CENTRE, &clerk(), &delegations, what("000105002000"), &d),
            Err(Denied::OutOfScope)
        );
        assert_eq!(
            may_accept(CENTRE, &clerk(), &[], what("000105001000"), &d),
            Err(Denied::OutOfScope),
            "no delegation, no acceptance"
        );
    }

    #[test]
    fn a_department_accepts_its_own_matters_and_nobody_accepts_without_the_role() {
        let d = divisions();
        assert_eq!(
            may_accept(CIVIL, &clerk(), &[], what("000105002000"), &d),
            Ok(())
        );
        let whole = vec![Delegation {
            department: CIVIL.into(),
            place: CENTRE.into(),
            matters: Vec::new(),
        }];
        assert_eq!(
            may_accept(CENTRE, &clerk(), &whole, what("000105002000"), &d),
            Ok(())
        );
        let handler = vec![Grant {
            role: Role::Handler,
            ..clerk()[0].clone()
        }];
        assert_eq!(
            may_accept(CENTRE, &handler, &whole, what("000105002000"), &d),
            Err(Denied::NoRole)
        );
    }

    #[test]
    fn a_township_hall_accepts_a_county_matter_delegated_to_it_and_nothing_else() {
        let d = divisions();
        let township = "331199101-centre";
        let clerk = vec![Grant {
            division: crate::DivisionCode::parse("331199101").unwrap(),
            ..clerk()[0].clone()
        }];
        let to_township = vec![Delegation {
            department: CIVIL.into(),
            place: township.into(),
            matters: vec!["000105004000".into()],
        }];
        assert_eq!(
            may_accept(township, &clerk, &to_township, what("000105004000"), &d),
            Ok(())
        );
        assert_eq!(
            may_accept(township, &clerk, &to_township, what("000105002000"), &d),
            Err(Denied::OutOfScope),
            "a matter not delegated"
        );
        assert_eq!(
            may_accept(CENTRE, &clerk, &to_township, what("000105004000"), &d),
            Err(Denied::OutOfScope),
            "delegated to another place"
        );
        let limited = vec![Grant {
            matters: vec!["000105001000".into()],
            ..clerk[0].clone()
        }];
        assert_eq!(
            may_accept(township, &limited, &to_township, what("000105004000"), &d),
            Err(Denied::OutOfScope),
            "the clerk's grant names other matters"
        );
    }
}
