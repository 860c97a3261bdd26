//! The whole check-in and tracing flow against the real `quetma` server: a venue registered
//! through the API, its poster PDF rasterised and scanned by a phone's camera scanner, a staff
//! phone enrolled with a one-time code scanning a personal QR, a CCCD card and a BHYT card and
//! typing in a visitor, a case traced and opened offline with `quetma trace decrypt`, and an
//! exposure notice that raises exactly one alert on the phone that overlapped.
//!
//! Runs on SQLite, and on PostgreSQL when `QUETMA_TEST_POSTGRES_URL` is set
//! (`scripts/with-postgres cargo test -p quetma-e2e --test e2e_flow`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::{Context, Result, bail, ensure};
use quetma_core::api::{self, EnrolResponse};
use quetma_core::business::{Direction, ScanOutcome};
use quetma_core::payload::Scanned;
use quetma_core::render::EcLevel;
use quetma_e2e::cards::{CCCD_NAME, CCCD_TEXT};
use quetma_e2e::images::{self, camera_frame, luma_image, qr_image, rasterize_pdf_page, scan_one};
use quetma_e2e::phone::{Phone, PhoneOptions};
use quetma_e2e::server::{Backend, OWNER, TRACER, TestServer};
use serde_json::{Value, json};

/// Ward (phường) code of the test venue.
const WARD: u32 = 9886;
const BHYT_NAME: &str = "Phạm Thị Dung";
const MANUAL_NAME: &str = "Hoàng Văn Em";
const A_NAME: &str = "Nguyễn Văn An";
const B_NAME: &str = "Trần Thị Bình";

/// A BHYT card QR (15-part layout of `core/src/payload/bhyt.rs`'s fixtures): name and address
/// hex-encoded UTF-8, `dd/MM/yyyy` dates, final `$`.
fn bhyt_text() -> String {
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    format!(
        "DN4010198765432|{}|07/09/1985|2|{}|01 - 001|01/01/2026|-|01/01/2026|01010198765432|-|4| 01/01/2030|0123456789abcdef-7102|$",
        hex(BHYT_NAME),
        hex("Số 3 Phố Mẫu, Phường Hà Đông, Thành phố Hà Nội")
    )
}

fn recorded(outcome: &ScanOutcome) -> Result<()> {
    match outcome {
        ScanOutcome::Recorded(_) => Ok(()),
        other => bail!("not recorded: {other:?}"),
    }
}

