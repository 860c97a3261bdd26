//! The frame scanner: zxing-cpp on the frame, then, only where a finder pattern is seen, a
//! cascade of fallback passes (zxing-cpp on pre-processed copies, rqrr).

use std::num::NonZeroUsize;
use std::time::Duration;

use super::frame::{FramePoint, LumaFrame, ScanError};
use super::guard::{self, RawCode};
use super::ops::{self, Adaptive, Plane};
use super::zxing::{self, Binarize, Luma};
use super::{binarize, finder};
use crate::keys::TrustList;
use crate::payload::{Scanned, classify};

/// One decoding pass of the cascade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pass {
    /// zxing-cpp's local-average binarizer and downscaling pyramid, done in Rust (see
    /// `binarize.rs`: the same bitmap, faster), then zxing-cpp's detector and decoder with
    /// try-harder, on each layer until one decodes (the primary pass). The inverted retry is
    /// left to [`Pass::ZxingInverted`], which runs only where light-on-dark finder patterns
    /// are seen.
    Zxing,
    /// The same on the inverted bitmap: light-on-dark codes. Runs only where the finder scan
    /// sees light-on-dark finder patterns (even with the finder gate off).
    ZxingInverted,
    /// zxing-cpp with its global-histogram binarizer: evenly lit codes whose modules the
    /// local-average binarizer breaks up (noise, JPEG blocks, fine print around the code).
    ZxingGlobal,
    /// zxing-cpp (global histogram) on a blurred copy (about sigma 1 px): noisy or
    /// over-sharpened photos, dithered prints.
    ZxingBlurGlobal,
    /// The first pass on a copy with the contrast stretched from the 1st..99th luma
    /// percentile to the full range (only where the frame does not span it already): faded
    /// prints, washed-out screens, codes whose 8 px blocks span fewer than the 24 grey levels
    /// the local-average binarizer needs.
    ZxingStretch,
    /// The first pass on an unsharp-masked copy (the frame plus twice its difference from the
    /// sigma-1 blur): out-of-focus frames, as while the camera focuses.
    ZxingSharpen,
    /// zxing-cpp (global histogram) on a 2× upscale framed by a white quiet zone of 1/16 of
    /// the shorter side (only for frames of at most [`ScannerConfig::upscale_max_pixels`]):
    /// small modules, codes cut close to the edge.
    ZxingUpscale2Global,
    /// rqrr on the frame as it is, thresholded by rqrr's own row-wise moving average.
    Raw,
    /// A 2×2 box-filtered half-size copy (only for frames of at least
    /// [`ScannerConfig::downscale_min_pixels`]): smooths sensor noise and JPEG blocks, and
    /// makes rqrr's averaging window relatively larger.
    Downscale2,
    /// A 2× bilinear upscale (only for frames of at most [`ScannerConfig::upscale_max_pixels`]):
    /// gives rqrr's finder and sampler more pixels on codes of 2–3 px per module.
    Upscale2,
    /// Contrast stretched from the 1st..99th percentile to the full range (skipped when the
    /// frame already spans the range).
    Stretch,
    /// Otsu's global threshold.
    Otsu,
    /// Local mean (Bradley–Roth) threshold over an integral image: uneven light, shadows,
    /// blur. The window's half side is the frame's shorter side / `window_divisor` (at least
    /// 8 px); a pixel is dark below `(100 - percent)%` of its window mean.
    Adaptive {
        /// Shorter side / this = window half side.
        window_divisor: u8,
        /// Darkness margin in percent of the local mean.
        percent: u8,
    },
    /// The frame with inverted luma, for light-on-dark codes.
    Inverted,
    /// The inverse of an [`Pass::Adaptive`] bitmap, for light-on-dark codes in poor light.
    InvertedAdaptive {
        /// Shorter side / this = window half side.
        window_divisor: u8,
        /// Darkness margin in percent of the local mean.
        percent: u8,
    },
}

