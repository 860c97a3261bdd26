//! The frame API: validation, strides, rotations, text encodings, multiple codes, panics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on setup

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/degrade.rs"]
mod degrade;

use degrade::{Img, Rng};
use qrcode::{EcLevel, QrCode};
use quetma_core::keys::{TrustList, fixtures};
use quetma_core::payload::classify;
use quetma_core::scan::{
    self, FramePoint, LumaFrame, MAX_SIDE, Pass, Rotation, ScanError, Scanner, ScannerConfig,
};

fn scanner() -> Scanner {
    Scanner::new(ScannerConfig::default(), TrustList::new())
}

fn texts(img: &Img) -> Vec<String> {
    let frame = LumaFrame::packed(&img.data, img.w as u32, img.h as u32).unwrap();
    scanner()
        .decode(&frame)
        .into_iter()
        .map(|c| c.text)
        .collect()
}

fn code_bytes(bytes: &[u8], px: usize) -> Img {
    let code = QrCode::with_error_correction_level(bytes, EcLevel::M).unwrap();
    degrade::pad_to(&degrade::render_code(&code, px, 4), 320, 240, 255)
}

/// The sensor image that must be turned by `r` (clockwise) to give `upright`.
fn to_sensor(upright: &Img, r: Rotation) -> Img {
    let (w, h) = (upright.w, upright.h);
    let (sw, sh) = match r {
        Rotation::Deg0 | Rotation::Deg180 => (w, h),
        Rotation::Deg90 | Rotation::Deg270 => (h, w),
    };
    let mut out = Img::new(sw, sh, 0);
    for y in 0..h {
        for x in 0..w {
            // Inverse of `Rotation::to_upright`.
            let (sx, sy) = match r {
                Rotation::Deg0 => (x, y),
                Rotation::Deg90 => (y, sh - 1 - x),
                Rotation::Deg180 => (sw - 1 - x, sh - 1 - y),
                Rotation::Deg270 => (sw - 1 - y, x),
            };
            out.data[sy * sw + sx] = upright.data[y * w + x];
        }
    }
    out
}

#[test]
fn invalid_frames_give_typed_errors() {
    let buf = vec![255u8; 100];
    assert_eq!(
        LumaFrame::new(&buf, 0, 10, 10, Rotation::Deg0).unwrap_err(),
        ScanError::ZeroSize {
            width: 0,
            height: 10
        }
    );
    assert_eq!(
        LumaFrame::new(&buf, 10, 0, 10, Rotation::Deg0).unwrap_err(),
        ScanError::ZeroSize {
            width: 10,
            height: 0
        }
    );
    assert_eq!(
        LumaFrame::new(&buf, 10, 10, 9, Rotation::Deg0).unwrap_err(),
        ScanError::StrideTooSmall {
            width: 10,
            row_stride: 9
        }
    );
    assert_eq!(
        LumaFrame::new(&buf, 10, 10, 11, Rotation::Deg0).unwrap_err(),
        ScanError::BufferTooShort {
            needed: 109,
            actual: 100
        }
    );
    // The last row may stop at the width (Android planes often do).
    assert!(LumaFrame::new(&buf[..99], 10, 10, 10, Rotation::Deg0).is_err());
    assert!(LumaFrame::new(&buf[..99], 9, 10, 10, Rotation::Deg0).is_ok());
    assert!(LumaFrame::new(&buf[..98], 9, 10, 10, Rotation::Deg0).is_err());
    assert_eq!(
        LumaFrame::new(&buf, MAX_SIDE + 1, 1, MAX_SIDE + 1, Rotation::Deg0).unwrap_err(),
        ScanError::TooLarge {
            width: MAX_SIDE + 1,
            height: 1
        }
    );
    assert_eq!(
        LumaFrame::new(&buf, 12_000, 12_000, 12_000, Rotation::Deg0).unwrap_err(),
        ScanError::TooLarge {
            width: 12_000,
            height: 12_000
        }
    );
    // Messages carry sizes only.
    let msg = ScanError::BufferTooShort {
        needed: 109,
        actual: 100,
    }
    .to_string();
    assert!(msg.contains("109") && msg.contains("100"));
}

