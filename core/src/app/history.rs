//! History by day: check out, edit times, delete (with a confirmation).

use super::i18n::Arg;
use super::view::{Banner, ButtonStyle, ButtonView, Level};
use super::{App, Effect, UiEvent};

/// The history screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryView {
    /// Days, newest first.
    pub days: Vec<DayView>,
    /// Shown when there is nothing yet.
    pub empty: Option<String>,
    /// The retention note ("Kept 21 days, then erased").
    pub retention: String,
    /// The times editor, when open.
    pub editing: Option<EditVisitView>,
    /// The delete confirmation, when asked.
    pub confirm_delete: Option<DialogView>,
}

/// A confirmation dialog.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct DialogView {
    /// The question.
    pub text: String,
    /// Yes.
    pub confirm: ButtonView,
    /// No.
    pub cancel: ButtonView,
}

/// One day.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct DayView {
    /// "Hôm nay", "03/12/2026".
    pub title: String,
    /// Its visits, newest first.
    pub visits: Vec<HistoryRowView>,
}

/// One visit.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRowView {
    /// The visit.
    pub visit_id: String,
    /// Venue name.
    pub venue: String,
    /// Who.
    pub person: String,
    /// "09:12 – 10:12".
    pub times: String,
    /// "Đang ở đây", "Tự ra (hết thời gian dự kiến)".
    pub status: String,
    /// Whether it is still open.
    pub open: bool,
    /// Check out (open visits), edit, delete.
    pub actions: Vec<ButtonView>,
    /// The whole row for a screen reader.
    pub accessibility: String,
}

/// The times editor.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct EditVisitView {
    /// The visit.
    pub visit_id: String,
    /// Venue.
    pub venue: String,
    /// Start, Unix ms (the shell's time picker starts here).
    pub start_ms: i64,
    /// End, Unix ms, `None` while open.
    pub end_ms: Option<i64>,
    /// Labels.
    pub start_label: String,
    /// End label.
    pub end_label: String,
    /// Why the last save failed.
    pub error: Option<String>,
    /// The save button's label: the shell sends `SaveVisitTimes` with the picked times.
    pub save_label: String,
    /// Cancel.
    pub cancel: ButtonView,
}

#[derive(Debug, Default)]
pub(crate) struct HistoryState {
    pub(crate) editing: Option<(String, Option<String>)>,
    pub(crate) confirm_delete: Option<String>,
}

