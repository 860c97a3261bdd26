//! The sync client against a fake server (tests/support/fake_server.rs) on a loopback port:
//! uploads, idempotent resends, back-off through faults, signed lists (tampered, unknown key,
//! rotation), ETag and `since` deltas, clock skew, cancellation. Time is a manual clock; back-off
//! delays are computed and saved, never slept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fake_server.rs"]
mod fake_server;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_server::{FakeServer, Fault, entry};
use quetma_core::api::{self, ExposureLevel, ExposureNotice, RejectReason, SignedError};
use quetma_core::citizen::visits::CheckInOptions;
use quetma_core::citizen::{NewProfile, Relation, Visit};
use quetma_core::keys::AuthoritySigningKey;
use quetma_core::keys::fixtures::{other_signing_key, sealing_key, signing_key, trust_list};
use quetma_core::payload::venue::{self, VenueCategory, VenueInfo, VenuePoster, fixtures};
use quetma_core::payload::{IdKind, Scanned, classify};
use quetma_core::store::{MINUTE_MS, ManualClock, MemoryKeyVault, Settings, Store};
use quetma_core::sync::{
    CancelToken, CaseShareError, NetworkFailure, NoProgress, SyncClient, SyncConfig, SyncError,
    SyncProgress, SyncProgressUpdate, SyncStage,
};

/// 2026-09-21 00:00 UTC.
const T0: i64 = 1_789_948_800_000;
const HOUR: i64 = 60 * MINUTE_MS;
const DEVICE: &str = "DEVICE0123456789ABCDEF";

struct Phone {
    store: Store,
    clock: Arc<ManualClock>,
    server: FakeServer,
    client: SyncClient,
    _dir: tempfile::TempDir,
}

fn cafe() -> VenueInfo {
    VenueInfo {
        venue_id: "HD-CF-000001".into(),
        name: "Cà phê Hà Đông".into(),
        address: "Số 5 Phố Quang Trung, Hà Nội".into(),
        commune_code: 9886,
        category: VenueCategory::Restaurant,
        default_stay_minutes: 60,
        issued_at: 1_780_000_000,
    }
}

fn poster(info: &VenueInfo) -> VenuePoster {
    let text = venue::encode(info, &signing_key(), fixtures::BASE_URL).unwrap();
    match classify(&text, &trust_list()) {
        Scanned::Venue(p) => p,
        other => panic!("not a venue: {other:?}"),
    }
}

fn profile(relation: Relation, name: &str) -> NewProfile {
    NewProfile {
        relation,
        full_name: name.into(),
        id_number: (relation == Relation::Owner).then(|| "001099012345".into()),
        id_kind: (relation == Relation::Owner).then_some(IdKind::Cccd),
        phone: Some("0912345678".into()),
        birth_year: Some(1999),
    }
}

fn notice(id: &str, venue: &str, start: i64, end: i64) -> ExposureNotice {
    ExposureNotice {
        id: id.into(),
        venue_id: venue.into(),
        start,
        end,
        tail_ms: 30 * MINUTE_MS,
        min_overlap_ms: 15 * MINUTE_MS,
        level: ExposureLevel::High,
        guidance_vi: "Xét nghiệm và tự cách ly".into(),
        guidance_en: "Get tested and isolate".into(),
        published_at: start,
        seq: 0,
        withdrawn: false,
    }
}

async fn phone_with(config: impl FnOnce(&mut SyncConfig)) -> Phone {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let store = Store::open(
        dir.path(),
        &MemoryKeyVault::new(),
        Settings::default(),
        clock.clone(),
    )
    .unwrap()
    .store;
    let server = FakeServer::start(signing_key(), clock.clone()).await;
    let mut cfg = SyncConfig::new(server.url.clone(), DEVICE, trust_list());
    cfg.request_timeout = Duration::from_millis(1500);
    config(&mut cfg);
    let client = SyncClient::new(store.clone(), cfg).unwrap();
    Phone {
        store,
        clock,
        server,
        client,
        _dir: dir,
    }
}