impl Pass {
    /// The default cascade (stills, and what the scan benchmark measures), chosen on the shared
    /// photo corpus (316 single-code images; see `docs/adr/0003-scanning-engine.md` and `cargo
    /// bench -p quetma-core --bench scan_corpus` for each pass's marginal contribution). The
    /// first pass reads 287, the inverted bitmap 3 more (light-on-dark codes), the
    /// global-histogram binarizer and the blurred copy 10 between them (one of them a code
    /// whose corpus text was wrong, see the corpus test's errata), the 2× upscale 2 (small,
    /// soft codes): 302. The contrast stretch adds none there but reads the faint codes of the
    /// bench's synthetic set (10 and 6 grey levels) that nothing else does. Every pass after
    /// the first runs only where finder patterns are seen (the stretch pass also where the
    /// frame spans a narrow luma range: faint finders escape the gate), and all of them are
    /// zxing-cpp: rqrr reads one more image but costs 5–10 ms on every frame that shows
    /// finder-like shapes, so it is in [`Pass::CAMERA_CASCADE`] only.
    pub const DEFAULT_CASCADE: [Pass; 6] = [
        Pass::Zxing,
        Pass::ZxingInverted,
        Pass::ZxingGlobal,
        Pass::ZxingBlurGlobal,
        Pass::ZxingStretch,
        Pass::ZxingUpscale2Global,
    ];

    /// The camera's cascade: [`Pass::DEFAULT_CASCADE`], then an unsharp-masked copy (frames
    /// taken while the lens focuses; on the bench's synthetic blur it reads 2 of the 4 codes
    /// the rest miss, on the corpus none) and rqrr with a local-mean threshold (a curved code
    /// no zxing-cpp pass reads). Both cost more than they find on stills — rqrr 5–10 ms where
    /// it finds finder-like shapes — but on a live stream each is one pass of a frame's
    /// budget, spread over successive frames.
    pub const CAMERA_CASCADE: [Pass; 8] = [
        Pass::Zxing,
        Pass::ZxingInverted,
        Pass::ZxingGlobal,
        Pass::ZxingBlurGlobal,
        Pass::ZxingStretch,
        Pass::ZxingUpscale2Global,
        Pass::ZxingSharpen,
        Pass::Adaptive {
            window_divisor: 8,
            percent: 15,
        },
    ];

    /// Whether the pass runs rqrr (else zxing-cpp).
    pub fn is_rqrr(self) -> bool {
        !matches!(
            self,
            Pass::Zxing
                | Pass::ZxingInverted
                | Pass::ZxingGlobal
                | Pass::ZxingBlurGlobal
                | Pass::ZxingStretch
                | Pass::ZxingSharpen
                | Pass::ZxingUpscale2Global
        )
    }

    /// A short stable name of the kind of pass (for logs).
    pub fn name(self) -> &'static str {
        match self {
            Pass::Zxing => "zxing",
            Pass::ZxingInverted => "zxing-inverted",
            Pass::ZxingGlobal => "zxing-global",
            Pass::ZxingBlurGlobal => "zxing-blur-global",
            Pass::ZxingStretch => "zxing-stretch",
            Pass::ZxingSharpen => "zxing-sharpen",
            Pass::ZxingUpscale2Global => "zxing-upscale2-global",
            Pass::Raw => "raw",
            Pass::Downscale2 => "downscale2",
            Pass::Upscale2 => "upscale2",
            Pass::Stretch => "stretch",
            Pass::Otsu => "otsu",
            Pass::Adaptive { .. } => "adaptive",
            Pass::Inverted => "inverted",
            Pass::InvertedAdaptive { .. } => "inverted-adaptive",
        }
    }
}

impl std::fmt::Display for Pass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pass::Adaptive {
                window_divisor,
                percent,
            }
            | Pass::InvertedAdaptive {
                window_divisor,
                percent,
            } => write!(f, "{}/{window_divisor}/{percent}", self.name()),
            _ => f.write_str(self.name()),
        }
    }
}

