//! QR matrix, SVG, PNG and on-screen bitmap sizes, checked by measuring and decoding.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use qrcode::bits::Bits;
use quetma_core::render::{
    EcLevel, QUIET_ZONE_MODULES, QrMatrix, RenderError, screen_bitmap, to_png, to_svg,
};
use support::{Gray, find_qrs, typical_venue_url};

/// Smallest version holding `text` as ONE alphanumeric segment (computed from qrcode's bit
/// writer, independently of the optimiser).
fn min_alphanumeric_version(text: &str, ec: qrcode::EcLevel) -> i16 {
    (1..=40)
        .find(|&v| {
            let mut bits = Bits::new(qrcode::Version::Normal(v));
            bits.push_alphanumeric_data(text.as_bytes()).is_ok() && bits.push_terminator(ec).is_ok()
        })
        .unwrap()
}

#[test]
fn upper_case_url_is_one_alphanumeric_segment() {
    let url = typical_venue_url();
    assert!(url.len() > 250 && url.len() < 320, "{}", url.len());
    for (ours, theirs) in [
        (EcLevel::L, qrcode::EcLevel::L),
        (EcLevel::M, qrcode::EcLevel::M),
        (EcLevel::Q, qrcode::EcLevel::Q),
        (EcLevel::H, qrcode::EcLevel::H),
    ] {
        let m = QrMatrix::encode(&url, ours).unwrap();
        assert_eq!(
            m.version(),
            min_alphanumeric_version(&url, theirs),
            "{ours:?}"
        );
        assert_eq!(m.width(), 17 + 4 * m.version() as usize);
    }
    // The same URL in lower case needs byte mode, hence a larger symbol.
    let lower = QrMatrix::encode(&url.to_lowercase(), EcLevel::M).unwrap();
    let upper = QrMatrix::encode(&url, EcLevel::M).unwrap();
    assert!(lower.version() > upper.version());
}

#[test]
fn svg_is_true_size_with_one_path() {
    let qr = QrMatrix::encode(&typical_venue_url(), EcLevel::M).unwrap();
    for size in [50.0, 55.0, 160.0] {
        let svg = to_svg(&qr, size);
        let attr = |name: &str| -> f64 {
            let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            let end = start + svg[start..].find('"').unwrap();
            let value = &svg[start..end];
            assert!(value.ends_with("mm"), "{name}={value}");
            value.trim_end_matches("mm").parse().unwrap()
        };
        let (w, h) = (attr("width"), attr("height"));
        assert_eq!(w, h);
        let symbol = w * qr.width() as f64 / (qr.width() + 2 * QUIET_ZONE_MODULES) as f64;
        assert!((symbol - size).abs() < 0.001, "{symbol} vs {size}");
        assert_eq!(svg.matches("<path").count(), 1);
        assert_eq!(
            svg.matches("<rect").count(),
            1,
            "only the white background rect"
        );
        assert!(svg.contains("crispEdges"));
        // Merged runs: one sub-path per horizontal dark run, not one per module.
        let cells = || (0..qr.width()).flat_map(|y| (0..qr.width()).map(move |x| (x, y)));
        let dark = cells().filter(|&(x, y)| qr.is_dark(x, y)).count();
        let runs = cells()
            .filter(|&(x, y)| qr.is_dark(x, y) && (x == 0 || !qr.is_dark(x - 1, y)))
            .count();
        assert_eq!(svg.matches('M').count(), runs);
        assert!(runs < dark * 2 / 3, "{runs} runs for {dark} dark modules");
    }
}

/// Reads the pHYs chunk (pixels per metre) of a PNG file.
fn png_phys(png: &[u8]) -> (u32, u32, u8) {
    let mut i = 8;
    while i + 8 <= png.len() {
        let len = u32::from_be_bytes(png[i..i + 4].try_into().unwrap()) as usize;
        let kind = &png[i + 4..i + 8];
        if kind == b"pHYs" {
            let d = &png[i + 8..i + 8 + len];
            return (
                u32::from_be_bytes(d[0..4].try_into().unwrap()),
                u32::from_be_bytes(d[4..8].try_into().unwrap()),
                d[8],
            );
        }
        i += 12 + len;
    }
    panic!("no pHYs chunk");
}

