//! Network work the flows ask for: a sync (trust list, exposure list, uploads), a staff
//! phone's enrolment, and a confirmed person's history sent with a case code. The flow decides when ([`Effect::RunTask`]); the façade runs the [`Job`]
//! off the UI thread and hands the outcome back, which the flow turns into the next screen.
//! Syncs are throttled here, so no shell needs its own timer rules.

use super::feedback::{self, Outcome};
use super::i18n::Arg;
use super::view::{Banner, ButtonStyle, ButtonView, Level, SyncView};
use super::{App, Effect, UiEvent, Update, saved};
use crate::api::{CaseShareResponse, EnrolResponse, SharedVisit};
use crate::store::new_id;
use crate::sync::{
    CancelToken, CaseShareError, NoProgress, SyncClient, SyncConfig, SyncError, SyncReport,
};

/// A network task.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AppTask {
    /// Sync with the server.
    Sync,
    /// Redeem an enrolment code.
    Enrol {
        /// The code.
        code: String,
    },
    /// Send the ticked visits of one's history to a tracer's case.
    ShareHistory {
        /// The case code.
        code: String,
        /// The visits the person chose (their venue and times are read from the store).
        visit_ids: Vec<String>,
    },
}

/// Least time between two syncs the flows start by themselves.
pub const AUTO_SYNC_EVERY_MS: i64 = 20_000;
/// A sync runs on opening the app when the last one is older than this, even with nothing to
/// send (for new exposure notices).
pub const LIST_REFRESH_MS: i64 = 15 * 60_000;

/// The sync line's state.
#[derive(Debug, Default)]
pub(crate) struct SyncStatus {
    pub(crate) running: bool,
    /// A sync asked for while one ran: another follows it.
    pub(crate) again: bool,
    /// When a sync was asked for that has not started yet.
    pub(crate) requested_at: Option<i64>,
    pub(crate) last_error: Option<String>,
}

/// A task ready to run (holds its own client; no lock on the app).
#[derive(Debug)]
pub struct Job {
    client: SyncClient,
    task: AppTask,
    /// The visits of a share, read from the store when the job was prepared.
    shared: Vec<SharedVisit>,
}

/// A task's result, for [`App::finish_task`].
#[derive(Debug)]
pub enum JobOutcome {
    /// A sync ended.
    Synced(Result<SyncReport, SyncError>),
    /// An enrolment ended.
    Enrolled(Result<EnrolResponse, SyncError>),
    /// A history share ended.
    HistoryShared(Result<CaseShareResponse, CaseShareError>),
}

impl Job {
    /// The task.
    pub fn task(&self) -> &AppTask {
        &self.task
    }

    /// The visits a share task sends (empty for other tasks).
    pub fn shared(&self) -> &[SharedVisit] {
        &self.shared
    }

    /// Runs it (on any tokio runtime).
    pub async fn run(self, cancel: &CancelToken) -> JobOutcome {
        match &self.task {
            AppTask::Sync => JobOutcome::Synced(self.client.sync(&NoProgress, cancel).await),
            AppTask::Enrol { code } => JobOutcome::Enrolled(self.client.enrol(code, cancel).await),
            AppTask::ShareHistory { code, .. } => {
                JobOutcome::HistoryShared(self.client.share_case(code, &self.shared, cancel).await)
            }
        }
    }
}

impl App {
    fn device_id(&self) -> String {
        if let Ok(Some(id)) = self.store.app_value(saved::DEVICE_ID) {
            return id;
        }
        let id = new_id().unwrap_or_default();
        let _ = self.store.set_app_value(saved::DEVICE_ID, Some(&id));
        id
    }

    /// A sync request, when one is due (`force`: the user asked, or a session ended). While a
    /// sync runs, another follows it; while one asked for has not started yet (for at most
    /// [`AUTO_SYNC_EVERY_MS`]), it will carry what is new.
    pub(crate) fn sync_effect(&mut self, force: bool) -> Vec<Effect> {
        if self.server_url.is_none() {
            return Vec::new();
        }
        if self.sync.running {
            self.sync.again = true;
            return Vec::new();
        }
        let now = self.store.now_ms();
        if self
            .sync
            .requested_at
            .is_some_and(|t| now - t < AUTO_SYNC_EVERY_MS)
        {
            return Vec::new();
        }
        if !force {
            let pending = self.store.outbox_counts().map(|c| c.pending).unwrap_or(0);
            let last = self.store.sync_state().ok().and_then(|s| s.last_sync_at);
            let stale = last.is_none_or(|t| now - t >= LIST_REFRESH_MS);
            if pending == 0 && !stale {
                return Vec::new();
            }
        }
        self.sync.requested_at = Some(now);
        vec![Effect::RunTask {
            task: super::AppTask::Sync,
        }]
    }

