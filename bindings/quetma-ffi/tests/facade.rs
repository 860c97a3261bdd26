//! The façade driven from Rust with Rust implementations of the foreign traits: the same
//! journeys the Kotlin and Swift suites walk, without a foreign runtime.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use quetma_core::keys::{files::PublicKeys, fixtures};
use quetma_core::payload::venue;
use quetma_core::render::{self, QUIET_ZONE_MODULES, QrMatrix};
use quetma_ffi::*;

#[derive(Default)]
struct Vault(Mutex<HashMap<String, Vec<u8>>>);

impl KeyVault for Vault {
    fn load_key(&self, alias: String) -> Result<Option<Vec<u8>>, QuetMaError> {
        Ok(self.0.lock().unwrap().get(&alias).cloned())
    }
    fn store_key(&self, alias: String, key: Vec<u8>) -> Result<(), QuetMaError> {
        self.0.lock().unwrap().insert(alias, key);
        Ok(())
    }
}

struct FixedClock(AtomicI64);

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Default)]
struct Events(Mutex<Vec<AppEvent>>);

impl EventListener for Events {
    fn on_event(&self, event: AppEvent) {
        self.0.lock().unwrap().push(event);
    }
}

fn keys_json() -> String {
    serde_json::to_string(&PublicKeys::of(
        &fixtures::signing_key(),
        &fixtures::sealing_key(),
    ))
    .unwrap()
}

fn poster_text() -> String {
    venue::encode(
        &venue::fixtures::hadong_pharmacy(),
        &fixtures::signing_key(),
        venue::fixtures::BASE_URL,
    )
    .unwrap()
}

/// `text` as a padded camera-like luma frame: returns (bytes, width, height, stride).
fn frame(text: &str, stride_pad: usize) -> (Vec<u8>, u32, u32, u32) {
    let qr = QrMatrix::encode(text, render::POSTER_EC).unwrap();
    let m = 4;
    let side = qr.width_with_quiet_zone() * m;
    let stride = side + stride_pad;
    let mut luma = vec![7u8; stride * side];
    for y in 0..side {
        for x in 0..side {
            let dark = (x / m)
                .checked_sub(QUIET_ZONE_MODULES)
                .zip((y / m).checked_sub(QUIET_ZONE_MODULES))
                .is_some_and(|(mx, my)| qr.is_dark(mx, my));
            luma[y * stride + x] = if dark { 0 } else { 255 };
        }
    }
    let s = u32::try_from(side).unwrap();
    (luma, s, s, u32::try_from(stride).unwrap())
}

fn open(
    dir: &std::path::Path,
    vault: Arc<Vault>,
    events: Option<Arc<Events>>,
) -> Result<Arc<QuetMaApp>, QuetMaError> {
    QuetMaApp::open(
        AppConfig {
            data_dir: dir.to_string_lossy().into_owned(),
            public_keys_json: keys_json(),
            retention_days: None,
            utc_offset_minutes: None,
            purge_timer: false,
        },
        vault,
        Some(Arc::new(FixedClock(AtomicI64::new(1_790_000_000_000)))),
        events.map(|e| e as Arc<dyn EventListener>),
    )
}

