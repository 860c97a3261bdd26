//! The types the shells render and send: [`Update`], [`Screen`], [`Effect`], [`UiEvent`] and
//! the small view pieces every screen uses.

use super::Route;
use super::alerts::AlertsView;
use super::business::{BusinessScanView, CheckpointView, EnrolView};
use super::checkin::{CheckedInView, ConfirmView};
use super::declare::DeclarationView;
use super::feedback::{HapticPattern, SoundCue};
use super::form::FormView;
use super::history::HistoryView;
use super::home::HomeView;
use super::i18n::Language;
use super::personal::PersonalQrView;
use super::profiles::ProfilesView;
use super::scan::ScanView;
use super::settings::SettingsView;
use super::share::{ShareCodeView, ShareDoneView, SharePreviewView};
use super::tasks::AppTask;

/// What the shell shows after an event: one screen, and what to do.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The route (for the shell's navigation animation and tests).
    pub route: Route,
    /// The screen's title.
    pub title: String,
    /// The back button, when there is somewhere to go back to.
    pub back: Option<ButtonView>,
    /// The screen's view model.
    pub screen: Screen,
    /// Effects to perform, in order.
    pub effects: Vec<Effect>,
    /// The language of every text in it.
    pub language: Language,
}

/// One view model per screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Screen {
    /// Home.
    Home(HomeView),
    /// Scanning a poster.
    Scan(ScanView),
    /// Confirming a check-in.
    Confirm(ConfirmView),
    /// Checked in.
    CheckedIn(CheckedInView),
    /// History.
    History(HistoryView),
    /// Health declaration.
    Declaration(DeclarationView),
    /// Personal QR.
    PersonalQr(PersonalQrView),
    /// Profiles.
    Profiles(ProfilesView),
    /// Alerts.
    Alerts(AlertsView),
    /// Settings.
    Settings(SettingsView),
    /// Business: enrol this phone.
    Enrol(EnrolView),
    /// Business: checkpoint and direction.
    Checkpoint(CheckpointView),
    /// Business: scanning.
    BusinessScan(BusinessScanView),
    /// Business: manual entry.
    ManualEntry(FormView),
    /// Share my history: the case code.
    ShareCode(ShareCodeView),
    /// Share my history: what will be sent.
    SharePreview(SharePreviewView),
    /// Share my history: sent.
    ShareDone(ShareDoneView),
}

/// A button: its label, what it sends, how it looks.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct ButtonView {
    /// Label.
    pub label: String,
    /// What a screen reader says (the label when no more is needed).
    pub accessibility: String,
    /// The event a tap sends.
    pub event: UiEvent,
    /// Look.
    pub style: ButtonStyle,
    /// Whether it can be tapped now.
    pub enabled: bool,
}

impl ButtonView {
    /// An enabled button whose accessibility label is its label.
    pub fn new(label: String, event: UiEvent, style: ButtonStyle) -> Self {
        Self {
            accessibility: label.clone(),
            label,
            event,
            style,
            enabled: true,
        }
    }

    /// With a fuller screen-reader label.
    pub fn described(mut self, accessibility: String) -> Self {
        self.accessibility = accessibility;
        self
    }

    /// Enabled or not.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }
}

/// How a button looks.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ButtonStyle {
    /// The screen's main action.
    Primary,
    /// Another action.
    Secondary,
    /// Destroys something.
    Danger,
    /// A text link.
    Plain,
}

/// A message strip on a screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct Banner {
    /// What it says.
    pub text: String,
    /// How serious.
    pub level: Level,
    /// A button in it.
    pub action: Option<ButtonView>,
}

/// How serious a banner or message is.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Information.
    Info,
    /// Done, good.
    Success,
    /// Take care.
    Warning,
    /// Act now.
    Danger,
}

/// One choice in a group (a radio button, a segmented control, a chip).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceView {
    /// Label.
    pub label: String,
    /// Chosen.
    pub selected: bool,
    /// The event choosing it sends.
    pub event: UiEvent,
}

/// The sync line shown on home and in business mode.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct SyncView {
    /// What it says ("Đã đồng bộ lúc 09:12", "Đang đồng bộ…", "3 mục chờ gửi").
    pub text: String,
    /// The last error, in words.
    pub error: Option<String>,
    /// A sync runs now.
    pub running: bool,
    /// Items waiting to be sent.
    pub pending: u64,
    /// Sync now.
    pub sync_now: Option<ButtonView>,
}

