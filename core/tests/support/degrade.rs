//! A small deterministic image toolkit for degradation tests: render a QR code to luma pixels,
//! then rotate, warp, blur, add noise, squeeze the contrast, invert. No external image crates.
#![allow(dead_code)]

use qrcode::{Color, QrCode};
use quetma_core::render::{EcLevel, QrMatrix};

/// An 8-bit luma image, packed.
#[derive(Debug, Clone)]
pub struct Img {
    pub w: usize,
    pub h: usize,
    pub data: Vec<u8>,
}

impl Img {
    pub fn new(w: usize, h: usize, fill: u8) -> Self {
        Self {
            w,
            h,
            data: vec![fill; w * h],
        }
    }

    pub fn get(&self, x: i64, y: i64, outside: u8) -> u8 {
        if x < 0 || y < 0 || x >= self.w as i64 || y >= self.h as i64 {
            outside
        } else {
            self.data[y as usize * self.w + x as usize]
        }
    }

    /// Bilinear sample at a real position.
    pub fn sample(&self, x: f64, y: f64, outside: u8) -> u8 {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let p = |dx, dy| f64::from(self.get(x0 + dx, y0 + dy, outside));
        let top = p(0, 0) * (1.0 - fx) + p(1, 0) * fx;
        let bottom = p(0, 1) * (1.0 - fx) + p(1, 1) * fx;
        (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
    }
}

/// A tiny xorshift64* generator: deterministic, seedable.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// Renders `text` with QuetMa's own renderer (`quetma_core::render::QrMatrix`, the symbol every
/// poster and card prints) at `module_px` pixels per module with a 4-module quiet zone.
pub fn render(text: &str, ec: EcLevel, module_px: usize) -> Img {
    let qr = QrMatrix::encode(text, ec).expect("encodable");
    let n = qr.width();
    let quiet = quetma_core::render::QUIET_ZONE_MODULES;
    let side = (n + 2 * quiet) * module_px;
    let mut img = Img::new(side, side, 255);
    for my in 0..n {
        for mx in 0..n {
            if qr.is_dark(mx, my) {
                for y in 0..module_px {
                    let row = (quiet + my) * module_px + y;
                    let start = row * side + (quiet + mx) * module_px;
                    img.data[start..start + module_px].fill(0);
                }
            }
        }
    }
    img
}

/// Renders a code (dark = 0, light = 255).
pub fn render_code(code: &QrCode, module_px: usize, quiet: usize) -> Img {
    let n = code.width();
    let colors = code.to_colors();
    let side = (n + 2 * quiet) * module_px;
    let mut img = Img::new(side, side, 255);
    for my in 0..n {
        for mx in 0..n {
            if colors[my * n + mx] == Color::Dark {
                for y in 0..module_px {
                    let row = (quiet + my) * module_px + y;
                    let start = row * side + (quiet + mx) * module_px;
                    img.data[start..start + module_px].fill(0);
                }
            }
        }
    }
    img
}

/// Places `img` in the middle of a `w`×`h` canvas of `bg`.
pub fn pad_to(img: &Img, w: usize, h: usize, bg: u8) -> Img {
    let mut out = Img::new(w, h, bg);
    let (ox, oy) = ((w - img.w) / 2, (h - img.h) / 2);
    for y in 0..img.h {
        out.data[(oy + y) * w + ox..(oy + y) * w + ox + img.w]
            .copy_from_slice(&img.data[y * img.w..(y + 1) * img.w]);
    }
    out
}

/// Rotates by `degrees` (counter-clockwise) around the centre onto a canvas big enough to hold
/// the result, background `bg`. Bilinear.
pub fn rotate(img: &Img, degrees: f64, bg: u8) -> Img {
    let a = degrees.to_radians();
    let (s, c) = a.sin_cos();
    let (w, h) = (img.w as f64, img.h as f64);
    let nw = (w * c.abs() + h * s.abs()).ceil() as usize + 2;
    let nh = (w * s.abs() + h * c.abs()).ceil() as usize + 2;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (ncx, ncy) = (nw as f64 / 2.0, nh as f64 / 2.0);
    let mut out = Img::new(nw, nh, bg);
    for y in 0..nh {
        for x in 0..nw {
            let (dx, dy) = (x as f64 + 0.5 - ncx, y as f64 + 0.5 - ncy);
            let sx = c * dx - s * dy + cx - 0.5;
            let sy = s * dx + c * dy + cy - 0.5;
            out.data[y * nw + x] = img.sample(sx, sy, bg);
        }
    }
    out
}

/// Solves the 3×3 homography (h33 = 1) mapping `from[i]` to `to[i]`.
pub fn homography(from: [(f64, f64); 4], to: [(f64, f64); 4]) -> [f64; 9] {
    let mut m = [[0f64; 9]; 8];
    for i in 0..4 {
        let (x, y) = from[i];
        let (u, v) = to[i];
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let pivot = (col..8)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .unwrap();
        m.swap(col, pivot);
        let p = m[col][col];
        for v in &mut m[col][col..] {
            *v /= p;
        }
        let pivot_row = m[col];
        for (r, row) in m.iter_mut().enumerate() {
            if r != col {
                let f = row[col];
                for (v, pv) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *v -= f * pv;
                }
            }
        }
    }
    let mut h = [0f64; 9];
    for i in 0..8 {
        h[i] = m[i][8];
    }
    h[8] = 1.0;
    h
}