async fn phone() -> Phone {
    phone_with(|_| {}).await
}

impl Phone {
    /// The owner and a child check in at the café; returns their visits.
    fn family_visit(&self) -> Vec<Visit> {
        let a = self
            .store
            .add_profile(&profile(Relation::Owner, "Nguyễn Văn An"))
            .unwrap();
        let b = self
            .store
            .add_profile(&profile(Relation::Child, "Nguyễn Bảo Ngọc"))
            .unwrap();
        self.store
            .check_in(
                &poster(&cafe()),
                &[a.id, b.id],
                sealing_key().public(),
                CheckInOptions::default(),
            )
            .unwrap()
    }

    async fn sync(&self) -> Result<quetma_core::sync::SyncReport, SyncError> {
        self.client.sync(&NoProgress, &CancelToken::new()).await
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<SyncProgressUpdate>>);

impl SyncProgress for Recorder {
    fn on_progress(&self, update: SyncProgressUpdate) {
        self.0.lock().unwrap().push(update);
    }
}

#[tokio::test]
async fn happy_path_uploads_and_raises_alerts_once() {
    let p = phone().await;
    let visits = p.family_visit();
    p.server
        .publish(notice("N1", "HD-CF-000001", T0 - HOUR, T0 + 20 * MINUTE_MS));
    let progress = Recorder::default();
    let report = p.client.sync(&progress, &CancelToken::new()).await.unwrap();
    assert_eq!(report.sent, 2);
    assert_eq!(report.pending, 0);
    assert!(report.failed.is_empty());
    assert_eq!(report.notices_received, 1);
    assert_eq!(report.alerts_raised, 2, "the owner's visit and the child's");
    assert_eq!(p.store.outbox_counts().unwrap().sent, 2);
    assert_eq!(p.server.with(|s| s.stored.len()), 2);
    let stages: Vec<SyncStage> = progress.0.lock().unwrap().iter().map(|u| u.stage).collect();
    assert_eq!(stages.first(), Some(&SyncStage::TrustList));
    assert!(stages.contains(&SyncStage::Uploads));
    assert_eq!(stages.last(), Some(&SyncStage::Done));

    let alerts = p.store.alerts().unwrap();
    assert_eq!(alerts.len(), 2);
    let mut matched: Vec<&str> = alerts.iter().map(|a| a.visit_id.as_str()).collect();
    matched.sort_unstable();
    let mut want: Vec<&str> = visits.iter().map(|v| v.id.as_str()).collect();
    want.sort_unstable();
    assert_eq!(matched, want);
    assert_eq!(alerts[0].guidance_en, "Get tested and isolate");
    assert_eq!(alerts[0].level, ExposureLevel::High);
    // Overlap: visit [T0, T0+60m], case [T0-1h, T0+50m] → 50 minutes.
    assert_eq!(
        alerts[0].overlap_end - alerts[0].overlap_start,
        50 * MINUTE_MS
    );

    // Again: nothing new, no repeated alert, and the list comes back 304.
    let again = p.sync().await.unwrap();
    assert_eq!(
        (again.sent, again.alerts_raised, again.notices_received),
        (0, 0, 0)
    );
    assert_eq!(p.store.alerts().unwrap().len(), 2);
    assert_eq!(
        p.server.seen(api::PATH_EXPOSURES).last().unwrap().status,
        304
    );

    assert_eq!(p.store.unseen_alert_count().unwrap(), 2);
    p.store.mark_alert_seen(&alerts[0].id).unwrap();
    assert_eq!(p.store.unseen_alert_count().unwrap(), 1);
    assert_eq!(p.store.mark_all_alerts_seen().unwrap(), 1);
    assert!(p.store.mark_alert_seen("nope").is_err());

    // No personal data in the URLs or headers the server saw.
    for seen in p.server.seen("/") {
        let text = format!("{} {:?}", seen.path, seen.headers);
        assert!(!text.contains("001099012345") && !text.contains("0912345678"));
    }
}

#[tokio::test]
async fn resend_after_a_lost_answer_is_idempotent() {
    let p = phone().await;
    p.family_visit();
    p.server.fault(api::PATH_UPLOADS, Fault::LoseAnswer);
    let err = p.sync().await.unwrap_err();
    assert!(matches!(err, SyncError::Network(_)), "{err:?}");
    let counts = p.store.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.failing, counts.sent), (2, 2, 0));
    assert_eq!(
        p.server.with(|s| s.stored.len()),
        2,
        "the server kept the batch"
    );

    p.clock.advance(Duration::from_secs(3600));
    let report = p.sync().await.unwrap();
    assert_eq!(report.sent, 2);
    assert_eq!(p.server.with(|s| (s.stored.len(), s.batches.len())), (2, 2));
    let b = p.server.with(|s| s.batches.clone());
    let ids =
        |i: usize| -> Vec<String> { b[i].visits.iter().map(|v| v.client_id.clone()).collect() };
    assert_eq!(ids(0), ids(1), "same client ids on the resend");
}

