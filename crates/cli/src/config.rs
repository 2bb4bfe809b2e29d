//! Typed, layered configuration: defaults, then a TOML file (`--config` /
//! `ONETRIP_CONFIG`), then environment variables, then flags. Secrets are redacted in
//! `Debug`.

use anyhow::{anyhow, Context};
use clap::Args;
use onetrip_app::App;
use onetrip_app::SystemClock;
use onetrip_store::{redact_url, SharedStore};
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Options every subcommand that touches the database takes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// A TOML configuration file.
    #[arg(long, env = "ONETRIP_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the embedded database, search index and attachments live [default: ./onetrip-data].
    #[arg(long, env = "ONETRIP_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// postgres://USER:PASSWORD@HOST/DB, or sqlite://PATH [default: SQLite in the data directory].
    #[arg(
        long,
        env = "ONETRIP_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "ONETRIP_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// The key file (master keys of the field encryption); keep it outside the data
    /// directory [default: onetrip-keys.toml beside the data directory].
    #[arg(long, env = "ONETRIP_KEY_FILE", value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

/// The file layer.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    key_file: Option<PathBuf>,
    /// Reverse proxies whose X-Forwarded-For is believed.
    trusted_proxies: Option<Vec<String>>,
    /// `default` or `mlps` (等保 2.0: complexity and 90-day change).
    password_profile: Option<String>,
    /// Serve HTTPS (with `tls_cert`/`tls_key`, or a certificate generated at first run).
    https: Option<bool>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    /// Extra host names and addresses a generated certificate covers.
    tls_names: Option<Vec<String>>,
    /// Applicant single sign-on through the provincial identity service.
    oidc: Option<OidcFile>,
    /// Wrong passwords or codes in a row that lock an account (default 5).
    lock_after: Option<i64>,
    /// How long a lock lasts (default 15).
    lock_minutes: Option<i64>,
    /// A session ends after this long without a request (default 30).
    session_idle_minutes: Option<i64>,
    /// A session ends this long after sign-in, whatever the activity (default 10).
    session_hours: Option<i64>,
    /// Sign-in attempts per minute from one address (default 120: a hall behind one NAT).
    attempts_per_minute: Option<i64>,
    /// Password hashes computed at once (default 2).
    hashing_slots: Option<i64>,
    /// This server's number in case numbers, 1-99, distinct for each server writing cases
    /// to one database (default 1).
    node: Option<i64>,
    /// Minutes between signed checkpoints of the case journal (default 10).
    checkpoint_minutes: Option<i64>,
    /// Minutes between runs of the duties that come due by themselves: deemed acceptance,
    /// expired deficiencies, escalation (default 5).
    sweep_minutes: Option<i64>,
    /// Where uploaded files go: a folder (default `attachments` in the data directory), or
    /// `s3://BUCKET/PREFIX` with the `s3` feature (credentials from `AWS_*` variables).
    attachments: Option<String>,
}

/// How this server takes part in case work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseDuties {
    pub node: u16,
    pub checkpoint_every: std::time::Duration,
    pub sweep_every: std::time::Duration,
}

impl CaseDuties {
    fn from_file(file: &FileConfig) -> anyhow::Result<CaseDuties> {
        let node = in_range("node", file.node, 1, 1, 99)?;
        let minutes =
            |key: &str, v: Option<i64>, default: i64| -> anyhow::Result<std::time::Duration> {
                let m = in_range(key, v, default, 1, 1440)?;
                Ok(std::time::Duration::from_secs(
                    u64::try_from(m * 60).unwrap_or(600),
                ))
            };
        Ok(CaseDuties {
            node: u16::try_from(node).unwrap_or(1),
            checkpoint_every: minutes("checkpoint_minutes", file.checkpoint_minutes, 10)?,
            sweep_every: minutes("sweep_minutes", file.sweep_minutes, 5)?,
        })
    }
}

/// A setting's value within bounds, or an error naming it.
fn in_range(
    key: &str,
    value: Option<i64>,
    default: i64,
    min: i64,
    max: i64,
) -> anyhow::Result<i64> {
    let v = value.unwrap_or(default);
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(anyhow!(
            "配置项 {key} 的值 {v} 无效，应为 {min} 到 {max} 之间的整数"
        ))
    }
}

