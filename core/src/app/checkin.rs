//! Confirming a check-in (venue, who comes along, expected stay) and the thank-you screen with
//! "cancel this check-in" for a wrong one, as the UK and German apps did.

use std::collections::BTreeSet;

use super::feedback::{self, Outcome};
use super::i18n::Arg;
use super::view::{Banner, ButtonStyle, ButtonView, ChoiceView, Level};
use super::{App, Effect, Route, UiEvent};
use crate::citizen::visits::CheckInOptions;
use crate::payload::venue::{VenueCategory, VenuePoster};

/// The confirm screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmView {
    /// Venue name.
    pub venue_name: String,
    /// Venue address.
    pub venue_address: String,
    /// Venue category, in words.
    pub category: String,
    /// Who checks in: the user and each dependent, ticked or not.
    pub people: Vec<PersonToggle>,
    /// "Expected stay" label.
    pub stay_label: String,
    /// Stay choices (the poster's default first).
    pub stay: Vec<ChoiceView>,
    /// "Leaving at about 10:12".
    pub leave_at: String,
    /// Check in (disabled with nobody ticked).
    pub confirm: ButtonView,
    /// Not now.
    pub cancel: ButtonView,
    /// Set when nobody is ticked or no profile exists.
    pub warning: Option<String>,
}

/// Someone who may come along.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct PersonToggle {
    /// The profile.
    pub profile_id: String,
    /// Name and relation.
    pub label: String,
    /// Ticked.
    pub checked: bool,
    /// The event ticking sends.
    pub toggle: UiEvent,
}

/// The thank-you screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedInView {
    /// "Cảm ơn bạn đã quét mã".
    pub headline: String,
    /// Venue name.
    pub venue_name: String,
    /// Who was checked in.
    pub who: String,
    /// "Vào lúc 09:12 · tự ra lúc 10:12".
    pub times: String,
    /// Play the check mark's animation (off when the system asks for reduced motion).
    pub animate: bool,
    /// Wrong venue? Cancel.
    pub cancel: ButtonView,
    /// Done.
    pub done: ButtonView,
}

/// The check-in in progress.
#[derive(Debug, Default)]
pub(crate) struct CheckinState {
    pub(crate) pending: Option<Pending>,
    pub(crate) done: Option<Done>,
}

#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) poster: VenuePoster,
    pub(crate) selected: BTreeSet<String>,
    pub(crate) stay_minutes: u32,
}

#[derive(Debug)]
pub(crate) struct Done {
    venue_name: String,
    visit_ids: Vec<String>,
    names: Vec<String>,
    started_at: i64,
    planned_end: i64,
}

/// Stay choices offered besides the poster's default, minutes.
const STAY_CHOICES: [u32; 5] = [15, 30, 60, 120, 240];
/// At lodging and hospitals: nights.
const MULTI_DAY_CHOICES: [u32; 4] = [24 * 60, 2 * 24 * 60, 3 * 24 * 60, 7 * 24 * 60];

fn multi_day(c: VenueCategory) -> bool {
    matches!(c, VenueCategory::Lodging | VenueCategory::Healthcare)
}

impl App {
    /// A verified poster was read: the confirm screen, the owner ticked (everyone who checked
    /// in together last time stays ticked only for that check-in).
    pub(crate) fn begin_confirm(&mut self, poster: VenuePoster, _text: &str) -> Vec<Effect> {
        let owner = self.store.profiles().unwrap_or_default().into_iter().next();
        let stay_minutes = poster.info.default_stay_minutes;
        let text = self.tw("confirm-found", &[("venue", Arg::Str(&poster.info.name))]);
        self.checkin.pending = Some(Pending {
            poster,
            selected: owner.map(|p| p.id).into_iter().collect(),
            stay_minutes,
        });
        let mut fx = feedback::effects(Outcome::Success).to_vec();
        fx.push(Effect::Announce { text });
        if self.route() == Route::Scan {
            fx.extend(self.replace(Route::Confirm));
        } else {
            fx.extend(self.navigate(Route::Confirm));
        }
        fx
    }

