//! The applicant confirms what a clerk entered for them (一主机双屏): on the citizen-facing
//! second screen the hall opens beside the window, under the clerk's session, which shows
//! the application the clerk last entered in large type with one button; or by signing the
//! printed application, which the clerk records. Either is journaled once.

use super::act::Need;
use super::{Acted, CaseView};
use crate::{App, Error, Signed};
use onetrip_domain::case::{CaseState, Confirmation};
use onetrip_domain::message::Message;
use onetrip_store::CaseQuery;

impl App {
    /// Records how the applicant confirmed a case this window entered.
    pub async fn confirm_application(
        &self,
        signed: &Signed,
        id: &str,
        how: &str,
    ) -> Result<Acted, Error> {
        let how = Confirmation::from_key(how.trim()).ok_or_else(|| {
            Error::invalid(
                "how",
                Message::new("case-confirmation-unknown").text("value", how),
            )
        })?;
        let case = self.case_needing(signed, id, Need::Window).await?;
        self.apply(case, &signed.account.id, 0, |doc, _, _| {
            doc.confirmed_by_applicant(how)
        })
        .await
    }

    /// The application this clerk entered last at the window that its applicant has not
    /// confirmed yet, for the second screen.
    pub async fn awaiting_confirmation(&self, signed: &Signed) -> Result<Option<CaseView>, Error> {
        let mut lines = self
            .store
            .cases(&CaseQuery {
                party: Some(signed.account.id.clone()),
                states: vec![CaseState::Submitted, CaseState::Incomplete],
                channels: vec!["window".into()],
                limit: 50,
                ..CaseQuery::default()
            })
            .await?;
        lines.sort_by_key(|l| std::cmp::Reverse(l.updated_at));
        for line in lines {
            let view = self.case_view(signed, &line.id).await?;
            if view.document.confirmed.is_none() {
                return Ok(Some(view));
            }
        }
        Ok(None)
    }
}