#[test]
fn citizen_scans_a_padded_frame_checks_in_and_shows_a_personal_qr() {
    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(Events::default());
    let app = open(dir.path(), Arc::new(Vault::default()), Some(events.clone())).unwrap();
    let me = app
        .add_profile(ProfileInput {
            relation: Relation::Owner,
            full_name: "Nguyễn Văn An".into(),
            id_number: Some("001099012345".into()),
            id_kind: Some(IdKind::Cccd),
            phone: Some("0912345678".into()),
            birth_year: Some(1999),
        })
        .unwrap();

    let scanner = app.frame_scanner(false).unwrap();
    let (luma, w, h, stride) = frame(&poster_text(), 37);
    let results = scanner.scan(&luma, w, h, stride, Rotation::Deg0).unwrap();
    let ScannedCode::Venue { venue, poster_text } = &results[0].code else {
        panic!("not a venue: {:?}", results[0].code);
    };
    assert_eq!(venue.venue_id, "HD-VQ-000123");

    let visits = app
        .check_in(poster_text.clone(), vec![me.id.clone()], None)
        .unwrap();
    assert!(visits[0].is_open);
    assert_eq!(app.history(None).unwrap()[0].visits.len(), 1);
    assert_eq!(app.outbox_counts().unwrap().pending, 1);
    assert!(events.0.lock().unwrap().contains(&AppEvent::HistoryChanged));

    let qr = app.personal_qr(me.id.clone(), 420.0).unwrap();
    assert!((47.5..=52.5).contains(&qr.symbol_mm), "{}", qr.symbol_mm);
    let back = scanner
        .scan(
            &qr.luma,
            qr.width_px,
            qr.width_px,
            qr.width_px,
            Rotation::Deg0,
        )
        .unwrap();
    assert!(
        matches!(&back[0].code, ScannedCode::Personal { hint, .. } if hint.short_name == "N. V. An")
    );
}

#[test]
fn scanner_mode_records_a_cccd_card_by_hint_only() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), Arc::new(Vault::default()), None).unwrap();
    let session = app
        .start_scanner_session_from_poster(poster_text(), "Cổng chính".into(), Direction::Entry)
        .unwrap();
    let cccd = "001099012345|012345678|Nguyễn Văn An|15031999|Nam|Số 1 Phố Mẫu, Phường Ba Đình, Thành phố Hà Nội|10052021";
    let (luma, w, h, stride) = frame(cccd, 0);
    let scanner = app.frame_scanner(false).unwrap();
    let out = app
        .record_frame(
            session.id.clone(),
            scanner.clone(),
            &luma,
            w,
            h,
            stride,
            Rotation::Deg0,
        )
        .unwrap();
    let ScanOutcome::Recorded { entry } = &out[0] else {
        panic!("not recorded: {:?}", out[0]);
    };
    assert_eq!(entry.source, ContactSource::Cccd);
    assert_eq!(entry.hint.short_name, "N. V. An");
    let again = app
        .record_frame(
            session.id.clone(),
            scanner,
            &luma,
            w,
            h,
            stride,
            Rotation::Deg0,
        )
        .unwrap();
    assert!(matches!(again[0], ScanOutcome::Duplicate { .. }));
    assert!(
        !format!("{:?}", app.session_visitor_log(session.id, 0).unwrap()).contains("001099012345")
    );
}

#[test]
fn errors_cross_as_stable_variants() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), Arc::new(Vault::default()), None).unwrap();
    assert_eq!(
        app.profile("nope".into()).unwrap_err(),
        QuetMaError::NotFound {
            what: "profile".into()
        }
    );
    assert!(matches!(
        app.check_in("https://x.vn/V/AAAA".into(), vec!["p".into()], None),
        Err(QuetMaError::InvalidInput { .. })
    ));
    let scanner = FrameScanner::new(keys_json(), false).unwrap();
    assert!(matches!(
        scanner.scan(&[0; 10], 10, 10, 10, Rotation::Deg0),
        Err(QuetMaError::InvalidInput { .. })
    ));
    assert!(matches!(
        FrameScanner::new("{}".into(), false),
        Err(QuetMaError::Crypto { .. })
    ));
}

#[test]
fn a_lost_key_resets_the_store_and_tells_the_listener() {
    let dir = tempfile::tempdir().unwrap();
    let vault = Arc::new(Vault::default());
    drop(open(dir.path(), vault.clone(), None).unwrap());
    vault.0.lock().unwrap().clear();
    let events = Arc::new(Events::default());
    let app = open(dir.path(), vault, Some(events.clone())).unwrap();
    assert_eq!(
        app.store_reset().map(|r| r.reason),
        Some(StoreResetReason::KeyLost)
    );
    assert!(matches!(
        events.0.lock().unwrap().first(),
        Some(AppEvent::StoreReset { .. })
    ));
}