/// Sign-in limits an operator may tune; every value is checked against a sane range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    pub lock_after: i64,
    pub lock_minutes: i64,
    pub session_idle_minutes: i64,
    pub session_hours: i64,
    pub attempts_per_minute: i64,
    pub hashing_slots: i64,
}

impl SignInLimits {
    fn from_file(file: &FileConfig) -> anyhow::Result<SignInLimits> {
        let pick = in_range;
        let limits = SignInLimits {
            lock_after: pick("lock_after", file.lock_after, 5, 1, 100)?,
            lock_minutes: pick("lock_minutes", file.lock_minutes, 15, 1, 1440)?,
            session_idle_minutes: pick(
                "session_idle_minutes",
                file.session_idle_minutes,
                30,
                1,
                480,
            )?,
            session_hours: pick("session_hours", file.session_hours, 10, 1, 24)?,
            attempts_per_minute: pick(
                "attempts_per_minute",
                file.attempts_per_minute,
                120,
                10,
                100_000,
            )?,
            hashing_slots: pick("hashing_slots", file.hashing_slots, 2, 1, 64)?,
        };
        if limits.session_idle_minutes > limits.session_hours * 60 {
            return Err(anyhow!(
                "配置项 session_idle_minutes（{}）不能长于 session_hours（{} 小时）",
                limits.session_idle_minutes,
                limits.session_hours
            ));
        }
        Ok(limits)
    }
}

/// The `[oidc]` table. The client secret may come from `ONETRIP_OIDC_CLIENT_SECRET` instead.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OidcFile {
    issuer: String,
    client_id: String,
    client_secret: Option<String>,
    redirect_url: String,
    document_claim: Option<String>,
    phone_claim: Option<String>,
}

/// The resolved configuration.
#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub key_file: PathBuf,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub password_profile: onetrip_domain::auth::PasswordProfile,
    pub https: bool,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_names: Vec<String>,
    pub oidc: Option<onetrip_app::oidc::OidcConfig>,
    pub limits: SignInLimits,
    pub cases: CaseDuties,
    /// A folder or an `s3://` URL.
    pub attachments: String,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("key_file", &self.key_file)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("password_profile", &self.password_profile)
            .field("https", &self.https)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("oidc", &self.oidc)
            .field("limits", &self.limits)
            .field("cases", &self.cases)
            .field("attachments", &redact_url(&self.attachments))
            .finish()
    }
}

