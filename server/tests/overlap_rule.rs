//! One rule, one place (issue 15, deliverable 5): the server's tracing query lists exactly the
//! visits a phone would alert on for the same case window, tail and least overlap — both decide
//! with `quetma_core::exposure::OverlapRule` — on SQLite and on PostgreSQL (when
//! QUETMA_TEST_POSTGRES_URL is set; scripts/with-postgres). Also: a multi-day stay (hotel,
//! hospital) that began days before the case's window is found.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestCaseError, TestRunner};
use quetma_core::api::{ExposureLevel, ExposureNotice, UploadResponse};
use quetma_core::exposure::{NoticeIndex, VisitWindow};
use quetma_server::service::accounts::Role;
use quetma_server::service::cases::{Window, query_window};
use serde_json::json;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// A time offset: whole minutes plus a few ms either side, so edges (touching, exactly the
/// least overlap, one ms short) come up often.
fn offset(lo_min: i64, hi_min: i64) -> impl Strategy<Value = i64> {
    (lo_min..=hi_min, -2i64..=2).prop_map(|(m, j)| m * MIN + j)
}

#[derive(Debug, Clone)]
struct Scenario {
    /// Case start, before "now".
    case_back: i64,
    case_len: i64,
    tail: i64,
    min_overlap: i64,
    /// (start offset from case start, length, ended: or open with planned end).
    visits: Vec<(i64, i64, bool)>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        offset(3 * 24 * 60, 4 * 24 * 60),
        prop_oneof![Just(0i64), offset(0, 6 * 60).prop_map(|l| l.max(0))],
        prop_oneof![Just(0i64), Just(30 * MIN), offset(0, 60)],
        prop_oneof![Just(0i64), Just(1i64), Just(MIN), offset(0, 20)],
        proptest::collection::vec(
            (
                // From 3 days before the case to 8 hours after its start.
                prop_oneof![offset(-3 * 24 * 60, 8 * 60), offset(-90, 90)],
                // Up to 3 days (hotel, hospital), often short.
                prop_oneof![offset(0, 3 * 24 * 60), offset(0, 120), Just(0i64)],
                any::<bool>(),
            ),
            1..12,
        ),
    )
        .prop_map(
            |(case_back, case_len, tail, min_overlap, visits)| Scenario {
                case_back,
                case_len,
                tail,
                min_overlap,
                visits,
            },
        )
}

fn notice(venue: &str, start: i64, end: i64, tail: i64, min: i64) -> ExposureNotice {
    ExposureNotice {
        id: "N-1".into(),
        venue_id: venue.into(),
        start,
        end,
        tail_ms: tail,
        min_overlap_ms: min,
        level: ExposureLevel::High,
        guidance_vi: "Theo dõi sức khoẻ".into(),
        guidance_en: "Watch your health".into(),
        published_at: 0,
        seq: 1,
        withdrawn: false,
    }
}

#[test]
fn tracer_lists_exactly_what_phones_alert_on() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let backends = rt.block_on(common::backends("overlap_rule"));
    for (backend, url) in backends {
        let app = rt.block_on(common::TestApp::new(backend, &url));
        let owner = rt.block_on(app.login_as("owner1", Role::VenueOwner, None));
        let (venue, _) = rt.block_on(app.venue(&owner, "Khách sạn Hà Đông", 100));
        let cases = if backend == "postgres" { 24 } else { 48 };
        let mut runner = TestRunner::new(PropConfig {
            cases,
            failure_persistence: None,
            ..PropConfig::default()
        });
        let round = std::sync::atomic::AtomicU32::new(0);
        runner
            .run(&scenario(), |sc| {
                let n = round.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                rt.block_on(check(&app, &venue, n, &sc))
            })
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        eprintln!("overlap_rule: {backend}: {cases} cases agree");
    }
}

