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

    /// A visitor's web check-in, as a browser does it: `GET path` (the form, its token and the
    /// cookie carrying it), then `POST path` with `fields` and the token; the answer page.
    pub async fn web_check_in(&self, path: &str, fields: &[(&str, &str)]) -> Result<String> {
        let page = self.http.get(self.url(path)).send().await?;
        let cookie = page
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        let html = String::from_utf8(Self::finish(page, &format!("GET {path}")).await?)?;
        let token = html
            .split("name=\"t\" value=\"")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .context("no form token on the check-in page")?
            .to_owned();
        let body = std::iter::once(("t", token.as_str()))
            .chain(fields.iter().copied())
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let resp = self
            .http
            .post(self.url(path))
            .header(reqwest::header::COOKIE, cookie)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await?;
        Ok(String::from_utf8(
            Self::finish(resp, &format!("POST {path}")).await?,
        )?)
    }
}

/// `application/x-www-form-urlencoded` for one key or value (reqwest's `form` feature is off
/// in the workspace; this is the whole of what a browser does).
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