fn app_with_a_visit(dir: &std::path::Path) -> Arc<QuetMaApp> {
    let app = open(dir, Arc::new(Vault::default()), None).unwrap();
    let me = app
        .add_profile(ProfileInput {
            relation: Relation::Owner,
            full_name: "Nguyễn Văn An".into(),
            id_number: None,
            id_kind: None,
            phone: Some("0912345678".into()),
            birth_year: Some(1999),
        })
        .unwrap();
    app.check_in(poster_text(), vec![me.id], None).unwrap();
    app
}

fn sync_settings(url: &str) -> SyncSettings {
    SyncSettings {
        server_url: url.into(),
        device_id: new_device_id().unwrap(),
        scanner_token: None,
        request_timeout_ms: Some(2_000),
    }
}

#[test]
fn sync_to_an_unreachable_server_is_a_network_error_and_keeps_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_a_visit(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt
        .block_on(app.sync(sync_settings("http://127.0.0.1:9"), SyncHandle::new(), None))
        .unwrap_err();
    assert_eq!(
        err,
        QuetMaError::Network {
            reason: "connect".into()
        }
    );
    assert_eq!(app.outbox_counts().unwrap().pending, 1);
    assert!(app.alerts().unwrap().is_empty());
    // A plain-HTTP server that is not on this machine is refused before any request.
    let err = rt
        .block_on(app.sync(
            sync_settings("http://quetma.example.vn"),
            SyncHandle::new(),
            None,
        ))
        .unwrap_err();
    assert!(matches!(err, QuetMaError::InvalidInput { .. }), "{err:?}");
}

#[test]
fn a_cancelled_sync_returns_cancelled_and_keeps_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_a_visit(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    // A listener that never answers: the sync waits on it until cancelled.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = SyncHandle::new();
    let h2 = handle.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        h2.cancel();
    });
    let err = rt
        .block_on(app.sync(sync_settings(&url), handle.clone(), None))
        .unwrap_err();
    assert_eq!(err, QuetMaError::Cancelled);
    assert!(handle.is_cancelled());
    let counts = app.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.failing, counts.sent), (1, 0, 0));
    drop(listener);
}

#[test]
fn share_my_history_crosses_the_facade_and_an_unreachable_server_keeps_everything() {
    use quetma_core::app::{AppOptions, AppTask, DisplayInfo, Effect, Language, Screen, UiEvent};
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_a_visit(dir.path());
    let flows = app
        .flows(AppOptions {
            server_url: Some("http://127.0.0.1:9".into()),
            language: Language::En,
            display: DisplayInfo::default(),
        })
        .unwrap();
    flows.start().unwrap();
    // The health worker's QR opened the app: the preview of what would be sent.
    let u = flows
        .dispatch(UiEvent::OpenUrl {
            url: "HTTP://127.0.0.1:9/K/14ABCDEFGHIJKLMNOP".into(),
        })
        .unwrap();
    let Screen::SharePreview(p) = &u.screen else {
        panic!("{:?}", u.screen)
    };
    assert_eq!(p.summary, "1 of 1 check-in will be sent.");
    let u = flows.dispatch(UiEvent::SendHistory).unwrap();
    let task = u
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::RunTask { task } => Some(task.clone()),
            _ => None,
        })
        .unwrap();
    assert!(matches!(task, AppTask::ShareHistory { .. }));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let u = rt.block_on(flows.run_task(task)).unwrap().unwrap();
    let Screen::SharePreview(p) = &u.screen else {
        panic!("{:?}", u.screen)
    };
    let e = p.error.as_ref().unwrap();
    assert!(e.text.starts_with("Not sent: no network"), "{}", e.text);
    assert_eq!(e.action.as_ref().unwrap().event, UiEvent::SendHistory);
    assert!(!p.busy && p.send.enabled, "ready to try again");
    // The history is untouched.
    assert_eq!(app.outbox_counts().unwrap().pending, 1);
}