#[tokio::test]
async fn server_errors_and_garbage_back_off_and_keep_the_data() {
    let p = phone().await;
    p.family_visit();
    p.server.fault(api::PATH_UPLOADS, Fault::Status500);
    let err = p.sync().await.unwrap_err();
    assert!(
        matches!(&err, SyncError::Server { status: 500, code: Some(c) } if c == "internal"),
        "{err:?}"
    );
    let next = p.store.outbox_next_attempt_at().unwrap().unwrap();
    assert!(
        (T0 + 1_000..=T0 + 30_000).contains(&next),
        "first back-off ≤ 30 s"
    );

    // Not due yet: a sync now sends nothing and keeps everything.
    let report = p.sync().await.unwrap();
    assert_eq!((report.sent, report.pending), (0, 2));
    assert_eq!(p.server.with(|s| s.batches.len()), 0);

    p.clock.advance(Duration::from_secs(31));
    p.server.fault(api::PATH_UPLOADS, Fault::Garbage);
    let err = p.sync().await.unwrap_err();
    assert!(matches!(err, SyncError::InvalidResponse(_)), "{err:?}");
    let now = p.store.now_ms();
    let next = p.store.outbox_next_attempt_at().unwrap().unwrap();
    assert!(
        (now + 1_000..=now + 60_000).contains(&next),
        "second back-off ≤ 60 s"
    );

    p.clock.advance(Duration::from_secs(61));
    p.server.fault(api::PATH_UPLOADS, Fault::RateLimited(600));
    let err = p.sync().await.unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::RateLimited {
                retry_after_ms: Some(600_000)
            }
        ),
        "{err:?}"
    );
    let now = p.store.now_ms();
    assert!(p.store.outbox_next_attempt_at().unwrap().unwrap() >= now + 600_000);
    assert_eq!(p.store.outbox_counts().unwrap().pending, 2);

    p.clock.advance(Duration::from_secs(601));
    let report = p.sync().await.unwrap();
    assert_eq!((report.sent, report.pending), (2, 0));
    assert_eq!(p.server.with(|s| s.stored.len()), 2);
}

#[tokio::test]
async fn dropped_connection_and_timeout_keep_the_outbox() {
    let p = phone_with(|c| c.request_timeout = Duration::from_millis(300)).await;
    p.family_visit();
    p.server.fault(api::PATH_UPLOADS, Fault::DropMidRequest);
    let err = p.sync().await.unwrap_err();
    assert!(matches!(err, SyncError::Network(_)), "{err:?}");
    assert_eq!(p.store.outbox_counts().unwrap().pending, 2);
    assert_eq!(p.server.with(|s| s.stored.len()), 0);

    p.clock.advance(Duration::from_secs(3600));
    p.server
        .fault(api::PATH_UPLOADS, Fault::Hang(Duration::from_secs(3)));
    let err = p.sync().await.unwrap_err();
    assert!(
        matches!(err, SyncError::Network(NetworkFailure::Timeout)),
        "{err:?}"
    );
    assert_eq!(p.store.outbox_counts().unwrap().failing, 2);

    p.clock.advance(Duration::from_secs(3600));
    assert_eq!(p.sync().await.unwrap().sent, 2);
}

