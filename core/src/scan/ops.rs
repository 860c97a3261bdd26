//! Small image operations for the pre-processing passes. All of them read a [`Plane`] and
//! write into buffers the scanner owns, so a steady stream of frames does not allocate here.

/// A read-only luma plane in sensor orientation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plane<'a> {
    pub data: &'a [u8],
    pub width: usize,
    pub height: usize,
    pub stride: usize,
}

impl Plane<'_> {
    /// The pixel at (x, y); white outside the buffer (cannot happen for a validated plane).
    #[inline]
    pub fn px(&self, x: usize, y: usize) -> u8 {
        self.data.get(y * self.stride + x).copied().unwrap_or(255)
    }

    /// Row `y` without padding (empty outside the buffer).
    #[inline]
    pub fn row(&self, y: usize) -> &[u8] {
        let start = y * self.stride;
        self.data.get(start..start + self.width).unwrap_or(&[])
    }
}

/// Luma histogram over every other pixel of every fourth row (an eighth of the work, and
/// plenty for global statistics; it runs on frames without a code too, for the stretch pass).
pub(crate) fn histogram(plane: &Plane<'_>) -> [u32; 256] {
    let mut hist = [0u32; 256];
    for y in (0..plane.height).step_by(4) {
        for &v in plane.row(y).iter().step_by(2) {
            hist[usize::from(v)] += 1;
        }
    }
    hist
}

/// Otsu's global threshold: pixels `<=` it are dark.
pub(crate) fn otsu(hist: &[u32; 256]) -> u8 {
    let total: f64 = hist.iter().map(|&c| f64::from(c)).sum();
    if total == 0.0 {
        return 127;
    }
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * f64::from(c))
        .sum();
    let (mut w_b, mut sum_b, mut best, mut best_t) = (0.0f64, 0.0f64, -1.0f64, 127u8);
    for (t, &c) in hist.iter().enumerate() {
        w_b += f64::from(c);
        if w_b == 0.0 {
            continue;
        }
        let w_f = total - w_b;
        if w_f == 0.0 {
            break;
        }
        sum_b += t as f64 * f64::from(c);
        let m_b = sum_b / w_b;
        let m_f = (sum_all - sum_b) / w_f;
        let between = w_b * w_f * (m_b - m_f) * (m_b - m_f);
        if between > best {
            best = between;
            best_t = u8::try_from(t).unwrap_or(u8::MAX);
        }
    }
    best_t
}

/// The 1st and 99th percentiles of the histogram (`None` for an empty one).
pub(crate) fn percentiles(hist: &[u32; 256]) -> Option<(usize, usize)> {
    let total: u64 = hist.iter().map(|&c| u64::from(c)).sum();
    if total == 0 {
        return None;
    }
    let cut = total / 100;
    let mut acc = 0u64;
    let mut lo = 0usize;
    for (i, &c) in hist.iter().enumerate() {
        acc += u64::from(c);
        if acc > cut {
            lo = i;
            break;
        }
    }
    acc = 0;
    let mut hi = 255usize;
    for (i, &c) in hist.iter().enumerate().rev() {
        acc += u64::from(c);
        if acc > cut {
            hi = i;
            break;
        }
    }
    Some((lo, hi))
}

/// Frames whose 1st..99th percentile span is under this many levels are faint: a code in
/// them may escape the finder gate (its threshold needs about 10 % of the local mean, its
/// patterns 16 levels), so the stretch pass runs on them without it.
pub(crate) const FAINT_SPAN: usize = 48;

/// Whether the histogram's 1st..99th percentile span is under [`FAINT_SPAN`].
pub(crate) fn faint(hist: &[u32; 256]) -> bool {
    percentiles(hist).is_some_and(|(lo, hi)| hi - lo < FAINT_SPAN)
}

