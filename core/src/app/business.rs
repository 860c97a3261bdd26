//! The business scanner: enrol a staff phone with the owner's one-time QR, choose checkpoint
//! and direction, scan continuously with the outcome of each code (sound, vibration, words),
//! type in a visitor with nothing to show, today's counts and the sync line.
//!
//! After a card (CCCD, BHYT — cards carry no phone number) the scanner may ask for the
//! visitor's number, optionally, so the health worker can call them. The visitor is counted at
//! once (the beep is not held up); the card's record stays in memory only while the prompt is
//! open. "Save" seals the record again with the number and puts it in place of the entry's
//! sealed record and queued upload, under the same id ([`Store::add_visitor_phone`]); "Skip",
//! scanning the next visitor or leaving the scanner drops the record from memory. The upload
//! waits for the prompt (no sync is asked for while it is open), so usually only the final
//! record goes up; if an earlier sync took the first one, the replacement follows under the
//! same id and the server keeps the latest. Holding the whole entry back until the prompt
//! resolves was rejected: a visitor would be lost if the app died with the prompt open, and the
//! count and beep would lag behind the queue.

use serde::{Deserialize, Serialize};

use super::feedback::{self, Outcome};
use super::form::{self, FieldKind, FormView, Values};
use super::guidance::{self, HintKind};
use super::i18n::Arg;
use super::scan::foreign_hint;
use super::view::{ButtonStyle, ButtonView, ChoiceView, SyncView};
use super::{App, Effect, Language, Route, UiEvent, saved};
use crate::api::EnrolResponse;
use crate::business::{
    Direction, ManualEntryProblem, RejectReason, ScanOutcome, ScannerSession, VisitorCounts,
};
use crate::payload::enrolment::{self, EnrolmentLink};
use crate::payload::{ContactRecord, ContactSource, Scanned};
use crate::scan::LumaFrame;
use crate::store::Store;

/// The enrolment screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct EnrolView {
    /// What to do ("Scan the QR the owner's portal shows").
    pub text: String,
    /// Scan the enrolment QR with the camera.
    pub scan: ButtonView,
    /// The code field (for typing it from the portal instead).
    pub code: form::FieldView,
    /// Enrol (with a code).
    pub enrol: ButtonView,
    /// Working on it.
    pub busy: bool,
    /// Why the last try failed.
    pub error: Option<String>,
    /// The venue this phone already scans for, and the way to it.
    pub enrolled: Option<ButtonView>,
}

/// Checkpoint and direction.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointView {
    /// The venue.
    pub venue_name: String,
    /// The checkpoint's name and the direction.
    pub form: FormView,
    /// Stop being this venue's scanner.
    pub leave: ButtonView,
}

/// The scanning screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessScanView {
    /// Venue.
    pub venue_name: String,
    /// "Cổng chính · Vào".
    pub checkpoint: String,
    /// The last code's outcome.
    pub last: Option<OutcomeView>,
    /// The hint when nothing reads.
    pub hint: String,
    /// Today's figures.
    pub counts: CountsView,
    /// Type in a visitor.
    pub manual: ButtonView,
    /// Change checkpoint / stop.
    pub stop: ButtonView,
    /// Torch.
    pub torch: Option<ButtonView>,
    /// The sync line.
    pub sync: SyncView,
    /// Camera permission denied: why, and the way to the settings.
    pub permission: Option<super::scan::PermissionView>,
    /// After a card without a phone number: ask for one (optional).
    pub phone_prompt: Option<PhonePromptView>,
}

/// The field key of the visitor's phone number in [`PhonePromptView`].
pub const PHONE_FIELD: &str = "visitor_phone";

/// A small inline question after a card scan: the visitor's phone number, optional.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct PhonePromptView {
    /// "The card has no phone number. Ask Nguyễn V. A. for one, so health workers can call
    /// (optional)."
    pub text: String,
    /// The number (key [`PHONE_FIELD`], kind `Phone`; its error beside it).
    pub field: form::FieldView,
    /// Save the number ([`UiEvent::SaveVisitorPhone`]).
    pub save: ButtonView,
    /// No number ([`UiEvent::SkipVisitorPhone`]; scanning the next visitor skips too).
    pub skip: ButtonView,
}

