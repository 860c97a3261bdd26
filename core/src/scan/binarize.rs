//! zxing-cpp's local-average ("hybrid") binarizer and its downscaling pyramid, in Rust.
//!
//! zxing-cpp's first pass spends a third of its time or more in `HybridBinarizer` as compiled
//! here (GCC 12 does not vectorise its block loops; the PyPI wheel's GCC 14 does). Doing the
//! same arithmetic in Rust, written so that LLVM vectorises it, and handing zxing-cpp the
//! result as a 0/255 image (its `BoolCast` binarizer: no work but a copy) gives the same
//! bitmap, so the same decodes, for less time. Owning the pyramid also lets the scanner stop
//! after the first layer that decodes, and decode light-on-dark codes from the same bitmaps
//! inverted, only where the finder scan sees them (zxing-cpp's own retry doubles every frame).
//!
//! The algorithm is zxing-cpp 3.1's `USE_NEW_ALGORITHM` (HybridBinarizer.cpp): one threshold per
//! 8 × 8 block, `(max + min) / 2` where the block's range exceeds 24 grey levels, else none;
//! each threshold averaged with its 5 × 5 neighbourhood (its own value counted twice, blocks
//! without a threshold skipped, the window clamped inside the grid); blocks still without one
//! take the next threshold in row-major order (trailing ones the last). Frames under 40 px on
//! a side, or without any contrast, are left to zxing-cpp's global-histogram binarizer
//! ([`hybrid`] returns `false`).

use super::ops::Plane;

/// Block side in pixels.
const BLOCK: usize = 8;
/// Smoothing radius in blocks (zxing-cpp: a 40 px window of 8 px blocks, radius 2).
const R: usize = 2;
/// Smallest side the local binarizer takes (zxing-cpp's `WINDOW_SIZE`).
const MIN_SIDE: usize = BLOCK * (1 + 2 * R);
/// A block whose luma range is at most this has no threshold of its own.
const MIN_DYNAMIC_RANGE: u8 = 24;

/// Reusable buffers for [`hybrid`].
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    blocks: Vec<u8>,
    smooth: Vec<u8>,
    sums: Vec<u32>,
    row_thresholds: Vec<u8>,
    mins: Vec<u8>,
    maxs: Vec<u8>,
}

/// Binarizes `plane` into `out` (`width * height` bytes, 0 = dark, 255 = light) as zxing-cpp's
/// `HybridBinarizer` would; `false` (and `out` untouched) when zxing-cpp would fall back to its
/// global-histogram binarizer instead (a side under 40 px, or no block with contrast).
pub(crate) fn hybrid(plane: &Plane<'_>, scratch: &mut Scratch, out: &mut Vec<u8>) -> bool {
    let (w, h) = (plane.width, plane.height);
    if w < MIN_SIDE || h < MIN_SIDE {
        return false;
    }
    let (bw, bh) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
    block_thresholds(plane, bw, bh, scratch);
    if !smooth(
        &scratch.blocks,
        bw,
        bh,
        &mut scratch.sums,
        &mut scratch.smooth,
    ) {
        return false;
    }
    out.clear();
    out.resize(w * h, 0);
    let trow = &mut scratch.row_thresholds;
    trow.resize(w, 0);
    for by in 0..bh {
        let Some(thresholds) = scratch.smooth.get(by * bw..(by + 1) * bw) else {
            break;
        };
        // Per-pixel thresholds of this block row; the last block sits flush with the right
        // edge and, as in zxing-cpp (blocks are applied left to right), wins where it overlaps.
        for (chunk, &t) in trow.chunks_mut(BLOCK).zip(thresholds) {
            chunk.fill(t);
        }
        if let (Some(tail), Some(&t)) = (trow.get_mut(w - BLOCK..), thresholds.last()) {
            tail.fill(t);
        }
        // Rows of this block row; the last block row sits flush with the bottom edge and,
        // applied last, wins where it overlaps.
        let y0 = (by * BLOCK).min(h - BLOCK);
        for y in y0..y0 + BLOCK {
            let src = plane.row(y);
            let Some(dst) = out.get_mut(y * w..(y + 1) * w) else {
                break;
            };
            for ((d, &s), &t) in dst.iter_mut().zip(src).zip(trow.iter()) {
                *d = u8::from(s > t).wrapping_neg();
            }
        }
    }
    true
}