#[tokio::test]
async fn unreachable_server_is_a_network_error() {
    let p = phone_with(|c| {
        c.base_url = "http://127.0.0.1:9".into();
    })
    .await;
    p.family_visit();
    let err = p.sync().await.unwrap_err();
    assert!(
        matches!(err, SyncError::Network(NetworkFailure::Connect)),
        "{err:?}"
    );
    assert_eq!(p.store.outbox_counts().unwrap().pending, 2);
}

#[tokio::test]
async fn tampered_exposure_list_is_rejected_and_nothing_stored() {
    let p = phone().await;
    p.family_visit();
    p.server
        .publish(notice("N1", "HD-CF-000001", T0, T0 + HOUR));
    p.server.fault(api::PATH_EXPOSURES, Fault::Tamper);
    let err = p.sync().await.unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::Signature {
                source: SignedError::BadSignature | SignedError::BadPayload,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(p.store.exposure_notices().unwrap().is_empty());
    assert!(p.store.alerts().unwrap().is_empty());
    let st = p.store.sync_state().unwrap();
    assert_eq!((st.exposure_seq, st.exposure_etag), (0, None));
    // A bad list does not hold the uploads back.
    assert_eq!(p.store.outbox_counts().unwrap().sent, 2);
}

#[tokio::test]
async fn list_signed_by_an_unknown_key_is_rejected() {
    let p = phone().await;
    p.family_visit();
    p.server
        .publish(notice("N1", "HD-CF-000001", T0, T0 + HOUR));
    p.server.fault(
        api::PATH_EXPOSURES,
        Fault::SignWith(Box::new(other_signing_key())),
    );
    let err = p.sync().await.unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::Signature {
                source: SignedError::UnknownKey,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(p.store.exposure_notices().unwrap().is_empty());
    // The next, genuine list is taken.
    assert_eq!(p.sync().await.unwrap().alerts_raised, 2);
}

#[tokio::test]
async fn deltas_since_the_last_sequence_and_withdrawals() {
    let p = phone().await;
    p.family_visit();
    p.server
        .publish(notice("N1", "HD-CF-000001", T0, T0 + HOUR));
    assert_eq!(p.sync().await.unwrap().alerts_raised, 2);
    assert_eq!(p.store.sync_state().unwrap().exposure_seq, 1);

    // A notice elsewhere: the phone asks for the delta after seq 1 and gets one notice.
    p.server
        .publish(notice("N2", "HD-XX-000009", T0, T0 + HOUR));
    let r = p.sync().await.unwrap();
    assert_eq!((r.notices_received, r.alerts_raised), (1, 0));
    let last = p.server.seen(api::PATH_EXPOSURES).last().unwrap().clone();
    assert!(last.path.ends_with("since=1"), "{}", last.path);
    assert!(last.headers.contains_key("if-none-match"));
    assert_eq!(p.store.exposure_notices().unwrap().len(), 2);

    // N1 withdrawn: its alerts go.
    p.server.withdraw("N1");
    let r = p.sync().await.unwrap();
    assert_eq!(r.alerts_cleared, 2);
    assert!(p.store.alerts().unwrap().is_empty());
    assert_eq!(p.store.exposure_notices().unwrap().len(), 1);
    assert_eq!(p.store.sync_state().unwrap().exposure_seq, 3);
}

#[tokio::test]
async fn trust_list_rotation() {
    let p = phone().await;
    let new_key = AuthoritySigningKey::from_secret_bytes(&[21u8; 32]);
    // The old key signs a list adding the new one; lists signed by the new key then verify.
    p.server.with(|s| {
        s.trust.signing = vec![entry(&new_key), entry(&signing_key())];
        s.trust.issued_at = T0 + 1;
        s.trust_signer = Some(signing_key());
    });
    p.server
        .publish(notice("N1", "HD-CF-000001", T0, T0 + HOUR));
    p.server.with(|s| s.signing = new_key.clone());
    let r = p.sync().await.unwrap();
    assert!(r.trust_list_updated);
    assert_eq!(r.notices_received, 1);
    let trusted = p.store.trusted_keys(&trust_list()).unwrap();
    assert!(trusted.get(new_key.kid().as_str()).is_some());

    // Next list, signed by the new key alone, drops the old one from the learnt keys.
    p.server.with(|s| {
        s.trust.signing = vec![entry(&new_key)];
        s.trust.issued_at = T0 + 2;
        s.trust_signer = Some(new_key.clone());
    });
    assert!(p.sync().await.unwrap().trust_list_updated);

    // A list signed by a key nobody trusts is refused and adds nothing.
    let rogue = AuthoritySigningKey::from_secret_bytes(&[33u8; 32]);
    p.server.with(|s| {
        s.trust.signing = vec![entry(&rogue)];
        s.trust.issued_at = T0 + 3;
        s.trust_signer = Some(rogue.clone());
    });
    let err = p.sync().await.unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::Signature {
                document: "trust list",
                source: SignedError::UnknownKey
            }
        ),
        "{err:?}"
    );
    let trusted = p.store.trusted_keys(&trust_list()).unwrap();
    assert!(trusted.get(rogue.kid().as_str()).is_none());
    assert!(trusted.get(new_key.kid().as_str()).is_some());

    // A replay of an older list, genuinely signed, changes nothing.
    p.server.with(|s| {
        s.trust.signing = vec![entry(&signing_key())];
        s.trust.issued_at = T0;
        s.trust_signer = None;
    });
    assert!(!p.sync().await.unwrap().trust_list_updated);
    assert!(
        p.store
            .trusted_keys(&trust_list())
            .unwrap()
            .get(new_key.kid().as_str())
            .is_some()
    );
}

