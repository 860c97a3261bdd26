//! Sync and exposure alerts: `QuetMaApp.sync(settings, handle, progress?)` is an async call
//! (a Kotlin `suspend fun`, a Swift `async` method) running core's sync client on tokio;
//! [`SyncHandle::cancel`] stops it with [`QuetMaError::Cancelled`], leaving the outbox
//! consistent. Alerts are listed and marked seen here; matching itself is in core.

use std::sync::Arc;
use std::time::Duration;

use quetma_core::api::{ExposureLevel as CoreLevel, RejectReason as CoreReject};
use quetma_core::exposure;
use quetma_core::sync::{
    self as core_sync, CancelToken, SyncClient, SyncConfig, SyncProgressUpdate,
    SyncStage as CoreStage,
};

use crate::app::QuetMaApp;
use crate::error::{QuetMaError, Result};
use crate::types::Label;

/// Where and how to sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncSettings {
    /// Server base URL (`https://…`; `http://` only to a loopback host).
    pub server_url: String,
    /// The phone's random device id (16–64 letters and digits; see [`new_device_id`]).
    pub device_id: String,
    /// A staff phone's scanner token (from enrolment) for visitor-log uploads.
    #[uniffi(default)]
    pub scanner_token: Option<String>,
    /// Time allowed for one request, ms (core's default, 60 s, when `None`).
    #[uniffi(default)]
    pub request_timeout_ms: Option<u64>,
}

/// How the shells' background job syncs: the period of the periodic job and the first back-off
/// after a failure worth retrying. The core's rule, so the Android and iOS jobs agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct BackgroundSyncPlan {
    /// The periodic sync's period, ms (4 h: alerts arrive within a few hours even when the app
    /// stays closed, at a few requests a day).
    pub period_ms: u64,
    /// The first wait after a transient failure, ms; the scheduler doubles it from there.
    pub first_backoff_ms: u64,
}

/// The background sync plan (see [`BackgroundSyncPlan`]).
#[uniffi::export]
pub fn background_sync_plan() -> BackgroundSyncPlan {
    BackgroundSyncPlan {
        period_ms: 4 * 3_600_000,
        first_backoff_ms: 60_000,
    }
}

/// What a background sync came to, for the platform's job scheduler: never an exception.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BackgroundSyncOutcome {
    /// The report when the sync went through.
    pub report: Option<SyncReport>,
    /// Why it failed.
    pub error: Option<QuetMaError>,
    /// Whether the scheduler should run it again later (a network, server, rate-limit or
    /// locked-vault failure: the outbox keeps everything); `false` when it went through or the
    /// failure will not get better by waiting (cancelled, refused, a bad answer).
    pub retry: bool,
}

impl QuetMaError {
    /// Whether waiting and trying again can help.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Network { .. }
                | Self::Server { .. }
                | Self::RateLimited { .. }
                | Self::VaultLocked
        )
    }
}

/// A fresh random device id to keep in the app's preferences (nothing personal).
#[uniffi::export]
pub fn new_device_id() -> Result<String> {
    Ok(quetma_core::store::new_id()?)
}

/// Cancels a running sync. Create one per sync; `cancel()` may be called from any thread.
#[derive(Debug, Default, uniffi::Object)]
pub struct SyncHandle {
    token: CancelToken,
}

#[uniffi::export]
impl SyncHandle {
    /// A handle not yet cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Stops the sync at its next step: it returns `Cancelled`; anything in flight stays
    /// pending and is resent (idempotently) next time.
    pub fn cancel(&self) {
        self.token.cancel();
    }

    /// Whether `cancel()` was called.
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// A sync stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
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

impl From<CoreStage> for SyncStage {
    fn from(s: CoreStage) -> Self {
        match s {
            CoreStage::TrustList => Self::TrustList,
            CoreStage::Exposures => Self::Exposures,
            CoreStage::Uploads => Self::Uploads,
            CoreStage::Done => Self::Done,
        }
    }
}

/// Receives sync progress (on the sync's thread: post to the UI thread).
#[uniffi::export(foreign)]
pub trait SyncProgressListener: Send + Sync {
    /// The stage now running, items sent so far and items still waiting.
    fn on_progress(&self, stage: SyncStage, sent: u64, pending: u64);
}

struct ProgressAdapter(Option<Arc<dyn SyncProgressListener>>);

impl core_sync::SyncProgress for ProgressAdapter {
    fn on_progress(&self, u: SyncProgressUpdate) {
        if let Some(l) = &self.0 {
            l.on_progress(u.stage.into(), u.sent, u.pending);
        }
    }
}

/// Why the server refused an upload for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum UploadRejectReason {
    /// The venue is not registered.
    UnknownVenue,
    /// The venue is suspended.
    VenueSuspended,
    /// A field is out of range.
    Invalid,
    /// Older than the retention window.
    Expired,
    /// The scanner token does not belong to the venue.
    NotEnrolled,
}