#[test]
fn stride_with_garbage_padding() {
    let text = "HTTPS://QM.VN/V/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let img = code_bytes(text.as_bytes(), 4);
    let stride = img.w + 37;
    let mut rng = Rng::new(99);
    let mut buf: Vec<u8> = (0..stride * img.h).map(|_| rng.next_u64() as u8).collect();
    for y in 0..img.h {
        buf[y * stride..y * stride + img.w].copy_from_slice(&img.data[y * img.w..(y + 1) * img.w]);
    }
    // Whole padded rows (zxing-cpp reads the rows in place), then the last row cut at the
    // width, as on Android (zxing-cpp gets a packed copy); rqrr reads both in place.
    let full = buf.len();
    for len in [full, (img.h - 1) * stride + img.w] {
        let frame = LumaFrame::new(
            &buf[..len],
            img.w as u32,
            img.h as u32,
            stride as u32,
            Rotation::Deg0,
        )
        .unwrap();
        let codes = scanner().decode(&frame);
        assert_eq!(codes.len(), 1);
        assert_eq!(codes[0].text, text);
        assert_eq!(codes[0].pass, Pass::Zxing);
        let mut rqrr = Scanner::new(
            ScannerConfig {
                passes: vec![Pass::Raw],
                ..ScannerConfig::default()
            },
            TrustList::new(),
        );
        let codes = rqrr.decode(&frame);
        assert_eq!(codes.len(), 1);
        assert_eq!(codes[0].text, text);
    }
}

#[test]
fn every_rotation_decodes_with_upright_corners() {
    let text = "QuetMa rotation test";
    let upright = code_bytes(text.as_bytes(), 4);
    let reference = {
        let frame = LumaFrame::packed(&upright.data, upright.w as u32, upright.h as u32).unwrap();
        scanner().decode(&frame).remove(0).bounds
    };
    for r in [
        Rotation::Deg0,
        Rotation::Deg90,
        Rotation::Deg180,
        Rotation::Deg270,
    ] {
        let sensor = to_sensor(&upright, r);
        let frame = LumaFrame::new(
            &sensor.data,
            sensor.w as u32,
            sensor.h as u32,
            sensor.w as u32,
            r,
        )
        .unwrap();
        assert_eq!(
            r.upright_size(frame.width(), frame.height()),
            (upright.w as u32, upright.h as u32)
        );
        let codes = scanner().decode(&frame);
        assert_eq!(codes.len(), 1, "{r:?}");
        assert_eq!(codes[0].text, text);
        // Same physical corners, same upright positions (rqrr's corner fit may differ by a
        // pixel or two between orientations).
        for (got, want) in codes[0].bounds.iter().zip(reference.iter()) {
            assert!(
                (got.x - want.x).abs() <= 3 && (got.y - want.y).abs() <= 3,
                "{r:?}: {got:?} vs {want:?}"
            );
        }
    }
    assert_eq!(Rotation::from_degrees(-90), Some(Rotation::Deg270));
    assert_eq!(Rotation::from_degrees(45), None);
    assert_eq!(
        Rotation::Deg90.to_upright(FramePoint { x: 0, y: 0 }, 640, 480),
        FramePoint { x: 479, y: 0 }
    );
}

#[test]
fn utf8_vietnamese_survives() {
    // rqrr's `Grid::decode` would also pass UTF-8 through; we decode bytes ourselves so that
    // non-UTF-8 byte mode does not turn into a failure.
    let text = "Nguyễn Văn An|Nữ";
    assert_eq!(
        texts(&code_bytes(text.as_bytes(), 4)),
        vec![text.to_owned()]
    );
    let cccd = "001098012345|012345678|Nguyễn Văn An|01011998|Nữ|Số 1 Phố Huế, Hà Nội|15082021";
    assert_eq!(
        texts(&code_bytes(cccd.as_bytes(), 3)),
        vec![cccd.to_owned()]
    );
}

