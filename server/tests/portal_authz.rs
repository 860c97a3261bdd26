//! The portal's authorisation matrix: every portal route × every role (and signed out), plus
//! every POST route without and with a wrong CSRF token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod portal_support;

use axum::http::StatusCode;
use portal_support::*;

/// What a role gets from a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Past the role gate: neither 403 nor the login redirect.
    Allowed,
    /// 403.
    Forbidden,
    /// 303 to the login page.
    Login,
}

const ROLES: [&str; 7] = [
    "anonymous",
    "owner",
    "owner2",
    "ward",
    "ward2",
    "tracer",
    "admin",
];

/// Which roles pass the gate of a route (the venue belongs to `owner`, in ward `WARD`).
fn allowed(method: &str, pattern: &str) -> &'static [&'static str] {
    match (method, pattern) {
        ("GET", "/portal/login") | ("POST", "/portal/login") => &ROLES,
        (_, "/portal") | ("POST", "/portal/logout") => {
            &["owner", "owner2", "ward", "ward2", "tracer", "admin"]
        }
        (_, "/portal/venues" | "/portal/venues/new") => &["owner", "owner2", "admin"],
        (_, "/portal/venues/bulk" | "/portal/bulk/{batch}/posters.zip") => {
            &["owner", "owner2", "ward", "ward2", "admin"]
        }
        (
            "GET",
            "/portal/venues/{id}/qr"
            | "/portal/venues/{id}/qr.svg"
            | "/portal/venues/{id}/print"
            | "/portal/venues/{id}/poster.pdf",
        ) => &["owner", "ward", "admin"],
        (_, "/portal/venues/{id}/staff" | "/portal/venues/{id}/staff/{scanner}/revoke") => {
            &["owner", "admin"]
        }
        ("GET", "/portal/ward") => &["ward", "ward2", "admin"],
        (
            _,
            "/portal/ward/venues/{id}/remind"
            | "/portal/ward/venues/{id}/suspend"
            | "/portal/ward/venues/{id}/reinstate",
        ) => &["ward", "admin"],
        (_, p) if p.starts_with("/portal/tracing") => &["tracer"],
        (_, p) if p.starts_with("/portal/admin") => &["admin"],
        other => panic!("route {other:?} missing from the matrix"),
    }
}

fn expect(role: &str, method: &str, pattern: &str) -> Expect {
    // Signing out ends on the login page, for everyone.
    if pattern == "/portal/logout" {
        return Expect::Login;
    }
    if allowed(method, pattern).contains(&role) {
        Expect::Allowed
    } else if role == "anonymous" {
        Expect::Login
    } else {
        Expect::Forbidden
    }
}

fn classify(a: &Answer) -> Expect {
    if a.status == StatusCode::FORBIDDEN {
        Expect::Forbidden
    } else if a.status == StatusCode::SEE_OTHER
        && a.location().is_some_and(|l| {
            // Signed out, a GET of a page comes back to it after signing in (`?next=`).
            l == "/portal/login" || l.starts_with("/portal/login?next=%2Fportal%2F")
        })
    {
        Expect::Login
    } else {
        Expect::Allowed
    }
}

struct Fixture {
    venue: String,
    batch: String,
    case: String,
}

fn concrete(pattern: &str, f: &Fixture) -> String {
    let p = pattern
        .replace("{batch}", &f.batch)
        .replace("{scanner}", "0123456789abcdef");
    if p.starts_with("/portal/tracing/cases/") {
        p.replace("{id}", &f.case)
    } else {
        p.replace("{id}", &f.venue)
    }
}

fn fields(method: &str, pattern: &str) -> Vec<(&'static str, &'static str)> {
    match (method, pattern) {
        (_, "/portal/login") => vec![("username", "nobody"), ("password", "wrong-password-1")],
        (_, "/portal/venues/new") => vec![
            ("name", "Gate test"),
            ("address", "1 Test"),
            ("ward", "09877"),
            ("category", "shop"),
        ],
        (_, "/portal/venues/{id}/staff") => vec![("checkpoint", "Cổng"), ("direction", "entry")],
        (_, "/portal/tracing/cases") => {
            vec![("windows", "V-NONE, 2026-11-24 18:00, 2026-11-24 19:00")]
        }
        (_, "/portal/admin/accounts") => vec![
            ("username", "gate-test"),
            ("password", "x"),
            ("role", "venue_owner"),
        ],
        _ => vec![],
    }
}

async fn client_for(s: &Server, role: &str) -> Client {
    if role == "anonymous" {
        let mut c = Client::default();
        c.get(s, "/portal/login").await;
        c
    } else {
        login(s, role).await
    }
}

