//! Scanner benchmark on the shared QR photo corpus, side by side with zxing-cpp.
//!
//! `cargo bench -p quetma-core --bench scan_corpus` prints, as markdown:
//! - decode rate per set and overall (structured-append parts apart, as in the corpus test);
//! - milliseconds per image, median and p95, on each image at its own size ("native");
//! - milliseconds per 1280×720 frame: each image scaled (aspect kept, bilinear) to fit a
//!   1280×720 luma frame and letterboxed with black, the size a phone camera analyser delivers;
//! - the cost of an EMPTY 1280×720 frame (a textured scene with no code), where every pass of
//!   the cascade runs, with the full cascade and with the camera budget of 2 passes per frame.
//!
//! When `python3 -c 'import zxingcpp'` works, `scripts/zxing_cpp_bench.py` times
//! `zxingcpp.read_barcodes` (QR only, library defaults) on the very same luma buffers, and the
//! table adds its figures and the ratio QuetMa / zxing-cpp. Timings are single-threaded.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on setup

#[path = "../tests/support/corpus.rs"]
mod corpus;

use std::collections::BTreeMap;
use std::io::Write;
use std::num::NonZeroUsize;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use corpus::Entry;
use image::GrayImage;
use quetma_core::keys::TrustList;
use quetma_core::scan::{LumaFrame, Scanner, ScannerConfig};

const FRAME_W: u32 = 1280;
const FRAME_H: u32 = 720;
const EMPTY_REPEAT: usize = 30;

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

fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let idx = ((v.len() - 1) as f64 * p).round() as usize;
    v[idx]
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
                m.ok.push(
                    item.entry
                        .as_ref()
                        .is_some_and(|e| corpus::judge(e, &texts).ok()),
                );
            }
            m
        })
        .collect()
}

