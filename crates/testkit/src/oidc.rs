//! A small OpenID Connect provider the tests start on port 0: discovery, an authorization
//! endpoint that consents at once for one configured person, a token endpoint that signs
//! RS256 ID tokens with a fixed test key, and its key set. `forge_audience` makes it issue
//! tokens for another client, which the app must refuse.

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const KEY_PEM: &[u8] = include_bytes!("../data/oidc-test-key.pem");
const KEY_N: &str = include_str!("../data/oidc-test-key.n");
pub const CLIENT_ID: &str = "onetrip-test";
pub const CLIENT_SECRET: &str = "test-secret";

/// The person the provider signs in.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub id_card_number: String,
    pub phone: String,
}

/// A running provider.
pub struct Provider {
    pub issuer: String,
    pub forge_audience: Arc<AtomicBool>,
}

#[derive(Clone)]
struct Shared {
    issuer: String,
    person: Person,
    codes: Arc<Mutex<HashMap<String, String>>>,
    forge: Arc<AtomicBool>,
}

/// Starts the provider for `person`.
pub async fn start(person: Person) -> anyhow::Result<Provider> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let issuer = format!("http://{}", listener.local_addr()?);
    let forge = Arc::new(AtomicBool::new(false));
    let shared = Shared {
        issuer: issuer.clone(),
        person,
        codes: Arc::new(Mutex::new(HashMap::new())),
        forge: forge.clone(),
    };
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .route("/jwks", get(jwks))
        .with_state(shared);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Provider {
        issuer,
        forge_audience: forge,
    })
}

async fn discovery(State(s): State<Shared>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "issuer": s.issuer,
        "authorization_endpoint": format!("{}/authorize", s.issuer),
        "token_endpoint": format!("{}/token", s.issuer),
        "jwks_uri": format!("{}/jwks", s.issuer),
        "response_types_supported": ["code"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn authorize(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let code = format!("code-{}", s.codes.lock().map(|c| c.len()).unwrap_or(0));
    if let Ok(mut codes) = s.codes.lock() {
        codes.insert(code.clone(), q.get("nonce").cloned().unwrap_or_default());
    }
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    let state = q.get("state").cloned().unwrap_or_default();
    let enc = |v: &str| {
        percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    Redirect::to(&format!(
        "{redirect}?code={}&state={}",
        enc(&code),
        enc(&state)
    ))
}

async fn token(
    State(s): State<Shared>,
    headers: axum::http::HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> axum::response::Response {
    use base64::Engine as _;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    let nonce = form
        .get("code")
        .and_then(|c| s.codes.lock().ok().and_then(|mut m| m.remove(c)));
    let (true, Some(nonce)) = (authorized, nonce) else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let now = chrono::Utc::now().timestamp();
    let audience = if s.forge.load(Ordering::SeqCst) {
        "someone-else"
    } else {
        CLIENT_ID
    };
    let claims = serde_json::json!({
        "iss": s.issuer, "aud": audience, "sub": format!("sub-{}", s.person.id_card_number.len()),
        "iat": now, "exp": now + 300, "nonce": nonce,
        "name": s.person.name, "id_card_number": s.person.id_card_number, "phone_number": s.person.phone,
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("test".into());
    let Ok(key) = jsonwebtoken::EncodingKey::from_rsa_pem(KEY_PEM) else {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    match jsonwebtoken::encode(&header, &claims, &key) {
        Ok(id_token) => Json(serde_json::json!({"id_token": id_token, "token_type": "Bearer", "access_token": "unused"})).into_response(),
        Err(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn jwks() -> Json<serde_json::Value> {
    Json(
        serde_json::json!({"keys": [{"kty": "RSA", "kid": "test", "use": "sig", "alg": "RS256", "n": KEY_N.trim(), "e": "AQAB"}]}),
    )
}
