//! Serving HTTPS directly: the certificate chain and private key from PEM files
//! (`server.tls_cert`, `server.tls_key`), with rustls and the ring provider.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Marks a request that arrived over TLS (a request extension).
#[derive(Debug, Clone, Copy)]
pub struct OverTls;

/// A TLS acceptor for the certificate chain in `cert` and the key in `key`, both PEM.
pub fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let chain_pem = std::fs::read(cert)
        .with_context(|| format!("`server.tls_cert`: cannot read {}", cert.display()))?;
    let chain = CertificateDer::pem_slice_iter(&chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("`server.tls_cert` {}: {e}", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!(
            "`server.tls_cert` {} holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)",
            cert.display()
        );
    }
    let key_pem = std::fs::read(key)
        .with_context(|| format!("`server.tls_key`: cannot read {}", key.display()))?;
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        anyhow::anyhow!(
            "`server.tls_key` {}: {e} (expected a PEM private key: PKCS#8, PKCS#1 or SEC1)",
            key.display()
        )
    })?;
    let config = ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("TLS protocol versions")?
    .with_no_client_auth()
    .with_single_cert(chain, key_der)
    .map_err(|e| {
        anyhow::anyhow!("`server.tls_cert` and `server.tls_key` do not make a usable pair: {e}")
    })?;
    let mut config = config;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
