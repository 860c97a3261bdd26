//! Settings: language, history export (share sheet), the personal card PDF, and erasing
//! everything (asked twice).

use super::history::DialogView;
use super::i18n::{Arg, Language};
use super::view::{ButtonStyle, ButtonView, ChoiceView, ExportFormat};
use super::{App, Effect, Route, UiEvent, saved};
use crate::store::{Store, StoreError};

/// The settings screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsView {
    /// Language choices.
    pub languages: Vec<ChoiceView>,
    /// Export the history (JSON, CSV) for a tracer or oneself.
    pub export: Vec<ButtonView>,
    /// What the export holds.
    pub export_note: String,
    /// Erase everything.
    pub reset: ButtonView,
    /// The confirmation, when asked.
    pub confirm_reset: Option<DialogView>,
    /// Privacy summary (what is kept, where, how long).
    pub privacy: String,
    /// App version.
    pub version: String,
}

#[derive(Debug, Default)]
pub(crate) struct SettingsState {
    pub(crate) confirm_reset: bool,
    pub(crate) open_alert: Option<String>,
}

impl App {
    pub(crate) fn settings_view(&self) -> SettingsView {
        SettingsView {
            languages: Language::ALL
                .into_iter()
                .map(|l| ChoiceView {
                    label: l.native_name().to_owned(),
                    selected: l == self.lang,
                    event: UiEvent::SetLanguage { language: l },
                })
                .collect(),
            export: vec![
                ButtonView::new(
                    self.t("export-json"),
                    UiEvent::Export {
                        format: ExportFormat::Json,
                    },
                    ButtonStyle::Secondary,
                ),
                ButtonView::new(
                    self.t("export-csv"),
                    UiEvent::Export {
                        format: ExportFormat::Csv,
                    },
                    ButtonStyle::Secondary,
                ),
            ],
            export_note: self.t("export-note"),
            reset: ButtonView::new(self.t("reset"), UiEvent::AskReset, ButtonStyle::Danger),
            confirm_reset: self.settings.confirm_reset.then(|| DialogView {
                text: self.t("reset-question"),
                confirm: ButtonView::new(
                    self.t("reset-confirm"),
                    UiEvent::ConfirmReset,
                    ButtonStyle::Danger,
                ),
                cancel: ButtonView::new(
                    self.t("cancel"),
                    UiEvent::CancelDialog,
                    ButtonStyle::Plain,
                ),
            }),
            privacy: self.tw(
                "privacy-summary",
                &[(
                    "days",
                    Arg::Num(i64::from(self.store.settings().retention_days)),
                )],
            ),
            version: format!("QuetMa {}", env!("CARGO_PKG_VERSION")),
        }
    }

    pub(crate) fn settings_event(&mut self, e: UiEvent) -> Vec<Effect> {
        match e {
            UiEvent::SetLanguage { language } => {
                self.lang = language;
                let _ = self
                    .store
                    .set_app_value(saved::LANGUAGE, Some(language.tag()));
                let mut fx = vec![Effect::Announce {
                    text: self.t("language-changed"),
                }];
                // Reminders already scheduled carry the old language's texts.
                fx.extend(self.reminder_effects());
                fx
            }
            UiEvent::Export { format } => {
                let (result, ext, mime) = match format {
                    ExportFormat::Json => {
                        (self.store.export_json(None), "json", "application/json")
                    }
                    ExportFormat::Csv => (self.store.export_csv(None), "csv", "text/csv"),
                };
                match result {
                    Ok(text) => {
                        let day = self.date_text(self.store.now_ms()).replace('/', "-");
                        vec![Effect::ShareFile {
                            file_name: format!("quetma-lich-su-{day}.{ext}"),
                            mime: mime.into(),
                            bytes: text.into_bytes(),
                            title: self.t("export-title"),
                        }]
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "export failed");
                        vec![Effect::Announce {
                            text: self.t("error-storage"),
                        }]
                    }
                }
            }
            UiEvent::PrintCard => {
                let Some(p) = self.chosen_profile(self.personal.profile_id.as_ref()) else {
                    return Vec::new();
                };
                match self.store.personal_qr_card_pdf(&p.id, &self.sealing) {
                    Ok(pdf) => vec![Effect::ShareFile {
                        file_name: "quetma-the-ca-nhan.pdf".into(),
                        mime: "application/pdf".into(),
                        bytes: pdf,
                        title: self.t("qr-print"),
                    }],
                    Err(e) => {
                        tracing::warn!(error = %e, "card failed");
                        vec![Effect::Announce {
                            text: self.t("qr-unavailable"),
                        }]
                    }
                }
            }
            UiEvent::AskReset => {
                self.settings.confirm_reset = true;
                Vec::new()
            }
            UiEvent::CancelDialog => {
                self.settings.confirm_reset = false;
                self.history.confirm_delete = None;
                self.profiles.confirm_remove = false;
                Vec::new()
            }
            UiEvent::ConfirmReset => {
                self.settings.confirm_reset = false;
                let open: Vec<String> = self
                    .store
                    .open_visits()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|v| v.id)
                    .collect();
                match self.store.erase_everything() {
                    Ok(()) => {
                        *self = App::new(
                            self.store.clone(),
                            self.bundled_trust.clone(),
                            self.sealing.clone(),
                            None,
                            super::AppOptions {
                                server_url: self.server_url.clone(),
                                language: self.lang,
                                display: self.display,
                            },
                        );
                        let mut fx: Vec<Effect> = open
                            .into_iter()
                            .map(|id| Effect::CancelReminder { id })
                            .collect();
                        fx.push(Effect::Announce {
                            text: self.t("reset-done"),
                        });
                        fx.extend(self.navigate(Route::Home));
                        fx
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "erase failed");
                        vec![Effect::Announce {
                            text: self.t("error-storage"),
                        }]
                    }
                }
            }
            _ => Vec::new(),
        }
    }
}

impl Store {
    /// Erases every profile, visit, declaration, consent, visitor log, upload, alert and saved
    /// setting, in one transaction (the key and the trusted authority keys stay).
    pub fn erase_everything(&self) -> Result<(), StoreError> {
        self.write(|tx| {
            for table in [
                "alerts",
                "exposure_notices",
                "outbox",
                "visitor_log",
                "scanner_sessions",
                "declarations",
                "consents",
                "visits",
                "profiles",
                "sync_state",
            ] {
                tx.execute(&format!("DELETE FROM {table}"), [])?;
            }
            Ok(())
        })?;
        tracing::info!("store erased at the user's request");
        Ok(())
    }
}