fn zxing_cpp_available() -> bool {
    Command::new("python3")
        .args(["-c", "import zxingcpp"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_zxing_cpp(items: &[Item], tmp: &Path) -> Option<(String, Vec<Measure>)> {
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
    let out = Command::new("python3")
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

fn main() {
    let Some(dir) = corpus::dir_or_skip("scan_corpus bench") else {
        return;
    };
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

    let full = ScannerConfig::default();
    let budget = ScannerConfig {
        max_passes_per_frame: NonZeroUsize::new(2),
        ..ScannerConfig::default()
    };
    let raw_only = ScannerConfig {
        passes: vec![quetma_core::scan::Pass::Raw],
        ..ScannerConfig::default()
    };
    let sets = [("native", &native), ("frame", &frames), ("empty", &empty)];
    let mut q: BTreeMap<&str, Vec<Measure>> = BTreeMap::new();
    for (name, items) in sets {
        let t = Instant::now();
        q.insert(name, run_quetma(items, &full));
        println!("QuetMa {name}: {:.1} s", t.elapsed().as_secs_f64());
    }
    let q_empty_budget = run_quetma(&empty, &budget);
    let q_empty_raw = run_quetma(&empty, &raw_only);
    let q_native_raw = run_quetma(&native, &raw_only);

    let mut z: BTreeMap<&str, Vec<Measure>> = BTreeMap::new();
    let mut z_version = None;
    if zxing_cpp_available() {
        let tmp = tempfile::tempdir().unwrap();
        for (name, items) in sets {
            let sub = tmp.path().join(name);
            std::fs::create_dir_all(&sub).unwrap();
            let t = Instant::now();
            if let Some((v, m)) = run_zxing_cpp(items, &sub) {
                z.insert(name, m);
                z_version = Some(v);
            }
            println!("zxing-cpp {name}: {:.1} s", t.elapsed().as_secs_f64());
        }
    } else {
        println!(
            "zxing-cpp not importable by python3: QuetMa figures only (pip install zxing-cpp)"
        );
    }

    let mut o = std::io::stdout().lock();
    writeln!(
        o,
        "\n### Decode rate (structured-append parts of zxingcpp-qrcode-7 excluded)\n"
    )
    .unwrap();
    writeln!(
        o,
        "zxing-cpp {}\n\n| set | images | QuetMa native | zxing-cpp native | QuetMa 1280×720 | zxing-cpp 1280×720 | rqrr raw pass only |",
        z_version.as_deref().unwrap_or("n/a")
    )
    .unwrap();
    writeln!(o, "|---|---:|---:|---:|---:|---:|---:|").unwrap();
    let qn = rates(&native, &q["native"]);
    let qf = rates(&frames, &q["frame"]);
    let qr = rates(&native, &q_native_raw);
    let zn = z.get("native").map(|m| rates(&native, m));
    let zf = z.get("frame").map(|m| rates(&frames, m));
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
            "| {label} | {n} | {} | {} | {} | {} | {} |",
            cell(Some(&qn), k),
            cell(zn.as_ref(), k),
            cell(Some(&qf), k),
            cell(zf.as_ref(), k),
            cell(Some(&qr), k)
        )
        .unwrap();
    }

    writeln!(o, "\n### Time per image (ms, single thread)\n").unwrap();
    writeln!(o, "| case | QuetMa median | QuetMa p95 | zxing-cpp median | zxing-cpp p95 | median ratio QuetMa / zxing-cpp |").unwrap();
    writeln!(o, "|---|---:|---:|---:|---:|---:|").unwrap();
    let row = |o: &mut std::io::StdoutLock, label: &str, qm: &[f64], zm: Option<&Vec<f64>>| {
        let (qmed, qp95) = (percentile(qm, 0.5), percentile(qm, 0.95));
        let (zmed, zp95) = zm.map_or((f64::NAN, f64::NAN), |z| {
            (percentile(z, 0.5), percentile(z, 0.95))
        });
        writeln!(
            o,
            "| {label} | {qmed:.2} | {qp95:.2} | {zmed:.2} | {zp95:.2} | {:.2} |",
            qmed / zmed
        )
        .unwrap();
    };
    let zn_ms = z.get("native").map(|m| all_ms(m));
    let zf_ms = z.get("frame").map(|m| all_ms(m));
    let ze_ms = z.get("empty").map(|m| all_ms(m));
    row(
        &mut o,
        "corpus image, native size",
        &all_ms(&q["native"]),
        zn_ms.as_ref(),
    );
    row(
        &mut o,
        "corpus image in a 1280×720 frame",
        &all_ms(&q["frame"]),
        zf_ms.as_ref(),
    );
    row(
        &mut o,
        "empty 1280×720 frame, full cascade",
        &all_ms(&q["empty"]),
        ze_ms.as_ref(),
    );
    row(
        &mut o,
        "empty 1280×720 frame, budget 2 passes/frame",
        &all_ms(&q_empty_budget),
        ze_ms.as_ref(),
    );
    row(
        &mut o,
        "empty 1280×720 frame, raw pass only",
        &all_ms(&q_empty_raw),
        ze_ms.as_ref(),
    );

    // Which pass decoded (native images, default cascade) — shows what each pass adds.
    let mut scanner = Scanner::new(full.clone(), TrustList::new());
    let mut by_pass: BTreeMap<String, usize> = BTreeMap::new();
    for item in &native {
        let e = item.entry.as_ref().unwrap();
        if e.structured_part {
            continue;
        }
        let frame =
            LumaFrame::packed(item.luma.as_raw(), item.luma.width(), item.luma.height()).unwrap();
        if let Some(c) = scanner
            .decode(&frame)
            .into_iter()
            .find(|c| corpus::judge(e, std::slice::from_ref(&c.text)).ok())
        {
            *by_pass.entry(c.pass.to_string()).or_default() += 1;
        }
    }
    writeln!(
        o,
        "\n### Decodes by first successful pass (native, default cascade)\n"
    )
    .unwrap();
    for pass in &full.passes {
        writeln!(
            o,
            "- {pass}: {}",
            by_pass.get(&pass.to_string()).copied().unwrap_or(0)
        )
        .unwrap();
    }
    writeln!(o, "- contained rqrr panics: {}", scanner.contained_panics()).unwrap();
}
