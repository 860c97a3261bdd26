//! "Share my history with the health worker": a confirmed person sends their own visits to the
//! tracer's case with a one-time case code. The code arrives typed, scanned (the portal's QR,
//! `{BASE}/K/{CODE}`) or through a link that opened the app; the person sees exactly which
//! visits the code's window covers (its first two digits, in days), grouped by day, unticks
//! any they do not want to send, and sends. Nothing leaves the phone before "Send"; a failed
//! send keeps everything on the phone and says what to do.
//!
//! ```text
//!   home menu ─▶ ShareCode ──(typed code)──▶ SharePreview ──Send──▶ RunTask(ShareHistory)
//!   scan / link ─────────────(QR / URL)─────────▲                       │
//!                                  ShareDone ◀── ok ─────────────────────┤
//!                            error in words ◀── code refused / offline ──┘
//! ```

use std::collections::BTreeSet;

use super::feedback::{self, Outcome};
use super::form::{self, FieldKind, FieldView, Values};
use super::i18n::Arg;
use super::view::{Banner, ButtonStyle, ButtonView, ChoiceView, Level};
use super::{App, Effect, Route, UiEvent};
use crate::api::{CaseShareResponse, MAX_SHARED_VISITS, SharedVisit};
use crate::citizen::Visit;
use crate::payload::casecode::{self, CaseCode, CaseCodeLink};
use crate::store::DAY_MS;
use crate::sync::{CaseShareError, SyncError};

/// The field key of the typed case code.
pub const CODE_FIELD: &str = "case_code";

/// Typing (or scanning) the case code.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct ShareCodeView {
    /// What this is and where the code comes from.
    pub intro: String,
    /// The code field (key [`CODE_FIELD`]; sends `FieldChanged`, then `Submit`).
    pub code: FieldView,
    /// Continue to the preview (sends `Submit`).
    pub next: ButtonView,
    /// Scan the health worker's QR instead (the citizen scanner reads it).
    pub scan: ButtonView,
    /// Why the code was not accepted.
    pub error: Option<String>,
}

/// Exactly what will be sent, with the choice to leave visits out.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct SharePreviewView {
    /// Which days the health worker asked for ("the last 14 days, since 07/09/2026").
    pub intro: String,
    /// The consent, said plainly: what is sent, what is not, nothing before "Send".
    pub consent: String,
    /// Whose history (shown when the phone keeps more than one person).
    pub profiles: Vec<ChoiceView>,
    /// The visits of the window, newest day first.
    pub days: Vec<ShareDayView>,
    /// "3 of 4 check-ins will be sent".
    pub summary: String,
    /// Set when there is nothing to send in the window (or no profile yet).
    pub empty: Option<String>,
    /// Send (disabled with nothing ticked, while sending, or offline-configured).
    pub send: ButtonView,
    /// A send is under way.
    pub busy: bool,
    /// Why the last send failed, with what to do (retry, or type another code).
    pub error: Option<Banner>,
}

/// One day of the preview.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct ShareDayView {
    /// "Hôm nay", "03/12/2026".
    pub title: String,
    /// Its visits, newest first.
    pub visits: Vec<ShareVisitView>,
}

/// One visit that may be sent.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct ShareVisitView {
    /// The visit.
    pub visit_id: String,
    /// Venue name.
    pub venue: String,
    /// Venue address.
    pub address: String,
    /// "09:12 – 10:12".
    pub times: String,
    /// Ticked: it will be sent.
    pub selected: bool,
    /// What a tap on the row or its check box sends ([`UiEvent::ToggleShareVisit`]).
    pub toggle: UiEvent,
    /// The whole row for a screen reader, with whether it will be sent.
    pub accessibility: String,
}

/// Sent.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct ShareDoneView {
    /// "Đã gửi 3 lần check-in cho cán bộ y tế".
    pub headline: String,
    /// What happens next.
    pub text: String,
    /// Back home.
    pub done: ButtonView,
}

/// The flow's state.
#[derive(Debug, Default)]
pub(crate) struct ShareState {
    /// What is typed in the code field.
    pub(crate) typed: String,
    pub(crate) code_error: Option<String>,
    /// The code being used.
    pub(crate) code: Option<CaseCode>,
    pub(crate) profile_id: Option<String>,
    /// Visits the person unticked.
    pub(crate) excluded: BTreeSet<String>,
    pub(crate) busy: bool,
    pub(crate) error: Option<Banner>,
    /// Visits the server recorded, after a successful send.
    pub(crate) sent: Option<u64>,
    /// The visits being sent (marked as shared when the server takes them).
    pub(crate) sending: Vec<String>,
}

