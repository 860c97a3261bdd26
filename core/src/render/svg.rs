//! Vector SVG output with a physical size in millimetres.

use std::fmt::Write as _;

use super::{QUIET_ZONE_MODULES, QrMatrix};

/// Renders `qr` as an SVG document whose symbol (quiet zone excluded) measures exactly
/// `size_mm` millimetres; the `width`/`height` attributes are in `mm` and include the quiet zone.
///
/// The drawing is one `<path>` of merged horizontal dark runs in module units (`viewBox`), with
/// `shape-rendering="crispEdges"`. A non-finite or non-positive `size_mm` falls back to 50 mm
/// (the SVG stays valid); use [`super::to_png`] when a typed error is wanted.
pub fn to_svg(qr: &QrMatrix, size_mm: f64) -> String {
    let size_mm = if size_mm.is_finite() && size_mm > 0.0 {
        size_mm
    } else {
        tracing::warn!("invalid SVG size, using 50 mm");
        50.0
    };
    let total = qr.width_with_quiet_zone();
    let total_mm = size_mm * total as f64 / qr.width() as f64;
    let mut d = String::with_capacity(qr.width() * qr.width() / 2);
    for (y, x, len) in qr.dark_runs() {
        let _ = write!(
            d,
            "M{} {}h{len}v1h-{len}z",
            x + QUIET_ZONE_MODULES,
            y + QUIET_ZONE_MODULES
        );
    }
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            "\n",
            r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{mm:.4}mm" height="{mm:.4}mm" viewBox="0 0 {total} {total}" shape-rendering="crispEdges">"#,
            r##"<rect width="{total}" height="{total}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{d}"/>"##,
            "</svg>\n"
        ),
        mm = total_mm,
        total = total,
        d = d
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::EcLevel;

    #[test]
    fn svg_size_is_in_mm() {
        let qr = QrMatrix::encode("HELLO", EcLevel::M).unwrap();
        let svg = to_svg(&qr, 21.0);
        // 21 modules of 1 mm + 2 × 4 quiet-zone modules.
        assert!(svg.contains(r#"width="29.0000mm""#), "{svg}");
        assert_eq!(svg.matches("<path").count(), 1);
    }
}
