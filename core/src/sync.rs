//! The phone's sync client: fetches the signed trust list and exposure list, matches the
//! notices against the visits kept here (raising alerts), and uploads the outbox.
//!
//! One [`SyncClient::sync`] runs three stages in order — trust list, exposure list, uploads.
//! A network failure, a 429, a store error or a cancellation stops it at once; any other failure
//! of the list stages (a list that does not verify, a server error, a garbled answer) still lets
//! the uploads run, and is returned afterwards. Errors are typed ([`SyncError`]); whatever a
//! stage stored stays stored, and nothing of a failed stage is. The outbox is always left
//! consistent: an upload the server acknowledged is marked sent, one it refused for good is
//! marked rejected (never resent), and one that failed in transit keeps its body and is due
//! again after an exponential back-off with full jitter ([`Backoff`]), saved per item as
//! `next_attempt_at` so it holds across app restarts. Client ids are stable, so a resend after a
//! lost answer is idempotent on the server.
//!
//! HTTP runs on `reqwest` with rustls (ring provider, Mozilla's root set from `webpki-roots`):
//! no OpenSSL and no native TLS, the same on Android and iOS. Only `https://` is allowed,
//! except to loopback hosts (tests, the end-to-end harness).
//!
//! Nothing personal reaches a log, an error or a URL: requests carry the random device id in a
//! header; errors name the stage and the status, never a body or an id.

mod backoff;
mod state;
pub(crate) use state::{get as state_get, set as state_set};

pub use backoff::{Backoff, random_unit};
pub use state::SyncState;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::sync::Notify;

use crate::api::{
    self, ApiError, ExposureList, RejectReason, SignedError, TrustListDoc, UploadBatch,
    UploadResponse,
};
use crate::exposure;
use crate::keys::TrustList;
use crate::outbox::{OutboxItem, OutboxKind, VisitUpload, VisitorUpload};
use crate::store::{Store, StoreError};

/// Largest answer body read, bytes (a full exposure list of a bad week fits many times over).
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// How the client reaches the server.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Server base URL (`https://…`; `http://` only to a loopback host).
    pub base_url: String,
    /// The phone's random device id (sent as [`api::DEVICE_HEADER`]).
    pub device_id: String,
    /// A staff phone's scanner token for visitor-log uploads.
    pub scanner_token: Option<String>,
    /// The signing keys the app ships with (always trusted).
    pub bundled_trust: TrustList,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request and its answer.
    pub request_timeout: Duration,
    /// Retry schedule for failed uploads.
    pub backoff: Backoff,
}

impl SyncConfig {
    /// A configuration with the default timeouts (10 s to connect, 60 s per request) and
    /// back-off.
    pub fn new(
        base_url: impl Into<String>,
        device_id: impl Into<String>,
        trust: TrustList,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            device_id: device_id.into(),
            scanner_token: None,
            bundled_trust: trust,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            backoff: Backoff::default(),
        }
    }
}

/// What failed on the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetworkFailure {
    /// The server could not be reached (no route, refused, DNS, TLS handshake).
    Connect,
    /// The server did not answer in time.
    Timeout,
    /// The connection broke during the exchange.
    Interrupted,
}

impl NetworkFailure {
    fn code(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Interrupted => "interrupted",
        }
    }
}

