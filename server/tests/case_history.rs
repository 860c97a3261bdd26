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

#[tokio::test]
async fn case_code_takes_the_phones_history_once() {
    on_backends!("case_code", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let tracer = app.login_as("tracer1", Role::TracingOfficer, None).await;
        let (shop, _) = app.venue(&owner, "Quán phở", 100).await;
        let now = app.now();
        let at = now - 3 * 24 * 60 * MIN;
        // Someone else was at the shop while the case was.
        let other = app.visit(
            "other",
            &shop,
            at + 10 * MIN,
            Some(at + 50 * MIN),
            "Lê Thị B",
        );
        let (s, _, _) = app
            .upload(
                common::DEVICE,
                None,
                Some(json!({"sent_at": now, "visits": [other]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        // The tracer opens a case: a one-time code for 14 days (the default).
        let (s, _, code) = app
            .call(
                Method::POST,
                "/api/v1/case-codes",
                Some(&tracer),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{code}");
        assert_eq!(code["window_days"], 14);
        let qr = code["qr_text"].as_str().unwrap().to_owned();
        assert!(qr.ends_with(code["code"].as_str().unwrap()) && qr.contains("/K/"));
        let case_id = code["case_id"].as_str().unwrap().to_owned();
        // The link opened in a browser says how to send the history with the app.
        let path = &qr[qr.find("/K/").unwrap()..];
        let (s, _, page) = app.raw(Method::GET, path, None, None, &[]).await;
        assert_eq!(s, StatusCode::OK);
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("Chia sẻ lịch sử cho cán bộ y tế"), "{page}");
        // A citizen cannot make one.
        let (s, _, _) = app
            .call(
                Method::POST,
                "/api/v1/case-codes",
                Some(&owner),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // A visit older than the asked window is refused, and the code stays usable.
        let phone = "PHONEAAAAAAAAAAAAAAA";
        let (s, _, _) = app
            .device(Method::POST, "/api/v1/case-share", phone, None,
                Some(json!({"code": qr, "visits": [{"venue_id": shop, "started_at": now - 15 * 24 * 60 * MIN, "ended_at": now - 15 * 24 * 60 * MIN + MIN}]})), &[])
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let share = json!({"code": qr, "visits": [{"venue_id": shop, "started_at": at, "ended_at": at + 60 * MIN}]});
        let (s, _, r) = app
            .device(
                Method::POST,
                "/api/v1/case-share",
                phone,
                None,
                Some(share.clone()),
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["case_id"], case_id.as_str());
        assert_eq!(r["visits"], 1);
        // Once only.
        let (s, _, _) = app
            .device(
                Method::POST,
                "/api/v1/case-share",
                phone,
                None,
                Some(share),
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The case shows the shared visit and its contact; the visit is marked phone-sourced.
        let (s, _, c) = app
            .call(
                Method::GET,
                &format!("/api/v1/cases/{case_id}"),
                Some(&tracer),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(c["windows"].as_array().unwrap().len(), 1);
        let ids: Vec<&str> = c["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["client_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["other"]);
        let visits = quetma_server::service::cases::case_visits(&app.state, &case_id)
            .await
            .unwrap();
        assert_eq!(visits.len(), 1);
        assert_eq!(visits[0].1, "phone");
        // The API and the case page say so.
        assert_eq!(
            c["from_phone"],
            json!([{"venue_id": shop, "start": at, "end": at + 60 * MIN}])
        );
        // An expired code is refused.
        let (_, _, code2) = app
            .call(
                Method::POST,
                "/api/v1/case-codes",
                Some(&tracer),
                Some(json!({"window_days": 7})),
            )
            .await;
        assert!(code2["code"].as_str().unwrap().starts_with("07"));
        app.state
            .db
            .exec("UPDATE case_codes SET expires_at = $1", &[(now - 1).into()])
            .await
            .unwrap();
        let (s, _, _) = app
            .device(Method::POST, "/api/v1/case-share", phone, None,
                Some(json!({"code": code2["code"], "visits": [{"venue_id": shop, "started_at": at, "ended_at": at + MIN}]})), &[])
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Audited: the code and the share.
        let rows = app
            .state
            .db
            .query(
                "SELECT action FROM audit_log WHERE target = $1 ORDER BY id",
                &[case_id.as_str().into()],
            )
            .await
            .unwrap();
        let actions: Vec<String> = rows.iter().map(|r| r.text(0).unwrap()).collect();
        assert!(
            actions.contains(&"case.code".to_owned()) && actions.contains(&"case.share".to_owned()),
            "{actions:?}"
        );
        // Retention: past the window the codes and the case's visits are gone.
        let purge = quetma_server::retention::run_once(&app.state).await;
        assert!(purge.is_ok());
        let left = app
            .state
            .db
            .query("SELECT COUNT(*) FROM case_codes", &[])
            .await
            .unwrap();
        assert_eq!(left[0].int(0).unwrap(), 0, "expired codes purged");
    });
}