impl From<CoreReject> for UploadRejectReason {
    fn from(r: CoreReject) -> Self {
        match r {
            CoreReject::UnknownVenue => Self::UnknownVenue,
            CoreReject::VenueSuspended => Self::VenueSuspended,
            CoreReject::Invalid => Self::Invalid,
            CoreReject::Expired => Self::Expired,
            CoreReject::NotEnrolled => Self::NotEnrolled,
        }
    }
}

/// An upload refused for good.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FailedUpload {
    /// Its client id (random, nothing personal).
    pub client_id: String,
    /// Why.
    pub reason: UploadRejectReason,
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Items the server acknowledged.
    pub sent: u64,
    /// Items still waiting.
    pub pending: u64,
    /// Items refused for good.
    pub failed: Vec<FailedUpload>,
    /// Notices received (0 when the list was unchanged).
    pub notices_received: u64,
    /// New exposure alerts.
    pub alerts_raised: u64,
    /// Alerts removed (withdrawn notices).
    pub alerts_cleared: u64,
    /// Whether a newer trust list was applied.
    pub trust_list_updated: bool,
    /// Server clock minus phone clock, ms.
    pub server_offset_ms: Option<i64>,
}

impl From<core_sync::SyncReport> for SyncReport {
    fn from(r: core_sync::SyncReport) -> Self {
        Self {
            sent: r.sent,
            pending: r.pending,
            failed: r
                .failed
                .into_iter()
                .map(|f| FailedUpload {
                    client_id: f.client_id,
                    reason: f.reason.into(),
                })
                .collect(),
            notices_received: r.notices_received,
            alerts_raised: r.alerts_raised,
            alerts_cleared: r.alerts_cleared,
            trust_list_updated: r.trust_list_updated,
            server_offset_ms: r.server_offset_ms,
        }
    }
}

/// How serious an exposure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ExposureLevel {
    /// Close contact: test and isolate as the guidance says.
    High,
    /// Same place, some overlap: watch for symptoms.
    Low,
}

impl From<CoreLevel> for ExposureLevel {
    fn from(l: CoreLevel) -> Self {
        match l {
            CoreLevel::High => Self::High,
            CoreLevel::Low => Self::Low,
        }
    }
}

/// An exposure alert: a visit overlapped a published case.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExposureAlert {
    /// Alert id.
    pub id: String,
    /// The notice.
    pub notice_id: String,
    /// The visit that matched.
    pub visit_id: String,
    /// Whose visit (the user or a dependent).
    pub profile_id: String,
    /// Venue id.
    pub venue_id: String,
    /// Venue name.
    pub venue_name: String,
    /// How serious.
    pub level: ExposureLevel,
    /// What to do.
    pub guidance: Label,
    /// Overlap start, Unix ms.
    pub overlap_start_ms: i64,
    /// Overlap end, Unix ms.
    pub overlap_end_ms: i64,
    /// When raised, Unix ms.
    pub raised_at_ms: i64,
    /// When seen, Unix ms.
    pub seen_at_ms: Option<i64>,
}

