//! On-screen bitmaps at a true physical size (the citizen's 5 × 5 cm personal QR).

use super::{MM_PER_INCH, QUIET_ZONE_MODULES, QrMatrix};

/// Smallest share of the target size the on-screen symbol may measure.
pub const SCREEN_MIN_RATIO: f64 = 0.95;

/// Largest bitmap side produced, in pixels.
const MAX_SIDE_PX: usize = 4096;

/// A greyscale bitmap of a QR symbol, quiet zone included, ready to blit 1:1 on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenBitmap {
    /// Side of the square bitmap in pixels (quiet zone included).
    pub width_px: u32,
    /// Pixels per module (a whole number, at least 1).
    pub module_px: u32,
    /// Row-major luma, `width_px × width_px` bytes: 0 = dark module, 255 = light.
    pub luma: Vec<u8>,
}

impl ScreenBitmap {
    /// Side of the symbol (quiet zone excluded) in millimetres on a screen of `pixels_per_inch`.
    pub fn symbol_mm(&self, qr_width_modules: usize, pixels_per_inch: f64) -> f64 {
        f64::from(self.module_px) * qr_width_modules as f64 * MM_PER_INCH / pixels_per_inch
    }
}

/// Renders `qr` for a screen of `pixels_per_inch` so that the symbol (quiet zone excluded)
/// measures about `target_mm`.
///
/// Rule: modules are whole pixels (no resampling blur). The module size is the whole number of
/// pixels nearest to the exact size; if that makes the symbol smaller than
/// [`SCREEN_MIN_RATIO`] (95 %) of `target_mm`, one pixel is added. Hence the symbol measures
/// at least 95 % of the target and is off by at most half a pixel per module (one pixel per
/// module in the bumped case), i.e. ±`width × 0.5 px`. At 420 ppi a 5 cm version-10 symbol
/// (57 modules) lands within 1.8 mm of 50 mm; at 160 ppi it is 54.3 mm (6 px per module, as
/// 5 px would give 45.2 mm). Invalid inputs (non-finite or non-positive) give 1 px per module rather
/// than a panic.
pub fn screen_bitmap(qr: &QrMatrix, pixels_per_inch: f64, target_mm: f64) -> ScreenBitmap {
    let modules = qr.width() as f64;
    let exact = if pixels_per_inch.is_finite()
        && pixels_per_inch > 0.0
        && target_mm.is_finite()
        && target_mm > 0.0
    {
        target_mm / MM_PER_INCH * pixels_per_inch / modules
    } else {
        tracing::warn!("invalid screen density or target size, using 1 px per module");
        1.0
    };
    // Cap the bitmap at MAX_SIDE_PX (no phone screen is larger; protects against absurd inputs).
    let max_module = (MAX_SIDE_PX / qr.width_with_quiet_zone()).max(1) as f64;
    let mut module_px = exact.round().clamp(1.0, max_module);
    if module_px < exact * SCREEN_MIN_RATIO && module_px < max_module {
        module_px += 1.0;
    }
    let module_px = module_px as usize;
    let side = module_px * qr.width_with_quiet_zone();
    let mut luma = vec![255u8; side * side];
    for (y, x, len) in qr.dark_runs() {
        let x0 = (x + QUIET_ZONE_MODULES) * module_px;
        let x1 = x0 + len * module_px;
        let y0 = (y + QUIET_ZONE_MODULES) * module_px;
        for row in y0..y0 + module_px {
            if let Some(line) = luma.get_mut(row * side + x0..row * side + x1) {
                line.fill(0);
            }
        }
    }
    ScreenBitmap {
        width_px: u32::try_from(side).unwrap_or(u32::MAX),
        module_px: u32::try_from(module_px).unwrap_or(u32::MAX),
        luma,
    }
}
