//! PNG output with a whole number of pixels per module and a physical resolution (`pHYs`).

use std::io::Write as _;

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

    // Stream one pixel row at a time: a 1 m symbol at 600 dpi must not need a gigabyte.
    let mut row = vec![255u8; side];
    let runs = qr.dark_runs();
    let png_err = |e: &dyn std::fmt::Display| RenderError::Png(e.to_string());
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
        let mut writer = encoder.write_header().map_err(|e| png_err(&e))?;
        let mut stream = writer.stream_writer().map_err(|e| png_err(&e))?;
        for module_row in 0..qr.width_with_quiet_zone() {
            row.fill(255);
            if let Some(y) = module_row.checked_sub(QUIET_ZONE_MODULES) {
                for &(_, x, len) in runs.iter().filter(|run| run.0 == y) {
                    let x0 = (x + QUIET_ZONE_MODULES) * module_px;
                    if let Some(span) = row.get_mut(x0..x0 + len * module_px) {
                        span.fill(0);
                    }
                }
            }
            for _ in 0..module_px {
                stream.write_all(&row).map_err(|e| png_err(&e))?;
            }
        }
        stream.finish().map_err(|e| png_err(&e))?;
        writer.finish().map_err(|e| png_err(&e))?;
    }
    tracing::debug!(module_px, side, "rendered QR PNG");
    Ok(out)
}