/// Scanner settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerConfig {
    /// The passes to try, in order.
    pub passes: Vec<Pass>,
    /// Stop at the first pass that decodes something (`true`, the camera default), or run
    /// every pass and merge (slower; finds codes that need different passes in one frame).
    pub early_exit: bool,
    /// [`Pass::Downscale2`] runs only on frames of at least this many pixels.
    pub downscale_min_pixels: u64,
    /// [`Pass::Upscale2`] runs only on frames of at most this many pixels.
    pub upscale_max_pixels: u64,
    /// Camera budget: run at most this many passes per frame — always the first, plus the
    /// next ones of the rest in turn, so consecutive frames of the same scene try every pass.
    /// `None` runs the whole cascade on every frame.
    pub max_passes_per_frame: Option<NonZeroUsize>,
    /// [`ContinuousScanner`](super::ContinuousScanner) reports the same text at most once per
    /// this long.
    pub repeat_after: Duration,
    /// Run the passes after the first only on frames where a QR finder pattern is seen (a
    /// cheap row scan): an empty camera frame then costs the first pass and that scan.
    pub fallback_needs_finder: bool,
    /// rqrr passes after the first run only on frames (scan windows) of at most this many
    /// pixels: rqrr costs 10–60 ms on a noisy frame of 0.5–1 Mpx, and the codes only it reads
    /// are small, low-resolution ones.
    pub rqrr_fallback_max_pixels: u64,
    /// Keep rqrr's contained panics off stderr (installs a filtering panic hook once).
    pub quiet_rqrr_panics: bool,
}

impl Default for ScannerConfig {
    fn default() -> Self {
        Self {
            passes: Pass::DEFAULT_CASCADE.to_vec(),
            early_exit: true,
            downscale_min_pixels: 600_000,
            upscale_max_pixels: 500_000,
            max_passes_per_frame: None,
            fallback_needs_finder: true,
            rqrr_fallback_max_pixels: 500_000,
            repeat_after: Duration::from_secs(3),
            quiet_rqrr_panics: true,
        }
    }
}

impl ScannerConfig {
    /// The live-camera settings: [`Pass::CAMERA_CASCADE`] with a budget of 2 passes per frame
    /// — the first pass on every frame, and (only where a finder pattern is seen) one
    /// fallback pass in turn, so a few successive frames of the same scene try the whole
    /// cascade, rqrr included, while no frame costs more than two passes.
    pub fn camera() -> Self {
        Self {
            passes: Pass::CAMERA_CASCADE.to_vec(),
            max_passes_per_frame: NonZeroUsize::new(2),
            ..Self::default()
        }
    }
}

/// A code found in a frame, before classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedCode {
    /// The decoded text.
    pub text: String,
    /// Corners (top-left, top-right, bottom-right, bottom-left of the code) in upright frame
    /// coordinates.
    pub bounds: [FramePoint; 4],
    /// The pass that decoded it.
    pub pass: Pass,
    /// QR version (1..=40).
    pub version: u8,
}

/// A code found in a frame, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanResult {
    /// The decoded text.
    pub text: String,
    /// What the text is.
    pub scanned: Scanned,
    /// Corners (top-left, top-right, bottom-right, bottom-left of the code) in upright frame
    /// coordinates, for the UI overlay.
    pub bounds: [FramePoint; 4],
    /// The pass that decoded it.
    pub pass: Pass,
    /// QR version (1..=40).
    pub version: u8,
}

/// Decodes QR codes in camera frames. Holds the pass buffers, so keep one per analysis thread
/// and feed it every frame: in the steady state the passes allocate nothing (rqrr itself still
/// allocates its thresholded copy per pass; its API gives no way to reuse it).
#[derive(Debug)]
pub struct Scanner {
    config: ScannerConfig,
    trust: TrustList,
    small: Vec<u8>,
    integral: Vec<u32>,
    blur_tmp: Vec<u16>,
    finder: finder::Scratch,
    bits: Vec<u8>,
    layer: Vec<u8>,
    layer_next: Vec<u8>,
    pass_copy: Vec<u8>,
    binarize: binarize::Scratch,
    raw: Vec<RawCode>,
    contained_panics: u64,
    passes_run: u64,
    next_extra: usize,
    /// What the finder gate saw on the last frame decoded, if it ran.
    last_finder: Option<finder::Seen>,
}

/// What a frame looked like, for the scanner's guidance (see [`Scanner::observe`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameObservation {
    /// QR finder patterns are in view.
    pub finder_seen: bool,
    /// Their size in pixels (7 modules), 0 when none.
    pub finder_px: u32,
    /// The shorter side of the scanned area, pixels.
    pub short_side_px: u32,
    /// Mean luma, sampled (0–255).
    pub mean_luma: u8,
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new(ScannerConfig::default(), TrustList::new())
    }
}

