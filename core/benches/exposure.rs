//! Exposure matching benchmark (issue 5): 10 000 notices × 1 000 visits, in memory (index by
//! venue, then match) and through the store (a full signed list stored and matched in one
//! transaction on a real SQLCipher file, and a re-match of the cached notices).
//!
//! `cargo bench -p quetma-core --bench exposure`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use quetma_core::api::{ExposureLevel, ExposureList, ExposureNotice};
use quetma_core::citizen::{NewProfile, Relation};
use quetma_core::exposure::{NoticeIndex, VisitWindow};
use quetma_core::store::{DAY_MS, MINUTE_MS, ManualClock, MemoryKeyVault, Settings, Store};

const NOTICES: usize = 10_000;
const VISITS: usize = 1_000;
/// Distinct venues the notices and visits fall on (a district's worth).
const VENUES: u64 = 2_000;
const T0: i64 = 1_789_948_800_000;
const RUNS: usize = 9;

fn median(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(|a, b| a.total_cmp(b));
    (ms[0], ms[ms.len() / 2], ms[ms.len() - 1])
}

fn report(name: &str, ms: Vec<f64>, extra: &str) {
    let (min, med, max) = median(ms);
    println!(
        "{name:<52} runs={RUNS}  median {med:>9.3} ms  min {min:>9.3}  max {max:>9.3}  {extra}"
    );
}

/// A small deterministic generator (xorshift), so runs compare.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn notices(rng: &mut Rng) -> Vec<ExposureNotice> {
    (0..NOTICES)
        .map(|i| {
            let start = T0 + (rng.below(21 * 24 * 60) as i64) * MINUTE_MS;
            ExposureNotice {
                id: format!("N{i:06}"),
                venue_id: format!("V-{}", rng.below(VENUES)),
                start,
                end: start + (30 + rng.below(180) as i64) * MINUTE_MS,
                tail_ms: 30 * MINUTE_MS,
                min_overlap_ms: 15 * MINUTE_MS,
                level: if i % 3 == 0 {
                    ExposureLevel::High
                } else {
                    ExposureLevel::Low
                },
                guidance_vi: "Theo dõi sức khoẻ 14 ngày".into(),
                guidance_en: "Watch your health for 14 days".into(),
                published_at: start,
                seq: i as i64 + 1,
                withdrawn: false,
            }
        })
        .collect()
}

fn visits(rng: &mut Rng) -> Vec<VisitWindow> {
    (0..VISITS)
        .map(|i| {
            let start = T0 + (rng.below(21 * 24 * 60) as i64) * MINUTE_MS;
            VisitWindow {
                visit_id: format!("VIS{i}"),
                profile_id: "P".into(),
                venue_id: format!("V-{}", rng.below(VENUES)),
                start,
                end: start + (20 + rng.below(120) as i64) * MINUTE_MS,
            }
        })
        .collect()
}

fn main() {
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let ns = notices(&mut rng);
    let vs = visits(&mut rng);

    // In memory: index the notices by venue, then match every visit.
    let mut build = Vec::new();
    let mut matching = Vec::new();
    let mut found = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let idx = NoticeIndex::new(ns.clone());
        build.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        found = idx.matches(&vs).len();
        matching.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!("exposure matching: {NOTICES} notices × {VISITS} visits over {VENUES} venues");
    report("in memory: index 10 000 notices by venue", build, "");
    report(
        "in memory: match 1 000 visits",
        matching,
        &format!("({found} matches)"),
    );
    // The naive pairwise scan, for scale.
    let t = Instant::now();
    let mut naive = 0;
    for v in &vs {
        for n in &ns {
            if n.venue_id == v.venue_id
                && quetma_core::exposure::overlap(n, v.start, v.end).is_some()
            {
                naive += 1;
            }
        }
    }
    println!(
        "{:<52} once    {:>9.3} ms  ({naive} matches)",
        "naive pairwise scan (reference)",
        t.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(naive, found);

    // Store-backed: visits in a real encrypted store; a full list stored and matched.
    let mut store_apply = Vec::new();
    let mut store_rematch = Vec::new();
    let mut raised = 0;
    for _ in 0..RUNS {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(T0 + 22 * DAY_MS));
        let store = Store::open(
            dir.path(),
            &MemoryKeyVault::new(),
            Settings {
                retention_days: 60,
                ..Settings::default()
            },
            clock,
        )
        .unwrap()
        .store;
        let p = store
            .add_profile(&NewProfile {
                relation: Relation::Owner,
                full_name: "Nguyễn Văn An".into(),
                id_number: None,
                id_kind: None,
                phone: None,
                birth_year: Some(1999),
            })
            .unwrap();
        // seed_visits_for_bench spreads visits over venues V-0…V-4999; one every 30 minutes.
        store
            .seed_visits_for_bench(&p.id, VISITS, T0, 30 * MINUTE_MS)
            .unwrap();
        let list = ExposureList {
            issued_at: T0,
            since: 0,
            latest_seq: NOTICES as i64,
            notices: ns.clone(),
        };
        let t = Instant::now();
        let out = store.apply_exposure_list(&list).unwrap();
        store_apply.push(t.elapsed().as_secs_f64() * 1e3);
        raised = out.raised;
        let t = Instant::now();
        let again = store.match_exposures().unwrap();
        store_rematch.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(again.raised, 0, "no repeated alert");
    }
    report(
        "store: store a full list of 10 000 + match 1 000",
        store_apply,
        &format!("({raised} alerts)"),
    );
    report(
        "store: re-match cached notices (no new alert)",
        store_rematch,
        "",
    );
}
