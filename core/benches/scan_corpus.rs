//! Scanner benchmark on the shared QR photo corpus: every engine of ADR 0003 side by side with
//! zxing-cpp from PyPI, measured in one run on the same luma buffers.
//!
//! `cargo bench -p quetma-core --bench scan_corpus [--features bench-rxing]` prints, as
//! markdown, ONE engine table (decode rate, median and p95 ms per image, ratios to zxing-cpp
//! from PyPI) for: rqrr on the raw image, the former rqrr cascade, rxing (with the feature),
//! the zxing-cpp crate with its defaults, the QuetMa engine (the default cascade) and
//! zxing-cpp from PyPI (`zxingcpp.read_barcodes`, QR only, library defaults); then rates per
//! corpus set and on synthetic degradations (with the camera cascade too), the cost of an
//! EMPTY 1280×720 frame (a textured scene without a code) and of the 1280×720 letterboxed
//! corpus, and each pass's marginal contribution (the decodes lost without it).
//! `QUETMA_SCAN_BENCH_CSV=path` also writes every engine's time and result per image.
//!
//! zxing-cpp from PyPI runs through `scripts/zxing_cpp_bench.py` in a virtual environment the
//! bench makes once (`<target>/zxing-cpp-venv`, `pip install zxing-cpp==3.1.1`, the version the
//! crate bundles); `QUETMA_ZXING_PYTHON=/path/to/python` uses another interpreter. Without
//! network or `python3 -m venv` the PyPI row reads n/a. Timings are single-threaded.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on setup

#[path = "../tests/support/corpus.rs"]
mod corpus;
#[path = "../tests/support/degrade.rs"]
mod degrade;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use corpus::Entry;
use image::GrayImage;
use quetma_core::keys::TrustList;
use quetma_core::scan::{LumaFrame, Pass, Scanner, ScannerConfig};

const FRAME_W: u32 = 1280;
const FRAME_H: u32 = 720;
const EMPTY_REPEAT: usize = 30;
/// The PyPI release of zxing-cpp whose C++ sources the `zxing-cpp` crate bundles.
const ZXING_CPP_PYPI: &str = "zxing-cpp==3.1.1";

/// The rqrr cascade QuetMa used before ADR 0003 (raw, adaptive thresholds, Otsu, inverted,
/// 2× upscale), for the comparison row.
const RQRR_CASCADE: [Pass; 8] = [
    Pass::Raw,
    Pass::Adaptive {
        window_divisor: 48,
        percent: 10,
    },
    Pass::Adaptive {
        window_divisor: 8,
        percent: 15,
    },
    Pass::Adaptive {
        window_divisor: 8,
        percent: 5,
    },
    Pass::Otsu,
    Pass::Inverted,
    Pass::InvertedAdaptive {
        window_divisor: 48,
        percent: 10,
    },
    Pass::Upscale2,
];

struct Item {
    id: String,
    entry: Option<Entry>,
    luma: GrayImage,
    repeat: usize,
}

#[derive(Default, Clone)]
struct Measure {
    ms: Vec<f64>,
    ok: Vec<bool>,
}

fn letterbox(img: &GrayImage) -> GrayImage {
    let scale = (f64::from(FRAME_W) / f64::from(img.width()))
        .min(f64::from(FRAME_H) / f64::from(img.height()));
    let w = ((f64::from(img.width()) * scale).round() as u32).clamp(1, FRAME_W);
    let h = ((f64::from(img.height()) * scale).round() as u32).clamp(1, FRAME_H);
    let scaled = image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle);
    let mut out = GrayImage::new(FRAME_W, FRAME_H);
    image::imageops::overlay(
        &mut out,
        &scaled,
        i64::from((FRAME_W - w) / 2),
        i64::from((FRAME_H - h) / 2),
    );
    out
}