/// Screen brightness.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Brightness {
    /// Full, for a QR shown to a scanner.
    Max,
    /// The system's own.
    System,
}

/// A file format for the history export.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// JSON.
    Json,
    /// CSV.
    Csv,
}

/// What the shell must do for the core: platform work only.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Vibrate this pattern.
    Vibrate {
        /// The pattern.
        pattern: HapticPattern,
    },
    /// Play a sound.
    PlaySound {
        /// Which.
        cue: SoundCue,
    },
    /// Say this through the screen reader (TalkBack announcement, VoiceOver `.announcement`).
    Announce {
        /// The text.
        text: String,
    },
    /// Ask for the camera permission (the shell answers with [`UiEvent::CameraPermission`]).
    RequestCameraPermission,
    /// Start the camera and send frames.
    OpenCamera,
    /// Stop the camera.
    CloseCamera,
    /// Torch on or off.
    SetTorch {
        /// On.
        on: bool,
    },
    /// Keep the screen awake, or let it sleep again.
    KeepScreenOn {
        /// Keep it on.
        on: bool,
    },
    /// Screen brightness.
    SetBrightness {
        /// Level.
        level: Brightness,
    },
    /// Offer a file through the system share sheet.
    ShareFile {
        /// File name to offer.
        file_name: String,
        /// MIME type.
        mime: String,
        /// Contents.
        bytes: Vec<u8>,
        /// Share sheet title.
        title: String,
    },
    /// Schedule a local notification (auto check-out reminder), replacing one with this id.
    ScheduleReminder {
        /// Stable id (the visit id).
        id: String,
        /// When, Unix ms.
        at_ms: i64,
        /// Title.
        title: String,
        /// Body.
        body: String,
        /// Label of the notification's action; tapping it sends [`UiEvent::CheckOut`].
        action_label: String,
    },
    /// Show a notification now (an exposure alert found by a background sync).
    Notify {
        /// Stable id (a newer one replaces it).
        id: String,
        /// Title.
        title: String,
        /// Body.
        body: String,
    },
    /// Remove a scheduled or shown reminder.
    CancelReminder {
        /// Its id.
        id: String,
    },
    /// Run a network task and hand its result back (`run_task`).
    RunTask {
        /// Which.
        task: AppTask,
    },
    /// Open the app's page in the system settings (camera permission denied).
    OpenSystemSettings,
    /// Let the user pick an image (photo library, files); its bytes come back as
    /// [`UiEvent::ImagePicked`].
    PickImage,
    /// Leave the app (back on the home screen).
    CloseApp,
}