/// A card scan waiting for the visitor's phone number (memory only).
#[derive(Debug)]
pub(crate) struct PendingPhone {
    /// The visitor entry.
    entry_id: String,
    /// The card's record (redacted `Debug`), dropped when the prompt closes.
    record: ContactRecord,
    /// The scanned text, so the same card still in view does not skip the prompt.
    scanned: String,
    /// The visitor's hint, for the question.
    who: String,
    typed: String,
    error: Option<String>,
}

/// What one code did.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeView {
    /// Which.
    pub kind: OutcomeKind,
    /// "Đã ghi nhận" / "Đã ghi trước đó" / "Không ghi nhận".
    pub title: String,
    /// The visitor's hint and source, or the reason.
    pub detail: String,
}

/// A scan's outcome, for its colour and icon.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeKind {
    /// Counted.
    Accepted,
    /// The same visitor within the dedupe window.
    AlreadyCounted,
    /// Not counted.
    Rejected,
}

/// Today's figures.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountsView {
    /// Entries today.
    pub entries: u64,
    /// Exits today.
    pub exits: u64,
    /// Distinct visitors today.
    pub people: u64,
    /// The line under the camera ("Hôm nay: 12 lượt vào, 3 lượt ra, 11 người").
    pub text: String,
}

/// A staff phone's binding, saved in the encrypted store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Enrolment {
    pub(crate) venue_id: String,
    pub(crate) venue_name: String,
    pub(crate) checkpoint: String,
    pub(crate) scanner_token: String,
}

#[derive(Debug, Default)]
pub(crate) struct BusinessState {
    pub(crate) enrolment: Option<Enrolment>,
    pub(crate) session: Option<ScannerSession>,
    pub(crate) code: String,
    pub(crate) busy: bool,
    pub(crate) error: Option<String>,
    pub(crate) setup: Values,
    pub(crate) manual: Values,
    pub(crate) manual_errors: Vec<(String, String)>,
    pub(crate) last: Option<OutcomeView>,
    pub(crate) hint: guidance::HintState,
    pub(crate) phone: Option<PendingPhone>,
}

impl BusinessState {
    /// The saved binding and the session left open (the app was closed while scanning).
    pub(crate) fn load(store: &Store) -> Self {
        let enrolment: Option<Enrolment> = store
            .app_value(saved::ENROLMENT)
            .ok()
            .flatten()
            .and_then(|j| serde_json::from_str(&j).ok());
        let session = enrolment.as_ref().and_then(|e| {
            store
                .scanner_sessions()
                .ok()?
                .into_iter()
                .rev()
                .find(|s| s.venue_id == e.venue_id)
        });
        let mut setup = Values::new();
        if let Some(e) = &enrolment {
            let checkpoint = store
                .app_value(saved::CHECKPOINT)
                .ok()
                .flatten()
                .unwrap_or_else(|| e.checkpoint.clone());
            setup.insert("checkpoint".into(), checkpoint);
            setup.insert("direction".into(), "entry".into());
        }
        Self {
            enrolment,
            session,
            setup,
            ..Self::default()
        }
    }
}

fn direction_of(v: &Values) -> Direction {
    match form::value(v, "direction") {
        Some("exit") => Direction::Exit,
        _ => Direction::Entry,
    }
}

impl App {
    fn direction_label(&self, d: Direction) -> String {
        match self.lang {
            Language::Vi => d.label_vi().to_owned(),
            Language::En => d.label_en().to_owned(),
        }
    }

    fn source_label(&self, s: ContactSource) -> String {
        self.t(match s {
            ContactSource::PersonalQr => "source-personal",
            ContactSource::Cccd => "source-cccd",
            ContactSource::Bhyt => "source-bhyt",
            ContactSource::NationalQr => "source-national",
            ContactSource::Manual => "source-manual",
        })
    }

