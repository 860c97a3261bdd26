//! The personal QR shown at a door: which profile, full brightness, a true 5 × 5 cm on this
//! screen, and a printable card for a relative without a smartphone.

use super::i18n::Arg;
use super::view::{ButtonStyle, ButtonView, ChoiceView};
use super::{App, Language, UiEvent};
use crate::render::{self, QUIET_ZONE_MODULES, QrMatrix};

/// Side of the symbol on screen, mm (quiet zone excluded).
pub const SYMBOL_MM: f64 = 50.0;

/// The personal QR screen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct PersonalQrView {
    /// Whose code.
    pub profiles: Vec<ChoiceView>,
    /// The code, when there is a profile.
    pub code: Option<QrCodeView>,
    /// "Show this to the staff's scanner"; or why there is no code.
    pub note: String,
    /// Print a card (PDF through the share sheet).
    pub print_card: Option<ButtonView>,
}

/// A QR code to draw at a true size.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq)]
pub struct QrCodeView {
    /// One byte per module, row-major, quiet zone included: 0 dark, 255 light.
    pub modules: Vec<u8>,
    /// Modules per side (quiet zone included).
    pub modules_per_side: u32,
    /// Width to draw it at, in physical pixels (quiet zone included), so the symbol measures
    /// [`SYMBOL_MM`] across on this screen (from `DisplayInfo::xdpi`). Scale without smoothing.
    pub width_px: f64,
    /// Height likewise (from `ydpi`).
    pub height_px: f64,
    /// The symbol's side, mm.
    pub symbol_mm: f64,
    /// The readable part: abbreviated name and birth year.
    pub caption: String,
    /// The latest declaration in brief.
    pub declaration: Option<String>,
    /// For a screen reader.
    pub accessibility: String,
}

#[derive(Debug, Default)]
pub(crate) struct PersonalState {
    pub(crate) profile_id: Option<String>,
}

impl App {
    pub(crate) fn personal_view(&self) -> PersonalQrView {
        let Some(p) = self.chosen_profile(self.personal.profile_id.as_ref()) else {
            return PersonalQrView {
                profiles: Vec::new(),
                code: None,
                note: self.t("need-profile"),
                print_card: None,
            };
        };
        let code = self
            .store
            .personal_qr(&p.id, &self.sealing)
            .ok()
            .and_then(|qr| {
                let matrix = QrMatrix::encode(&qr.encode(), render::CARD_EC).ok()?;
                let side = matrix.width_with_quiet_zone();
                let mut modules = Vec::with_capacity(side * side);
                for y in 0..side {
                    for x in 0..side {
                        let dark = x >= QUIET_ZONE_MODULES
                            && y >= QUIET_ZONE_MODULES
                            && matrix.is_dark(x - QUIET_ZONE_MODULES, y - QUIET_ZONE_MODULES);
                        modules.push(if dark { 0 } else { 255 });
                    }
                }
                let scale = side as f64 / matrix.width() as f64;
                let px = |dpi: f64| SYMBOL_MM / 25.4 * dpi * scale;
                let caption = match qr.hint.birth_year {
                    Some(y) => format!("{} · {y}", qr.hint.short_name),
                    None => qr.hint.short_name.clone(),
                };
                let declaration = qr.declaration.map(|d| {
                    let status = match self.lang {
                        Language::Vi => d.status.label_vi(),
                        Language::En => d.status.label_en(),
                    };
                    let date = format!(
                        "{:02}/{:02}/{}",
                        d.declared_on.day(),
                        u8::from(d.declared_on.month()),
                        d.declared_on.year()
                    );
                    self.tw(
                        "qr-declaration",
                        &[("date", Arg::Str(&date)), ("status", Arg::Str(status))],
                    )
                });
                Some(QrCodeView {
                    modules,
                    modules_per_side: u32::try_from(side).ok()?,
                    width_px: px(self.display.xdpi),
                    height_px: px(self.display.ydpi),
                    symbol_mm: SYMBOL_MM,
                    accessibility: self.tw("qr-a11y", &[("name", Arg::Str(&caption))]),
                    caption,
                    declaration,
                })
            });
        PersonalQrView {
            profiles: self.profile_choices(Some(&p.id)),
            note: if code.is_some() {
                self.t("qr-note")
            } else {
                self.t("qr-unavailable")
            },
            code,
            print_card: Some(ButtonView::new(
                self.t("qr-print"),
                UiEvent::PrintCard,
                ButtonStyle::Secondary,
            )),
        }
    }
}
