//! The phone app's behaviour: every screen's state, texts and feedback, once, for both shells.
//!
//! The shells (Kotlin, Swift) render a [`Screen`] and perform [`Effect`]s; they pass on what the
//! user does as a [`UiEvent`] and what the camera sees as frames. They decide nothing about
//! business meaning: which screen follows a scan, what a rejected code is called, when to beep,
//! what a screen reader says and when to sync are all decided here, and tested here in
//! milliseconds (the shape of redbadger/crux, on the uniffi façade the project already has).
//!
//! ```text
//!   shell ── UiEvent / frame / task result ──▶ App ──▶ Update { screen, effects }
//!     ▲                                                         │
//!     └──────────── renders the screen, performs effects ◀──────┘
//! ```
//!
//! | flow | file | screens |
//! | --- | --- | --- |
//! | home | [`home`] | [`HomeView`] |
//! | scan a poster | [`scan`], [`guidance`] | [`ScanView`] |
//! | confirm and thank you | [`checkin`] | [`ConfirmView`], [`CheckedInView`] |
//! | history | [`history`] | [`HistoryView`] |
//! | health declaration | [`declare`] | [`DeclarationView`] |
//! | personal QR | [`personal`] | [`PersonalQrView`] |
//! | profiles | [`profiles`] | [`ProfilesView`] |
//! | alerts | [`alerts`] | [`AlertsView`] |
//! | settings | [`settings`] | [`SettingsView`] |
//! | business scanner | [`business`] | [`EnrolView`], [`CheckpointView`], [`BusinessScanView`], manual entry ([`FormView`]) |
//! | share my history with the health worker | [`share`] | [`ShareCodeView`], [`SharePreviewView`], [`ShareDoneView`] |
//! | deep links | [`deeplink`] | — |
//! | network tasks (sync, enrolment) | [`tasks`] | — |
//!
//! Every text comes from the Fluent catalog in [`i18n`]; [`feedback`] describes every sound and
//! vibration.

pub mod alerts;
pub mod business;
pub mod checkin;
pub mod declare;
pub mod deeplink;
pub mod feedback;
pub mod form;
pub mod guidance;
pub mod history;
pub mod home;
pub mod i18n;
pub mod personal;
pub mod profiles;
pub mod scan;
pub mod settings;
pub mod share;
pub mod tasks;
mod view;

pub use feedback::{HapticPattern, SoundCue};
pub use form::{FieldKind, FieldView, FormView};
pub use i18n::{Language, Texts};
pub use tasks::{AppTask, Job, JobOutcome};
pub use view::*;

use crate::keys::{SealingPublicKey, TrustList};
use crate::scan::{ContinuousScanner, LumaFrame, Scanner, ScannerConfig};
use crate::store::{Store, StoreReset};

/// How the shell opens the app's flows.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct AppOptions {
    /// The deployment's server (`https://…`); `None` runs offline (no sync, no enrolment).
    pub server_url: Option<String>,
    /// The user's language at first start (the saved choice wins afterwards).
    pub language: Language,
    /// The screen: its pixel density (for the personal QR's true size) and abilities.
    pub display: DisplayInfo,
}

/// What the shell knows of the device.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisplayInfo {
    /// Horizontal pixels per inch (Android `DisplayMetrics.xdpi`; iOS from the model table).
    pub xdpi: f64,
    /// Vertical pixels per inch.
    pub ydpi: f64,
    /// The camera has a torch.
    pub has_torch: bool,
    /// The system asks for reduced motion (no check-in animation).
    pub reduce_motion: bool,
}

impl Default for DisplayInfo {
    fn default() -> Self {
        Self {
            xdpi: 160.0,
            ydpi: 160.0,
            has_torch: true,
            reduce_motion: false,
        }
    }
}

