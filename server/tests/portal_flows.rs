//! Portal flows over the in-process router on SQLite: login, CSRF, the three-step
//! registration, CSV bulk creation, staff enrolment, the ward view, tracing and the audit log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod portal_support;

use axum::http::{StatusCode, header};
use portal_support::*;
use quetma_core::api::EnrolRequest;
use quetma_server::service::{audit, enrol};

#[tokio::test]
async fn login_wrong_password_then_session_then_logout() {
    for s in servers("login_wrong_password").await {
        eprintln!(
            "login_wrong_password_then_session_then_logout on {}",
            s.backend
        );
        login_wrong_password_then_session_then_logout_on(s).await;
    }
}

async fn login_wrong_password_then_session_then_logout_on(s: Server) {
    let mut c = Client::default();
    c.get(&s, "/portal/login").await;
    let bad = c
        .post(
            &s,
            "/portal/login",
            &[("username", "owner"), ("password", "sai-mat-khau-123")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.text().contains("không đúng"));
    assert!(
        !c.cookies
            .iter()
            .any(|(k, _)| k == quetma_server::portal::auth::SESSION_COOKIE)
    );
    // Guessing is slowed down: after the burst, the same name is refused with 429 for a while,
    // even with the right password; other names are unaffected.
    let mut limited = false;
    for _ in 0..30 {
        let r = c
            .post(
                &s,
                "/portal/login",
                &[("username", "ward2"), ("password", "doan-mo-12345")],
            )
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    assert!(limited, "rate limit reached");
    let r = c
        .post(
            &s,
            "/portal/login",
            &[("username", "ward2"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().contains("Quá nhiều lần đăng nhập sai"));

    let ok = c
        .post(
            &s,
            "/portal/login",
            &[("username", "owner"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let set = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(&format!("{}=", quetma_server::portal::auth::SESSION_COOKIE)))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "plain http in tests: {set}");

    let home = c.get(&s, "/portal").await;
    assert_eq!(home.location().as_deref(), Some("/portal/venues"));
    let venues = c.get(&s, "/portal/venues").await;
    assert_eq!(venues.status, StatusCode::OK);
    assert!(venues.text().contains("owner"));

    let out = c.post(&s, "/portal/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = c.get(&s, "/portal/venues").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(
        after.location().as_deref(),
        Some("/portal/login?next=%2Fportal%2Fvenues")
    );
}

#[tokio::test]
async fn secure_cookie_behind_an_https_proxy() {
    for s in servers("secure_cookie_behind").await {
        eprintln!("secure_cookie_behind_an_https_proxy on {}", s.backend);
        secure_cookie_behind_an_https_proxy_on(s).await;
    }
}

async fn secure_cookie_behind_an_https_proxy_on(s: Server) {
    let mut c = Client::default();
    c.get(&s, "/portal/login").await;
    let body = serde_urlencoded::to_string([
        ("csrf", c.csrf.as_str()),
        ("username", "owner"),
        ("password", PASSWORD),
    ])
    .unwrap();
    let cookie = c
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let req = axum::http::Request::post("/portal/login")
        .header("cookie", cookie)
        .header("x-forwarded-proto", "https")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body))
        .unwrap();
    let res = c.send(&s, req).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let set = res.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(set.contains("; Secure"), "{set}");
}

#[tokio::test]
async fn every_post_needs_the_right_csrf_token() {
    for s in servers("every_post_needs_the").await {
        eprintln!("every_post_needs_the_right_csrf_token on {}", s.backend);
        every_post_needs_the_right_csrf_token_on(s).await;
    }
}

async fn every_post_needs_the_right_csrf_token_on(s: Server) {
    // Signed out: the login form is double-submit protected.
    let mut anon = Client::default();
    anon.get(&s, "/portal/login").await;
    let r = anon
        .post_raw(
            &s,
            "/portal/login",
            &[("username", "owner"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = anon
        .post_raw(
            &s,
            "/portal/login",
            &[
                ("csrf", "WRONG"),
                ("username", "owner"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Signed in: the session's synchronizer token.
    let mut c = login(&s, "owner").await;
    let fields = [
        ("name", "Tiệm tạp hoá Lan"),
        ("address", "3 Lê Lợi"),
        ("ward", "09877"),
        ("category", "shop"),
        ("stay_minutes", "30"),
    ];
    let r = c.post_raw(&s, "/portal/venues/new", &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut wrong = vec![("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")];
    wrong.extend_from_slice(&fields);
    let r = c.post_raw(&s, "/portal/venues/new", &wrong).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The pre-session cookie token is not the session's token.
    let pre = c
        .cookies
        .iter()
        .find(|(k, _)| k == "qm_csrf")
        .map(|(_, v)| v.clone())
        .unwrap();
    let mut pre_fields = vec![("csrf", pre.as_str())];
    pre_fields.extend_from_slice(&fields);
    let r = c.post_raw(&s, "/portal/venues/new", &pre_fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .post_file(&s, "/portal/venues/bulk", None, "file", "a.csv", b"name\n")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let count = s
        .state
        .db
        .query_opt("SELECT COUNT(*) FROM venues", &[])
        .await
        .unwrap()
        .unwrap()
        .int(0)
        .unwrap();
    assert_eq!(count, 0, "no forged POST created anything");
    // With the token it works.
    let r = c.post(&s, "/portal/venues/new", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn registration_in_three_steps_ends_with_a_pdf_poster() {
    for s in servers("registration_in_thre").await {
        eprintln!(
            "registration_in_three_steps_ends_with_a_pdf_poster on {}",
            s.backend
        );
        registration_in_three_steps_ends_with_a_pdf_poster_on(s).await;
    }
}

async fn registration_in_three_steps_ends_with_a_pdf_poster_on(s: Server) {
    let mut c = login(&s, "owner").await;
    // Step 1 with mistakes: inline errors, in Vietnamese then in English.
    c.get(&s, "/portal/venues/new").await;
    let bad = c
        .post(
            &s,
            "/portal/venues/new",
            &[
                ("name", ""),
                ("address", "1 Trần Phú"),
                ("ward", "12ab"),
                ("category", "shop"),
                ("stay_minutes", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text();
    assert!(html.contains("Vui lòng nhập tên địa điểm."), "{html}");
    assert!(html.contains("id=\"ward-error\""));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("value=\"1 Trần Phú\""),
        "typed values are kept"
    );
    let bad_en = c
        .post(
            &s,
            "/portal/venues/new?lang=en",
            &[
                ("name", "X"),
                ("address", "Y"),
                ("ward", ""),
                ("category", "spaceport"),
            ],
        )
        .await;
    assert!(bad_en.text().contains("Choose the ward / commune."));
    assert!(
        bad_en
            .text()
            .contains("The category is not one of the list.")
    );

    // Step 1 right → step 2.
    let id = register(&s, &mut c, "Nhà thuốc Minh Châu <b>", "healthcare").await;
    let qr = c.get(&s, &format!("/portal/venues/{id}/qr")).await;
    assert_eq!(qr.status, StatusCode::OK);
    let html = qr.text();
    assert!(html.contains("<svg"), "inline QR");
    assert!(html.contains("15 × 15 cm"));
    assert!(
        html.contains("Nhà thuốc Minh Châu &#60;b&#62;")
            || html.contains("Nhà thuốc Minh Châu &lt;b&gt;"),
        "escaped"
    );
    assert!(!html.contains("Minh Châu <b>"));
    let svg = c.get(&s, &format!("/portal/venues/{id}/qr.svg")).await;
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    assert!(svg.text().contains("mm\""));

    // The stored poster text verifies against the server's keys.
    let v = quetma_server::service::venues::get_venue(&s.state, &id)
        .await
        .unwrap()
        .unwrap();
    let poster = quetma_core::payload::venue::decode(&v.poster_text, &s.state.keys.trust).unwrap();
    assert_eq!(poster.info.venue_id, id);
    assert_eq!(poster.info.default_stay_minutes, 120);

    // Step 3: advice and the PDF.
    let print = c
        .get(&s, &format!("/portal/venues/{id}/print?lang=vi"))
        .await;
    assert!(print.text().contains("Ngang tầm mắt"), "{}", print.text());
    assert!(
        print
            .text()
            .contains(&format!("/portal/venues/{id}/poster.pdf"))
    );
    let pdf = c.get(&s, &format!("/portal/venues/{id}/poster.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.body.starts_with(b"%PDF"));

    // Another owner may not see it.
    let mut other = login(&s, "owner2").await;
    let r = other
        .get(&s, &format!("/portal/venues/{id}/poster.pdf"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// With the deployment's SMS number, the portal's poster (one and bulk) tells people without a
/// smartphone how to check in by SMS; without one it does not.
#[tokio::test]
async fn the_portal_poster_carries_the_sms_line() {
    let text_of = |pdf: &[u8]| {
        lopdf::Document::load_mem(pdf)
            .unwrap()
            .extract_text(&[1])
            .unwrap()
    };
    let s = server_with(
        "sqlite",
        "sqlite::memory:",
        quetma_server::state::Config {
            sms_number: Some("8079".into()),
            ..quetma_server::state::Config::default()
        },
    )
    .await;
    let mut c = login(&s, "owner").await;
    let id = register(&s, &mut c, "Chợ Hà Đông", "market").await;
    let pdf = c.get(&s, &format!("/portal/venues/{id}/poster.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    let text = text_of(&pdf.body);
    assert!(text.contains(&format!("Nhắn QM {id} gửi 8079")), "{text:?}");
    let plain = server().await;
    let mut c = login(&plain, "owner").await;
    let id = register(&plain, &mut c, "Chợ Hà Đông", "market").await;
    let pdf = c
        .get(&plain, &format!("/portal/venues/{id}/poster.pdf"))
        .await;
    assert!(!text_of(&pdf.body).contains("Nhắn QM"));
}

#[tokio::test]
async fn csv_bulk_is_all_or_nothing_with_row_errors() {
    for s in servers("csv_bulk_is_all_or_n").await {
        eprintln!(
            "csv_bulk_is_all_or_nothing_with_row_errors on {}",
            s.backend
        );
        csv_bulk_is_all_or_nothing_with_row_errors_on(s).await;
    }
}

async fn csv_bulk_is_all_or_nothing_with_row_errors_on(s: Server) {
    let mut c = login(&s, "ward").await;
    c.get(&s, "/portal/venues/bulk").await;
    let bad = "name,address,ward,category,stay_minutes\n\
               Chợ Văn La,1 Văn La,09877,market,\n\
               ,2 Văn Phú,09877,shop,30\n\
               Quán Bún,3 Ba La,09877,spaceport,30\n\
               Karaoke Hát Hay,4 Tô Hiệu,09878,leisure,90\n";
    let csrf = c.csrf.clone();
    let r = c
        .post_file(
            &s,
            "/portal/venues/bulk",
            Some(&csrf),
            "file",
            "v.csv",
            bad.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("Chưa tạo địa điểm nào"));
    assert!(
        html.contains("<td class=\"num\">3</td><td>name</td>"),
        "{html}"
    );
    assert!(html.contains("<td class=\"num\">4</td><td>category</td>"));
    let venues = |s: &Server| {
        let db = s.state.db.clone();
        async move {
            db.query_opt("SELECT COUNT(*) FROM venues", &[])
                .await
                .unwrap()
                .unwrap()
                .int(0)
                .unwrap()
        }
    };
    assert_eq!(venues(&s).await, 0, "nothing created");

    // Row 5 is outside the officer's ward: also refused, once the others are fixed.
    let outside = "name,address,ward,category,stay_minutes\n\
                   Chợ Văn La,1 Văn La,09877,market,\n\
                   Karaoke Hát Hay,4 Tô Hiệu,09878,leisure,90\n";
    let csrf = c.csrf.clone();
    let r = c
        .post_file(
            &s,
            "/portal/venues/bulk",
            Some(&csrf),
            "file",
            "v.csv",
            outside.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("<td class=\"num\">3</td><td>ward</td>"));
    assert_eq!(venues(&s).await, 0);

    let good = "\u{feff}name,address,ward,category,stay_minutes\n\
                Chợ Văn La,1 Văn La,09877,market,\n\
                \"Quán Bún, Chả\",3 Ba La,09877,restaurant,45\n\
                Tạp hoá Hà,5 Quang Trung,9877,shop,\n";
    let csrf = c.csrf.clone();
    let r = c
        .post_file(
            &s,
            "/portal/venues/bulk",
            Some(&csrf),
            "file",
            "v.csv",
            good.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("<span id=\"created-count\">3</span>"));
    assert_eq!(venues(&s).await, 3);
    let i = html.find("/portal/bulk/").unwrap();
    let link = &html[i..i + html[i..].find('"').unwrap()];
    let zip = c.get(&s, link).await;
    assert_eq!(zip.status, StatusCode::OK);
    assert_eq!(zip.headers["content-type"], "application/zip");
    assert!(zip.body.starts_with(b"PK\x03\x04"));
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal-bulk-posters.zip"),
        &zip.body,
    )
    .unwrap();
    let entries = zip.body.windows(4).filter(|w| w == b"PK\x01\x02").count();
    assert_eq!(entries, 3);
    assert_eq!(zip.body.windows(5).filter(|w| w == b"%PDF-").count(), 3);
    // Someone else's batch is not theirs to download.
    let mut o = login(&s, "owner").await;
    assert_eq!(o.get(&s, link).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn staff_enrolment_qr_then_revoke() {
    for s in servers("staff_enrolment_qr_t").await {
        eprintln!("staff_enrolment_qr_then_revoke on {}", s.backend);
        staff_enrolment_qr_then_revoke_on(s).await;
    }
}

async fn staff_enrolment_qr_then_revoke_on(s: Server) {
    let mut c = login(&s, "owner").await;
    let id = register(&s, &mut c, "Siêu thị Hà Đông", "supermarket").await;
    c.get(&s, &format!("/portal/venues/{id}/staff")).await;
    let r = c
        .post(
            &s,
            &format!("/portal/venues/{id}/staff"),
            &[("checkpoint", "Cổng chính"), ("direction", "entry")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("<svg"));
    let i = html.find("id=\"enrol-code\">").unwrap() + "id=\"enrol-code\">".len();
    let code = &html[i..i + html[i..].find('<').unwrap()];
    let bound = enrol::enrol(
        &s.state,
        &EnrolRequest {
            code: code.to_owned(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(bound.venue_id, id);
    assert_eq!(bound.checkpoint, "Cổng chính (vào)");
    let page = c.get(&s, &format!("/portal/venues/{id}/staff")).await;
    let html = page.text();
    assert!(html.contains("Cổng chính (vào)"));
    let i = html.find("/staff/").unwrap() + "/staff/".len();
    let short = &html[i..i + 16];
    let r = c
        .post(
            &s,
            &format!("/portal/venues/{id}/staff/{short}/revoke"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        enrol::scanner_venue(&s.state, &bound.scanner_token)
            .await
            .unwrap()
            .is_none(),
        "revoked token no longer works"
    );
    assert!(
        c.get(&s, &format!("/portal/venues/{id}/staff"))
            .await
            .text()
            .contains("Đã thu hồi")
    );
}

#[tokio::test]
async fn ward_view_counts_low_venues_reminders_and_suspension() {
    for s in servers("ward_view_counts_low").await {
        eprintln!(
            "ward_view_counts_low_venues_reminders_and_suspension on {}",
            s.backend
        );
        ward_view_counts_low_venues_reminders_and_suspension_on(s).await;
    }
}

async fn ward_view_counts_low_venues_reminders_and_suspension_on(s: Server) {
    let mut o = login(&s, "owner").await;
    let mut ids = Vec::new();
    for name in ["Shop A", "Shop B", "Shop C", "Shop D", "Shop E"] {
        ids.push(register(&s, &mut o, name, "shop").await);
    }
    let today = NOW_MS - 3_600_000; // 09:00 today
    let three_days_ago = NOW_MS - 3 * 86_400_000;
    // A–D: 20 scans this week (5 today); E: 2 (poster in the wrong place).
    for id in &ids[..4] {
        add_checkins(&s.state, id, 15, three_days_ago).await;
        add_checkins(&s.state, id, 3, today).await;
        add_visitors(&s.state, id, "Cổng chính (vào)", 2, today).await;
    }
    add_checkins(&s.state, &ids[4], 2, three_days_ago).await;
    // Older than a week: not counted.
    add_checkins(&s.state, &ids[4], 50, NOW_MS - 9 * 86_400_000).await;

    let mut w = login(&s, "ward").await;
    let page = w.get(&s, "/portal/ward").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("<div class=\"big\" id=\"n-venues\">5</div>"),
        "{html}"
    );
    assert!(html.contains("<div class=\"big\" id=\"n-today\">4</div>"));
    assert!(html.contains("<div class=\"big\" id=\"n-week\">5</div>"));
    assert!(html.contains("<div class=\"big\" id=\"n-low\">1</div>"));
    // E comes first (low), with its counts and the peers' median of 20.
    let e_row = &html[html.find(&format!("id=\"venue-{}\"", ids[4])).unwrap()..];
    let e_row = &e_row[..e_row.find("</tr>").unwrap()];
    assert!(e_row.contains("Few scans") || e_row.contains("Ít lượt quét"));
    assert!(e_row.contains("data-label=\"7 ngày\">2</td>"), "{e_row}");
    assert!(e_row.contains("data-label=\"Trung vị cùng loại\">20.0</td>"));
    let a_row = &html[html.find(&format!("id=\"venue-{}\"", ids[0])).unwrap()..];
    let a_row = &a_row[..a_row.find("</tr>").unwrap()];
    assert!(
        a_row.contains("Cổng chính (vào): 2"),
        "per-checkpoint counts: {a_row}"
    );
    assert!(a_row.contains("Áp phích (ứng dụng và web): 18"));

    // Three reminders flag the venue; then it can be suspended.
    let remind = format!("/portal/ward/venues/{}/remind", ids[4]);
    let suspend = format!("/portal/ward/venues/{}/suspend", ids[4]);
    assert_eq!(
        w.post(&s, &suspend, &[]).await.status,
        StatusCode::BAD_REQUEST
    );
    for _ in 0..3 {
        assert_eq!(
            w.post(&s, &remind, &[("confirm", "yes")]).await.status,
            StatusCode::SEE_OTHER
        );
    }
    let html = w.get(&s, "/portal/ward").await.text();
    assert!(html.contains("Đề nghị đình chỉ"));
    assert!(html.contains("25/11/2026 10:00"), "dated reminder");
    assert_eq!(
        w.post(&s, &suspend, &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let v = quetma_server::service::venues::get_venue(&s.state, &ids[4])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.reminder_count, 3);
    assert!(v.flagged && v.suspended);
    let actions: Vec<String> = audit::recent(&s.state, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "venue.remind").count(), 3);
    assert!(actions.contains(&"venue.suspend".to_owned()));
    // The owner sees the reminders and the suspension on their own list.
    let mine = o.get(&s, "/portal/venues?lang=vi").await.text();
    assert!(mine.contains("Phường đã nhắc: 3"), "{mine}");
    assert!(mine.contains("Đình chỉ"));

    // Another ward's officer sees none of it.
    let mut w2 = login(&s, "ward2").await;
    let html = w2.get(&s, "/portal/ward").await.text();
    assert!(html.contains("<div class=\"big\" id=\"n-venues\">0</div>"));
    assert_eq!(
        w2.post(&s, &remind, &[]).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn tracing_case_export_notices_and_audit() {
    for s in servers("tracing_case_export_").await {
        eprintln!("tracing_case_export_notices_and_audit on {}", s.backend);
        tracing_case_export_notices_and_audit_on(s).await;
    }
}

async fn tracing_case_export_notices_and_audit_on(s: Server) {
    let mut o = login(&s, "owner").await;
    let id = register(&s, &mut o, "Quán cà phê Gió", "restaurant").await;
    // The case was there 18:00–19:30 on 24/11 (Hà Nội) = 11:00–12:30 UTC.
    let case_start = NOW_MS - 86_400_000 + 8 * 3_600_000; // 24/11 11:00 UTC
    add_checkins(&s.state, &id, 3, case_start + 10 * 60_000).await; // overlapping
    add_checkins(&s.state, &id, 2, case_start - 5 * 3_600_000).await; // long before

    let mut t = login(&s, "tracer").await;
    t.get(&s, "/portal/tracing").await;
    let bad = t
        .post(
            &s,
            "/portal/tracing/cases",
            &[
                ("windows", "nonsense"),
                ("tail_minutes", "30"),
                ("min_overlap_minutes", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let window = format!("{id}, 2026-11-24 18:00, 2026-11-24 19:30");
    let r = t
        .post(
            &s,
            "/portal/tracing/cases",
            &[
                ("windows", &window),
                ("tail_minutes", "30"),
                ("min_overlap_minutes", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let case_url = r.location().unwrap();
    let page = t.get(&s, &case_url).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("<span id=\"overlap-count\">3</span>"),
        "{html}"
    );
    assert!(html.contains("24/11/2026 18:00"));
    assert!(
        !html.contains("from-phone"),
        "a typed-in window is not marked as the phone's"
    );

    let export = t.get(&s, &format!("{case_url}/export.json")).await;
    assert_eq!(export.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&export.body).unwrap();
    assert_eq!(json["format"], "quetma-case-export/1");
    assert_eq!(json["records"].as_array().unwrap().len(), 3);
    assert_eq!(json["records"][0]["sealed"]["ct"], "ct");

    let r = t
        .post(
            &s,
            &format!("{case_url}/notices"),
            &[
                ("level", "high"),
                ("guidance_vi", "Theo dõi sức khoẻ"),
                ("guidance_en", "Watch your health"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(t.get(&s, &case_url).await.text().contains("Đã công bố: 1"));

    let actions: Vec<String> = audit::recent(&s.state, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "trace.query",
        "trace.view",
        "trace.export",
        "notice.publish",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
    // The officer cannot read or edit the log; the admin can read it; nobody can edit it.
    assert_eq!(
        t.get(&s, "/portal/admin/audit").await.status,
        StatusCode::FORBIDDEN
    );
    let mut admin = login(&s, "admin").await;
    let log = admin.get(&s, "/portal/admin/audit").await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.text().contains("trace.export"));
    assert!(
        s.state
            .db
            .exec("UPDATE audit_log SET action = 'x'", &[])
            .await
            .is_err()
    );
    assert!(s.state.db.exec("DELETE FROM audit_log", &[]).await.is_err());
}

#[tokio::test]
async fn admin_creates_accounts_and_language_switch_sticks() {
    for s in servers("admin_creates_accoun").await {
        eprintln!(
            "admin_creates_accounts_and_language_switch_sticks on {}",
            s.backend
        );
        admin_creates_accounts_and_language_switch_sticks_on(s).await;
    }
}

async fn admin_creates_accounts_and_language_switch_sticks_on(s: Server) {
    let mut a = login(&s, "admin").await;
    let page = a.get(&s, "/portal/admin/accounts?lang=en").await;
    assert!(page.text().contains("Create an account"));
    assert!(page.text().contains("<html lang=\"en\">"));
    // The choice is remembered by cookie.
    assert!(
        a.get(&s, "/portal/admin/accounts")
            .await
            .text()
            .contains("Create an account")
    );
    let r = a
        .post(
            &s,
            "/portal/admin/accounts",
            &[
                ("username", "to.truong"),
                ("password", PASSWORD),
                ("role", "ward_officer"),
                ("ward", "09877"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("to.truong"));
    let dup = a
        .post(
            &s,
            "/portal/admin/accounts",
            &[
                ("username", "to.truong"),
                ("password", "mot-mat-khau-dai"),
                ("role", "venue_owner"),
                ("ward", ""),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    let new_officer = login(&s, "to.truong").await;
    assert!(!new_officer.csrf.is_empty());
    let vi = a.get(&s, "/portal/admin/accounts?lang=vi").await;
    assert!(vi.text().contains("Tạo tài khoản"));
}

/// The element `id`'s position in `html` (panics if absent).
fn at(html: &str, needle: &str) -> usize {
    html.find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the page:\n{html}"))
}

#[tokio::test]
async fn wards_are_shown_by_name_from_the_2025_list() {
    for s in servers("wards_by_name").await {
        eprintln!(
            "wards_are_shown_by_name_from_the_2025_list on {}",
            s.backend
        );
        wards_are_shown_by_name_from_the_2025_list_on(s).await;
    }
}

async fn wards_are_shown_by_name_from_the_2025_list_on(s: Server) {
    let mut o = login(&s, "owner").await;
    // The form offers the list (names with their codes), not a bare 5-digit box.
    let form = o.get(&s, "/portal/venues/new").await.text();
    assert!(form.contains("list=\"ward-list\""), "{form}");
    assert!(form.contains("<option value=\"Phường Hà Đông · Hà Nội (09556)\">"));
    assert!(form.contains("<option value=\"Phường Yên Nghĩa · Hà Nội (09562)\">"));
    // A name shared by several units: refused beside the field, the candidates listed, the
    // typed text kept.
    let fields = |ward: &'static str| {
        vec![
            ("name", "Nhà thuốc Phú Lương"),
            ("address", "3 Phú Lương"),
            ("ward", ward),
            ("category", "healthcare"),
            ("stay_minutes", ""),
        ]
    };
    let bad = o.post(&s, "/portal/venues/new", &fields("Phú Lương")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text();
    assert!(html.contains("value=\"Phú Lương\""), "typed text kept");
    let err = &html[at(&html, "id=\"ward-error\"")..];
    assert!(err.contains("Phường Phú Lương · Hà Nội (09568)"), "{err}");
    assert!(at(&html, "id=\"ward\"") < at(&html, "id=\"ward-error\""));
    assert!(at(&html, "id=\"ward-error\"") < at(&html, "id=\"category\""));
    // A chosen list entry, a plain name, a code: all resolve to the code.
    let mut ids = Vec::new();
    for ward in [
        "Phường Phú Lương · Hà Nội (09568)",
        "phường hà đông",
        "09886",
    ] {
        let r = o.post(&s, "/portal/venues/new", &fields(ward)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{ward}: {}", r.text());
        let id = r
            .location()
            .unwrap()
            .trim_start_matches("/portal/venues/")
            .trim_end_matches("/qr")
            .to_owned();
        ids.push(id);
    }
    let codes: Vec<i64> = {
        let mut v = Vec::new();
        for id in &ids {
            let venue = quetma_server::service::venues::get_venue(&s.state, id)
                .await
                .unwrap()
                .unwrap();
            v.push(venue.ward_code);
        }
        v
    };
    assert_eq!(codes, [9568, 9556, 9886]);
    // A code the list does not know is kept and shown as the code.
    let r = o.post(&s, "/portal/venues/new", &fields("12345")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // The owner's list, the QR step and the print step name the ward.
    let list = o.get(&s, "/portal/venues").await.text();
    assert!(list.contains("Phường Hà Đông (09556)"), "{list}");
    assert!(list.contains("Phường Dương Nội (09886)"));
    assert!(list.contains("<span class=\"ward\">12345</span>"));
    assert!(list.contains(&format!("<span class=\"code\">{}</span>", ids[1])));
    let qr = o
        .get(&s, &format!("/portal/venues/{}/qr", ids[1]))
        .await
        .text();
    assert!(qr.contains("<span id=\"venue-ward\">Phường Hà Đông (09556)</span>"));
    let print = o
        .get(&s, &format!("/portal/venues/{}/print", ids[2]))
        .await
        .text();
    assert!(print.contains("Phường Dương Nội (09886)"));

    // The ward view: the officer's own ward by name; an admin picks one by name.
    let mut w = login(&s, "ward").await;
    let page = w.get(&s, "/portal/ward").await.text();
    assert!(
        page.contains("<span id=\"ward-name\">Xã An Khánh (09877)</span>"),
        "{page}"
    );
    let mut a = login(&s, "admin").await;
    let q = serde_urlencoded::to_string([("ward", "Hà Đông, Hà Nội")]).unwrap();
    let page = a.get(&s, &format!("/portal/ward?{q}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.text();
    assert!(page.contains("<span id=\"ward-name\">Phường Hà Đông (09556)</span>"));
    assert!(page.contains("Nhà thuốc Phú Lương"));
    assert!(page.contains("list=\"ward-list\""));
    let unknown = a.get(&s, "/portal/ward?ward=12345").await.text();
    assert!(unknown.contains("<span id=\"ward-name\">12345</span>"));
    // Accounts list too.
    let accounts = a.get(&s, "/portal/admin/accounts").await.text();
    assert!(accounts.contains("Xã An Khánh (09877)"));
}

#[tokio::test]
async fn account_creation_keeps_the_input_and_puts_errors_beside_fields() {
    for s in servers("account_errors").await {
        eprintln!(
            "account_creation_keeps_the_input_and_puts_errors_beside_fields on {}",
            s.backend
        );
        account_creation_keeps_the_input_and_puts_errors_beside_fields_on(s).await;
    }
}

async fn account_creation_keeps_the_input_and_puts_errors_beside_fields_on(s: Server) {
    let mut a = login(&s, "admin").await;
    a.get(&s, "/portal/admin/accounts").await;
    let r = a
        .post(
            &s,
            "/portal/admin/accounts",
            &[
                ("username", "tổ trưởng"),
                ("password", "ngan"),
                ("role", "ward_officer"),
                ("ward", "Phú Lương"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    // What was typed is still there (never the password).
    assert!(html.contains("value=\"tổ trưởng\""), "{html}");
    assert!(html.contains("<option value=\"ward_officer\" selected>"));
    assert!(html.contains("value=\"Phú Lương\""));
    assert!(!html.contains("value=\"ngan\""));
    // Each message right after its own field, before the next one.
    let order = [
        "id=\"username\"",
        "id=\"username-error\"",
        "id=\"password\"",
        "id=\"password-error\"",
        "id=\"role\"",
        "id=\"ward\"",
        "id=\"ward-error\"",
        "id=\"create-account\"",
    ];
    let pos: Vec<usize> = order.iter().map(|n| at(&html, n)).collect();
    assert!(pos.windows(2).all(|p| p[0] < p[1]), "{order:?} {pos:?}");
    assert!(!html.contains("id=\"role-error\""));
    let user_err = &html[pos[1]..pos[2]];
    assert!(user_err.contains("3–64 ký tự"), "{user_err}");
    assert!(html[pos[6]..].contains("Phường Phú Lương · Hà Nội (09568)"));
    assert!(
        html.contains("aria-invalid=\"true\" aria-describedby=\"username-hint username-error\"")
    );

    // A ward officer without a ward; the password right: the password box says to type it
    // again, the ward box says what is missing.
    let r = a
        .post(
            &s,
            "/portal/admin/accounts",
            &[
                ("username", "to.truong"),
                ("password", PASSWORD),
                ("role", "ward_officer"),
                ("ward", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("value=\"to.truong\""));
    assert!(html.contains("id=\"password-again\""));
    assert!(html[at(&html, "id=\"ward-error\"")..].contains("cần có phường/xã"));
    // A taken name: beside the username.
    let r = a
        .post(
            &s,
            "/portal/admin/accounts",
            &[
                ("username", "owner"),
                ("password", PASSWORD),
                ("role", "venue_owner"),
                ("ward", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    let e = &html[at(&html, "id=\"username-error\"")..at(&html, "id=\"password\"")];
    assert!(e.contains("đã có người dùng"), "{e}");
    // Fixed: created, with the ward picked by name.
    let r = a
        .post(
            &s,
            "/portal/admin/accounts",
            &[
                ("username", "to.truong"),
                ("password", PASSWORD),
                ("role", "ward_officer"),
                ("ward", "Phường Phú Lương · Hà Nội (09568)"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("Phường Phú Lương (09568)"));
    assert!(!html.contains("field-error"));
    let officer = quetma_server::service::accounts::list_accounts(&s.state)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.username == "to.truong")
        .unwrap();
    assert_eq!(officer.ward_code, Some(9568));
}

#[tokio::test]
async fn a_reminder_is_sent_only_after_confirming() {
    for s in servers("reminder_confirm").await {
        eprintln!("a_reminder_is_sent_only_after_confirming on {}", s.backend);
        a_reminder_is_sent_only_after_confirming_on(s).await;
    }
}

async fn a_reminder_is_sent_only_after_confirming_on(s: Server) {
    let mut o = login(&s, "owner").await;
    let id = register(&s, &mut o, "Tạp hoá Yên Nghĩa", "shop").await;
    let count = |s: &Server| {
        let state = s.state.clone();
        let id = id.clone();
        async move {
            quetma_server::service::venues::get_venue(&state, &id)
                .await
                .unwrap()
                .unwrap()
                .reminder_count
        }
    };
    let mut w = login(&s, "ward").await;
    let page = w.get(&s, "/portal/ward").await.text();
    let confirm_url = format!("/portal/ward/venues/{id}/remind");
    // The ward view links to a confirmation page; it holds no form that sends at once.
    assert!(page.contains(&format!("href=\"{confirm_url}\"")), "{page}");
    assert!(!page.contains(&format!("action=\"{confirm_url}\"")));
    // A POST without the confirmation sends nothing and goes to the confirmation page.
    let r = w.post(&s, &confirm_url, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location().as_deref(), Some(confirm_url.as_str()));
    assert_eq!(count(&s).await, 0);
    // The confirmation page: which venue, what it says, the button, a way back.
    let c = w.get(&s, &confirm_url).await;
    assert_eq!(c.status, StatusCode::OK);
    let html = c.text();
    assert!(html.contains("<dd id=\"remind-venue\">Tạp hoá Yên Nghĩa</dd>"));
    assert!(html.contains("Xã An Khánh (09877)"));
    assert!(html.contains("Áp phích QR của địa điểm ít được quét"));
    assert!(html.contains("name=\"confirm\" value=\"yes\""));
    assert!(html.contains("id=\"cancel-remind\""));
    assert!(!html.contains("id=\"remind-flags\""));
    assert_eq!(count(&s).await, 0, "looking sends nothing");
    for n in 1..=3 {
        let r = w.post(&s, &confirm_url, &[("confirm", "yes")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().unwrap().starts_with("/portal/ward?ward=9877"));
        assert_eq!(count(&s).await, n);
        if n == 2 {
            // The next one flags the venue: the page says so.
            let html = w.get(&s, &confirm_url).await.text();
            assert!(html.contains("id=\"remind-flags\""));
        }
    }
    // Another ward's officer gets neither the page nor the action.
    let mut w2 = login(&s, "ward2").await;
    assert_eq!(w2.get(&s, &confirm_url).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w2.post(&s, &confirm_url, &[("confirm", "yes")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(count(&s).await, 3);
}

#[tokio::test]
async fn tracing_results_name_venues_and_fit_a_phone() {
    for s in servers("tracing_names").await {
        eprintln!(
            "tracing_results_name_venues_and_fit_a_phone on {}",
            s.backend
        );
        tracing_results_name_venues_and_fit_a_phone_on(s).await;
    }
}

async fn tracing_results_name_venues_and_fit_a_phone_on(s: Server) {
    let mut o = login(&s, "owner").await;
    let id = register(&s, &mut o, "Quán phở Kiến Hưng", "restaurant").await;
    let case_start = NOW_MS - 86_400_000 + 8 * 3_600_000;
    add_checkins(&s.state, &id, 2, case_start + 10 * 60_000).await;
    let mut t = login(&s, "tracer").await;
    t.get(&s, "/portal/tracing").await;
    let window = format!(
        "{id}, 2026-11-24 18:00, 2026-11-24 19:30\nV-UNKNOWN1, 2026-11-24 20:00, 2026-11-24 21:00"
    );
    let r = t
        .post(
            &s,
            "/portal/tracing/cases",
            &[
                ("windows", &window),
                ("tail_minutes", "30"),
                ("min_overlap_minutes", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = t.get(&s, &r.location().unwrap()).await.text();
    // Both tables become one card per row on a phone (no sideways scrolling).
    assert!(html.contains("<table id=\"windows\" class=\"stack\">"));
    assert!(html.contains("<table id=\"overlaps\" class=\"stack\">"));
    // Venue names and wards beside the codes; codes in a no-wrap span.
    let windows = &html[at(&html, "id=\"windows\"")..at(&html, "id=\"overlap-count\"")];
    assert!(windows.contains("<span class=\"venue-name\">Quán phở Kiến Hưng</span>"));
    assert!(windows.contains(&format!("Xã An Khánh · <span class=\"code\">{id}</span>")));
    // A code the server does not know: the code alone.
    assert!(windows.contains("<span class=\"code\">V-UNKNOWN1</span>"));
    let overlaps = &html[at(&html, "id=\"overlaps\"")..];
    assert_eq!(
        overlaps
            .matches("<span class=\"venue-name\">Quán phở Kiến Hưng</span>")
            .count(),
        2
    );
    assert!(overlaps.contains(&format!("<span class=\"code\">{id}</span>")));
    let css = t.get(&s, "/portal/static/portal.css").await.text();
    assert!(css.contains(".code { white-space: nowrap;"));
}

/// Pages with the ward list go out gzipped to a browser that asks, and plain to one that does
/// not; the poster PDF is never gzipped again.
#[tokio::test]
async fn pages_are_gzipped_for_browsers_that_ask() {
    let s = server().await;
    let mut o = login(&s, "owner").await;
    let plain = o.get(&s, "/portal/venues/new").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(plain.text().contains("list=\"ward-list\""));
    let gz = o.get_gzip(&s, "/portal/venues/new").await;
    assert_eq!(gz.status, StatusCode::OK);
    assert_eq!(
        gz.headers
            .get(header::CONTENT_ENCODING)
            .map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    assert!(gz.body.starts_with(&[0x1f, 0x8b]), "a gzip stream");
    assert!(
        gz.body.len() * 4 < plain.body.len(),
        "{} bytes gzipped of {}",
        gz.body.len(),
        plain.body.len()
    );
    let id = register(&s, &mut o, "Nhà thuốc Nén", "healthcare").await;
    let pdf = o
        .get_gzip(&s, &format!("/portal/venues/{id}/poster.pdf"))
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    assert!(pdf.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(pdf.body.starts_with(b"%PDF"));
}

#[tokio::test]
async fn tracer_gives_a_case_code_and_the_phone_fills_the_case() {
    for s in servers("case_code_portal_").await {
        eprintln!(
            "tracer_gives_a_case_code_and_the_phone_fills_the_case on {}",
            s.backend
        );
        case_code_on(s).await;
    }
}

async fn case_code_on(s: Server) {
    use quetma_server::service::cases::{self, CaseShare, CaseVisit};
    let mut o = login(&s, "owner").await;
    let id = register(&s, &mut o, "Nhà thuốc An Khang", "shop").await;
    let mut t = login(&s, "tracer").await;
    let list = t.get(&s, "/portal/tracing").await.text();
    assert!(
        list.contains("action=\"/portal/tracing/case-codes\""),
        "{list}"
    );
    // A window the retention does not cover is refused beside the form, nothing made.
    for bad in ["0", "abc", "400"] {
        let r = t
            .post(&s, "/portal/tracing/case-codes", &[("window_days", bad)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.text().contains("role=\"alert\""), "{bad}");
    }
    let r = t
        .post(&s, "/portal/tracing/case-codes", &[("window_days", "7")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("<svg"), "the QR is on the page");
    let grouped = html
        .split("id=\"case-code\">")
        .nth(1)
        .and_then(|t| t.split("</code>").next())
        .unwrap()
        .to_owned();
    assert!(
        grouped.starts_with("07") && grouped.contains(' '),
        "{grouped}"
    );
    let case_url = html
        .split("href=\"/portal/tracing/cases/")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .map(|id| format!("/portal/tracing/cases/{id}"))
        .unwrap();
    // Until the phone sends, the case says it is waiting.
    let waiting = t.get(&s, &case_url).await.text();
    assert!(waiting.contains("waiting-for-phone") && !waiting.contains("from-phone"));
    // The phone sends one visit with the code as read out (spaces and all).
    let at = NOW_MS - 2 * 86_400_000;
    let shared = cases::share_history(
        &s.state,
        &CaseShare {
            code: grouped.clone(),
            visits: vec![CaseVisit {
                venue_id: id.clone(),
                started_at: at,
                ended_at: Some(at + 3_600_000),
                planned_end: None,
            }],
        },
    )
    .await
    .unwrap()
    .expect("the code is good once");
    assert!(case_url.ends_with(&shared.case_id));
    let page = t.get(&s, &case_url).await.text();
    assert!(
        page.contains("from-phone") && !page.contains("waiting-for-phone"),
        "{page}"
    );
    assert!(page.contains("Nhà thuốc An Khang"));
}