    pub(crate) fn enrol_view(&self) -> EnrolView {
        let b = &self.business;
        let mut code = form::field(
            "enrol_code",
            self.t("enrol-code"),
            FieldKind::Text,
            &Values::new(),
            false,
        );
        code.value = b.code.clone();
        EnrolView {
            text: self.t(if self.server_url.is_some() {
                "enrol-text"
            } else {
                "enrol-offline"
            }),
            scan: ButtonView::new(
                self.t("enrol-scan"),
                UiEvent::Navigate { route: Route::Scan },
                ButtonStyle::Primary,
            ),
            code,
            enrol: ButtonView::new(self.t("enrol-button"), UiEvent::Enrol, ButtonStyle::Primary)
                .enabled(!b.busy && !b.code.is_empty() && self.server_url.is_some()),
            busy: b.busy,
            error: b.error.clone(),
            enrolled: b.enrolment.as_ref().map(|e| {
                ButtonView::new(
                    self.tw("enrol-continue", &[("venue", Arg::Str(&e.venue_name))]),
                    UiEvent::Navigate {
                        route: Route::BusinessCheckpoint,
                    },
                    ButtonStyle::Secondary,
                )
            }),
        }
    }

    pub(crate) fn checkpoint_view(&self) -> CheckpointView {
        let b = &self.business;
        let v = &b.setup;
        let mut fields = vec![form::field(
            "checkpoint",
            self.t("checkpoint-name"),
            FieldKind::Text,
            v,
            true,
        )];
        let d = direction_of(v);
        let mut dir = form::field(
            "direction",
            self.t("checkpoint-direction"),
            FieldKind::Choice,
            v,
            true,
        );
        dir.choices = [(Direction::Entry, "entry"), (Direction::Exit, "exit")]
            .into_iter()
            .map(|(x, key)| ChoiceView {
                label: self.direction_label(x),
                selected: x == d,
                event: UiEvent::FieldChanged {
                    key: "direction".into(),
                    value: key.into(),
                },
            })
            .collect();
        fields.push(dir);
        CheckpointView {
            venue_name: b
                .enrolment
                .as_ref()
                .map(|e| e.venue_name.clone())
                .unwrap_or_default(),
            form: FormView {
                title: self.t("title-checkpoint"),
                intro: Some(self.t("checkpoint-intro")),
                fields,
                submit: ButtonView::new(
                    self.t("start-scanning"),
                    UiEvent::StartScanning,
                    ButtonStyle::Primary,
                )
                .enabled(form::value(v, "checkpoint").is_some()),
                secondary: Vec::new(),
                error: b.error.clone(),
            },
            leave: ButtonView::new(
                self.t("leave-business"),
                UiEvent::LeaveBusinessMode,
                ButtonStyle::Danger,
            ),
        }
    }

    fn counts(&self) -> VisitorCounts {
        self.business
            .session
            .as_ref()
            .and_then(|s| self.store.visitor_counts_today(&s.venue_id).ok())
            .unwrap_or_default()
    }

    pub(crate) fn business_scan_view(&self) -> BusinessScanView {
        let b = &self.business;
        let c = self.counts();
        let n = |x: u64| Arg::Num(i64::try_from(x).unwrap_or(i64::MAX));
        let (venue_name, checkpoint) = match &b.session {
            Some(s) => (
                s.venue_name.clone(),
                format!("{} · {}", s.checkpoint, self.direction_label(s.direction)),
            ),
            None => (String::new(), String::new()),
        };
        BusinessScanView {
            venue_name,
            checkpoint,
            last: b.last.clone(),
            hint: self.t(scanner_hint_id(b.hint.shown())),
            counts: CountsView {
                entries: c.entries,
                exits: c.exits,
                people: c.unique_people,
                text: self.tw(
                    "counts-today",
                    &[
                        ("entries", n(c.entries)),
                        ("exits", n(c.exits)),
                        ("people", n(c.unique_people)),
                    ],
                ),
            },
            manual: ButtonView::new(
                self.t("manual-entry"),
                UiEvent::Navigate {
                    route: Route::ManualEntry,
                },
                ButtonStyle::Secondary,
            ),
            stop: ButtonView::new(
                self.t("stop-scanning"),
                UiEvent::StopScanning,
                ButtonStyle::Plain,
            ),
            torch: self.display.has_torch.then(|| {
                let id = if self.scan.torch_on {
                    "torch-off"
                } else {
                    "torch-on"
                };
                ButtonView::new(self.t(id), UiEvent::ToggleTorch, ButtonStyle::Secondary)
            }),
            sync: self.sync_view(),
            permission: (self.scan.permission == Some(false)).then(|| {
                super::scan::PermissionView {
                    text: self.t("camera-denied"),
                    open_settings: ButtonView::new(
                        self.t("open-settings"),
                        UiEvent::OpenSystemSettings,
                        ButtonStyle::Primary,
                    ),
                }
            }),
            phone_prompt: b.phone.as_ref().map(|p| {
                let mut values = Values::new();
                values.insert(PHONE_FIELD.into(), p.typed.clone());
                let mut field = form::field(
                    PHONE_FIELD,
                    self.t("visitor-phone-label"),
                    FieldKind::Phone,
                    &values,
                    false,
                );
                field.error = p.error.clone();
                PhonePromptView {
                    text: self.tw("visitor-phone-ask", &[("who", Arg::Str(&p.who))]),
                    field,
                    save: ButtonView::new(
                        self.t("save"),
                        UiEvent::SaveVisitorPhone,
                        ButtonStyle::Primary,
                    )
                    .enabled(!p.typed.trim().is_empty()),
                    skip: ButtonView::new(
                        self.t("visitor-phone-skip"),
                        UiEvent::SkipVisitorPhone,
                        ButtonStyle::Plain,
                    ),
                }
            }),
        }
    }