/// A deterministic textured scene without a code: a lighting gradient, clutter rectangles
/// (furniture, signs), fine stripes (text-like) and sensor noise.
fn empty_scene() -> GrayImage {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut img = GrayImage::from_fn(FRAME_W, FRAME_H, |x, y| {
        image::Luma([(60 + (x * 120 / FRAME_W) + (y * 50 / FRAME_H)) as u8])
    });
    for _ in 0..60 {
        let (x0, y0) = (
            (next() % u64::from(FRAME_W)) as u32,
            (next() % u64::from(FRAME_H)) as u32,
        );
        let (w, h) = (20 + (next() % 300) as u32, 10 + (next() % 200) as u32);
        let v = (next() % 256) as u8;
        let striped = next() % 3 == 0;
        for y in y0..(y0 + h).min(FRAME_H) {
            for x in x0..(x0 + w).min(FRAME_W) {
                let dark = striped && (y / 3) % 2 == 0 && (x / 5) % 3 != 0;
                img.put_pixel(x, y, image::Luma([if dark { v / 3 } else { v }]));
            }
        }
    }
    for p in img.pixels_mut() {
        let n = (next() % 9) as i16 - 4;
        p.0[0] = (i16::from(p.0[0]) + n).clamp(0, 255) as u8;
    }
    img
}

/// Per-image figures of every engine (`QUETMA_SCAN_BENCH_CSV=path`): id, then for each engine
/// its median ms over the repeats and whether it read the expected text.
fn write_per_image(path: &Path, items: &[Item], engines: &[(&str, &Vec<Measure>)]) {
    let mut csv = String::from("id");
    for (name, _) in engines {
        let name = name.replace([',', '*'], "");
        csv.push_str(&format!(",{name} ms,{name} ok"));
    }
    csv.push('\n');
    for (i, item) in items.iter().enumerate() {
        csv.push_str(&item.id.replace(',', "_"));
        for (_, m) in engines {
            let m = &m[i];
            let ok = m.ok.first().copied().unwrap_or(false);
            csv.push_str(&format!(",{:.4},{}", percentile(&m.ms, 0.5), u8::from(ok)));
        }
        csv.push('\n');
    }
    match std::fs::write(path, csv) {
        Ok(()) => println!("per-image figures: {}", path.display()),
        Err(e) => println!("per-image figures not written to {}: {e}", path.display()),
    }
}

fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let idx = ((v.len() - 1) as f64 * p).round() as usize;
    v[idx]
}

fn judge(item: &Item, texts: &[String]) -> bool {
    item.entry
        .as_ref()
        .is_some_and(|e| corpus::judge(e, texts).ok())
}

fn run_quetma(items: &[Item], config: &ScannerConfig) -> Vec<Measure> {
    let mut scanner = Scanner::new(config.clone(), TrustList::new());
    items
        .iter()
        .map(|item| {
            let frame =
                LumaFrame::packed(item.luma.as_raw(), item.luma.width(), item.luma.height())
                    .unwrap();
            let mut m = Measure::default();
            for _ in 0..item.repeat {
                let t = Instant::now();
                let codes = scanner.decode(&frame);
                m.ms.push(t.elapsed().as_secs_f64() * 1000.0);
                let texts: Vec<String> = codes.into_iter().map(|c| c.text).collect();
                m.ok.push(judge(item, &texts));
            }
            m
        })
        .collect()
}

/// The `zxing-cpp` crate called directly with the library's defaults (QR only, Plain text).
fn run_zxing_crate(items: &[Item]) -> Vec<Measure> {
    use zxingcpp::{BarcodeFormat, ImageFormat, ImageView, TextMode};
    items
        .iter()
        .map(|item| {
            let mut m = Measure::default();
            for _ in 0..item.repeat {
                let t = Instant::now();
                let texts: Vec<String> = ImageView::from_slice(
                    item.luma.as_raw(),
                    item.luma.width(),
                    item.luma.height(),
                    ImageFormat::Lum,
                )
                .and_then(|view| {
                    zxingcpp::read()
                        .formats([BarcodeFormat::QRCode])
                        .text_mode(TextMode::Plain)
                        .from(view)
                })
                .map(|v| v.iter().map(|b| b.text()).collect())
                .unwrap_or_default();
                m.ms.push(t.elapsed().as_secs_f64() * 1000.0);
                m.ok.push(judge(item, &texts));
            }
            m
        })
        .collect()
}

