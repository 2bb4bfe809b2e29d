//! Single sign-on for applicants through an OpenID Connect provider (the province's unified
//! identity service): authorization-code flow, state and nonce bound to the browser in a
//! sealed cookie, ID token verified against the provider's keys (RS256, issuer, audience,
//! expiry, nonce). An account signed in this way is verified at the `single_sign_on` level.

use crate::Error;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::fmt;
use tokio::sync::{OnceCell, RwLock};

/// The provider and this client's registration with it.
#[derive(Clone)]
pub struct OidcConfig {
    /// The issuer URL; its `/.well-known/openid-configuration` is read at first use.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// This server's `/login/sso/callback` as registered with the provider.
    pub redirect_url: String,
    /// The claim that carries the resident ID number.
    pub document_claim: String,
    /// The claim that carries the mobile number, if the provider shares it.
    pub phone_claim: String,
}

impl fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("redirect_url", &self.redirect_url)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: String,
}

/// A configured provider.
pub struct Oidc {
    pub config: OidcConfig,
    http: reqwest::Client,
    discovery: OnceCell<Discovery>,
    keys: RwLock<Option<JwkSet>>,
}

fn unavailable(e: impl fmt::Display) -> Error {
    Error::Unavailable(format!("single sign-on provider: {e}"))
}

impl Oidc {
    pub fn new(config: OidcConfig) -> Oidc {
        Oidc {
            config,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            discovery: OnceCell::new(),
            keys: RwLock::new(None),
        }
    }

    async fn discovery(&self) -> Result<&Discovery, Error> {
        self.discovery
            .get_or_try_init(|| async {
                let url = format!(
                    "{}/.well-known/openid-configuration",
                    self.config.issuer.trim_end_matches('/')
                );
                self.http
                    .get(url)
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(unavailable)?
                    .json::<Discovery>()
                    .await
                    .map_err(unavailable)
            })
            .await
    }

    /// Where to send the browser: the provider's authorization endpoint.
    pub async fn authorize_url(&self, state: &str, nonce: &str) -> Result<String, Error> {
        let d = self.discovery().await?;
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let sep = if d.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!(
            "{}{sep}response_type=code&scope=openid%20profile&client_id={}&redirect_uri={}&state={}&nonce={}",
            d.authorization_endpoint,
            enc(&self.config.client_id),
            enc(&self.config.redirect_url),
            enc(state),
            enc(nonce)
        ))
    }

    /// Exchanges the code and returns the verified ID token's claims. A token that does not
    /// verify is a failed login.
    pub async fn claims(
        &self,
        code: &str,
        nonce: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
        let d = self.discovery().await?;
        let token: TokenResponse = self
            .http
            .post(&d.token_endpoint)
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", self.config.redirect_url.as_str()),
            ])
            .send()
            .await
            .map_err(unavailable)?
            .error_for_status()
            .map_err(|_| Error::LoginFailed)?
            .json()
            .await
            .map_err(unavailable)?;
        let header =
            jsonwebtoken::decode_header(&token.id_token).map_err(|_| Error::LoginFailed)?;
        let kid = header.kid.unwrap_or_default();
        let key = match self.key(&kid, false).await? {
            Some(k) => k,
            // The provider may have rotated its keys: read them once more.
            None => self.key(&kid, true).await?.ok_or(Error::LoginFailed)?,
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[d.issuer.as_str()]);
        validation.set_audience(&[self.config.client_id.as_str()]);
        let data = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            &token.id_token,
            &key,
            &validation,
        )
        .map_err(|e| {
            tracing::warn!(error = %e, "an ID token did not verify");
            Error::LoginFailed
        })?;
        if data.claims.get("nonce").and_then(|n| n.as_str()) != Some(nonce) {
            return Err(Error::LoginFailed);
        }
        Ok(data.claims)
    }

    async fn key(&self, kid: &str, refresh: bool) -> Result<Option<DecodingKey>, Error> {
        if refresh || self.keys.read().await.is_none() {
            let d = self.discovery().await?;
            let set: JwkSet = self
                .http
                .get(&d.jwks_uri)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(unavailable)?
                .json()
                .await
                .map_err(unavailable)?;
            *self.keys.write().await = Some(set);
        }
        let keys = self.keys.read().await;
        let Some(set) = keys.as_ref() else {
            return Ok(None);
        };
        let jwk = if kid.is_empty() {
            set.keys.first()
        } else {
            set.find(kid)
        };
        Ok(jwk.and_then(|j| DecodingKey::from_jwk(j).ok()))
    }
}
