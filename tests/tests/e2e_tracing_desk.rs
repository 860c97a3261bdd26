//! The tracing desk as one chain, against the real `quetma` server on SQLite and PostgreSQL
//! (issue 15's "done when"):
//!
//! 1. one venue; people are there at the same time in every way the deployment knows: phone B
//!    checks in with the app; a staff phone scans a CCCD card (the visitor gives a phone number
//!    at the door), a dependent's printed personal QR (the guardian's number inside) and types in
//!    a visitor with no card; someone checks in on the web page; a feature phone texts the
//!    venue code;
//! 2. phone A checks in too and later tests positive: the tracer gives a case code, A's app
//!    takes it (typed as read out over the phone), shows the visit and sends it; the case shows
//!    A's venue, marked as the phone's;
//! 3. the contacts split into "alerted by the app" (A's own visit and B) and "to call" (the card,
//!    the dependent, the manual entry, the web check-in, the SMS check-in); the offline key opens
//!    each record with the number to call;
//! 4. the tracer records outcomes by record id (an app contact is refused) and texts one contact;
//!    the case counts who is still to reach;
//! 5. a notice batch over the case's window is above the threshold: it waits, nobody is told;
//!    the submitter cannot approve it, a second officer does; B raises exactly one alert, A none
//!    (it is the case), the feature phone gets exactly one exposure SMS;
//! 6. the batch is withdrawn in one action and B's alert goes;
//! 7. every officer step and the phone's share are in the audit log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use quetma_core::api::{self, EnrolResponse};
use quetma_core::app::{Effect, Route, Screen, UiEvent};
use quetma_core::business::{Direction, ScanOutcome};
use quetma_core::citizen::{NewProfile, Relation};
use quetma_core::payload::Scanned;
use quetma_core::render::EcLevel;
use quetma_core::sync::CancelToken;
use quetma_e2e::cards::{CCCD_NAME, CCCD_TEXT};
use quetma_e2e::images::{self, camera_frame, luma_image, qr_image, scan_one};
use quetma_e2e::phone::{Phone, PhoneOptions};
use quetma_e2e::server::{Backend, OWNER, TRACER, TRACER2, TestServer};
use serde_json::{Value, json};

const WARD: u32 = 9886;
/// The SMS gateway's bearer token for inbound messages.
const SMS_TOKEN: &str = "e2e-sms-gateway-token";
/// The number the CCCD visitor gave at the door (a card carries none).
const DOOR_PHONE: &str = "0977000111";
const GUARDIAN_PHONE: &str = "0933222111";
const CHILD_NAME: &str = "Đỗ Minh Khôi";
const MANUAL_NAME: &str = "Hoàng Văn Em";
const MANUAL_PHONE: &str = "0901234567";
const WEB_NAME: &str = "Vũ Thị Gấm";
const WEB_PHONE: &str = "0966123456";
const SMS_PHONE: &str = "0988777666";

fn recorded(outcome: ScanOutcome) -> Result<quetma_core::business::VisitorEntry> {
    match outcome {
        ScanOutcome::Recorded(e) => Ok(e),
        other => bail!("not recorded: {other:?}"),
    }
}

