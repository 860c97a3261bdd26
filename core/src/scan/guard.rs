//! Every call into rqrr goes through here: panics are contained, and decoded bytes become
//! text with our own charset rules.
//!
//! rqrr 0.11 can panic on real photos (`assertion failed: x <= i32::MAX as f64` in
//! `geometry.rs`, WanzenBug/rqrr#54). We catch the unwind, and a process-wide panic hook,
//! installed once, keeps the default hook from printing those contained panics: it stays
//! silent only while *this thread* is inside [`contained`], and hands every other panic to
//! the hook that was there before. This needs `panic = "unwind"` (the workspace profiles set
//! it); with `panic = "abort"` a rqrr panic would abort the process.

use std::any::Any;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use rqrr::PreparedImage;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// Installs the filtering panic hook (once per process).
pub(crate) fn install_quiet_hook() {
    // `set_hook` panics when called from a panicking thread; try again another time.
    if std::thread::panicking() {
        return;
    }
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into `Err(message)`.
pub(crate) fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|payload| panic_message(payload.as_ref()))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

/// One code rqrr decoded, in the coordinates of the image it was given.
#[derive(Debug, Clone)]
pub(crate) struct RawCode {
    pub text: String,
    pub bounds: [rqrr::Point; 4],
    pub version: u8,
}

/// Decodes every detected grid. Grids that fail to decode are skipped.
fn decode_grids<G: rqrr::BitGrid>(grids: &[rqrr::Grid<G>], out: &mut Vec<RawCode>) {
    let mut bytes = Vec::new();
    for grid in grids {
        bytes.clear();
        if let Ok(meta) = grid.decode_to(&mut bytes) {
            out.push(RawCode {
                text: bytes_to_text(&bytes),
                bounds: grid.bounds,
                version: u8::try_from(meta.version.0).unwrap_or(u8::MAX),
            });
        }
    }
}

/// Decodes a greyscale image given pixel by pixel (rqrr thresholds it itself).
pub(crate) fn decode_greyscale(
    width: usize,
    height: usize,
    fill: impl FnMut(usize, usize) -> u8,
    out: &mut Vec<RawCode>,
) -> Result<(), String> {
    contained(|| {
        let mut img = PreparedImage::prepare_from_greyscale(width, height, fill);
        decode_grids(&img.detect_grids(), out);
    })
}

/// Decodes an already binarised image (`true` = dark).
pub(crate) fn decode_bitmap(
    width: usize,
    height: usize,
    fill: impl FnMut(usize, usize) -> bool,
    out: &mut Vec<RawCode>,
) -> Result<(), String> {
    contained(|| {
        let mut img = PreparedImage::prepare_from_bitmap(width, height, fill);
        decode_grids(&img.detect_grids(), out);
    })
}

/// Turns the bytes rqrr wrote into text.
///
/// rqrr 0.11 writes byte-mode segments as raw bytes, kanji-mode segments as Shift_JIS bytes,
/// and skips ECI designators; its own `Grid::decode` then insists on UTF-8. We take UTF-8
/// when the bytes are valid UTF-8 (the Vietnamese CCCD and every modern generator), else
/// Shift_JIS when they are valid Shift_JIS that looks Japanese (see [`looks_shift_jis`]),
/// else ISO-8859-1, the QR standard's default for byte mode.
pub(crate) fn bytes_to_text(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    if looks_shift_jis(bytes)
        && let Some(s) =
            encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return s.into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Shift_JIS rather than Latin-1: at least one double-byte character led by 0x81..=0x9F
/// (kana, symbols, level-1 kanji; these bytes are C1 controls, never text, in Latin-1), or at
/// least two double-byte characters, or a run of three or more half-width katakana (as ZXing
/// guesses; Latin-1 rarely strings three of `¡`..`ß` together). A lone Latin-1 accented letter
/// followed by an ASCII letter (`é` + `c`) is a valid Shift_JIS pair, hence the count.
fn looks_shift_jis(bytes: &[u8]) -> bool {
    let (mut doubles, mut low_leads, mut kana_run, mut max_kana_run) = (0usize, 0usize, 0, 0);
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if matches!(b, 0x81..=0x9F | 0xE0..=0xFC) {
            doubles += 1;
            if b <= 0x9F {
                low_leads += 1;
            }
            kana_run = 0;
            i += 2;
        } else {
            if (0xA1..=0xDF).contains(&b) {
                kana_run += 1;
                max_kana_run = max_kana_run.max(kana_run);
            } else {
                kana_run = 0;
            }
            i += 1;
        }
    }
    low_leads >= 1 || doubles >= 2 || max_kana_run >= 3
}