impl App {
    pub(crate) fn history_view(&mut self) -> HistoryView {
        let _ = self.store.settle();
        let days = self.store.history_by_day(None).unwrap_or_default();
        let today = self.date_text(self.store.now_ms());
        let days: Vec<DayView> = days
            .into_iter()
            .map(|d| {
                let visits = d
                    .visits
                    .into_iter()
                    .map(|v| {
                        let person = self.profile_name(&v.profile_id);
                        let end = v.ended_at.map(|e| self.clock_text(e));
                        let times = match &end {
                            Some(e) => format!("{} – {}", self.clock_text(v.started_at), e),
                            None => format!("{} – …", self.clock_text(v.started_at)),
                        };
                        let status = match v.end_reason {
                            None => self.t("visit-open"),
                            Some(r) => match self.lang {
                                super::Language::Vi => r.label_vi().to_owned(),
                                super::Language::En => r.label_en().to_owned(),
                            },
                        };
                        let mut actions = Vec::new();
                        if v.is_open() {
                            actions.push(ButtonView::new(
                                self.t("check-out"),
                                UiEvent::CheckOut {
                                    visit_id: v.id.clone(),
                                },
                                ButtonStyle::Primary,
                            ));
                        }
                        actions.push(ButtonView::new(
                            self.t("edit-times"),
                            UiEvent::EditVisit {
                                visit_id: v.id.clone(),
                            },
                            ButtonStyle::Secondary,
                        ));
                        actions.push(
                            ButtonView::new(
                                self.t("delete"),
                                UiEvent::DeleteVisit {
                                    visit_id: v.id.clone(),
                                },
                                ButtonStyle::Danger,
                            )
                            .described(
                                self.tw("delete-visit-a11y", &[("venue", Arg::Str(&v.venue_name))]),
                            ),
                        );
                        HistoryRowView {
                            accessibility: format!(
                                "{}, {}, {}, {}",
                                v.venue_name, person, times, status
                            ),
                            open: v.is_open(),
                            visit_id: v.id,
                            venue: v.venue_name,
                            person,
                            times,
                            status,
                            actions,
                        }
                    })
                    .collect();
                let date = format!(
                    "{:02}/{:02}/{}",
                    d.date.day(),
                    u8::from(d.date.month()),
                    d.date.year()
                );
                DayView {
                    title: if date == today { self.t("today") } else { date },
                    visits,
                }
            })
            .collect();
        let editing = self.history.editing.as_ref().and_then(|(id, err)| {
            let v = self.store.visit(id).ok()?;
            Some(EditVisitView {
                visit_id: v.id.clone(),
                venue: v.venue_name.clone(),
                start_ms: v.started_at,
                end_ms: v.ended_at,
                start_label: self.t("edit-start"),
                end_label: self.t("edit-end"),
                error: err.clone(),
                save_label: self.t("save"),
                cancel: ButtonView::new(self.t("cancel"), UiEvent::Back, ButtonStyle::Plain),
            })
        });
        HistoryView {
            empty: days.is_empty().then(|| self.t("history-empty")),
            days,
            retention: self.tw(
                "history-retention",
                &[(
                    "days",
                    Arg::Num(i64::from(self.store.settings().retention_days)),
                )],
            ),
            editing,
            confirm_delete: self.history.confirm_delete.as_ref().map(|_| DialogView {
                text: self.t("delete-visit-question"),
                confirm: ButtonView::new(
                    self.t("delete"),
                    UiEvent::ConfirmDeleteVisit,
                    ButtonStyle::Danger,
                ),
                cancel: ButtonView::new(
                    self.t("cancel"),
                    UiEvent::CancelDialog,
                    ButtonStyle::Plain,
                ),
            }),
        }
    }

    pub(crate) fn history_event(&mut self, e: UiEvent) -> Vec<Effect> {
        match e {
            UiEvent::EditVisit { visit_id } => {
                self.history.editing = Some((visit_id, None));
                Vec::new()
            }
            UiEvent::SaveVisitTimes { start_ms, end_ms } => {
                let Some((id, _)) = self.history.editing.take() else {
                    return Vec::new();
                };
                match self.store.edit_visit_times(&id, start_ms, end_ms) {
                    Ok(v) => {
                        let text = self.tw("visit-edited", &[("venue", Arg::Str(&v.venue_name))]);
                        let mut fx = vec![Effect::Announce { text }];
                        if v.ended_at.is_some() {
                            fx.push(Effect::CancelReminder { id: v.id });
                        }
                        fx.extend(self.reminder_effects());
                        fx.extend(self.sync_effect(false));
                        fx
                    }
                    Err(e) => {
                        tracing::info!(error = %e, "visit edit refused");
                        self.history.editing = Some((id, Some(self.t("edit-invalid"))));
                        vec![Effect::Announce {
                            text: self.t("edit-invalid"),
                        }]
                    }
                }
            }
            UiEvent::DeleteVisit { visit_id } => {
                self.history.confirm_delete = Some(visit_id);
                Vec::new()
            }
            UiEvent::ConfirmDeleteVisit => {
                let Some(id) = self.history.confirm_delete.take() else {
                    return Vec::new();
                };
                match self.store.cancel_visit(&id) {
                    Ok(()) => vec![
                        Effect::CancelReminder { id },
                        Effect::Announce {
                            text: self.t("visit-deleted"),
                        },
                    ],
                    Err(e) => {
                        tracing::warn!(error = %e, "delete failed");
                        self.notice = Some(Banner {
                            text: self.t("error-visit-gone"),
                            level: Level::Warning,
                            action: None,
                        });
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }
}
