//! The circuit breaker for exposure notices against the real server, on SQLite and PostgreSQL
//! (issue 15, deliverable 4): a core phone checks in; a batch reaching its visit is held (the
//! threshold is 0 visits here), a phone syncing meanwhile gets nothing; the submitter cannot
//! approve it, a second tracing officer does; the phone raises exactly one alert; one action
//! withdraws the batch and the phone's next sync clears that alert. Every step is in the audit
//! log, by whom.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::{Result, ensure};
use quetma_e2e::phone::{Phone, PhoneOptions};
use quetma_e2e::server::{Backend, OWNER, TRACER, TRACER2, TestServer};
use serde_json::json;

async fn held_approved_withdrawn(backend: Backend) -> Result<()> {
    let srv = TestServer::start_with(backend, &["--notice-approval-visits", "0"]).await?;
    let owner = srv.login(OWNER).await?;
    let (venue_id, poster_text, _) = srv.register_venue(&owner, 9619).await?;
    let phone = Phone::new(&srv.base_url, &srv.keys, PhoneOptions::default())?;
    let poster = phone.poster(&poster_text, &srv.keys)?;
    let me = phone.owner("Đỗ Văn Bình", "001190033333", "0933333333")?;
    let visit = phone.check_in(&poster, &[&me], &srv.keys)?.remove(0);
    ensure!(phone.sync().await?.sent == 1);

    let a = srv.login(TRACER).await?;
    let b = srv.login(TRACER2).await?;
    let batch = json!({"notices": [{"venue_id": venue_id, "start": visit.started_at - 600_000,
        "end": visit.planned_end}]});
    let reach = srv
        .api
        .post("/api/v1/notice-batches/preview", Some(&a), &batch)
        .await?;
    ensure!(
        reach["visits"] == 1 && reach["app_visits"] == 1 && reach["needs_approval"] == true,
        "{reach}"
    );
    let held = srv
        .api
        .post("/api/v1/notice-batches", Some(&a), &batch)
        .await?;
    ensure!(held["status"] == "pending", "{held}");
    let id = held["id"].as_str().unwrap().to_owned();
    let r = phone.sync().await?;
    ensure!(
        (r.notices_received, r.alerts_raised) == (0, 0),
        "held: {r:?}"
    );

    let approve = format!("/api/v1/notice-batches/{id}/approve");
    let own = srv.api.post(&approve, Some(&a), &json!({})).await;
    ensure!(
        own.as_ref()
            .is_err_and(|e| e.to_string().contains("HTTP 403")),
        "{own:?}"
    );
    let ok = srv.api.post(&approve, Some(&b), &json!({})).await?;
    ensure!(ok["status"] == "published", "{ok}");
    let r = phone.sync().await?;
    ensure!(
        (r.notices_received, r.alerts_raised) == (1, 1),
        "approved: {r:?}"
    );
    ensure!(phone.store.alerts()?.len() == 1);
    ensure!(phone.sync().await?.alerts_raised == 0, "raised once");

    let w = srv
        .api
        .post(
            &format!("/api/v1/notice-batches/{id}/withdraw"),
            Some(&a),
            &json!({}),
        )
        .await?;
    ensure!(w["status"] == "withdrawn", "{w}");
    let r = phone.sync().await?;
    ensure!(r.alerts_cleared == 1, "withdrawn: {r:?}");
    ensure!(phone.store.alerts()?.is_empty(), "the alert is gone");
    ensure!(phone.store.exposure_notices()?.is_empty());

    let log = srv
        .api
        .get_json("/api/v1/audit", &srv.admin().await?)
        .await?;
    let has = |action: &str, who: &str| {
        log.as_array()
            .into_iter()
            .flatten()
            .any(|e| e["action"] == action && e["username"] == who && e["target"] != "")
    };
    for (action, who) in [
        ("notice.batch_held", TRACER.0),
        ("notice.batch_approve", TRACER2.0),
        ("notice.publish", TRACER2.0),
        ("notice.batch_withdraw", TRACER.0),
        ("notice.withdraw", TRACER.0),
    ] {
        ensure!(
            has(action, who),
            "{action} by {who} not in the audit log: {log}"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_notice_is_approved_by_a_second_officer_then_withdrawn_and_cleared_sqlite() {
    held_approved_withdrawn(Backend::Sqlite).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_notice_is_approved_by_a_second_officer_then_withdrawn_and_cleared_postgres() {
    if Backend::postgres_available("held_notice_postgres") {
        held_approved_withdrawn(Backend::Postgres).await.unwrap();
    }
}