/// The messages the server's file gateway wrote.
fn sms_outbox(data_dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(data_dir.join("sms-outbox.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// One row of `quetma trace decrypt`'s CSV, by column name.
fn csv_rows(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::to_owned)
        .collect();
    lines
        .map(|l| {
            let cells = l
                .strip_prefix('"')
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or(l)
                .split("\",\"")
                .map(|c| c.replace("\"\"", "\""));
            header.iter().cloned().zip(cells).collect()
        })
        .collect()
}

async fn tracing_desk(backend: Backend) -> Result<()> {
    // A batch reaching more than 5 recorded visits needs a second officer.
    let srv = TestServer::start_with(
        backend,
        &[
            "--notice-approval-visits",
            "5",
            "--sms-inbound-token",
            SMS_TOKEN,
            "--sms-number",
            "8079",
        ],
    )
    .await?;
    let owner = srv.login(OWNER).await?;
    let (venue_id, poster_text, _) = srv.register_venue(&owner, WARD).await?;

    // 1. Everyone at the café at the same time.
    // Phone B, with the app.
    let b = Phone::new(&srv.base_url, &srv.keys, PhoneOptions::default())?;
    let pb = b.owner("Trần Thị Bình", "001199054321", "0987654321")?;
    let b_visit = b
        .check_in(&b.poster(&poster_text, &srv.keys)?, &[&pb], &srv.keys)?
        .remove(0);
    ensure!(b.sync().await?.sent == 1);

    // The staff phone, enrolled with a one-time code.
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
    let mut camera = images::scanner(&srv.keys.trust);

    // A CCCD card held up to the camera; the visitor gives a number at the door.
    let card = scan_one(
        &mut camera,
        &camera_frame(&qr_image(CCCD_TEXT, EcLevel::M, 5)?),
    )?;
    let Scanned::Cccd(cccd) = &card.scanned else {
        bail!("the CCCD card read as {:?}", card.scanned)
    };
    let cccd_entry = recorded(shop.store.record_scan(
        &session.id,
        &card.scanned,
        &srv.keys.sealing,
    )?)?;
    shop.store.add_visitor_phone(
        &cccd_entry.id,
        &cccd.contact_record(),
        DOOR_PHONE,
        &srv.keys.sealing,
    )?;

    // A child without a phone: the guardian's phone shows (or prints) the child's personal QR.
    let g = Phone::new(&srv.base_url, &srv.keys, PhoneOptions::default())?;
    g.owner("Đỗ Thị Hà", "001185066666", GUARDIAN_PHONE)?;
    let child = g.store.add_profile(&NewProfile {
        relation: Relation::Child,
        full_name: CHILD_NAME.into(),
        id_number: None,
        id_kind: None,
        phone: None,
        birth_year: Some(2016),
    })?;
    let (_, bitmap) = g
        .store
        .personal_qr_bitmap(&child.id, &srv.keys.sealing, 160.0)?;
    let shown = scan_one(
        &mut camera,
        &camera_frame(&luma_image(bitmap.luma, bitmap.width_px)?),
    )?;
    ensure!(
        matches!(shown.scanned, Scanned::Personal(_)),
        "{:?}",
        shown.scanned
    );
    let child_entry = recorded(shop.store.record_scan(
        &session.id,
        &shown.scanned,
        &srv.keys.sealing,
    )?)?;

    // A visitor with nothing: typed in.
    let manual_entry = recorded(shop.store.manual_entry(
        &session.id,
        MANUAL_NAME,
        Some(MANUAL_PHONE),
        None,
        Some(1958),
        &srv.keys.sealing,
    )?)?;
    let r = shop.sync().await?;
    ensure!((r.sent, r.failed.len()) == (3, 0), "staff phone: {r:?}");

    // Someone without the app checks in on the web page the poster's QR opens.
    let web_path = &poster_text[poster_text.find("/V/").context("poster link")?..];
    let page = srv
        .api
        .web_check_in(
            web_path,
            &[
                ("full_name", WEB_NAME),
                ("phone", "0966 123 456"),
                ("birth_year", "1950"),
            ],
        )
        .await?;
    ensure!(page.contains("Đã check-in"), "web check-in: {page}");

    // A feature phone texts the venue code to the deployment's number.
    let sms = srv
        .api
        .post(
            "/api/v1/sms/inbound",
            Some(SMS_TOKEN),
            &json!({"from": SMS_PHONE, "text": format!("QM {venue_id}"), "message_id": "gw-1"}),
        )
        .await?;
    ensure!(sms["status"] == "checked_in", "{sms}");
    let receipts: Vec<Value> = sms_outbox(srv.data_dir())
        .into_iter()
        .filter(|m| m["to"] == SMS_PHONE)
        .collect();
    ensure!(receipts.len() == 1, "one SMS receipt: {receipts:?}");

    // Phone A was there too.
    let a = Phone::new(&srv.base_url, &srv.keys, PhoneOptions::default())?;
    let pa = a.owner("Nguyễn Văn An", "001190055555", "0955555555")?;
    let a_visit = a
        .check_in(&a.poster(&poster_text, &srv.keys)?, &[&pa], &srv.keys)?
        .remove(0);
    ensure!(a.sync().await?.sent == 1);
    ensure!(
        srv.counts(WARD, &venue_id).await? == (4, 3),
        "A, B, web, SMS; 3 scans"
    );

    // 2. A tests positive. The tracer gives a case code (read out over the phone).
    let tracer = srv.login(TRACER).await?;
    let cc = srv
        .api
        .post(
            "/api/v1/case-codes",
            Some(&tracer),
            &json!({"window_days": 14}),
        )
        .await?;
    let case_id = cc["case_id"].as_str().context("case id")?.to_owned();
    let code = cc["code"].as_str().context("code")?.to_owned();
    let read_out = format!(
        "{} {} {} {}",
        &code[..6],
        &code[6..10],
        &code[10..14],
        &code[14..]
    )
    .to_lowercase();
    let mut app = a.app(&srv.base_url, &srv.keys);
    app.dispatch(UiEvent::Navigate {
        route: Route::ShareCode,
    });
    app.dispatch(UiEvent::FieldChanged {
        key: "case_code".into(),
        value: read_out,
    });
    let u = app.dispatch(UiEvent::Submit);
    let Screen::SharePreview(p) = &u.screen else {
        bail!("not the preview: {:?}", u.screen)
    };
    ensure!(
        p.summary == "Sẽ gửi 1 trong 1 lần check-in.",
        "{}",
        p.summary
    );
    let u = app.dispatch(UiEvent::SendHistory);
    let task = u
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::RunTask { task } => Some(task.clone()),
            _ => None,
        })
        .context("no share task")?;
    let job = app.prepare_task(task).context("a server is configured")?;
    let outcome = job.run(&CancelToken::new()).await;
    let u = app.finish_task(outcome);
    ensure!(
        matches!(u.screen, Screen::ShareDone(_)),
        "not done: {:?}",
        u.screen
    );

    // The case shows A's venue, from the phone.
    let case = srv
        .api
        .get_json(&format!("/api/v1/cases/{case_id}"), &tracer)
        .await?;
    let a_window =
        json!({"venue_id": venue_id, "start": a_visit.started_at, "end": a_visit.planned_end});
    ensure!(case["windows"] == json!([a_window]), "{case}");
    ensure!(case["from_phone"] == json!([a_window]), "{case}");

    // 3. The contacts split: the app alerts A's own visit and B; everyone else is called.
    let contacts = case["contacts"].as_array().context("contacts")?;
    let split = |how: &str| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = contacts
            .iter()
            .filter(|c| c["learns_by"] == how)
            .map(|c| {
                (
                    c["kind"].as_str().unwrap_or_default().to_owned(),
                    c["client_id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let mut by_app = vec![
        ("visit".to_owned(), a_visit.id.clone()),
        ("visit".to_owned(), b_visit.id.clone()),
    ];
    by_app.sort();
    ensure!(split("app") == by_app, "by app: {case}");
    let visitors = [
        ("visitor".to_owned(), cccd_entry.id.clone()),
        ("visitor".to_owned(), child_entry.id.clone()),
        ("visitor".to_owned(), manual_entry.id.clone()),
    ];
    let call = split("call");
    ensure!(call.len() == 4, "to call: {case}");
    ensure!(
        visitors.iter().all(|v| call.contains(v)),
        "the staff phone's three visitors are to call: {case}"
    );
    let web_id = call
        .iter()
        .find(|(k, _)| k == "web")
        .map(|(_, id)| id.clone())
        .context("the web check-in is to call")?;
    let by_sms = split("sms");
    ensure!(
        by_sms.len() == 1 && by_sms[0].0 == "sms",
        "the SMS check-in learns by SMS: {case}"
    );
    let sms_id = by_sms[0].1.clone();

    // The offline key opens each record with the number to call.
    let export = srv
        .api
        .get_json(&format!("/api/v1/cases/{case_id}/export"), &tracer)
        .await?;
    let csv = srv.trace_decrypt(&export)?;
    let rows = csv_rows(&csv);
    ensure!(rows.len() == 7, "seven records:\n{csv}");
    let row = |id: &str| {
        rows.iter()
            .find(|r| r.get("record_id").map(String::as_str) == Some(id))
            .with_context(|| format!("{id} not in the list:\n{csv}"))
    };
    for (id, name, phone, source) in [
        (cccd_entry.id.as_str(), CCCD_NAME, DOOR_PHONE, "cccd"),
        (
            child_entry.id.as_str(),
            CHILD_NAME,
            GUARDIAN_PHONE,
            "personal_qr",
        ),
        (
            manual_entry.id.as_str(),
            MANUAL_NAME,
            MANUAL_PHONE,
            "manual",
        ),
        (web_id.as_str(), WEB_NAME, WEB_PHONE, "manual"),
    ] {
        let r = row(id)?;
        ensure!(
            r["full_name"] == name && r["phone"] == phone && r["source"] == source,
            "{id}: {r:?}"
        );
    }
    ensure!(row(&sms_id)?["phone"] == SMS_PHONE, "{csv}");

    // 4. Outcomes by record id; the server never learns who.
    let outcomes = format!("/api/v1/cases/{case_id}/outcomes");
    let app_contact = srv
        .api
        .post(
            &outcomes,
            Some(&tracer),
            &json!({"kind": "visit", "venue_id": venue_id, "client_id": b_visit.id, "outcome": "reached"}),
        )
        .await;
    ensure!(
        app_contact
            .as_ref()
            .is_err_and(|e| e.to_string().contains("HTTP 422")
                && e.to_string().contains("alerted by the app")),
        "an app contact is not called: {app_contact:?}"
    );
    let mut summary = Value::Null;
    for (kind, id, outcome) in [
        ("visitor", cccd_entry.id.as_str(), "reached"),
        ("visitor", child_entry.id.as_str(), "reached"),
        ("visitor", manual_entry.id.as_str(), "no_answer"),
        ("web", web_id.as_str(), "wrong_number"),
    ] {
        summary = srv
            .api
            .post(
                &outcomes,
                Some(&tracer),
                &json!({"kind": kind, "venue_id": venue_id, "client_id": id, "outcome": outcome}),
            )
            .await?;
    }
    ensure!(
        (
            &summary["by_app"],
            &summary["to_call"],
            &summary["reached"],
            &summary["wrong_number"],
            &summary["still_to_reach"]
        ) == (&json!(2), &json!(5), &json!(2), &json!(1), &json!(2)),
        "the manual entry (no answer) and the SMS check-in are still to reach: {summary}"
    );
    // Nobody answered: a text instead, once.
    let text = json!({"kind": "visitor", "venue_id": venue_id, "client_id": manual_entry.id, "phone": MANUAL_PHONE});
    let sent = srv
        .api
        .post(
            &format!("/api/v1/cases/{case_id}/sms"),
            Some(&tracer),
            &text,
        )
        .await?;
    ensure!(sent == json!({"sent": true, "already": false}), "{sent}");
    let again = srv
        .api
        .post(
            &format!("/api/v1/cases/{case_id}/sms"),
            Some(&tracer),
            &text,
        )
        .await?;
    ensure!(again == json!({"sent": false, "already": true}), "{again}");
    ensure!(
        sms_outbox(srv.data_dir())
            .iter()
            .filter(|m| m["to"] == MANUAL_PHONE)
            .count()
            == 1
    );

    // 5. The notice batch over the case's window reaches 7 visits: above the threshold.
    let batch = json!({"notices": [{"venue_id": venue_id, "start": a_visit.started_at, "end": a_visit.planned_end, "case_id": case_id}]});
    let reach = srv
        .api
        .post("/api/v1/notice-batches/preview", Some(&tracer), &batch)
        .await?;
    ensure!(
        reach["visits"] == 7 && reach["app_visits"] == 2 && reach["needs_approval"] == true,
        "{reach}"
    );
    let held = srv
        .api
        .post("/api/v1/notice-batches", Some(&tracer), &batch)
        .await?;
    ensure!(held["status"] == "pending", "{held}");
    let batch_id = held["id"].as_str().context("batch id")?.to_owned();
    let r = b.sync().await?;
    ensure!(
        (r.notices_received, r.alerts_raised) == (0, 0),
        "held: {r:?}"
    );
    let exposure_sms = || {
        sms_outbox(srv.data_dir())
            .into_iter()
            .filter(|m| {
                m["to"] == SMS_PHONE
                    && m["key"]
                        .as_str()
                        .is_some_and(|k| k.starts_with("exposure-"))
            })
            .count()
    };
    ensure!(exposure_sms() == 0, "nothing sent while the batch waits");
    let approve = format!("/api/v1/notice-batches/{batch_id}/approve");
    let own = srv.api.post(&approve, Some(&tracer), &json!({})).await;
    ensure!(
        own.as_ref()
            .is_err_and(|e| e.to_string().contains("HTTP 403")),
        "the submitter cannot approve: {own:?}"
    );
    let second = srv.login(TRACER2).await?;
    let ok = srv.api.post(&approve, Some(&second), &json!({})).await?;
    ensure!(ok["status"] == "published", "{ok}");

    // B raises exactly one alert; A, the case, none; the feature phone gets one SMS.
    let r = b.sync().await?;
    ensure!((r.notices_received, r.alerts_raised) == (1, 1), "B: {r:?}");
    let alerts = b.store.alerts()?;
    ensure!(
        alerts.len() == 1 && alerts[0].visit_id == b_visit.id,
        "{alerts:?}"
    );
    ensure!(b.sync().await?.alerts_raised == 0, "raised once");
    let r = a.sync().await?;
    ensure!(
        (r.notices_received, r.alerts_raised) == (1, 0),
        "A is the case, not a contact: {r:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while exposure_sms() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ensure!(
        exposure_sms() == 1,
        "one exposure SMS: {:?}",
        sms_outbox(srv.data_dir())
    );

    // 6. Withdrawn in one action: B's alert goes.
    let w = srv
        .api
        .post(
            &format!("/api/v1/notice-batches/{batch_id}/withdraw"),
            Some(&tracer),
            &json!({}),
        )
        .await?;
    ensure!(w["status"] == "withdrawn", "{w}");
    let r = b.sync().await?;
    ensure!(r.alerts_cleared == 1, "withdrawn: {r:?}");
    ensure!(b.store.alerts()?.is_empty(), "B's alert is gone");
    ensure!(exposure_sms() == 1, "no second SMS");

    // 7. The audit log has every step, by whom, on this case or batch.
    let log = srv
        .api
        .get_json("/api/v1/audit", &srv.admin().await?)
        .await?;
    let entries = log.as_array().context("audit log")?;
    let has = |action: &str, who: Option<&str>, target: &str| {
        entries.iter().any(|e| {
            e["action"] == action
                && who.is_none_or(|w| e["username"] == w)
                && e["target"].as_str().is_some_and(|t| t == target)
        })
    };
    for (action, who, target) in [
        ("case.code", Some(TRACER.0), case_id.as_str()),
        ("case.share", None, case_id.as_str()),
        ("trace.view", Some(TRACER.0), case_id.as_str()),
        ("trace.export", Some(TRACER.0), case_id.as_str()),
        ("case.outcome", Some(TRACER.0), case_id.as_str()),
        ("case.sms", Some(TRACER.0), case_id.as_str()),
        ("notice.batch_held", Some(TRACER.0), batch_id.as_str()),
        ("notice.batch_approve", Some(TRACER2.0), batch_id.as_str()),
        ("notice.batch_withdraw", Some(TRACER.0), batch_id.as_str()),
    ] {
        ensure!(
            has(action, who, target),
            "{action} by {who:?} on {target} not in the audit log: {log}"
        );
    }
    for (action, who) in [
        ("notice.publish", TRACER2.0),
        ("sms.exposure", TRACER2.0),
        ("notice.withdraw", TRACER.0),
    ] {
        ensure!(
            entries
                .iter()
                .any(|e| e["action"] == action && e["username"] == who),
            "{action} by {who} not in the audit log: {log}"
        );
    }
    let outcomes_logged = entries
        .iter()
        .filter(|e| e["action"] == "case.outcome")
        .count();
    ensure!(outcomes_logged == 4, "one entry per outcome: {log}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_desk_end_to_end_sqlite() {
    tracing_desk(Backend::Sqlite).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_desk_end_to_end_postgres() {
    if Backend::postgres_available("tracing_desk_postgres") {
        tracing_desk(Backend::Postgres).await.unwrap();
    }
}