#[tokio::test]
async fn clock_skew_is_measured_and_batches_carry_the_phone_time() {
    let p = phone().await;
    p.family_visit();
    // The server's clock is two hours ahead of the phone's.
    p.server.with(|s| s.skew_ms = 2 * HOUR);
    let r = p.sync().await.unwrap();
    assert_eq!(r.server_offset_ms, Some(2 * HOUR));
    assert_eq!(p.store.server_offset_ms().unwrap(), Some(2 * HOUR));
    assert_eq!(p.server.with(|s| s.batches[0].sent_at), T0);
}

#[tokio::test]
async fn rejected_items_fail_for_good_and_are_not_resent() {
    let p = phone().await;
    p.family_visit();
    p.server.with(|s| {
        s.reject_venues
            .insert("HD-CF-000001".into(), RejectReason::VenueSuspended)
    });
    let r = p.sync().await.unwrap();
    assert_eq!(r.sent, 0);
    assert_eq!(r.failed.len(), 2);
    assert!(
        r.failed
            .iter()
            .all(|f| f.reason == RejectReason::VenueSuspended)
    );
    let c = p.store.outbox_counts().unwrap();
    assert_eq!((c.pending, c.rejected), (0, 2));
    assert_eq!(p.store.outbox_rejected().unwrap()[0].1, "venue_suspended");
    p.clock.advance(Duration::from_secs(24 * 3600));
    p.sync().await.unwrap();
    assert_eq!(p.server.with(|s| s.batches.len()), 1, "never resent");
}

#[tokio::test]
async fn large_outboxes_go_up_in_batches_of_at_most_500() {
    let p = phone().await;
    p.store
        .seed_outbox_for_tests(1_234, "HD-CF-000001", "AAAAAAAA")
        .unwrap();
    let r = p.sync().await.unwrap();
    assert_eq!((r.sent, r.pending), (1_234, 0));
    let sizes: Vec<usize> = p
        .server
        .with(|s| s.batches.iter().map(|b| b.visits.len()).collect());
    assert_eq!(sizes, vec![500, 500, 234]);
}