/// A lookup table stretching the 1st..99th percentile range to 0..255, or `None` when the
/// frame already spans (almost) the whole range or is flat.
pub(crate) fn stretch_lut(hist: &[u32; 256]) -> Option<[u8; 256]> {
    let (lo, hi) = percentiles(hist)?;
    if hi <= lo + 4 || (lo <= 16 && hi >= 239) {
        return None;
    }
    let mut lut = [0u8; 256];
    let span = (hi - lo) as u32;
    for (i, out) in lut.iter_mut().enumerate() {
        let v = (i.clamp(lo, hi) - lo) as u32;
        *out = u8::try_from(v * 255 / span).unwrap_or(u8::MAX);
    }
    Some(lut)
}

/// 2×2 box downscale into `out` (resized, capacity reused); returns the new size.
pub(crate) fn downscale2(plane: &Plane<'_>, out: &mut Vec<u8>) -> (usize, usize) {
    let (w, h) = (plane.width / 2, plane.height / 2);
    out.clear();
    out.reserve(w * h);
    for y in 0..h {
        let (r0, r1) = (plane.row(2 * y), plane.row(2 * y + 1));
        for x in 0..w {
            let a = r0.get(2 * x..2 * x + 2).unwrap_or(&[255, 255]);
            let b = r1.get(2 * x..2 * x + 2).unwrap_or(&[255, 255]);
            let s: u16 = a.iter().chain(b).map(|&v| u16::from(v)).sum();
            out.push(u8::try_from((s + 2) / 4).unwrap_or(u8::MAX));
        }
    }
    (w, h)
}

/// Integral image with a zero first row and column, `(w + 1) × (h + 1)`, in wrapping `u32`
/// arithmetic: any window sum computed with wrapping subtraction is exact as long as the true
/// window sum fits in `u32` (windows up to 16 Mpx of white).
pub(crate) fn integral(plane: &Plane<'_>, out: &mut Vec<u32>) {
    let iw = plane.width + 1;
    out.clear();
    out.resize(iw * (plane.height + 1), 0);
    for y in 0..plane.height {
        let mut row_sum = 0u32;
        let row = plane.row(y);
        for x in 0..plane.width {
            row_sum = row_sum.wrapping_add(u32::from(row.get(x).copied().unwrap_or(255)));
            let above = out.get(y * iw + x + 1).copied().unwrap_or(0);
            if let Some(cell) = out.get_mut((y + 1) * iw + x + 1) {
                *cell = above.wrapping_add(row_sum);
            }
        }
    }
}

/// Local mean thresholding (Bradley–Roth) over an integral image.
pub(crate) struct Adaptive<'a> {
    pub integral: &'a [u32],
    pub width: usize,
    pub height: usize,
    pub radius: usize,
    /// A pixel is dark when it is below `(100 - percent)%` of its window mean.
    pub percent: u32,
}

impl Adaptive<'_> {
    /// Whether the pixel of value `v` at (x, y) is dark.
    #[inline]
    pub fn dark(&self, x: usize, y: usize, v: u8) -> bool {
        let iw = self.width + 1;
        let x0 = x.saturating_sub(self.radius);
        let y0 = y.saturating_sub(self.radius);
        let x1 = (x + self.radius + 1).min(self.width);
        let y1 = (y + self.radius + 1).min(self.height);
        let at = |xx: usize, yy: usize| self.integral.get(yy * iw + xx).copied().unwrap_or(0);
        let sum = at(x1, y1)
            .wrapping_sub(at(x0, y1))
            .wrapping_sub(at(x1, y0))
            .wrapping_add(at(x0, y0));
        let area = ((x1 - x0) * (y1 - y0)) as u64;
        u64::from(v) * area * 100 < u64::from(sum) * u64::from(100 - self.percent.min(100))
    }
}

/// The pixel (x, y) of a 2× bilinear upscale of `plane`, computed on the fly.
#[inline]
pub(crate) fn upsample2(plane: &Plane<'_>, x: usize, y: usize) -> u8 {
    let (x0, y0) = (x / 2, y / 2);
    let x1 = if x % 2 == 1 {
        (x0 + 1).min(plane.width - 1)
    } else {
        x0
    };
    let y1 = if y % 2 == 1 {
        (y0 + 1).min(plane.height - 1)
    } else {
        y0
    };
    let s = u16::from(plane.px(x0, y0))
        + u16::from(plane.px(x1, y0))
        + u16::from(plane.px(x0, y1))
        + u16::from(plane.px(x1, y1));
    u8::try_from((s + 2) / 4).unwrap_or(u8::MAX)
}

