//! Faults between the phones and the real `quetma` server: the server killed with SIGKILL in
//! the middle of a large upload and restarted on the same database; a proxy answering 500s,
//! garbage and cut-off answers; a tampered exposure list.
//!
//! Runs on SQLite, and on PostgreSQL when `QUETMA_TEST_POSTGRES_URL` is set
//! (`scripts/with-postgres cargo test -p quetma-e2e --test e2e_faults`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use quetma_core::api::{self, SignedError};
use quetma_core::citizen::Relation;
use quetma_core::sync::{Backoff, NetworkFailure, SyncError};
use quetma_e2e::phone::{Phone, PhoneOptions};
use quetma_e2e::proxy::{Fault, FaultProxy};
use quetma_e2e::server::{Backend, OWNER, TRACER, TestServer};
use serde_json::json;

const WARD: u32 = 9887;

/// Registers a venue; `(venue id, poster QR text)`.
async fn venue(srv: &TestServer) -> Result<(String, String)> {
    let owner = srv.login(OWNER).await?;
    let v = srv
        .api
        .post(
            "/api/v1/venues",
            Some(&owner),
            &json!({
                "name": "Chợ Hà Đông",
                "address": "Phố Lê Lợi, Phường Hà Đông, Hà Nội",
                "ward_code": WARD,
                "category": "market",
                "default_stay_minutes": 45,
            }),
        )
        .await?;
    Ok((
        v["venue_id"].as_str().context("venue_id")?.to_owned(),
        v["qr_text"].as_str().context("qr_text")?.to_owned(),
    ))
}

/// A short retry schedule (1–2 s), so a test only moves the phone's clock a few seconds (well
/// inside the server's 60 s clock-skew tolerance).
fn quick_backoff() -> Backoff {
    Backoff {
        base: Duration::from_secs(2),
        cap: Duration::from_secs(2),
        min: Duration::from_secs(1),
    }
}

/// The client ids of every check-in the server holds for `venue_id` in the last few hours (a
/// tracing query over the window; the query merges repeats, so [`TestServer::counts`] is what
/// counts rows).
async fn server_client_ids(srv: &TestServer, venue_id: &str, now: i64) -> Result<HashSet<String>> {
    let tracer = srv.login(TRACER).await?;
    let case = srv
        .api
        .post(
            "/api/v1/cases",
            Some(&tracer),
            &json!({
                "windows": [{"venue_id": venue_id, "start": now - 3 * 3_600_000, "end": now}],
                "min_overlap_ms": 1,
            }),
        )
        .await?;
    Ok(case["contacts"]
        .as_array()
        .context("contacts")?
        .iter()
        .filter_map(|c| c["client_id"].as_str().map(str::to_owned))
        .collect())
}

const OUTBOX: usize = 2_000;

async fn sigkill_mid_upload_loses_and_duplicates_nothing(backend: Backend) -> Result<()> {
    let mut srv = TestServer::start(backend).await?;
    let (venue_id, _) = venue(&srv).await?;
    let proxy = FaultProxy::start(srv.port).await?;
    let killer = srv.killer();
    proxy.on_kill(move || killer.kill_9());
    let phone = Phone::new(
        &proxy.base_url,
        &srv.keys,
        PhoneOptions {
            backoff: Some(quick_backoff()),
            ..PhoneOptions::default()
        },
    )?;
    // 2 000 check-ins waiting: four batches of 500.
    let ids: HashSet<String> = phone
        .store
        .seed_outbox_for_tests(OUTBOX, &venue_id, srv.keys.public.signing[0].kid.as_str())?
        .into_iter()
        .collect();
    ensure!(phone.store.outbox_counts()?.pending == OUTBOX as u64);

    // 1. The server commits the second batch and is killed before the phone hears back.
    proxy.set(
        Fault::KillOnUpload {
            nth: 2,
            after_answer: true,
        },
        None,
    );
    let err = phone.sync().await.expect_err("the server died");
    ensure!(matches!(err, SyncError::Network(_)), "{err:?}");
    ensure!(!srv.is_running(), "killed");
    let counts = phone.store.outbox_counts()?;
    ensure!(
        (counts.pending, counts.sent) == (1_500, 500),
        "only the acknowledged batch is marked sent: {counts:?}"
    );

    // 2. Restarted; this time killed in the middle of a batch (request sent, no answer).
    srv.restart().await?;
    proxy.set(
        Fault::KillOnUpload {
            nth: 2,
            after_answer: false,
        },
        None,
    );
    let err = phone.sync().await.expect_err("the server died again");
    ensure!(matches!(err, SyncError::Network(_)), "{err:?}");
    ensure!(!srv.is_running(), "killed again");
    let counts = phone.store.outbox_counts()?;
    ensure!(counts.pending >= 500, "{counts:?}");
    ensure!(
        phone.store.outbox_next_attempt_at()?.is_some(),
        "failed batches wait out a back-off"
    );

    // 3. Restarted; once the back-off has passed, the next sync sends the rest.
    srv.restart().await?;
    proxy.pass_through();
    phone.clock.advance(Duration::from_secs(3));
    let report = phone.sync().await?;
    ensure!(
        report.pending == 0 && report.failed.is_empty(),
        "{report:?}"
    );
    ensure!(phone.store.outbox_counts()?.sent == OUTBOX as u64);

    // Every visit on the server, exactly once.
    let (checkins, _) = srv.counts(WARD, &venue_id).await?;
    ensure!(
        checkins == OUTBOX as i64,
        "{checkins} check-ins on the server, want {OUTBOX}"
    );
    let on_server = server_client_ids(&srv, &venue_id, phone.store.now_ms()).await?;
    ensure!(on_server == ids, "the server's ids differ from the phone's");
    // Two uploads were cut by a kill; the resends of the cut batches were idempotent.
    let uploads = proxy
        .seen()
        .iter()
        .filter(|s| s.path.starts_with(api::PATH_UPLOADS))
        .count();
    ensure!(uploads >= 6, "{uploads} upload requests");
    Ok(())
}