async fn check(
    app: &common::TestApp,
    venue: &str,
    round: u32,
    sc: &Scenario,
) -> Result<(), TestCaseError> {
    app.state
        .db
        .exec("DELETE FROM checkins WHERE venue_id = $1", &[venue.into()])
        .await
        .unwrap();
    let now = app.now();
    let case_start = now - sc.case_back;
    let case_end = case_start + sc.case_len;
    let mut uploads = Vec::new();
    let mut phone = Vec::new();
    for (i, &(off, len, ended)) in sc.visits.iter().enumerate() {
        let start = case_start + off;
        let end = start + len.max(0);
        let id = format!("r{round}-v{i}");
        let mut v = app.visit(&id, venue, start, ended.then_some(end), "Nguyễn Văn An");
        if !ended {
            v.planned_end = end;
        }
        // What the phone keeps: the same visit, its end or planned end.
        phone.push(VisitWindow {
            visit_id: id.clone(),
            profile_id: "P".into(),
            venue_id: venue.into(),
            start,
            end,
        });
        uploads.push(v);
    }
    // A phone per round (one phone's uploads are rate-limited).
    let device = format!(
        "DEVICE{:A>14}",
        data_encoding::BASE32_NOPAD.encode(&round.to_be_bytes())
    );
    let (s, _, b) = app
        .upload(
            &device,
            None,
            Some(json!({"sent_at": now, "visits": uploads})),
        )
        .await;
    prop_assert_eq!(s, StatusCode::OK, "{}", b);
    let r: UploadResponse = serde_json::from_value(b).unwrap();
    prop_assert_eq!(r.accepted.len(), sc.visits.len(), "{:?}", r.rejected);

    // The phone: its matcher over the signed notice for this case.
    let idx = NoticeIndex::new([notice(venue, case_start, case_end, sc.tail, sc.min_overlap)]);
    let mut alerted: Vec<(String, i64)> = idx
        .matches(&phone)
        .iter()
        .map(|m| (phone[m.visit].visit_id.clone(), m.to - m.from))
        .collect();
    alerted.sort();
    // The tracer: the server's query for the same window.
    let w = Window {
        venue_id: venue.into(),
        start: case_start,
        end: case_end,
    };
    let mut listed: Vec<(String, i64)> = query_window(&app.state, &w, sc.tail, sc.min_overlap)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.contact.client_id, r.contact.overlap_ms))
        .collect();
    listed.sort();
    prop_assert_eq!(listed, alerted);
    Ok(())
}

#[tokio::test]
async fn multi_day_stay_that_began_days_before_the_window_is_found() {
    on_backends!("multi_day_stay", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let tracer = app.login_as("tracer1", Role::TracingOfficer, None).await;
        let (hotel, _) = app.venue(&owner, "Khách sạn Mường Thanh", 100).await;
        let now = app.now();
        let case_start = now - 2 * DAY;
        let case_end = case_start + 2 * HOUR;
        let visits = vec![
            // Checked in 5 days before the case came, still there after it left.
            app.visit(
                "guest",
                &hotel,
                case_start - 5 * DAY,
                Some(case_end + DAY),
                "Trần Thị Bình",
            ),
            // Open hospital stay: planned end 10 days after admission, 4 days before the case.
            {
                let mut v = app.visit("patient", &hotel, case_start - 4 * DAY, None, "Lê Văn C");
                v.planned_end = case_start + 6 * DAY;
                v
            },
            // Left the day before: not a contact.
            app.visit(
                "left",
                &hotel,
                case_start - 6 * DAY,
                Some(case_start - DAY),
                "Phạm Văn D",
            ),
        ];
        let (s, _, b) = app
            .upload(
                common::DEVICE,
                None,
                Some(json!({"sent_at": now, "visits": visits})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, _, c) = app
            .call(
                Method::POST,
                "/api/v1/cases",
                Some(&tracer),
                Some(
                    json!({"windows": [{"venue_id": hotel, "start": case_start, "end": case_end}]}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let mut ids: Vec<&str> = c["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["client_id"].as_str().unwrap())
            .collect();
        ids.sort();
        assert_eq!(ids, ["guest", "patient"], "{}", app.backend);
    });
}

/// The web check-in page validates with core's own contact rules: a future year of birth is
/// refused, a passport number is kept as one, and the name is normalised before sealing.
#[tokio::test]
async fn web_check_in_uses_core_contact_validation() {
    on_backends!("web_contact", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (_, qr) = app.venue(&owner, "Nhà văn hoá tổ 5", 100).await;
        let path = format!("/V/{}", qr.split("/V/").nth(1).unwrap());
        let (s, body) = app
            .form(
                &path,
                "full_name=Nguyen+Thi+Hoa&phone=0912345678&birth_year=2100",
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("từ 1900 đến năm nay"), "{body}");
        // "Nguyễn" typed with combining marks, extra spaces; a passport number in lower case.
        let (s, body) = app
            .form(
                &path,
                "full_name=++Nguye%CC%82%CC%83n+++Th%E1%BB%8B+Hoa+&phone=0912.345.678&id_number=c1234567&birth_year=1988",
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let rows = app
            .state
            .db
            .query(
                "SELECT contact_kid, contact_enc, contact_ct FROM checkins",
                &[],
            )
            .await
            .unwrap();
        let sealed = quetma_core::outbox::SealedContactJson {
            kid: rows[0].text(0).unwrap(),
            enc: rows[0].text(1).unwrap(),
            ct: rows[0].text(2).unwrap(),
        };
        let rec = sealed.to_sealed().unwrap().open(&app.sealing).unwrap();
        assert_eq!(rec.full_name, "Nguyễn Thị Hoa");
        assert_eq!(rec.id_number.as_deref(), Some("C1234567"));
        assert_eq!(rec.id_kind, Some(quetma_core::payload::IdKind::Passport));
        assert_eq!(rec.phone.as_deref(), Some("0912345678"));
    });
}