#[test]
fn png_has_whole_modules_and_dpi() {
    let url = typical_venue_url();
    let qr = QrMatrix::encode(&url, EcLevel::M).unwrap();
    for (size_mm, dpi) in [(50.0, 300.0), (55.0, 600.0), (160.0, 150.0), (50.0, 72.0)] {
        let png = to_png(&qr, size_mm, dpi).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        let total = qr.width() + 2 * QUIET_ZONE_MODULES;
        assert_eq!(img.width(), img.height());
        assert_eq!(
            img.width() as usize % total,
            0,
            "module size must be whole pixels"
        );
        let module_px = img.width() as usize / total;
        // Every module is a uniform block: check the top-left finder edge is exactly aligned.
        let q = QUIET_ZONE_MODULES * module_px;
        assert_eq!(img.get_pixel(q as u32, q as u32)[0], 0);
        assert_eq!(img.get_pixel(q as u32 - 1, q as u32)[0], 255);
        let (xppm, yppm, unit) = png_phys(&png);
        assert_eq!(unit, 1, "unit must be the metre");
        assert_eq!(xppm, yppm);
        assert!(
            (f64::from(xppm) * 0.0254 - dpi).abs() < 0.02,
            "{xppm} ppm for {dpi} dpi"
        );
        let printed_mm = (module_px * qr.width()) as f64 * 1000.0 / f64::from(xppm);
        assert!(printed_mm >= size_mm, "{printed_mm} < {size_mm}");
        // Smallest whole module size: one pixel fewer would be too small.
        let smaller = ((module_px - 1) * qr.width()) as f64 * 1000.0 / f64::from(xppm);
        assert!(
            module_px == 1 || smaller < size_mm,
            "module_px {module_px} not minimal"
        );
        let found = find_qrs(&Gray::from_luma(&img));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, url);
    }
}

#[test]
fn invalid_sizes_are_typed_errors() {
    let qr = QrMatrix::encode("HELLO", EcLevel::M).unwrap();
    for (mm, dpi) in [
        (0.0, 300.0),
        (-1.0, 300.0),
        (f64::NAN, 300.0),
        (50.0, f64::INFINITY),
        (50.0, 0.0),
        (1e9, 300.0),
    ] {
        assert_eq!(
            to_png(&qr, mm, dpi),
            Err(RenderError::InvalidSize),
            "{mm} {dpi}"
        );
    }
    // SVG stays valid on nonsense input.
    assert!(to_svg(&qr, f64::NAN).contains("<svg"));
}

#[test]
fn screen_bitmap_is_close_to_5_cm_at_common_densities() {
    let url = typical_venue_url();
    for ec in [EcLevel::M, EcLevel::Q] {
        let qr = QrMatrix::encode(&url, ec).unwrap();
        for ppi in [160.0, 320.0, 420.0, 480.0, 560.0] {
            let bmp = screen_bitmap(&qr, ppi, 50.0);
            let total = (qr.width() + 2 * QUIET_ZONE_MODULES) as u32;
            assert_eq!(bmp.width_px, bmp.module_px * total);
            assert_eq!(bmp.luma.len(), (bmp.width_px * bmp.width_px) as usize);
            let symbol_mm = bmp.symbol_mm(qr.width(), ppi);
            let exact = 50.0 / 25.4 * ppi / qr.width() as f64;
            let px_per_module_mm = qr.width() as f64 * 25.4 / ppi;
            eprintln!(
                "{ec:?} v{} at {ppi} ppi: {} px/module, symbol {symbol_mm:.2} mm",
                qr.version(),
                bmp.module_px
            );
            // Documented rule: nearest whole pixel per module, bumped up by one if that is
            // below 95 % of the target.
            assert!(symbol_mm >= 0.95 * 50.0, "{symbol_mm}");
            let delta = f64::from(bmp.module_px) - exact;
            let rounded = delta.abs() <= 0.5;
            let bumped =
                delta > 0.5 && delta < 1.0 && (f64::from(bmp.module_px) - 1.0) < 0.95 * exact;
            assert!(rounded || bumped, "{} px for exact {exact}", bmp.module_px);
            assert!(
                symbol_mm - 50.0 <= px_per_module_mm / 2.0 + 1e-9 || bumped,
                "{symbol_mm}"
            );
            // At ≥ 320 ppi integer modules can get within 6 %.
            if ppi >= 320.0 {
                assert!((symbol_mm - 50.0).abs() <= 3.0, "{symbol_mm}");
            }
            let img = Gray {
                width: bmp.width_px as usize,
                height: bmp.width_px as usize,
                px: bmp.luma.clone(),
            };
            let found = find_qrs(&img);
            assert_eq!(found.len(), 1, "{ppi} ppi");
            assert_eq!(found[0].text, url);
        }
    }
}

#[test]
fn screen_bitmap_survives_absurd_inputs() {
    let qr = QrMatrix::encode(&typical_venue_url(), EcLevel::M).unwrap();
    for (ppi, mm) in [
        (f64::NAN, 50.0),
        (420.0, -1.0),
        (0.0, 0.0),
        (1e12, 1e12),
        (420.0, 1e-9),
    ] {
        let bmp = screen_bitmap(&qr, ppi, mm);
        assert!(bmp.module_px >= 1);
        assert!(bmp.width_px <= 4096, "{}", bmp.width_px);
        assert_eq!(bmp.luma.len(), (bmp.width_px * bmp.width_px) as usize);
    }
}
