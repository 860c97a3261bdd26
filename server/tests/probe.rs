//! Regression tests for the holes a probe found (issue 16), each on SQLite and — under
//! `scripts/with-postgres` — PostgreSQL. Each test failed before its fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{Method, StatusCode};
use common::DEVICE;
use quetma_core::api::UploadResponse;
use quetma_server::service::accounts::Role;
use serde_json::json;

const MIN: i64 = 60_000;

fn upload_resp(v: &serde_json::Value) -> UploadResponse {
    serde_json::from_value(v.clone()).unwrap()
}

/// Finding 4: one client id inside one batch is one record, the latest item wins.
#[tokio::test]
async fn duplicate_client_ids_in_one_batch_are_one_record() {
    on_backends!("probe_dup", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (v1, _) = app.venue(&owner, "Nhà thuốc Minh Châu", 100).await;
        let now = app.now();
        let first = app.visit("dup", &v1, now - 10 * MIN, None, "Nguyễn Văn An");
        let later = app.visit(
            "dup",
            &v1,
            now - 10 * MIN,
            Some(now - 2 * MIN),
            "Nguyễn Văn An",
        );
        let batch = json!({"sent_at": now, "visits": [first, later]});
        for _ in 0..2 {
            let (s, _, b) = app.upload(DEVICE, None, Some(batch.clone())).await;
            assert_eq!(s, StatusCode::OK, "{b}");
            assert_eq!(upload_resp(&b).accepted, vec!["dup"]);
            let rows = app
                .state
                .db
                .query("SELECT ended_at FROM checkins WHERE client_id = 'dup'", &[])
                .await
                .unwrap();
            assert_eq!(rows.len(), 1, "{}: one id, one record", app.backend);
            assert_eq!(
                rows[0].opt_int(0).unwrap(),
                Some(now - 2 * MIN),
                "latest wins"
            );
        }
        // A cancellation later in the same batch drops the record.
        let mut cancel = app.visit("dup", &v1, now - 10 * MIN, None, "Nguyễn Văn An");
        cancel.cancelled = true;
        let again = app.visit("dup", &v1, now - 10 * MIN, None, "Nguyễn Văn An");
        let (_, _, b) = app
            .upload(
                DEVICE,
                None,
                Some(json!({"sent_at": now, "visits": [again, cancel]})),
            )
            .await;
        assert_eq!(upload_resp(&b).accepted, vec!["dup"]);
        let rows = app
            .state
            .db
            .query("SELECT 1 FROM checkins", &[])
            .await
            .unwrap();
        assert!(rows.is_empty());
    });
}

