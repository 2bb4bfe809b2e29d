//! The applicant's correction (补正) online: a case the back office returned is answered
//! again (new answers, new files) by its applicant or their representative, and goes back
//! to the step that asked, its clock running again. A case that has ended takes no
//! correction: the refusal says its state.

use super::submit::FORM_CONTEXT;
use super::Acted;
use crate::{App, Error, Signed};
use onetrip_domain::case::intake::{self, GapKind};
use onetrip_domain::message::Message;
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// What an applicant sends back for a correction.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CorrectionRequest {
    /// Changed answers by field key; an empty answer keeps the one given before.
    #[serde(default)]
    pub form: BTreeMap<String, String>,
}

impl App {
    /// Sends a case of the caller's back from correction with the changed answers (files
    /// are uploaded before, with [`App::upload_correction`]).
    pub async fn correct(
        &self,
        signed: &Signed,
        id: &str,
        req: &CorrectionRequest,
    ) -> Result<Acted, Error> {
        let (case, _) = self.party_case(signed, id).await?;
        let imp = self
            .pinned(&case.implementation_code, case.implementation_version)
            .await?;
        let content = &imp.resolved.content;
        let mut answers = self.form_of(&case)?;
        for (key, value) in &req.form {
            if !content.form.iter().any(|f| &f.key == key) {
                return Err(Error::invalid(
                    key,
                    Message::new("invalid-unknown-field").text("key", key),
                ));
            }
            let value = value.trim();
            if !value.is_empty() {
                answers.insert(key.clone(), value.to_string());
            }
        }
        let checked = intake::check(content, &answers, &case.doc.presented).map_err(|e| {
            use onetrip_domain::message::Explain as _;
            Error::invalid(e.field(), e.explain())
        })?;
        if let Some(g) = checked
            .gaps
            .iter()
            .find(|g| g.kind == GapKind::Field && req.form.contains_key(&g.key))
        {
            return Err(Error::invalid(&format!("form.{}", g.key), g.message()));
        }
        let json = serde_json::to_string(&answers).map_err(|e| Error::Internal(e.to_string()))?;
        let sealed = self.security.cipher.seal(FORM_CONTEXT, &json)?;
        self.apply_with_form(case, &signed.account.id, 0, Some(sealed), |doc, ctx, _| {
            doc.corrected(ctx)
        })
        .await
    }
}
