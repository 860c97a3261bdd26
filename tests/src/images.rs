//! What the phones' cameras see: a poster PDF rasterised with hayro (the approach of
//! `core/tests/support/mod.rs`) or a QR rendered by core, placed in a 1280 × 720 camera frame,
//! and decoded by core's frame [`Scanner`].

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};
use image::GrayImage;
use quetma_core::keys::TrustList;
use quetma_core::render::{EcLevel, QUIET_ZONE_MODULES, QrMatrix};
use quetma_core::scan::{LumaFrame, ScanResult, Scanner, ScannerConfig};

/// Camera frame width.
pub const FRAME_W: u32 = 1280;
/// Camera frame height.
pub const FRAME_H: u32 = 720;

/// Rasterises page `page` of `pdf` at `dpi`, greyscale on white.
pub fn rasterize_pdf_page(pdf: &[u8], page: usize, dpi: f32) -> Result<GrayImage> {
    let pdf = Pdf::new(Arc::new(pdf.to_vec())).map_err(|e| anyhow::anyhow!("PDF: {e:?}"))?;
    let pages = pdf.pages();
    let page = pages.get(page).context("no such page")?;
    let scale = dpi / 72.0;
    let pixmap = hayro::render(
        page,
        &RenderCache::new(),
        &InterpreterSettings::default(),
        &RenderSettings::default(),
        &PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: WHITE,
        },
    );
    let (w, h) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    let px: Vec<u8> = pixmap
        .data_as_u8_slice()
        .chunks_exact(4)
        .map(|p| {
            let sum = u16::from(p[0]) + u16::from(p[1]) + u16::from(p[2]);
            u8::try_from(sum / 3).unwrap_or(u8::MAX)
        })
        .collect();
    GrayImage::from_raw(w, h, px).context("raster size")
}

/// `content` centred in a 1280 × 720 frame with a mid-grey surround (a wall, a counter); a
/// larger content is cropped around its centre.
pub fn camera_frame(content: &GrayImage) -> GrayImage {
    let mut frame = GrayImage::from_pixel(FRAME_W, FRAME_H, image::Luma([128]));
    let (cw, ch) = content.dimensions();
    let (fx, fy) = (
        i64::from(FRAME_W) / 2 - i64::from(cw) / 2,
        i64::from(FRAME_H) / 2 - i64::from(ch) / 2,
    );
    image::imageops::overlay(&mut frame, content, fx, fy);
    frame
}

/// A QR symbol rendered by core (`module_px` per module, quiet zone included), as a screen or a
/// card shows it.
pub fn qr_image(text: &str, ec: EcLevel, module_px: u32) -> Result<GrayImage> {
    let qr = QrMatrix::encode(text, ec)?;
    let side = u32::try_from(qr.width_with_quiet_zone())? * module_px;
    let quiet = u32::try_from(QUIET_ZONE_MODULES)?;
    Ok(GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (
            (x / module_px).checked_sub(quiet),
            (y / module_px).checked_sub(quiet),
        );
        let dark = matches!((mx, my), (Some(mx), Some(my)) if qr.is_dark(mx as usize, my as usize));
        image::Luma([if dark { 25 } else { 230 }])
    }))
}

/// A square luma bitmap (`side × side`) as an image.
pub fn luma_image(luma: Vec<u8>, side: u32) -> Result<GrayImage> {
    GrayImage::from_raw(side, side, luma).context("bitmap size")
}

/// A scanner with core's camera defaults, classifying posters against `trust`.
pub fn scanner(trust: &TrustList) -> Scanner {
    Scanner::new(ScannerConfig::default(), trust.clone())
}

/// Scans one frame; exactly one code must be in it.
pub fn scan_one(scanner: &mut Scanner, frame: &GrayImage) -> Result<ScanResult> {
    let luma = LumaFrame::packed(frame.as_raw(), frame.width(), frame.height())?;
    let mut found = scanner.scan(&luma);
    if found.len() != 1 {
        bail!("{} codes in the frame, expected one", found.len());
    }
    Ok(found.remove(0))
}
