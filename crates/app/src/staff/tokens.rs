//! API tokens: issued by their holder alone, for the business grants they choose; revoked
//! by the holder or by the security administrator over the holder.

use super::{Actor, StaffAdmin};
use crate::Error;
use onetrip_domain::access::Role;
use onetrip_domain::audit::AuditEvent;
use onetrip_domain::message::Message;
use onetrip_store::ApiToken;

/// How long a token may be issued for, in days.
pub const TOKEN_DAYS: std::ops::RangeInclusive<u32> = 1..=3650;

/// The answer to a token lifetime outside [`TOKEN_DAYS`] or not a number.
pub fn bad_token_days(value: impl ToString) -> Error {
    Error::invalid(
        "days",
        Message::new("invalid-integer")
            .text("value", value.to_string())
            .number("min", *TOKEN_DAYS.start() as usize)
            .number("max", *TOKEN_DAYS.end() as usize),
    )
}

/// A new API token: the secret is shown once and only its hash is kept.
pub struct IssuedToken {
    pub id: String,
    pub token: String,
}

impl StaffAdmin<'_> {
    /// Issues a token to its holder, signed in with password and second factor (not with
    /// another token), for the holder's own system. The token carries only business roles
    /// the holder holds (never an administrator's), and loses any the holder loses later.
    pub async fn issue_own_token(
        &self,
        holder: &crate::Signed,
        name: &str,
        scopes: Vec<String>,
        days: Option<u32>,
    ) -> Result<IssuedToken, Error> {
        let actor = Actor::account(holder);
        if holder.session.is_none() || !holder.is_staff() {
            let answer = Error::refused(Message::new("refused-token-needs-sign-in"));
            let detail = "token issued with a token".to_string();
            return Err(self.deny(&actor, &holder.account.id, detail, answer).await);
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(Error::invalid("name", Message::new("invalid-token-name")));
        }
        if scopes.is_empty() {
            return Err(Error::invalid(
                "scopes",
                Message::new("invalid-token-scopes"),
            ));
        }
        let held = crate::principal::effective(
            &holder.account.id,
            self.store.grants_of(&holder.account.id).await?,
        );
        let mut grant_ids = Vec::new();
        for scope in &scopes {
            let Some(role) = Role::from_key(scope) else {
                return Err(Error::invalid(
                    "scopes",
                    Message::new("invalid-role").text("role", scope),
                ));
            };
            let refusal = if role.is_administrator() {
                Some(Message::new("invalid-token-scope-administrator"))
            } else if !held.iter().any(|g| g.grant.role == role) {
                Some(
                    Message::new("invalid-token-scope-not-held")
                        .label("role", format!("role-{scope}")),
                )
            } else {
                None
            };
            if let Some(message) = refusal {
                let answer = Error::invalid("scopes", message);
                let detail = format!("token with role {scope}");
                return Err(self.deny(&actor, &holder.account.id, detail, answer).await);
            }
            grant_ids.extend(
                held.iter()
                    .filter(|g| g.grant.role == role)
                    .map(|g| g.id.clone()),
            );
        }
        if days.is_some_and(|d| !TOKEN_DAYS.contains(&d)) {
            return Err(bad_token_days(days.unwrap_or_default()));
        }
        let token = format!("ot_{}", onetrip_vault::new_secret()?);
        let now = self.clock.now();
        let record = ApiToken {
            id: onetrip_store::new_id(),
            account_id: holder.account.id.clone(),
            name: name.to_string(),
            token_hash: onetrip_vault::secret_hash(&token),
            scopes,
            grant_ids,
            created_at: now,
            expires_at: days.map(|d| now + chrono::Duration::days(i64::from(d))),
            revoked_at: None,
        };
        let id = record.id.clone();
        let audit = actor.record(
            self.clock,
            AuditEvent::TokenCreated,
            &holder.account.id,
            name.into(),
        );
        self.store.create_token(record, audit).await?;
        Ok(IssuedToken { id, token })
    }

    /// The tokens of an account that still work (not revoked, not expired).
    async fn live(&self, account_id: &str) -> Result<Vec<ApiToken>, Error> {
        let now = self.clock.now();
        Ok(self
            .store
            .tokens_of(account_id)
            .await?
            .into_iter()
            .filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now))
            .collect())
    }

    /// The live tokens of a staff account the actor may see.
    pub async fn live_tokens(
        &self,
        actor: &Actor,
        account_id: &str,
    ) -> Result<Vec<ApiToken>, Error> {
        let account = self.view(actor, account_id).await?.account;
        self.live(&account.id).await
    }

    /// The caller's own live tokens.
    pub async fn own_tokens(&self, account_id: &str) -> Result<Vec<ApiToken>, Error> {
        self.live(account_id).await
    }

    /// Revokes a token: the holder's own, or one of an account the actor may change.
    pub async fn revoke_token(&self, actor: &Actor, token_id: &str) -> Result<(), Error> {
        let not_found = || Error::NotFound(token_id.to_string());
        let Some(token) = self
            .store
            .token_by_id(token_id)
            .await?
            .filter(|t| t.revoked_at.is_none())
        else {
            return Err(not_found());
        };
        if token.account_id != actor.id {
            let dir = self.directory().await?;
            self.manageable(actor, &dir, &token.account_id, "revoke token")
                .await
                .map_err(|e| match e {
                    Error::NotFound(_) => not_found(),
                    other => other,
                })?;
        }
        let audit = actor.record(
            self.clock,
            AuditEvent::TokenRevoked,
            token_id,
            String::new(),
        );
        self.store.revoke_token(token_id, audit).await?;
        Ok(())
    }

    /// Revokes one of the caller's own tokens; another's is not found (and the attempt
    /// recorded).
    pub async fn revoke_own_token(&self, actor: &Actor, token_id: &str) -> Result<(), Error> {
        match self.store.token_by_id(token_id).await? {
            Some(t) if t.account_id == actor.id && t.revoked_at.is_none() => {
                self.revoke_token(actor, token_id).await
            }
            Some(t) if t.account_id != actor.id => {
                let answer = Error::NotFound(token_id.to_string());
                let detail = "revoke another's token as one's own".to_string();
                Err(self.deny(actor, token_id, detail, answer).await)
            }
            _ => Err(Error::NotFound(token_id.to_string())),
        }
    }
}

/// An API token as its holder or the security administrator sees it (never the secret).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> TokenView {
        TokenView {
            id: t.id,
            name: t.name,
            scopes: t.scopes,
            created_at: t.created_at,
            expires_at: t.expires_at,
        }
    }
}
