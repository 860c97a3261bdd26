//! Home: the visit in progress with check-out, unseen alerts, the personal QR shortcut, the
//! notice after a store reset, and the sync line.

use super::i18n::Arg;
use super::view::{Banner, ButtonStyle, ButtonView, Level, SyncView};
use super::{App, Effect, Route, UiEvent};
use crate::store::{ResetReason, StoreReset};

/// The home screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct HomeView {
    /// Greeting with the owner's name, or the first-run prompt.
    pub greeting: String,
    /// Visits in progress (one per person checked in).
    pub current: Vec<CurrentVisitView>,
    /// The big scan button.
    pub scan: ButtonView,
    /// "My QR" shortcut (for showing at a door with a scanner).
    pub personal_qr: ButtonView,
    /// Banners, most urgent first: store reset, alerts, a transient notice.
    pub banners: Vec<Banner>,
    /// The sync line.
    pub sync: SyncView,
    /// The other screens.
    pub menu: Vec<ButtonView>,
    /// Set when no profile exists yet: the button that adds the owner.
    pub setup: Option<ButtonView>,
}

/// A visit in progress.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentVisitView {
    /// The visit.
    pub visit_id: String,
    /// Venue name.
    pub venue: String,
    /// "Nguyễn Văn An · từ 09:12 · tự ra lúc 10:12".
    pub detail: String,
    /// Check out now.
    pub check_out: ButtonView,
}

/// How long before the automatic check-out the reminder comes.
pub const REMINDER_LEAD_MS: i64 = 10 * 60_000;

impl App {
    pub(crate) fn reset_text(&self, r: &StoreReset) -> String {
        self.t(match r.reason {
            ResetReason::KeyLost => "reset-key-lost",
            ResetReason::WrongKey => "reset-wrong-key",
            ResetReason::Corrupt => "reset-corrupt",
        })
    }

    pub(crate) fn profile_name(&self, profile_id: &str) -> String {
        self.store
            .profile(profile_id)
            .map(|p| p.full_name)
            .unwrap_or_default()
    }

    pub(crate) fn home_view(&mut self) -> HomeView {
        let _ = self.store.settle();
        let profiles = self.store.profiles().unwrap_or_default();
        let owner = profiles.first();
        let greeting = match owner {
            Some(p) => self.tw("home-greeting", &[("name", Arg::Str(&p.full_name))]),
            None => self.t("home-first-run"),
        };
        let current = self
            .store
            .open_visits()
            .unwrap_or_default()
            .into_iter()
            .map(|v| {
                let name = self.profile_name(&v.profile_id);
                let detail = self.tw(
                    "home-visit-detail",
                    &[
                        ("name", Arg::Str(&name)),
                        ("since", Arg::Str(&self.clock_text(v.started_at))),
                        ("until", Arg::Str(&self.clock_text(v.planned_end))),
                    ],
                );
                let label = self.t("check-out");
                let described = self.tw(
                    "check-out-a11y",
                    &[
                        ("venue", Arg::Str(&v.venue_name)),
                        ("name", Arg::Str(&name)),
                    ],
                );
                CurrentVisitView {
                    check_out: ButtonView::new(
                        label,
                        UiEvent::CheckOut {
                            visit_id: v.id.clone(),
                        },
                        ButtonStyle::Primary,
                    )
                    .described(described),
                    visit_id: v.id,
                    venue: v.venue_name,
                    detail,
                }
            })
            .collect();
        let mut banners = Vec::new();
        if let Some(r) = &self.reset {
            banners.push(Banner {
                text: self.reset_text(r),
                level: Level::Warning,
                action: Some(ButtonView::new(
                    self.t("dismiss"),
                    UiEvent::DismissNotice,
                    ButtonStyle::Plain,
                )),
            });
        }
        let unseen = self.store.unseen_alert_count().unwrap_or(0);
        if unseen > 0 {
            banners.push(Banner {
                text: self.tw(
                    "home-alerts",
                    &[("count", Arg::Num(i64::try_from(unseen).unwrap_or(i64::MAX)))],
                ),
                level: Level::Danger,
                action: Some(ButtonView::new(
                    self.t("open-alerts"),
                    UiEvent::Navigate {
                        route: Route::Alerts,
                    },
                    ButtonStyle::Primary,
                )),
            });
        }
        if let Some(n) = &self.notice {
            banners.push(n.clone());
        }
        let nav = |s: &Self, id: &str, route: Route| {
            ButtonView::new(s.t(id), UiEvent::Navigate { route }, ButtonStyle::Secondary)
        };
        let menu = vec![
            nav(self, "menu-history", Route::History),
            nav(self, "menu-share", Route::ShareCode),
            nav(self, "menu-declaration", Route::Declaration),
            nav(self, "menu-profiles", Route::Profiles),
            nav(self, "menu-alerts", Route::Alerts),
            nav(self, "menu-settings", Route::Settings),
            nav(self, "menu-business", Route::BusinessEnrol),
        ];
        HomeView {
            greeting,
            current,
            scan: ButtonView::new(
                self.t("home-scan"),
                UiEvent::Navigate { route: Route::Scan },
                ButtonStyle::Primary,
            )
            .described(self.t("home-scan-a11y")),
            personal_qr: ButtonView::new(
                self.t("home-my-qr"),
                UiEvent::Navigate {
                    route: Route::PersonalQr,
                },
                ButtonStyle::Secondary,
            )
            .enabled(owner.is_some()),
            banners,
            sync: self.sync_view(),
            menu,
            setup: owner.is_none().then(|| {
                ButtonView::new(
                    self.t("home-add-owner"),
                    UiEvent::AddProfile,
                    ButtonStyle::Primary,
                )
            }),
        }
    }

    /// Checks a visit out (home, history, reminder action).
    pub(crate) fn check_out(&mut self, visit_id: &str) -> Vec<Effect> {
        let mut fx = vec![Effect::CancelReminder {
            id: visit_id.to_owned(),
        }];
        match self.store.check_out(visit_id) {
            Ok(v) => {
                let text = self.tw("checked-out", &[("venue", Arg::Str(&v.venue_name))]);
                self.notice = Some(Banner {
                    text: text.clone(),
                    level: Level::Success,
                    action: None,
                });
                fx.push(Effect::Announce { text });
                fx.extend(self.sync_effect(false));
            }
            Err(e) => {
                tracing::warn!(error = %e, "check-out failed");
                self.notice = Some(Banner {
                    text: self.t("error-visit-gone"),
                    level: Level::Warning,
                    action: None,
                });
            }
        }
        fx
    }

    /// Reminders for every open visit at its planned end (scheduling one again replaces it).
    pub(crate) fn reminder_effects(&self) -> Vec<Effect> {
        self.store
            .open_visits()
            .unwrap_or_default()
            .into_iter()
            .map(|v| Effect::ScheduleReminder {
                // Ten minutes before the automatic check-out, so the user can leave on time or
                // stay (scan again).
                at_ms: (v.planned_end - REMINDER_LEAD_MS).max(v.started_at),
                title: self.tw("reminder-title", &[("venue", Arg::Str(&v.venue_name))]),
                body: self.tw(
                    "reminder-body",
                    &[("until", Arg::Str(&self.clock_text(v.planned_end)))],
                ),
                action_label: self.t("check-out"),
                id: v.id,
            })
            .collect()
    }
}