/// What the user did. Buttons carry the event to send; text fields send
/// [`UiEvent::FieldChanged`] with their key.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq)]
pub enum UiEvent {
    /// Go to a screen.
    Navigate {
        /// Where.
        route: Route,
    },
    /// The back button or gesture.
    Back,
    /// The app came to the foreground.
    Foreground,
    /// "Sync now".
    SyncNow,
    /// Close the banner.
    DismissNotice,
    /// A link opened the app (App Link, Universal Link).
    OpenUrl {
        /// The URL.
        url: String,
    },
    /// Check a visit out (home, history, or the reminder's action).
    CheckOut {
        /// The visit.
        visit_id: String,
    },
    /// Torch.
    ToggleTorch,
    /// The camera permission's answer.
    CameraPermission {
        /// Granted.
        granted: bool,
    },
    /// Open the system settings (permission denied).
    OpenSystemSettings,
    /// "Open an image" instead of the camera.
    PickImage,
    /// An image picked instead of the camera (a photo or screenshot of a poster): the file's
    /// bytes (PNG, JPEG, WebP, GIF).
    ImagePicked {
        /// The file.
        bytes: Vec<u8>,
    },
    /// Add or remove someone from the check-in.
    ToggleCompanion {
        /// The profile.
        profile_id: String,
    },
    /// Expected stay.
    SetStay {
        /// Minutes.
        minutes: u32,
    },
    /// Check in.
    ConfirmCheckIn,
    /// Cancel the check-in just made (a wrong venue).
    CancelCheckIn,
    /// Close the thank-you screen.
    Done,
    /// Edit a visit's times.
    EditVisit {
        /// The visit.
        visit_id: String,
    },
    /// Save the edited times.
    SaveVisitTimes {
        /// Start, Unix ms.
        start_ms: i64,
        /// End, Unix ms (`None` keeps it open).
        end_ms: Option<i64>,
    },
    /// Delete a visit (asks first).
    DeleteVisit {
        /// The visit.
        visit_id: String,
    },
    /// Yes, delete it.
    ConfirmDeleteVisit,
    /// Choose whose declaration or personal QR.
    SelectProfile {
        /// The profile.
        profile_id: String,
    },
    /// Consent to keeping health declarations.
    GrantConsent,
    /// Withdraw it (the declarations are deleted).
    WithdrawConsent,
    /// A form field changed.
    FieldChanged {
        /// The field's key (from [`super::FieldView`]).
        key: String,
        /// Its new value.
        value: String,
    },
    /// Submit the screen's form.
    Submit,
    /// Add a dependent.
    AddProfile,
    /// Edit a profile.
    EditProfile {
        /// The profile.
        profile_id: String,
    },
    /// Remove a profile (asks first).
    RemoveProfile {
        /// The profile.
        profile_id: String,
    },
    /// Yes, remove it.
    ConfirmRemoveProfile,
    /// Open an alert.
    OpenAlert {
        /// The alert.
        alert_id: String,
    },
    /// Mark every alert seen.
    MarkAllAlertsSeen,
    /// Switch language.
    SetLanguage {
        /// Which.
        language: Language,
    },
    /// Export the history as a file.
    Export {
        /// Format.
        format: ExportFormat,
    },
    /// Make a printable personal QR card (PDF) for the chosen profile.
    PrintCard,
    /// Ask to erase everything.
    AskReset,
    /// Yes, erase everything.
    ConfirmReset,
    /// Close the open dialog.
    CancelDialog,
    /// A code scanned or typed on the enrolment screen.
    EnrolScanned {
        /// The text.
        text: String,
    },
    /// Enrol this phone with the pending code.
    Enrol,
    /// Start scanning at the chosen checkpoint.
    StartScanning,
    /// Stop scanning.
    StopScanning,
    /// Leave business mode (the phone is no longer the venue's scanner).
    LeaveBusinessMode,
    /// Business scanner: save the phone number typed for the visitor just scanned (field
    /// `visitor_phone`).
    SaveVisitorPhone,
    /// Business scanner: no phone number for the visitor just scanned (scanning the next
    /// visitor skips too).
    SkipVisitorPhone,
    /// Share my history: tick or untick one visit.
    ToggleShareVisit {
        /// The visit.
        visit_id: String,
    },
    /// Share my history: send the ticked visits.
    SendHistory,
}

/// The title's text id of each route.
pub(crate) fn title_id(route: Route) -> &'static str {
    match route {
        Route::Home => "title-home",
        Route::Scan => "title-scan",
        Route::Confirm => "title-confirm",
        Route::CheckedIn => "title-checked-in",
        Route::History => "title-history",
        Route::Declaration => "title-declaration",
        Route::PersonalQr => "title-personal-qr",
        Route::Profiles => "title-profiles",
        Route::Alerts => "title-alerts",
        Route::Settings => "title-settings",
        Route::BusinessEnrol => "title-enrol",
        Route::BusinessCheckpoint => "title-checkpoint",
        Route::BusinessScan => "title-business-scan",
        Route::ManualEntry => "title-manual",
        Route::ShareCode => "title-share-code",
        Route::SharePreview => "title-share-preview",
        Route::ShareDone => "title-share-done",
    }
}

fn local(ms: i64, offset_minutes: i32) -> Option<time::OffsetDateTime> {
    let offset = time::UtcOffset::from_whole_seconds(offset_minutes.saturating_mul(60)).ok()?;
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).ok()?;
    Some(t.to_offset(offset))
}

/// `HH:MM` local time.
pub(crate) fn local_time(ms: i64, offset_minutes: i32) -> String {
    local(ms, offset_minutes)
        .map(|t| format!("{:02}:{:02}", t.hour(), t.minute()))
        .unwrap_or_default()
}

/// `dd/mm/yyyy` local date (as Vietnamese forms write it; English users read it too).
pub(crate) fn local_date(ms: i64, offset_minutes: i32) -> String {
    local(ms, offset_minutes)
        .map(|t| format!("{:02}/{:02}/{}", t.day(), u8::from(t.month()), t.year()))
        .unwrap_or_default()
}
