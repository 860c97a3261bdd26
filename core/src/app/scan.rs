//! Scanning a venue poster (citizen): the viewfinder's hint, the torch, an image instead of the
//! camera, the camera permission, and what each code read leads to.

use super::feedback::{self, Outcome};
use super::guidance::{self, HintKind, HintState};
use super::view::{ButtonStyle, ButtonView};
use super::{App, Effect, Route, UiEvent};
use crate::payload::foreign::{self, ForeignKind};
use crate::payload::scanned::InvalidCode;
use crate::payload::{Scanned, classify};
use crate::scan::LumaFrame;

/// The scanning screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct ScanView {
    /// The hint under the viewfinder.
    pub hint: String,
    /// Which hint (for its icon).
    pub hint_kind: HintKind,
    /// The torch button (absent without a torch).
    pub torch: Option<ButtonView>,
    /// Whether the torch is on.
    pub torch_on: bool,
    /// "Open an image" (a photo or screenshot of a poster).
    pub open_image: ButtonView,
    /// Set when the camera may not be used: why, and the way to the settings.
    pub permission: Option<PermissionView>,
}

/// The camera-permission-denied panel.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionView {
    /// Why the camera is needed and how to allow it.
    pub text: String,
    /// Opens the system settings.
    pub open_settings: ButtonView,
}

/// The scanner's state.
#[derive(Debug, Default)]
pub(crate) struct ScanState {
    pub(crate) torch_on: bool,
    /// Camera permission: unknown until the shell says.
    pub(crate) permission: Option<bool>,
    pub(crate) hint: HintState,
    /// The last text read and when, so one foreign code held in view beeps once.
    last_code: Option<(String, i64)>,
}

impl ScanState {
    pub(crate) fn reset_hint(&mut self, now_ms: i64) {
        self.hint = HintState::new(now_ms);
        self.last_code = None;
    }
}

/// How long one code held in view stays one event.
const SAME_CODE_MS: i64 = 3_000;

impl App {
    pub(crate) fn scan_view(&self) -> ScanView {
        let kind = self.scan.hint.shown();
        ScanView {
            hint: self.t(kind.text_id()),
            hint_kind: kind,
            torch: self.display.has_torch.then(|| {
                let id = if self.scan.torch_on {
                    "torch-off"
                } else {
                    "torch-on"
                };
                ButtonView::new(self.t(id), UiEvent::ToggleTorch, ButtonStyle::Secondary)
            }),
            torch_on: self.scan.torch_on,
            open_image: ButtonView::new(
                self.t("scan-open-image"),
                UiEvent::PickImage,
                ButtonStyle::Plain,
            )
            .described(self.t("scan-open-image-a11y")),
            permission: (self.scan.permission == Some(false)).then(|| PermissionView {
                text: self.t("camera-denied"),
                open_settings: ButtonView::new(
                    self.t("open-settings"),
                    UiEvent::OpenSystemSettings,
                    ButtonStyle::Primary,
                ),
            }),
        }
    }

    pub(crate) fn scan_event(&mut self, e: UiEvent) -> Vec<Effect> {
        match e {
            UiEvent::ToggleTorch => {
                self.scan.torch_on = !self.scan.torch_on;
                let id = if self.scan.torch_on {
                    "torch-is-on"
                } else {
                    "torch-is-off"
                };
                vec![
                    Effect::SetTorch {
                        on: self.scan.torch_on,
                    },
                    Effect::Announce { text: self.t(id) },
                ]
            }
            UiEvent::CameraPermission { granted } => {
                self.scan.permission = Some(granted);
                if !matches!(self.route(), Route::Scan | Route::BusinessScan) {
                    return Vec::new();
                }
                if granted {
                    vec![Effect::OpenCamera]
                } else {
                    vec![Effect::Announce {
                        text: self.t("camera-denied"),
                    }]
                }
            }
            UiEvent::OpenSystemSettings => vec![Effect::OpenSystemSettings],
            UiEvent::PickImage => vec![Effect::PickImage],
            UiEvent::ImagePicked { bytes } => self.image_picked(&bytes),
            _ => Vec::new(),
        }
    }

