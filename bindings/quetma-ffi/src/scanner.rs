//! Camera frames in, classified codes out.
//!
//! The platform analyser hands each luma (Y) plane over as borrowed bytes: Kotlin passes a
//! direct `ByteBuffer` (CameraX `ImageProxy.planes[0].buffer` already is one), Swift a `Data`
//! over the `CVPixelBuffer`'s Y plane. Rust reads it in place for the duration of the call
//! (zero-copy) and keeps nothing after it returns.
//!
//! What comes back carries no plaintext identity: a card's QR (CCCD, BHYT, national QR) is
//! reported by its display hint only (abbreviated name, birth year); recording it at a checkpoint
//! ([`crate::QuetMaApp::record_frame`]) seals the minimised record in Rust.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use quetma_core::payload::Scanned;
use quetma_core::payload::scanned::InvalidCode;
use quetma_core::scan::{
    self as core_scan, ContinuousScanner, LumaFrame, ScanError, Scanner, ScannerConfig,
};

use crate::app::Keys;
use crate::error::{QuetMaError, Result};
use crate::types::{DeclarationBrief, Hint, Venue};

/// How the sensor image must be turned (clockwise) to be upright (CameraX
/// `imageInfo.rotationDegrees`; on iOS from the device orientation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Rotation {
    /// Upright.
    Deg0,
    /// 90° clockwise.
    Deg90,
    /// 180°.
    Deg180,
    /// 270° clockwise.
    Deg270,
}

impl From<Rotation> for core_scan::Rotation {
    fn from(r: Rotation) -> Self {
        match r {
            Rotation::Deg0 => Self::Deg0,
            Rotation::Deg90 => Self::Deg90,
            Rotation::Deg180 => Self::Deg180,
            Rotation::Deg270 => Self::Deg270,
        }
    }
}

/// The rotation for a multiple of 90 degrees (any sign), e.g. CameraX `rotationDegrees`.
#[uniffi::export]
pub fn rotation_from_degrees(degrees: i32) -> Result<Rotation> {
    match core_scan::Rotation::from_degrees(degrees) {
        Some(core_scan::Rotation::Deg0) => Ok(Rotation::Deg0),
        Some(core_scan::Rotation::Deg90) => Ok(Rotation::Deg90),
        Some(core_scan::Rotation::Deg180) => Ok(Rotation::Deg180),
        Some(core_scan::Rotation::Deg270) => Ok(Rotation::Deg270),
        None => Err(QuetMaError::invalid(
            "rotation is not a multiple of 90 degrees",
        )),
    }
}

/// A point in upright frame coordinates (pixels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct FramePoint {
    /// Column.
    pub x: i32,
    /// Row.
    pub y: i32,
}

/// Which kind of code a scanned text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum CodeKind {
    /// A QuetMa venue poster.
    Venue,
    /// A QuetMa personal QR.
    Personal,
    /// A CCCD / Căn cước card QR.
    Cccd,
    /// A BHYT card QR.
    Bhyt,
    /// The national personal QR.
    NationalQr,
}

/// What a scanned code is. Card codes are reported by their display hint only.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ScannedCode {
    /// A venue poster whose signature verified against the pinned keys.
    Venue {
        /// The venue.
        venue: Venue,
        /// The poster text, for [`crate::QuetMaApp::check_in`].
        poster_text: String,
    },
    /// A QuetMa personal QR (its contact record stays sealed).
    Personal {
        /// Abbreviated name and birth year.
        hint: Hint,
        /// The latest declaration, if the code carries one.
        declaration: Option<DeclarationBrief>,
        /// When the code was made, Unix seconds.
        issued_at: i64,
    },
    /// A CCCD / Căn cước card.
    Cccd {
        /// Abbreviated name and birth year.
        hint: Hint,
    },
    /// A BHYT card.
    Bhyt {
        /// Abbreviated name and birth year.
        hint: Hint,
    },
    /// The national personal QR.
    NationalQr {
        /// Abbreviated name and birth year.
        hint: Hint,
    },
    /// A code of a known kind that failed validation (forged, damaged, truncated).
    Invalid {
        /// Which kind.
        kind: CodeKind,
        /// Why (names the rule, never the data).
        reason: String,
    },
    /// A staff-phone enrolment link (the app's business flow redeems it).
    Enrolment {
        /// The deployment it belongs to.
        base_url: String,
    },
    /// A tracer's case code (the app's "share my history" flow takes it).
    CaseCode {
        /// The deployment it belongs to.
        base_url: String,
        /// Days of history it asks for.
        window_days: u32,
    },
    /// Not a code QuetMa knows.
    Unknown,
}

impl ScannedCode {
    pub(crate) fn of(text: &str, scanned: &Scanned) -> Self {
        match scanned {
            Scanned::Venue(p) => Self::Venue {
                venue: Venue::of(&p.info, p.kid.as_str()),
                poster_text: text.to_owned(),
            },
            Scanned::Personal(p) => Self::Personal {
                hint: p.hint.clone().into(),
                declaration: p.declaration.map(Into::into),
                issued_at: p.issued_at,
            },
            Scanned::Cccd(c) => Self::Cccd {
                hint: c.display_hint().into(),
            },
            Scanned::Bhyt(c) => Self::Bhyt {
                hint: c.display_hint().into(),
            },
            Scanned::National(c) => Self::NationalQr {
                hint: c.display_hint().into(),
            },
            Scanned::Invalid(e) => Self::Invalid {
                kind: match e {
                    InvalidCode::Venue(_) => CodeKind::Venue,
                    InvalidCode::Personal(_) => CodeKind::Personal,
                    InvalidCode::Cccd(_) => CodeKind::Cccd,
                    InvalidCode::Bhyt(_) => CodeKind::Bhyt,
                    InvalidCode::National(_) => CodeKind::NationalQr,
                },
                reason: e.to_string(),
            },
            Scanned::Enrolment(l) => Self::Enrolment {
                base_url: l.base_url.clone(),
            },
            Scanned::CaseCode(l) => Self::CaseCode {
                base_url: l.base_url.clone(),
                window_days: l.code.window_days,
            },
            Scanned::Unknown => Self::Unknown,
        }
    }
}

