//! Degradation tests: QR codes with realistic QuetMa payloads, rendered by QuetMa's own renderer
//! (`quetma_core::render::QrMatrix`) and degraded deterministically, must still decode at the
//! levels listed below.
//!
//! Limits measured with the default cascade (`cargo test -p quetma-core --test scan_degraded
//! -- --ignored --nocapture survey` prints the full grid), payloads at EC level M (venue URL:
//! 250 alphanumeric characters, version 9; CCCD: UTF-8 byte mode, version 7), 4 px/module
//! unless stated:
//! - module size: reads at 3, 2 and even 1 px/module on a crisp synthetic rendering;
//! - rotation: 0°, 5°, 10°, 20°, 30°, 45°, 60°, 90°, 135°, 180° read; a 3° sweep over 0..90° is
//!   held to 90% (written for the former rqrr cascade, which missed isolated angles; the
//!   zxing-cpp cascade of ADR 0003 reads every angle of the sweep in the scan bench);
//! - perspective (top edge pulled in by k of the width per side): k ≤ 0.15 reads; fails from
//!   0.2 (CCCD) / 0.25 (venue URL);
//! - Gaussian blur: sigma ≤ 1.5 px reads, 2.0 px fails;
//! - additive Gaussian noise: sigma ≤ 40 grey levels reads; fails at 60 (venue URL) / 80 (CCCD);
//! - low contrast: any 60-level range reads, and even 6 levels on a clean image;
//! - uneven light (brightness falling to 15% across the code): reads;
//! - inverted colours: reads clean and with noise up to sigma 30 (venue URL fails at 40);
//! - camera-like combination (8° rotation, tilt, blur 0.5, contrast 70..170, noise 8, on a
//!   640×480 frame): reads at 4 and 3 px/module; blur 0.8 plus noise 8 breaks the CCCD.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on setup

#[path = "support/degrade.rs"]
mod degrade;

use degrade::{Img, Rng};
use quetma_core::keys::TrustList;
use quetma_core::render::EcLevel;
use quetma_core::scan::{LumaFrame, Pass, Scanner, ScannerConfig};

/// A venue poster URL of 250 characters, all in the QR alphanumeric set.
fn venue_url() -> String {
    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = Rng::new(0x5155_4554);
    let mut s = String::from("HTTPS://QM.VN/V/");
    while s.len() < 250 {
        s.push(char::from(B32[(rng.next_u64() % 32) as usize]));
    }
    s
}

/// A CCCD card text: 7 `|`-separated UTF-8 fields with Vietnamese diacritics.
const CCCD: &str = "001098012345|012345678|Nguyễn Văn An|01011998|Nữ|\
                    Số 12 Ngõ 34 Phố Huế, Phường Hai Bà Trưng, Hà Nội|15082021";

fn decodes(img: &Img, expected: &str) -> bool {
    let mut scanner = Scanner::new(ScannerConfig::default(), TrustList::new());
    let frame = LumaFrame::packed(&img.data, img.w as u32, img.h as u32).unwrap();
    scanner.decode(&frame).iter().any(|c| c.text == expected)
}

fn payloads() -> Vec<(&'static str, String, EcLevel)> {
    vec![
        ("venue-url", venue_url(), EcLevel::M),
        ("cccd", CCCD.to_owned(), EcLevel::M),
    ]
}