/// Where the user is.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Home.
    Home,
    /// Scanning a venue poster.
    Scan,
    /// Confirming a check-in.
    Confirm,
    /// "Thank you", with cancel.
    CheckedIn,
    /// History by day.
    History,
    /// Health declaration.
    Declaration,
    /// Personal QR.
    PersonalQr,
    /// Profiles (the user and dependents).
    Profiles,
    /// Exposure alerts.
    Alerts,
    /// Settings.
    Settings,
    /// Business mode: enrol this phone as a venue's scanner.
    BusinessEnrol,
    /// Business mode: checkpoint and direction.
    BusinessCheckpoint,
    /// Business mode: continuous scanning.
    BusinessScan,
    /// Business mode: typing a visitor in.
    ManualEntry,
    /// Share my history: typing or scanning the health worker's case code.
    ShareCode,
    /// Share my history: which visits will be sent (untick to leave out), then send.
    SharePreview,
    /// Share my history: sent.
    ShareDone,
}

/// The app's flows over one encrypted store. Not thread-safe by itself: the façade keeps it
/// behind a mutex (frames from the camera thread and taps from the UI thread take turns).
pub struct App {
    pub(crate) store: Store,
    pub(crate) bundled_trust: TrustList,
    pub(crate) trust: TrustList,
    pub(crate) sealing: SealingPublicKey,
    pub(crate) texts: Texts,
    pub(crate) lang: Language,
    pub(crate) display: DisplayInfo,
    pub(crate) server_url: Option<String>,
    pub(crate) nav: Vec<Route>,
    pub(crate) reset: Option<StoreReset>,
    pub(crate) notice: Option<Banner>,
    pub(crate) camera: Scanner,
    pub(crate) scan: scan::ScanState,
    pub(crate) checkin: checkin::CheckinState,
    pub(crate) history: history::HistoryState,
    pub(crate) declare: declare::DeclareState,
    pub(crate) personal: personal::PersonalState,
    pub(crate) profiles: profiles::ProfilesState,
    pub(crate) settings: settings::SettingsState,
    pub(crate) business: business::BusinessState,
    pub(crate) share: share::ShareState,
    pub(crate) continuous: ContinuousScanner,
    pub(crate) sync: tasks::SyncStatus,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("route", &self.route())
            .finish_non_exhaustive()
    }
}

/// Saved app settings (in the encrypted store's key–value table).
pub(crate) mod saved {
    pub(crate) const LANGUAGE: &str = "app_language";
    pub(crate) const DEVICE_ID: &str = "app_device_id";
    pub(crate) const ENROLMENT: &str = "app_enrolment";
    pub(crate) const CHECKPOINT: &str = "app_checkpoint";
}