    fn image_picked(&mut self, bytes: &[u8]) -> Vec<Effect> {
        let texts = image::load_from_memory(bytes)
            .ok()
            .and_then(|img| crate::scan::decode_image(&img).ok())
            .unwrap_or_default();
        let Some(text) = texts.first() else {
            let text = self.t("scan-image-nothing");
            self.scan
                .hint
                .observe(HintKind::NothingInView, i64::MAX / 2);
            let mut fx = feedback::effects(Outcome::Rejected).to_vec();
            fx.push(Effect::Announce { text });
            return fx;
        };
        let text = text.clone();
        self.scanned_text(&text, true)
    }

    /// One camera frame on the citizen scan screen.
    pub(crate) fn citizen_frame(&mut self, frame: &LumaFrame<'_>) -> Option<Vec<Effect>> {
        let now = self.store.now_ms();
        let results = self.camera.scan(frame);
        // A poster anywhere in the frame wins over other codes beside it.
        let best = results
            .iter()
            .find(|r| matches!(r.scanned, Scanned::Venue(_)))
            .or_else(|| results.first());
        match best {
            Some(r) => {
                if let Some((t, at)) = &self.scan.last_code
                    && *t == r.text
                    && now - at < SAME_CODE_MS
                {
                    return None;
                }
                self.scan.last_code = Some((r.text.clone(), now));
                let text = r.text.clone();
                let fx = self.scanned_text(&text, true);
                Some(fx)
            }
            None => {
                let o = self.camera.observe(frame);
                let change = self.scan.hint.observe(guidance::frame_hint(&o), now)?;
                let mut fx = Vec::new();
                if change.announce {
                    fx.push(Effect::Announce {
                        text: self.t(change.shown.text_id()),
                    });
                }
                Some(fx)
            }
        }
    }

    /// What a code read on the citizen side leads to (camera, image, deep link).
    pub(crate) fn scanned_text(&mut self, text: &str, from_scanner: bool) -> Vec<Effect> {
        match classify(text, &self.trust) {
            Scanned::Venue(poster) => self.begin_confirm(poster, text),
            Scanned::Enrolment(link) => self.enrolment_link(link),
            Scanned::CaseCode(link) => self.case_code_link(link),
            other => {
                let hint = citizen_hint(&other, text);
                let now = self.store.now_ms();
                let mut fx = Vec::new();
                if from_scanner {
                    fx.extend(feedback::effects(Outcome::Foreign));
                }
                if let Some(change) = self.scan.hint.observe(hint, now)
                    && change.announce
                {
                    fx.push(Effect::Announce {
                        text: self.t(hint.text_id()),
                    });
                }
                if self.route() != Route::Scan {
                    fx.extend(self.navigate(Route::Scan));
                    // Entering resets the hint: show this one.
                    self.scan.hint.observe(hint, now);
                }
                fx
            }
        }
    }
}

/// The hint for a code that is not a poster, on the citizen side.
pub(crate) fn citizen_hint(s: &Scanned, text: &str) -> HintKind {
    match s {
        Scanned::Cccd(_) | Scanned::Bhyt(_) | Scanned::National(_) => HintKind::IdCard,
        Scanned::Personal(_) => HintKind::PersonalCode,
        Scanned::Enrolment(_) => HintKind::EnrolmentCode,
        Scanned::Venue(_) | Scanned::CaseCode(_) => HintKind::Aim,
        Scanned::Invalid(InvalidCode::Venue(_)) => HintKind::BadPoster,
        Scanned::Invalid(_) => HintKind::IdCard,
        Scanned::Unknown => foreign_hint(text),
    }
}

/// The hint for a code that is none of ours.
pub(crate) fn foreign_hint(text: &str) -> HintKind {
    match foreign::describe(text) {
        ForeignKind::VietQr => HintKind::BankTransfer,
        ForeignKind::Payment => HintKind::Payment,
        ForeignKind::WebLink => HintKind::WebLink,
        ForeignKind::Wifi => HintKind::Wifi,
        ForeignKind::Other => HintKind::ForeignCode,
    }
}
