//! The SMS gateway: one small trait, a file gateway for development (one JSON line a message)
//! and an HTTP gateway for production (`POST` to a URL with a bearer token, the message's
//! idempotency key in `Idempotency-Key`). [`send_once`] retries transient failures and records
//! the key in `sms_sent` once the gateway took the message, so nothing is ever sent twice —
//! also not by a retry after a lost answer, since the gateway sees the same key. The table keeps
//! neither the number nor the text.
//!
//! Texts are written in GSM-7 (Vietnamese without diacritics, see [`plain`]): one SMS holds 160
//! such characters but only 70 with diacritics (UCS-2), and every feature phone shows them.

use std::future::Future;
use std::io::Write as _;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

use crate::params;
use crate::state::AppState;

/// One outgoing message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsMessage {
    /// The number, as given (`0912345678` or `+84912345678`).
    pub to: String,
    /// The text (Vietnamese first).
    pub text: String,
    /// Idempotency key: the same message always has the same key.
    pub key: String,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// Worth another try (network, 5xx, 429).
    #[error("SMS gateway, transient: {0}")]
    Transient(String),
    /// Not worth another try (4xx, bad configuration).
    #[error("SMS gateway refused: {0}")]
    Permanent(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

/// A boxed send future.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

/// Something that hands messages to a carrier.
pub trait SmsGateway: Send + Sync {
    /// Sends one message (once: the caller retries).
    fn send<'a>(&'a self, m: &'a SmsMessage) -> SendFuture<'a>;
}

/// Development: appends each message as a JSON line to a file (and logs the key, not the
/// number).
#[derive(Debug)]
pub struct FileGateway {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileGateway {
    /// Writes to `path` (created when missing).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }
}

impl SmsGateway for FileGateway {
    fn send<'a>(&'a self, m: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(async move {
            let line = serde_json::to_string(m).map_err(|e| SmsError::Permanent(e.to_string()))?;
            let _g = self
                .lock
                .lock()
                .map_err(|_| SmsError::Permanent("file gateway lock".into()))?;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(|e| SmsError::Transient(e.to_string()))?;
            writeln!(f, "{line}").map_err(|e| SmsError::Transient(e.to_string()))?;
            tracing::info!(key = %m.key, "SMS written to the development file");
            Ok(())
        })
    }
}

/// Production: `POST {url}` with `Authorization: Bearer {token}`, `Idempotency-Key: {key}` and
/// the JSON body `{"to", "text", "key"}`; any 2xx is taken, 429 / 5xx / network errors are
/// transient, other statuses permanent.
pub struct HttpGateway {
    url: String,
    token: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for HttpGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpGateway")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl HttpGateway {
    /// A gateway at `url` (https, or http on loopback) with `token`.
    pub fn new(url: &str, token: &str) -> Result<Self, SmsError> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| SmsError::Permanent(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| SmsError::Permanent(format!("HTTP client: {e}")))?;
        Ok(Self {
            url: url.to_owned(),
            token: token.to_owned(),
            client,
        })
    }
}

impl SmsGateway for HttpGateway {
    fn send<'a>(&'a self, m: &'a SmsMessage) -> SendFuture<'a> {
        Box::pin(async move {
            let resp = self
                .client
                .post(&self.url)
                .bearer_auth(&self.token)
                .header("Idempotency-Key", &m.key)
                .json(m)
                .send()
                .await
                .map_err(|e| SmsError::Transient(e.to_string()))?;
            let s = resp.status();
            if s.is_success() {
                Ok(())
            } else if s.as_u16() == 429 || s.is_server_error() {
                Err(SmsError::Transient(format!("HTTP {s}")))
            } else {
                Err(SmsError::Permanent(format!("HTTP {s}")))
            }
        })
    }
}