    /// Prepares `task` to run outside the app's lock; `None` when it cannot run (no server,
    /// a sync already running).
    pub fn prepare_task(&mut self, task: AppTask) -> Option<Job> {
        let url = self.server_url.clone()?;
        if task == AppTask::Sync {
            if self.sync.running {
                return None;
            }
            self.sync.running = true;
            self.sync.requested_at = None;
        }
        let mut config = SyncConfig::new(url, self.device_id(), self.bundled_trust.clone());
        config.scanner_token = self.scanner_token();
        let shared = match &task {
            AppTask::ShareHistory { visit_ids, .. } => self.shared_visits(visit_ids),
            _ => Vec::new(),
        };
        match SyncClient::new(self.store.clone(), config) {
            Ok(client) => Some(Job {
                client,
                task,
                shared,
            }),
            Err(e) => {
                tracing::warn!(error = %e, "sync client");
                self.sync.running = false;
                self.sync.last_error = Some(self.sync_error_text(&e));
                self.share.busy = false;
                None
            }
        }
    }

    /// Turns a task's outcome into the next screen.
    pub fn finish_task(&mut self, outcome: JobOutcome) -> Update {
        let fx = match outcome {
            JobOutcome::Synced(r) => self.synced(r),
            JobOutcome::HistoryShared(r) => self.history_shared(r),
            JobOutcome::Enrolled(r) => {
                self.business.busy = false;
                match r {
                    Ok(resp) => self.enrolled(resp),
                    Err(e) => {
                        let text = match &e {
                            SyncError::Server {
                                status: 404 | 410 | 403,
                                ..
                            } => self.t("enrol-code-used"),
                            SyncError::Network(_) => self.t("sync-offline"),
                            _ => self.sync_error_text(&e),
                        };
                        self.business.error = Some(text.clone());
                        let mut fx = feedback::effects(Outcome::Rejected).to_vec();
                        fx.push(Effect::Announce { text });
                        fx
                    }
                }
            }
        };
        self.update(fx)
    }

    fn synced(&mut self, r: Result<SyncReport, SyncError>) -> Vec<Effect> {
        self.sync.running = false;
        let mut fx = Vec::new();
        if std::mem::take(&mut self.sync.again) {
            fx.extend(self.sync_effect(true));
        }
        match r {
            Ok(report) => {
                self.sync.last_error = None;
                if report.trust_list_updated {
                    self.refresh_trust();
                }
                if let Ok(Some(s)) = self.store.trusted_sealing_key() {
                    self.sealing = s;
                }
                if report.alerts_raised > 0 {
                    let n = i64::try_from(report.alerts_raised).unwrap_or(i64::MAX);
                    let text = self.tw("home-alerts", &[("count", Arg::Num(n))]);
                    fx.extend(feedback::effects(Outcome::Rejected));
                    fx.push(Effect::Announce { text: text.clone() });
                    fx.push(Effect::Notify {
                        id: "exposure".into(),
                        title: self.t("alert-high"),
                        body: text,
                    });
                }
                if report.alerts_cleared > 0 && report.alerts_raised == 0 {
                    self.notice = Some(Banner {
                        text: self.t("alerts-withdrawn"),
                        level: Level::Info,
                        action: None,
                    });
                }
            }
            Err(SyncError::Cancelled) => {}
            Err(e) => {
                tracing::info!(error = %e, "sync failed");
                self.sync.last_error = Some(self.sync_error_text(&e));
            }
        }
        fx
    }

    /// A sync error in words.
    pub(crate) fn sync_error_text(&self, e: &SyncError) -> String {
        self.t(match e {
            SyncError::Network(_) => "sync-offline",
            SyncError::Server { status, .. } if *status >= 500 => "sync-server-down",
            SyncError::Server {
                status: 401 | 403, ..
            } => "sync-not-enrolled",
            SyncError::Server { .. } => "sync-refused",
            SyncError::RateLimited { .. } => "sync-busy",
            SyncError::Signature { .. } => "sync-bad-signature",
            SyncError::InvalidResponse(_) => "sync-bad-answer",
            SyncError::Config(_) => "sync-config",
            SyncError::Cancelled => "sync-cancelled",
            SyncError::Store(_) => "error-storage",
        })
    }

    pub(crate) fn sync_view(&self) -> SyncView {
        let pending = self.store.outbox_counts().map(|c| c.pending).unwrap_or(0);
        let last = self.store.sync_state().ok().and_then(|s| s.last_sync_at);
        let text = if self.server_url.is_none() {
            self.t("sync-no-server")
        } else if self.sync.running {
            self.t("sync-running")
        } else if pending > 0 {
            self.tw(
                "sync-pending",
                &[(
                    "count",
                    Arg::Num(i64::try_from(pending).unwrap_or(i64::MAX)),
                )],
            )
        } else {
            match last {
                Some(t) => self.tw("sync-done-at", &[("time", Arg::Str(&self.clock_text(t)))]),
                None => self.t("sync-never"),
            }
        };
        SyncView {
            text,
            error: self.sync.last_error.clone(),
            running: self.sync.running,
            pending,
            sync_now: self.server_url.is_some().then(|| {
                ButtonView::new(self.t("sync-now"), UiEvent::SyncNow, ButtonStyle::Plain)
                    .enabled(!self.sync.running)
            }),
        }
    }
}