async fn proxy_faults_back_off_and_keep_the_outbox(backend: Backend) -> Result<()> {
    let srv = TestServer::start(backend).await?;
    let (venue_id, poster_text) = venue(&srv).await?;
    let proxy = FaultProxy::start(srv.port).await?;
    let phone = Phone::new(
        &proxy.base_url,
        &srv.keys,
        PhoneOptions {
            backoff: Some(quick_backoff()),
            ..PhoneOptions::default()
        },
    )?;
    // A family of three checks in: three uploads waiting.
    let poster = phone.poster(&poster_text, &srv.keys)?;
    let owner = phone.owner("Đỗ Minh Khoa", "001085011111", "0911111111")?;
    let child = phone.profile(
        Relation::Child,
        "Đỗ Minh Châu",
        "001215011112",
        "0911111111",
    )?;
    let parent = phone.profile(Relation::Parent, "Đỗ Văn Lâm", "001955011113", "0911111111")?;
    phone.check_in(&poster, &[&owner, &child, &parent], &srv.keys)?;
    let pending = |p: &Phone| p.store.outbox_counts().map(|c| c.pending);
    ensure!(pending(&phone)? == 3);

    // Every path answers 500: the lists fail, the uploads are still tried (a broken list
    // endpoint must not hold visits back), fail too and back off; nothing is lost.
    proxy.set(Fault::Status500, None);
    let err = phone.sync().await.expect_err("500");
    ensure!(
        matches!(&err, SyncError::Server { status: 500, code: Some(c) } if c == "internal"),
        "{err:?}"
    );
    ensure!(pending(&phone)? == 3);
    ensure!(
        proxy
            .seen()
            .iter()
            .any(|s| s.path.starts_with(api::PATH_UPLOADS) && s.status == 500),
        "uploads tried: {:?}",
        proxy.seen()
    );
    ensure!(
        phone
            .store
            .outbox_next_attempt_at()?
            .context("no back-off")?
            > phone.store.now_ms()
    );

    // Uploads answer 500: the batch backs off (due again in the future) and stays pending.
    phone.clock.advance(Duration::from_secs(3));
    proxy.set(Fault::Status500, Some(api::PATH_UPLOADS));
    let err = phone.sync().await.expect_err("upload 500");
    ensure!(
        matches!(err, SyncError::Server { status: 500, .. }),
        "{err:?}"
    );
    let now = phone.store.now_ms();
    let next = phone
        .store
        .outbox_next_attempt_at()?
        .context("no back-off")?;
    ensure!(
        next > now && next <= now + 2_000,
        "next attempt {} ms from now",
        next - now
    );
    let counts = phone.store.outbox_counts()?;
    ensure!((counts.pending, counts.failing) == (3, 3), "{counts:?}");
    // Not due yet: a sync now sends nothing.
    proxy.clear_seen();
    let report = phone.sync().await?;
    ensure!((report.sent, report.pending) == (0, 3), "{report:?}");
    ensure!(
        !proxy
            .seen()
            .iter()
            .any(|s| s.path.starts_with(api::PATH_UPLOADS)),
        "nothing uploaded while backing off"
    );

    // Garbage with a 200: refused as an invalid answer, backed off again.
    phone.clock.advance(Duration::from_secs(3));
    proxy.set(Fault::Garbage200, Some(api::PATH_UPLOADS));
    let err = phone.sync().await.expect_err("garbage");
    ensure!(matches!(err, SyncError::InvalidResponse(_)), "{err:?}");
    ensure!(phone.store.outbox_next_attempt_at()?.context("back-off")? > phone.store.now_ms());
    ensure!(pending(&phone)? == 3);
    // Garbage on every path: the lists are refused as invalid answers (the uploads wait).
    proxy.set(Fault::Garbage200, None);
    let err = phone.sync().await.expect_err("garbage trust list");
    ensure!(matches!(err, SyncError::InvalidResponse(_)), "{err:?}");
    ensure!(
        srv.counts(WARD, &venue_id).await? == (0, 0),
        "nothing stored"
    );

    // The answer to an upload cut in the middle: the server stored the batch, the phone does
    // not know and keeps it.
    phone.clock.advance(Duration::from_secs(3));
    proxy.set(Fault::CutMidResponse, Some(api::PATH_UPLOADS));
    let err = phone.sync().await.expect_err("cut");
    ensure!(
        matches!(err, SyncError::Network(NetworkFailure::Interrupted)),
        "{err:?}"
    );
    ensure!(pending(&phone)? == 3);
    ensure!(srv.counts(WARD, &venue_id).await? == (3, 0));

    // Passing through again: the resend succeeds and the server still has each visit once.
    phone.clock.advance(Duration::from_secs(3));
    proxy.pass_through();
    let report = phone.sync().await?;
    ensure!(
        (report.sent, report.pending, report.failed.len()) == (3, 0, 0),
        "{report:?}"
    );
    ensure!(phone.store.outbox_next_attempt_at()?.is_none());
    ensure!(srv.counts(WARD, &venue_id).await? == (3, 0));
    Ok(())
}