async fn call(s: &Server, c: &mut Client, method: &str, pattern: &str, path: &str) -> Answer {
    if method == "GET" {
        return c.get(s, path).await;
    }
    if pattern == "/portal/venues/bulk" {
        let csrf = c.csrf.clone();
        return c
            .post_file(
                s,
                path,
                Some(&csrf),
                "file",
                "x.csv",
                b"name,address,ward,category\n",
            )
            .await;
    }
    c.post(s, path, &fields(method, pattern)).await
}

#[tokio::test]
async fn every_route_times_every_role() {
    for s in servers("every_route_times_ev").await {
        eprintln!("every_route_times_every_role on {}", s.backend);
        every_route_times_every_role_on(s).await;
    }
}

async fn every_route_times_every_role_on(s: Server) {
    // Fixture: a venue of `owner` in WARD, a bulk batch of `owner`, a case of `tracer`.
    let mut o = login(&s, "owner").await;
    let venue = register(&s, &mut o, "Matrix venue", "shop").await;
    o.get(&s, "/portal/venues/bulk").await;
    let csrf = o.csrf.clone();
    let done = o
        .post_file(
            &s,
            "/portal/venues/bulk",
            Some(&csrf),
            "file",
            "b.csv",
            "name,address,ward,category\nBulk,1 X,09877,shop\n".as_bytes(),
        )
        .await;
    let html = done.text();
    let i = html.find("/portal/bulk/").unwrap() + "/portal/bulk/".len();
    let batch = html[i..i + html[i..].find('/').unwrap()].to_owned();
    let mut t = login(&s, "tracer").await;
    t.get(&s, "/portal/tracing").await;
    let w = format!("{venue}, 2026-11-24 18:00, 2026-11-24 19:00");
    let r = t
        .post(&s, "/portal/tracing/cases", &[("windows", &w)])
        .await;
    let case = r.location().unwrap().rsplit('/').next().unwrap().to_owned();
    let f = Fixture { venue, batch, case };

    let mut clients = Vec::new();
    for role in ROLES {
        clients.push((role, client_for(&s, role).await));
    }
    // Logout last: it ends the sessions the other rows use.
    let mut routes: Vec<(&str, &str)> = quetma_server::portal::ROUTES.to_vec();
    routes.sort_by_key(|(_, p)| *p == "/portal/logout");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (method, pattern) in routes {
        let path = concrete(pattern, &f);
        for (role, c) in clients.iter_mut() {
            let want = expect(role, method, pattern);
            let got = call(&s, c, method, pattern, &path).await;
            checked += 1;
            if classify(&got) != want {
                failures.push(format!(
                    "{method} {path} as {role}: want {want:?}, got {} {:?}",
                    got.status,
                    got.location()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every signed-in client was signed out by the last row.
    for (role, c) in clients.iter_mut().filter(|(r, _)| *r != "anonymous") {
        let after = c.get(&s, "/portal").await;
        assert_eq!(classify(&after), Expect::Login, "{role} signed out");
    }
    assert_eq!(checked, quetma_server::portal::ROUTES.len() * ROLES.len());
}

#[tokio::test]
async fn every_post_route_refuses_a_missing_or_wrong_csrf_token() {
    for s in servers("every_post_route_ref").await {
        eprintln!(
            "every_post_route_refuses_a_missing_or_wrong_csrf_token on {}",
            s.backend
        );
        every_post_route_refuses_a_missing_or_wrong_csrf_token_on(s).await;
    }
}

async fn every_post_route_refuses_a_missing_or_wrong_csrf_token_on(s: Server) {
    let mut o = login(&s, "owner").await;
    let venue = register(&s, &mut o, "CSRF venue", "shop").await;
    let f = Fixture {
        venue,
        batch: "1".into(),
        case: "C-NONE".into(),
    };
    for role in ROLES {
        let mut c = client_for(&s, role).await;
        for (method, pattern) in quetma_server::portal::ROUTES {
            if *method != "POST" {
                continue;
            }
            let path = concrete(pattern, &f);
            let body = fields(method, pattern);
            let none = c.post_raw(&s, &path, &body).await;
            assert_eq!(
                none.status,
                StatusCode::FORBIDDEN,
                "{path} as {role} without token"
            );
            let mut wrong = vec![("csrf", "NOT-THE-TOKEN")];
            wrong.extend_from_slice(&body);
            let bad = c.post_raw(&s, &path, &wrong).await;
            assert_eq!(
                bad.status,
                StatusCode::FORBIDDEN,
                "{path} as {role} with a wrong token"
            );
            if *pattern == "/portal/venues/bulk" {
                let r = c
                    .post_file(&s, &path, Some("NOT-THE-TOKEN"), "file", "x.csv", b"name\n")
                    .await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "multipart {path} as {role}"
                );
            }
        }
    }
}