/// Finding 6: extreme times are rejected with a typed reason, never a panic or a wrap.
#[tokio::test]
async fn extreme_times_are_rejected_without_overflow() {
    on_backends!("probe_overflow", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (v1, _) = app.venue(&owner, "Chợ Hà Đông", 100).await;
        let now = app.now();
        let mut wide = app.visit("wide", &v1, i64::MIN, None, "X");
        wide.planned_end = i64::MAX;
        let mut late_end = app.visit("late-end", &v1, now - MIN, Some(i64::MAX), "X");
        late_end.planned_end = now;
        let ok = app.visit("ok", &v1, now - 10 * MIN, None, "X");
        let visitor = json!({"client_id": "vis", "venue_id": &v1, "checkpoint": "Cổng", "direction": "entry",
                             "scanned_at": i64::MIN, "source": "cccd", "contact": app.sealed("Y")});
        let batch = json!({"sent_at": now, "visits": [wide, late_end, ok], "visitors": [visitor]});
        let (s, _, b) = app.upload(DEVICE, None, Some(batch)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let r = upload_resp(&b);
        assert_eq!(r.accepted, vec!["ok"]);
        let mut rejected: Vec<&str> = r.rejected.iter().map(|x| x.client_id.as_str()).collect();
        rejected.sort_unstable();
        assert_eq!(rejected, vec!["late-end", "vis", "wide"]);
        // A phone clock at the end of time: the batch is refused as a whole, typed.
        for sent_at in [i64::MIN, i64::MAX, -1] {
            let ok = app.visit("ok2", &v1, now - 10 * MIN, None, "X");
            let (s, _, b) = app
                .upload(
                    DEVICE,
                    None,
                    Some(json!({"sent_at": sent_at, "visits": [ok]})),
                )
                .await;
            assert_eq!(
                s,
                StatusCode::UNPROCESSABLE_ENTITY,
                "sent_at {sent_at}: {b}"
            );
            assert_eq!(b["code"], "invalid");
        }
        // Case windows and notices: the same range.
        let tracer = app.login_as("tracer1", Role::TracingOfficer, None).await;
        let (s, _, b) = app
            .call(
                Method::POST,
                "/api/v1/cases",
                Some(&tracer),
                Some(json!({"windows": [{"venue_id": &v1, "start": i64::MIN, "end": i64::MAX}]})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let (s, _, b) = app
            .call(
                Method::POST,
                "/api/v1/notices",
                Some(&tracer),
                Some(json!({"venue_id": &v1, "start": i64::MIN, "end": i64::MAX})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    });
}

/// An app that takes the client address from `X-Forwarded-For`, so a test can speak from
/// several addresses.
async fn proxied_apps(test: &str) -> Vec<common::TestApp> {
    let mut out = Vec::new();
    for (backend, url) in common::backends(test).await {
        let config = quetma_server::state::Config {
            trust_forwarded_for: true,
            ..Default::default()
        };
        out.push(common::TestApp::with_config(backend, &url, config).await);
    }
    out
}

async fn api_login(
    app: &common::TestApp,
    user: &str,
    password: &str,
    address: &str,
) -> (StatusCode, axum::http::HeaderMap) {
    let body = serde_json::to_vec(&json!({"username": user, "password": password})).unwrap();
    let (s, h, _) = app
        .raw(
            Method::POST,
            "/api/v1/session",
            None,
            Some(body),
            &[("x-forwarded-for", address)],
        )
        .await;
    (s, h)
}

/// The login form of the portal, signed out, from `address`: (status, headers, page).
async fn portal_login(
    app: &common::TestApp,
    user: &str,
    password: &str,
    address: &str,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let form =
        serde_urlencoded::to_string([("csrf", "tok"), ("username", user), ("password", password)])
            .unwrap();
    let (s, h, b) = app
        .raw(
            Method::POST,
            "/portal/login",
            None,
            Some(form.into_bytes()),
            &[
                ("x-forwarded-for", address),
                ("cookie", "qm_csrf=tok"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
        )
        .await;
    (s, h, String::from_utf8_lossy(&b).into_owned())
}

fn retry_after(h: &axum::http::HeaderMap) -> u64 {
    h.get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Finding 1: the API login is throttled per account + address and per address (one password
/// across many names), and the portal shares the same throttle.
#[tokio::test]
async fn api_login_is_throttled_and_shared_with_the_portal() {
    for app in proxied_apps("probe_login_api").await {
        eprintln!("api login throttle: {}", app.backend);
        let pw = "correct horse battery";
        quetma_server::service::accounts::create_account(
            &app.state,
            "victim",
            pw,
            Role::VenueOwner,
            None,
        )
        .await
        .unwrap();
        let attacker = "203.0.113.7";
        let mut throttled_at = None;
        for i in 0..12 {
            let (s, h) = api_login(&app, "victim", "wrong-password-1", attacker).await;
            if s == StatusCode::TOO_MANY_REQUESTS {
                assert!(retry_after(&h) >= 1, "Retry-After on 429");
                throttled_at = Some(i);
                break;
            }
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        assert!(throttled_at.is_some_and(|i| i <= 6), "{throttled_at:?}");
        // Throttled, the right password is not even checked from that address…
        let (s, h) = api_login(&app, "victim", pw, attacker).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert!(retry_after(&h) >= 1);
        // … nor through the portal: one throttle for both.
        let (s, h, page) = portal_login(&app, "victim", pw, attacker).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{page}");
        assert!(retry_after(&h) >= 1);
        // After the delay the right password works again.
        app.state.clock.set(app.now() + 16 * MIN);
        let (s, _) = api_login(&app, "victim", pw, attacker).await;
        assert_eq!(s, StatusCode::OK);

        // One password across 40 names from one address is throttled too.
        let sprayer = "198.51.100.9";
        let mut sprayed = None;
        for i in 0..40 {
            let (s, _) = api_login(&app, &format!("user{i:02}"), "Password123!", sprayer).await;
            if s == StatusCode::TOO_MANY_REQUESTS {
                sprayed = Some(i);
                break;
            }
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        assert!(sprayed.is_some_and(|i| i <= 21), "{sprayed:?}");
    }
}

/// Finding 2: guesses from one address cannot lock the account out for its owner elsewhere;
/// failures and the delay are audited; the 429 says when to come back.
#[tokio::test]
async fn failed_logins_do_not_lock_out_the_owner_and_are_audited() {
    for app in proxied_apps("probe_login_lockout").await {
        eprintln!("no lockout: {}", app.backend);
        let pw = "correct horse battery";
        quetma_server::service::accounts::create_account(
            &app.state,
            "admin",
            pw,
            Role::Admin,
            None,
        )
        .await
        .unwrap();
        let attacker = "203.0.113.66";
        let mut saw_429 = false;
        for _ in 0..25 {
            let (s, h, _) = portal_login(&app, "admin", "guess-guess-1", attacker).await;
            if s == StatusCode::TOO_MANY_REQUESTS {
                assert!(retry_after(&h) >= 1, "429 carries Retry-After");
                saw_429 = true;
            }
        }
        assert!(saw_429);
        // The admin, from the office, signs in at once.
        let (s, h, page) = portal_login(&app, "admin", pw, "192.0.2.10").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(h.get("location").unwrap(), "/portal");
        let (s, _) = api_login(&app, "admin", pw, "192.0.2.10").await;
        assert_eq!(s, StatusCode::OK);
        // Audited: every failure, and the start of the delay.
        let rows = app
            .state
            .db
            .query(
                "SELECT action, target, detail FROM audit_log WHERE action LIKE 'login.%' ORDER BY id",
                &[],
            )
            .await
            .unwrap();
        let fails = rows
            .iter()
            .filter(|r| r.text(0).unwrap() == "login.fail")
            .count();
        assert!((5..=25).contains(&fails), "{fails} failures audited");
        let throttle = rows
            .iter()
            .find(|r| r.text(0).unwrap() == "login.throttle")
            .expect("the delay is audited");
        assert_eq!(throttle.text(1).unwrap(), "admin");
        assert!(throttle.text(2).unwrap().contains(attacker));
    }
}

fn set_cookies(h: &axum::http::HeaderMap) -> Vec<String> {
    h.get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// Finding 3: a cold browser loads the login page, then `/favicon.ico` (and `/`) without the
/// `Path=/portal` cookie; those answers must not mint a new `qm_csrf`, so the first sign-in
/// works. `/` sends people to the portal.
#[tokio::test]
async fn first_login_in_a_fresh_browser_works() {
    on_backends!("probe_cold_login", |app| {
        quetma_server::service::accounts::create_account(
            &app.state,
            "owner1",
            "correct horse battery",
            Role::VenueOwner,
            None,
        )
        .await
        .unwrap();
        let (s, h, page) = app.raw(Method::GET, "/portal/login", None, None, &[]).await;
        assert_eq!(s, StatusCode::OK);
        let cookie = set_cookies(&h)
            .into_iter()
            .find(|c| c.starts_with("qm_csrf="))
            .unwrap();
        let token = cookie["qm_csrf=".len()..]
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        assert!(String::from_utf8_lossy(&page).contains(&token));
        for path in ["/favicon.ico", "/", "/robots.txt"] {
            let (_, h, _) = app.raw(Method::GET, path, None, None, &[]).await;
            assert!(
                !set_cookies(&h).iter().any(|c| c.starts_with("qm_csrf=")),
                "{path} must not replace the login form's token"
            );
        }
        let (s, h, _) = app.raw(Method::GET, "/", None, None, &[]).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(h.get("location").unwrap(), "/portal");
        let form = serde_urlencoded::to_string([
            ("csrf", token.as_str()),
            ("username", "owner1"),
            ("password", "correct horse battery"),
        ])
        .unwrap();
        let (s, _, b) = app
            .raw(
                Method::POST,
                "/portal/login",
                None,
                Some(form.into_bytes()),
                &[
                    ("cookie", &format!("qm_csrf={token}")),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{}", String::from_utf8_lossy(&b));
    });
}

/// Finding 5: the web check-in page sends the portal's security headers (`no-store` on the
/// error page that echoes what was typed), and a post from another site, or without the
/// page's form token, stores nothing.
#[tokio::test]
async fn web_check_in_has_security_headers_and_refuses_cross_site_posts() {
    on_backends!("probe_web_csrf", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (_, qr) = app.venue(&owner, "Nhà văn hoá tổ 5", 100).await;
        let path = format!("/V/{}", qr.split("/V/").nth(1).unwrap());
        let (_, h, _) = app.raw(Method::GET, &path, None, None, &[]).await;
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'none'"));
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
        let (token, cookie) = app.web_token(&path).await;
        let body = "full_name=Nguyen+Thi+Hoa&phone=0912345678";
        let post = |extra: Vec<(&'static str, String)>, form: String| {
            let app = &app;
            let path = path.clone();
            async move {
                let mut headers: Vec<(&str, &str)> =
                    vec![("content-type", "application/x-www-form-urlencoded")];
                headers.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
                app.raw(Method::POST, &path, None, Some(form.into_bytes()), &headers)
                    .await
            }
        };
        // No token, a wrong one, another site's Origin / Sec-Fetch-Site: refused, kept, unstored.
        let with_token = format!("t={token}&{body}");
        for (extra, form) in [
            (vec![("cookie", cookie.clone())], body.to_owned()),
            (vec![("cookie", cookie.clone())], format!("t=WRONG&{body}")),
            (vec![], with_token.clone()),
            (
                vec![
                    ("cookie", cookie.clone()),
                    ("origin", "https://evil.example".to_owned()),
                ],
                with_token.clone(),
            ),
            (
                vec![
                    ("cookie", cookie.clone()),
                    ("sec-fetch-site", "cross-site".to_owned()),
                ],
                with_token.clone(),
            ),
        ] {
            let (s, h, page) = post(extra, form).await;
            assert_eq!(s, StatusCode::FORBIDDEN);
            assert_eq!(h.get("cache-control").unwrap(), "no-store");
            assert!(h.contains_key("content-security-policy"));
            assert!(
                String::from_utf8_lossy(&page).contains("Nguyen Thi Hoa"),
                "input kept"
            );
        }
        let rows = app
            .state
            .db
            .query("SELECT 1 FROM checkins", &[])
            .await
            .unwrap();
        assert!(rows.is_empty());
        // The page's own form: stored; the done page offers check-out.
        let (s, h, page) = post(
            vec![
                ("cookie", cookie.clone()),
                ("origin", "https://qr.quetma.test".to_owned()),
                ("sec-fetch-site", "same-origin".to_owned()),
            ],
            with_token,
        )
        .await;
        let page = String::from_utf8(page).unwrap();
        assert_eq!(s, StatusCode::OK, "{page}");
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
        let rows = app
            .state
            .db
            .query("SELECT 1 FROM checkins", &[])
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        let i = page.find("name=\"c\" value=\"").unwrap() + 16;
        let client = &page[i..i + page[i..].find('"').unwrap()];
        // Check-out from another site is refused too.
        let (s, _, _) = app
            .raw(
                Method::POST,
                &format!("{path}/checkout"),
                None,
                Some(format!("t={token}&c={client}").into_bytes()),
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("cookie", &cookie),
                    ("sec-fetch-site", "cross-site"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, out) = app
            .raw(
                Method::POST,
                &format!("{path}/checkout"),
                None,
                Some(format!("t={token}&c={client}").into_bytes()),
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("cookie", &cookie),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&out));
        let rows = app
            .state
            .db
            .query("SELECT ended_at FROM checkins", &[])
            .await
            .unwrap();
        assert_eq!(rows[0].opt_int(0).unwrap(), Some(app.now()));
    });
}

/// Finding 7: the smaller holes.
#[tokio::test]
async fn smaller_holes_are_closed() {
    on_backends!("probe_small", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (v1, _) = app.venue(&owner, "Chợ Hà Đông", 100).await;
        let now = app.now();
        // An unknown poster key is rejected; an over-long client id is not echoed whole.
        let mut forged = app.visit("forged", &v1, now - MIN, None, "X");
        forged.poster_kid = "NOT-A-KEY".into();
        let long = app.visit(&"L".repeat(100_000), &v1, now - MIN, None, "X");
        let (s, _, b) = app
            .upload(
                DEVICE,
                None,
                Some(json!({"sent_at": now, "visits": [forged, long]})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let r = upload_resp(&b);
        assert!(r.accepted.is_empty());
        assert_eq!(r.rejected.len(), 2);
        assert!(r.rejected.iter().all(|x| x.client_id.len() <= 100));
        // Uploads take JSON only.
        let body = serde_json::to_vec(&json!({"sent_at": now, "visits": []})).unwrap();
        let (s, _, _) = app
            .raw(
                Method::POST,
                "/api/v1/uploads",
                None,
                Some(body),
                &[
                    (quetma_core::api::DEVICE_HEADER, DEVICE),
                    ("content-type", "text/plain"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        // Made-up device ids from one address do not escape the limit.
        let mut limited = false;
        for i in 0..2000 {
            let dev = format!("ROTATING{i:012}");
            let (s, _, _) = app
                .device(Method::GET, "/api/v1/trust-list", &dev, None, None, &[])
                .await;
            if s == StatusCode::TOO_MANY_REQUESTS {
                limited = true;
                break;
            }
        }
        assert!(limited, "the address bucket holds");
        // A bad path parameter: 401 JSON before authentication, 400 JSON after.
        let (s, h, _) = app
            .raw(Method::GET, "/api/v1/wards/abc/stats", None, None, &[])
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(
            h.get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("json")
        );
        let ward = app.login_as("ward1", Role::WardOfficer, Some(100)).await;
        let (s, h, b) = app
            .call(Method::GET, "/api/v1/wards/abc/stats", Some(&ward), None)
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(
            h.get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("json")
        );
        assert_eq!(b["code"], "invalid_path");
        // Session tokens are not cached.
        let body =
            serde_json::to_vec(&json!({"username": "owner1", "password": "correct horse battery"}))
                .unwrap();
        let (s, h, _) = app
            .raw(Method::POST, "/api/v1/session", None, Some(body), &[])
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
        // The portal cookie on an API POST needs the session's CSRF token.
        let venue = serde_json::to_vec(
            &json!({"name": "Quán A", "address": "Hà Đông", "ward_code": 100,
            "category": "shop", "default_stay_minutes": 30}),
        )
        .unwrap();
        let cookie = format!("quetma_session={owner}");
        let (s, _, b) = app
            .raw(
                Method::POST,
                "/api/v1/venues",
                None,
                Some(venue.clone()),
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{}", String::from_utf8_lossy(&b));
        let rows = app
            .state
            .db
            .query("SELECT csrf_token FROM sessions", &[])
            .await
            .unwrap();
        let mut ok = false;
        for r in rows {
            let csrf = r.text(0).unwrap();
            let (s, _, _) = app
                .raw(
                    Method::POST,
                    "/api/v1/venues",
                    None,
                    Some(venue.clone()),
                    &[("cookie", &cookie), ("x-csrf-token", &csrf)],
                )
                .await;
            ok |= s == StatusCode::CREATED;
        }
        assert!(ok, "with the session's token the cookie works");
        // Creating a venue is audited.
        let rows = app
            .state
            .db
            .query(
                "SELECT target FROM audit_log WHERE action = 'venue.create'",
                &[],
            )
            .await
            .unwrap();
        assert!(rows.iter().any(|r| r.text(0).unwrap() == v1));
    });
}

/// Portal: a web check-in is shown as a web check-in in tracing, never as an app one.
#[tokio::test]
async fn tracing_shows_web_check_ins_as_web() {
    on_backends!("probe_web_source", |app| {
        let owner = app.login_as("owner1", Role::VenueOwner, None).await;
        let (v1, qr) = app.venue(&owner, "Nhà văn hoá tổ 5", 100).await;
        let path = format!("/V/{}", qr.split("/V/").nth(1).unwrap());
        let (s, _) = app
            .form(&path, "full_name=Nguyen+Thi+Hoa&phone=0912345678")
            .await;
        assert_eq!(s, StatusCode::OK);
        let now = app.now();
        let app_visit = app.visit("a-1", &v1, now - 5 * MIN, None, "X");
        app.upload(
            DEVICE,
            None,
            Some(json!({"sent_at": now, "visits": [app_visit]})),
        )
        .await;
        let tracer = app.login_as("tracer1", Role::TracingOfficer, None).await;
        let (s, _, b) = app
            .call(
                Method::POST,
                "/api/v1/cases",
                Some(&tracer),
                Some(json!({"windows": [{"venue_id": &v1, "start": now - 10 * MIN, "end": now + 10 * MIN}]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let mut kinds: Vec<String> = b["contacts"]
            .as_array()
            .or(b["records"].as_array())
            .map(|a| {
                a.iter()
                    .map(|c| c["kind"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        kinds.sort();
        assert_eq!(kinds, vec!["visit", "web"], "{b}");
    });
}
