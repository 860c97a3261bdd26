//! PNG output with a whole number of pixels per module and a physical resolution (`pHYs`).

use super::{MM_PER_INCH, QUIET_ZONE_MODULES, QrMatrix, RenderError, check_positive};

/// Largest PNG side we agree to produce, in pixels (a 1 m symbol at 600 dpi is ~24 000 px).
const MAX_SIDE_PX: u64 = 30_000;

/// Renders `qr` as an 8-bit greyscale PNG (quiet zone included) for printing at `dpi`.
///
/// Each module is a whole number of pixels, the smallest that makes the symbol measure **at
/// least** `size_mm` at the resolution written to the `pHYs` chunk (pixels per metre, rounded as
/// the format requires; the module size is computed from that rounded value, so the printed
/// symbol is never smaller than asked). The symbol may exceed `size_mm` by less than a module.
pub fn to_png(qr: &QrMatrix, size_mm: f64, dpi: f64) -> Result<Vec<u8>, RenderError> {
    let size_mm = check_positive(size_mm, 10_000.0)?;
    let dpi = check_positive(dpi, 10_000.0)?;
    // pHYs stores integer pixels per metre.
    let ppm = (dpi / MM_PER_INCH * 1000.0).round();
    if ppm < 1.0 {
        return Err(RenderError::InvalidSize);
    }
    let symbol_px_needed = size_mm / 1000.0 * ppm;
    let module_px = ((symbol_px_needed / qr.width() as f64) - 1e-9)
        .ceil()
        .max(1.0) as u64;
    let side = module_px * qr.width_with_quiet_zone() as u64;
    if side > MAX_SIDE_PX {
        return Err(RenderError::InvalidSize);
    }
    let side_u32 = u32::try_from(side).map_err(|_| RenderError::InvalidSize)?;
    let module_px = module_px as usize;
    let side = side as usize;

    let mut pixels = vec![255u8; side * side];
    for (y, x, len) in qr.dark_runs() {
        let x0 = (x + QUIET_ZONE_MODULES) * module_px;
        let x1 = x0 + len * module_px;
        let y0 = (y + QUIET_ZONE_MODULES) * module_px;
        for row in y0..y0 + module_px {
            if let Some(line) = pixels.get_mut(row * side + x0..row * side + x1) {
                line.fill(0);
            }
        }
    }

    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side_u32, side_u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Balanced);
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm as u32,
            yppu: ppm as u32,
            unit: png::Unit::Meter,
        }));
        let mut writer = encoder
            .write_header()
            .map_err(|e| RenderError::Png(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| RenderError::Png(e.to_string()))?;
        writer
            .finish()
            .map_err(|e| RenderError::Png(e.to_string()))?;
    }
    tracing::debug!(module_px, side, "rendered QR PNG");
    Ok(out)
}
