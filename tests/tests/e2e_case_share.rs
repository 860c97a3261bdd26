//! A confirmed person's history, shared from the phone with a case code, against the real
//! server on SQLite and PostgreSQL (issue 15, deliverable 1): the tracer opens a case code
//! through the API; its QR text is read by core's parser; phone A (the case) and phone B (a
//! contact) check in at the same venue and sync; A's app flow takes the typed code, shows the
//! visits, sends them through the real client; the case shows A's venue and B as a contact.
//! The code works once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::{Result, ensure};
use quetma_core::api::SharedVisit;
use quetma_core::app::{Route, Screen, UiEvent};
use quetma_core::payload::casecode;
use quetma_core::sync::{CancelToken, CaseShareError};
use quetma_e2e::phone::{Phone, PhoneOptions};
use quetma_e2e::server::{Backend, OWNER, PUBLIC_BASE_URL, TRACER, TestServer};
use serde_json::json;

async fn case_share(backend: Backend) -> Result<()> {
    let srv = TestServer::start(backend).await?;
    let owner = srv.login(OWNER).await?;
    let (venue_id, poster_text, _) = srv.register_venue(&owner, 9619).await?;

    // Phone B, a contact, was there too.
    let b = Phone::new(&srv.base_url, &srv.keys, PhoneOptions::default())?;
    let b_me = b.owner("Trần Thị Bình", "001190044444", "0944444444")?;
    let b_visit = b
        .check_in(&b.poster(&poster_text, &srv.keys)?, &[&b_me], &srv.keys)?
        .remove(0);
    ensure!(b.sync().await?.sent == 1);

    // Phone A, the case.
    let a = Phone::new(&srv.base_url, &srv.keys, PhoneOptions::default())?;
    let a_me = a.owner("Nguyễn Văn An", "001190055555", "0955555555")?;
    a.check_in(&a.poster(&poster_text, &srv.keys)?, &[&a_me], &srv.keys)?;
    ensure!(a.sync().await?.sent == 1);

    // The tracer opens a case code for 14 days.
    let tracer = srv.login(TRACER).await?;
    let cc = srv
        .api
        .post(
            "/api/v1/case-codes",
            Some(&tracer),
            &json!({"window_days": 14}),
        )
        .await?;
    let case_id = cc["case_id"].as_str().unwrap().to_owned();
    let code = cc["code"].as_str().unwrap().to_owned();
    // The portal's QR text is what the app's scanner reads as this deployment's case code.
    let link = casecode::parse_link(cc["qr_text"].as_str().unwrap())
        .ok_or_else(|| anyhow::anyhow!("QR text not a case code: {cc}"))?;
    ensure!(link.is_for(PUBLIC_BASE_URL), "{link:?}");
    ensure!(
        link.code.code == code && link.code.window_days == 14,
        "{link:?}"
    );

    // A's app: the code typed by hand (lower case, spaced), the preview, send.
    let mut app = a.app(&srv.base_url, &srv.keys);
    app.dispatch(UiEvent::Navigate {
        route: Route::ShareCode,
    });
    let spaced: String = code
        .to_lowercase()
        .chars()
        .enumerate()
        .flat_map(|(i, c)| (i > 0 && i % 4 == 0).then_some(' ').into_iter().chain([c]))
        .collect();
    app.dispatch(UiEvent::FieldChanged {
        key: "case_code".into(),
        value: spaced,
    });
    let u = app.dispatch(UiEvent::Submit);
    let Screen::SharePreview(p) = &u.screen else {
        anyhow::bail!("not the preview: {:?}", u.screen)
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
            quetma_core::app::Effect::RunTask { task } => Some(task.clone()),
            _ => None,
        })
        .ok_or_else(|| anyhow::anyhow!("no task: {:?}", u.effects))?;
    let job = app.prepare_task(task).expect("a server is configured");
    let shared: Vec<SharedVisit> = job.shared().to_vec();
    let outcome = job.run(&CancelToken::new()).await;
    let u = app.finish_task(outcome);
    let Screen::ShareDone(d) = &u.screen else {
        anyhow::bail!("not done: {:?}", u.screen)
    };
    ensure!(
        d.headline == "Đã gửi 1 lần check-in cho cán bộ y tế",
        "{}",
        d.headline
    );

    // The case shows A's venue and B as a contact to alert by app.
    let case = srv
        .api
        .get_json(&format!("/api/v1/cases/{case_id}"), &tracer)
        .await?;
    ensure!(
        case["windows"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|w| w["venue_id"] == venue_id.as_str()),
        "{case}"
    );
    ensure!(
        case["contacts"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["client_id"] == b_visit.id.as_str() && c["learns_by"] == "app"),
        "B is a contact: {case}"
    );

    // The code works once: the same share again is refused as a code problem.
    let again = a
        .client
        .share_case(&code, &shared, &CancelToken::new())
        .await
        .unwrap_err();
    ensure!(matches!(again, CaseShareError::CodeRefused), "{again:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_shares_its_history_with_a_case_code_sqlite() {
    case_share(Backend::Sqlite).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_shares_its_history_with_a_case_code_postgres() {
    if Backend::postgres_available("case_share_postgres") {
        case_share(Backend::Postgres).await.unwrap();
    }
}