/// Which gateway a deployment uses (`quetma serve --sms-gateway`).
#[derive(Clone, Default, PartialEq, Eq)]
pub enum GatewayConfig {
    /// No gateway: nothing is sent (receipts and exposure SMS are skipped, with a log line).
    #[default]
    None,
    /// Development: one JSON line a message in this file.
    File(PathBuf),
    /// Production: `POST url` with the bearer `token`.
    Http {
        /// Gateway URL (https, or http on loopback).
        url: String,
        /// Bearer token.
        token: String,
    },
}

impl std::fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => write!(f, "None"),
            Self::File(p) => write!(f, "File({})", p.display()),
            Self::Http { url, .. } => write!(f, "Http({url})"),
        }
    }
}

/// The gateway a configuration names.
pub fn gateway(config: &GatewayConfig) -> Result<Option<Arc<dyn SmsGateway>>, SmsError> {
    Ok(match config {
        GatewayConfig::None => None,
        GatewayConfig::File(p) => Some(Arc::new(FileGateway::new(p.clone()))),
        GatewayConfig::Http { url, token } => Some(Arc::new(HttpGateway::new(url, token)?)),
    })
}

/// `text` in GSM-7's Latin letters: Vietnamese without its diacritics (`Hà Đông` → `Ha Dong`),
/// other letters outside ASCII dropped, white space collapsed, at most `max` characters (cut
/// with `...`).
pub fn plain(text: &str, max: usize) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    let mut out = String::new();
    for c in text.nfd() {
        let c = match c {
            'đ' => 'd',
            'Đ' => 'D',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        // Printable ASCII except the GSM-7 extension characters (two septets each).
        if (' '..='~').contains(&c) && !"[]{}\\^~|`".contains(c) {
            out.push(c);
        }
    }
    let out = out.trim_end();
    if out.chars().count() <= max {
        return out.to_owned();
    }
    let cut: String = out.chars().take(max.saturating_sub(3)).collect();
    format!("{}...", cut.trim_end())
}

/// Most characters in one GSM-7 SMS.
pub const SMS_CHARS: usize = 160;

/// Tries allowed for one message.
pub const MAX_ATTEMPTS: u32 = 4;

/// What [`send_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Handed to the gateway now, after this many attempts.
    Now(u32),
    /// Its key was already sent: not sent again.
    Already,
}

