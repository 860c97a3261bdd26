//! Test support shared by the `render_*` tests (and reusable from the workspace `tests/` crate
//! with `#[path = "../../core/tests/support/mod.rs"] mod support;`): a pure-Rust PDF page
//! rasteriser (hayro), a QR locator that measures the printed symbol, and a QR decoder (rqrr).
#![allow(dead_code)]

use std::sync::Arc;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};

/// Millimetres per inch.
pub const MM_PER_INCH: f64 = 25.4;

/// A greyscale raster: `px[y * width + x]`, 0 = black, 255 = white.
#[derive(Clone)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub px: Vec<u8>,
}

impl Gray {
    /// Pixel at (x, y).
    pub fn at(&self, x: usize, y: usize) -> u8 {
        self.px[y * self.width + x]
    }

    /// Wraps an image crate luma buffer.
    pub fn from_luma(img: &image::GrayImage) -> Self {
        Self {
            width: img.width() as usize,
            height: img.height() as usize,
            px: img.as_raw().clone(),
        }
    }

    /// Saves as PNG (for looking at a failure).
    pub fn save_png(&self, path: &std::path::Path) {
        let img =
            image::GrayImage::from_raw(self.width as u32, self.height as u32, self.px.clone())
                .unwrap();
        img.save(path).unwrap();
    }
}

/// Rasterises page `page_index` of `pdf` at `dpi` on a white background with hayro.
pub fn rasterize_pdf_page(pdf: &[u8], page_index: usize, dpi: f32) -> Gray {
    let pdf = Pdf::new(Arc::new(pdf.to_vec())).expect("hayro parses the PDF");
    let pages = pdf.pages();
    let page = &pages[page_index];
    let cache = RenderCache::new();
    let scale = dpi / 72.0;
    let pixmap = hayro::render(
        page,
        &cache,
        &InterpreterSettings::default(),
        &RenderSettings::default(),
        &PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: WHITE,
        },
    );
    let (width, height) = (pixmap.width() as usize, pixmap.height() as usize);
    let rgba = pixmap.data_as_u8_slice();
    let px = rgba
        .chunks_exact(4)
        .map(|p| ((u16::from(p[0]) + u16::from(p[1]) + u16::from(p[2])) / 3) as u8)
        .collect();
    Gray { width, height, px }
}

/// Where a QR symbol lies in a raster, measured from its dark pixels.
#[derive(Debug, Clone)]
pub struct FoundQr {
    /// Decoded text.
    pub text: String,
    /// QR version reported by the decoder.
    pub version: usize,
    /// Symbol side in modules.
    pub modules: usize,
    /// Dark-pixel bounding box of the symbol: left, top, right (exclusive), bottom (exclusive).
    pub bbox: (usize, usize, usize, usize),
}

impl FoundQr {
    /// Width and height of the symbol in millimetres at `dpi`.
    pub fn size_mm(&self, dpi: f64) -> (f64, f64) {
        let (l, t, r, b) = self.bbox;
        (
            (r - l) as f64 * MM_PER_INCH / dpi,
            (b - t) as f64 * MM_PER_INCH / dpi,
        )
    }

    /// Whether the ring of `modules` modules around the symbol is light (quiet zone): no pixel
    /// darker than mid-grey, the same threshold as the bounding box (anti-aliased edge pixels
    /// of the symbol itself are lighter than that).
    pub fn quiet_zone_is_clear(&self, img: &Gray, modules: f64) -> bool {
        let (l, t, r, b) = self.bbox;
        let module = (r - l) as f64 / self.modules as f64;
        let pad = (module * modules).floor() as usize;
        let (ol, ot) = (l.saturating_sub(pad), t.saturating_sub(pad));
        let (or, ob) = ((r + pad).min(img.width), (b + pad).min(img.height));
        for y in ot..ob {
            for x in ol..or {
                let inside = x >= l && x < r && y >= t && y < b;
                if !inside && img.at(x, y) < 128 {
                    eprintln!(
                        "dark pixel {} at ({x}, {y}) in the quiet zone of {:?}",
                        img.at(x, y),
                        self.bbox
                    );
                    return false;
                }
            }
        }
        true
    }
}

/// Finds and decodes every QR symbol in `img` with rqrr; each symbol's size is then measured
/// from its own dark pixels: the bounding box of dark pixels (< 128) inside the detector's
/// corners widened by two modules (the quiet zone keeps text out of that margin).
pub fn find_qrs(img: &Gray) -> Vec<FoundQr> {
    let (w, h) = (img.width, img.height);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| img.at(x, y));
    let mut found = Vec::new();
    for grid in prepared.detect_grids() {
        let Ok((meta, text)) = grid.decode() else {
            continue;
        };
        let xs = grid.bounds.iter().map(|p| p.x);
        let ys = grid.bounds.iter().map(|p| p.y);
        let (min_x, max_x) = (xs.clone().min().unwrap(), xs.max().unwrap());
        let (min_y, max_y) = (ys.clone().min().unwrap(), ys.max().unwrap());
        let modules = 17 + 4 * meta.version.0;
        let module = (max_x - min_x) as f64 / modules as f64;
        let pad = (2.0 * module).ceil() as i32;
        let clamp_x = |v: i32| v.clamp(0, w as i32) as usize;
        let clamp_y = |v: i32| v.clamp(0, h as i32) as usize;
        let (sl, st) = (clamp_x(min_x - pad), clamp_y(min_y - pad));
        let (sr, sb) = (clamp_x(max_x + pad), clamp_y(max_y + pad));
        let (mut l, mut t, mut r, mut b) = (usize::MAX, usize::MAX, 0, 0);
        for y in st..sb {
            for x in sl..sr {
                if img.at(x, y) < 128 {
                    l = l.min(x);
                    t = t.min(y);
                    r = r.max(x + 1);
                    b = b.max(y + 1);
                }
            }
        }
        found.push(FoundQr {
            text,
            version: meta.version.0,
            modules,
            bbox: (l, t, r, b),
        });
    }
    found
}

/// A typical venue poster payload: an upper-case URL and ~280 Base32 characters (a signed
/// COSE_Sign1 of about 175 bytes), all in the QR alphanumeric set.
pub fn typical_venue_url() -> String {
    let bytes: Vec<u8> = (0..175u32).map(|i| (i * 73 + 11) as u8).collect();
    let b32 = data_encoding::BASE32_NOPAD.encode(&bytes);
    format!("HTTPS://QUETMA.VN/V/{b32}")
}
