//! Exposure alerts with what to do.

use super::i18n::Arg;
use super::view::{ButtonStyle, ButtonView, Level};
use super::{App, Effect, Language, UiEvent};
use crate::api::ExposureLevel;

/// The alerts screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct AlertsView {
    /// Alerts, newest first.
    pub alerts: Vec<AlertView>,
    /// When there are none.
    pub empty: Option<String>,
    /// The alert opened, in full.
    pub open: Option<AlertView>,
}

/// One alert.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct AlertView {
    /// Alert id.
    pub id: String,
    /// "Có thể đã tiếp xúc gần" / "You may have been in close contact".
    pub title: String,
    /// Venue, person and when.
    pub detail: String,
    /// What to do, step by step.
    pub guidance: Vec<String>,
    /// How serious.
    pub level: Level,
    /// Opens it.
    pub open: ButtonView,
}

impl App {
    pub(crate) fn alerts_view(&self) -> AlertsView {
        let alerts: Vec<AlertView> = self
            .store
            .alerts()
            .unwrap_or_default()
            .into_iter()
            .map(|a| {
                let high = a.level == ExposureLevel::High;
                let person = self.profile_name(&a.profile_id);
                let guidance_text = match self.lang {
                    Language::Vi => a.guidance_vi.clone(),
                    Language::En => a.guidance_en.clone(),
                };
                let mut guidance: Vec<String> = guidance_text
                    .split('\n')
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect();
                guidance.push(self.t(if high {
                    "alert-steps-high"
                } else {
                    "alert-steps-low"
                }));
                AlertView {
                    title: self.t(if high { "alert-high" } else { "alert-low" }),
                    detail: self.tw(
                        "alert-detail",
                        &[
                            ("venue", Arg::Str(&a.venue_name)),
                            ("name", Arg::Str(&person)),
                            ("date", Arg::Str(&self.date_text(a.overlap_start))),
                            ("from", Arg::Str(&self.clock_text(a.overlap_start))),
                            ("to", Arg::Str(&self.clock_text(a.overlap_end))),
                        ],
                    ),
                    guidance,
                    level: if high { Level::Danger } else { Level::Warning },
                    open: ButtonView::new(
                        self.t("alert-open"),
                        UiEvent::OpenAlert {
                            alert_id: a.id.clone(),
                        },
                        ButtonStyle::Secondary,
                    ),
                    id: a.id,
                }
            })
            .collect();
        let open = self
            .settings
            .open_alert
            .as_ref()
            .and_then(|id| alerts.iter().find(|a| &a.id == id).cloned());
        AlertsView {
            empty: alerts.is_empty().then(|| self.t("alerts-empty")),
            alerts,
            open,
        }
    }

    pub(crate) fn alerts_event(&mut self, e: UiEvent) -> Vec<Effect> {
        match e {
            UiEvent::OpenAlert { alert_id } => {
                let _ = self.store.mark_alert_seen(&alert_id);
                self.settings.open_alert = Some(alert_id);
                Vec::new()
            }
            UiEvent::MarkAllAlertsSeen => {
                let _ = self.store.mark_all_alerts_seen();
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