/// The code's window is cut this much short, so a visit at its very edge is not refused by a
/// server whose clock is a little ahead.
const EDGE_MARGIN_MS: i64 = crate::api::SKEW_TOLERANCE_MS;

impl App {
    /// A case code arrived (typed, scanned, or a link): the preview.
    fn use_case_code(&mut self, code: CaseCode) -> Vec<Effect> {
        let same = self.share.code.as_ref() == Some(&code);
        if !same {
            self.share.excluded.clear();
            self.share.sent = None;
        }
        self.share.code = Some(code);
        self.share.code_error = None;
        self.share.error = None;
        self.share.typed.clear();
        let mut fx = Vec::new();
        match self.route() {
            Route::Scan => fx.extend(self.replace(Route::SharePreview)),
            Route::ShareCode => fx.extend(self.navigate(Route::SharePreview)),
            Route::SharePreview => {}
            _ => {
                fx.extend(self.navigate(Route::Home));
                fx.extend(self.navigate(Route::SharePreview));
            }
        }
        fx
    }

    /// A case-code link read anywhere (camera, image, deep link).
    pub(crate) fn case_code_link(&mut self, link: CaseCodeLink) -> Vec<Effect> {
        match &self.server_url {
            Some(url) if link.is_for(url) => {
                let mut fx = feedback::effects(Outcome::Success).to_vec();
                fx.push(Effect::Announce {
                    text: self.t("share-code-read"),
                });
                fx.extend(self.use_case_code(link.code));
                fx
            }
            _ => {
                let text = self.t("share-other-deployment");
                self.share.code_error = Some(text.clone());
                let mut fx = feedback::effects(Outcome::Rejected).to_vec();
                fx.push(Effect::Announce { text });
                match self.route() {
                    Route::Scan => fx.extend(self.replace(Route::ShareCode)),
                    Route::ShareCode => {}
                    _ => {
                        fx.extend(self.navigate(Route::Home));
                        fx.extend(self.navigate(Route::ShareCode));
                    }
                }
                fx
            }
        }
    }

    /// The code typed on the code screen was submitted.
    pub(crate) fn submit_case_code(&mut self) -> Vec<Effect> {
        match casecode::parse_typed(&self.share.typed) {
            Ok(code) => match casecode::parse_link(&self.share.typed) {
                Some(link) => self.case_code_link(link),
                None => self.use_case_code(code),
            },
            Err(e) => {
                let text = self.t(match e {
                    casecode::CaseCodeError::Empty => "share-code-empty",
                    _ => "share-code-invalid",
                });
                self.share.code_error = Some(text.clone());
                vec![Effect::Announce { text }]
            }
        }
    }

    pub(crate) fn share_code_typed(&mut self, value: String) {
        self.share.typed = value;
        self.share.code_error = None;
    }

    pub(crate) fn share_code_view(&self) -> ShareCodeView {
        let mut values = Values::new();
        values.insert(CODE_FIELD.into(), self.share.typed.clone());
        let mut code = form::field(
            CODE_FIELD,
            self.t("share-code-label"),
            FieldKind::Text,
            &values,
            true,
        );
        code.help = Some(self.t("share-code-help"));
        code.error = self.share.code_error.clone();
        ShareCodeView {
            intro: self.t("share-intro"),
            code,
            next: ButtonView::new(self.t("share-next"), UiEvent::Submit, ButtonStyle::Primary)
                .enabled(!self.share.typed.trim().is_empty()),
            scan: ButtonView::new(
                self.t("share-scan"),
                UiEvent::Navigate { route: Route::Scan },
                ButtonStyle::Secondary,
            ),
            error: self.share.code_error.clone(),
        }
    }

    /// The visits the code's window covers for the chosen person, newest first.
    fn share_window(&self) -> Vec<Visit> {
        let (Some(code), Some(p)) = (
            self.share.code.as_ref(),
            self.chosen_profile(self.share.profile_id.as_ref()),
        ) else {
            return Vec::new();
        };
        let now = self.store.now_ms();
        let from = now - i64::from(code.window_days) * DAY_MS + EDGE_MARGIN_MS;
        self.store
            .visits_between(Some(&p.id), from, now + 1)
            .unwrap_or_default()
    }

    fn chosen_share_visits(&self) -> Vec<Visit> {
        self.share_window()
            .into_iter()
            .filter(|v| !self.share.excluded.contains(&v.id))
            .collect()
    }

