//! The real app on 127.0.0.1:0 with the demo county loaded.

use crate::{demo_batch, demo_synonyms, fresh_store, oidc, test_clock, Backend};
use anyhow::{anyhow, Context};
use onetrip_app::i18n::Lang;
use onetrip_app::{App, Error};
use onetrip_store::{ImportMode, SharedStore};
use std::path::Path;
use std::sync::Arc;

/// The real app on 127.0.0.1:0 with the demo county loaded.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: SharedStore,
    /// The app's clock: tests move it to end lockouts, expire sessions, change codes.
    pub clock: Arc<onetrip_domain::clock::ManualClock>,
    pub security: Arc<onetrip_app::Security>,
    /// The single sign-on provider the app trusts.
    pub provider: oidc::Provider,
    pub backend: Backend,
    app: App,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// The data directory (SQLite file, search index).
    pub fn data_dir(&self) -> &Path {
        self._dir.path()
    }

    /// A new browser-like client with its own cookie jar.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    }

    /// A browser-like client that connects from another loopback address (127.0.0.x), as
    /// a second PC would: sign-in limits and lockouts see it as a different address.
    pub fn browser_from(&self, last_octet: u8) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .local_address(std::net::IpAddr::from([127, 0, 0, last_octet]))
            .build()
            .unwrap_or_default()
    }

    /// The use cases over the app's store, clock and keys (as the CLI reaches them).
    pub fn app(&self) -> App {
        self.app.clone()
    }

    /// Creates a staff account at the console (password `onetrip-demo-2026`, no second
    /// factor yet), with one grant when a role is given; returns its id.
    pub async fn add_staff(
        &self,
        login: &str,
        organization: &str,
        grant: Option<(onetrip_domain::access::Role, &str)>,
    ) -> anyhow::Result<String> {
        let grants: Vec<_> = grant.into_iter().collect();
        self.create_staff(login, organization, &grants, true).await
    }

    /// A staff account made at the console with these grants, its password change due or
    /// not.
    async fn create_staff(
        &self,
        login: &str,
        organization: &str,
        grants: &[(onetrip_domain::access::Role, &str)],
        must_change_password: bool,
    ) -> anyhow::Result<String> {
        let app = self.app();
        let admin = app.staff();
        let console = onetrip_app::staff::Actor::console("test", "console");
        let say = |e: Error| anyhow!("{}", e.message(Lang::ZhHans));
        let account = admin
            .create_with(
                &console,
                &onetrip_app::staff::NewStaff {
                    login: login.into(),
                    name: format!("{login} 同事"),
                    organization: organization.into(),
                    password: onetrip_app::demo::DEMO_PASSWORD.into(),
                },
                must_change_password,
            )
            .await
            .map_err(say)?;
        for (role, division) in grants {
            let grant = onetrip_domain::access::Grant {
                role: *role,
                division: onetrip_domain::DivisionCode::parse(division)?,
                matters: Vec::new(),
                unmask: false,
            };
            admin
                .grant(&console, &account.id, grant)
                .await
                .map_err(say)?;
        }
        Ok(account.id)
    }

    /// Creates a staff account ready to sign in (password `onetrip-demo-2026`, a second
    /// factor enrolled, no password change due) holding these grants; returns its id.
    pub async fn add_desk(
        &self,
        login: &str,
        organization: &str,
        grants: &[(onetrip_domain::access::Role, &str)],
    ) -> anyhow::Result<String> {
        let id = self
            .create_staff(login, organization, grants, false)
            .await?;
        let secret = onetrip_domain::auth::TotpSecret::from_bytes(
            onetrip_vault::random_bytes::<20>()?.to_vec(),
        );
        let sealed = self
            .security
            .cipher
            .seal("account.totp", &secret.to_base32())?;
        let record = onetrip_domain::audit::AuditRecord {
            at: chrono::Utc::now(),
            actor: Some("console".into()),
            source: "test".into(),
            event: onetrip_domain::audit::AuditEvent::SecondFactorEnrolled,
            object: Some(id.clone()),
            outcome: onetrip_domain::audit::Outcome::Success,
            detail: String::new(),
        };
        self.store.set_totp(&id, Some(sealed), record).await?;
        Ok(id)
    }

    /// The current TOTP code of a staff account, as its phone would show it.
    pub async fn totp_code(&self, login: &str) -> anyhow::Result<String> {
        let account = self
            .store
            .account_by_login(login)
            .await?
            .context("no such account")?;
        let sealed = account.totp_secret.context("no second factor")?;
        let b32 = self.security.cipher.open_field("account.totp", &sealed)?;
        let secret = onetrip_domain::auth::TotpSecret::from_base32(&b32).context("base32")?;
        use onetrip_domain::clock::Clock as _;
        Ok(secret.code_at(self.clock.now().timestamp()))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// GET a path; returns status and body text.
    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, String)> {
        let resp = self.client.get(self.url(path)).send().await?;
        Ok((resp.status().as_u16(), resp.text().await?))
    }

    /// GET a path with headers.
    pub async fn get_with(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<reqwest::Response> {
        let mut req = self.client.get(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Ok(req.send().await?)
    }

    /// GET JSON.
    pub async fn json(&self, path: &str) -> anyhow::Result<(u16, serde_json::Value)> {
        let resp = self.client.get(self.url(path)).send().await?;
        let status = resp.status().as_u16();
        Ok((status, resp.json().await?))
    }
}

/// Starts the app on port 0 with a fresh database holding the demo county.
pub async fn spawn_app(backend: Backend) -> anyhow::Result<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with security settings changed first (e.g. the `mlps` profile).
pub async fn spawn_app_with(
    backend: Backend,
    adjust: impl FnOnce(&mut onetrip_app::AuthConfig),
) -> anyhow::Result<TestApp> {
    let (store, dir) = fresh_store(backend).await?;
    let effective = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).context("date")?;
    store
        .import_catalog(
            &demo_batch()?,
            ImportMode::Publish {
                default_effective: effective,
            },
            test_clock().0,
        )
        .await?;
    let config = onetrip_web::WebConfig {
        search_dir: Some(dir.path().join("search-index")),
        synonyms: demo_synonyms()?,
        refresh_every: std::time::Duration::from_millis(200),
    };
    let clock = Arc::new(onetrip_domain::clock::ManualClock::new(test_clock().0));
    let keys = onetrip_vault::KeyFile::generate()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    let provider = oidc::start(oidc::Person {
        name: "陈𠮷".into(),
        id_card_number: "331199198007050037".into(),
        phone: "13800000009".into(),
    })
    .await?;
    let mut auth = onetrip_app::AuthConfig {
        oidc: Some(onetrip_app::oidc::OidcConfig {
            issuer: provider.issuer.clone(),
            client_id: oidc::CLIENT_ID.into(),
            client_secret: oidc::CLIENT_SECRET.into(),
            redirect_url: format!("{address}/login/sso/callback"),
            document_claim: "id_card_number".into(),
            phone_claim: "phone_number".into(),
        }),
        password: onetrip_vault::PasswordParams::cheap(),
        attempts_per_minute: 600,
        demo: true,
        ..onetrip_app::AuthConfig::default()
    };
    adjust(&mut auth);
    let security = onetrip_app::Security::open(&store, &keys, auth).await?;
    let objects = onetrip_store::Objects::local(dir.path().join("attachments"))?;
    let app = App::new(store.clone(), clock.clone(), security.clone(), objects);
    app.seed_demo()
        .await
        .map_err(|e| anyhow!("demo accounts: {}", e.message(Lang::ZhHans)))?;
    app.load_calendar()
        .await
        .map_err(|e| anyhow!("calendar: {}", e.message(Lang::ZhHans)))?;
    let state = onetrip_web::AppState::start(app.clone(), config).await?;
    tokio::spawn(async move {
        let _ = axum_serve(listener, onetrip_web::router(state)).await;
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    Ok(TestApp {
        address,
        client,
        store,
        clock,
        security,
        provider,
        backend,
        app,
        _dir: dir,
    })
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}