/// Sends `m` unless its key was sent (or is being sent) before: the key is reserved in
/// `sms_sent` first, so two senders racing on one key send it once; transient failures are
/// retried (back-off 200 ms, 400 ms, 800 ms); a message that finally fails releases its key so
/// a later call may try again. `purpose` (`checkin_receipt`, `exposure`, …) is kept beside it.
pub async fn send_once(
    state: &AppState,
    gateway: &dyn SmsGateway,
    m: &SmsMessage,
    purpose: &str,
) -> Result<Sent, SmsError> {
    match state
        .db
        .exec(
            "INSERT INTO sms_sent (key, purpose, sent_at, attempts) VALUES ($1, $2, $3, 0)",
            &params![&m.key, purpose, state.now_ms()],
        )
        .await
    {
        Ok(_) => {}
        Err(e) if e.is_unique_violation() => return Ok(Sent::Already),
        Err(e) => return Err(e.into()),
    }
    let mut attempt = 0;
    let result = loop {
        attempt += 1;
        match gateway.send(m).await {
            Ok(()) => break Ok(()),
            Err(SmsError::Transient(e)) if attempt < MAX_ATTEMPTS => {
                tracing::warn!(key = %m.key, attempt, error = %e, "SMS retry");
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
            }
            Err(e) => break Err(e),
        }
    };
    match result {
        Ok(()) => {
            state
                .db
                .exec(
                    "UPDATE sms_sent SET attempts = $2, sent_at = $3 WHERE key = $1",
                    &params![&m.key, i64::from(attempt), state.now_ms()],
                )
                .await?;
            Ok(Sent::Now(attempt))
        }
        Err(e) => {
            state
                .db
                .exec("DELETE FROM sms_sent WHERE key = $1", &params![&m.key])
                .await?;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    async fn state() -> AppState {
        let db = crate::db::Db::connect("sqlite::memory:").await.unwrap();
        let (keys, _) = crate::state::Keys::generate().unwrap();
        let s = AppState::new(
            db,
            keys,
            crate::state::Config::default(),
            crate::state::Clock::fixed(1_800_000_000_000),
        );
        crate::app::prepare(&s).await.unwrap();
        s
    }

    fn msg(key: &str) -> SmsMessage {
        SmsMessage {
            to: "0912345678".into(),
            text: "QuetMa: đã ghi nhận check-in".into(),
            key: key.into(),
        }
    }

    /// A loopback gateway answering 500 `fail` times, then 200; counts the requests and
    /// checks the token and the idempotency key.
    async fn fake_gateway(fail: u32) -> (String, Arc<AtomicU32>) {
        use axum::http::{HeaderMap, StatusCode};
        let hits = Arc::new(AtomicU32::new(0));
        let h = hits.clone();
        let app = axum::Router::new().route(
            "/sms",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let h = h.clone();
                async move {
                    let n = h.fetch_add(1, Ordering::SeqCst);
                    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
                    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
                    if auth != Some("Bearer tok") || key.is_none() || !body.contains("\"to\"") {
                        return StatusCode::UNAUTHORIZED;
                    }
                    if n < fail {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::ACCEPTED
                    }
                }
            }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await });
        (url, hits)
    }

    #[tokio::test]
    async fn http_gateway_retries_then_never_sends_the_same_key_twice() {
        let s = state().await;
        let (url, hits) = fake_gateway(2).await;
        let g = HttpGateway::new(&url, "tok").unwrap();
        assert_eq!(
            send_once(&s, &g, &msg("k1"), "test").await.unwrap(),
            Sent::Now(3)
        );
        assert_eq!(hits.load(Ordering::SeqCst), 3);
        assert_eq!(
            send_once(&s, &g, &msg("k1"), "test").await.unwrap(),
            Sent::Already
        );
        assert_eq!(hits.load(Ordering::SeqCst), 3, "not sent again");
        // A wrong token is permanent: one try, and the key is free again.
        let bad = HttpGateway::new(&url, "wrong").unwrap();
        assert!(matches!(
            send_once(&s, &bad, &msg("k2"), "test").await,
            Err(SmsError::Permanent(_))
        ));
        assert_eq!(hits.load(Ordering::SeqCst), 4);
        assert_eq!(
            send_once(&s, &g, &msg("k2"), "test").await.unwrap(),
            Sent::Now(1)
        );
    }

    #[tokio::test]
    async fn a_gateway_that_keeps_failing_gives_up_and_releases_the_key() {
        let s = state().await;
        let (url, hits) = fake_gateway(100).await;
        let g = HttpGateway::new(&url, "tok").unwrap();
        assert!(matches!(
            send_once(&s, &g, &msg("k"), "test").await,
            Err(SmsError::Transient(_))
        ));
        assert_eq!(hits.load(Ordering::SeqCst), MAX_ATTEMPTS);
        let left =
            s.db.query_opt("SELECT 1 FROM sms_sent WHERE key = 'k'", &[])
                .await
                .unwrap();
        assert!(left.is_none());
    }

    #[test]
    fn plain_text_is_vietnamese_without_diacritics() {
        assert_eq!(plain("Chợ  Hà Đông\nphường", 50), "Cho Ha Dong phuong");
        assert_eq!(plain("Phở 😷 [Thìn]", 50), "Pho Thin");
        assert_eq!(plain("Nguyễn Thị Hường", 10), "Nguyen...");
        assert_eq!(plain("", 10), "");
    }

    #[tokio::test]
    async fn file_gateway_writes_one_line_a_message_once() {
        let s = state().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sms.jsonl");
        let g = FileGateway::new(&path);
        for _ in 0..2 {
            send_once(&s, &g, &msg("same"), "test").await.unwrap();
        }
        send_once(&s, &g, &msg("other"), "test").await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.contains("đã ghi nhận"));
    }
}
