//! The app flows' budgets (issue 12), on one core, real SQLCipher store in a temporary folder:
//! - scan guidance on an empty 1280 × 720 frame: the flow's frame call against the scanner's
//!   decode alone (the difference is what guidance adds);
//! - poster frame → decoded → confirm screen → check-in committed (the user's tap included);
//! - the business scanner: frames with a new visitor's personal QR each, recorded and counted.
//!
//! `cargo bench -p quetma-core --bench app_flows`

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/degrade.rs"]
mod degrade;

use std::sync::Arc;
use std::time::{Duration, Instant};

use quetma_core::api::EnrolResponse;
use quetma_core::app::{
    App, AppOptions, AppTask, DisplayInfo, JobOutcome, Language, Route, UiEvent,
};
use quetma_core::citizen::{NewProfile, Relation};
use quetma_core::keys::fixtures::{sealing_key, signing_key, trust_list};
use quetma_core::payload::venue::{self, fixtures};
use quetma_core::render::EcLevel;
use quetma_core::scan::{LumaFrame, Rotation, Scanner, ScannerConfig};
use quetma_core::store::{ManualClock, MemoryKeyVault, Settings, Store};

const T0: i64 = 1_790_000_000_000;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(name: &str, mut ms: Vec<f64>) -> f64 {
    ms.sort_by(|a, b| a.total_cmp(b));
    let median = percentile(&ms, 0.5);
    println!(
        "{name:<58} n={:>4}  median {:>8.3} ms  p95 {:>8.3} ms",
        ms.len(),
        median,
        percentile(&ms, 0.95)
    );
    median
}

fn app(dir: &std::path::Path, clock: &Arc<ManualClock>, server: Option<&str>) -> App {
    let store = Store::open(
        dir,
        &MemoryKeyVault::new(),
        Settings::default(),
        clock.clone(),
    )
    .unwrap()
    .store;
    App::new(
        store,
        trust_list(),
        sealing_key().public().clone(),
        None,
        AppOptions {
            server_url: server.map(str::to_owned),
            language: Language::Vi,
            display: DisplayInfo::default(),
        },
    )
}

fn person(relation: Relation, name: &str) -> NewProfile {
    NewProfile {
        relation,
        full_name: name.into(),
        id_number: None,
        id_kind: None,
        phone: Some("0912345678".into()),
        birth_year: Some(1990),
    }
}

fn frame(text: &str, module_px: usize) -> Vec<u8> {
    degrade::pad_to(
        &degrade::render(text, EcLevel::M, module_px),
        1280,
        720,
        200,
    )
    .data
}

fn main() {
    let clock = Arc::new(ManualClock::new(T0));

    // 1. Guidance on an empty frame.
    let empty: Vec<u8> = {
        let mut rng = degrade::Rng::new(7);
        (0..1280 * 720)
            .map(|_| 120 + (rng.next_u64() % 16) as u8)
            .collect()
    };
    let f = LumaFrame::new(&empty, 1280, 720, 1280, Rotation::Deg0).unwrap();
    let mut scanner = Scanner::new(ScannerConfig::camera(), trust_list());
    let mut decode_only = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        std::hint::black_box(scanner.scan(&f));
        decode_only.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), &clock, None);
    a.dispatch(UiEvent::Navigate { route: Route::Scan });
    a.dispatch(UiEvent::CameraPermission { granted: true });
    let mut with_guidance = Vec::new();
    for _ in 0..200 {
        clock.advance(Duration::from_millis(33));
        let t = Instant::now();
        std::hint::black_box(a.frame(&f));
        with_guidance.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let d = summary("empty 1280x720 frame: scanner decode alone", decode_only);
    let g = summary(
        "empty 1280x720 frame: flow frame (decode + guidance)",
        with_guidance,
    );
    println!(
        "{:<58} {:>+8.3} ms (goal: at most 1 ms)",
        "guidance adds (median difference)",
        g - d
    );

    // 2. Poster frame → confirm → check-in committed.
    let poster = venue::encode(
        &fixtures::hadong_pharmacy(),
        &signing_key(),
        "https://qr.hadong.gov.vn",
    )
    .unwrap();
    let poster_frame = frame(&poster, 8);
    let pf = LumaFrame::new(&poster_frame, 1280, 720, 1280, Rotation::Deg0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), &clock, None);
    a.store()
        .add_profile(&person(Relation::Owner, "Nguyễn Văn An"))
        .unwrap();
    a.dispatch(UiEvent::CameraPermission { granted: true });
    let mut journey = Vec::new();
    for _ in 0..100 {
        a.dispatch(UiEvent::Navigate { route: Route::Scan });
        clock.advance(Duration::from_secs(120));
        let t = Instant::now();
        let u = a.frame(&pf).expect("the poster reads");
        assert_eq!(u.route, Route::Confirm);
        let u = a.dispatch(UiEvent::ConfirmCheckIn);
        assert_eq!(u.route, Route::CheckedIn);
        journey.push(t.elapsed().as_secs_f64() * 1e3);
        a.dispatch(UiEvent::Done);
    }
    summary(
        "poster frame -> confirm -> check-in committed (goal 10 ms)",
        journey,
    );

    // 3. Business scanner: a new visitor's personal QR in each frame.
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), &clock, Some("https://qr.hadong.gov.vn"));
    a.dispatch(UiEvent::Navigate {
        route: Route::BusinessEnrol,
    });
    a.prepare_task(AppTask::Enrol {
        code: "X".repeat(20),
    })
    .unwrap();
    a.finish_task(JobOutcome::Enrolled(Ok(EnrolResponse {
        venue_id: "HD-VQ-000123".into(),
        venue_name: "Nhà thuốc Minh Châu".into(),
        checkpoint: "Cổng chính".into(),
        scanner_token: "T".repeat(43),
    })));
    a.dispatch(UiEvent::StartScanning);
    a.dispatch(UiEvent::CameraPermission { granted: true });
    let vdir = tempfile::tempdir().unwrap();
    let visitors = Store::open(
        vdir.path(),
        &MemoryKeyVault::new(),
        Settings::default(),
        clock.clone(),
    )
    .unwrap()
    .store;
    let mut frames = Vec::new();
    for i in 0..100 {
        let rel = if i == 0 {
            Relation::Owner
        } else {
            Relation::Other
        };
        let id = visitors
            .add_profile(&person(
                rel,
                &format!("Khách Thứ {}", ["Nhất", "Hai", "Ba", "Tư", "Năm"][i % 5]),
            ))
            .unwrap()
            .id;
        let text = visitors
            .personal_qr(&id, sealing_key().public())
            .unwrap()
            .encode();
        frames.push(frame(&text, 3));
    }
    let mut per_visitor = Vec::new();
    let t_all = Instant::now();
    for luma in &frames {
        clock.advance(Duration::from_millis(100));
        let f = LumaFrame::new(luma, 1280, 720, 1280, Rotation::Deg0).unwrap();
        let t = Instant::now();
        assert!(a.frame(&f).is_some());
        per_visitor.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let total = t_all.elapsed().as_secs_f64();
    summary(
        "business: frame with a new visitor -> recorded, counted",
        per_visitor,
    );
    println!(
        "{:<58} {:>8.1} visitors/s (goal: 10)",
        "business scanner throughput, one thread",
        frames.len() as f64 / total
    );
}