#[tokio::test]
async fn cancel_leaves_the_outbox_consistent() {
    let p = phone().await;
    p.family_visit();
    p.server
        .fault(api::PATH_UPLOADS, Fault::Hang(Duration::from_millis(1200)));
    let cancel = CancelToken::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        c2.cancel();
    });
    let err = p.client.sync(&NoProgress, &cancel).await.unwrap_err();
    assert!(matches!(err, SyncError::Cancelled), "{err:?}");
    let c = p.store.outbox_counts().unwrap();
    assert_eq!(
        (c.pending, c.failing, c.sent),
        (2, 0, 0),
        "no attempt counted"
    );
    // A cancelled token stops a sync at once.
    assert!(matches!(
        p.client.sync(&NoProgress, &cancel).await,
        Err(SyncError::Cancelled)
    ));
    // A later sync sends them (the server may have the first copy: idempotent).
    assert_eq!(p.sync().await.unwrap().sent, 2);
}

#[test]
fn plain_http_only_to_loopback_and_device_ids_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        dir.path(),
        &MemoryKeyVault::new(),
        Settings::default(),
        Arc::new(ManualClock::new(T0)),
    )
    .unwrap()
    .store;
    let make = |url: &str, device: &str| {
        SyncClient::new(store.clone(), SyncConfig::new(url, device, trust_list()))
    };
    assert!(make("https://quetma.example.vn", DEVICE).is_ok());
    assert!(make("http://localhost:8080/", DEVICE).is_ok());
    assert!(make("http://[::1]:8080", DEVICE).is_ok());
    assert!(matches!(
        make("http://quetma.example.vn", DEVICE),
        Err(SyncError::Config(_))
    ));
    assert!(matches!(
        make("https://quetma.example.vn", "short"),
        Err(SyncError::Config(_))
    ));
    assert!(matches!(
        make("not a url", DEVICE),
        Err(SyncError::Config(_))
    ));
}

#[tokio::test]
async fn alerts_and_notices_leave_with_the_retention_window() {
    let p = phone().await;
    p.family_visit();
    p.server
        .publish(notice("N1", "HD-CF-000001", T0, T0 + HOUR));
    assert_eq!(p.sync().await.unwrap().alerts_raised, 2);
    p.clock.advance(Duration::from_secs(22 * 24 * 3600));
    p.store.purge().unwrap();
    assert!(p.store.alerts().unwrap().is_empty());
    assert!(p.store.exposure_notices().unwrap().is_empty());
}

#[tokio::test]
async fn back_off_survives_the_app_being_killed() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryKeyVault::new();
    let clock = Arc::new(ManualClock::new(T0));
    let open = || {
        Store::open(dir.path(), &vault, Settings::default(), clock.clone())
            .unwrap()
            .store
    };
    let server = FakeServer::start(signing_key(), clock.clone()).await;
    let store = open();
    store
        .seed_outbox_for_tests(3, "HD-CF-000001", "AAAAAAAA")
        .unwrap();
    let client = SyncClient::new(
        store.clone(),
        SyncConfig::new(server.url.clone(), DEVICE, trust_list()),
    )
    .unwrap();
    server.fault(api::PATH_UPLOADS, Fault::Status500);
    client
        .sync(&NoProgress, &CancelToken::new())
        .await
        .unwrap_err();
    let due = store.outbox_next_attempt_at().unwrap().unwrap();
    drop(client);
    drop(store);

    // The app comes back: the items still wait out their back-off, then go.
    let store = open();
    assert_eq!(store.outbox_next_attempt_at().unwrap(), Some(due));
    assert!(store.outbox_pending(10).unwrap().is_empty());
    let client = SyncClient::new(
        store.clone(),
        SyncConfig::new(server.url.clone(), DEVICE, trust_list()),
    )
    .unwrap();
    assert!(due > T0);
    clock.set(T0 + 31_000);
    let r = client.sync(&NoProgress, &CancelToken::new()).await.unwrap();
    assert_eq!(r.sent, 3);
}