#[test]
fn latin1_and_shift_jis_byte_fallbacks() {
    // ISO-8859-1 "café" (the QR default charset for byte mode): not UTF-8, not Shift_JIS.
    assert_eq!(texts(&code_bytes(b"caf\xe9", 4)), vec!["café".to_owned()]);
    // Shift_JIS Japanese (kanji mode or bytes).
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("日本語のテキスト");
    assert_eq!(
        texts(&code_bytes(&sjis, 4)),
        vec!["日本語のテキスト".to_owned()]
    );
}

#[test]
fn several_codes_in_one_frame_and_dedup() {
    let a = degrade::render("FIRST CODE", quetma_core::render::EcLevel::M, 4);
    let b = degrade::render("SECOND CODE", quetma_core::render::EcLevel::M, 4);
    let mut frame = Img::new(a.w + b.w + a.w + 40, a.h.max(b.h) + 20, 255);
    for (img, ox) in [(&a, 10), (&b, 20 + a.w), (&a, 30 + a.w + b.w)] {
        for y in 0..img.h {
            let start = (10 + y) * frame.w + ox;
            frame.data[start..start + img.w].copy_from_slice(&img.data[y * img.w..(y + 1) * img.w]);
        }
    }
    let mut got = texts(&frame);
    got.sort();
    assert_eq!(got, vec!["FIRST CODE".to_owned(), "SECOND CODE".to_owned()]);
}

/// "LEFT" and "RIGHT" side by side in one upright frame; the x where the right code starts.
fn two_codes() -> (Img, usize) {
    let a = degrade::render("LEFT", quetma_core::render::EcLevel::M, 4);
    let b = degrade::render("RIGHT", quetma_core::render::EcLevel::M, 4);
    let mut frame = Img::new(a.w + b.w + 60, a.h.max(b.h) + 40, 255);
    for (img, ox) in [(&a, 20), (&b, 40 + a.w)] {
        for y in 0..img.h {
            let start = (20 + y) * frame.w + ox;
            frame.data[start..start + img.w].copy_from_slice(&img.data[y * img.w..(y + 1) * img.w]);
        }
    }
    (frame, 30 + a.w)
}

#[test]
fn scan_window_searches_only_the_viewfinder_in_every_rotation() {
    let (upright, split) = two_codes();
    let window = scan::ScanWindow {
        left: split as u32,
        top: 0,
        width: (upright.w - split) as u32,
        height: upright.h as u32,
    };
    for r in [
        Rotation::Deg0,
        Rotation::Deg90,
        Rotation::Deg180,
        Rotation::Deg270,
    ] {
        let sensor = to_sensor(&upright, r);
        let frame = LumaFrame::packed(&sensor.data, sensor.w as u32, sensor.h as u32)
            .unwrap()
            .with_rotation(r);
        let mut all: Vec<String> = scanner()
            .decode(&frame)
            .into_iter()
            .map(|c| c.text)
            .collect();
        all.sort();
        assert_eq!(all, vec!["LEFT".to_owned(), "RIGHT".to_owned()], "{r:?}");
        let codes = scanner().decode(&frame.with_scan_window(window));
        assert_eq!(codes.len(), 1, "{r:?}");
        assert_eq!(codes[0].text, "RIGHT");
        // Corners come back in whole-frame upright coordinates, inside the window.
        for p in codes[0].bounds {
            assert!(
                p.x >= split as i32 - 2 && p.x < upright.w as i32 && p.y >= 0,
                "{r:?}: {p:?}"
            );
        }
        // A window off the frame searches the whole frame.
        let off = scan::ScanWindow {
            left: 10_000,
            top: 0,
            width: 10,
            height: 10,
        };
        assert_eq!(scanner().decode(&frame.with_scan_window(off)).len(), 2);
    }
}