    fn stay_text(&self, minutes: u32) -> String {
        if minutes >= 24 * 60 && minutes.is_multiple_of(24 * 60) {
            self.tw(
                "stay-days",
                &[("count", Arg::Num(i64::from(minutes / (24 * 60))))],
            )
        } else if minutes >= 60 && minutes.is_multiple_of(60) {
            self.tw(
                "stay-hours",
                &[("count", Arg::Num(i64::from(minutes / 60)))],
            )
        } else {
            self.tw("stay-minutes", &[("count", Arg::Num(i64::from(minutes)))])
        }
    }

    pub(crate) fn confirm_view(&self) -> Option<ConfirmView> {
        let p = self.checkin.pending.as_ref()?;
        let info = &p.poster.info;
        let profiles = self.store.profiles().unwrap_or_default();
        let people: Vec<PersonToggle> = profiles
            .iter()
            .map(|pr| PersonToggle {
                label: format!("{} ({})", pr.full_name, self.relation_label(pr.relation)),
                checked: p.selected.contains(&pr.id),
                toggle: UiEvent::ToggleCompanion {
                    profile_id: pr.id.clone(),
                },
                profile_id: pr.id.clone(),
            })
            .collect();
        let mut minutes: Vec<u32> = vec![info.default_stay_minutes];
        let extra: &[u32] = if multi_day(info.category) {
            &MULTI_DAY_CHOICES
        } else {
            &STAY_CHOICES
        };
        minutes.extend(extra.iter().filter(|m| **m != info.default_stay_minutes));
        if !minutes.contains(&p.stay_minutes) {
            minutes.push(p.stay_minutes);
        }
        let stay = minutes
            .into_iter()
            .map(|m| ChoiceView {
                label: self.stay_text(m),
                selected: m == p.stay_minutes,
                event: UiEvent::SetStay { minutes: m },
            })
            .collect();
        let now = self.store.now_ms();
        let leave = now + i64::from(p.stay_minutes) * 60_000;
        let nobody = p.selected.is_empty();
        let warning = if profiles.is_empty() {
            Some(self.t("confirm-no-profile"))
        } else if nobody {
            Some(self.t("confirm-nobody"))
        } else {
            None
        };
        let count = i64::try_from(p.selected.len()).unwrap_or(0);
        Some(ConfirmView {
            venue_name: info.name.clone(),
            venue_address: info.address.clone(),
            category: self.category_label(info.category),
            people,
            stay_label: self.t("confirm-stay"),
            stay,
            leave_at: self.tw(
                "confirm-leave-at",
                &[
                    ("time", Arg::Str(&self.clock_text(leave))),
                    ("date", Arg::Str(&self.date_text(leave))),
                ],
            ),
            confirm: ButtonView::new(
                self.tw("confirm-check-in", &[("count", Arg::Num(count))]),
                UiEvent::ConfirmCheckIn,
                ButtonStyle::Primary,
            )
            .enabled(!nobody),
            cancel: ButtonView::new(self.t("not-now"), UiEvent::Back, ButtonStyle::Plain),
            warning,
        })
    }

    pub(crate) fn checked_in_view(&self) -> Option<CheckedInView> {
        let d = self.checkin.done.as_ref()?;
        Some(CheckedInView {
            headline: self.t("thanks-headline"),
            venue_name: d.venue_name.clone(),
            who: d.names.join(", "),
            times: self.tw(
                "thanks-times",
                &[
                    ("since", Arg::Str(&self.clock_text(d.started_at))),
                    ("until", Arg::Str(&self.clock_text(d.planned_end))),
                ],
            ),
            animate: !self.display.reduce_motion,
            cancel: ButtonView::new(
                self.t("thanks-cancel"),
                UiEvent::CancelCheckIn,
                ButtonStyle::Danger,
            )
            .described(self.tw("thanks-cancel-a11y", &[("venue", Arg::Str(&d.venue_name))])),
            done: ButtonView::new(self.t("done"), UiEvent::Done, ButtonStyle::Primary),
        })
    }