    pub(crate) fn share_preview_view(&mut self) -> SharePreviewView {
        let _ = self.store.settle();
        let days_asked = self.share.code.as_ref().map_or(0, |c| c.window_days);
        let now = self.store.now_ms();
        let since = self.date_text(now - i64::from(days_asked) * DAY_MS);
        let chosen = self.chosen_profile(self.share.profile_id.as_ref());
        let visits = self.share_window();
        let today = self.date_text(now);
        let mut days: Vec<ShareDayView> = Vec::new();
        for v in &visits {
            let date = self.date_text(v.started_at);
            let title = if date == today { self.t("today") } else { date };
            let end = v.ended_at.unwrap_or(v.planned_end);
            let times = format!(
                "{} – {}",
                self.clock_text(v.started_at),
                self.clock_text(end)
            );
            let selected = !self.share.excluded.contains(&v.id);
            let accessibility = self.tw(
                if selected {
                    "share-visit-a11y-on"
                } else {
                    "share-visit-a11y-off"
                },
                &[
                    ("venue", Arg::Str(&v.venue_name)),
                    ("day", Arg::Str(&title)),
                    ("times", Arg::Str(&times)),
                ],
            );
            let row = ShareVisitView {
                visit_id: v.id.clone(),
                venue: v.venue_name.clone(),
                address: v.venue_address.clone(),
                times,
                selected,
                toggle: UiEvent::ToggleShareVisit {
                    visit_id: v.id.clone(),
                },
                accessibility,
            };
            match days.last_mut() {
                Some(d) if d.title == title => d.visits.push(row),
                _ => days.push(ShareDayView {
                    title,
                    visits: vec![row],
                }),
            }
        }
        let total = visits.len();
        let picked = visits
            .iter()
            .filter(|v| !self.share.excluded.contains(&v.id))
            .count();
        let n = |x: usize| Arg::Num(i64::try_from(x).unwrap_or(i64::MAX));
        let empty = if chosen.is_none() {
            Some(self.t("need-profile"))
        } else if total == 0 {
            Some(self.tw("share-empty", &[("days", n(days_asked as usize))]))
        } else {
            None
        };
        let summary = if picked > MAX_SHARED_VISITS {
            self.tw("share-too-many", &[("max", n(MAX_SHARED_VISITS))])
        } else {
            self.tw(
                "share-summary",
                &[("count", n(picked)), ("total", n(total))],
            )
        };
        let profiles = self.store.profiles().unwrap_or_default();
        SharePreviewView {
            intro: self.tw(
                "share-window",
                &[
                    ("days", n(days_asked as usize)),
                    ("since", Arg::Str(&since)),
                ],
            ),
            consent: self.t("share-consent"),
            profiles: if profiles.len() > 1 {
                self.profile_choices(chosen.as_ref().map(|p| p.id.as_str()))
            } else {
                Vec::new()
            },
            days,
            summary,
            empty,
            send: ButtonView::new(
                self.tw("share-send", &[("count", n(picked))]),
                UiEvent::SendHistory,
                ButtonStyle::Primary,
            )
            .enabled(
                !self.share.busy
                    && (1..=MAX_SHARED_VISITS).contains(&picked)
                    && self.server_url.is_some(),
            ),
            busy: self.share.busy,
            error: self.share.error.clone().or_else(|| {
                self.server_url.is_none().then(|| Banner {
                    text: self.t("share-no-server"),
                    level: Level::Warning,
                    action: None,
                })
            }),
        }
    }

    pub(crate) fn share_done_view(&self) -> ShareDoneView {
        let n = i64::try_from(self.share.sent.unwrap_or(0)).unwrap_or(i64::MAX);
        ShareDoneView {
            headline: self.tw("share-done", &[("count", Arg::Num(n))]),
            text: self.t("share-done-text"),
            done: ButtonView::new(
                self.t("done"),
                UiEvent::Navigate { route: Route::Home },
                ButtonStyle::Primary,
            ),
        }
    }

    pub(crate) fn share_event(&mut self, e: UiEvent) -> Vec<Effect> {
        match e {
            UiEvent::ToggleShareVisit { visit_id } => {
                if self.share.busy {
                    return Vec::new();
                }
                let on = if self.share.excluded.remove(&visit_id) {
                    true
                } else {
                    self.share.excluded.insert(visit_id.clone());
                    false
                };
                let venue = self
                    .store
                    .visit(&visit_id)
                    .map(|v| v.venue_name)
                    .unwrap_or_default();
                let id = if on { "share-ticked" } else { "share-unticked" };
                vec![Effect::Announce {
                    text: self.tw(id, &[("venue", Arg::Str(&venue))]),
                }]
            }
            UiEvent::SendHistory => self.send_history(),
            _ => Vec::new(),
        }
    }

