//! Visitor-log insert rate on disk: `record_scan` of personal QR codes (distinct people) and
//! `manual_entry` (which also seals), each a durable transaction (WAL, `synchronous = FULL`)
//! that writes the entry and its outbox upload. Run with
//! `cargo bench -p quetma-core --bench visitor_log`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use quetma_core::business::{Direction, ScanOutcome};
use quetma_core::keys::fixtures::{sealing_key, trust_list};
use quetma_core::payload::personal::PersonalQr;
use quetma_core::payload::{ContactRecord, ContactSource, IdKind, Scanned, classify};
use quetma_core::store::{ManualClock, MemoryKeyVault, Settings, Store};

const T0: i64 = 1_790_000_000_000;
const N: usize = 2_000;
const RUNS: usize = 5;
const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
const MIDDLE: [&str; 4] = ["Văn", "Thị", "Đức", "Minh"];
const GIVEN: [&str; 8] = ["An", "Bình", "Cường", "Dung", "Em", "Giang", "Hoa", "Khánh"];

fn name(i: usize) -> String {
    format!(
        "{} {} {} {}",
        FAMILY[i % 8],
        MIDDLE[(i / 8) % 4],
        GIVEN[(i / 32) % 8],
        GIVEN[(i / 256) % 8]
    )
}

fn phone(i: usize) -> String {
    format!("09{:08}", i)
}

fn open(dir: &Path) -> Store {
    Store::open(
        dir,
        &MemoryKeyVault::new(),
        Settings::default(),
        Arc::new(ManualClock::new(T0)),
    )
    .unwrap()
    .store
}

struct Run {
    per_second: f64,
    latencies: Vec<Duration>,
}

fn run(label: &str, mut insert: impl FnMut(&Store, &str, usize) -> ScanOutcome) -> Vec<Run> {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let mut runs = Vec::new();
    for r in 0..RUNS {
        let dir = tempfile::tempdir_in(base).unwrap();
        let store = open(dir.path());
        let session = store
            .start_scanner_session(
                "HD-VQ-000123",
                "Nhà thuốc Minh Châu",
                "Cổng chính",
                Direction::Entry,
            )
            .unwrap();
        let mut latencies = Vec::with_capacity(N);
        let start = Instant::now();
        for i in 0..N {
            let t = Instant::now();
            let outcome = insert(&store, &session.id, i);
            latencies.push(t.elapsed());
            assert!(matches!(outcome, ScanOutcome::Recorded(_)), "{outcome:?}");
        }
        let total = start.elapsed();
        let per_second = N as f64 / total.as_secs_f64();
        println!(
            "{label}: run {}: {N} inserts in {:.2} s = {per_second:.0}/s",
            r + 1,
            total.as_secs_f64()
        );
        runs.push(Run {
            per_second,
            latencies,
        });
    }
    runs
}

fn report(label: &str, runs: &[Run]) {
    let mut rates: Vec<f64> = runs.iter().map(|r| r.per_second).collect();
    rates.sort_by(f64::total_cmp);
    let mut all: Vec<Duration> = runs
        .iter()
        .flat_map(|r| r.latencies.iter().copied())
        .collect();
    all.sort();
    let pct = |p: f64| all[((all.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
    println!(
        "{label}: median {:.0} entries/s over {RUNS} runs of {N} (min {:.0}, max {:.0}); per insert p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1],
        pct(0.50),
        pct(0.95),
        pct(0.99),
    );
}

fn main() {
    let key = sealing_key();
    let trust = trust_list();

    // Personal QR codes of distinct people, made and classified before timing.
    let scans: Vec<Scanned> = (0..N)
        .map(|i| {
            let record = ContactRecord {
                full_name: name(i),
                id_number: Some(format!("0010990{:05}", i)),
                id_kind: Some(IdKind::Cccd),
                phone: Some(phone(i)),
                birth_year: Some(1950 + (i % 60) as u16),
                source: ContactSource::PersonalQr,
            };
            let q = PersonalQr::new(&record, None, key.public(), T0 / 1000).unwrap();
            classify(&q.encode(), &trust)
        })
        .collect();
    assert!(scans.iter().all(|s| matches!(s, Scanned::Personal(_))));

    let scan_runs = run("record_scan (personal QR)", |store, session, i| {
        store.record_scan(session, &scans[i], key.public()).unwrap()
    });
    let manual_runs = run("manual_entry (seals)", |store, session, i| {
        store
            .manual_entry(
                session,
                &name(i),
                Some(&phone(i)),
                None,
                Some(1980),
                key.public(),
            )
            .unwrap()
    });

    // Duplicate look-ups against a full log: the dedupe index, no write.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = open(dir.path());
    let session = store
        .start_scanner_session(
            "HD-VQ-000123",
            "Nhà thuốc Minh Châu",
            "Cổng chính",
            Direction::Entry,
        )
        .unwrap();
    for s in &scans {
        store.record_scan(&session.id, s, key.public()).unwrap();
    }
    let start = Instant::now();
    for s in &scans {
        let outcome = store.record_scan(&session.id, s, key.public()).unwrap();
        assert!(matches!(outcome, ScanOutcome::Duplicate { .. }));
    }
    let dup_rate = N as f64 / start.elapsed().as_secs_f64();

    println!();
    report("record_scan (personal QR)", &scan_runs);
    report("manual_entry (seals)", &manual_runs);
    println!("duplicate scans against {N} entries: {dup_rate:.0}/s");
}