fn shared(v: &Visit) -> api::SharedVisit {
    api::SharedVisit {
        venue_id: v.venue_id.clone(),
        started_at: v.started_at,
        ended_at: v.ended_at,
        planned_end: Some(v.planned_end),
    }
}

#[tokio::test]
async fn case_share_sends_the_chosen_visits_once_with_the_device_header() {
    let p = phone().await;
    let visits = p.family_visit();
    p.server.with(|s| {
        s.case_codes
            .insert("14ABCDEFGHIJKLMNOP".into(), (14, false))
    });
    let one = [shared(&visits[0])];
    let cancel = CancelToken::new();
    let r = p
        .client
        .share_case("14ABCDEFGHIJKLMNOP", &one, &cancel)
        .await
        .unwrap();
    assert_eq!(r.visits, 1);
    assert_eq!(r.case_id, "C-FAKE");
    let seen = p.server.seen(api::PATH_CASE_SHARE);
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0]
            .headers
            .get(&api::DEVICE_HEADER.to_ascii_lowercase()),
        Some(&DEVICE.to_string())
    );
    let sent = p.server.with(|s| s.shares.clone());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].visits, one.to_vec());
    // The code works once: the second try is refused as a code problem, not a sync error.
    let again = p
        .client
        .share_case("14ABCDEFGHIJKLMNOP", &one, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(again, CaseShareError::CodeRefused), "{again:?}");
    // An unknown code likewise.
    let unknown = p
        .client
        .share_case("14ZZZZZZZZZZZZZZZZ", &one, &cancel)
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, CaseShareError::CodeRefused),
        "{unknown:?}"
    );
    // Nothing to send never reaches the server.
    let none = p
        .client
        .share_case("14ABCDEFGHIJKLMNOP", &[], &cancel)
        .await
        .unwrap_err();
    assert!(matches!(none, CaseShareError::VisitCount), "{none:?}");
    assert_eq!(p.server.seen(api::PATH_CASE_SHARE).len(), 3);
    // Sharing stores nothing and queues nothing new on the phone.
    assert_eq!(p.store.outbox_counts().unwrap().pending, 2);
}

#[tokio::test]
async fn case_share_outside_the_window_server_errors_and_no_network_are_typed() {
    let p = phone().await;
    let visits = p.family_visit();
    p.server
        .with(|s| s.case_codes.insert("02ABCDEFGHIJKLMNOP".into(), (2, false)));
    // Three days later the visit is outside a two-day code's window.
    p.clock.advance(Duration::from_secs(3 * 86_400));
    let cancel = CancelToken::new();
    let e = p
        .client
        .share_case("02ABCDEFGHIJKLMNOP", &[shared(&visits[0])], &cancel)
        .await
        .unwrap_err();
    assert!(matches!(e, CaseShareError::OutsideWindow), "{e:?}");
    p.server.fault(api::PATH_CASE_SHARE, Fault::Status500);
    let e = p
        .client
        .share_case("02ABCDEFGHIJKLMNOP", &[shared(&visits[0])], &cancel)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            CaseShareError::Sync(SyncError::Server { status: 500, .. })
        ),
        "{e:?}"
    );
    p.server.fault(api::PATH_CASE_SHARE, Fault::RateLimited(30));
    let e = p
        .client
        .share_case("02ABCDEFGHIJKLMNOP", &[shared(&visits[0])], &cancel)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            CaseShareError::Sync(SyncError::RateLimited {
                retry_after_ms: Some(30_000)
            })
        ),
        "{e:?}"
    );
    let offline = phone_with(|c| c.base_url = "http://127.0.0.1:9".into()).await;
    let e = offline
        .client
        .share_case("02ABCDEFGHIJKLMNOP", &[shared(&visits[0])], &cancel)
        .await
        .unwrap_err();
    assert!(
        matches!(e, CaseShareError::Sync(SyncError::Network(_))),
        "{e:?}"
    );
}