async fn check_in_scan_trace_and_alert(backend: Backend) -> Result<()> {
    let srv = TestServer::start(backend).await?;
    let owner = srv.login(OWNER).await?;

    // The owner registers the venue and downloads the poster.
    let (venue_id, qr_text, pdf_path) = srv.register_venue(&owner, WARD).await?;
    let pdf = srv.api.get_bytes(&pdf_path, &owner).await?;
    ensure!(pdf.starts_with(b"%PDF"), "poster is not a PDF");

    // Phone A points its camera at the printed poster: A4 at 60 dpi (about 500 × 700 px) on a
    // grey wall in a 1280 × 720 frame.
    let page = rasterize_pdf_page(&pdf, 0, 60.0)?;
    let frame = camera_frame(&page);
    let a = Phone::new(&srv.base_url, &srv.keys, PhoneOptions::default())?;
    let mut camera_a = images::scanner(&srv.keys.trust);
    let found = scan_one(&mut camera_a, &frame)?;
    ensure!(found.text == qr_text, "the poster carries another text");
    let Scanned::Venue(poster) = found.scanned else {
        bail!("poster not recognised: {:?}", found.scanned);
    };
    ensure!(poster.info.venue_id == venue_id);
    ensure!(poster.info.name == "Cà phê Góc Phố");
    let pa = a.owner(A_NAME, "001090012345", "0912345678")?;
    let visits_a = a.check_in(&poster, &[&pa], &srv.keys)?;
    let report = a.sync().await?;
    ensure!(
        (report.sent, report.pending, report.failed.len()) == (1, 0, 0),
        "phone A: {report:?}"
    );
    ensure!(report.trust_list_updated, "the trust list was applied");
    ensure!(srv.counts(WARD, &venue_id).await? == (1, 0));

    // The owner makes a one-time enrolment code; the staff phone redeems it.
    let enrol = srv
        .api
        .post(
            &format!("/api/v1/venues/{venue_id}/enrolments"),
            Some(&owner),
            &json!({"checkpoint": "Cổng chính"}),
        )
        .await?;
    let shop_device = quetma_core::store::new_id()?;
    let binding: EnrolResponse = serde_json::from_value(
        srv.api
            .post_device(
                api::PATH_ENROL,
                &shop_device,
                &json!({"code": enrol["qr_text"]}),
            )
            .await?,
    )?;
    ensure!(binding.venue_id == venue_id && binding.checkpoint == "Cổng chính");
    let again = srv
        .api
        .post_device(
            api::PATH_ENROL,
            &shop_device,
            &json!({"code": enrol["qr_text"]}),
        )
        .await;
    ensure!(again.is_err(), "a one-time code works once");
    let shop = Phone::new(
        &srv.base_url,
        &srv.keys,
        PhoneOptions {
            scanner_token: Some(binding.scanner_token.clone()),
            device_id: Some(shop_device),
            ..PhoneOptions::default()
        },
    )?;
    let session = shop.store.start_scanner_session(
        &binding.venue_id,
        &binding.venue_name,
        &binding.checkpoint,
        Direction::Entry,
    )?;
    let mut camera_shop = images::scanner(&srv.keys.trust);

    // Phone B shows its personal QR (core's 5 cm screen bitmap at 160 ppi).
    let b = Phone::new(&srv.base_url, &srv.keys, PhoneOptions::default())?;
    let pb = b.owner(B_NAME, "001199054321", "0987654321")?;
    let (_, bitmap) = b
        .store
        .personal_qr_bitmap(&pb.id, &srv.keys.sealing, 160.0)?;
    let screen = luma_image(bitmap.luma, bitmap.width_px)?;
    let scanned = scan_one(&mut camera_shop, &camera_frame(&screen))?;
    ensure!(
        matches!(scanned.scanned, Scanned::Personal(_)),
        "{:?}",
        scanned.scanned
    );
    recorded(
        &shop
            .store
            .record_scan(&session.id, &scanned.scanned, &srv.keys.sealing)?,
    )?;

    // A CCCD card and a BHYT card held up to the camera.
    for (text, want) in [(CCCD_TEXT.to_owned(), "cccd"), (bhyt_text(), "bhyt")] {
        let card = qr_image(&text, EcLevel::M, 5)?;
        let scanned = scan_one(&mut camera_shop, &camera_frame(&card))?;
        let kind = match &scanned.scanned {
            Scanned::Cccd(_) => "cccd",
            Scanned::Bhyt(_) => "bhyt",
            other => bail!("{want} card read as {other:?}"),
        };
        ensure!(kind == want);
        recorded(
            &shop
                .store
                .record_scan(&session.id, &scanned.scanned, &srv.keys.sealing)?,
        )?;
    }
    // A visitor with no phone and no card, typed in.
    recorded(&shop.store.manual_entry(
        &session.id,
        MANUAL_NAME,
        Some("0901234567"),
        None,
        Some(1975),
        &srv.keys.sealing,
    )?)?;
    let report = shop.sync().await?;
    ensure!(
        (report.sent, report.pending, report.failed.len()) == (4, 0, 0),
        "staff phone: {report:?}"
    );
    ensure!(srv.counts(WARD, &venue_id).await? == (1, 4));

    // A phone that never enrolled cannot add to the venue's visitor log.
    let rogue = Phone::new(&srv.base_url, &srv.keys, PhoneOptions::default())?;
    let rogue_session = rogue.store.start_scanner_session(
        &venue_id,
        "Cà phê Góc Phố",
        "Cửa sau",
        Direction::Entry,
    )?;
    recorded(&rogue.store.manual_entry(
        &rogue_session.id,
        "Người Lạ",
        Some("0909999999"),
        None,
        None,
        &srv.keys.sealing,
    )?)?;
    let report = rogue.sync().await?;
    ensure!(
        report.pending == 0
            && report.failed.len() == 1
            && report.failed[0].reason == api::RejectReason::NotEnrolled,
        "unenrolled phone: {report:?}"
    );
    ensure!(srv.counts(WARD, &venue_id).await? == (1, 4));

    // Phone B checks in too, while phone A is still there.
    let scanned = scan_one(&mut images::scanner(&srv.keys.trust), &frame)?;
    let Scanned::Venue(poster_b) = scanned.scanned else {
        bail!("phone B: poster not recognised");
    };
    let visits_b = b.check_in(&poster_b, &[&pb], &srv.keys)?;
    let report = b.sync().await?;
    ensure!((report.sent, report.alerts_raised) == (1, 0), "{report:?}");
    ensure!(srv.counts(WARD, &venue_id).await? == (2, 4));

    // Phone A's owner tests positive: the tracing officer traces their visit window.
    let tracer = srv.login(TRACER).await?;
    let va = &visits_a[0];
    let case = srv
        .api
        .post(
            "/api/v1/cases",
            Some(&tracer),
            &json!({"windows": [{"venue_id": venue_id, "start": va.started_at, "end": va.planned_end}]}),
        )
        .await?;
    let case_id = case["case_id"].as_str().context("case id")?.to_owned();
    let contacts = case["contacts"].as_array().context("contacts")?;
    let kinds = |k: &str| contacts.iter().filter(|c| c["kind"] == k).count();
    ensure!(
        (kinds("visit"), kinds("visitor")) == (2, 4),
        "contacts: {case}"
    );
    let ids: Vec<&str> = contacts
        .iter()
        .filter_map(|c| c["client_id"].as_str())
        .collect();
    ensure!(ids.contains(&va.id.as_str()) && ids.contains(&visits_b[0].id.as_str()));

    // The export, opened offline with the sealing secret.
    let export: Value = srv
        .api
        .get_json(&format!("/api/v1/cases/{case_id}/export"), &tracer)
        .await?;
    ensure!(export["records"].as_array().map(Vec::len) == Some(6));
    let csv = srv.trace_decrypt(&export)?;
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    ensure!(rows.len() == 6, "contact list:\n{csv}");
    for (name, source) in [
        (A_NAME, "personal_qr"),
        (B_NAME, "personal_qr"),
        (CCCD_NAME, "cccd"),
        (BHYT_NAME, "bhyt"),
        (MANUAL_NAME, "manual"),
    ] {
        ensure!(
            rows.iter().any(|r| r.contains(&format!("\"{name}\""))
                && r.contains(&format!("\"{source}\""))),
            "{name} ({source}) missing from the contact list:\n{csv}"
        );
    }
    ensure!(
        rows.iter()
            .filter(|r| r.contains(&format!("\"{B_NAME}\"")))
            .count()
            == 2,
        "phone B: its check-in and the staff phone's scan of its personal QR:\n{csv}"
    );
    ensure!(csv.contains("\"048088000777\"") && csv.contains("\"0901234567\""));
    ensure!(
        !csv.contains("Hải Châu"),
        "no address reaches the contact list"
    );

    // The officer publishes a notice for the window; phone B raises exactly one alert.
    let notice = srv
        .api
        .post(
            "/api/v1/notices",
            Some(&tracer),
            &json!({"venue_id": venue_id, "start": va.started_at, "end": va.planned_end, "case_id": case_id}),
        )
        .await?;
    let report = b.sync().await?;
    ensure!(
        (report.notices_received, report.alerts_raised) == (1, 1),
        "{report:?}"
    );
    let alerts = b.store.alerts()?;
    ensure!(alerts.len() == 1, "{alerts:?}");
    ensure!(alerts[0].visit_id == visits_b[0].id && alerts[0].venue_id == venue_id);
    ensure!(Some(alerts[0].notice_id.as_str()) == notice["id"].as_str());
    let report = b.sync().await?;
    ensure!(
        (report.notices_received, report.alerts_raised) == (0, 0),
        "a second sync raises nothing: {report:?}"
    );
    ensure!(b.store.alerts()?.len() == 1);
    // The staff phone keeps no visits of its own: no alert there.
    ensure!(shop.sync().await?.alerts_raised == 0);

    // The server saw venue ids, times and sealed blobs: no name, ID number or phone number
    // of anyone is in its database files or its log.
    let secrets = [
        A_NAME,
        B_NAME,
        CCCD_NAME,
        BHYT_NAME,
        MANUAL_NAME,
        "001090012345",
        "001199054321",
        "048088000777",
        "DN4010198765432",
        "0912345678",
        "0987654321",
        "0901234567",
        "0909999999",
    ];
    let mut haystacks = vec![("server log".to_owned(), srv.log().into_bytes())];
    if backend == Backend::Sqlite {
        for entry in std::fs::read_dir(srv.data_dir())? {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.as_deref().is_some_and(|n| n.starts_with("quetma.db")) {
                haystacks.push((path.display().to_string(), std::fs::read(&path)?));
            }
        }
        // Control: what the server may know in plain text is there (the venue's name).
        let venue_name = "Cà phê Góc Phố".as_bytes();
        ensure!(
            haystacks
                .iter()
                .any(|(_, b)| b.windows(venue_name.len()).any(|w| w == venue_name)),
            "the SQLite database files were not found or not readable"
        );
    }
    for (what, bytes) in &haystacks {
        for secret in secrets {
            ensure!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret:?} in plain text in {what}"
            );
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_in_scan_trace_and_alert_sqlite() {
    check_in_scan_trace_and_alert(Backend::Sqlite)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_in_scan_trace_and_alert_postgres() {
    if Backend::postgres_available("check_in_scan_trace_and_alert_postgres") {
        check_in_scan_trace_and_alert(Backend::Postgres)
            .await
            .unwrap();
    }
}