/// Why a sync stopped. Messages name the stage, the status or the rule, never personal data.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The network failed; the outbox is kept and retried after a back-off.
    #[error("network error ({})", .0.code())]
    Network(NetworkFailure),
    /// The server answered with an error status.
    #[error("server error {status}{}", .code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Server {
        /// HTTP status.
        status: u16,
        /// The stable code of the [`ApiError`] body, if it had one.
        code: Option<String>,
    },
    /// The server asks to slow down (429); uploads wait at least this long.
    #[error("rate limited")]
    RateLimited {
        /// From `Retry-After`, ms.
        retry_after_ms: Option<i64>,
    },
    /// The answer was not what the API promises (garbage body, a gap in the list's deltas).
    #[error("invalid answer from the server: {0}")]
    InvalidResponse(&'static str),
    /// A signed document did not verify with the keys the phone trusts; nothing was stored.
    #[error("{document} rejected: {source}")]
    Signature {
        /// Which document.
        document: &'static str,
        /// Why.
        source: SignedError,
    },
    /// The configuration is not usable (URL, device id, token).
    #[error("sync configuration invalid: {0}")]
    Config(&'static str),
    /// The sync was cancelled; the outbox is consistent (what was in flight stays pending).
    #[error("sync cancelled")]
    Cancelled,
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why sending one's history with a case code failed.
#[derive(Debug, thiserror::Error)]
pub enum CaseShareError {
    /// The server does not know the code, or it was used or has expired (404 `unknown_code`):
    /// the person needs a new code from the health worker.
    #[error("case code unknown, used or expired")]
    CodeRefused,
    /// The server refused visits outside the code's window (409; the phone's clock is off).
    #[error("visits outside the case code's window")]
    OutsideWindow,
    /// Nothing to send, or more than [`api::MAX_SHARED_VISITS`] visits (checked before sending).
    #[error("1 to {max} visits can be shared", max = api::MAX_SHARED_VISITS)]
    VisitCount,
    /// Any other failure, as a sync would have it (network, rate limit, server error…).
    #[error(transparent)]
    Sync(#[from] SyncError),
}

/// A sync stage, for progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncStage {
    /// Fetching the trust list.
    TrustList,
    /// Fetching and matching the exposure list.
    Exposures,
    /// Uploading the outbox.
    Uploads,
    /// Finished.
    Done,
}

/// A progress update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncProgressUpdate {
    /// The stage now running.
    pub stage: SyncStage,
    /// Items uploaded so far in this sync.
    pub sent: u64,
    /// Items still waiting in the outbox.
    pub pending: u64,
}

/// Receives progress updates (called on the sync's task; keep it quick).
pub trait SyncProgress: Send + Sync {
    /// One update.
    fn on_progress(&self, update: SyncProgressUpdate);
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl SyncProgress for NoProgress {
    fn on_progress(&self, _: SyncProgressUpdate) {}
}

/// Cancels a running sync from anywhere (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: Arc<(AtomicBool, Notify)>,
}

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels: the sync stops at its next await and returns [`SyncError::Cancelled`].
    pub fn cancel(&self) {
        self.inner.0.store(true, Ordering::SeqCst);
        self.inner.1.notify_waiters();
    }

    /// Whether cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.inner.0.load(Ordering::SeqCst)
    }

    /// Resolves once [`CancelToken::cancel`] is called.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.inner.1.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }

    fn check(&self) -> Result<(), SyncError> {
        if self.is_cancelled() {
            Err(SyncError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// An upload the server refused for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedItem {
    /// The item's client id (a random id, nothing personal).
    pub client_id: String,
    /// Why.
    pub reason: RejectReason,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Items the server acknowledged in this sync.
    pub sent: u64,
    /// Items still waiting (not sent, not refused).
    pub pending: u64,
    /// Items refused for good in this sync.
    pub failed: Vec<FailedItem>,
    /// Notices in the exposure list received (0 when unchanged).
    pub notices_received: u64,
    /// New alerts.
    pub alerts_raised: u64,
    /// Alerts removed because their notice was withdrawn.
    pub alerts_cleared: u64,
    /// Whether a newer trust list was applied.
    pub trust_list_updated: bool,
    /// Server clock minus phone clock, ms, if an answer carried the time.
    pub server_offset_ms: Option<i64>,
}

/// The sync client. Cheap to share; one sync at a time per store is the caller's rule.
#[derive(Debug, Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    base: Url,
    store: Store,
    config: SyncConfig,
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// rustls with the ring provider and Mozilla's roots (see the module documentation).
fn tls_config() -> Result<rustls::ClientConfig, SyncError> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| SyncError::Config("TLS"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn map_reqwest(e: &reqwest::Error) -> SyncError {
    if e.is_timeout() {
        SyncError::Network(NetworkFailure::Timeout)
    } else if e.is_connect() {
        SyncError::Network(NetworkFailure::Connect)
    } else if e.is_builder() {
        SyncError::Config("request")
    } else {
        SyncError::Network(NetworkFailure::Interrupted)
    }
}

/// `Retry-After` in ms: delta-seconds or an HTTP date.
fn retry_after_ms(headers: &HeaderMap, now_ms: i64) -> Option<i64> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<i64>() {
        return Some(secs.max(0).saturating_mul(1000));
    }
    http_date_ms(v).map(|t| (t - now_ms).max(0))
}

/// An HTTP date (`Wed, 25 Nov 2026 22:11:25 GMT`) in Unix ms.
pub(crate) fn http_date_ms(v: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// A stable code from an [`ApiError`] body (only short `snake_case` codes are kept).
fn api_code(body: &[u8]) -> Option<String> {
    let e: ApiError = serde_json::from_slice(body).ok()?;
    let ok = !e.code.is_empty()
        && e.code.len() <= 40
        && e.code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    ok.then_some(e.code)
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl SyncClient {
    /// A client for `store` with `config`.
    pub fn new(store: Store, config: SyncConfig) -> Result<Self, SyncError> {
        let mut base = Url::parse(&config.base_url).map_err(|_| SyncError::Config("base URL"))?;
        match base.scheme() {
            "https" => {}
            "http" if is_loopback(&base) => {}
            _ => return Err(SyncError::Config("base URL must be https")),
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let device =
            HeaderValue::from_str(&config.device_id).map_err(|_| SyncError::Config("device id"))?;
        let len = config.device_id.len();
        if !(16..=64).contains(&len) || !config.device_id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(SyncError::Config("device id"));
        }
        let mut headers = HeaderMap::new();
        headers.insert(api::DEVICE_HEADER, device);
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .default_headers(headers)
            .user_agent(concat!("QuetMa/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| SyncError::Config("HTTP client"))?;
        Ok(Self {
            http,
            base,
            store,
            config,
        })
    }

    /// The store this client syncs.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn url(&self, path: &str) -> Result<Url, SyncError> {
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|_| SyncError::Config("base URL"))
    }

    /// Sends a request and reads the whole answer, racing `cancel`. Records the server's clock
    /// offset from `Date`.
    async fn exchange(
        &self,
        req: reqwest::RequestBuilder,
        cancel: &CancelToken,
    ) -> Result<Answer, SyncError> {
        cancel.check()?;
        let work = async {
            let sent_at = self.store.now_ms();
            let mut resp = req.send().await.map_err(|e| map_reqwest(&e))?;
            let status = resp.status();
            let headers = resp.headers().clone();
            if resp
                .content_length()
                .is_some_and(|l| l > MAX_RESPONSE_BYTES as u64)
            {
                return Err(SyncError::InvalidResponse("answer too large"));
            }
            // Read chunk by chunk, so an endless body stops at the limit.
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| map_reqwest(&e))? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(SyncError::InvalidResponse("answer too large"));
                }
                body.extend_from_slice(&chunk);
            }
            let received_at = self.store.now_ms();
            if let Some(server) = headers
                .get(header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(http_date_ms)
            {
                // Date has whole seconds: add half a second, compare with the midpoint.
                let mid = sent_at + (received_at - sent_at) / 2;
                self.record_offset(server + 500 - mid)?;
            }
            Ok(Answer {
                status,
                headers,
                body,
            })
        };
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(SyncError::Cancelled),
            r = work => r,
        }
    }

    fn record_offset(&self, offset: i64) -> Result<(), SyncError> {
        self.store
            .set_state(state::SERVER_OFFSET, &offset.to_string())?;
        Ok(())
    }

    /// Turns a non-success status into its error.
    fn check_status(&self, a: &Answer) -> Result<(), SyncError> {
        let s = a.status;
        if s.is_success() || s == StatusCode::NOT_MODIFIED {
            return Ok(());
        }
        if s == StatusCode::TOO_MANY_REQUESTS {
            return Err(SyncError::RateLimited {
                retry_after_ms: retry_after_ms(&a.headers, self.store.now_ms()),
            });
        }
        Err(SyncError::Server {
            status: s.as_u16(),
            code: api_code(&a.body),
        })
    }

    fn parse<T: DeserializeOwned>(body: &[u8], what: &'static str) -> Result<T, SyncError> {
        serde_json::from_slice(body).map_err(|_| SyncError::InvalidResponse(what))
    }

    /// Redeems a staff-phone enrolment code (from the owner's one-time QR) for a scanner
    /// binding. A used, expired or unknown code is `Server { status: 404 | 410, .. }`.
    pub async fn enrol(
        &self,
        code: &str,
        cancel: &CancelToken,
    ) -> Result<api::EnrolResponse, SyncError> {
        let req = self
            .http
            .post(self.url(api::PATH_ENROL)?)
            .json(&api::EnrolRequest {
                code: code.to_owned(),
            });
        let a = self.exchange(req, cancel).await?;
        self.check_status(&a)?;
        Self::parse::<api::EnrolResponse>(&a.body, "enrolment answer")
    }

    /// Sends a confirmed person's own visits to the tracer's case with a one-time case code
    /// (`POST /api/v1/case-share`, with the device header like every call). An unknown, used or
    /// expired code is [`CaseShareError::CodeRefused`]; network failures and other statuses are
    /// [`CaseShareError::Sync`] as in [`SyncClient::sync`]. Nothing is stored on the phone.
    pub async fn share_case(
        &self,
        code: &str,
        visits: &[api::SharedVisit],
        cancel: &CancelToken,
    ) -> Result<api::CaseShareResponse, CaseShareError> {
        if visits.is_empty() || visits.len() > api::MAX_SHARED_VISITS {
            return Err(CaseShareError::VisitCount);
        }
        let req = self
            .http
            .post(self.url(api::PATH_CASE_SHARE)?)
            .json(&api::CaseShareRequest {
                code: code.to_owned(),
                visits: visits.to_vec(),
            });
        let a = self.exchange(req, cancel).await?;
        match self.check_status(&a) {
            Ok(()) => {}
            Err(SyncError::Server { status: 404, .. }) => return Err(CaseShareError::CodeRefused),
            Err(SyncError::Server { status: 409, .. }) => {
                return Err(CaseShareError::OutsideWindow);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Self::parse::<api::CaseShareResponse>(
            &a.body,
            "case share answer",
        )?)
    }

    /// Runs a whole sync: trust list, exposure list (alerts), uploads.
    pub async fn sync(
        &self,
        progress: &dyn SyncProgress,
        cancel: &CancelToken,
    ) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let pending = || -> Result<u64, SyncError> { Ok(self.store.outbox_counts()?.pending) };
        progress.on_progress(SyncProgressUpdate {
            stage: SyncStage::TrustList,
            sent: 0,
            pending: pending()?,
        });
        let lists = async {
            report.trust_list_updated = self.refresh_trust_list(cancel).await?;
            progress.on_progress(SyncProgressUpdate {
                stage: SyncStage::Exposures,
                sent: 0,
                pending: pending()?,
            });
            let ex = self.refresh_exposures(cancel).await?;
            report.notices_received = ex.notices_received;
            report.alerts_raised = ex.alerts_raised;
            report.alerts_cleared = ex.alerts_cleared;
            Ok::<(), SyncError>(())
        }
        .await;
        // The lists failing for a reason of their own does not hold the uploads back.
        let deferred = match lists {
            Ok(()) => None,
            Err(
                e @ (SyncError::Network(_)
                | SyncError::RateLimited { .. }
                | SyncError::Cancelled
                | SyncError::Store(_)
                | SyncError::Config(_)),
            ) => return Err(e),
            Err(e) => Some(e),
        };
        self.upload_outbox(progress, cancel, &mut report).await?;
        if let Some(e) = deferred {
            return Err(e);
        }
        report.pending = self.store.outbox_counts()?.pending;
        report.server_offset_ms = self.store.server_offset_ms()?;
        self.store
            .set_state(state::LAST_SYNC, &self.store.now_ms().to_string())?;
        progress.on_progress(SyncProgressUpdate {
            stage: SyncStage::Done,
            sent: report.sent,
            pending: report.pending,
        });
        Ok(report)
    }

    /// Fetches the trust list, verifies it with the keys already trusted (bundled and learnt)
    /// and keeps its keys. Returns whether a newer list was applied.
    pub async fn refresh_trust_list(&self, cancel: &CancelToken) -> Result<bool, SyncError> {
        let a = self
            .exchange(self.http.get(self.url(api::PATH_TRUST_LIST)?), cancel)
            .await?;
        self.check_status(&a)?;
        let signed: api::Signed<TrustListDoc> = Self::parse(&a.body, "trust list")?;
        let trust = self.store.trusted_keys(&self.config.bundled_trust)?;
        let doc = signed
            .verify(&trust)
            .map_err(|source| SyncError::Signature {
                document: "trust list",
                source,
            })?;
        match self.store.apply_trust_list(&doc) {
            Ok(applied) => Ok(applied),
            Err(StoreError::Invalid(_)) => Err(SyncError::InvalidResponse("trust list key")),
            Err(e) => Err(e.into()),
        }
    }

    /// Fetches the exposure list (a delta after the stored sequence number, `If-None-Match` the
    /// stored ETag), verifies it, stores it and matches it against the visits.
    pub async fn refresh_exposures(
        &self,
        cancel: &CancelToken,
    ) -> Result<ExposureOutcome, SyncError> {
        let st = self.store.sync_state()?;
        let mut url = self.url(api::PATH_EXPOSURES)?;
        if st.exposure_seq > 0 {
            url.query_pairs_mut()
                .append_pair("since", &st.exposure_seq.to_string());
        }
        let mut req = self.http.get(url);
        if let Some(etag) = st.exposure_etag.as_deref() {
            req = req.header(header::IF_NONE_MATCH, etag);
        }
        let a = self.exchange(req, cancel).await?;
        self.check_status(&a)?;
        if a.status == StatusCode::NOT_MODIFIED {
            return Ok(ExposureOutcome::default());
        }
        let signed: api::Signed<ExposureList> = Self::parse(&a.body, "exposure list")?;
        let trust = self.store.trusted_keys(&self.config.bundled_trust)?;
        let list = signed
            .verify(&trust)
            .map_err(|source| SyncError::Signature {
                document: "exposure list",
                source,
            })?;
        if list.since != 0 && list.since > st.exposure_seq {
            return Err(SyncError::InvalidResponse("exposure list skips notices"));
        }
        let etag = a
            .headers
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.len() <= 200)
            .map(str::to_owned);
        let now = self.store.now_ms();
        let seq = if list.since == 0 {
            list.latest_seq
        } else {
            list.latest_seq.max(st.exposure_seq)
        };
        let (raised, cleared) = self.store.write(|tx| {
            let cleared = exposure::apply_list(tx, &list)?;
            let raised = exposure::match_in(tx, now)?;
            state::set(tx, state::EXPOSURE_SEQ, &seq.to_string())?;
            match &etag {
                Some(e) => state::set(tx, state::EXPOSURE_ETAG, e)?,
                None => {
                    tx.execute(
                        "DELETE FROM sync_state WHERE key = ?1",
                        [state::EXPOSURE_ETAG],
                    )?;
                }
            }
            Ok((raised, cleared))
        })?;
        Ok(ExposureOutcome {
            notices_received: list.notices.len() as u64,
            alerts_raised: raised,
            alerts_cleared: cleared,
        })
    }

    /// Uploads every due outbox item, in batches of at most [`api::MAX_BATCH_ITEMS`]. Adds to
    /// `report`; stops at the first failed batch (its items wait out a back-off).
    pub async fn upload_outbox(
        &self,
        progress: &dyn SyncProgress,
        cancel: &CancelToken,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let limit = u32::try_from(api::MAX_BATCH_ITEMS).unwrap_or(500);
        // Every batch moves each of its items out of "due" (sent, rejected or backed off), except
        // one re-queued meanwhile; the bound only guards against a pathological loop.
        for _ in 0..10_000 {
            cancel.check()?;
            let items = self.store.outbox_pending(limit)?;
            if items.is_empty() {
                break;
            }
            progress.on_progress(SyncProgressUpdate {
                stage: SyncStage::Uploads,
                sent: report.sent,
                pending: self.store.outbox_counts()?.pending,
            });
            self.upload_batch(&items, cancel, report).await?;
        }
        Ok(())
    }

    async fn upload_batch(
        &self,
        items: &[OutboxItem],
        cancel: &CancelToken,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let mut batch = UploadBatch {
            sent_at: 0,
            visits: Vec::new(),
            visitors: Vec::new(),
        };
        let mut unreadable = Vec::new();
        let mut in_batch: Vec<&OutboxItem> = Vec::new();
        for item in items {
            let ok = match item.kind {
                OutboxKind::Visit => serde_json::from_str::<VisitUpload>(&item.body)
                    .map(|v| batch.visits.push(v))
                    .is_ok(),
                OutboxKind::Visitor => serde_json::from_str::<VisitorUpload>(&item.body)
                    .map(|v| batch.visitors.push(v))
                    .is_ok(),
            };
            if ok {
                in_batch.push(item);
            } else {
                unreadable.push((item.id.clone(), item.body.clone(), "invalid".to_string()));
                report.failed.push(FailedItem {
                    client_id: item.id.clone(),
                    reason: RejectReason::Invalid,
                });
            }
        }
        if !unreadable.is_empty() {
            self.store.outbox_mark_rejected(&unreadable)?;
        }
        if in_batch.is_empty() {
            return Ok(());
        }
        batch.sent_at = self.store.now_ms();
        let mut req = self.http.post(self.url(api::PATH_UPLOADS)?).json(&batch);
        if let Some(token) = self.config.scanner_token.as_deref()
            && !batch.visitors.is_empty()
        {
            req = req.bearer_auth(token);
        }
        let result = async {
            let a = self.exchange(req, cancel).await?;
            self.check_status(&a)?;
            Self::parse::<UploadResponse>(&a.body, "upload answer")
        }
        .await;
        let resp = match result {
            Ok(r) => r,
            Err(SyncError::Cancelled) => return Err(SyncError::Cancelled),
            Err(e) => {
                self.back_off(&in_batch, &e)?;
                return Err(e);
            }
        };
        // The upload answer's clock is exact to the millisecond (Date has seconds).
        self.record_offset(resp.server_time - batch.sent_at)?;
        let mut sent = Vec::new();
        let mut rejected = Vec::new();
        let mut missing = Vec::new();
        for item in &in_batch {
            if resp.accepted.iter().any(|id| id == &item.id) {
                sent.push((item.id.clone(), item.body.clone()));
            } else if let Some(r) = resp.rejected.iter().find(|r| r.client_id == item.id) {
                let code = serde_json::to_value(r.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "rejected".into());
                rejected.push((item.id.clone(), item.body.clone(), code));
                report.failed.push(FailedItem {
                    client_id: item.id.clone(),
                    reason: r.reason,
                });
            } else {
                missing.push(*item);
            }
        }
        self.store.outbox_mark_sent(&sent)?;
        self.store.outbox_mark_rejected(&rejected)?;
        report.sent += sent.len() as u64;
        if !missing.is_empty() {
            // The server broke its promise to answer for every id: try those again later.
            self.back_off(&missing, &SyncError::InvalidResponse("upload answer"))?;
        }
        Ok(())
    }

    /// Records a failed attempt on each item, due again after its back-off (and no sooner than
    /// the server's `Retry-After`).
    fn back_off(&self, items: &[&OutboxItem], e: &SyncError) -> Result<(), SyncError> {
        let now = self.store.now_ms();
        let floor = match e {
            SyncError::RateLimited {
                retry_after_ms: Some(ms),
            } => *ms,
            _ => 0,
        };
        let reason = match e {
            SyncError::Network(n) => n.code().to_string(),
            SyncError::Server { status, .. } => format!("http_{status}"),
            SyncError::RateLimited { .. } => "rate_limited".into(),
            SyncError::InvalidResponse(_) => "invalid_response".into(),
            _ => "failed".into(),
        };
        let retries: Vec<(String, i64)> = items
            .iter()
            .map(|i| {
                let delay = self
                    .config
                    .backoff
                    .delay_ms(i.attempts, random_unit())
                    .max(floor);
                (i.id.clone(), now.saturating_add(delay))
            })
            .collect();
        self.store.outbox_mark_failed_each(&retries, &reason)?;
        tracing::info!(items = items.len(), reason = %reason, "upload failed; backing off");
        Ok(())
    }
}

/// What fetching the exposure list did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExposureOutcome {
    /// Notices received (0 when unchanged).
    pub notices_received: u64,
    /// New alerts.
    pub alerts_raised: u64,
    /// Alerts removed (withdrawn notices).
    pub alerts_cleared: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse() {
        assert_eq!(
            http_date_ms("Wed, 25 Nov 2026 22:11:25 GMT"),
            Some(1_795_644_685_000)
        );
        assert_eq!(http_date_ms("yesterday"), None);
    }

    #[test]
    fn api_codes_keep_only_stable_codes() {
        assert_eq!(
            api_code(br#"{"code":"rate_limited","message":"x"}"#).as_deref(),
            Some("rate_limited")
        );
        assert_eq!(api_code(br#"{"code":"Nguyen Van An","message":"x"}"#), None);
        assert_eq!(api_code(b"<html>"), None);
    }
}