/// A 5-tap binomial blur (`[1 4 6 4 1] / 16` across, then down; about a Gaussian of sigma
/// 1 px) into `out` (packed `width × height`). Edges repeat the border pixel.
pub(crate) fn blur(plane: &Plane<'_>, out: &mut Vec<u8>, tmp: &mut Vec<u16>) {
    let (w, h) = (plane.width, plane.height);
    out.clear();
    out.resize(w * h, 255);
    tmp.clear();
    tmp.resize(w * h, 255 * 16);
    if w == 0 || h == 0 {
        return;
    }
    let mut padded = vec![0u8; w + 4];
    // Across: each row padded by repeating its border pixels, then 5 shifted slices.
    for (y, dst) in tmp.chunks_exact_mut(w).enumerate() {
        let row = plane.row(y);
        let (Some(&first), Some(&last)) = (row.first(), row.last()) else {
            continue;
        };
        padded[..2].fill(first);
        padded[2..w + 2].copy_from_slice(row);
        padded[w + 2..].fill(last);
        let taps = padded
            .iter()
            .zip(&padded[1..])
            .zip(&padded[2..])
            .zip(&padded[3..])
            .zip(&padded[4..]);
        for (d, ((((&a, &b), &c), &e), &f)) in dst.iter_mut().zip(taps) {
            *d = u16::from(a)
                + 4 * u16::from(b)
                + 6 * u16::from(c)
                + 4 * u16::from(e)
                + u16::from(f);
        }
    }
    // Down: 5 rows of the horizontal sums (border rows repeated).
    let row_at = |y: usize| -> &[u16] {
        let y = y.min(h - 1);
        tmp.get(y * w..(y + 1) * w).unwrap_or(&[])
    };
    for (y, dst) in out.chunks_exact_mut(w).enumerate() {
        let (a, b, c, e, f) = (
            row_at(y.saturating_sub(2)),
            row_at(y.saturating_sub(1)),
            row_at(y),
            row_at(y + 1),
            row_at(y + 2),
        );
        let taps = a.iter().zip(b).zip(c).zip(e).zip(f);
        for (d, ((((&a, &b), &c), &e), &f)) in dst.iter_mut().zip(taps) {
            let s = u32::from(a)
                + 4 * u32::from(b)
                + 6 * u32::from(c)
                + 4 * u32::from(e)
                + u32::from(f);
            *d = ((s + 128) / 256) as u8;
        }
    }
}