    fn send_history(&mut self) -> Vec<Effect> {
        let Some(code) = self.share.code.clone() else {
            return self.navigate(Route::ShareCode);
        };
        if self.share.busy || self.server_url.is_none() {
            return Vec::new();
        }
        let visits = self.chosen_share_visits();
        if visits.is_empty() || visits.len() > MAX_SHARED_VISITS {
            return Vec::new();
        }
        self.share.busy = true;
        self.share.error = None;
        let visit_ids: Vec<String> = visits.into_iter().map(|v| v.id).collect();
        self.share.sending.clone_from(&visit_ids);
        vec![
            Effect::Announce {
                text: self.t("share-sending"),
            },
            Effect::RunTask {
                task: super::AppTask::ShareHistory {
                    code: code.code,
                    visit_ids,
                },
            },
        ]
    }

    /// The visits of a share task, as the server takes them (ids the store no longer has are
    /// left out: deleted meanwhile).
    pub(crate) fn shared_visits(&self, visit_ids: &[String]) -> Vec<SharedVisit> {
        visit_ids
            .iter()
            .filter_map(|id| self.store.visit(id).ok())
            .filter(|v| !v.cancelled)
            .map(|v| SharedVisit {
                venue_id: v.venue_id,
                started_at: v.started_at,
                ended_at: v.ended_at,
                planned_end: Some(v.planned_end),
            })
            .collect()
    }

    /// A share task's outcome.
    pub(crate) fn history_shared(
        &mut self,
        r: Result<CaseShareResponse, CaseShareError>,
    ) -> Vec<Effect> {
        self.share.busy = false;
        match r {
            Ok(resp) => {
                // The person is the case: no alert about the visits they sent (the server has
                // them; a failure here loses nothing and is only logged).
                let sent = std::mem::take(&mut self.share.sending);
                if let Err(e) = self.store.mark_visits_shared(&sent) {
                    tracing::warn!(error = %e, "marking shared visits");
                }
                self.share.sent = Some(resp.visits);
                self.share.code = None;
                self.share.excluded.clear();
                let text = self.share_done_view().headline;
                let mut fx = feedback::effects(Outcome::Success).to_vec();
                fx.push(Effect::Announce { text: text.clone() });
                if self.route() == Route::SharePreview {
                    fx.extend(self.replace(Route::ShareDone));
                } else {
                    self.notice = Some(Banner {
                        text,
                        level: Level::Success,
                        action: None,
                    });
                }
                fx
            }
            Err(e) => {
                let retry = ButtonView::new(
                    self.t("share-retry"),
                    UiEvent::SendHistory,
                    ButtonStyle::Primary,
                );
                let (text, action) = match &e {
                    CaseShareError::CodeRefused => (
                        self.t("share-code-refused"),
                        ButtonView::new(
                            self.t("share-other-code"),
                            UiEvent::Navigate {
                                route: Route::ShareCode,
                            },
                            ButtonStyle::Primary,
                        ),
                    ),
                    CaseShareError::OutsideWindow => (self.t("share-outside-window"), retry),
                    CaseShareError::VisitCount => (
                        self.tw(
                            "share-too-many",
                            &[(
                                "max",
                                Arg::Num(i64::try_from(MAX_SHARED_VISITS).unwrap_or(0)),
                            )],
                        ),
                        retry,
                    ),
                    CaseShareError::Sync(SyncError::Network(_)) => (self.t("share-offline"), retry),
                    CaseShareError::Sync(SyncError::Cancelled) => (self.t("share-not-sent"), retry),
                    CaseShareError::Sync(other) => (
                        format!(
                            "{} {}",
                            self.sync_error_text(other),
                            self.t("share-not-sent")
                        ),
                        retry,
                    ),
                };
                tracing::info!(error = %e, "case share failed");
                self.share.error = Some(Banner {
                    text: text.clone(),
                    level: Level::Danger,
                    action: Some(action),
                });
                let mut fx = feedback::effects(Outcome::Rejected).to_vec();
                fx.push(Effect::Announce { text });
                fx
            }
        }
    }

    /// Whose history the preview shows.
    pub(crate) fn select_share_profile(&mut self, profile_id: String) {
        if self.share.profile_id.as_deref() != Some(&profile_id) {
            self.share.excluded.clear();
        }
        self.share.profile_id = Some(profile_id);
    }
}
