//! QR codes at a true physical size.
//!
//! Every output states its size in millimetres and measures what it says once printed or shown:
//!
//! - [`QrMatrix`]: the encoded symbol (qrcode picks the optimal segment modes, so an upper-case
//!   URL plus Base32 text is one alphanumeric segment and the lowest possible version).
//! - [`to_svg`]: vector SVG whose `width`/`height` are in `mm`, one `<path>` of merged dark runs.
//! - [`to_png`]: PNG with a whole number of pixels per module and a `pHYs` chunk, so the symbol
//!   prints at least at the requested size.
//! - [`screen_bitmap`]: a luma bitmap for a phone screen of known pixel density (the citizen's
//!   5 × 5 cm on-screen personal QR).
//! - [`venue_poster_pdf`] (A4, QR ≥ 150 mm) and [`personal_card_pdf`] (cut-out card, QR ≥ 50 mm),
//!   with the fonts embedded so Vietnamese diacritics print everywhere.
//!
//! All symbols carry a quiet zone of [`QUIET_ZONE_MODULES`] modules on every side; sizes given
//! in millimetres are the symbol's size *without* the quiet zone.

mod fonts;
mod layout;
mod pdf;
mod raster;
mod screen;
mod svg;

pub use pdf::{
    CARD_EC, CARD_H_MM, CARD_QR_MIN_MM, CARD_QR_MM, CARD_W_MM, CardContent, POSTER_EC,
    POSTER_QR_MIN_MM, POSTER_QR_MM, PosterContent, personal_card_pdf, sms_line, venue_poster_pdf,
};
pub use raster::to_png;
pub use screen::{SCREEN_MIN_RATIO, ScreenBitmap, screen_bitmap};
pub use svg::to_svg;

use qrcode::types::QrError;

/// Width of the light margin around every rendered symbol, in modules (ISO/IEC 18004 minimum).
pub const QUIET_ZONE_MODULES: usize = 4;

/// Millimetres per inch.
pub(crate) const MM_PER_INCH: f64 = 25.4;

/// Why a QR code could not be rendered. Messages never contain the encoded data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The text does not fit in a QR code (version 40) at the requested error-correction level.
    #[error("data too long for a QR code at this error-correction level")]
    TooLong,
    /// The QR encoder rejected the input for another reason.
    #[error("QR encoding failed")]
    Encode,
    /// A size, resolution or pixel density is not a finite positive number, or is absurdly large.
    #[error("invalid size or resolution")]
    InvalidSize,
    /// PDF generation failed (the reason names no personal data).
    #[error("PDF generation failed: {0}")]
    Pdf(String),
    /// PNG encoding failed (the reason names no personal data).
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// QR error-correction level (share of codewords that can be restored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EcLevel {
    /// About 7 % recovery.
    L,
    /// About 15 % recovery.
    M,
    /// About 25 % recovery.
    Q,
    /// About 30 % recovery.
    H,
}

impl From<EcLevel> for qrcode::EcLevel {
    fn from(level: EcLevel) -> Self {
        match level {
            EcLevel::L => qrcode::EcLevel::L,
            EcLevel::M => qrcode::EcLevel::M,
            EcLevel::Q => qrcode::EcLevel::Q,
            EcLevel::H => qrcode::EcLevel::H,
        }
    }
}

/// An encoded QR symbol: a square of dark and light modules, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    version: i16,
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` (as UTF-8 bytes) at the smallest version that holds it, with optimal
    /// segment modes (numeric / alphanumeric / byte).
    pub fn encode(text: &str, ec: EcLevel) -> Result<Self, RenderError> {
        Self::encode_min_version(text, ec, 1)
    }

    /// Like [`QrMatrix::encode`] but never below `min_version` (1–40); larger versions keep the
    /// quiet zone of a big printed symbol from eating the page.
    pub(crate) fn encode_min_version(
        text: &str,
        ec: EcLevel,
        min_version: i16,
    ) -> Result<Self, RenderError> {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), ec.into())
            .map_err(map_qr_error)?;
        let code = match code.version() {
            qrcode::Version::Normal(v) if v < min_version => qrcode::QrCode::with_version(
                text.as_bytes(),
                qrcode::Version::Normal(min_version.clamp(1, 40)),
                ec.into(),
            )
            .map_err(map_qr_error)?,
            _ => code,
        };
        let version = match code.version() {
            qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => v,
        };
        let width = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        tracing::debug!(version, width, "encoded QR symbol");
        Ok(Self {
            version,
            width,
            dark,
        })
    }

    /// QR version (1–40).
    pub fn version(&self) -> i16 {
        self.version
    }

    /// Side of the symbol in modules, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Side of the symbol in modules, including the quiet zone on both sides.
    pub fn width_with_quiet_zone(&self) -> usize {
        self.width + 2 * QUIET_ZONE_MODULES
    }

    /// Whether the module at column `x`, row `y` (0-based, quiet zone excluded) is dark.
    /// Coordinates outside the symbol are light (they lie in the quiet zone).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        if x >= self.width || y >= self.width {
            return false;
        }
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// Horizontal runs of dark modules: `(row, first column, length)`, row by row. Drawing one
    /// rectangle per run keeps the vector outputs small and free of hairline seams.
    pub(crate) fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }
}

fn map_qr_error(err: QrError) -> RenderError {
    match err {
        QrError::DataTooLong => RenderError::TooLong,
        _ => RenderError::Encode,
    }
}

/// Checks that a size or resolution is finite, positive and below `max`.
pub(crate) fn check_positive(value: f64, max: f64) -> Result<f64, RenderError> {
    if value.is_finite() && value > 0.0 && value <= max {
        Ok(value)
    } else {
        Err(RenderError::InvalidSize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_reports_version_and_width() {
        let m = QrMatrix::encode("HELLO", EcLevel::M).unwrap();
        assert_eq!(m.version(), 1);
        assert_eq!(m.width(), 21);
        // Finder pattern corner is dark; the quiet zone is light.
        assert!(m.is_dark(0, 0));
        assert!(!m.is_dark(21, 0));
    }

    #[test]
    fn too_long_is_a_typed_error() {
        let text = "x".repeat(4000);
        assert_eq!(
            QrMatrix::encode(&text, EcLevel::H),
            Err(RenderError::TooLong)
        );
    }

    #[test]
    fn min_version_is_honoured() {
        let m = QrMatrix::encode_min_version("HELLO", EcLevel::Q, 4).unwrap();
        assert_eq!(m.version(), 4);
        assert_eq!(m.width(), 33);
    }

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let m = QrMatrix::encode("HTTPS://QUETMA.VN/V/ABCDEF234567", EcLevel::M).unwrap();
        let mut count = 0;
        for (y, x0, len) in m.dark_runs() {
            for x in x0..x0 + len {
                assert!(m.is_dark(x, y));
                count += 1;
            }
        }
        let dark = (0..m.width())
            .flat_map(|y| (0..m.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| m.is_dark(x, y))
            .count();
        assert_eq!(count, dark);
    }
}
