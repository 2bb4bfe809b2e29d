//! Departments' delegations of acceptance to service places.

use super::{Actor, Directory, StaffAdmin};
use crate::Error;
use onetrip_domain::access::{Delegation, Refusal};
use onetrip_domain::audit::AuditEvent;
use onetrip_domain::message::Message;
use onetrip_store::StoredDelegation;

impl StaffAdmin<'_> {
    /// Whether the actor's scope reaches the delegating department and the place.
    fn delegation_in_scope(actor: &Actor, dir: &Directory, d: &Delegation) -> bool {
        let admin = actor.administrator();
        let reach = |division: Option<&String>| {
            division.is_some_and(|division| admin.covers(division, &dir.divisions))
        };
        reach(dir.departments.get(&d.department)) && reach(dir.places.get(&d.place))
    }

    /// Live delegations within the actor's scope.
    pub async fn delegations(&self, actor: &Actor) -> Result<Vec<StoredDelegation>, Error> {
        let dir = self.directory().await?;
        Ok(self
            .store
            .delegations()
            .await?
            .into_iter()
            .filter(|d| Self::delegation_in_scope(actor, &dir, &d.delegation))
            .collect())
    }

    /// Lets a service place accept a department's matters; both must lie in scope.
    pub async fn add_delegation(
        &self,
        actor: &Actor,
        delegation: Delegation,
    ) -> Result<StoredDelegation, Error> {
        let dir = self.directory().await?;
        if !dir.departments.contains_key(&delegation.department) {
            return Err(Error::invalid(
                "department",
                Message::new("invalid-unknown-department").text("value", &delegation.department),
            ));
        }
        if !dir.places.contains_key(&delegation.place) {
            return Err(Error::invalid(
                "place",
                Message::new("invalid-place").text("place", &delegation.place),
            ));
        }
        if let Some(bad) = self.unknown_matter(&delegation.matters).await? {
            return Err(Error::invalid(
                "matters",
                Message::new("invalid-matter").text("code", bad),
            ));
        }
        let verdict = if Self::delegation_in_scope(actor, &dir, &delegation) {
            Ok(())
        } else {
            Err(Refusal::DivisionOutOfScope)
        };
        self.allow(actor, verdict, &delegation.department, "delegate")
            .await?;
        let record = actor.record(
            self.clock,
            AuditEvent::DelegationAdded,
            &delegation.department,
            format!("to {}", delegation.place),
        );
        Ok(self.store.add_delegation(&delegation, record).await?)
    }

    /// Ends a delegation within the actor's scope.
    pub async fn revoke_delegation(&self, actor: &Actor, id: &str) -> Result<(), Error> {
        let dir = self.directory().await?;
        let found = self
            .store
            .delegations()
            .await?
            .into_iter()
            .find(|d| d.id == id);
        let verdict = match &found {
            Some(d) if Self::delegation_in_scope(actor, &dir, &d.delegation) => Ok(()),
            Some(_) => Err(Refusal::OutOfScope),
            None => return Err(Error::NotFound(id.to_string())),
        };
        self.allow(actor, verdict, id, "revoke delegation").await?;
        let record = actor.record(self.clock, AuditEvent::DelegationRevoked, id, String::new());
        Ok(self.store.revoke_delegation(id, record).await?)
    }
}