#[cfg(feature = "bench-rxing")]
fn run_rxing(items: &[Item]) -> Vec<Measure> {
    use std::collections::HashSet;
    items
        .iter()
        .map(|item| {
            let mut m = Measure::default();
            for _ in 0..item.repeat {
                let mut hints = rxing::DecodeHints {
                    PossibleFormats: Some(HashSet::from([rxing::BarcodeFormat::QR_CODE])),
                    TryHarder: Some(true),
                    ..Default::default()
                };
                let t = Instant::now();
                // rxing takes the luma by value: the copy is part of its cost.
                let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    rxing::helpers::detect_multiple_in_luma_with_hints(
                        item.luma.as_raw().clone(),
                        item.luma.width(),
                        item.luma.height(),
                        &mut hints,
                    )
                }));
                m.ms.push(t.elapsed().as_secs_f64() * 1000.0);
                let texts: Vec<String> = match found {
                    Ok(Ok(v)) => v.iter().map(|r| r.getText().to_owned()).collect(),
                    _ => Vec::new(),
                };
                m.ok.push(judge(item, &texts));
            }
            m
        })
        .collect()
}

/// A Python interpreter that can `import zxingcpp`: `$QUETMA_ZXING_PYTHON`, else a venv under
/// the target directory, made (and `zxing-cpp` installed from PyPI) on first use.
fn zxing_python() -> Option<PathBuf> {
    let importable = |py: &Path| {
        Command::new(py)
            .args(["-c", "import zxingcpp"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if let Some(py) = std::env::var_os("QUETMA_ZXING_PYTHON") {
        let py = PathBuf::from(py);
        return importable(&py).then_some(py);
    }
    let target = option_env!("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let venv = target.join("zxing-cpp-venv");
    let py = venv.join("bin/python");
    if importable(&py) {
        return Some(py);
    }
    println!(
        "installing {ZXING_CPP_PYPI} from PyPI into {} ...",
        venv.display()
    );
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(&py)
            .args(["-m", "pip", "install", "--quiet", ZXING_CPP_PYPI])
            .status()
            .is_ok_and(|s| s.success());
    if made && importable(&py) {
        Some(py)
    } else {
        println!("zxing-cpp from PyPI unavailable (no venv or no network): its row reads n/a");
        None
    }
}

fn run_zxing_cpp(python: &Path, items: &[Item], tmp: &Path) -> Option<(String, Vec<Measure>)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/zxing_cpp_bench.py");
    let mut manifest = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let raw = tmp.join(format!("{i}.gray"));
        std::fs::write(&raw, item.luma.as_raw()).unwrap();
        manifest.push(serde_json::json!({
            "id": item.id, "raw": raw, "w": item.luma.width(), "h": item.luma.height(),
            "repeat": item.repeat,
        }));
    }
    let manifest_path = tmp.join("manifest.json");
    std::fs::write(
        &manifest_path,
        serde_json::json!({ "items": manifest }).to_string(),
    )
    .unwrap();
    let out = Command::new(python)
        .arg(&script)
        .arg(&manifest_path)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "zxing-cpp script failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let version = v["zxing_cpp_version"].as_str().unwrap_or("?").to_owned();
    let results = v["results"].as_array()?;
    let measures = items
        .iter()
        .zip(results)
        .map(|(item, r)| {
            assert_eq!(r["id"].as_str(), Some(item.id.as_str()));
            let texts: Vec<String> = r["texts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap_or_default().to_owned())
                .collect();
            let ok = item
                .entry
                .as_ref()
                .is_some_and(|e| corpus::judge(e, &texts).ok());
            let ms: Vec<f64> = r["ms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            Measure {
                ok: vec![ok; ms.len()],
                ms,
            }
        })
        .collect();
    Some((version, measures))
}

fn rates(items: &[Item], m: &[Measure]) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (item, m) in items.iter().zip(m) {
        let Some(e) = &item.entry else { continue };
        if e.structured_part {
            continue;
        }
        for key in [e.set.clone(), "~overall".to_owned()] {
            let c = out.entry(key).or_default();
            c.0 += usize::from(m.ok.first().copied().unwrap_or(false));
            c.1 += 1;
        }
    }
    out
}

fn all_ms(m: &[Measure]) -> Vec<f64> {
    m.iter().flat_map(|m| m.ms.iter().copied()).collect()
}

fn load_items() -> Option<(Vec<Item>, Vec<Item>, Vec<Item>)> {
    let dir = corpus::dir_or_skip("scan_corpus bench")?;
    let entries = corpus::entries(&dir);
    println!("loading {} corpus images ...", entries.len());
    let native: Vec<Item> = entries
        .iter()
        .map(|e| Item {
            id: format!("{}/{}", e.set, e.name),
            luma: corpus::load_luma(&e.path),
            entry: Some(e.clone()),
            repeat: 1,
        })
        .collect();
    let frames: Vec<Item> = native
        .iter()
        .map(|n| Item {
            id: format!("frame:{}", n.id),
            luma: letterbox(&n.luma),
            entry: n.entry.clone(),
            repeat: 1,
        })
        .collect();
    let empty = vec![Item {
        id: "empty".into(),
        entry: None,
        luma: empty_scene(),
        repeat: EMPTY_REPEAT,
    }];
    Some((native, frames, empty))
}

/// Synthetic degradations (as `tests/scan_degraded.rs`): two QuetMa payloads rendered by
/// QuetMa's renderer, each degradation family over its levels, plus camera-like combinations
/// (rotation, tilt, blur, squeezed contrast, sensor noise on a 640×480 frame).
fn synthetic() -> Vec<Item> {
    use degrade::{Img, Rng};
    use quetma_core::render::EcLevel;
    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = Rng::new(0x5155_4554);
    let mut venue = String::from("HTTPS://QM.VN/V/");
    while venue.len() < 250 {
        venue.push(char::from(B32[(rng.next_u64() % 32) as usize]));
    }
    let cccd = "001098012345|012345678|Nguyễn Văn An|01011998|Nữ|Số 12 Ngõ 34 Phố Huế, \
                Phường Hai Bà Trưng, Hà Nội|15082021"
        .to_owned();
    type Family = (&'static str, Vec<f64>, Box<dyn Fn(&Img, f64) -> Img>);
    let families: Vec<Family> = vec![
        (
            "rotation",
            (0..30).map(|i| f64::from(i) * 3.0).collect(),
            Box::new(|img, d| degrade::rotate(img, d, 255)),
        ),
        (
            "perspective",
            vec![0.05, 0.1, 0.15, 0.2, 0.25, 0.3],
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
            "blur",
            vec![0.5, 1.0, 1.5, 2.0, 2.5],
            Box::new(degrade::blur),
        ),
        (
            "noise",
            vec![10.0, 20.0, 30.0, 40.0, 60.0, 80.0],
            Box::new(|img, s| degrade::noise(img, s, &mut Rng::new(42))),
        ),
        (
            "low-contrast",
            vec![40.0, 20.0, 10.0, 6.0],
            Box::new(|img, r| {
                let lo = (128.0 - r / 2.0) as u8;
                degrade::contrast(img, lo, lo + r as u8)
            }),
        ),
        (
            "shade",
            vec![0.6, 0.4, 0.25, 0.15],
            Box::new(|img, f| degrade::shade(img, 1.0, f)),
        ),
        (
            "inverted+noise",
            vec![0.0, 10.0, 20.0, 30.0, 40.0],
            Box::new(|img, s| degrade::noise(&degrade::invert(img), s, &mut Rng::new(7))),
        ),
    ];
    let mut out = Vec::new();
    let mut push = |family: &str, name: String, text: &str, img: Img| {
        out.push(Item {
            id: format!("synthetic/{family}/{name}"),
            entry: Some(Entry {
                set: format!("synthetic-{family}"),
                name,
                path: PathBuf::new(),
                expected: text.to_owned(),
                structured_part: false,
            }),
            luma: GrayImage::from_raw(img.w as u32, img.h as u32, img.data).unwrap(),
            repeat: 1,
        });
    };
    for (pname, text) in [("venue", &venue), ("cccd", &cccd)] {
        for px in [1usize, 2, 3] {
            let img = degrade::render(text, EcLevel::M, px);
            push("module-px", format!("{pname}-{px}"), text, img);
        }
        let base = degrade::render(text, EcLevel::M, 4);
        for (fname, levels, f) in &families {
            for &l in levels {
                push(fname, format!("{pname}-{l}"), text, f(&base, l));
            }
        }
        for px in [3usize, 4] {
            for deg in [0.0, 8.0] {
                for k in [0.0, 0.06] {
                    for sigma in [0.5, 0.8] {
                        for noise in [0.0, 8.0] {
                            let img = degrade::camera_like(text, px, deg, k, sigma, 70, 170, noise);
                            push(
                                "camera-like",
                                format!("{pname}-px{px}-deg{deg}-k{k}-blur{sigma}-noise{noise}"),
                                text,
                                img,
                            );
                        }
                    }
                }
            }
        }
    }
    out
}

fn only(passes: Vec<Pass>) -> ScannerConfig {
    ScannerConfig {
        passes,
        rqrr_fallback_max_pixels: u64::MAX,
        ..ScannerConfig::default()
    }
}

/// Which images (not structured-append parts) each pass reads on its own.
fn reads_alone(items: &[Item], pass: Pass) -> Vec<bool> {
    run_quetma(items, &only(vec![pass]))
        .iter()
        .map(|m| m.ok.first().copied().unwrap_or(false))
        .collect()
}

fn main() {
    let Some((native, frames, empty)) = load_items() else {
        return;
    };
    let counted: Vec<bool> = native
        .iter()
        .map(|i| i.entry.as_ref().is_some_and(|e| !e.structured_part))
        .collect();
    let total = counted.iter().filter(|&&c| c).count();

    // Every engine on the native images, one after the other, in this process.
    let mut rows: Vec<(String, Option<Vec<Measure>>)> = Vec::new();
    let timed = |name: &str, f: &dyn Fn() -> Vec<Measure>| {
        let t = Instant::now();
        let m = f();
        println!("{name}: {:.1} s", t.elapsed().as_secs_f64());
        m
    };
    rows.push((
        "rqrr plain (raw image)".into(),
        Some(timed("rqrr plain", &|| {
            run_quetma(&native, &only(vec![Pass::Raw]))
        })),
    ));
    rows.push((
        "rqrr + cascade (8 passes, pre-ADR 0003)".into(),
        Some(timed("rqrr cascade", &|| {
            run_quetma(&native, &only(RQRR_CASCADE.to_vec()))
        })),
    ));
    #[cfg(feature = "bench-rxing")]
    rows.push((
        "rxing 0.9 (try harder)".into(),
        Some(timed("rxing", &|| run_rxing(&native))),
    ));
    #[cfg(not(feature = "bench-rxing"))]
    rows.push(("rxing (run with --features bench-rxing)".into(), None));
    rows.push((
        "zxing-cpp crate 0.5 (library defaults, called directly)".into(),
        Some(timed("zxing-cpp crate", &|| run_zxing_crate(&native))),
    ));
    let full = ScannerConfig::default();
    rows.push((
        "**QuetMa engine** (default cascade)".into(),
        Some(timed("QuetMa", &|| run_quetma(&native, &full))),
    ));
    let q_frames = timed("QuetMa 1280x720", &|| run_quetma(&frames, &full));
    let budget = ScannerConfig::camera();
    let q_empty = run_quetma(&empty, &full);
    let q_empty_budget = run_quetma(&empty, &budget);
    let q_empty_first = run_quetma(&empty, &only(vec![Pass::Zxing]));
    let z_crate_empty = run_zxing_crate(&empty);
    let q_empty_nogate = run_quetma(
        &empty,
        &ScannerConfig {
            fallback_needs_finder: false,
            ..ScannerConfig::default()
        },
    );

    let synth = synthetic();
    let q_synth = timed("QuetMa synthetic", &|| run_quetma(&synth, &full));
    // The camera's cascade run in full on each still (on a stream it is spread over frames).
    let camera_all = ScannerConfig {
        max_passes_per_frame: None,
        ..ScannerConfig::camera()
    };
    let q_synth_camera = run_quetma(&synth, &camera_all);
    let q_synth_first = run_zxing_crate(&synth);

    let mut z_version = None;
    let (mut z_native, mut z_frames, mut z_empty, mut z_synth) = (None, None, None, None);
    if let Some(python) = zxing_python() {
        let tmp = tempfile::tempdir().unwrap();
        for (name, items, slot) in [
            ("native", &native, &mut z_native),
            ("frame", &frames, &mut z_frames),
            ("empty", &empty, &mut z_empty),
            ("synthetic", &synth, &mut z_synth),
        ] {
            let sub = tmp.path().join(name);
            std::fs::create_dir_all(&sub).unwrap();
            let t = Instant::now();
            if let Some((v, m)) = run_zxing_cpp(&python, items, &sub) {
                *slot = Some(m);
                z_version = Some(v);
            }
            println!(
                "zxing-cpp (PyPI) {name}: {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
    }
    rows.push((
        format!(
            "zxing-cpp {} (PyPI, `read_barcodes` defaults)",
            z_version.as_deref().unwrap_or("n/a")
        ),
        z_native.clone(),
    ));

    let mut o = std::io::stdout().lock();
    let (zmed, zp95) = z_native.as_ref().map_or((f64::NAN, f64::NAN), |m| {
        let ms = all_ms(m);
        (percentile(&ms, 0.5), percentile(&ms, 0.95))
    });
    writeln!(
        o,
        "\n### Engines on the corpus ({total} images at native size; structured-append parts \
         apart), one run, single thread\n"
    )
    .unwrap();
    writeln!(
        o,
        "| engine | decoded | rate | median ms | p95 ms | median / zxing-cpp | p95 / zxing-cpp |"
    )
    .unwrap();
    writeln!(o, "|---|---:|---:|---:|---:|---:|---:|").unwrap();
    for (name, m) in &rows {
        let Some(m) = m else {
            writeln!(o, "| {name} | n/a | n/a | n/a | n/a | n/a | n/a |").unwrap();
            continue;
        };
        let ok = m
            .iter()
            .zip(&counted)
            .filter(|(m, c)| **c && m.ok.first().copied().unwrap_or(false))
            .count();
        let ms = all_ms(m);
        let (med, p95) = (percentile(&ms, 0.5), percentile(&ms, 0.95));
        writeln!(
            o,
            "| {name} | {ok}/{total} | {:.1}% | {med:.3} | {p95:.3} | {:.2}× | {:.2}× |",
            100.0 * ok as f64 / total as f64,
            med / zmed,
            p95 / zp95
        )
        .unwrap();
    }

    if let Some(path) = std::env::var_os("QUETMA_SCAN_BENCH_CSV") {
        write_per_image(
            Path::new(&path),
            &native,
            &rows
                .iter()
                .filter_map(|(name, m)| Some((name.as_str(), m.as_ref()?)))
                .collect::<Vec<_>>(),
        );
    }

    writeln!(o, "\n### Decode rate per set, QuetMa vs zxing-cpp (PyPI)\n").unwrap();
    writeln!(
        o,
        "| set | images | QuetMa native | zxing-cpp native | QuetMa 1280×720 | zxing-cpp 1280×720 |"
    )
    .unwrap();
    writeln!(o, "|---|---:|---:|---:|---:|---:|").unwrap();
    let q_native = rows
        .iter()
        .find(|r| r.0.starts_with("**QuetMa"))
        .and_then(|r| r.1.clone())
        .unwrap();
    let qn = rates(&native, &q_native);
    let qf = rates(&frames, &q_frames);
    let zn = z_native.as_ref().map(|m| rates(&native, m));
    let zf = z_frames.as_ref().map(|m| rates(&frames, m));
    let cell = |r: Option<&BTreeMap<String, (usize, usize)>>, k: &str| {
        r.and_then(|r| r.get(k)).map_or("n/a".to_owned(), |(a, b)| {
            format!("{a} ({:.1}%)", 100.0 * *a as f64 / *b as f64)
        })
    };
    for (k, (_, n)) in &qn {
        let label = if k == "~overall" {
            "**overall**"
        } else {
            k.as_str()
        };
        writeln!(
            o,
            "| {label} | {n} | {} | {} | {} | {} |",
            cell(Some(&qn), k),
            cell(zn.as_ref(), k),
            cell(Some(&qf), k),
            cell(zf.as_ref(), k),
        )
        .unwrap();
    }

    writeln!(
        o,
        "\n### Synthetic degradations ({} images: 2 payloads × families × levels)\n",
        synth.len()
    )
    .unwrap();
    writeln!(
        o,
        "| family | images | QuetMa | QuetMa camera cascade (all passes) | zxing-cpp crate (defaults) | zxing-cpp (PyPI) |"
    )
    .unwrap();
    writeln!(o, "|---|---:|---:|---:|---:|---:|").unwrap();
    let qs = rates(&synth, &q_synth);
    let q1 = rates(&synth, &q_synth_first);
    let qc = rates(&synth, &q_synth_camera);
    let zs = z_synth.as_ref().map(|m| rates(&synth, m));
    for (k, (_, n)) in &qs {
        let label = if k == "~overall" {
            "**overall**"
        } else {
            k.as_str()
        };
        writeln!(
            o,
            "| {label} | {n} | {} | {} | {} | {} |",
            cell(Some(&qs), k),
            cell(Some(&qc), k),
            cell(Some(&q1), k),
            cell(zs.as_ref(), k),
        )
        .unwrap();
    }

    writeln!(o, "\n### Time per frame (ms, single thread)\n").unwrap();
    writeln!(
        o,
        "| case | QuetMa median | QuetMa p95 | zxing-cpp median | zxing-cpp p95 | median ratio |"
    )
    .unwrap();
    writeln!(o, "|---|---:|---:|---:|---:|---:|").unwrap();
    let row = |o: &mut std::io::StdoutLock, label: &str, qm: &[f64], zm: Option<&Vec<f64>>| {
        let (qmed, qp95) = (percentile(qm, 0.5), percentile(qm, 0.95));
        let (zmed, zp95) = zm.map_or((f64::NAN, f64::NAN), |z| {
            (percentile(z, 0.5), percentile(z, 0.95))
        });
        writeln!(
            o,
            "| {label} | {qmed:.2} | {qp95:.2} | {zmed:.2} | {zp95:.2} | {:.2}× |",
            qmed / zmed
        )
        .unwrap();
    };
    let zf_ms = z_frames.as_ref().map(|m| all_ms(m));
    let ze_ms = z_empty.as_ref().map(|m| all_ms(m));
    row(
        &mut o,
        "corpus image letterboxed in a 1280×720 frame",
        &all_ms(&q_frames),
        zf_ms.as_ref(),
    );
    row(
        &mut o,
        "EMPTY 1280×720 frame, default cascade (finder-gated)",
        &all_ms(&q_empty),
        ze_ms.as_ref(),
    );
    row(
        &mut o,
        "EMPTY 1280×720 frame, camera budget 2 passes/frame",
        &all_ms(&q_empty_budget),
        ze_ms.as_ref(),
    );
    row(
        &mut o,
        "EMPTY 1280×720 frame, first pass (zxing-cpp, no invert retry) only",
        &all_ms(&q_empty_first),
        ze_ms.as_ref(),
    );
    row(
        &mut o,
        "EMPTY 1280×720 frame, zxing-cpp crate with library defaults",
        &all_ms(&z_crate_empty),
        ze_ms.as_ref(),
    );
    row(
        &mut o,
        "EMPTY 1280×720 frame, whole cascade without the finder gate",
        &all_ms(&q_empty_nogate),
        ze_ms.as_ref(),
    );

    // Marginal contributions: the decodes lost when a pass leaves the camera's cascade (the
    // default one, the sharpen pass and rqrr) run in full, and per engine.
    let passes = Pass::CAMERA_CASCADE.to_vec();
    let alone: Vec<Vec<bool>> = passes.iter().map(|&p| reads_alone(&native, p)).collect();
    let union_without = |skip: &dyn Fn(usize) -> bool| {
        (0..native.len())
            .filter(|&i| counted[i] && (0..passes.len()).any(|j| !skip(j) && alone[j][i]))
            .count()
    };
    let all = union_without(&|_| false);
    writeln!(
        o,
        "\n### Marginal contribution of each pass (the camera cascade — the default one, \
         sharpen, rqrr — run in full reads {all}/{total})\n"
    )
    .unwrap();
    writeln!(o, "| pass | engine | reads alone | lost without it |").unwrap();
    writeln!(o, "|---|---|---:|---:|").unwrap();
    let is_zxing = |p: Pass| !p.is_rqrr();
    for (j, &p) in passes.iter().enumerate() {
        let reads = (0..native.len())
            .filter(|&i| counted[i] && alone[j][i])
            .count();
        let lost = all - union_without(&|k| k == j);
        let engine = if is_zxing(p) { "zxing-cpp" } else { "rqrr" };
        writeln!(o, "| {p} | {engine} | {reads} | {lost} |").unwrap();
    }
    let without_rqrr = union_without(&|k| !is_zxing(passes[k]));
    let without_zxing = union_without(&|k| is_zxing(passes[k]));
    writeln!(
        o,
        "| *all rqrr passes* | rqrr | {without_zxing} | {} |\n| *all zxing-cpp passes* | zxing-cpp | {without_rqrr} | {} |",
        all - without_rqrr,
        all - without_zxing
    )
    .unwrap();
}