/// A 2× bilinear upscale of `plane` (pixel centres aligned: each output pixel weighs its
/// nearest source pixels 9:3:3:1) framed by a white border of `pad` source pixels (a quiet
/// zone for codes cut close to the edge) into `out`; returns the new size.
pub(crate) fn pad_upscale2(plane: &Plane<'_>, pad: usize, out: &mut Vec<u8>) -> (usize, usize) {
    let (sw, sh) = (plane.width, plane.height);
    let (w, h) = (2 * (sw + 2 * pad), 2 * (sh + 2 * pad));
    out.clear();
    out.resize(w * h, 255);
    if sw == 0 || sh == 0 {
        return (w, h);
    }
    let mut v = vec![0u16; sw];
    for oy in 0..2 * sh {
        // Source rows and weights (out of 4) for this output row.
        let r = oy / 2;
        let (ra, rb) = if oy % 2 == 0 {
            (r.saturating_sub(1), r)
        } else {
            (r, (r + 1).min(sh - 1))
        };
        let (wa, wb) = if oy % 2 == 0 { (1u16, 3u16) } else { (3, 1) };
        for ((d, &a), &b) in v.iter_mut().zip(plane.row(ra)).zip(plane.row(rb)) {
            *d = wa * u16::from(a) + wb * u16::from(b);
        }
        let start = (2 * pad + oy) * w + 2 * pad;
        let Some(dst) = out.get_mut(start..start + 2 * sw) else {
            break;
        };
        for (x, pair) in dst.chunks_exact_mut(2).enumerate() {
            let c = v.get(x).copied().unwrap_or(1020);
            let l = v.get(x.wrapping_sub(1)).copied().unwrap_or(c);
            let r = v.get(x + 1).copied().unwrap_or(c);
            pair[0] = ((l + 3 * c + 8) / 16) as u8;
            pair[1] = ((3 * c + r + 8) / 16) as u8;
        }
    }
    (w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixels(w: usize, h: usize, stride: usize, seed: u32) -> Vec<u8> {
        let mut s = seed;
        (0..stride * h)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 24) as u8
            })
            .collect::<Vec<_>>()
            .into_iter()
            .enumerate()
            .map(|(i, v)| if i % stride < w { v } else { 0 })
            .collect()
    }

    #[test]
    fn blur_is_the_separable_binomial_with_repeated_borders() {
        for (w, h, stride) in [(1, 1, 1), (3, 2, 5), (17, 9, 17), (64, 33, 80)] {
            let data = pixels(w, h, stride, (w * h) as u32);
            let plane = Plane {
                data: &data,
                width: w,
                height: h,
                stride,
            };
            let (mut out, mut tmp) = (Vec::new(), Vec::new());
            blur(&plane, &mut out, &mut tmp);
            const K: [u32; 5] = [1, 4, 6, 4, 1];
            for y in 0..h {
                for x in 0..w {
                    let mut s = 0u32;
                    for (ky, cy) in K.iter().enumerate() {
                        let yy = (y + ky).saturating_sub(2).min(h - 1);
                        for (kx, cx) in K.iter().enumerate() {
                            let xx = (x + kx).saturating_sub(2).min(w - 1);
                            s += cy * cx * u32::from(plane.px(xx, yy));
                        }
                    }
                    assert_eq!(
                        u32::from(out[y * w + x]),
                        (s + 128) / 256,
                        "{w}x{h} ({x},{y})"
                    );
                }
            }
        }
    }

    #[test]
    fn upscale_is_centre_aligned_bilinear_inside_a_white_frame() {
        let (w, h, stride, pad) = (7, 5, 9, 3);
        let data = pixels(w, h, stride, 42);
        let plane = Plane {
            data: &data,
            width: w,
            height: h,
            stride,
        };
        let mut out = Vec::new();
        let (ow, oh) = pad_upscale2(&plane, pad, &mut out);
        assert_eq!((ow, oh), (2 * (w + 2 * pad), 2 * (h + 2 * pad)));
        let src = |x: f64, y: f64| {
            let cx = x.clamp(0.0, (w - 1) as f64);
            let cy = y.clamp(0.0, (h - 1) as f64);
            let (x0, y0) = (cx.floor() as usize, cy.floor() as usize);
            let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
            let (fx, fy) = (cx - x0 as f64, cy - y0 as f64);
            let p = |x: usize, y: usize| f64::from(plane.px(x, y));
            (p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx) * (1.0 - fy)
                + (p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx) * fy
        };
        for y in 0..oh {
            for x in 0..ow {
                let v = f64::from(out[y * ow + x]);
                let (ix, iy) = (x as isize - 2 * pad as isize, y as isize - 2 * pad as isize);
                if ix < 0 || iy < 0 || ix >= 2 * w as isize || iy >= 2 * h as isize {
                    assert_eq!(v, 255.0, "frame at ({x},{y})");
                } else {
                    let want = src((ix as f64 + 0.5) / 2.0 - 0.5, (iy as f64 + 0.5) / 2.0 - 0.5);
                    assert!((v - want).abs() <= 1.0, "({x},{y}): {v} vs {want}");
                }
            }
        }
    }
}