    /// The phone number typed in the prompt.
    pub(crate) fn visitor_phone_typed(&mut self, value: String) {
        if let Some(p) = &mut self.business.phone {
            p.typed = value;
            p.error = None;
        }
    }

    /// Closes the phone prompt without a number (skip, next visitor, leaving the scanner); the
    /// upload it held back may go now.
    pub(crate) fn skip_visitor_phone(&mut self) -> Vec<Effect> {
        if self.business.phone.take().is_some() {
            self.sync_effect(false)
        } else {
            Vec::new()
        }
    }

    fn save_visitor_phone(&mut self) -> Vec<Effect> {
        let Some(p) = self.business.phone.as_ref() else {
            return Vec::new();
        };
        match self
            .store
            .add_visitor_phone(&p.entry_id, &p.record, &p.typed, &self.sealing)
        {
            Ok(()) => {
                self.business.phone = None;
                let text = self.t("visitor-phone-saved");
                if let Some(last) = &mut self.business.last {
                    last.detail = format!("{} · {}", last.detail, text);
                }
                let mut fx = vec![Effect::Announce { text }];
                fx.extend(self.sync_effect(false));
                fx
            }
            Err(e) => {
                let text = match ManualEntryProblem::of(&e) {
                    Some(problem) => self.problem_text(problem),
                    None => {
                        tracing::warn!(error = %e, "visitor phone not saved");
                        self.t("error-storage")
                    }
                };
                if let Some(p) = &mut self.business.phone {
                    p.error = Some(text.clone());
                }
                let mut fx = feedback::effects(Outcome::Rejected).to_vec();
                fx.push(Effect::Announce { text });
                fx
            }
        }
    }

