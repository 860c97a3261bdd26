//! A small JSON client for the server's tool API and device API (what a portal, a script or a
//! staff phone's enrolment screen would send).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use quetma_core::api::DEVICE_HEADER;
use serde_json::Value;

/// A device id for requests the harness makes itself.
pub const HARNESS_DEVICE: &str = "E2EHARNESS0000000000";

/// An HTTP client for one server.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// reqwest is built without a TLS provider (as core uses it): hand it rustls with ring. The
/// tests speak plain HTTP to loopback, so no roots are needed.
fn client() -> Result<reqwest::Client> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(Duration::from_secs(60))
        .build()?)
}

impl Api {
    /// A client for `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Result<Self> {
        Ok(Self {
            http: client()?,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Whether the server answers at all.
    pub async fn ping(&self) -> bool {
        self.http
            .get(self.url(quetma_core::api::PATH_TRUST_LIST))
            .header(DEVICE_HEADER, HARNESS_DEVICE)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok()
    }

    async fn finish(resp: reqwest::Response, what: &str) -> Result<Vec<u8>> {
        let status = resp.status();
        let body = resp.bytes().await?.to_vec();
        if !status.is_success() {
            bail!(
                "{what}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(500)
                    .collect::<String>()
            );
        }
        Ok(body)
    }

    /// `POST path` with a JSON body (and a bearer token); the JSON answer.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Result<Value> {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let b = Self::finish(req.send().await?, &format!("POST {path}")).await?;
        serde_json::from_slice(&b).with_context(|| format!("POST {path}: not JSON"))
    }

    /// `POST path` as a device (the `QuetMa-Device` header); the JSON answer.
    pub async fn post_device(&self, path: &str, device: &str, body: &Value) -> Result<Value> {
        let req = self
            .http
            .post(self.url(path))
            .header(DEVICE_HEADER, device)
            .json(body);
        let b = Self::finish(req.send().await?, &format!("POST {path}")).await?;
        serde_json::from_slice(&b).with_context(|| format!("POST {path}: not JSON"))
    }

    /// `GET path` with a bearer token; the raw answer.
    pub async fn get_bytes(&self, path: &str, token: &str) -> Result<Vec<u8>> {
        let req = self.http.get(self.url(path)).bearer_auth(token);
        Self::finish(req.send().await?, &format!("GET {path}")).await
    }

    /// `GET path` with a bearer token; the JSON answer.
    pub async fn get_json(&self, path: &str, token: &str) -> Result<Value> {
        let b = self.get_bytes(path, token).await?;
        serde_json::from_slice(&b).with_context(|| format!("GET {path}: not JSON"))
    }
}