impl Scanner {
    /// A scanner with these settings, classifying venue posters against `trust`.
    pub fn new(config: ScannerConfig, trust: TrustList) -> Self {
        if config.quiet_rqrr_panics {
            guard::install_quiet_hook();
        }
        Self {
            config,
            trust,
            small: Vec::new(),
            integral: Vec::new(),
            blur_tmp: Vec::new(),
            finder: finder::Scratch::default(),
            bits: Vec::new(),
            layer: Vec::new(),
            layer_next: Vec::new(),
            pass_copy: Vec::new(),
            binarize: binarize::Scratch::default(),
            raw: Vec::new(),
            contained_panics: 0,
            passes_run: 0,
            next_extra: 0,
            last_finder: None,
        }
    }

    /// The settings.
    pub fn config(&self) -> &ScannerConfig {
        &self.config
    }

    /// The trust list used by [`classify`].
    pub fn trust(&self) -> &TrustList {
        &self.trust
    }

    /// Replaces the trust list (after a key rotation).
    pub fn set_trust(&mut self, trust: TrustList) {
        self.trust = trust;
    }

    /// How many engine panics (rqrr, or zxing-cpp's Rust wrapper) were contained since this scanner was made.
    pub fn contained_panics(&self) -> u64 {
        self.contained_panics
    }

    /// How many decoding passes ran since this scanner was made (passes that did not apply
    /// to a frame, or that the finder gate skipped, are not counted).
    pub fn passes_run(&self) -> u64 {
        self.passes_run
    }

    /// Decodes and classifies every code in the frame (identical texts once). Never panics.
    pub fn scan(&mut self, frame: &LumaFrame<'_>) -> Vec<ScanResult> {
        self.decode(frame)
            .into_iter()
            .map(|c| ScanResult {
                scanned: classify(&c.text, &self.trust),
                text: c.text,
                bounds: c.bounds,
                pass: c.pass,
                version: c.version,
            })
            .collect()
    }

    /// Decodes every code in the frame without classifying (identical texts once).
    pub fn decode(&mut self, frame: &LumaFrame<'_>) -> Vec<DecodedCode> {
        let mut found: Vec<DecodedCode> = Vec::new();
        let (plane, (off_x, off_y)) = frame.window_plane();
        let mut hist: Option<[u32; 256]> = None;
        let mut integral_ready = false;
        let mut finder_seen: Option<finder::Seen> = None;
        let passes = std::mem::take(&mut self.config.passes);
        let order = self.frame_order(passes.len());
        for (k, pass) in order.filter_map(|i| passes.get(i).copied()).enumerate() {
            if k > 0 && (self.config.fallback_needs_finder || pass == Pass::ZxingInverted) {
                let seen =
                    *finder_seen.get_or_insert_with(|| finder::seen(&plane, &mut self.finder));
                // A faint frame hides its finders from the gate's threshold: the stretch pass
                // runs on it regardless.
                if !seen.code
                    && self.config.fallback_needs_finder
                    && !(pass == Pass::ZxingStretch
                        && ops::faint(hist.get_or_insert_with(|| ops::histogram(&plane))))
                {
                    continue;
                }
                if pass == Pass::ZxingInverted && !seen.light_on_dark {
                    continue;
                }
            }
            if k > 0
                && pass.is_rqrr()
                && (plane.width as u64) * (plane.height as u64)
                    > self.config.rqrr_fallback_max_pixels
            {
                continue;
            }
            let mut raw = std::mem::take(&mut self.raw);
            raw.clear();
            let ran = self.run_pass(pass, &plane, &mut hist, &mut integral_ready, &mut raw);
            let Some((result, scale, pad)) = ran else {
                self.raw = raw;
                continue;
            };
            self.passes_run += 1;
            if let Err(message) = result {
                self.contained_panics += 1;
                tracing::warn!(%pass, %message, "decoder panicked; pass skipped");
            }
            for code in raw.drain(..) {
                if found.iter().any(|f| f.text == code.text) {
                    continue;
                }
                let bounds = code.bounds.map(|p| {
                    let (x, y) = (p.x.saturating_sub(pad), p.y.saturating_sub(pad));
                    let (x, y) = if scale >= 0 {
                        (x.saturating_mul(scale), y.saturating_mul(scale))
                    } else {
                        (x / -scale, y / -scale)
                    };
                    let sensor = FramePoint {
                        x: x.saturating_add(off_x),
                        y: y.saturating_add(off_y),
                    };
                    frame
                        .rotation()
                        .to_upright(sensor, frame.width(), frame.height())
                });
                found.push(DecodedCode {
                    text: code.text,
                    bounds,
                    pass,
                    version: code.version,
                });
            }
            self.raw = raw;
            if self.config.early_exit && !found.is_empty() {
                break;
            }
        }
        self.config.passes = passes;
        self.last_finder = finder_seen;
        found
    }