/// A code found in a frame.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScanResult {
    /// What it is.
    pub code: ScannedCode,
    /// Corners (top-left, top-right, bottom-right, bottom-left) in upright frame coordinates,
    /// for the UI overlay.
    pub bounds: Vec<FramePoint>,
    /// QR version (1–40).
    pub qr_version: u8,
}

impl From<&core_scan::ScanResult> for ScanResult {
    fn from(r: &core_scan::ScanResult) -> Self {
        Self {
            code: ScannedCode::of(&r.text, &r.scanned),
            bounds: r
                .bounds
                .iter()
                .map(|p| FramePoint { x: p.x, y: p.y })
                .collect(),
            qr_version: r.version,
        }
    }
}

pub(crate) fn frame_error(e: ScanError) -> QuetMaError {
    // Sizes only, never pixel data.
    QuetMaError::invalid(e.to_string())
}

enum Engine {
    Single(Scanner),
    Continuous(ContinuousScanner, Instant),
}

/// Decodes QR codes in camera frames. It keeps its pass buffers between frames: make one per
/// analysis thread and feed it every frame.
#[derive(uniffi::Object)]
pub struct FrameScanner {
    engine: Mutex<Engine>,
    window: Mutex<Option<core_scan::ScanWindow>>,
}

impl std::fmt::Debug for FrameScanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameScanner").finish_non_exhaustive()
    }
}

impl FrameScanner {
    pub(crate) fn with_keys(keys: &Keys, continuous: bool) -> Self {
        let engine = if continuous {
            // A live preview: the camera budget spreads the fallback passes over frames.
            let scanner = Scanner::new(ScannerConfig::camera(), keys.trust.clone());
            Engine::Continuous(ContinuousScanner::new(scanner), Instant::now())
        } else {
            Engine::Single(Scanner::new(ScannerConfig::default(), keys.trust.clone()))
        };
        Self {
            engine: Mutex::new(engine),
            window: Mutex::new(None),
        }
    }

    /// Scans one frame: the core results, before mapping.
    pub(crate) fn scan_core(
        &self,
        luma: &[u8],
        width: u32,
        height: u32,
        row_stride: u32,
        rotation: Rotation,
    ) -> Result<Vec<core_scan::ScanResult>> {
        let mut frame = LumaFrame::new(luma, width, height, row_stride, rotation.into())
            .map_err(frame_error)?;
        if let Some(window) = self.window.lock().ok().and_then(|w| *w) {
            frame = frame.with_scan_window(window);
        }
        let mut engine = self
            .engine
            .lock()
            .map_err(|_| QuetMaError::internal("scanner lock poisoned"))?;
        Ok(match &mut *engine {
            Engine::Single(s) => s.scan(&frame),
            Engine::Continuous(c, start) => {
                let now = start.elapsed();
                c.scan(&frame, now)
            }
        })
    }
}

#[uniffi::export]
impl FrameScanner {
    /// A scanner verifying posters against a public key bundle (JSON). With `continuous`, a
    /// code is reported at most once per few seconds (a live camera preview); without, every
    /// frame reports everything it holds.
    #[uniffi::constructor]
    pub fn new(public_keys_json: String, continuous: bool) -> Result<Arc<Self>> {
        Ok(Arc::new(Self::with_keys(
            &Keys::parse(&public_keys_json)?,
            continuous,
        )))
    }

    /// Scans a luma plane in place (zero-copy): `luma` holds `height` rows of `row_stride`
    /// bytes (the last row may be short), of which the first `width` are pixels.
    pub fn scan(
        &self,
        luma: &[u8],
        width: u32,
        height: u32,
        row_stride: u32,
        rotation: Rotation,
    ) -> Result<Vec<ScanResult>> {
        Ok(self
            .scan_core(luma, width, height, row_stride, rotation)?
            .iter()
            .map(ScanResult::from)
            .collect())
    }

    /// As [`FrameScanner::scan`], for bytes the caller holds in a heap array (a Kotlin
    /// `ByteArray`): they are copied across the boundary. Prefer [`FrameScanner::scan`].
    pub fn scan_copied(
        &self,
        luma: Vec<u8>,
        width: u32,
        height: u32,
        row_stride: u32,
        rotation: Rotation,
    ) -> Result<Vec<ScanResult>> {
        self.scan(&luma, width, height, row_stride, rotation)
    }

    /// Searches only the viewfinder rectangle from now on: `left`, `top`, `width`, `height` in
    /// upright frame pixels (after the frame's rotation), clamped to each frame; a rectangle
    /// outside the frame searches all of it. Reported corners stay in whole-frame coordinates.
    pub fn set_scan_window(&self, left: u32, top: u32, width: u32, height: u32) {
        if let Ok(mut w) = self.window.lock() {
            *w = Some(core_scan::ScanWindow {
                left,
                top,
                width,
                height,
            });
        }
    }

    /// Searches whole frames again.
    pub fn clear_scan_window(&self) {
        if let Ok(mut w) = self.window.lock() {
            *w = None;
        }
    }

    /// Forgets the codes already reported (continuous mode), so the next sighting is reported.
    pub fn reset(&self) {
        if let Ok(mut e) = self.engine.lock()
            && let Engine::Continuous(c, _) = &mut *e
        {
            c.reset();
        }
    }
}
