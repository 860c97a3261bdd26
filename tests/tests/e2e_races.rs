//! Races at the real `quetma` server: the same upload batch arriving several times at once (a
//! phone whose request timed out resending while the server still stores the first copy).
//!
//! Runs on SQLite, and on PostgreSQL when `QUETMA_TEST_POSTGRES_URL` is set
//! (`scripts/with-postgres cargo test -p quetma-e2e --test e2e_races`).
//!
//! Known failure: `concurrent_resends_store_each_visit_once_postgres` (see tests/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::{Context, Result, ensure};
use quetma_core::api;
use quetma_e2e::server::{Backend, OWNER, TestServer};
use serde_json::json;

const WARD: u32 = 9888;

/// Registers a venue; its id.
async fn venue(srv: &TestServer) -> Result<String> {
    let owner = srv.login(OWNER).await?;
    let v = srv
        .api
        .post(
            "/api/v1/venues",
            Some(&owner),
            &json!({
                "name": "Nhà sách Hà Đông",
                "address": "Phố Trần Phú, Phường Hà Đông, Hà Nội",
                "ward_code": WARD,
                "category": "shop",
                "default_stay_minutes": 30,
            }),
        )
        .await?;
    Ok(v["venue_id"].as_str().context("venue_id")?.to_owned())
}

/// A phone whose request timed out resends while the server is still storing the first copy
/// (or two phones share a restored backup): the same batch arrives several times at once. Each
/// visit must still be stored once.
async fn concurrent_resends_store_each_visit_once(backend: Backend) -> Result<()> {
    let srv = TestServer::start(backend).await?;
    let venue_id = venue(&srv).await?;
    let now = quetma_core::store::Clock::now_ms(&quetma_core::store::SystemClock);
    let kid = srv.keys.public.signing[0].kid.as_str().to_owned();
    let visits: Vec<serde_json::Value> = (0..200)
        .map(|i| {
            let start = now - 3_600_000 + i * 1_000;
            Ok(json!({
                "client_id": quetma_core::store::new_id()?,
                "venue_id": venue_id,
                "poster_kid": kid,
                "started_at": start,
                "ended_at": start + 1_800_000,
                "planned_end": start + 1_800_000,
                "cancelled": false,
                "contact": {"kid": "AAAAAAAA", "enc": "AAAA", "ct": "AAAA"},
            }))
        })
        .collect::<Result<_>>()?;
    let batch = json!({"sent_at": now, "visits": visits, "visitors": []});
    let sends = (0..8).map(|_| {
        let api = srv.api.clone();
        let batch = batch.clone();
        tokio::spawn(async move {
            let device = quetma_core::store::new_id()?;
            api.post_device(api::PATH_UPLOADS, &device, &batch).await
        })
    });
    for s in sends.collect::<Vec<_>>() {
        let answer = s.await??;
        ensure!(
            answer["accepted"].as_array().map(Vec::len) == Some(200),
            "{answer}"
        );
    }
    let (checkins, _) = srv.counts(WARD, &venue_id).await?;
    ensure!(
        checkins == 200,
        "{checkins} check-in rows for 200 visits sent 8 times at once"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_resends_store_each_visit_once_sqlite() {
    concurrent_resends_store_each_visit_once(Backend::Sqlite)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_resends_store_each_visit_once_postgres() {
    if Backend::postgres_available("concurrent_resends_store_each_visit_once_postgres") {
        concurrent_resends_store_each_visit_once(Backend::Postgres)
            .await
            .unwrap();
    }
}