#[test]
fn empty_frames_skip_the_fallback_passes() {
    // Smooth shading and flat blocks hold no finder pattern: only the first pass runs, so
    // the camera default costs one zxing-cpp pass per empty frame. With the gate off, the
    // whole cascade runs (and still finds nothing).
    let img = Img {
        w: 640,
        h: 480,
        data: (0..640 * 480)
            .map(|i| ((i % 640) / 5 + (i / 640) / 8) as u8)
            .collect(),
    };
    let frame = LumaFrame::packed(&img.data, 640, 480).unwrap();
    // Ungated, every pass runs but the inverted one (no light-on-dark finders seen).
    for (gate, runs) in [(true, 1), (false, Pass::DEFAULT_CASCADE.len() as u64 - 1)] {
        let mut s = Scanner::new(
            ScannerConfig {
                fallback_needs_finder: gate,
                // 640×480 is above the upscale limit: raise it so every pass applies.
                upscale_max_pixels: 1_000_000,
                ..ScannerConfig::default()
            },
            TrustList::new(),
        );
        assert!(s.decode(&frame).is_empty());
        assert_eq!(s.passes_run(), runs, "gate {gate}");
    }
    // A code only a fallback pass reads (here: an rqrr pass after a pass that never reads
    // anything) is still found: the gate sees its finder patterns.
    let code = code_bytes(b"GATED", 4);
    let frame = LumaFrame::packed(&code.data, code.w as u32, code.h as u32).unwrap();
    let mut s = Scanner::new(
        ScannerConfig {
            passes: vec![Pass::Upscale2, Pass::Raw],
            upscale_max_pixels: 0,
            ..ScannerConfig::default()
        },
        TrustList::new(),
    );
    let codes = s.decode(&frame);
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].pass, Pass::Raw);
}

#[test]
fn scan_classifies_with_the_trust_list() {
    let text = "not a quetma code";
    let img = code_bytes(text.as_bytes(), 4);
    let frame = LumaFrame::packed(&img.data, img.w as u32, img.h as u32).unwrap();
    let trust = fixtures::trust_list();
    let mut s = Scanner::new(ScannerConfig::default(), trust.clone());
    let results = s.scan(&frame);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].text, text);
    assert_eq!(results[0].scanned, classify(text, &trust));
    assert!((1..=40).contains(&results[0].version));
}

#[test]
fn frames_without_codes_return_nothing() {
    let mut s = scanner();
    let mut rng = Rng::new(5);
    let noise: Vec<u8> = (0..320 * 240).map(|_| rng.next_u64() as u8).collect();
    for (data, w, h) in [
        (vec![255u8; 64 * 48], 64, 48),
        (vec![0u8; 64 * 48], 64, 48),
        (vec![128u8; 1], 1, 1),
        (vec![0u8; 2 * 3], 2, 3),
        (noise, 320, 240),
    ] {
        let frame = LumaFrame::packed(&data, w, h).unwrap();
        assert!(s.scan(&frame).is_empty(), "{w}x{h}");
    }
}

#[test]
fn budgeted_passes_rotate_across_frames() {
    // In an rqrr-only cascade only the inverted pass reads a light-on-dark code: with 2
    // passes per frame (the first plus one more in turn) it is found within the cascade's
    // length of frames, not on the first. (The default cascade's zxing-cpp reads it at once.)
    let img = degrade::invert(&code_bytes(b"LIGHT ON DARK", 4));
    let frame = LumaFrame::packed(&img.data, img.w as u32, img.h as u32).unwrap();
    assert_eq!(texts(&img), vec!["LIGHT ON DARK".to_owned()]);
    let config = ScannerConfig {
        passes: vec![
            Pass::Raw,
            Pass::Otsu,
            Pass::Adaptive {
                window_divisor: 8,
                percent: 15,
            },
            Pass::Inverted,
        ],
        max_passes_per_frame: std::num::NonZeroUsize::new(2),
        ..ScannerConfig::default()
    };
    let passes = config.passes.len();
    let mut s = Scanner::new(config, TrustList::new());
    let found_at = (0..passes).find(|_| !s.decode(&frame).is_empty());
    assert!(found_at.is_some_and(|i| i > 0), "found at {found_at:?}");
}