    /// What the frame last given to [`Scanner::decode`] (or [`Scanner::scan`]) looked like: the
    /// finder gate's answer (reused when the decode ran it, else run now: at most one finder
    /// scan per frame) and the mean luma from a sparse sample (every 8th pixel of every 8th
    /// row). Call it with that same frame, after the decode found nothing.
    pub fn observe(&mut self, frame: &LumaFrame<'_>) -> FrameObservation {
        let (plane, _) = frame.window_plane();
        let seen = match self.last_finder.take() {
            Some(s) => s,
            None => finder::seen(&plane, &mut self.finder),
        };
        let (mut sum, mut n) = (0u64, 0u64);
        for y in (0..plane.height).step_by(8) {
            for &v in plane.row(y).iter().step_by(8) {
                sum += u64::from(v);
                n += 1;
            }
        }
        FrameObservation {
            finder_seen: seen.code,
            finder_px: u32::try_from(seen.size).unwrap_or(u32::MAX),
            short_side_px: u32::try_from(plane.width.min(plane.height)).unwrap_or(u32::MAX),
            mean_luma: u8::try_from(sum.checked_div(n).unwrap_or(0)).unwrap_or(u8::MAX),
        }
    }

    /// Indices of the passes to run on this frame (all, or the budgeted rotation).
    fn frame_order(&mut self, len: usize) -> impl Iterator<Item = usize> + use<> {
        let budget = self
            .config
            .max_passes_per_frame
            .map_or(len, NonZeroUsize::get)
            .min(len);
        let rest = len.saturating_sub(1);
        let start = if budget < len {
            self.next_extra % rest.max(1)
        } else {
            0
        };
        if budget < len && rest > 0 {
            self.next_extra = (start + budget - 1) % rest;
        }
        let rotated = (0..budget.saturating_sub(1)).map(move |k| 1 + (start + k) % rest.max(1));
        (0..len.min(1)).chain(rotated).take(budget)
    }

