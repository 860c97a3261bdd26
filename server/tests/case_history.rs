//! The case's own history (issue 15, deliverable 1): the phone's export file (JSON and CSV, as
//! `export_history_json` / `export_history_csv` write them, RFC 3339 times) is read by the
//! portal's case form and becomes the case's windows; round trip from a real core store to a
//! case on the real server, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use quetma_core::citizen::{NewProfile, Relation};
use quetma_core::store::{ManualClock, MemoryKeyVault, Settings, Store};
use quetma_server::portal::tracing_view::parse_windows;
use quetma_server::service::accounts::Role;
use serde_json::json;

const MIN: i64 = 60_000;

#[tokio::test]
async fn phone_export_json_and_csv_round_trip_into_a_case() {
    on_backends!("case_history", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let tracer = app.login_as("tracer1", Role::TracingOfficer, None).await;
        let now = app.now();
        // A phone with three visits at venues V-0, V-1, V-2, one every two hours.
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(now));
        let store = Store::open(
            dir.path(),
            &MemoryKeyVault::new(),
            Settings::default(),
            clock,
        )
        .unwrap()
        .store;
        let me = store
            .add_profile(&NewProfile {
                relation: Relation::Owner,
                full_name: "Nguyễn Văn An".into(),
                id_number: None,
                id_kind: None,
                phone: Some("0912345678".into()),
                birth_year: Some(1990),
            })
            .unwrap();
        let first = now - 10 * 60 * MIN;
        store
            .seed_visits_for_bench(&me.id, 3, first, 120 * MIN)
            .unwrap();
        // And on the server, someone at V-1 during the case's visit there.
        let (v_real, _) = app.venue(&owner, "Quán phở", 100).await;
        let _ = v_real;
        for (label, text) in [
            ("json", store.export_json(None).unwrap()),
            ("csv", store.export_csv(None).unwrap()),
        ] {
            let input = parse_windows(&text).unwrap_or_else(|e| panic!("{label}: {e:?}"));
            let got: Vec<(String, i64, Option<i64>)> = input
                .visits
                .iter()
                .map(|v| (v.venue_id.clone(), v.started_at, v.ended_at))
                .collect();
            let want: Vec<(String, i64, Option<i64>)> = (0..3)
                .map(|i| {
                    let s = first + i * 120 * MIN;
                    (format!("V-{i}"), s, Some(s + 60 * MIN))
                })
                .collect();
            assert_eq!(got, want, "{label}");
            // The same visits make a case through the API.
            let (s, _, c) = app
                .call(
                    Method::POST,
                    "/api/v1/cases",
                    Some(&tracer),
                    Some(json!({"visits": input.visits})),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{label}: {c}");
            let windows: Vec<(String, i64, i64)> = c["windows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| {
                    (
                        w["venue_id"].as_str().unwrap().to_owned(),
                        w["start"].as_i64().unwrap(),
                        w["end"].as_i64().unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                windows,
                want.iter()
                    .map(|(v, s, e)| (v.clone(), *s, e.unwrap()))
                    .collect::<Vec<_>>(),
                "{label}"
            );
        }
        // A file that is neither is refused with a clear message, not taken as windows.
        assert!(parse_windows("[{\"venue_id\": \"V-0\", \"start\": \"yesterday\"}]").is_err());
    });
}