/// One threshold per block: `(max + min) / 2` where `max - min > 24`, else 0. The last column
/// and row of blocks sit flush with the right and bottom edges (they overlap the previous ones
/// where the side is not a multiple of 8).
fn block_thresholds(plane: &Plane<'_>, bw: usize, bh: usize, scratch: &mut Scratch) {
    let (w, h) = (plane.width, plane.height);
    let Scratch {
        blocks: out,
        mins,
        maxs,
        ..
    } = scratch;
    out.clear();
    out.resize(bw * bh, 0);
    mins.resize(bw * BLOCK, 255);
    maxs.resize(bw * BLOCK, 0);
    for by in 0..bh {
        let y0 = (by * BLOCK).min(h - BLOCK);
        mins.fill(255);
        maxs.fill(0);
        // Column-wise min/max over the block's 8 rows, then over each block's 8 columns.
        for y in y0..y0 + BLOCK {
            let row = plane.row(y);
            let full = (w / BLOCK) * BLOCK;
            for ((mn, mx), &v) in mins
                .iter_mut()
                .zip(maxs.iter_mut())
                .zip(row.get(..full).unwrap_or(&[]))
            {
                *mn = (*mn).min(v);
                *mx = (*mx).max(v);
            }
            if full < w {
                // The last block: the 8 columns flush with the right edge.
                let last = row.get(w - BLOCK..w).unwrap_or(&[]);
                let base = (bw - 1) * BLOCK;
                let tail = mins.iter_mut().zip(maxs.iter_mut()).skip(base);
                for ((mn, mx), &v) in tail.zip(last) {
                    *mn = (*mn).min(v);
                    *mx = (*mx).max(v);
                }
            }
        }
        let Some(row_out) = out.get_mut(by * bw..(by + 1) * bw) else {
            break;
        };
        for ((t, mn), mx) in row_out
            .iter_mut()
            .zip(mins.chunks_exact(BLOCK))
            .zip(maxs.chunks_exact(BLOCK))
        {
            let mn = mn.iter().copied().min().unwrap_or(255);
            let mx = mx.iter().copied().max().unwrap_or(0);
            *t = if mx.saturating_sub(mn) > MIN_DYNAMIC_RANGE {
                ((u16::from(mx) + u16::from(mn)) / 2) as u8
            } else {
                0
            };
        }
    }
}

/// zxing-cpp's `SmoothThresholds`: false when no block has a threshold (the caller then falls
/// back to the global binarizer, as zxing-cpp does when the smoothed maximum is 0).
fn smooth(blocks: &[u8], bw: usize, bh: usize, sums: &mut Vec<u32>, out: &mut Vec<u8>) -> bool {
    // Summed-area tables ((bw + 1) × (bh + 1)) of the thresholds and of the blocks having one.
    let stride = bw + 1;
    sums.clear();
    sums.resize(2 * stride * (bh + 1), 0);
    let (sum_t, count_t) = sums.split_at_mut(stride * (bh + 1));
    for y in 0..bh {
        let (mut row_sum, mut row_count) = (0u32, 0u32);
        for x in 0..bw {
            let t = u32::from(blocks.get(y * bw + x).copied().unwrap_or(0));
            row_sum += t;
            row_count += u32::from(t > 0);
            let i = (y + 1) * stride + x + 1;
            sum_t[i] = sum_t[i - stride] + row_sum;
            count_t[i] = count_t[i - stride] + row_count;
        }
    }
    let window = |table: &[u32], x0: usize, y0: usize| {
        let (x1, y1) = (x0 + 2 * R + 1, y0 + 2 * R + 1);
        table[y1 * stride + x1] + table[y0 * stride + x0]
            - table[y0 * stride + x1]
            - table[y1 * stride + x0]
    };
    out.clear();
    out.resize(bw * bh, 0);
    for y in 0..bh {
        let top = y.clamp(R, bh - R - 1) - R;
        for x in 0..bw {
            let left = x.clamp(R, bw - R - 1) - R;
            let own = u32::from(blocks.get(y * bw + x).copied().unwrap_or(0));
            let sum = own * 2 + window(sum_t, left, top);
            let n = if own > 0 { 2 } else { 0 } + window(count_t, left, top);
            out[y * bw + x] = sum.checked_div(n).map_or(0, |v| v as u8);
        }
    }
    // Blocks still without a threshold (large flat regions) take the next threshold after
    // them in row-major order, trailing ones the last there is (zxing-cpp's flood fill).
    let Some(last) = out.iter().rposition(|&t| t > 0) else {
        return false;
    };
    let mut next = out[last];
    for t in out.iter_mut().rev() {
        if *t == 0 {
            *t = next;
        } else {
            next = *t;
        }
    }
    true
}

/// zxing-cpp's pyramid: a layer 1/3 the size (3 × 3 box average, rounded) while the longer
/// side of the last one exceeds 500 px (`ReaderOptions::downscaleThreshold`, factor 3).
pub(crate) const PYRAMID_THRESHOLD: usize = 500;
/// The pyramid's downscale factor.
pub(crate) const PYRAMID_FACTOR: usize = 3;