async fn tampered_exposure_list_is_refused(backend: Backend) -> Result<()> {
    let srv = TestServer::start(backend).await?;
    let (venue_id, poster_text) = venue(&srv).await?;
    let proxy = FaultProxy::start(srv.port).await?;
    let phone = Phone::new(&proxy.base_url, &srv.keys, PhoneOptions::default())?;
    let poster = phone.poster(&poster_text, &srv.keys)?;
    let me = phone.owner("Vũ Thị Hoa", "001190022222", "0922222222")?;
    let visit = phone.check_in(&poster, &[&me], &srv.keys)?.remove(0);
    ensure!(phone.sync().await?.sent == 1);

    let tracer = srv.login(TRACER).await?;
    srv.api
        .post(
            "/api/v1/notices",
            Some(&tracer),
            &json!({"venue_id": venue_id, "start": visit.started_at - 600_000, "end": visit.planned_end}),
        )
        .await?;

    // Someone in the middle shifts the notice's times: the signature no longer verifies.
    let before = phone.store.sync_state()?;
    proxy.set(Fault::TamperExposures, Some(api::PATH_EXPOSURES));
    let err = phone.sync().await.expect_err("tampered");
    match err {
        SyncError::Signature {
            document: "exposure list",
            source: SignedError::BadSignature,
        } => {}
        other => bail!("not the typed signature error: {other:?}"),
    }
    ensure!(phone.store.alerts()?.is_empty(), "no alert");
    ensure!(phone.store.exposure_notices()?.is_empty(), "nothing stored");
    let after = phone.store.sync_state()?;
    ensure!(
        (after.exposure_seq, &after.exposure_etag) == (before.exposure_seq, &before.exposure_etag),
        "the list's sequence number and ETag are untouched: {before:?} → {after:?}"
    );

    // The genuine list: one alert.
    proxy.pass_through();
    let report = phone.sync().await?;
    ensure!(
        (report.notices_received, report.alerts_raised) == (1, 1),
        "{report:?}"
    );
    ensure!(phone.store.alerts()?[0].visit_id == visit.id);

    // Unchanged list: no new alert, and the server soon answers 304 to the phone's ETag (the
    // first request after a full list still gets a 200 with an empty delta: the ETag names
    // `since`, and the stored one came from `since=0`).
    proxy.clear_seen();
    for _ in 0..2 {
        ensure!(phone.sync().await?.alerts_raised == 0);
    }
    let statuses: Vec<(String, u16)> = proxy
        .seen()
        .into_iter()
        .filter(|s| s.path.starts_with(api::PATH_EXPOSURES))
        .map(|s| (s.path, s.status))
        .collect();
    ensure!(
        statuses.last().is_some_and(|(_, s)| *s == 304),
        "exposure list requests: {statuses:?}"
    );
    Ok(())
}

macro_rules! on_both_backends {
    ($scenario:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            $scenario(Backend::Sqlite).await.unwrap();
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            if Backend::postgres_available(stringify!($postgres)) {
                $scenario(Backend::Postgres).await.unwrap();
            }
        }
    };
}

on_both_backends!(
    sigkill_mid_upload_loses_and_duplicates_nothing,
    sigkill_mid_upload_loses_and_duplicates_nothing_sqlite,
    sigkill_mid_upload_loses_and_duplicates_nothing_postgres
);
on_both_backends!(
    proxy_faults_back_off_and_keep_the_outbox,
    proxy_faults_back_off_and_keep_the_outbox_sqlite,
    proxy_faults_back_off_and_keep_the_outbox_postgres
);
on_both_backends!(
    tampered_exposure_list_is_refused,
    tampered_exposure_list_is_refused_sqlite,
    tampered_exposure_list_is_refused_postgres
);
