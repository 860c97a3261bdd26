//! API tests: device API, tool JSON API, web check-in, tracing, retention, audit — on SQLite
//! always and on PostgreSQL when QUETMA_TEST_POSTGRES_URL is set (scripts/with-postgres).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::DEVICE;
use quetma_core::api::{ExposureList, Signed, TrustListDoc, UploadResponse};
use quetma_server::service::accounts::Role;
use quetma_server::service::cases::CaseExport;
use serde_json::json;

const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;

fn upload_resp(v: &serde_json::Value) -> UploadResponse {
    serde_json::from_value(v.clone()).unwrap()
}

#[tokio::test]
async fn uploads_validate_dedupe_and_bind_scanners() {
    on_backends!("uploads", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (v1, _) = app.venue(&owner, "Nhà thuốc Minh Châu", 100).await;
        let (v2, _) = app.venue(&owner, "Chợ Hà Đông", 100).await;
        let now = app.now();
        let good = app.visit("c-1", &v1, now - 10 * MIN, None, "Nguyễn Văn An");
        let mut bad_b64 = app.visit("c-2", &v1, now - 10 * MIN, None, "X");
        bad_b64.contact.ct = "!!!".into();
        let unknown = app.visit("c-3", "V-NOPE", now - 10 * MIN, None, "X");
        let expired = app.visit("c-4", &v1, now - 22 * DAY, None, "X");
        let future = app.visit("c-5", &v1, now + DAY, None, "X");
        let batch = json!({"sent_at": now, "visits": [good, bad_b64, unknown, expired, future]});
        let (s, _, b) = app.upload(DEVICE, None, Some(batch.clone())).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let r = upload_resp(&b);
        assert_eq!(r.accepted, vec!["c-1"]);
        let reasons: Vec<(String, String)> = r
            .rejected
            .iter()
            .map(|x| {
                (
                    x.client_id.clone(),
                    serde_json::to_value(x.reason)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect();
        assert_eq!(
            reasons,
            vec![
                ("c-2".into(), "invalid".into()),
                ("c-3".into(), "unknown_venue".into()),
                ("c-4".into(), "expired".into()),
                ("c-5".into(), "invalid".into()),
            ]
        );
        // A resend is accepted again and stored once; a changed body replaces the old one.
        let (_, _, b) = app.upload(DEVICE, None, Some(batch)).await;
        assert_eq!(upload_resp(&b).accepted, vec!["c-1"]);
        let ended = app.visit(
            "c-1",
            &v1,
            now - 10 * MIN,
            Some(now - 5 * MIN),
            "Nguyễn Văn An",
        );
        let (_, _, b) = app
            .upload(
                DEVICE,
                None,
                Some(json!({"sent_at": now, "visits": [ended]})),
            )
            .await;
        assert_eq!(upload_resp(&b).accepted, vec!["c-1"]);
        let rows = app
            .state
            .db
            .query("SELECT ended_at FROM checkins WHERE client_id = 'c-1'", &[])
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].opt_int(0).unwrap(), Some(now - 5 * MIN));
        // A cancelled visit is dropped.
        let mut cancel = app.visit("c-1", &v1, now - 10 * MIN, None, "Nguyễn Văn An");
        cancel.cancelled = true;
        let (_, _, b) = app
            .upload(
                DEVICE,
                None,
                Some(json!({"sent_at": now, "visits": [cancel]})),
            )
            .await;
        assert_eq!(upload_resp(&b).accepted, vec!["c-1"]);
        let rows = app
            .state
            .db
            .query("SELECT 1 FROM checkins", &[])
            .await
            .unwrap();
        assert!(rows.is_empty());

        // Visitor-log entries need an enrolled scanner of the same venue.
        let visitor = |id: &str, venue: &str| {
            json!({"client_id": id, "venue_id": venue, "checkpoint": "Cổng chính", "direction": "entry",
                   "scanned_at": now - MIN, "source": "cccd", "contact": app.sealed("Trần Thị Bình")})
        };
        let batch = json!({"sent_at": now, "visitors": [visitor("s-1", &v1)]});
        let (_, _, b) = app.upload(DEVICE, None, Some(batch.clone())).await;
        assert_eq!(upload_resp(&b).rejected[0].client_id, "s-1");
        let (s, _, e) = app
            .call(
                Method::POST,
                &format!("/api/v1/venues/{v1}/enrolments"),
                Some(&owner),
                Some(json!({"checkpoint": "Cổng chính"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        let qr = e["qr_text"].as_str().unwrap().to_owned();
        assert!(qr.starts_with("HTTPS://QR.QUETMA.TEST/E/"));
        let (s, _, en) = app
            .device(
                Method::POST,
                "/api/v1/enrol",
                DEVICE,
                None,
                Some(json!({"code": qr})),
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{en}");
        assert_eq!(en["venue_id"], json!(v1));
        assert_eq!(en["checkpoint"], json!("Cổng chính"));
        let token = en["scanner_token"].as_str().unwrap().to_owned();
        // One time only.
        let (s, _, _) = app
            .device(
                Method::POST,
                "/api/v1/enrol",
                DEVICE,
                None,
                Some(json!({"code": e["code"]})),
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Only the hash is stored.
        let rows = app
            .state
            .db
            .query("SELECT token_hash FROM scanners", &[])
            .await
            .unwrap();
        assert_ne!(rows[0].text(0).unwrap(), token);
        let batch = json!({"sent_at": now, "visitors": [visitor("s-1", &v1), visitor("s-2", &v2)]});
        let (_, _, b) = app.upload(DEVICE, Some(&token), Some(batch)).await;
        let r = upload_resp(&b);
        assert_eq!(r.accepted, vec!["s-1"]);
        assert_eq!(r.rejected.len(), 1);
        assert_eq!(
            serde_json::to_value(r.rejected[0].reason).unwrap(),
            json!("not_enrolled")
        );

        // A suspended venue refuses uploads.
        let admin = app.login_as("admin1", Role::Admin, None).await;
        let (s, _, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/venues/{v2}/suspension"),
                Some(&admin),
                Some(json!({"suspended": true})),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, _, b) = app
            .upload(DEVICE, None, Some(json!({"sent_at": now, "visits": [app.visit("c-9", &v2, now - MIN, None, "X")]})))
            .await;
        assert_eq!(
            serde_json::to_value(upload_resp(&b).rejected[0].reason).unwrap(),
            json!("venue_suspended")
        );
    });
}

#[tokio::test]
async fn upload_limits_device_header_and_rate_limit() {
    for (backend, url) in common::backends("limits").await {
        let app = common::TestApp::with_config(
            backend,
            &url,
            quetma_server::state::Config {
                device_burst: 5,
                device_per_minute: 1,
                ..Default::default()
            },
        )
        .await;
        let now = app.now();
        // No device header.
        let (s, _, b) = app
            .call(Method::GET, "/api/v1/trust-list", None, None)
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(b["code"], json!("device_header"));
        // Too many items: 422.
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (v1, _) = app.venue(&owner, "Quán phở", 100).await;
        let visits: Vec<_> = (0..501)
            .map(|i| app.visit(&format!("c{i}"), &v1, now - MIN, None, "A"))
            .collect();
        let (s, _, b) = app
            .upload(
                "DEVICEBBBBBBBBBBBBBB",
                None,
                Some(json!({"sent_at": now, "visits": visits})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(b["code"], json!("too_many_items"));
        // Too large: 413 with an ApiError.
        let big = vec![b' '; quetma_core::api::MAX_BODY_BYTES + 10];
        let (s, _, bytes) = app
            .raw(
                Method::POST,
                "/api/v1/uploads",
                None,
                Some(big),
                &[("QuetMa-Device", "DEVICECCCCCCCCCCCCCC")],
            )
            .await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        let e: quetma_core::api::ApiError = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(e.code, "too_large");
        // Rate limit: the sixth request in a burst of five is refused with Retry-After.
        for _ in 0..5 {
            let (s, _, _) = app
                .device(Method::GET, "/api/v1/trust-list", DEVICE, None, None, &[])
                .await;
            assert_eq!(s, StatusCode::OK);
        }
        let (s, h, b) = app
            .device(Method::GET, "/api/v1/trust-list", DEVICE, None, None, &[])
            .await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(b["code"], json!("rate_limited"));
        assert!(
            h.get("retry-after")
                .unwrap()
                .to_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                >= 1
        );
        // Another device is not affected.
        let (s, _, _) = app
            .device(
                Method::GET,
                "/api/v1/trust-list",
                "DEVICEDDDDDDDDDDDDDD",
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
}

#[tokio::test]
async fn trust_list_and_exposures_are_signed_with_etags() {
    on_backends!("exposures", |app| {
        let (s, _, b) = app
            .device(Method::GET, "/api/v1/trust-list", DEVICE, None, None, &[])
            .await;
        assert_eq!(s, StatusCode::OK);
        let signed: Signed<TrustListDoc> = serde_json::from_value(b).unwrap();
        let doc = signed.verify(&app.state.keys.trust).unwrap();
        assert_eq!(doc.signing[0].kid, *app.state.keys.signing.kid());
        assert_eq!(doc.sealing.unwrap().kid, *app.state.keys.sealing.kid());

        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let tracer = app.login_as("tracer1", Role::TracingOfficer, None).await;
        let (v1, _) = app.venue(&owner, "Quán cà phê", 100).await;
        let now = app.now();
        let (s, h, b) = app
            .device(Method::GET, "/api/v1/exposures", DEVICE, None, None, &[])
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h["etag"], "\"0-0\"");
        let list: ExposureList = serde_json::from_value::<Signed<ExposureList>>(b)
            .unwrap()
            .verify(&app.state.keys.trust)
            .unwrap();
        assert!(list.notices.is_empty());
        let (s, _, n1) = app
            .call(
                Method::POST,
                "/api/v1/notices",
                Some(&tracer),
                Some(json!({"venue_id": v1, "start": now - 60 * MIN, "end": now - 30 * MIN})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{n1}");
        let (_, _, n2) = app
            .call(Method::POST, "/api/v1/notices", Some(&tracer), Some(json!({"venue_id": v1, "start": now - 20 * MIN, "end": now - 10 * MIN, "level": "low"})))
            .await;
        let (s, h, b) = app
            .device(Method::GET, "/api/v1/exposures", DEVICE, None, None, &[])
            .await;
        assert_eq!(s, StatusCode::OK);
        let etag = h["etag"].to_str().unwrap().to_owned();
        assert_eq!(etag, "\"2-0\"");
        let list: ExposureList = serde_json::from_value::<Signed<ExposureList>>(b)
            .unwrap()
            .verify(&app.state.keys.trust)
            .unwrap();
        assert_eq!(list.notices.len(), 2);
        assert_eq!(list.latest_seq, 2);
        assert_eq!(list.notices[0].tail_ms, 30 * MIN);
        let (s, _, _) = app
            .device(
                Method::GET,
                "/api/v1/exposures",
                DEVICE,
                None,
                None,
                &[("If-None-Match", &etag)],
            )
            .await;
        assert_eq!(s, StatusCode::NOT_MODIFIED);
        // Delta after seq 1.
        let (_, _, b) = app
            .device(
                Method::GET,
                "/api/v1/exposures?since=1",
                DEVICE,
                None,
                None,
                &[],
            )
            .await;
        let list: ExposureList = serde_json::from_value::<Signed<ExposureList>>(b)
            .unwrap()
            .verify(&app.state.keys.trust)
            .unwrap();
        assert_eq!(list.notices.len(), 1);
        assert_eq!(list.notices[0].id, n2["id"].as_str().unwrap());
        // Withdrawal travels in the delta.
        let (s, _, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/notices/{}/withdraw", n1["id"].as_str().unwrap()),
                Some(&tracer),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (_, h, b) = app
            .device(
                Method::GET,
                "/api/v1/exposures?since=2",
                DEVICE,
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(h["etag"], "\"3-2\"");
        let list: ExposureList = serde_json::from_value::<Signed<ExposureList>>(b)
            .unwrap()
            .verify(&app.state.keys.trust)
            .unwrap();
        assert_eq!(list.notices.len(), 1);
        assert!(list.notices[0].withdrawn);
        // Audited.
        let actions: Vec<String> = quetma_server::service::audit::recent(&app.state, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.contains(&"notice.publish".to_owned()));
        assert!(actions.contains(&"notice.withdraw".to_owned()));
    });
}

#[tokio::test]
async fn tracing_overlap_with_tail_export_and_audit() {
    on_backends!("tracing", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let tracer = app.login_as("tracer1", Role::TracingOfficer, None).await;
        let (v1, _) = app.venue(&owner, "Nhà hàng", 100).await;
        let (v2, _) = app.venue(&owner, "Tiệm tóc", 100).await;
        let now = app.now();
        let case_start = now - 5 * 60 * MIN;
        let case_end = case_start + 60 * MIN;
        let visits = vec![
            app.visit(
                "during",
                &v1,
                case_start + 10 * MIN,
                Some(case_start + 40 * MIN),
                "=CMD|' /C calc'!A0",
            ),
            app.visit(
                "tail",
                &v1,
                case_end + 10 * MIN,
                Some(case_end + 50 * MIN),
                "Lê Văn Cường",
            ),
            app.visit(
                "after-tail",
                &v1,
                case_end + 31 * MIN,
                Some(case_end + 60 * MIN),
                "Phạm Thị Dung",
            ),
            app.visit(
                "before",
                &v1,
                case_start - 60 * MIN,
                Some(case_start - 1),
                "Hoàng Văn Em",
            ),
            app.visit(
                "other-venue",
                &v2,
                case_start + 10 * MIN,
                Some(case_start + 40 * MIN),
                "Vũ Thị Giang",
            ),
            // Open-ended: its planned end (30 min) covers the window start.
            app.visit("planned", &v1, case_start - 20 * MIN, None, "Đỗ Văn Hùng"),
        ];
        let (_, _, b) = app
            .upload(
                DEVICE,
                None,
                Some(json!({"sent_at": now, "visits": visits})),
            )
            .await;
        assert_eq!(upload_resp(&b).accepted.len(), 6);
        let (s, _, c) = app
            .call(Method::POST, "/api/v1/cases", Some(&tracer),
                Some(json!({"windows": [{"venue_id": v1, "start": case_start, "end": case_end}], "tail_ms": 30 * MIN, "min_overlap_ms": MIN})))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let mut ids: Vec<&str> = c["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["client_id"].as_str().unwrap())
            .collect();
        ids.sort();
        assert_eq!(ids, vec!["during", "planned", "tail"]);
        let case_id = c["case_id"].as_str().unwrap();
        // Export and open offline.
        let (s, _, e) = app
            .call(
                Method::GET,
                &format!("/api/v1/cases/{case_id}/export"),
                Some(&tracer),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let export: CaseExport = serde_json::from_value(e).unwrap();
        assert_eq!(export.records.len(), 3);
        let mut names: Vec<String> = export
            .records
            .iter()
            .map(|r| {
                r.sealed
                    .to_sealed()
                    .unwrap()
                    .open(&app.sealing)
                    .unwrap()
                    .full_name
            })
            .collect();
        names.sort();
        assert!(names.contains(&"Lê Văn Cường".to_owned()), "{names:?}");
        // Every tracing query and export is audited.
        let entries = quetma_server::service::audit::recent(&app.state, 10)
            .await
            .unwrap();
        assert!(
            entries
                .iter()
                .any(|e| e.action == "trace.query" && e.target == case_id)
        );
        assert!(
            entries
                .iter()
                .any(|e| e.action == "trace.export" && e.target == case_id)
        );
        // The audit log is append-only.
        assert!(
            app.state
                .db
                .exec("UPDATE audit_log SET action = 'x'", &[])
                .await
                .is_err()
        );
        assert!(
            app.state
                .db
                .exec("DELETE FROM audit_log", &[])
                .await
                .is_err()
        );
        // From the case's own visits.
        let (s, _, c) = app
            .call(Method::POST, "/api/v1/cases", Some(&tracer),
                Some(json!({"visits": [{"venue_id": v2, "started_at": case_start, "ended_at": case_end}]})))
            .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(c["contacts"].as_array().unwrap().len(), 1);
        assert_eq!(c["contacts"][0]["client_id"], json!("other-venue"));
    });
}

#[tokio::test]
async fn clock_skew_is_corrected() {
    on_backends!("skew", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (v1, _) = app.venue(&owner, "Siêu thị", 100).await;
        let now = app.now();
        // The phone's clock is two hours slow.
        let phone_now = now - 2 * 60 * MIN;
        let v = app.visit("skewed", &v1, phone_now - 10 * MIN, None, "A");
        let (_, _, b) = app
            .upload(
                DEVICE,
                None,
                Some(json!({"sent_at": phone_now, "visits": [v]})),
            )
            .await;
        assert_eq!(upload_resp(&b).accepted, vec!["skewed"]);
        let rows = app
            .state
            .db
            .query("SELECT started_at FROM checkins", &[])
            .await
            .unwrap();
        assert_eq!(rows[0].int(0).unwrap(), now - 10 * MIN);
        // Within the tolerance nothing moves.
        let v = app.visit("near", &v1, now - 10 * MIN, None, "A");
        app.upload(
            DEVICE,
            None,
            Some(json!({"sent_at": now - 30_000, "visits": [v]})),
        )
        .await;
        let rows = app
            .state
            .db
            .query(
                "SELECT started_at FROM checkins WHERE client_id = 'near'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(rows[0].int(0).unwrap(), now - 10 * MIN);
    });
}

#[tokio::test]
async fn web_check_in_seals_at_once() {
    on_backends!("web", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (v1, qr) = app.venue(&owner, "Nhà văn hoá tổ 5", 100).await;
        let code = qr.split("/V/").nth(1).unwrap();
        let (s, _, page) = app
            .raw(Method::GET, &format!("/V/{code}"), None, None, &[])
            .await;
        assert_eq!(s, StatusCode::OK);
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("Nhà văn hoá tổ 5"));
        assert!(page.contains("lang=\"vi\""));
        assert!(page.contains("Họ tên"));
        let (_, _, en) = app
            .raw(Method::GET, &format!("/V/{code}?lang=en"), None, None, &[])
            .await;
        assert!(String::from_utf8(en).unwrap().contains("Full name"));
        // A bad phone number re-shows the form.
        let (s, body) = app
            .form(&format!("/V/{code}"), "full_name=Nguyen+Thi+Hoa&phone=12")
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("Nguyen Thi Hoa"));
        let (s, body) = app
            .form(&format!("/V/{code}"), "full_name=Nguy%E1%BB%85n+Th%E1%BB%8B+Hoa&phone=0912+345+678&birth_year=1988&health_consent=1&symptom_cough=1&contact_0=1")
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(body.contains("Đã check-in"));
        let rows = app
            .state
            .db
            .query("SELECT venue_id, source, contact_kid, contact_enc, contact_ct, client_id FROM checkins", &[])
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].text(0).unwrap(), v1);
        assert_eq!(rows[0].text(1).unwrap(), "web");
        for i in 0..6 {
            let t = rows[0].text(i).unwrap();
            assert!(!t.contains("Hoa") && !t.contains("0912345678"));
        }
        let sealed = quetma_core::outbox::SealedContactJson {
            kid: rows[0].text(2).unwrap(),
            enc: rows[0].text(3).unwrap(),
            ct: rows[0].text(4).unwrap(),
        };
        let rec = sealed.to_sealed().unwrap().open(&app.sealing).unwrap();
        assert_eq!(rec.phone.as_deref(), Some("0912345678"));
        assert_eq!(rec.birth_year, Some(1988));
        // Health answers are kept apart, without identity.
        let rows = app
            .state
            .db
            .query("SELECT answers FROM declarations", &[])
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        let answers = rows[0].text(0).unwrap();
        assert!(answers.contains("cough") && !answers.contains("Hoa"));
        // A forged or unknown poster is refused.
        let (s, _, _) = app.raw(Method::GET, "/V/AAAA", None, None, &[]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    });
}

#[tokio::test]
async fn retention_purges_past_the_window() {
    on_backends!("retention", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let tracer = app.login_as("tracer1", Role::TracingOfficer, None).await;
        let (v1, _) = app.venue(&owner, "Bể bơi", 100).await;
        let t = app.now();
        let visits = vec![
            app.visit("old", &v1, t - 2 * 60 * MIN, Some(t - 60 * MIN), "A"),
            app.visit("older", &v1, t - 20 * DAY, Some(t - 20 * DAY + MIN), "B"),
        ];
        let (_, _, b) = app
            .upload(DEVICE, None, Some(json!({"sent_at": t, "visits": visits})))
            .await;
        assert_eq!(upload_resp(&b).accepted.len(), 2);
        let (s, _, _) = app
            .call(
                Method::POST,
                "/api/v1/cases",
                Some(&tracer),
                Some(json!({"windows": [{"venue_id": v1, "start": t - 3 * 60 * MIN, "end": t}]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        app.call(
            Method::POST,
            "/api/v1/notices",
            Some(&tracer),
            Some(json!({"venue_id": v1, "start": t - 60 * MIN, "end": t - 30 * MIN})),
        )
        .await;
        // Two days later only "older" (20 days old then 22) is past the 21-day window.
        app.state.clock.set(t + 2 * DAY);
        let p = quetma_server::retention::run_once(&app.state)
            .await
            .unwrap();
        let left: Vec<String> = app
            .state
            .db
            .query("SELECT client_id FROM checkins", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.text(0).unwrap())
            .collect();
        assert_eq!(left, vec!["old"]);
        if app.backend == "postgres" {
            assert!(p.partitions_dropped >= 1, "{p:?}");
        } else {
            assert_eq!(p.checkins, 1);
        }
        // A new upload at the new "now" lands in a partition made ahead.
        let v = app.visit("new", &v1, t + 2 * DAY - MIN, None, "C");
        let (_, _, b) = app
            .upload(
                DEVICE,
                None,
                Some(json!({"sent_at": t + 2 * DAY, "visits": [v]})),
            )
            .await;
        assert_eq!(upload_resp(&b).accepted, vec!["new"]);
        // 22 days on, everything from day 0 has gone: check-ins, cases and their records,
        // notices, sessions.
        app.state.clock.set(t + 22 * DAY);
        quetma_server::retention::run_once(&app.state)
            .await
            .unwrap();
        let left: Vec<String> = app
            .state
            .db
            .query("SELECT client_id FROM checkins", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.text(0).unwrap())
            .collect();
        assert_eq!(left, vec!["new"]);
        for table in ["cases", "case_records", "notices", "sessions"] {
            let n = app
                .state
                .db
                .query(&format!("SELECT COUNT(*) FROM {table}"), &[])
                .await
                .unwrap()[0]
                .int(0)
                .unwrap();
            assert_eq!(n, 0, "{table}");
        }
        // The audit log stays.
        let n = app
            .state
            .db
            .query("SELECT COUNT(*) FROM audit_log", &[])
            .await
            .unwrap()[0]
            .int(0)
            .unwrap();
        assert!(n >= 2);
    });
}

#[tokio::test]
async fn ward_stats_reminders_and_flags() {
    on_backends!("ward", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let ward = app.login_as("ward1", Role::WardOfficer, Some(100)).await;
        let other_ward = app.login_as("ward2", Role::WardOfficer, Some(200)).await;
        let (busy, _) = app.venue(&owner, "Chợ", 100).await;
        let (idle, _) = app.venue(&owner, "Tiệm vàng", 100).await;
        let now = app.now();
        let visits: Vec<_> = (0..3)
            .map(|i| app.visit(&format!("c{i}"), &busy, now - (i + 1) * MIN, None, "A"))
            .collect();
        app.upload(
            DEVICE,
            None,
            Some(json!({"sent_at": now, "visits": visits})),
        )
        .await;
        let (s, _, st) = app
            .call(
                Method::GET,
                "/api/v1/wards/100/stats?period=day",
                Some(&ward),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{st}");
        let st = st.as_array().unwrap();
        assert_eq!(st[0]["venue"]["id"], json!(idle));
        assert_eq!(st[0]["idle"], json!(true));
        assert_eq!(st[1]["checkins"], json!(3));
        let (s, _, _) = app
            .call(
                Method::GET,
                "/api/v1/wards/100/stats",
                Some(&other_ward),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        for i in 1..=3 {
            let (s, _, v) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/venues/{idle}/reminders"),
                    Some(&ward),
                    Some(json!({"message": "Dán mã QR ở cửa ra vào"})),
                )
                .await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(v["reminder_count"], json!(i));
            assert_eq!(v["flagged"], json!(i >= 3));
        }
        let (s, _, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/venues/{idle}/reminders"),
                Some(&other_ward),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    });
}

#[tokio::test]
async fn poster_pdf_and_sessions() {
    on_backends!("poster", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (v1, qr) = app.venue(&owner, "Nhà sách", 100).await;
        assert!(qr.starts_with("HTTPS://QR.QUETMA.TEST/V/"));
        let poster = quetma_core::payload::venue::decode(&qr, &app.state.keys.trust).unwrap();
        assert_eq!(poster.info.venue_id, v1);
        assert_eq!(poster.info.commune_code, 100);
        let (s, h, pdf) = app
            .raw(
                Method::GET,
                &format!("/api/v1/venues/{v1}/poster.pdf"),
                Some(&owner),
                None,
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h["content-type"], "application/pdf");
        assert!(pdf.starts_with(b"%PDF"));
        // Another owner may not.
        let other = app.login_as("owner2", Role::VenueOwner, None).await;
        let (s, _, _) = app
            .raw(
                Method::GET,
                &format!("/api/v1/venues/{v1}/poster.pdf"),
                Some(&other),
                None,
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Wrong password; sign-out ends the session.
        let (s, _, _) = app
            .call(
                Method::POST,
                "/api/v1/session",
                None,
                Some(json!({"username": "owner1", "password": "nope nope nope"})),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _, _) = app
            .call(Method::DELETE, "/api/v1/session", Some(&owner), None)
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _, _) = app
            .call(Method::GET, "/api/v1/venues", Some(&owner), None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // Passwords are argon2id hashes.
        let h = app
            .state
            .db
            .query(
                "SELECT password_hash FROM accounts WHERE username = 'owner1'",
                &[],
            )
            .await
            .unwrap();
        assert!(h[0].text(0).unwrap().starts_with("$argon2id$"));
    });
}

#[tokio::test]
async fn web_check_ins_are_rate_limited_per_address_and_venue() {
    for (backend, url) in common::backends("web_limit").await {
        let app = common::TestApp::with_config(
            backend,
            &url,
            quetma_server::state::Config {
                web_checkin_burst: 3,
                web_checkin_per_minute: 1,
                trust_forwarded_for: true,
                ..Default::default()
            },
        )
        .await;
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (_, qr1) = app.venue(&owner, "Chợ Hà Đông", 100).await;
        let (_, qr2) = app.venue(&owner, "Siêu thị Mê Linh", 100).await;
        let post = |qr: &str, from: &'static str| {
            let path = format!("/V/{}", qr.split("/V/").nth(1).unwrap());
            let app = &app;
            async move {
                let (token, cookie) = app.web_token(&path).await;
                app.raw(
                    Method::POST,
                    &path,
                    None,
                    Some(
                        format!("t={token}&full_name=Nguyen+Van+Binh&phone=0912345678")
                            .into_bytes(),
                    ),
                    &[
                        ("content-type", "application/x-www-form-urlencoded"),
                        ("x-forwarded-for", from),
                        ("cookie", &cookie),
                    ],
                )
                .await
            }
        };
        for _ in 0..3 {
            assert_eq!(post(&qr1, "203.0.113.7").await.0, StatusCode::OK);
        }
        // The fourth from the same address at the same venue waits, and is not stored.
        let (s, headers, body) = post(&qr1, "10.0.0.9, 203.0.113.7").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert!(headers.contains_key("retry-after"));
        assert!(String::from_utf8_lossy(&body).contains("Quá nhiều lượt check-in"));
        let rows = app
            .state
            .db
            .query("SELECT client_id FROM checkins", &[])
            .await
            .unwrap();
        assert_eq!(rows.len(), 3);
        // Another address, or the same address at another venue, is not held back.
        assert_eq!(post(&qr1, "198.51.100.4").await.0, StatusCode::OK);
        assert_eq!(post(&qr2, "203.0.113.7").await.0, StatusCode::OK);
    }
}

/// PostgreSQL: a batch whose new item another batch is storing at that moment (a phone's
/// resend after a timeout, two phones restored from one backup). The second batch's key insert
/// waits for the first transaction, meets its key when it commits, and runs again: it then
/// finds the earlier body and replaces it. Every item is stored once and the upload succeeds.
#[tokio::test]
async fn a_batch_racing_another_with_the_same_new_item_stores_it_once() {
    for (backend, url) in common::backends("upload_race").await {
        if backend != "postgres" {
            continue; // SQLite has one writer: no two batches are stored at once.
        }
        let app = common::TestApp::new(backend, &url).await;
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (venue, _) = app.venue(&owner, "Tạp hoá Minh", 100).await;
        let start = app.now() - 10 * MIN;
        let visits: Vec<_> = (0..10)
            .map(|i| app.visit(&format!("c-{i}"), &venue, start, None, "Nguyễn Văn An"))
            .collect();
        // The other batch, mid-transaction: it has recorded c-0's key and body, not committed.
        let mut other = app.state.db.begin().await.unwrap();
        other
            .exec(
                "INSERT INTO checkin_keys (venue_id, client_id, started_at) VALUES ($1, 'c-0', $2)",
                &quetma_server::params![venue.as_str(), start],
            )
            .await
            .unwrap();
        other
            .exec(
                "INSERT INTO checkins (venue_id, client_id, source, started_at, planned_end, \
                 poster_kid, contact_kid, contact_enc, contact_ct, received_at) \
                 VALUES ($1, 'c-0', 'app', $2, $3, 'k', 'AAAAAAAA', 'AAAA', 'AAAA', $2)",
                &quetma_server::params![venue.as_str(), start, start + 30 * MIN],
            )
            .await
            .unwrap();
        let batch = json!({"sent_at": app.now(), "visits": visits});
        let ((s, _, b), ()) = tokio::join!(app.upload(DEVICE, None, Some(batch)), async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            other.commit().await.unwrap();
        });
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(upload_resp(&b).accepted.len(), 10, "{b}");
        let rows = app
            .state
            .db
            .query(
                "SELECT client_id, COUNT(*), MIN(contact_kid) FROM checkins WHERE venue_id = $1 \
                 GROUP BY client_id ORDER BY client_id",
                &quetma_server::params![venue.as_str()],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 10);
        for r in &rows {
            assert_eq!(
                r.int(1).unwrap(),
                1,
                "{} stored more than once",
                r.text(0).unwrap()
            );
        }
        // c-0's body is the uploaded one: the other batch's was replaced.
        assert_ne!(rows[0].text(2).unwrap(), "AAAAAAAA");
    }
}