#[test]
fn rqrr_panic_is_contained() {
    let Some(dir) = corpus::dir_or_skip("rqrr_panic_is_contained") else {
        return;
    };
    let path = dir.join("zxing-qrcode-6/7.png");
    let luma = corpus::load_luma(&path);
    let frame = LumaFrame::packed(luma.as_raw(), luma.width(), luma.height()).unwrap();
    // zxing-cpp reads this image first; rqrr alone is what panics.
    let mut s = Scanner::new(
        ScannerConfig {
            passes: vec![Pass::Raw],
            ..ScannerConfig::default()
        },
        TrustList::new(),
    );
    let _ = s.scan(&frame);
    assert!(
        s.contained_panics() >= 1,
        "rqrr no longer panics on this image: update the docs"
    );
    // The scanner stays usable after a contained panic.
    let img = code_bytes(b"STILL WORKS", 4);
    let ok = LumaFrame::packed(&img.data, img.w as u32, img.h as u32).unwrap();
    assert_eq!(s.decode(&ok).len(), 1);
}

#[test]
fn image_helpers_composite_transparency() {
    // A code drawn black on a fully transparent background whose colour is black too.
    let img = degrade::render("TRANSPARENT", quetma_core::render::EcLevel::M, 4);
    let rgba = image::RgbaImage::from_fn(img.w as u32, img.h as u32, |x, y| {
        let dark = img.data[y as usize * img.w + x as usize] == 0;
        if dark {
            image::Rgba([0, 0, 0, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let dynamic = image::DynamicImage::ImageRgba8(rgba);
    assert_eq!(
        scan::decode_image(&dynamic).unwrap(),
        vec!["TRANSPARENT".to_owned()]
    );
    let results = scan::scan_image(&dynamic, &TrustList::new()).unwrap();
    assert_eq!(results.len(), 1);
}

#[test]
fn codes_found_in_a_downscaled_layer_get_full_size_corners() {
    // Sparse pixel-scale salt-and-pepper noise over a large code: the full-size layer's
    // finder scan breaks up, the 1/3-size pyramid layer (a 3 × 3 average) reads it (checked:
    // without the scaling back, the corners come out at a third). The corners must come back
    // in frame pixels, not layer pixels.
    let text = "QuetMa pyramid layer";
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
    let (px, quiet) = (24usize, 4usize);
    let modules = code.width();
    let img = degrade::pad_to(&degrade::render_code(&code, px, quiet), 1500, 1100, 255);
    let mut rng = Rng::new(7);
    let mut noisy = img.clone();
    for v in &mut noisy.data {
        if rng.unit() < 0.06 {
            *v = if rng.unit() < 0.06 { 0 } else { 255 };
        }
    }
    let frame = LumaFrame::packed(&noisy.data, noisy.w as u32, noisy.h as u32).unwrap();
    let only_first = ScannerConfig {
        passes: vec![Pass::Zxing],
        ..ScannerConfig::default()
    };
    let codes = Scanner::new(only_first, TrustList::new()).decode(&frame);
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0].text, text);
    let side = (modules + 2 * quiet) * px;
    let (x0, y0) = (
        (1500 - side) / 2 + quiet * px,
        (1100 - side) / 2 + quiet * px,
    );
    let x1 = x0 + modules * px;
    let y1 = y0 + modules * px;
    let want = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)];
    for (got, (wx, wy)) in codes[0].bounds.iter().zip(want) {
        assert!(
            got.x.abs_diff(wx as i32) <= 2 * px as u32
                && got.y.abs_diff(wy as i32) <= 2 * px as u32,
            "corner {got:?}, expected near ({wx}, {wy})"
        );
    }
}

#[test]
fn low_contrast_codes_are_read_by_the_stretch_pass_past_the_finder_gate() {
    // Ten grey levels between dark and light modules: too faint for the finder gate's
    // threshold and for the local-average binarizer's 24-level blocks; the contrast-stretched
    // copy reads it, and runs although the gate saw nothing.
    let text = "FADED POSTER";
    let img = degrade::contrast(&code_bytes(text.as_bytes(), 4), 123, 133);
    let frame = LumaFrame::packed(&img.data, img.w as u32, img.h as u32).unwrap();
    assert!(!scan::finder_pattern_seen(&frame));
    let codes = scanner().decode(&frame);
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0].text, text);
    assert_eq!(codes[0].pass, Pass::ZxingStretch);
}
