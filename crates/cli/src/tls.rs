//! Built-in HTTPS: rustls with the operator's certificate, or one generated at first run
//! (self-signed, kept beside the key file, outside the data directory), and the accept
//! loop that serves the app over it.

use anyhow::{anyhow, Context};
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt as _;

/// Where the certificate and its key come from.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Generate a self-signed pair at these paths when they do not exist.
    pub generate: bool,
    /// Names and addresses the generated certificate covers.
    pub names: Vec<String>,
}

fn generate(files: &TlsFiles) -> anyhow::Result<()> {
    let cert = rcgen::generate_simple_self_signed(files.names.clone())
        .map_err(|e| anyhow!("无法生成 HTTPS 证书：{e}"))?;
    if let Some(dir) = files.cert.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&files.cert, cert.cert.pem())
        .with_context(|| format!("无法写入证书 {}", files.cert.display()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    use std::io::Write as _;
    options
        .open(&files.key)
        .and_then(|mut f| f.write_all(cert.key_pair.serialize_pem().as_bytes()))
        .with_context(|| format!("无法写入证书私钥 {}", files.key.display()))?;
    eprintln!(
        "已生成自签名 HTTPS 证书 {}（覆盖 {}）；正式部署请换成机构证书",
        files.cert.display(),
        files.names.join(", ")
    );
    Ok(())
}

fn read_pair(
    cert: &Path,
    key: &Path,
) -> anyhow::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let certs = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("无法读取证书 {}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("证书 {} 格式不正确：{e}", cert.display()))?;
    if certs.is_empty() {
        return Err(anyhow!("证书文件 {} 中没有证书", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| anyhow!("证书私钥 {} 无法读取：{e}", key.display()))?;
    Ok((certs, key))
}

/// The rustls configuration, generating the certificate first if asked and missing.
pub fn server_config(files: &TlsFiles) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    if files.generate && !(files.cert.exists() && files.key.exists()) {
        generate(files)?;
    }
    let (certs, key) = read_pair(&files.cert, &files.key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| anyhow!("证书与私钥不匹配：{e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves the app over TLS until the process ends. A failed handshake ends that connection
/// only.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
    app: axum::Router,
) -> anyhow::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let tls = match acceptor.accept(tcp).await {
                Ok(t) => t,
                Err(e) => {
                    tracing::debug!(error = %e, %peer, "TLS handshake failed");
                    return;
                }
            };
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                    app.clone().oneshot(req.map(axum::body::Body::new))
                },
            );
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_certificate_loads_and_a_bad_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let files = TlsFiles {
            cert: dir.path().join("tls-cert.pem"),
            key: dir.path().join("tls-key.pem"),
            generate: true,
            names: vec!["localhost".into(), "127.0.0.1".into()],
        };
        assert!(server_config(&files).is_ok());
        assert!(files.cert.exists() && files.key.exists());
        std::fs::write(&files.cert, "not a certificate").unwrap();
        let err = server_config(&TlsFiles {
            generate: false,
            ..files.clone()
        })
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("tls-cert.pem"), "{err}");
    }
}
