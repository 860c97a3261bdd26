//! Check-in by SMS for feature phones, on SQLite and PostgreSQL: the gateway's webhook
//! (token, rate limit, idempotency), the sealed check-in and its receipt in the file gateway,
//! helpful replies, the check-in as an SMS contact of a case, exactly one exposure SMS when a
//! notice over the visit is published, and retention of the new tables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use axum::http::{Method, StatusCode};
use quetma_core::outbox::SealedContactJson;
use quetma_server::service::accounts::Role;
use quetma_server::service::sms_checkin::{self, SMS_CONTACT_NAME};
use quetma_server::sms::GatewayConfig;
use quetma_server::state::Config;
use serde_json::{Value, json};

const TOKEN: &str = "gateway-secret-token";

async fn inbound(
    app: &common::TestApp,
    token: Option<&str>,
    from: &str,
    text: &str,
    id: &str,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    app.call(
        Method::POST,
        "/api/v1/sms/inbound",
        token,
        Some(json!({"from": from, "text": text, "message_id": id})),
    )
    .await
}

/// The messages the file gateway wrote.
fn outbox(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn exposure_sms(path: &Path) -> Vec<Value> {
    outbox(path)
        .into_iter()
        .filter(|m| m["key"].as_str().unwrap().starts_with("exposure-"))
        .collect()
}

async fn count(app: &common::TestApp, sql: &str) -> i64 {
    app.state
        .db
        .query_opt(sql, &[])
        .await
        .unwrap()
        .unwrap()
        .int(0)
        .unwrap()
}

#[tokio::test]
async fn the_webhook_is_off_without_a_token() {
    let app = common::TestApp::new("sqlite", "sqlite::memory:").await;
    let (s, _, b) = inbound(&app, Some("anything"), "0912345678", "QM V-X", "m1").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{b}");
    assert_eq!(b["code"], "sms_off");
}

#[tokio::test]
async fn check_in_by_sms_end_to_end() {
    for (backend, url) in common::backends("sms_checkin").await {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sms.jsonl");
        let app = common::TestApp::with_config(
            backend,
            &url,
            Config {
                sms_inbound_token: Some(TOKEN.into()),
                sms_number: Some("8079".into()),
                sms_gateway: GatewayConfig::File(file.clone()),
                ..Config::default()
            },
        )
        .await;
        let owner = app.login_as("chu", Role::VenueOwner, None).await;
        let ward = app.login_as("phuong", Role::WardOfficer, Some(100)).await;
        let tracer = app.login_as("truyvet", Role::TracingOfficer, None).await;
        let (venue, _) = app.venue(&owner, "Chợ Hà Đông", 100).await;
        let (closed, _) = app.venue(&owner, "Quán đóng cửa", 100).await;
        let (s, _, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/venues/{closed}/suspension"),
                Some(&ward),
                Some(json!({"suspended": true})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{backend}");

        // The gateway's token, and nothing else, opens the webhook.
        for t in [None, Some("wrong"), Some(owner.as_str())] {
            let (s, _, _) = inbound(&app, t, "0912345678", "QM V-X", "m0").await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{backend}: {t:?}");
        }
        assert!(outbox(&file).is_empty());

        // A good check-in: typed in lower case, with spaces, as an elderly visitor might.
        let now = app.now();
        let typed = format!("qm {}", venue.to_lowercase().replace('-', " "));
        let (s, _, b) = inbound(&app, Some(TOKEN), "0912345678", &typed, "m1").await;
        assert_eq!(s, StatusCode::OK, "{backend}: {b}");
        assert_eq!(
            b,
            json!({"status": "checked_in", "duplicate": false, "reply_sent": true})
        );
        let sent = outbox(&file);
        assert_eq!(sent.len(), 1, "{backend}: {sent:?}");
        assert_eq!(sent[0]["to"], "0912345678");
        let receipt = sent[0]["text"].as_str().unwrap();
        assert!(receipt.contains("Da check-in tai Cho Ha Dong"), "{receipt}");
        assert!(receipt.len() <= 160 && receipt.is_ascii(), "{receipt}");

        // The same message again (a gateway retry): nothing happens twice.
        let (s, _, b) = inbound(&app, Some(TOKEN), "0912345678", &typed, "m1").await;
        assert_eq!(s, StatusCode::OK, "{backend}");
        assert_eq!(
            b,
            json!({"status": "checked_in", "duplicate": true, "reply_sent": false})
        );
        assert_eq!(outbox(&file).len(), 1, "{backend}: one receipt");
        assert_eq!(
            count(
                &app,
                &format!("SELECT COUNT(*) FROM checkins WHERE venue_id = '{venue}'")
            )
            .await,
            1,
            "{backend}: one check-in"
        );

        // Stored like a manual entry: source sms, the default stay as the planned end, the
        // number sealed to the authority's key (the offline key opens it).
        let row = app
            .state
            .db
            .query_opt(
                &format!(
                    "SELECT source, started_at, planned_end, contact_kid, contact_enc, contact_ct, \
                     client_id FROM checkins WHERE venue_id = '{venue}'"
                ),
                &[],
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.text(0).unwrap(), "sms");
        assert_eq!(row.int(1).unwrap(), now);
        assert_eq!(row.int(2).unwrap(), now + 30 * 60_000);
        let sealed = SealedContactJson {
            kid: row.text(3).unwrap(),
            enc: row.text(4).unwrap(),
            ct: row.text(5).unwrap(),
        };
        let record = sealed.to_sealed().unwrap().open(&app.sealing).unwrap();
        assert_eq!(record.phone.as_deref(), Some("0912345678"));
        assert_eq!(record.full_name, SMS_CONTACT_NAME);
        let client_id = row.text(6).unwrap();
        // The number is in no table in the clear (check-ins, reply channel, inbound log,
        // idempotency keys, audit log).
        for table in [
            "checkins",
            "sms_replies",
            "sms_inbound",
            "sms_sent",
            "audit_log",
        ] {
            let rows = app
                .state
                .db
                .query(&format!("SELECT * FROM {table}"), &[])
                .await
                .unwrap();
            let text = format!("{rows:?}");
            assert!(!text.contains("912345678"), "{backend}: {table}: {text}");
        }

        // Helpful replies, never an error page: the answer is JSON, the reply an SMS.
        for (i, (text, status, needle)) in [
            ("", "malformed", "De check-in, nhan QM"),
            ("QM", "malformed", "De check-in, nhan QM"),
            ("?!", "malformed", "De check-in, nhan QM"),
            (
                "QM V-NOPE2345",
                "unknown_venue",
                "Khong tim thay ma dia diem",
            ),
            (
                &format!("QM {closed}") as &str,
                "venue_suspended",
                "tam dung nhan check-in",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let before = outbox(&file).len();
            let (s, _, b) =
                inbound(&app, Some(TOKEN), "+84900000001", text, &format!("h{i}")).await;
            assert_eq!(s, StatusCode::OK, "{backend}: {text:?}: {b}");
            assert_eq!(b["status"], status, "{backend}: {text:?}");
            assert_eq!(b["reply_sent"], true, "{backend}: {text:?}");
            let sent = outbox(&file);
            assert_eq!(sent.len(), before + 1);
            let reply = sent.last().unwrap();
            assert_eq!(reply["to"], "+84900000001");
            assert!(
                reply["text"].as_str().unwrap().contains(needle),
                "{backend}: {reply}"
            );
        }
        assert_eq!(
            count(
                &app,
                &format!("SELECT COUNT(*) FROM checkins WHERE venue_id = '{closed}'")
            )
            .await,
            0,
            "{backend}: no check-in at a suspended venue"
        );
        // A sender that is not a number: refused (there is nobody to reply to).
        let (s, _, _) = inbound(&app, Some(TOKEN), "VIETTEL", "QM X", "bad").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");

        // Rate limit per sending number: a burst of 5, then 429 (nothing stored, so the
        // gateway's retry of that message is processed later).
        for i in 0..5 {
            let (s, _, _) = inbound(&app, Some(TOKEN), "0987654321", "QM", &format!("r{i}")).await;
            assert_eq!(s, StatusCode::OK, "{backend}: {i}");
        }
        let (s, h, b) = inbound(&app, Some(TOKEN), "0987654321", "QM", "r5").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{backend}: {b}");
        assert!(h.get("retry-after").is_some());
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM sms_inbound WHERE outcome = 'pending'"
            )
            .await,
            0
        );
        // Another number is not held up.
        let (s, _, _) = inbound(&app, Some(TOKEN), "0911111111", "QM", "r6").await;
        assert_eq!(s, StatusCode::OK, "{backend}");

        // The tracing query: the check-in is an SMS contact (the server texts it).
        let (s, _, case) = app
            .call(
                Method::POST,
                "/api/v1/cases",
                Some(&tracer),
                Some(json!({"windows": [{"venue_id": venue, "start": now - 600_000, "end": now + 600_000}]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{backend}: {case}");
        let contacts = case["contacts"].as_array().unwrap();
        assert_eq!(contacts.len(), 1, "{backend}: {case}");
        assert_eq!(contacts[0]["kind"], "sms");
        assert_eq!(contacts[0]["learns_by"], "sms");
        assert_eq!(contacts[0]["client_id"], client_id.as_str());
        let (_, _, reach) = app
            .call(
                Method::GET,
                &format!(
                    "/api/v1/cases/{}/outcomes",
                    case["case_id"].as_str().unwrap()
                ),
                Some(&tracer),
                None,
            )
            .await;
        assert_eq!(
            (reach["by_app"].as_i64(), reach["to_call"].as_i64()),
            (Some(0), Some(1)),
            "{backend}: {reach}"
        );

        // The tracer may also have the server text that record directly (once per case).
        let case_id = case["case_id"].as_str().unwrap();
        let path = format!("/api/v1/cases/{case_id}/sms");
        let record = json!({"kind": "sms", "venue_id": venue, "client_id": client_id});
        for expect in [
            json!({"sent": true, "already": false}),
            json!({"sent": false, "already": true}),
        ] {
            let (s, _, b) = app
                .call(Method::POST, &path, Some(&tracer), Some(record.clone()))
                .await;
            assert_eq!(s, StatusCode::OK, "{backend}: {b}");
            assert_eq!(b, expect, "{backend}");
        }
        let texted: Vec<Value> = outbox(&file)
            .into_iter()
            .filter(|m| m["key"].as_str().unwrap().starts_with("case-"))
            .collect();
        assert_eq!(texted.len(), 1, "{backend}");
        assert_eq!(texted[0]["to"], "0912345678");
        let mut with_phone = record.clone();
        with_phone["phone"] = json!("0900000000");
        let (s, _, _) = app
            .call(Method::POST, &path, Some(&tracer), Some(with_phone))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        let (s, _, _) = app
            .call(Method::POST, &path, Some(&owner), Some(record.clone()))
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{backend}");

        // A notice over the visit: exactly one exposure SMS to that number.
        assert!(exposure_sms(&file).is_empty());
        let (s, _, notice) = app
            .call(
                Method::POST,
                "/api/v1/notices",
                Some(&tracer),
                Some(json!({"venue_id": venue, "start": now - 600_000, "end": now + 300_000})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{backend}: {notice}");
        // Sent in the background: wait for it (bounded).
        let mut waited = 0;
        while exposure_sms(&file).is_empty() && waited < 200 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            waited += 1;
        }
        let exposures = exposure_sms(&file);
        assert_eq!(exposures.len(), 1, "{backend}: {exposures:?}");
        assert_eq!(exposures[0]["to"], "0912345678");
        let text = exposures[0]["text"].as_str().unwrap();
        assert!(
            text.contains("tiep xuc ca benh tai Cho Ha Dong"),
            "{backend}: {text}"
        );
        // Sending again (a retry, a second pass) sends nothing more.
        let n: quetma_core::api::ExposureNotice = serde_json::from_value(notice.clone()).unwrap();
        let tally = sms_checkin::send_exposure_sms(
            &app.state,
            &quetma_server::service::audit::Actor::default(),
            &n,
        )
        .await
        .unwrap();
        assert_eq!((tally.reached, tally.sent, tally.already), (1, 0, 1));
        assert_eq!(
            sms_checkin::catch_up(&app.state).await.unwrap(),
            0,
            "{backend}: the hourly pass sends nothing twice"
        );
        assert_eq!(exposure_sms(&file).len(), 1, "{backend}");
        // Audited, by the officer who published.
        let rows = app
            .state
            .db
            .query(
                "SELECT username, detail FROM audit_log WHERE action = 'sms.exposure' ORDER BY id",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(rows[0].opt_text(0).unwrap().as_deref(), Some("truyvet"));
        assert!(rows[0].text(1).unwrap().contains("\"sent\":1"));
        // A notice elsewhere (the suspended venue, nobody checked in) texts nobody.
        let (s, _, _) = app
            .call(
                Method::POST,
                "/api/v1/notices",
                Some(&tracer),
                Some(json!({"venue_id": closed, "start": now - 600_000, "end": now})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        // A withdrawn notice texts nobody either.
        app.call(
            Method::POST,
            &format!("/api/v1/notices/{}/withdraw", n.id),
            Some(&tracer),
            None,
        )
        .await;
        let again = sms_checkin::send_exposure_sms(
            &app.state,
            &quetma_server::service::audit::Actor::default(),
            &n,
        )
        .await
        .unwrap();
        assert_eq!(again.reached, 0);
        assert_eq!(exposure_sms(&file).len(), 1, "{backend}");

        // The poster carries the SMS line with the deployment's number.
        let (s, _, pdf) = app
            .raw(
                Method::GET,
                &format!("/api/v1/venues/{venue}/poster.pdf"),
                Some(&owner),
                None,
                &[],
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(pdf.starts_with(b"%PDF"));

        // Retention: the reply channel and the inbound log go with the window.
        assert!(count(&app, "SELECT COUNT(*) FROM sms_replies").await >= 1);
        assert!(count(&app, "SELECT COUNT(*) FROM sms_inbound").await >= 1);
        app.state
            .clock
            .set(now + (app.state.config.retention_days + 2) * 86_400_000);
        let purged = quetma_server::retention::run_once(&app.state)
            .await
            .unwrap();
        assert!(purged.sms >= 2, "{backend}: {purged:?}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM sms_replies").await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM sms_inbound").await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM sms_sent").await, 0);
    }
}
