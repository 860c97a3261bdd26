//! A cheap test for "is there a QR finder pattern in this frame?", run before the expensive
//! fallback passes so that an empty camera frame costs the first pass and this scan only.
//!
//! Every third row is thresholded against a moving average of the row (window 1/6 of the
//! width, at least 17 px: wider than a large finder's centre) and searched for the finder's
//! 1:1:3:1:1 run pattern, in either polarity (inverted codes). A candidate counts once the column through its centre shows the
//! same pattern at a similar size. Two confirmed finders of the same polarity and a similar
//! size, apart from each other, are needed: a code has three, and one may be lost to blur or
//! the frame's edge, while a single 1:1:3:1:1 crossing turns up in ordinary clutter (window
//! frames, text, stripes) often enough to make the gate useless on empty frames.

use super::ops::Plane;

/// Whether a run pattern `r` (5 run lengths) is 1:1:3:1:1 within tolerance; its total size.
fn pattern_total(r: &[usize; 5]) -> Option<usize> {
    let total: usize = r.iter().sum();
    if total < 7 {
        return None;
    }
    // Module size in quarters of a pixel; a module may deviate by half a module.
    let m4 = total * 4 / 7;
    let tol = m4 / 2 + 2;
    let ok1 = |v: usize| (v * 4).abs_diff(m4) <= tol;
    let ok3 = |v: usize| (v * 4).abs_diff(3 * m4) <= 3 * tol;
    (ok1(r[0]) && ok1(r[1]) && ok3(r[2]) && ok1(r[3]) && ok1(r[4])).then_some(total)
}

/// A confirmed finder candidate: centre, size (the pattern's 7 modules in pixels), polarity.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    x: usize,
    y: usize,
    size: usize,
    dark: bool,
}

/// At most this many distinct candidates are kept (a pathological frame stops adding).
const MAX_CANDIDATES: usize = 64;

/// Records `c`; true once it makes [`NEEDED`] distinct candidates of one polarity whose sizes
/// are within 2× of its own (centres at least one finder size apart).
fn add(found: &mut Vec<Candidate>, c: Candidate) -> bool {
    let mut alike = 1usize;
    let mut duplicate = false;
    for f in found.iter() {
        let near = f.x.abs_diff(c.x) < f.size.max(c.size) && f.y.abs_diff(c.y) < f.size.max(c.size);
        if near {
            duplicate = true;
            continue;
        }
        if f.dark == c.dark && f.size <= 2 * c.size && c.size <= 2 * f.size {
            alike += 1;
        }
    }
    if !duplicate && found.len() < MAX_CANDIDATES {
        found.push(c);
    }
    alike >= NEEDED
}

/// Finder candidates needed to call it a code.
const NEEDED: usize = 3;

/// Rows scanned: every third. A finder's centre is 3 modules tall, so every code of at least
/// one pixel per module has a scanned row through it (zxing-cpp needs about 1.5).
const ROW_STEP: usize = 3;

/// What the finder scan saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Seen {
    /// Two finder patterns of one polarity: a code is probably there.
    pub code: bool,
    /// ... and some of them light on dark (an inverted code).
    pub light_on_dark: bool,
    /// The size in pixels (7 modules) of the finder that confirmed the code, 0 when none.
    pub size: usize,
}

/// Row buffers of [`seen`], kept by the scanner so that a stream of frames allocates nothing
/// here.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Prefix sums of the current row.
    prefix: Vec<u32>,
    /// The current row thresholded (1 = dark).
    dark: Vec<u8>,
}

/// Whether a QR code's finder patterns are seen (see the module docs).
pub(crate) fn seen(plane: &Plane<'_>, scratch: &mut Scratch) -> Seen {
    let Scratch {
        prefix: row_buf,
        dark,
    } = scratch;
    let mut seen = Seen::default();
    let mut found: Vec<Candidate> = Vec::new();
    let (w, h) = (plane.width, plane.height);
    if w < 7 || h < 7 {
        return seen;
    }
    let radius = (w / 12).max(8);
    for y in (0..h).step_by(ROW_STEP) {
        let row = plane.row(y);
        if row.len() < w {
            continue;
        }
        // Prefix sums of the row for the moving average.
        row_buf.clear();
        row_buf.resize(w + 1, 0);
        let mut acc = 0u32;
        for (s, &v) in row_buf.iter_mut().skip(1).zip(row) {
            acc += u32::from(v);
            *s = acc;
        }
        threshold_row(row, row_buf, radius, dark);
        let dark_at = |x: usize| dark.get(x).is_some_and(|&d| d != 0);
        // The last five run lengths; colours alternate, so the centre run (runs[2]) has the
        // colour of the run that just ended (`cur`).
        let mut runs = [0usize; 5];
        let mut filled = 0usize;
        let mut cur = dark_at(0);
        let mut len = 0usize;
        for x in 0..=w {
            let d = if x < w { dark_at(x) } else { !cur };
            if d == cur {
                len += 1;
                continue;
            }
            // A run of colour `cur` ended at x.
            if filled == 5 {
                runs = [runs[1], runs[2], runs[3], runs[4], 0];
                filled = 4;
            }
            runs[filled] = len;
            filled += 1;
            if filled == 5
                && let Some(total) = pattern_total(&runs)
            {
                let centre = x - runs[4] - runs[3] - runs[2] / 2 - 1;
                if contrasted(row.get(x - total..x).unwrap_or(&[]))
                    && vertical_match(plane, centre, y, total, cur, row_buf.as_slice(), radius)
                    && add(
                        &mut found,
                        Candidate {
                            x: centre,
                            y,
                            size: total,
                            dark: cur,
                        },
                    )
                {
                    seen.code = true;
                    seen.size = seen.size.max(total);
                    if !cur {
                        seen.light_on_dark = true;
                    }
                    if seen.light_on_dark {
                        return seen;
                    }
                }
            }
            cur = d;
            len = 1;
        }
    }
    seen
}