impl App {
    /// The flows over `store`, verifying posters against `trust` (the bundled keys; keys the
    /// store learnt from signed trust lists are added) and sealing to `sealing`. `reset` is the
    /// store's reset notice, if opening it had to start afresh.
    pub fn new(
        store: Store,
        trust: TrustList,
        sealing: SealingPublicKey,
        reset: Option<StoreReset>,
        options: AppOptions,
    ) -> Self {
        let current = store.trusted_keys(&trust).unwrap_or_else(|_| trust.clone());
        let lang = store
            .app_value(saved::LANGUAGE)
            .ok()
            .flatten()
            .and_then(|t| Language::from_tag(&t))
            .unwrap_or(options.language);
        let camera = Scanner::new(ScannerConfig::camera(), current.clone());
        let continuous =
            ContinuousScanner::new(Scanner::new(ScannerConfig::camera(), current.clone()));
        let business = business::BusinessState::load(&store);
        Self {
            store,
            bundled_trust: trust,
            trust: current,
            sealing,
            texts: Texts::new(),
            lang,
            display: options.display,
            server_url: options
                .server_url
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .filter(|u| !u.is_empty()),
            nav: vec![Route::Home],
            reset,
            notice: None,
            camera,
            scan: scan::ScanState::default(),
            checkin: checkin::CheckinState::default(),
            history: history::HistoryState::default(),
            declare: declare::DeclareState::default(),
            personal: personal::PersonalState::default(),
            profiles: profiles::ProfilesState::default(),
            settings: settings::SettingsState::default(),
            business,
            share: share::ShareState::default(),
            continuous,
            sync: tasks::SyncStatus::default(),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current route.
    pub fn route(&self) -> Route {
        self.nav.last().copied().unwrap_or(Route::Home)
    }

    /// The language in use.
    pub fn language(&self) -> Language {
        self.lang
    }

    /// The first update: the home screen (or the business scanner, when this phone is an
    /// enrolled staff phone that was scanning), with a sync when a server is configured and
    /// the reset notice announced if the store had to start afresh.
    pub fn start(&mut self) -> Update {
        let _ = self.store.settle();
        let mut fx = Vec::new();
        if self.business.session.is_some() {
            self.nav = vec![Route::BusinessScan];
            fx.extend(self.enter_effects(Route::BusinessScan));
        }
        if let Some(r) = &self.reset {
            let text = self.reset_text(r);
            fx.push(Effect::Announce { text });
        }
        fx.extend(self.sync_effect(true));
        fx.extend(self.reminder_effects());
        self.update(fx)
    }

    /// Handles one event from the shell.
    pub fn dispatch(&mut self, event: UiEvent) -> Update {
        let fx = self.handle(event);
        self.update(fx)
    }

    /// Handles one camera frame on the scanning screens. `None` when nothing the user sees
    /// changed (most frames): the shell then redraws nothing.
    pub fn frame(&mut self, frame: &LumaFrame<'_>) -> Option<Update> {
        let fx = match self.route() {
            Route::Scan => self.citizen_frame(frame)?,
            Route::BusinessScan => self.business_frame(frame)?,
            _ => return None,
        };
        Some(self.update(fx))
    }

    /// The current screen again (after the shell recreated its views).
    pub fn current(&mut self) -> Update {
        self.update(Vec::new())
    }

    fn handle(&mut self, event: UiEvent) -> Vec<Effect> {
        match event {
            UiEvent::Navigate { route } => self.navigate(route),
            UiEvent::Back => self.back(),
            UiEvent::Foreground => {
                let _ = self.store.settle();
                let mut fx = self.sync_effect(false);
                fx.extend(self.reminder_effects());
                fx
            }
            UiEvent::SyncNow => self.sync_effect(true),
            UiEvent::DismissNotice => {
                self.notice = None;
                self.reset = None;
                Vec::new()
            }
            UiEvent::OpenUrl { url } => self.open_url(&url),
            UiEvent::CheckOut { visit_id } => self.check_out(&visit_id),
            e @ (UiEvent::ToggleTorch
            | UiEvent::CameraPermission { .. }
            | UiEvent::OpenSystemSettings
            | UiEvent::PickImage
            | UiEvent::ImagePicked { .. }) => self.scan_event(e),
            e @ (UiEvent::ToggleCompanion { .. }
            | UiEvent::SetStay { .. }
            | UiEvent::ConfirmCheckIn
            | UiEvent::CancelCheckIn
            | UiEvent::Done) => self.checkin_event(e),
            e @ (UiEvent::EditVisit { .. }
            | UiEvent::SaveVisitTimes { .. }
            | UiEvent::DeleteVisit { .. }
            | UiEvent::ConfirmDeleteVisit) => self.history_event(e),
            UiEvent::SelectProfile { profile_id } => self.select_profile(profile_id),
            e @ (UiEvent::GrantConsent | UiEvent::WithdrawConsent) => self.declare_event(e),
            UiEvent::FieldChanged { key, value } => self.field_changed(&key, value),
            UiEvent::Submit => self.submit(),
            e @ (UiEvent::AddProfile
            | UiEvent::EditProfile { .. }
            | UiEvent::RemoveProfile { .. }
            | UiEvent::ConfirmRemoveProfile) => self.profiles_event(e),
            e @ (UiEvent::OpenAlert { .. } | UiEvent::MarkAllAlertsSeen) => self.alerts_event(e),
            e @ (UiEvent::SetLanguage { .. }
            | UiEvent::Export { .. }
            | UiEvent::PrintCard
            | UiEvent::AskReset
            | UiEvent::ConfirmReset
            | UiEvent::CancelDialog) => self.settings_event(e),
            e @ (UiEvent::EnrolScanned { .. }
            | UiEvent::Enrol
            | UiEvent::StartScanning
            | UiEvent::StopScanning
            | UiEvent::LeaveBusinessMode
            | UiEvent::SaveVisitorPhone
            | UiEvent::SkipVisitorPhone) => self.business_event(e),
            e @ (UiEvent::ToggleShareVisit { .. } | UiEvent::SendHistory) => self.share_event(e),
        }
    }

    /// Goes to `route`: Home clears the stack; a route already on the stack is returned to.
    pub(crate) fn navigate(&mut self, route: Route) -> Vec<Effect> {
        let from = self.route();
        if from == route {
            return Vec::new();
        }
        if route == Route::Home {
            self.nav = vec![Route::Home];
        } else if let Some(i) = self.nav.iter().position(|r| *r == route) {
            self.nav.truncate(i + 1);
        } else {
            self.nav.push(route);
        }
        self.transition(from)
    }

    /// Replaces the current route (the confirm screen becomes "thank you": back goes home).
    pub(crate) fn replace(&mut self, route: Route) -> Vec<Effect> {
        let from = self.route();
        self.nav.pop();
        if self.nav.is_empty() && route != Route::Home {
            self.nav.push(Route::Home);
        }
        if self.nav.last() != Some(&route) {
            self.nav.push(route);
        }
        self.transition(from)
    }

    fn back(&mut self) -> Vec<Effect> {
        // Dialogs close first.
        if self.settings.confirm_reset
            || self.history.confirm_delete.is_some()
            || self.profiles.confirm_remove
        {
            self.settings.confirm_reset = false;
            self.history.confirm_delete = None;
            self.profiles.confirm_remove = false;
            return Vec::new();
        }
        if self.route() == Route::History && self.history.editing.is_some() {
            self.history.editing = None;
            return Vec::new();
        }
        if self.route() == Route::Profiles && self.profiles.form.is_some() {
            self.profiles.form = None;
            return Vec::new();
        }
        let from = self.route();
        if matches!(from, Route::CheckedIn | Route::ShareDone) {
            return self.navigate(Route::Home);
        }
        if self.nav.len() > 1 {
            self.nav.pop();
        } else if from != Route::Home {
            self.nav = vec![Route::Home];
        } else {
            return vec![Effect::CloseApp];
        }
        self.transition(from)
    }

    /// Effects of leaving `from` for the current route.
    fn transition(&mut self, from: Route) -> Vec<Effect> {
        let to = self.route();
        let mut fx = self.leave_effects(from, to);
        fx.extend(self.enter_effects(to));
        fx
    }

    fn leave_effects(&mut self, from: Route, to: Route) -> Vec<Effect> {
        let mut fx = Vec::new();
        let camera = |r: Route| matches!(r, Route::Scan | Route::BusinessScan);
        if camera(from) && !camera(to) {
            if self.scan.torch_on {
                self.scan.torch_on = false;
                fx.push(Effect::SetTorch { on: false });
            }
            fx.push(Effect::CloseCamera);
            fx.push(Effect::KeepScreenOn { on: false });
        }
        if from == Route::PersonalQr && to != Route::PersonalQr {
            fx.push(Effect::SetBrightness {
                level: Brightness::System,
            });
            fx.push(Effect::KeepScreenOn { on: false });
        }
        if from == Route::Confirm && !matches!(to, Route::CheckedIn) {
            self.checkin.pending = None;
        }
        if from == Route::BusinessScan && to != Route::BusinessScan {
            // Leaving the scanner (manual entry, stop) answers the phone prompt with no number.
            fx.extend(self.skip_visitor_phone());
        }
        fx
    }

    fn enter_effects(&mut self, to: Route) -> Vec<Effect> {
        let mut fx = Vec::new();
        match to {
            Route::Scan | Route::BusinessScan => {
                self.scan.reset_hint(self.store.now_ms());
                self.continuous.reset();
                match self.scan.permission {
                    Some(true) => fx.push(Effect::OpenCamera),
                    Some(false) => {}
                    None => fx.push(Effect::RequestCameraPermission),
                }
                fx.push(Effect::KeepScreenOn { on: true });
                let id = if to == Route::Scan {
                    "scan-camera-on"
                } else {
                    "biz-camera-on"
                };
                fx.push(Effect::Announce { text: self.t(id) });
            }
            Route::PersonalQr => {
                fx.push(Effect::SetBrightness {
                    level: Brightness::Max,
                });
                fx.push(Effect::KeepScreenOn { on: true });
            }
            Route::Alerts => {
                // Opening the list counts as seeing them.
                let _ = self.store.mark_all_alerts_seen();
            }
            _ => {}
        }
        fx
    }

    /// The screen for the current route, with `effects`.
    pub(crate) fn update(&mut self, effects: Vec<Effect>) -> Update {
        let route = self.route();
        let screen = match route {
            Route::Home => Screen::Home(self.home_view()),
            Route::Scan => Screen::Scan(self.scan_view()),
            Route::Confirm => match self.confirm_view() {
                Some(v) => Screen::Confirm(v),
                None => {
                    self.nav = vec![Route::Home];
                    Screen::Home(self.home_view())
                }
            },
            Route::CheckedIn => match self.checked_in_view() {
                Some(v) => Screen::CheckedIn(v),
                None => {
                    self.nav = vec![Route::Home];
                    Screen::Home(self.home_view())
                }
            },
            Route::History => Screen::History(self.history_view()),
            Route::Declaration => Screen::Declaration(self.declaration_view()),
            Route::PersonalQr => Screen::PersonalQr(self.personal_view()),
            Route::Profiles => Screen::Profiles(self.profiles_view()),
            Route::Alerts => Screen::Alerts(self.alerts_view()),
            Route::Settings => Screen::Settings(self.settings_view()),
            Route::BusinessEnrol => Screen::Enrol(self.enrol_view()),
            Route::BusinessCheckpoint => Screen::Checkpoint(self.checkpoint_view()),
            Route::BusinessScan => Screen::BusinessScan(self.business_scan_view()),
            Route::ManualEntry => Screen::ManualEntry(self.manual_view()),
            Route::ShareCode => Screen::ShareCode(self.share_code_view()),
            Route::SharePreview => Screen::SharePreview(self.share_preview_view()),
            Route::ShareDone => Screen::ShareDone(self.share_done_view()),
        };
        let route = self.route();
        Update {
            title: self.t(view::title_id(route)),
            back: (!matches!(route, Route::Home | Route::CheckedIn | Route::ShareDone))
                .then(|| self.back_button()),
            route,
            screen,
            effects,
            language: self.lang,
        }
    }

    fn back_button(&self) -> ButtonView {
        ButtonView::new(self.t("back"), UiEvent::Back, ButtonStyle::Plain)
    }

    /// A text in the current language.
    pub(crate) fn t(&self, id: &str) -> String {
        self.texts.get(self.lang, id)
    }

    /// A text with arguments.
    pub(crate) fn tw(&self, id: &str, args: &[(&str, i18n::Arg<'_>)]) -> String {
        self.texts.with(self.lang, id, args)
    }

    /// Local date and time texts.
    pub(crate) fn clock_text(&self, ms: i64) -> String {
        view::local_time(ms, self.store.settings().utc_offset_minutes)
    }

    pub(crate) fn date_text(&self, ms: i64) -> String {
        view::local_date(ms, self.store.settings().utc_offset_minutes)
    }

    /// Replaces the trust list (keys learnt from a verified trust list, a rotation).
    pub(crate) fn refresh_trust(&mut self) {
        if let Ok(t) = self.store.trusted_keys(&self.bundled_trust) {
            self.camera.set_trust(t.clone());
            self.continuous.scanner_mut().set_trust(t.clone());
            self.trust = t;
        }
    }
}

impl Store {
    /// An app setting saved in the store.
    pub(crate) fn app_value(&self, key: &str) -> Result<Option<String>, crate::store::StoreError> {
        self.write(|tx| crate::sync::state_get(tx, key))
    }

    /// Saves an app setting (`None` removes it).
    pub(crate) fn set_app_value(
        &self,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), crate::store::StoreError> {
        self.write(|tx| match value {
            Some(v) => crate::sync::state_set(tx, key, v),
            None => {
                tx.execute("DELETE FROM sync_state WHERE key = ?1", [key])?;
                Ok(())
            }
        })
    }
}