    /// Runs one pass into `out`; `None` when the pass does not apply to this frame, else the
    /// decoder's outcome, the factor from pass to sensor coordinates (negative: divide) and
    /// the border (in pass pixels) to take off first.
    fn run_pass(
        &mut self,
        pass: Pass,
        plane: &Plane<'_>,
        hist: &mut Option<[u32; 256]>,
        integral_ready: &mut bool,
        out: &mut Vec<RawCode>,
    ) -> Option<(Result<(), String>, i32, i32)> {
        let (w, h) = (plane.width, plane.height);
        let result = match pass {
            Pass::Zxing => self.local_pyramid(plane, false, out),
            Pass::ZxingInverted => self.local_pyramid(plane, true, out),
            Pass::ZxingGlobal => {
                let img = Luma {
                    data: plane.data,
                    width: w,
                    height: h,
                    stride: plane.stride,
                };
                zxing::decode(&img, Binarize::GlobalHistogram, true, &mut self.small, out)
            }
            Pass::ZxingBlurGlobal => {
                ops::blur(plane, &mut self.small, &mut self.blur_tmp);
                let mut scratch = Vec::new();
                let img = Luma {
                    data: &self.small,
                    width: w,
                    height: h,
                    stride: w,
                };
                zxing::decode(&img, Binarize::GlobalHistogram, true, &mut scratch, out)
            }
            Pass::ZxingSharpen => {
                ops::blur(plane, &mut self.small, &mut self.blur_tmp);
                let blurred = std::mem::take(&mut self.small);
                let sharpened = (0..h).flat_map(|y| {
                    let b = blurred.get(y * w..(y + 1) * w).unwrap_or(&[]);
                    plane.row(y).iter().zip(b).map(|(&v, &b)| {
                        (i32::from(v) + 2 * (i32::from(v) - i32::from(b))).clamp(0, 255) as u8
                    })
                });
                let r = self.local_pyramid_on(w, h, sharpened, out);
                self.small = blurred;
                r
            }
            Pass::ZxingStretch => {
                let hist = hist.get_or_insert_with(|| ops::histogram(plane));
                let lut = ops::stretch_lut(hist)?;
                let stretched = (0..h).flat_map(|y| {
                    plane
                        .row(y)
                        .iter()
                        .map(|&v| lut.get(usize::from(v)).copied().unwrap_or(255))
                });
                self.local_pyramid_on(w, h, stretched, out)
            }
            Pass::ZxingUpscale2Global => {
                if (w as u64) * (h as u64) > self.config.upscale_max_pixels {
                    return None;
                }
                let pad = (w.min(h) / 16).max(4);
                let mut up = std::mem::take(&mut self.pass_copy);
                let (sw, sh) = ops::pad_upscale2(plane, pad, &mut up);
                let mut scratch = Vec::new();
                let img = Luma {
                    data: &up,
                    width: sw,
                    height: sh,
                    stride: sw,
                };
                let r = zxing::decode(&img, Binarize::GlobalHistogram, false, &mut scratch, out);
                self.pass_copy = up;
                return Some((r, -2, i32::try_from(2 * pad).unwrap_or(0)));
            }
            Pass::Raw => guard::decode_greyscale(w, h, |x, y| plane.px(x, y), out),
            Pass::Downscale2 => {
                if (w as u64) * (h as u64) < self.config.downscale_min_pixels || w < 2 || h < 2 {
                    return None;
                }
                let (sw, sh) = ops::downscale2(plane, &mut self.small);
                let small = Plane {
                    data: &self.small,
                    width: sw,
                    height: sh,
                    stride: sw,
                };
                let r = guard::decode_greyscale(sw, sh, |x, y| small.px(x, y), out);
                return Some((r, 2, 0));
            }
            Pass::Upscale2 => {
                if (w as u64) * (h as u64) > self.config.upscale_max_pixels {
                    return None;
                }
                let r =
                    guard::decode_greyscale(2 * w, 2 * h, |x, y| ops::upsample2(plane, x, y), out);
                return Some((r, -2, 0));
            }
            Pass::Stretch => {
                let hist = hist.get_or_insert_with(|| ops::histogram(plane));
                let lut = ops::stretch_lut(hist)?;
                guard::decode_greyscale(
                    w,
                    h,
                    |x, y| lut.get(usize::from(plane.px(x, y))).copied().unwrap_or(255),
                    out,
                )
            }
            Pass::Otsu => {
                let hist = hist.get_or_insert_with(|| ops::histogram(plane));
                let t = ops::otsu(hist);
                guard::decode_bitmap(w, h, |x, y| plane.px(x, y) <= t, out)
            }
            Pass::Inverted => guard::decode_greyscale(w, h, |x, y| 255 - plane.px(x, y), out),
            Pass::Adaptive {
                window_divisor,
                percent,
            }
            | Pass::InvertedAdaptive {
                window_divisor,
                percent,
            } => {
                if !*integral_ready {
                    ops::integral(plane, &mut self.integral);
                    *integral_ready = true;
                }
                let adaptive = Adaptive {
                    integral: &self.integral,
                    width: w,
                    height: h,
                    radius: (w.min(h) / usize::from(window_divisor.max(1))).max(8),
                    percent: u32::from(percent),
                };
                let invert = matches!(pass, Pass::InvertedAdaptive { .. });
                guard::decode_bitmap(
                    w,
                    h,
                    |x, y| adaptive.dark(x, y, plane.px(x, y)) != invert,
                    out,
                )
            }
        };
        Some((result, 1, 0))
    }