/// Thresholds `row` against its moving average (window `2 * radius + 1`, clipped at the
/// ends; `prefix` holds the row's prefix sums): `out[x]` is 1 where the pixel is below 95 %
/// of the mean. The interior, where the window is whole, is one vectorisable loop.
fn threshold_row(row: &[u8], prefix: &[u32], radius: usize, out: &mut Vec<u8>) {
    let w = row.len();
    out.clear();
    out.resize(w, 0);
    let at = |x: usize| {
        let x0 = x.saturating_sub(radius);
        let x1 = (x + radius + 1).min(w);
        let sum = prefix.get(x1).copied().unwrap_or(0) - prefix.get(x0).copied().unwrap_or(0);
        let v = u32::from(row.get(x).copied().unwrap_or(255));
        u8::from(v * (x1 - x0) as u32 * 100 < sum * 95)
    };
    let span = 2 * radius + 1;
    if w <= span {
        for (x, d) in out.iter_mut().enumerate() {
            *d = at(x);
        }
        return;
    }
    let n100 = span as u32 * 100;
    // Window sums centred at x = radius, radius + 1, ...
    let sums = prefix.get(span..).unwrap_or(&[]).iter().zip(prefix);
    let interior = out
        .iter_mut()
        .zip(row)
        .skip(radius)
        .zip(sums)
        .take(w - span + 1);
    for ((d, &v), (&hi, &lo)) in interior {
        *d = u8::from(u32::from(v) * n100 < (hi - lo) * 95);
    }
    for x in (0..radius).chain(w - radius..w) {
        if let Some(d) = out.get_mut(x) {
            *d = at(x);
        }
    }
}

/// Least luma range (max − min) across a candidate's pattern: the moving-average threshold
/// turns sensor noise on a flat dark surface into random runs, 1:1:3:1:1 among them; a printed
/// or displayed finder spans far more (zxing-cpp's binarizer wants 24 levels per block).
const MIN_PATTERN_RANGE: u8 = 16;