impl From<exposure::ExposureAlert> for ExposureAlert {
    fn from(a: exposure::ExposureAlert) -> Self {
        Self {
            id: a.id,
            notice_id: a.notice_id,
            visit_id: a.visit_id,
            profile_id: a.profile_id,
            venue_id: a.venue_id,
            venue_name: a.venue_name,
            level: a.level.into(),
            guidance: Label {
                vi: a.guidance_vi,
                en: a.guidance_en,
            },
            overlap_start_ms: a.overlap_start,
            overlap_end_ms: a.overlap_end,
            raised_at_ms: a.raised_at,
            seen_at_ms: a.seen_at,
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl QuetMaApp {
    /// Syncs with the server: trust list, exposure list (alerts), then the outbox. Runs on
    /// tokio; `handle.cancel()` stops it with `Cancelled`. Network, server and signature
    /// failures come back as their typed errors; the outbox keeps what was not acknowledged.
    pub async fn sync(
        &self,
        settings: SyncSettings,
        handle: Arc<SyncHandle>,
        progress: Option<Arc<dyn SyncProgressListener>>,
    ) -> Result<SyncReport> {
        let bundled = self.with_keys(|k| Ok(k.trust.clone()))?;
        let mut config = SyncConfig::new(settings.server_url, settings.device_id, bundled);
        config.scanner_token = settings.scanner_token;
        if let Some(ms) = settings.request_timeout_ms {
            config.request_timeout = Duration::from_millis(ms.max(1));
            config.connect_timeout = config.connect_timeout.min(config.request_timeout);
        }
        let client = SyncClient::new(self.store.clone(), config)?;
        // Two syncs at once would send the same items twice (harmless, but wasteful): the
        // second waits, and may be cancelled while it waits.
        let _running = tokio::select! {
            biased;
            () = handle.token.cancelled() => return Err(QuetMaError::Cancelled),
            guard = self.sync_lock.lock() => guard,
        };
        let result = client.sync(&ProgressAdapter(progress), &handle.token).await;
        self.emit_outbox();
        let report = result?;
        if report.trust_list_updated {
            // Posters signed by a key the new list added verify from now on (for this run of
            // the app; the shell keeps its pinned bundle, the store keeps the learnt keys).
            let learnt = {
                let keys = self.with_keys(|k| Ok(k.trust.clone()))?;
                self.store.trusted_keys(&keys)?
            };
            // Contact records are sealed to the key the verified list names from now on.
            let sealing = self.store.trusted_sealing_key()?;
            if let Ok(mut keys) = self.keys.write() {
                keys.trust = learnt;
                if let Some(sealing) = sealing {
                    keys.sealing = sealing;
                }
            }
        }
        Ok(report.into())
    }

    /// [`sync`](Self::sync) for a background job: the outcome says whether to retry.
    pub async fn sync_in_background(
        &self,
        settings: SyncSettings,
        handle: Arc<SyncHandle>,
    ) -> BackgroundSyncOutcome {
        match self.sync(settings, handle, None).await {
            Ok(report) => BackgroundSyncOutcome {
                report: Some(report),
                error: None,
                retry: false,
            },
            Err(e) => BackgroundSyncOutcome {
                retry: e.is_transient(),
                report: None,
                error: Some(e),
            },
        }
    }
}

#[uniffi::export]
impl QuetMaApp {
    /// Every exposure alert, newest first.
    pub fn alerts(&self) -> Result<Vec<ExposureAlert>> {
        Ok(self.store.alerts()?.into_iter().map(Into::into).collect())
    }

    /// How many alerts the user has not seen.
    pub fn unseen_alert_count(&self) -> Result<u64> {
        Ok(self.store.unseen_alert_count()?)
    }

    /// Marks an alert seen.
    pub fn mark_alert_seen(&self, alert_id: String) -> Result<()> {
        Ok(self.store.mark_alert_seen(&alert_id)?)
    }

    /// Marks every alert seen; returns how many were unseen.
    pub fn mark_all_alerts_seen(&self) -> Result<u64> {
        Ok(self.store.mark_all_alerts_seen()?)
    }

    /// Server clock minus phone clock, ms, from the last sync (to show times in server time).
    pub fn server_offset_ms(&self) -> Result<Option<i64>> {
        Ok(self.store.server_offset_ms()?)
    }
}

impl From<core_sync::SyncError> for QuetMaError {
    fn from(e: core_sync::SyncError) -> Self {
        use core_sync::{NetworkFailure, SyncError as E};
        match e {
            E::Network(n) => Self::Network {
                reason: match n {
                    NetworkFailure::Connect => "connect",
                    NetworkFailure::Timeout => "timeout",
                    NetworkFailure::Interrupted => "interrupted",
                }
                .into(),
            },
            E::Server { status, code } => Self::Server { status, code },
            E::RateLimited { retry_after_ms } => Self::RateLimited { retry_after_ms },
            E::InvalidResponse(what) => Self::InvalidResponse {
                reason: what.into(),
            },
            E::Signature { document, source } => Self::Signature {
                document: document.into(),
                reason: source.to_string(),
            },
            E::Config(what) => Self::invalid(format!("sync configuration: {what}")),
            E::Cancelled => Self::Cancelled,
            E::Store(s) => s.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quetma_core::api::SignedError;
    use quetma_core::sync::{NetworkFailure, SyncError};

    #[test]
    fn background_jobs_retry_only_what_waiting_can_fix() {
        let retry = |e: SyncError| QuetMaError::from(e).is_transient();
        assert!(retry(SyncError::Network(NetworkFailure::Timeout)));
        assert!(QuetMaError::VaultLocked.is_transient());
        assert!(!QuetMaError::Cancelled.is_transient());
        assert!(!QuetMaError::InvalidResponse { reason: "x".into() }.is_transient());
        let plan = background_sync_plan();
        assert!(plan.first_backoff_ms < plan.period_ms);
    }

    #[test]
    fn sync_errors_map_to_stable_variants() {
        assert_eq!(
            QuetMaError::from(SyncError::Network(NetworkFailure::Timeout)),
            QuetMaError::Network {
                reason: "timeout".into()
            }
        );
        assert_eq!(
            QuetMaError::from(SyncError::Cancelled),
            QuetMaError::Cancelled
        );
        assert_eq!(
            QuetMaError::from(SyncError::Signature {
                document: "exposure list",
                source: SignedError::UnknownKey
            }),
            QuetMaError::Signature {
                document: "exposure list".into(),
                reason: "signed by an unknown key".into()
            }
        );
        assert!(matches!(
            QuetMaError::from(SyncError::Server {
                status: 503,
                code: None
            }),
            QuetMaError::Server { status: 503, .. }
        ));
    }
}
