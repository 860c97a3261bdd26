//! Store benchmarks (issue 3): frame → stored check-in latency, history query and purge with
//! 100 000 visits, on a real SQLCipher file in a temporary folder.
//!
//! `cargo bench -p quetma-core --bench store`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use quetma_core::citizen::visits::CheckInOptions;
use quetma_core::citizen::{NewProfile, Relation};
use quetma_core::keys::fixtures::{sealing_key, signing_key, trust_list};
use quetma_core::payload::Scanned;
use quetma_core::payload::venue::{self, fixtures};
use quetma_core::render::{EcLevel, QrMatrix, screen_bitmap};
use quetma_core::scan::{LumaFrame, Scanner, ScannerConfig};
use quetma_core::store::{DAY_MS, ManualClock, MemoryKeyVault, Settings, Store};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{name:<48} n={:>5}  median {:>8.3} ms  p95 {:>8.3} ms",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.95)
    );
}

fn owner() -> NewProfile {
    NewProfile {
        relation: Relation::Owner,
        full_name: "Nguyễn Văn An".into(),
        id_number: Some("001099012345".into()),
        id_kind: None,
        phone: Some("0912345678".into()),
        birth_year: Some(1999),
    }
}

/// A 1280×720 luma frame with the poster's QR drawn about 300 px wide, as a phone held at
/// arm's length sees a 15 cm poster.
fn poster_frame(text: &str) -> (Vec<u8>, u32, u32) {
    let (w, h) = (1280u32, 720u32);
    let qr = QrMatrix::encode(text, EcLevel::Q).unwrap();
    // 300 px for the symbol ≈ 4 px a module at version 13.
    let bmp = screen_bitmap(&qr, 300.0 / (150.0 / 25.4), 150.0);
    let mut frame = vec![200u8; (w * h) as usize];
    let (ox, oy) = ((w - bmp.width_px) / 2, (h - bmp.width_px) / 2);
    for y in 0..bmp.width_px {
        for x in 0..bmp.width_px {
            frame[((oy + y) * w + ox + x) as usize] = bmp.luma[(y * bmp.width_px + x) as usize];
        }
    }
    (frame, w, h)
}

fn main() {
    let t0 = 1_790_000_000_000i64;
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0));
    let store = Store::open(
        dir.path(),
        &MemoryKeyVault::new(),
        Settings::default(),
        clock.clone(),
    )
    .unwrap()
    .store;
    let me = store.add_profile(&owner()).unwrap();

    // 1. Frame → stored check-in.
    let text = venue::encode(
        &fixtures::hadong_pharmacy(),
        &signing_key(),
        fixtures::BASE_URL,
    )
    .unwrap();
    let (frame, w, h) = poster_frame(&text);
    let mut scanner = Scanner::new(ScannerConfig::default(), trust_list());
    let (mut scan_ms, mut store_ms, mut total_ms) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..60 {
        clock.set(t0 + i * 3_600_000);
        let start = Instant::now();
        let luma = LumaFrame::packed(&frame, w, h).unwrap();
        let results = scanner.scan(&luma);
        let scanned = Instant::now();
        let Some(Scanned::Venue(poster)) = results.into_iter().next().map(|r| r.scanned) else {
            panic!("the poster frame did not scan")
        };
        store
            .check_in(
                &poster,
                std::slice::from_ref(&me.id),
                sealing_key().public(),
                CheckInOptions::default(),
            )
            .unwrap();
        let done = Instant::now();
        scan_ms.push((scanned - start).as_secs_f64() * 1e3);
        store_ms.push((done - scanned).as_secs_f64() * 1e3);
        total_ms.push((done - start).as_secs_f64() * 1e3);
    }
    println!("## Store benchmarks (SQLCipher, WAL, synchronous=FULL, temp folder on this disk)\n");
    summary("frame 1280x720 → decoded poster", scan_ms);
    summary("decoded poster → check-in committed", store_ms);
    summary("frame → stored check-in (total)", total_ms);

    // 2. 100 000 visits over the 21-day window (one every 18 s).
    let n = 100_000usize;
    let spacing = 21 * DAY_MS / n as i64;
    let start = t0 + DAY_MS;
    let seed = Instant::now();
    store
        .seed_visits_for_bench(&me.id, n, start, spacing)
        .unwrap();
    println!(
        "{:<48} {:.1} s",
        "seeding 100 000 visits (one transaction)",
        seed.elapsed().as_secs_f64()
    );
    clock.set(start + 21 * DAY_MS);
    let mut day_ms = Vec::new();
    for d in 0..21 {
        let from = start + d * DAY_MS;
        let q = Instant::now();
        let v = store
            .visits_between(Some(&me.id), from, from + DAY_MS)
            .unwrap();
        day_ms.push(q.elapsed().as_secs_f64() * 1e3);
        assert!(v.len() > 4000);
    }
    summary("one day of history (~4 760 visits)", day_ms);
    let mut all_ms = Vec::new();
    for _ in 0..3 {
        let q = Instant::now();
        let days = store.history_by_day(Some(&me.id)).unwrap();
        all_ms.push(q.elapsed().as_secs_f64() * 1e3);
        assert!(days.len() >= 20);
    }
    summary("history_by_day over 100 000 visits", all_ms);

    // 3. Purge a third of them (a week passes).
    clock.set(start + 28 * DAY_MS);
    let p = Instant::now();
    let report = store.purge().unwrap();
    let purge = p.elapsed();
    println!(
        "{:<48} {:.1} ms ({} visits removed)",
        "retention purge",
        purge.as_secs_f64() * 1e3,
        report.visits
    );
}