/// Whether the pixels of a row pattern span at least [`MIN_PATTERN_RANGE`].
fn contrasted(pixels: &[u8]) -> bool {
    let (lo, hi) = pixels
        .iter()
        .fold((u8::MAX, u8::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    hi.saturating_sub(lo) >= MIN_PATTERN_RANGE
}

/// Checks the column through (x, y) for the same pattern, with the centre run of colour
/// `dark`, thresholded like the row (the row's moving average at x).
fn vertical_match(
    plane: &Plane<'_>,
    x: usize,
    y: usize,
    total: usize,
    dark: bool,
    row_sums: &[u32],
    radius: usize,
) -> bool {
    let w = plane.width;
    let x0 = x.saturating_sub(radius);
    let x1 = (x + radius + 1).min(w);
    let sum = row_sums.get(x1).copied().unwrap_or(0) - row_sums.get(x0).copied().unwrap_or(0);
    let n = (x1 - x0) as u32;
    let is_dark = |xx: usize, yy: usize| u32::from(plane.px(xx, yy)) * n * 100 < sum * 95;
    if is_dark(x, y) != dark {
        return false;
    }
    let limit = total * 2;
    // Runs from the centre one way along (dx, dy) (or against it): centre, then 2 more.
    let walk = |dx: usize, dy: usize, back: bool| -> Option<[usize; 3]> {
        let mut runs = [0usize; 3];
        let mut idx = 0usize;
        let mut colour = dark;
        let (mut xx, mut yy) = (x, y);
        let mut steps = 0usize;
        loop {
            if is_dark(xx, yy) == colour {
                if let Some(r) = runs.get_mut(idx) {
                    *r += 1;
                }
            } else {
                idx += 1;
                if idx == 3 {
                    return Some(runs);
                }
                colour = !colour;
                if let Some(r) = runs.get_mut(idx) {
                    *r = 1;
                }
            }
            steps += 1;
            if steps > limit {
                return None;
            }
            if back {
                xx = xx.checked_sub(dx)?;
                yy = yy.checked_sub(dy)?;
            } else {
                xx += dx;
                yy += dy;
                if xx >= plane.width || yy >= plane.height {
                    return None;
                }
            }
        }
    };
    let matches = |dx: usize, dy: usize, lo: usize, hi: usize| {
        let (Some(a), Some(b)) = (walk(dx, dy, true), walk(dx, dy, false)) else {
            return false;
        };
        // The centre pixel was counted in both walks.
        let runs = [a[2], a[1], a[0] + b[0] - 1, b[1], b[2]];
        pattern_total(&runs).is_some_and(|t| t * 100 >= total * lo && t * 100 <= total * hi)
    };
    // About the horizontal size. (A diagonal check as ZXing's loses blurred codes here.)
    matches(0, 1, 50, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A QR code rendered at `px` pixels per module with a 4-module quiet zone, optionally
    /// light on dark, in a frame of `w × h`.
    fn code(px: usize, w: usize, h: usize, inverted: bool) -> Vec<u8> {
        let Ok(qr) = qrcode::QrCode::new(b"FINDER") else {
            return Vec::new();
        };
        let n = qr.width();
        let colors = qr.to_colors();
        let (dark, light) = if inverted { (255, 0) } else { (0, 255) };
        let mut out = vec![light; w * h];
        for (i, c) in colors.iter().enumerate() {
            if *c == qrcode::Color::Dark {
                let (mx, my) = (i % n, i / n);
                for y in 0..px {
                    for x in 0..px {
                        let (xx, yy) = (40 + mx * px + x, 30 + my * px + y);
                        if let Some(v) = out.get_mut(yy * w + xx) {
                            *v = dark;
                        }
                    }
                }
            }
        }
        out
    }

    fn plane(data: &[u8], w: usize, h: usize) -> Plane<'_> {
        Plane {
            data,
            width: w,
            height: h,
            stride: w,
        }
    }

    #[test]
    fn sees_finders_in_both_polarities_and_sizes() {
        let mut buf = Scratch::default();
        for px in [2, 3, 5, 9] {
            for inverted in [false, true] {
                let data = code(px, 400, 300, inverted);
                let s = seen(&plane(&data, 400, 300), &mut buf);
                assert!(s.code, "px {px} inverted {inverted}");
                assert_eq!(s.light_on_dark, inverted, "px {px}");
            }
        }
    }

    #[test]
    fn row_threshold_matches_the_clipped_moving_average() {
        for (w, radius) in [(5usize, 8usize), (17, 8), (40, 8), (333, 27)] {
            let row: Vec<u8> = (0..w).map(|i| ((i * 97 + 13) % 256) as u8).collect();
            let mut prefix = vec![0u32];
            for &v in &row {
                prefix.push(prefix[prefix.len() - 1] + u32::from(v));
            }
            let mut out = Vec::new();
            threshold_row(&row, &prefix, radius, &mut out);
            for x in 0..w {
                let (x0, x1) = (x.saturating_sub(radius), (x + radius + 1).min(w));
                let mean: f64 =
                    row[x0..x1].iter().map(|&v| f64::from(v)).sum::<f64>() / (x1 - x0) as f64;
                let want = f64::from(row[x]) < 0.95 * mean;
                assert_eq!(out[x] != 0, want, "w {w} x {x}");
            }
        }
    }

    #[test]
    fn sensor_noise_on_a_dark_surface_is_no_finder() {
        // A dark, evenly lit surface with ±4 levels of noise: the moving-average threshold
        // alone turns it into random runs, and enough of them pass 1:1:3:1:1 both ways.
        let (w, h) = (640, 360);
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let data: Vec<u8> = (0..w * h)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (56 + state % 9) as u8
            })
            .collect();
        assert!(!seen(&plane(&data, w, h), &mut Scratch::default()).code);
    }

    #[test]
    fn smooth_or_flat_frames_have_none() {
        let mut buf = Scratch::default();
        let flat = vec![128u8; 320 * 240];
        assert!(!seen(&plane(&flat, 320, 240), &mut buf).code);
        let ramp: Vec<u8> = (0..320 * 240)
            .map(|i| u8::try_from((i % 320) * 255 / 320).unwrap_or(0))
            .collect();
        assert!(!seen(&plane(&ramp, 320, 240), &mut buf).code);
        assert!(!seen(&plane(&flat[..36], 6, 6), &mut buf).code);
    }
}