    pub(crate) fn checkin_event(&mut self, e: UiEvent) -> Vec<Effect> {
        match e {
            UiEvent::ToggleCompanion { profile_id } => {
                if let Some(p) = &mut self.checkin.pending
                    && !p.selected.remove(&profile_id)
                {
                    p.selected.insert(profile_id);
                }
                Vec::new()
            }
            UiEvent::SetStay { minutes } => {
                if let Some(p) = &mut self.checkin.pending {
                    p.stay_minutes = minutes.max(1);
                }
                Vec::new()
            }
            UiEvent::ConfirmCheckIn => self.confirm_check_in(),
            UiEvent::CancelCheckIn => self.cancel_check_in(),
            UiEvent::Done => {
                self.checkin.done = None;
                self.navigate(Route::Home)
            }
            _ => Vec::new(),
        }
    }

    fn confirm_check_in(&mut self) -> Vec<Effect> {
        let Some(p) = self.checkin.pending.take() else {
            return Vec::new();
        };
        // In the profiles' order: the owner first.
        let ids: Vec<String> = self
            .store
            .profiles()
            .unwrap_or_default()
            .into_iter()
            .map(|pr| pr.id)
            .filter(|id| p.selected.contains(id))
            .collect();
        if ids.is_empty() {
            self.checkin.pending = Some(p);
            return Vec::new();
        }
        let result = self.store.check_in(
            &p.poster,
            &ids,
            &self.sealing,
            CheckInOptions {
                expected_stay_minutes: Some(p.stay_minutes),
            },
        );
        match result {
            Ok(visits) => {
                let names: Vec<String> = visits
                    .iter()
                    .map(|v| self.profile_name(&v.profile_id))
                    .collect();
                let first = visits.first();
                let done = Done {
                    venue_name: p.poster.info.name.clone(),
                    visit_ids: visits.iter().map(|v| v.id.clone()).collect(),
                    started_at: first.map(|v| v.started_at).unwrap_or_default(),
                    planned_end: first.map(|v| v.planned_end).unwrap_or_default(),
                    names,
                };
                let text = self.tw(
                    "thanks-a11y",
                    &[
                        ("venue", Arg::Str(&done.venue_name)),
                        ("until", Arg::Str(&self.clock_text(done.planned_end))),
                    ],
                );
                self.checkin.done = Some(done);
                let mut fx = feedback::effects(Outcome::Success).to_vec();
                fx.push(Effect::Announce { text });
                fx.extend(self.replace(Route::CheckedIn));
                fx.extend(self.reminder_effects());
                fx.extend(self.sync_effect(false));
                fx
            }
            Err(e) => {
                tracing::warn!(error = %e, "check-in failed");
                self.notice = Some(Banner {
                    text: self.t("error-check-in"),
                    level: Level::Danger,
                    action: None,
                });
                self.checkin.pending = Some(p);
                feedback::effects(Outcome::Rejected).to_vec()
            }
        }
    }

    fn cancel_check_in(&mut self) -> Vec<Effect> {
        let Some(d) = self.checkin.done.take() else {
            return Vec::new();
        };
        let mut fx = Vec::new();
        for id in &d.visit_ids {
            if let Err(e) = self.store.cancel_visit(id) {
                tracing::warn!(error = %e, "cancel failed");
            }
            fx.push(Effect::CancelReminder { id: id.clone() });
        }
        let text = self.tw("check-in-cancelled", &[("venue", Arg::Str(&d.venue_name))]);
        self.notice = Some(Banner {
            text: text.clone(),
            level: Level::Info,
            action: None,
        });
        fx.push(Effect::Announce { text });
        fx.extend(self.navigate(Route::Home));
        fx
    }

    pub(crate) fn relation_label(&self, r: crate::citizen::Relation) -> String {
        match self.lang {
            super::Language::Vi => r.label_vi().to_owned(),
            super::Language::En => r.label_en().to_owned(),
        }
    }

    pub(crate) fn category_label(&self, c: VenueCategory) -> String {
        match self.lang {
            super::Language::Vi => c.label_vi().to_owned(),
            super::Language::En => c.label_en().to_owned(),
        }
    }
}