/// Perspective warp: the image's corners (TL, TR, BR, BL) land on `corners` of a `w`×`h`
/// canvas of `bg`.
pub fn warp(img: &Img, corners: [(f64, f64); 4], w: usize, h: usize, bg: u8) -> Img {
    let (iw, ih) = (img.w as f64, img.h as f64);
    // Map output -> source.
    let hm = homography(corners, [(0.0, 0.0), (iw, 0.0), (iw, ih), (0.0, ih)]);
    let mut out = Img::new(w, h, bg);
    for y in 0..h {
        for x in 0..w {
            let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
            let d = hm[6] * px + hm[7] * py + hm[8];
            let sx = (hm[0] * px + hm[1] * py + hm[2]) / d - 0.5;
            let sy = (hm[3] * px + hm[4] * py + hm[5]) / d - 0.5;
            out.data[y * w + x] = img.sample(sx, sy, bg);
        }
    }
    out
}

/// Separable Gaussian blur (edges clamped).
pub fn blur(img: &Img, sigma: f64) -> Img {
    let r = (3.0 * sigma).ceil() as i64;
    let kernel: Vec<f64> = (-r..=r)
        .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = kernel.iter().sum();
    let pass = |src: &Img, horizontal: bool| {
        let mut out = Img::new(src.w, src.h, 0);
        for y in 0..src.h as i64 {
            for x in 0..src.w as i64 {
                let mut acc = 0.0;
                for (k, &wgt) in kernel.iter().enumerate() {
                    let o = k as i64 - r;
                    let (sx, sy) = if horizontal {
                        ((x + o).clamp(0, src.w as i64 - 1), y)
                    } else {
                        (x, (y + o).clamp(0, src.h as i64 - 1))
                    };
                    acc += wgt * f64::from(src.data[sy as usize * src.w + sx as usize]);
                }
                out.data[y as usize * src.w + x as usize] =
                    (acc / sum).round().clamp(0.0, 255.0) as u8;
            }
        }
        out
    };
    pass(&pass(img, true), false)
}

/// Adds Gaussian noise of standard deviation `sigma` grey levels.
pub fn noise(img: &Img, sigma: f64, rng: &mut Rng) -> Img {
    let mut out = img.clone();
    for v in &mut out.data {
        *v = (f64::from(*v) + sigma * rng.normal())
            .round()
            .clamp(0.0, 255.0) as u8;
    }
    out
}

/// Maps 0..=255 linearly onto `lo..=hi`.
pub fn contrast(img: &Img, lo: u8, hi: u8) -> Img {
    let mut out = img.clone();
    for v in &mut out.data {
        *v = (f64::from(lo) + f64::from(*v) * f64::from(hi - lo) / 255.0).round() as u8;
    }
    out
}

/// A brightness gradient from `left` to `right` multiplied in (uneven light).
pub fn shade(img: &Img, left: f64, right: f64) -> Img {
    let mut out = img.clone();
    for y in 0..img.h {
        for x in 0..img.w {
            let f = left + (right - left) * x as f64 / img.w as f64;
            let v = &mut out.data[y * img.w + x];
            *v = (f64::from(*v) * f).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// 255 - v.
pub fn invert(img: &Img) -> Img {
    let mut out = img.clone();
    for v in &mut out.data {
        *v = 255 - *v;
    }
    out
}

/// A poster as a phone camera sees it: rendered at `px` per module, rotated `deg`°, its top
/// edge pulled in by `k` of the width per side, blurred (`sigma` px), contrast squeezed to
/// `lo..hi`, on a 640×480 frame a little lighter than mid-range, with sensor noise.
#[allow(clippy::too_many_arguments)]
pub fn camera_like(
    text: &str,
    px: usize,
    deg: f64,
    k: f64,
    sigma: f64,
    lo: u8,
    hi: u8,
    noise_sigma: f64,
) -> Img {
    let img = render(text, EcLevel::M, px);
    let img = rotate(&img, deg, 255);
    let (w, h) = (img.w as f64, img.h as f64);
    let img = warp(
        &img,
        [(k * w, 0.0), (w - k * w, k * h), (w, h), (0.0, h - k * h)],
        img.w,
        img.h,
        255,
    );
    let img = blur(&img, sigma);
    let img = contrast(&img, lo, hi);
    let img = pad_to(
        &img,
        640,
        480,
        (u16::from(lo) + u16::from(hi)) as u8 / 2 + 20,
    );
    noise(&img, noise_sigma, &mut Rng::new(3))
}