/// Whether zxing-cpp would add a layer below a `w` × `h` one.
pub(crate) fn needs_layer(w: usize, h: usize) -> bool {
    w.max(h) > PYRAMID_THRESHOLD && w.min(h) >= PYRAMID_FACTOR
}

/// The next pyramid layer of `plane` into `out` (packed); returns its size.
pub(crate) fn downscale3(plane: &Plane<'_>, out: &mut Vec<u8>) -> (usize, usize) {
    let (w, h) = (plane.width / 3, plane.height / 3);
    out.clear();
    out.resize(w * h, 0);
    let mut sums = vec![0u16; w];
    for y in 0..h {
        sums.fill(4);
        for r in 0..3 {
            let row = plane.row(3 * y + r);
            for (s, px) in sums.iter_mut().zip(row.chunks_exact(3)) {
                *s += u16::from(px[0]) + u16::from(px[1]) + u16::from(px[2]);
            }
        }
        if let Some(dst) = out.get_mut(y * w..(y + 1) * w) {
            for (d, &s) in dst.iter_mut().zip(&sums) {
                *d = (s / 9) as u8;
            }
        }
    }
    (w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// zxing-cpp's HybridBinarizer (new algorithm) transcribed literally, pixel by pixel.
    fn reference(data: &[u8], w: usize, h: usize) -> Option<Vec<u8>> {
        if w < 40 || h < 40 {
            return None;
        }
        let (bw, bh) = (w.div_ceil(8), h.div_ceil(8));
        let mut thr = vec![0i32; bw * bh];
        for y in 0..bh {
            let y0 = (y * 8).min(h - 8);
            for x in 0..bw {
                let x0 = (x * 8).min(w - 8);
                let (mut mn, mut mx) = (255i32, 0i32);
                for yy in 0..8 {
                    for xx in 0..8 {
                        let v = i32::from(data[(y0 + yy) * w + x0 + xx]);
                        mn = mn.min(v);
                        mx = mx.max(v);
                    }
                }
                thr[y * bw + x] = if mx - mn > 24 { (mx + mn) / 2 } else { 0 };
            }
        }
        let mut out = vec![0i32; bw * bh];
        for y in 0..bh {
            for x in 0..bw {
                let left = x.clamp(2, bw - 3);
                let top = y.clamp(2, bh - 3);
                let mut sum = thr[y * bw + x] * 2;
                let mut n = if sum > 0 { 2 } else { 0 };
                for dy in -2i32..=2 {
                    for dx in -2i32..=2 {
                        let t = thr[(top as i32 + dy) as usize * bw + (left as i32 + dx) as usize];
                        sum += t;
                        n += i32::from(t > 0);
                    }
                }
                out[y * bw + x] = if n > 0 { sum / n } else { 0 };
            }
        }
        // std::fill semantics of the C++ flood fill.
        let mut last: isize = -1;
        for i in 0..out.len() {
            if out[i] != 0 {
                if last != i as isize - 1 {
                    for j in (last + 1) as usize..i {
                        out[j] = out[i];
                    }
                }
                last = i as isize;
            }
        }
        let fill = out[last.max(0) as usize];
        for v in &mut out[(last + 1) as usize..] {
            *v = fill;
        }
        if out.iter().all(|&t| t == 0) {
            return None;
        }
        let mut bits = vec![0u8; w * h];
        for y in 0..bh {
            let y0 = (y * 8).min(h - 8);
            for x in 0..bw {
                let x0 = (x * 8).min(w - 8);
                let t = out[y * bw + x];
                for yy in y0..y0 + 8 {
                    for xx in x0..x0 + 8 {
                        bits[yy * w + xx] = if i32::from(data[yy * w + xx]) <= t {
                            0
                        } else {
                            255
                        };
                    }
                }
            }
        }
        Some(bits)
    }

    fn noise(w: usize, h: usize, seed: u64) -> Vec<u8> {
        let mut s = seed | 1;
        (0..w * h)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                // Blocks of flat areas and of texture, so that some blocks have no threshold.
                let (x, y) = (i % w, i / w);
                if (x / 24 + y / 16) % 3 == 0 {
                    140
                } else {
                    (s >> 24) as u8
                }
            })
            .collect()
    }

    #[test]
    fn matches_zxing_cpp_reference_on_odd_sizes() {
        for (w, h) in [
            (40, 40),
            (41, 57),
            (64, 48),
            (123, 77),
            (200, 41),
            (333, 250),
        ] {
            for seed in 1..4 {
                let data = noise(w, h, seed * 7919 + w as u64);
                let plane = Plane {
                    data: &data,
                    width: w,
                    height: h,
                    stride: w,
                };
                let mut out = Vec::new();
                let ours = hybrid(&plane, &mut Scratch::default(), &mut out).then_some(out);
                assert_eq!(ours, reference(&data, w, h), "{w}x{h} seed {seed}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Any size from 40 px up, any content drawn from a few grey levels (so that flat
        /// blocks without a threshold of their own occur): bit-exact with the transcription.
        #[test]
        fn any_frame_matches_the_transcription(
            w in 40usize..130,
            h in 40usize..130,
            levels in proptest::collection::vec(0u8..=255, 1..5),
            seed in proptest::prelude::any::<u64>(),
        ) {
            let mut s = seed | 1;
            let data: Vec<u8> = (0..w * h)
                .map(|i| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    // Patches of 16 × 16 px share a level, with a little noise.
                    let (x, y) = (i % w, i / w);
                    let patch = (x / 16 * 7 + y / 16 * 13) % levels.len();
                    levels[patch].saturating_add((s % 4) as u8)
                })
                .collect();
            let plane = Plane { data: &data, width: w, height: h, stride: w };
            let mut out = Vec::new();
            let ours = hybrid(&plane, &mut Scratch::default(), &mut out).then_some(out);
            proptest::prop_assert_eq!(ours, reference(&data, w, h));
        }
    }

    #[test]
    fn flat_regions_take_thresholds_like_zxing_cpp_flood_fill() {
        // Flat everywhere except two textured squares: leading, interior and trailing blocks
        // without a threshold of their own.
        let (w, h) = (300, 200);
        let tex = noise(w, h, 11);
        let data: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let in_a = (100..148).contains(&x) && (60..108).contains(&y);
                let in_b = (20..60).contains(&x) && (150..190).contains(&y);
                if in_a || in_b {
                    tex[i]
                } else {
                    // A gentle gradient: no block has a range of its own, but which
                    // borrowed threshold a block gets decides its pixels.
                    (60 + x / 3 + y / 4) as u8
                }
            })
            .collect();
        let plane = Plane {
            data: &data,
            width: w,
            height: h,
            stride: w,
        };
        let mut out = Vec::new();
        assert!(hybrid(&plane, &mut Scratch::default(), &mut out));
        assert_eq!(Some(out), reference(&data, w, h));
    }

    #[test]
    fn strided_planes_read_only_their_pixels() {
        let (w, h, stride) = (97, 66, 128);
        let packed = noise(w, h, 5);
        let mut strided = vec![0u8; stride * h];
        for y in 0..h {
            strided[y * stride..y * stride + w].copy_from_slice(&packed[y * w..(y + 1) * w]);
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let pa = Plane {
            data: &packed,
            width: w,
            height: h,
            stride: w,
        };
        let pb = Plane {
            data: &strided,
            width: w,
            height: h,
            stride,
        };
        assert!(hybrid(&pa, &mut Scratch::default(), &mut a));
        assert!(hybrid(&pb, &mut Scratch::default(), &mut b));
        assert_eq!(a, b);
    }

    #[test]
    fn flat_and_tiny_frames_fall_back_to_the_global_binarizer() {
        let flat = vec![128u8; 100 * 100];
        let plane = Plane {
            data: &flat,
            width: 100,
            height: 100,
            stride: 100,
        };
        assert!(!hybrid(&plane, &mut Scratch::default(), &mut Vec::new()));
        let tiny = noise(39, 80, 3);
        let plane = Plane {
            data: &tiny,
            width: 39,
            height: 80,
            stride: 39,
        };
        assert!(!hybrid(&plane, &mut Scratch::default(), &mut Vec::new()));
    }

    #[test]
    fn pyramid_layer_is_a_rounded_box_average() {
        let (w, h) = (10, 7);
        let data: Vec<u8> = (0..w * h).map(|i| (i * 37 % 256) as u8).collect();
        let plane = Plane {
            data: &data,
            width: w,
            height: h,
            stride: w,
        };
        let mut out = Vec::new();
        assert_eq!(downscale3(&plane, &mut out), (3, 2));
        for y in 0..2 {
            for x in 0..3 {
                let mut s = 4u32;
                for yy in 0..3 {
                    for xx in 0..3 {
                        s += u32::from(data[(3 * y + yy) * w + 3 * x + xx]);
                    }
                }
                assert_eq!(u32::from(out[y * 3 + x]), s / 9);
            }
        }
        assert!(needs_layer(501, 10) && !needs_layer(500, 500) && !needs_layer(900, 2));
    }
}