impl CommonArgs {
    /// Resolves the layers. Errors name the setting and what is wrong with it.
    pub fn load(&self) -> anyhow::Result<Config> {
        let file = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("无法读取配置文件 {}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| anyhow!("配置文件 {} 有误：{}", path.display(), e.message()))?
            }
            None => FileConfig::default(),
        };
        let limits = SignInLimits::from_file(&file)?;
        let cases = CaseDuties::from_file(&file)?;
        let listen_raw = self
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_raw
            .parse()
            .map_err(|_| anyhow!("监听地址 --listen “{listen_raw}” 无效，应形如 127.0.0.1:8080"))?;
        let data_dir = self
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("onetrip-data"));
        let database_url = self
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("onetrip.sqlite3").display()));
        let key_file = self.key_file.clone().or(file.key_file).unwrap_or_else(|| {
            data_dir
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(
                    || PathBuf::from("onetrip-keys.toml"),
                    |p| p.join("onetrip-keys.toml"),
                )
        });
        let trusted_proxies = file
            .trusted_proxies
            .unwrap_or_default()
            .iter()
            .map(|p| {
                p.parse()
                    .map_err(|_| anyhow!("配置项 trusted_proxies 中的“{p}”不是 IP 地址"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let password_profile = match file.password_profile.as_deref() {
            None | Some("default") => onetrip_domain::auth::PasswordProfile::Default,
            Some("mlps") => onetrip_domain::auth::PasswordProfile::Mlps,
            Some(other) => {
                return Err(anyhow!(
                    "配置项 password_profile 的值“{other}”无效，应为 default 或 mlps"
                ))
            }
        };
        let oidc = match file.oidc {
            None => None,
            Some(o) => {
                let client_secret = std::env::var("ONETRIP_OIDC_CLIENT_SECRET")
                    .ok()
                    .or(o.client_secret)
                    .ok_or_else(|| {
                        anyhow!("配置项 [oidc] 缺少 client_secret（或环境变量 ONETRIP_OIDC_CLIENT_SECRET）")
                    })?;
                Some(onetrip_app::oidc::OidcConfig {
                    issuer: o.issuer,
                    client_id: o.client_id,
                    client_secret,
                    redirect_url: o.redirect_url,
                    document_claim: o.document_claim.unwrap_or_else(|| "id_card_number".into()),
                    phone_claim: o.phone_claim.unwrap_or_else(|| "phone_number".into()),
                })
            }
        };
        let attachments = file
            .attachments
            .unwrap_or_else(|| data_dir.join("attachments").display().to_string());
        Ok(Config {
            attachments,
            limits,
            cases,
            oidc,
            listen,
            data_dir,
            database_url,
            key_file,
            trusted_proxies,
            password_profile,
            https: file.https.unwrap_or(false),
            tls_cert: file.tls_cert,
            tls_key: file.tls_key,
            tls_names: file.tls_names.unwrap_or_default(),
        })
    }
}

impl Config {
    /// Where uploaded files are kept.
    pub fn objects(&self) -> anyhow::Result<onetrip_store::Objects> {
        if self.attachments.starts_with("s3://") {
            #[cfg(feature = "s3")]
            return Ok(onetrip_store::Objects::s3(&self.attachments)?);
            #[cfg(not(feature = "s3"))]
            return Err(anyhow!(
                "配置项 attachments 为 s3:// 地址，但此程序构建时未启用 s3 功能（cargo build --features s3）"
            ));
        }
        Ok(onetrip_store::Objects::local(PathBuf::from(
            &self.attachments,
        ))?)
    }

    /// Opens (and migrates) the database; an unreachable one is one clear error.
    pub async fn open_store(&self) -> anyhow::Result<SharedStore> {
        onetrip_store::files::private_dir(&self.data_dir)
            .with_context(|| format!("无法创建数据目录 {}", self.data_dir.display()))?;
        onetrip_store::open(&self.database_url)
            .await
            .map_err(|e| anyhow!("{e}"))
    }
}

impl Config {
    /// Loads (or, on first run, creates) the key file and opens the field encryption,
    /// password hashing and login limits.
    pub async fn open_security(
        &self,
        store: &SharedStore,
        demo: bool,
    ) -> anyhow::Result<std::sync::Arc<onetrip_app::Security>> {
        let (keys, created) = onetrip_vault::KeyFile::load_or_create(&self.key_file)?;
        if created {
            eprintln!(
                "已生成密钥文件 {}：请妥善备份，并与数据目录分开保存",
                self.key_file.display()
            );
        }
        if let (Ok(k), Ok(d)) = (self.key_file.canonicalize(), self.data_dir.canonicalize()) {
            if k.starts_with(&d) {
                tracing::warn!(key_file = %k.display(), "the key file lies inside the data directory: a copy of the data directory then reveals everything");
            }
        }
        let config = onetrip_app::AuthConfig {
            secure_cookies: self.https,
            oidc: self.oidc.clone(),
            trusted_proxies: self.trusted_proxies.clone(),
            profile: self.password_profile,
            demo,
            lock_after: self.limits.lock_after,
            lock_for: chrono::Duration::minutes(self.limits.lock_minutes),
            idle: chrono::Duration::minutes(self.limits.session_idle_minutes),
            absolute: chrono::Duration::hours(self.limits.session_hours),
            attempts_per_minute: u32::try_from(self.limits.attempts_per_minute).unwrap_or(120),
            hashing_slots: usize::try_from(self.limits.hashing_slots).unwrap_or(2),
            ..onetrip_app::AuthConfig::default()
        };
        Ok(onetrip_app::Security::open(store, &keys, config).await?)
    }

    /// The use cases over the store, with the system clock and the keys opened.
    pub async fn open_app(&self, store: &SharedStore, demo: bool) -> anyhow::Result<App> {
        let security = self.open_security(store, demo).await?;
        Ok(App::on_node(
            store.clone(),
            std::sync::Arc::new(SystemClock),
            security,
            self.objects()?,
            self.cases.node,
        ))
    }
}

impl Config {
    /// The certificate files when serving HTTPS: the operator's, or generated ones beside
    /// the key file.
    pub fn tls_files(&self) -> Option<crate::tls::TlsFiles> {
        if !self.https {
            return None;
        }
        let dir = self
            .key_file
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let generate = self.tls_cert.is_none() && self.tls_key.is_none();
        let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        if !self.listen.ip().is_unspecified() && !self.listen.ip().is_loopback() {
            names.push(self.listen.ip().to_string());
        }
        names.extend(self.tls_names.iter().cloned());
        Some(crate::tls::TlsFiles {
            cert: self
                .tls_cert
                .clone()
                .unwrap_or_else(|| dir.join("onetrip-tls-cert.pem")),
            key: self
                .tls_key
                .clone()
                .unwrap_or_else(|| dir.join("onetrip-tls-key.pem")),
            generate,
            names,
        })
    }
}

/// Logs to standard error; `ONETRIP_LOG` sets the filter (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ONETRIP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tantivy=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> CommonArgs {
        CommonArgs {
            config: None,
            data_dir: None,
            database_url: None,
            listen: None,
            key_file: None,
        }
    }

    #[test]
    fn defaults_need_no_setup() {
        let c = args().load().unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(c.database_url.starts_with("sqlite://onetrip-data/"));
        assert_eq!(c.attachments, "onetrip-data/attachments");
    }

    #[test]
    fn flags_beat_the_file_and_the_password_is_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("onetrip.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ndatabase_url = \"postgres://u:hunter2@h/db\"\n",
        )
        .unwrap();
        let mut a = args();
        a.config = Some(file);
        let from_file = a.load().unwrap();
        assert_eq!(from_file.listen.to_string(), "0.0.0.0:9000");
        assert!(!format!("{from_file:?}").contains("hunter2"));
        a.listen = Some("127.0.0.1:7000".into());
        assert_eq!(a.load().unwrap().listen.to_string(), "127.0.0.1:7000");
    }

    #[test]
    fn the_sign_on_secret_never_shows() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("onetrip.toml");
        std::fs::write(
            &file,
            "https = true\npassword_profile = \"mlps\"\ntrusted_proxies = [\"10.0.0.1\"]\n[oidc]\nissuer = \"https://sso.example\"\nclient_id = \"hall\"\nclient_secret = \"s3cr3t-value\"\nredirect_url = \"https://hall.example/login/sso/callback\"\n",
        )
        .unwrap();
        let mut a = args();
        a.config = Some(file);
        let c = a.load().unwrap();
        assert!(c.https);
        assert_eq!(c.trusted_proxies.len(), 1);
        assert_eq!(c.oidc.as_ref().map(|o| o.client_id.as_str()), Some("hall"));
        assert!(!format!("{c:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn sign_in_limits_come_from_the_file_and_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("onetrip.toml");
        let load = |text: &str| {
            std::fs::write(&file, text).unwrap();
            let mut a = args();
            a.config = Some(file.clone());
            a.load()
        };
        let c = load("").unwrap();
        assert_eq!(
            (
                c.limits.lock_after,
                c.limits.lock_minutes,
                c.limits.attempts_per_minute
            ),
            (5, 15, 120)
        );
        let c = load("lock_after = 10\nlock_minutes = 30\nsession_idle_minutes = 20\nsession_hours = 8\nattempts_per_minute = 600\nhashing_slots = 4\n").unwrap();
        assert_eq!(
            c.limits,
            SignInLimits {
                lock_after: 10,
                lock_minutes: 30,
                session_idle_minutes: 20,
                session_hours: 8,
                attempts_per_minute: 600,
                hashing_slots: 4
            }
        );
        let e = load("lock_after = 0\n").unwrap_err().to_string();
        assert!(e.contains("lock_after") && e.contains("1 到 100"), "{e}");
        let e = load("session_idle_minutes = 300\nsession_hours = 2\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("session_idle_minutes"), "{e}");
    }

    #[test]
    fn bad_values_are_named() {
        let mut a = args();
        a.listen = Some("nowhere".into());
        assert!(a.load().unwrap_err().to_string().contains("--listen"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "colour = 1\n").unwrap();
        a.listen = None;
        a.config = Some(file);
        assert!(a.load().unwrap_err().to_string().contains("colour"));
    }
}