/// A family of degradations: name, levels, and the image at a level.
type Family = (&'static str, Vec<f64>, Box<dyn Fn(&Img, f64) -> Img>);

fn families() -> Vec<Family> {
    vec![
        (
            "rotation_deg",
            vec![0.0, 5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 135.0, 180.0],
            Box::new(|img, d| degrade::rotate(img, d, 255)),
        ),
        (
            "perspective_top_inset",
            vec![0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4],
            Box::new(|img, k| {
                let (w, h) = (img.w as f64, img.h as f64);
                degrade::warp(
                    img,
                    [(k * w, 0.0), (w - k * w, 0.0), (w, h), (0.0, h)],
                    img.w,
                    img.h,
                    255,
                )
            }),
        ),
        (
            "blur_sigma_px",
            vec![0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
            Box::new(degrade::blur),
        ),
        (
            "noise_sigma",
            vec![10.0, 20.0, 30.0, 40.0, 60.0, 80.0, 100.0],
            Box::new(|img, s| degrade::noise(img, s, &mut Rng::new(42))),
        ),
        (
            "contrast_range_mid",
            vec![60.0, 40.0, 30.0, 20.0, 10.0, 6.0],
            Box::new(|img, r| {
                let lo = (128.0 - r / 2.0) as u8;
                degrade::contrast(img, lo, lo + r as u8)
            }),
        ),
        (
            "contrast_range_dark",
            vec![60.0, 40.0, 20.0, 10.0],
            Box::new(|img, r| degrade::contrast(img, 0, r as u8)),
        ),
        (
            "contrast_range_bright",
            vec![60.0, 40.0, 20.0, 10.0],
            Box::new(|img, r| degrade::contrast(img, 255 - r as u8, 255)),
        ),
        (
            "shade_right_factor",
            vec![0.8, 0.6, 0.4, 0.25, 0.15],
            Box::new(|img, f| degrade::shade(img, 1.0, f)),
        ),
        (
            "inverted_noise_sigma",
            vec![0.0, 10.0, 20.0, 40.0],
            Box::new(|img, s| degrade::noise(&degrade::invert(img), s, &mut Rng::new(7))),
        ),
    ]
}

#[test]
#[ignore = "survey: prints where each degradation starts to fail"]
fn survey() {
    for (pname, text, ec) in payloads() {
        for px in [1usize, 2, 3, 4] {
            let img = degrade::render(&text, ec, px);
            println!(
                "{pname} module_px {px} ({}x{}): {}",
                img.w,
                img.h,
                decodes(&img, &text)
            );
        }
        let base = degrade::render(&text, ec, 4);
        for (fname, levels, f) in families() {
            let line: Vec<String> = levels
                .iter()
                .map(|&l| {
                    format!(
                        "{l}:{}",
                        if decodes(&f(&base, l), &text) {
                            "ok"
                        } else {
                            "FAIL"
                        }
                    )
                })
                .collect();
            println!("{pname} {fname}: {}", line.join(" "));
        }
    }
}

fn each_payload(f: impl Fn(&str, &str, &Img)) {
    for (name, text, ec) in payloads() {
        f(name, &text, &degrade::render(&text, ec, 4));
    }
}

#[test]
fn small_modules() {
    // Crisp synthetic rendering decodes even at 1 px per module; 2 and 3 are what a far
    // poster gives a 720p camera.
    for (name, text, ec) in payloads() {
        for px in [2, 3] {
            assert!(
                decodes(&degrade::render(&text, ec, px), &text),
                "{name} at {px} px/module"
            );
        }
    }
}

#[test]
fn rotation() {
    each_payload(|name, text, img| {
        for deg in [0.0, 10.0, 45.0, 90.0, 180.0, 270.0] {
            assert!(
                decodes(&degrade::rotate(img, deg, 255), text),
                "{name} rotated {deg}°"
            );
        }
        // rqrr misses isolated angles (e.g. 30° and 60° for the venue URL at 4 px/module,
        // where 27°, 33°, 57° and 63° read): hold the sweep to 90%.
        let angles: Vec<u32> = (0..90).step_by(3).collect();
        let ok = angles
            .iter()
            .filter(|&&d| decodes(&degrade::rotate(img, f64::from(d), 255), text))
            .count();
        assert!(
            ok * 10 >= angles.len() * 9,
            "{name}: only {ok}/{} angles",
            angles.len()
        );
    });
}

#[test]
fn perspective() {
    // The top edge pulled in by `k` of the width on each side; fails from 0.2–0.25.
    each_payload(|name, text, img| {
        let (w, h) = (img.w as f64, img.h as f64);
        for k in [0.05, 0.1, 0.15] {
            let warped = degrade::warp(
                img,
                [(k * w, 0.0), (w - k * w, 0.0), (w, h), (0.0, h)],
                img.w,
                img.h,
                255,
            );
            assert!(decodes(&warped, text), "{name} perspective {k}");
        }
    });
}

#[test]
fn gaussian_blur() {
    // At 4 px/module: sigma 1.5 px reads, 2.0 px does not (the modules merge).
    each_payload(|name, text, img| {
        for sigma in [0.5, 1.0, 1.5] {
            assert!(
                decodes(&degrade::blur(img, sigma), text),
                "{name} blur {sigma}"
            );
        }
    });
}

#[test]
fn the_camera_reads_out_of_focus_frames_within_one_round_of_its_cascade() {
    // sigma 2.0 px at 4 px/module: the default cascade does not read it; the camera's
    // unsharp-masked pass does, on one of the frames of a round of its cascade (2 passes a
    // frame), as a phone still focusing would show it.
    each_payload(|name, text, img| {
        let blurred = degrade::blur(img, 2.0);
        assert!(!decodes(&blurred, text), "{name}: the default reads it now");
        let frame = LumaFrame::packed(&blurred.data, blurred.w as u32, blurred.h as u32).unwrap();
        let mut camera = Scanner::new(ScannerConfig::camera(), TrustList::new());
        let found = (0..Pass::CAMERA_CASCADE.len())
            .flat_map(|_| camera.decode(&frame))
            .find(|c| c.text == text);
        assert_eq!(found.map(|c| c.pass), Some(Pass::ZxingSharpen), "{name}");
    });
}

#[test]
fn additive_noise() {
    // Gaussian noise, sigma in grey levels: 40 reads; the venue URL fails at 60, CCCD at 80.
    each_payload(|name, text, img| {
        for sigma in [10.0, 20.0, 30.0, 40.0] {
            let noisy = degrade::noise(img, sigma, &mut Rng::new(42));
            assert!(decodes(&noisy, text), "{name} noise {sigma}");
        }
    });
}

#[test]
fn low_contrast() {
    // Even a 6-level range reads on a clean synthetic image; 60 levels anywhere in the range.
    each_payload(|name, text, img| {
        for (lo, hi) in [(98, 158), (0, 60), (195, 255), (108, 148), (118, 138)] {
            assert!(
                decodes(&degrade::contrast(img, lo, hi), text),
                "{name} contrast {lo}..{hi}"
            );
        }
    });
}

#[test]
fn uneven_light() {
    each_payload(|name, text, img| {
        for f in [0.6, 0.3, 0.15] {
            assert!(
                decodes(&degrade::shade(img, 1.0, f), text),
                "{name} shade to {f}"
            );
        }
    });
}

#[test]
fn inverted_colours() {
    // Light-on-dark: clean, and with noise up to sigma 30 (the inverted adaptive pass).
    each_payload(|name, text, img| {
        for sigma in [0.0, 10.0, 20.0, 30.0] {
            let inv = degrade::noise(&degrade::invert(img), sigma, &mut Rng::new(1));
            assert!(decodes(&inv, text), "{name} inverted, noise {sigma}");
        }
    });
}

#[test]
#[ignore = "survey: prints which camera-like combinations read"]
fn survey_camera() {
    for (name, text, _) in payloads() {
        for px in [3, 4] {
            for deg in [0.0, 8.0] {
                for k in [0.0, 0.06] {
                    for sigma in [0.5, 0.8] {
                        for noise in [0.0, 8.0] {
                            let ok = decodes(
                                &degrade::camera_like(&text, px, deg, k, sigma, 70, 170, noise),
                                &text,
                            );
                            println!("{name} px{px} deg{deg} k{k} blur{sigma} noise{noise}: {ok}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn camera_like_combination() {
    // A poster seen by a phone: rotated 8°, tilted, slightly blurred, contrast squeezed to 100
    // levels, on a 640×480 grey frame with sensor noise (sigma 8). Reads at 4 px/module with
    // blur 0.5 and at 3 px/module untilted; fails (see `survey_camera`) once blur 0.8 joins
    // noise 8 for the CCCD, and at 3 px/module with tilt plus blur 0.8 for the venue URL.
    for (name, text, _) in payloads() {
        let img = degrade::camera_like(&text, 4, 8.0, 0.06, 0.5, 70, 170, 8.0);
        assert!(decodes(&img, &text), "{name} camera-like, 4 px/module");
        let img = degrade::camera_like(&text, 3, 8.0, 0.0, 0.5, 70, 170, 8.0);
        assert!(decodes(&img, &text), "{name} camera-like, 3 px/module");
    }
}