    /// zxing-cpp with the local-average binarizer over zxing-cpp's pyramid (the frame, then
    /// 1/3-size layers while the longer side exceeds 500 px), binarized here
    /// ([`super::binarize`]); `invert` decodes light-on-dark codes. With `early_exit` it stops
    /// at the first layer that decodes (zxing-cpp itself always runs every layer). Bounds are
    /// scaled back to `plane` pixels.
    fn local_pyramid(
        &mut self,
        plane: &Plane<'_>,
        invert: bool,
        out: &mut Vec<RawCode>,
    ) -> Result<(), String> {
        let mut result = self.decode_local(plane, invert, out);
        let mut layer = std::mem::take(&mut self.layer);
        let mut next = std::mem::take(&mut self.layer_next);
        let (mut w, mut h) = (plane.width, plane.height);
        let mut scale = 1i32;
        let mut first = true;
        while (out.is_empty() || !self.config.early_exit) && binarize::needs_layer(w, h) {
            let prev = if first {
                *plane
            } else {
                Plane {
                    data: &layer,
                    width: w,
                    height: h,
                    stride: w,
                }
            };
            (w, h) = binarize::downscale3(&prev, &mut next);
            std::mem::swap(&mut layer, &mut next);
            first = false;
            scale = scale.saturating_mul(binarize::PYRAMID_FACTOR as i32);
            let small = Plane {
                data: &layer,
                width: w,
                height: h,
                stride: w,
            };
            let before = out.len();
            if let Err(e) = self.decode_local(&small, invert, out) {
                result = Err(e);
            }
            for code in out.iter_mut().skip(before) {
                for p in &mut code.bounds {
                    p.x = p.x.saturating_mul(scale);
                    p.y = p.y.saturating_mul(scale);
                }
            }
        }
        self.layer = layer;
        self.layer_next = next;
        result
    }

    /// [`Self::local_pyramid`] on a `w` × `h` copy made of `pixels` (row after row).
    fn local_pyramid_on(
        &mut self,
        w: usize,
        h: usize,
        pixels: impl Iterator<Item = u8>,
        out: &mut Vec<RawCode>,
    ) -> Result<(), String> {
        let mut copy = std::mem::take(&mut self.pass_copy);
        copy.clear();
        copy.extend(pixels);
        let plane = Plane {
            data: &copy,
            width: w,
            height: h,
            stride: w,
        };
        let r = self.local_pyramid(&plane, false, out);
        self.pass_copy = copy;
        r
    }

    /// zxing-cpp on one pyramid layer: the local-average bitmap made here, or (a side under
    /// 40 px, no contrast) zxing-cpp's global-histogram binarizer, as zxing-cpp does.
    fn decode_local(
        &mut self,
        plane: &Plane<'_>,
        invert: bool,
        out: &mut Vec<RawCode>,
    ) -> Result<(), String> {
        let (w, h) = (plane.width, plane.height);
        let mut bits = std::mem::take(&mut self.bits);
        let result = if binarize::hybrid(plane, &mut self.binarize, &mut bits) {
            if invert {
                bits.iter_mut().for_each(|b| *b = !*b);
            }
            let img = Luma {
                data: &bits,
                width: w,
                height: h,
                stride: w,
            };
            zxing::decode(&img, Binarize::Prebinarized, false, &mut self.small, out)
        } else if invert {
            bits.clear();
            bits.extend((0..h).flat_map(|y| plane.row(y).iter().map(|&v| 255 - v)));
            let img = Luma {
                data: &bits,
                width: w,
                height: h,
                stride: w,
            };
            zxing::decode(&img, Binarize::GlobalHistogram, false, &mut self.small, out)
        } else {
            let img = Luma {
                data: plane.data,
                width: w,
                height: h,
                stride: plane.stride,
            };
            zxing::decode(&img, Binarize::GlobalHistogram, false, &mut self.small, out)
        };
        self.bits = bits;
        result
    }

    /// Decodes and classifies an image file's pixels (see [`super::to_luma`]).
    pub fn scan_image(
        &mut self,
        image: &image::DynamicImage,
    ) -> Result<Vec<ScanResult>, ScanError> {
        let luma = super::to_luma(image);
        let frame = LumaFrame::packed(luma.as_raw(), luma.width(), luma.height())?;
        Ok(self.scan(&frame))
    }
}
