//! Decoding QR codes from camera frames and image files.
//!
//! A platform camera analyser hands each luma frame to a [`Scanner`] (or, for a live preview,
//! a [`ContinuousScanner`]) as a borrowed [`LumaFrame`], optionally limited to the viewfinder
//! ([`LumaFrame::with_scan_window`]). The scanner binarizes the frame as zxing-cpp would, in
//! Rust, and runs zxing-cpp's detector and decoder (crate `zxing-cpp`, C++ bundled) on it;
//! only if nothing decodes and QR finder patterns are seen does it run a short cascade of
//! fallback [`Pass`]es (zxing-cpp on pre-processed copies; on the camera, rqrr too); see
//! `docs/adr/0003-scanning-engine.md`. Every engine call is panic-contained and the C++ API
//! catches its exceptions: no frame may crash the app (fuzzed, `fuzz/`). Decoded texts are
//! classified with [`crate::payload::classify`].
//!
//! Image files (the `quetma scan FILE` command) go through [`decode_image`] / [`scan_image`].

mod binarize;
mod continuous;
mod finder;
mod frame;
mod guard;
mod ops;
mod scanner;
mod zxing;

pub use continuous::{ContinuousScanner, MAX_REMEMBERED};
pub use frame::{FramePoint, LumaFrame, MAX_PIXELS, MAX_SIDE, Rotation, ScanError, ScanWindow};
pub use scanner::{DecodedCode, FrameObservation, Pass, ScanResult, Scanner, ScannerConfig};

use crate::keys::TrustList;

/// Whether the scanner's finder-pattern gate (see [`ScannerConfig::fallback_needs_finder`])
/// sees a QR code's finder patterns in the frame's scan window. For benchmarks and tests.
#[doc(hidden)]
pub fn finder_pattern_seen(frame: &LumaFrame<'_>) -> bool {
    let (plane, _) = frame.window_plane();
    finder::seen(&plane, &mut finder::Scratch::default()).code
}

/// Converts an image to 8-bit luma, compositing any transparency onto white (a QR drawn on a
/// transparent background would otherwise come out black on black).
pub fn to_luma(image: &image::DynamicImage) -> image::GrayImage {
    if !image.color().has_alpha() {
        return image.to_luma8();
    }
    let rgba = image.to_rgba8();
    let mut out = image::GrayImage::new(rgba.width(), rgba.height());
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = src.0;
        // Rec. 601 luma, as `to_luma8` does, then blend over white.
        let y = (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000;
        let a = u32::from(a);
        let v = (y * a + 255 * (255 - a)) / 255;
        dst.0 = [u8::try_from(v).unwrap_or(u8::MAX)];
    }
    out
}

/// Every QR text in an image (identical texts once), with the default cascade run in full
/// (no early exit: a file is scanned once, so thoroughness beats speed).
pub fn decode_image(image: &image::DynamicImage) -> Result<Vec<String>, ScanError> {
    let config = ScannerConfig {
        early_exit: false,
        ..ScannerConfig::default()
    };
    let luma = to_luma(image);
    let frame = LumaFrame::packed(luma.as_raw(), luma.width(), luma.height())?;
    Ok(Scanner::new(config, TrustList::new())
        .decode(&frame)
        .into_iter()
        .map(|c| c.text)
        .collect())
}

/// Every QR code in an image, classified against `trust` (full cascade, as [`decode_image`]).
pub fn scan_image(
    image: &image::DynamicImage,
    trust: &TrustList,
) -> Result<Vec<ScanResult>, ScanError> {
    let config = ScannerConfig {
        early_exit: false,
        ..ScannerConfig::default()
    };
    Scanner::new(config, trust.clone()).scan_image(image)
}