    pub(crate) fn manual_view(&self) -> FormView {
        let v = &self.business.manual;
        let err = |k: &str| {
            self.business
                .manual_errors
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, m)| m.clone())
        };
        let mut fields = Vec::new();
        for (key, label, kind, required) in [
            ("full_name", "manual-name", FieldKind::Text, true),
            ("phone", "manual-phone", FieldKind::Phone, false),
            ("id_number", "manual-id", FieldKind::Text, false),
            ("birth_year", "manual-birth-year", FieldKind::Number, false),
        ] {
            let mut f = form::field(key, self.t(label), kind, v, required);
            f.error = err(key);
            fields.push(f);
        }
        FormView {
            title: self.t("title-manual"),
            intro: Some(self.t("manual-intro")),
            fields,
            submit: ButtonView::new(self.t("manual-save"), UiEvent::Submit, ButtonStyle::Primary),
            secondary: vec![ButtonView::new(
                self.t("cancel"),
                UiEvent::Back,
                ButtonStyle::Plain,
            )],
            error: err("form"),
        }
    }

    /// An enrolment link read anywhere (camera, image, deep link): the enrolment screen with
    /// its code, ready to enrol.
    pub(crate) fn enrolment_link(&mut self, link: EnrolmentLink) -> Vec<Effect> {
        let mut fx = Vec::new();
        match &self.server_url {
            Some(url) if link.is_for(url) => {
                self.business.code = link.code;
                self.business.error = None;
                fx.extend(feedback::effects(Outcome::Success));
                fx.push(Effect::Announce {
                    text: self.t("enrol-code-read"),
                });
            }
            _ => {
                self.business.error = Some(self.t("enrol-other-deployment"));
                fx.extend(feedback::effects(Outcome::Rejected));
                fx.push(Effect::Announce {
                    text: self.t("enrol-other-deployment"),
                });
            }
        }
        if self.route() == Route::Scan {
            fx.extend(self.replace(Route::BusinessEnrol));
        } else {
            fx.extend(self.navigate(Route::BusinessEnrol));
        }
        fx
    }

    pub(crate) fn business_event(&mut self, e: UiEvent) -> Vec<Effect> {
        match e {
            UiEvent::EnrolScanned { text } => match enrolment::parse(&text) {
                Some(link) => self.enrolment_link(link),
                None => {
                    self.business.code = text.trim().to_ascii_uppercase();
                    Vec::new()
                }
            },
            UiEvent::Enrol => {
                let code = self.business.code.trim().to_ascii_uppercase();
                if code.is_empty() || self.server_url.is_none() || self.business.busy {
                    return Vec::new();
                }
                self.business.busy = true;
                self.business.error = None;
                vec![Effect::RunTask {
                    task: super::AppTask::Enrol { code },
                }]
            }
            UiEvent::StartScanning => self.start_scanning(),
            UiEvent::StopScanning => {
                if let Some(s) = self.business.session.take() {
                    let _ = self.store.end_scanner_session(&s.id);
                }
                let mut fx = self.navigate(Route::BusinessCheckpoint);
                fx.extend(self.sync_effect(true));
                fx
            }
            UiEvent::SaveVisitorPhone => self.save_visitor_phone(),
            UiEvent::SkipVisitorPhone => self.skip_visitor_phone(),
            UiEvent::LeaveBusinessMode => {
                if let Some(s) = self.business.session.take() {
                    let _ = self.store.end_scanner_session(&s.id);
                }
                self.business.enrolment = None;
                let _ = self.store.set_app_value(saved::ENROLMENT, None);
                let _ = self.store.set_app_value(saved::CHECKPOINT, None);
                self.navigate(Route::Home)
            }
            _ => Vec::new(),
        }
    }

    /// The server's answer to an enrolment.
    pub(crate) fn enrolled(&mut self, r: EnrolResponse) -> Vec<Effect> {
        let e = Enrolment {
            venue_id: r.venue_id,
            venue_name: r.venue_name,
            checkpoint: r.checkpoint,
            scanner_token: r.scanner_token,
        };
        if let Ok(json) = serde_json::to_string(&e) {
            let _ = self.store.set_app_value(saved::ENROLMENT, Some(&json));
        }
        self.business
            .setup
            .insert("checkpoint".into(), e.checkpoint.clone());
        self.business
            .setup
            .insert("direction".into(), "entry".into());
        let text = self.tw("enrolled", &[("venue", Arg::Str(&e.venue_name))]);
        self.business.enrolment = Some(e);
        self.business.code.clear();
        let mut fx = feedback::effects(Outcome::Success).to_vec();
        fx.push(Effect::Announce { text });
        fx.extend(self.replace(Route::BusinessCheckpoint));
        fx
    }

    fn start_scanning(&mut self) -> Vec<Effect> {
        let Some(e) = self.business.enrolment.clone() else {
            return self.navigate(Route::BusinessEnrol);
        };
        let checkpoint = form::value(&self.business.setup, "checkpoint")
            .unwrap_or("")
            .to_owned();
        let direction = direction_of(&self.business.setup);
        match self
            .store
            .start_scanner_session(&e.venue_id, &e.venue_name, &checkpoint, direction)
        {
            Ok(s) => {
                let _ = self
                    .store
                    .set_app_value(saved::CHECKPOINT, Some(&s.checkpoint));
                self.business.session = Some(s);
                self.business.last = None;
                self.business.error = None;
                self.navigate(Route::BusinessScan)
            }
            Err(err) => {
                tracing::info!(error = %err, "session refused");
                self.business.error = Some(self.t("checkpoint-invalid"));
                Vec::new()
            }
        }
    }

    /// One camera frame in business mode.
    pub(crate) fn business_frame(&mut self, frame: &LumaFrame<'_>) -> Option<Vec<Effect>> {
        let now = self.store.now_ms();
        let results = self.continuous.scan(
            frame,
            std::time::Duration::from_millis(u64::try_from(now).unwrap_or(0)),
        );
        if results.is_empty() {
            let o = self.continuous.scanner_mut().observe(frame);
            let change = self.business.hint.observe(guidance::frame_hint(&o), now)?;
            let mut fx = Vec::new();
            if change.announce && self.business.last.is_none() {
                fx.push(Effect::Announce {
                    text: self.t(scanner_hint_id(change.shown)),
                });
            }
            return Some(fx);
        }
        let mut fx = Vec::new();
        for r in results {
            // The next visitor's code closes the phone prompt (no number given); the same card
            // still in view does not.
            if self
                .business
                .phone
                .as_ref()
                .is_some_and(|p| p.scanned != r.text)
            {
                fx.extend(self.skip_visitor_phone());
            }
            fx.extend(self.record_scanned(&r.scanned, &r.text));
        }
        Some(fx)
    }

    fn record_scanned(&mut self, scanned: &Scanned, text: &str) -> Vec<Effect> {
        let Some(session) = self.business.session.clone() else {
            return Vec::new();
        };
        let outcome = self.store.record_scan(&session.id, scanned, &self.sealing);
        // A card without a phone number: ask for one once it is counted.
        let card_record = match scanned {
            Scanned::Cccd(c) => Some(c.contact_record()),
            Scanned::Bhyt(c) => Some(c.contact_record()),
            Scanned::National(c) => Some(c.contact_record()),
            _ => None,
        }
        .filter(|r| r.phone.is_none());
        let reason_text = |s: &Self, r: &RejectReason| match s.lang {
            Language::Vi => r.message_vi().to_owned(),
            Language::En => r.message_en().to_owned(),
        };
        let outcome_entry = match &outcome {
            Ok(ScanOutcome::Recorded(entry)) => Some(entry.clone()),
            _ => None,
        };
        let (view, kind) = match outcome {
            Ok(ScanOutcome::Recorded(entry)) => (
                OutcomeView {
                    kind: OutcomeKind::Accepted,
                    title: self.t("outcome-accepted"),
                    detail: format!(
                        "{} · {}",
                        hint_text(&entry.hint),
                        self.source_label(entry.source)
                    ),
                },
                Outcome::Success,
            ),
            Ok(ScanOutcome::Duplicate { entry, seconds_ago }) => (
                OutcomeView {
                    kind: OutcomeKind::AlreadyCounted,
                    title: self.t("outcome-duplicate"),
                    detail: self.tw(
                        "outcome-duplicate-detail",
                        &[
                            ("who", Arg::Str(&hint_text(&entry.hint))),
                            (
                                "minutes",
                                Arg::Num(i64::try_from(seconds_ago / 60).unwrap_or(0)),
                            ),
                        ],
                    ),
                },
                Outcome::AlreadyCounted,
            ),
            Ok(ScanOutcome::Rejected(reason)) => {
                let detail = match (&reason, scanned) {
                    (RejectReason::Foreign, _) => self.t(foreign_hint(text).text_id()),
                    (RejectReason::NotAPerson, Scanned::Venue(_)) => {
                        self.t(HintKind::PosterOnScanner.text_id())
                    }
                    _ => reason_text(self, &reason),
                };
                (
                    OutcomeView {
                        kind: OutcomeKind::Rejected,
                        title: self.t("outcome-rejected"),
                        detail,
                    },
                    Outcome::Rejected,
                )
            }
            Err(e) => {
                tracing::warn!(error = %e, "record failed");
                (
                    OutcomeView {
                        kind: OutcomeKind::Rejected,
                        title: self.t("outcome-rejected"),
                        detail: self.t("error-storage"),
                    },
                    Outcome::Rejected,
                )
            }
        };
        let mut fx = feedback::effects(kind).to_vec();
        fx.push(Effect::Announce {
            text: format!("{}. {}", view.title, view.detail),
        });
        let asked = match (&outcome_entry, card_record) {
            (Some(entry), Some(record)) => {
                let who = hint_text(&entry.hint);
                fx.push(Effect::Announce {
                    text: self.tw("visitor-phone-ask", &[("who", Arg::Str(&who))]),
                });
                self.business.phone = Some(PendingPhone {
                    entry_id: entry.id.clone(),
                    record,
                    scanned: text.to_owned(),
                    who,
                    typed: String::new(),
                    error: None,
                });
                true
            }
            _ => false,
        };
        self.business.last = Some(view);
        // The upload waits while the phone prompt is open.
        if kind == Outcome::Success && !asked {
            fx.extend(self.sync_effect(false));
        }
        fx
    }

    pub(crate) fn submit_manual(&mut self) -> Vec<Effect> {
        let Some(session) = self.business.session.clone() else {
            return Vec::new();
        };
        let v = self.business.manual.clone();
        let birth_year = match form::value(&v, "birth_year") {
            None => None,
            Some(y) => match y.parse::<u16>() {
                Ok(y) => Some(y),
                Err(_) => {
                    let m = self.problem_text(ManualEntryProblem::BadBirthYear);
                    self.business.manual_errors = vec![("birth_year".into(), m.clone())];
                    return vec![Effect::Announce { text: m }];
                }
            },
        };
        let result = self.store.manual_entry(
            &session.id,
            form::value(&v, "full_name").unwrap_or(""),
            form::value(&v, "phone"),
            form::value(&v, "id_number"),
            birth_year,
            &self.sealing,
        );
        match result {
            Ok(outcome) => {
                self.business.manual.clear();
                self.business.manual_errors.clear();
                let (view, kind) = match outcome {
                    ScanOutcome::Recorded(e) => (
                        OutcomeView {
                            kind: OutcomeKind::Accepted,
                            title: self.t("outcome-accepted"),
                            detail: format!(
                                "{} · {}",
                                hint_text(&e.hint),
                                self.source_label(e.source)
                            ),
                        },
                        Outcome::Success,
                    ),
                    ScanOutcome::Duplicate { entry, .. } => (
                        OutcomeView {
                            kind: OutcomeKind::AlreadyCounted,
                            title: self.t("outcome-duplicate"),
                            detail: hint_text(&entry.hint),
                        },
                        Outcome::AlreadyCounted,
                    ),
                    ScanOutcome::Rejected(r) => (
                        OutcomeView {
                            kind: OutcomeKind::Rejected,
                            title: self.t("outcome-rejected"),
                            detail: match self.lang {
                                Language::Vi => r.message_vi().to_owned(),
                                Language::En => r.message_en().to_owned(),
                            },
                        },
                        Outcome::Rejected,
                    ),
                };
                let mut fx = feedback::effects(kind).to_vec();
                fx.push(Effect::Announce {
                    text: format!("{}. {}", view.title, view.detail),
                });
                self.business.last = Some(view);
                fx.extend(self.navigate(Route::BusinessScan));
                fx.extend(self.sync_effect(false));
                fx
            }
            Err(e) => match ManualEntryProblem::of(&e) {
                Some(p) => {
                    let key = match p {
                        ManualEntryProblem::MissingName | ManualEntryProblem::BadName => {
                            "full_name"
                        }
                        ManualEntryProblem::BadPhone => "phone",
                        ManualEntryProblem::BadIdNumber => "id_number",
                        ManualEntryProblem::BadBirthYear => "birth_year",
                        ManualEntryProblem::MissingPhoneOrId => "phone",
                    };
                    let m = self.problem_text(p);
                    self.business.manual_errors = vec![(key.into(), m.clone())];
                    vec![Effect::Announce { text: m }]
                }
                None => {
                    tracing::warn!(error = %e, "manual entry failed");
                    vec![Effect::Announce {
                        text: self.t("error-storage"),
                    }]
                }
            },
        }
    }

    fn problem_text(&self, p: ManualEntryProblem) -> String {
        match self.lang {
            Language::Vi => p.message_vi().to_owned(),
            Language::En => p.message_en().to_owned(),
        }
    }

    /// The scanner token for visitor-log uploads, when this phone is enrolled.
    pub(crate) fn scanner_token(&self) -> Option<String> {
        self.business
            .enrolment
            .as_ref()
            .map(|e| e.scanner_token.clone())
    }
}

/// The hint's text on the business scanner: aiming is at the visitor's code, not a poster.
fn scanner_hint_id(kind: HintKind) -> &'static str {
    match kind {
        HintKind::Aim => "hint-aim-visitor",
        other => other.text_id(),
    }
}

fn hint_text(h: &crate::payload::DisplayHint) -> String {
    match h.birth_year {
        Some(y) => format!("{} ({y})", h.short_name),
        None => h.short_name.clone(),
    }
}
