//! The circuit breaker for exposure notices (issue 15, deliverable 4), on SQLite and PostgreSQL:
//! the reach is shown before publishing; above the threshold a batch waits for a *second*
//! tracing officer; the hourly cap holds; one action withdraws a whole batch and the signed list
//! carries every withdrawal; every step is in the audit log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use quetma_server::service::accounts::Role;
use quetma_server::state::Config;
use serde_json::{Value, json};

async fn audit_actions(app: &common::TestApp, admin: &str) -> Vec<(String, String)> {
    let (s, _, v) = app
        .call(Method::GET, "/api/v1/audit", Some(admin), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["username"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

async fn list(app: &common::TestApp, since: i64) -> Value {
    let (s, _, v) = app
        .device(
            Method::GET,
            &format!("/api/v1/exposures?since={since}"),
            common::DEVICE,
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let payload = v["payload"].as_str().unwrap();
    serde_json::from_slice(
        &data_encoding::BASE64URL_NOPAD
            .decode(payload.as_bytes())
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_wide_batch_waits_for_a_second_officer_and_is_withdrawn_whole() {
    for (backend, url) in common::backends("breaker").await {
        let config = Config {
            notice_approval_visits: 2,
            notice_approval_venues: 5,
            notices_per_hour: 5,
            ..Config::default()
        };
        let app = common::TestApp::with_config(backend, &url, config).await;
        let owner = app.login_as("chu", Role::VenueOwner, None).await;
        let a = app.login_as("truyvet-a", Role::TracingOfficer, None).await;
        let b = app.login_as("truyvet-b", Role::TracingOfficer, None).await;
        let admin = app.login_as("qtv", Role::Admin, None).await;
        let (v1, _) = app.venue(&owner, "Chợ Hà Đông", 9619).await;
        let (v2, _) = app.venue(&owner, "Nhà thuốc", 9619).await;
        let now = app.now();
        // Three app visits at v1, none at v2.
        let visits: Vec<Value> = (0..3)
            .map(|i| {
                serde_json::to_value(app.visit(
                    &format!("v-{i}"),
                    &v1,
                    now - 3_000_000,
                    Some(now - 600_000),
                    "Khách",
                ))
                .unwrap()
            })
            .collect();
        let (s, _, up) = app
            .upload(
                common::DEVICE,
                None,
                Some(json!({"sent_at": now, "visits": visits})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{up}");
        let batch = json!({"notices": [
            {"venue_id": v1, "start": now - 2_400_000, "end": now - 1_200_000},
            {"venue_id": v2, "start": now - 2_400_000, "end": now - 1_200_000},
        ]});

        // Before publishing: the reach.
        let (s, _, reach) = app
            .call(
                Method::POST,
                "/api/v1/notice-batches/preview",
                Some(&a),
                Some(batch.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{reach}");
        assert_eq!(reach["venues"], 2, "{backend}: {reach}");
        assert_eq!(reach["visits"], 3, "{backend}: {reach}");
        assert_eq!(reach["app_visits"], 3);
        assert_eq!(reach["needs_approval"], true);

        // One officer alone cannot publish it, neither as a batch nor notice by notice.
        let (s, _, single) = app
            .call(
                Method::POST,
                "/api/v1/notices",
                Some(&a),
                Some(batch["notices"][0].clone()),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{single}");
        let (s, _, held) = app
            .call(
                Method::POST,
                "/api/v1/notice-batches",
                Some(&a),
                Some(batch.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{held}");
        assert_eq!(held["status"], "pending");
        assert_eq!(held["notices"].as_array().unwrap().len(), 0);
        assert_eq!(list(&app, 0).await["notices"], json!([]), "{backend}");
        let id = held["id"].as_str().unwrap().to_owned();
        let approve = format!("/api/v1/notice-batches/{id}/approve");
        let (s, _, _) = app.call(Method::POST, &approve, Some(&a), None).await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "the submitter approves their own batch"
        );

        // The second officer approves: both notices are in the signed list.
        let (s, _, ok) = app.call(Method::POST, &approve, Some(&b), None).await;
        assert_eq!(s, StatusCode::OK, "{ok}");
        assert_eq!(ok["status"], "published");
        assert_eq!(ok["notices"].as_array().unwrap().len(), 2);
        let full = list(&app, 0).await;
        assert_eq!(full["notices"].as_array().unwrap().len(), 2);
        let seq = full["latest_seq"].as_i64().unwrap();
        let (s, _, _) = app.call(Method::POST, &approve, Some(&b), None).await;
        assert_eq!(s, StatusCode::CONFLICT, "approved twice");

        // One action withdraws the whole batch: the delta carries both withdrawals.
        let (s, _, w) = app
            .call(
                Method::POST,
                &format!("/api/v1/notice-batches/{id}/withdraw"),
                Some(&a),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{w}");
        assert_eq!(w["status"], "withdrawn");
        let delta = list(&app, seq).await;
        let ns = delta["notices"].as_array().unwrap();
        assert_eq!(ns.len(), 2, "{delta}");
        assert!(ns.iter().all(|n| n["withdrawn"] == true), "{delta}");

        // The hourly cap (5): two published above, two more pass, the next batch of two not.
        let small = json!({"notices": [
            {"venue_id": v2, "start": now - 2_400_000, "end": now - 1_200_000},
            {"venue_id": v2, "start": now - 1_200_000, "end": now - 600_000},
        ]});
        let (s, _, p) = app
            .call(
                Method::POST,
                "/api/v1/notice-batches",
                Some(&a),
                Some(small.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        assert_eq!(p["status"], "published", "0 visits, 1 venue: no approval");
        let (s, _, capped) = app
            .call(
                Method::POST,
                "/api/v1/notice-batches",
                Some(&a),
                Some(small),
            )
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{capped}");
        assert_eq!(capped["code"], "rate_limited", "{capped}");
        // An hour later it passes.
        app.state.clock.set(now + 3_600_001);
        let (s, _, _) = app
            .call(
                Method::POST,
                "/api/v1/notices",
                Some(&a),
                Some(json!({"venue_id": v2, "start": now - 600_000, "end": now})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);

        // Every step is in the audit log, by whom.
        let log = audit_actions(&app, &admin).await;
        let has = |action: &str, who: &str| log.iter().any(|(a, u)| a == action && u == who);
        assert!(has("notice.batch_held", "truyvet-a"), "{log:?}");
        assert!(has("notice.batch_approve", "truyvet-b"), "{log:?}");
        assert!(has("notice.publish", "truyvet-b"), "{log:?}");
        assert!(has("notice.batch_withdraw", "truyvet-a"), "{log:?}");
        assert!(has("notice.withdraw", "truyvet-a"), "{log:?}");
        assert!(has("notice.batch_publish", "truyvet-a"), "{log:?}");
    }
}
