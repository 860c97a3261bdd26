//! Shared set-up of the portal tests: an in-memory SQLite server, accounts of every role, and
//! a tiny cookie-keeping client over the in-process router.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use quetma_server::db::{Db, schema};
use quetma_server::service::AppState;
use quetma_server::service::accounts::{self, Role};
use quetma_server::state::{Clock, Config, Keys};
use tower::ServiceExt as _;

/// The password every test account gets.
pub const PASSWORD: &str = "mat-khau-rat-dai-123";
/// The ward the test accounts and venues live in.
pub const WARD: i64 = 9877;
/// 2026-11-25 10:00 in Hà Nội (03:00 UTC).
pub const NOW_MS: i64 = 1_795_575_600_000;

/// A server and its state.
pub struct Server {
    pub state: AppState,
    pub app: Router,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
}

/// An answer.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

/// A browser-ish client: keeps cookies, knows the latest CSRF token.
#[derive(Clone, Default)]
pub struct Client {
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
}

/// A fresh in-memory SQLite server with one account per role (`owner`, `owner2`, `ward`,
/// `ward2`, `tracer`, `admin`).
pub async fn server() -> Server {
    server_on("sqlite", "sqlite::memory:").await
}

/// The same on every backend: SQLite always; PostgreSQL too (a fresh database of its own)
/// when `QUETMA_TEST_POSTGRES_URL` is set, as `scripts/with-postgres` does. Under `CI=true`
/// PostgreSQL is required.
pub async fn servers(test: &str) -> Vec<Server> {
    let mut out = vec![server().await];
    match std::env::var("QUETMA_TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => {
            let mut b = [0u8; 6];
            getrandom::fill(&mut b).unwrap();
            let name = format!(
                "quetma_portal_{test}_{}",
                data_encoding::HEXLOWER.encode(&b)
            );
            let admin = Db::connect(&base).await.unwrap();
            admin
                .batch(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let i = base.rfind('/').unwrap();
            out.push(server_on("postgres", &format!("{}/{name}", &base[..i])).await);
        }
        _ => {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "CI=true but QUETMA_TEST_POSTGRES_URL is unset: run under scripts/with-postgres"
            );
            eprintln!("note: {test}: PostgreSQL skipped (QUETMA_TEST_POSTGRES_URL unset)");
        }
    }
    out
}

/// A server on `url` (schema and day partitions made, clock fixed at [`NOW_MS`]).
pub async fn server_on(backend: &'static str, url: &str) -> Server {
    server_with(backend, url, Config::default()).await
}

/// [`server_on`] with a deployment configuration.
pub async fn server_with(backend: &'static str, url: &str, config: Config) -> Server {
    let db = Db::connect(url).await.unwrap();
    let (keys, _sealing) = Keys::generate().unwrap();
    let state = AppState::new(db, keys, config, Clock::fixed(NOW_MS));
    quetma_server::app::prepare(&state).await.unwrap();
    schema::migrate(&state.db).await.unwrap();
    for (name, role, ward) in [
        ("owner", Role::VenueOwner, None),
        ("owner2", Role::VenueOwner, None),
        ("ward", Role::WardOfficer, Some(WARD)),
        ("ward2", Role::WardOfficer, Some(WARD + 1)),
        ("tracer", Role::TracingOfficer, None),
        ("admin", Role::Admin, None),
    ] {
        accounts::create_account(&state, name, PASSWORD, role, ward)
            .await
            .unwrap();
    }
    // The whole application, so the portal is tested merged with the API and web routes.
    let app = quetma_server::app::router(state.clone());
    Server {
        state,
        app,
        backend,
    }
}

/// The value of the first `name="csrf"` field of a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")?;
    let rest = &html[i + "name=\"csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let kv = v.split(';').next().unwrap();
            let (k, val) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !val.is_empty() && !v.contains("Max-Age=0") {
                self.cookies.push((k.to_owned(), val.to_owned()));
            }
        }
    }

    /// Sends a request; keeps cookies and the page's CSRF token.
    pub async fn send(&mut self, s: &Server, req: Request<Body>) -> Answer {
        let res = s.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        self.keep(&headers);
        if let Some(t) = csrf_of(&String::from_utf8_lossy(&body)) {
            self.csrf = t;
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, s: &Server, path: &str) -> Answer {
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(s, req).await
    }

    /// GETs a page as a browser asking for gzip does.
    pub async fn get_gzip(&mut self, s: &Server, path: &str) -> Answer {
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap();
        self.send(s, req).await
    }

    /// POSTs a form with the given fields exactly as given (no CSRF added).
    pub async fn post_raw(&mut self, s: &Server, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(s, req).await
    }

    /// POSTs a form with the current CSRF token added.
    pub async fn post(&mut self, s: &Server, path: &str, fields: &[(&str, &str)]) -> Answer {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(s, path, &all).await
    }

    /// POSTs a multipart form: `csrf` (if given) and a file field.
    pub async fn post_file(
        &mut self,
        s: &Server,
        path: &str,
        csrf: Option<&str>,
        field: &str,
        filename: &str,
        data: &[u8],
    ) -> Answer {
        let b = "----quetmaBoundary7MA4YWxk";
        let mut body = Vec::new();
        if let Some(t) = csrf {
            body.extend_from_slice(
                format!("--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{t}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={b}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(s, req).await
    }
}

/// Signs `username` in; the client holds the session cookie and its CSRF token.
pub async fn login(s: &Server, username: &str) -> Client {
    let mut c = Client::default();
    let page = c.get(s, "/portal/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let res = c
        .post(
            s,
            "/portal/login",
            &[("username", username), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "login of {username}");
    // A page carries the session's synchronizer token.
    let home = c.get(s, "/portal/login").await;
    assert_eq!(home.status, StatusCode::OK);
    c
}

/// Registers a venue through the portal as `c`; its id.
pub async fn register(s: &Server, c: &mut Client, name: &str, category: &str) -> String {
    c.get(s, "/portal/venues/new").await;
    let res = c
        .post(
            s,
            "/portal/venues/new",
            &[
                ("name", name),
                ("address", "12 Quang Trung, Hà Đông"),
                ("ward", "09877"),
                ("category", category),
                ("stay_minutes", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let to = res.location().unwrap();
    to.trim_start_matches("/portal/venues/")
        .trim_end_matches("/qr")
        .to_owned()
}

/// Adds `n` app check-ins at `venue_id` starting at `at_ms` (sealed columns are dummies).
pub async fn add_checkins(state: &AppState, venue_id: &str, n: usize, at_ms: i64) {
    for i in 0..n {
        state
            .db
            .exec(
                "INSERT INTO checkins (venue_id, client_id, source, started_at, ended_at, \
                 planned_end, poster_kid, contact_kid, contact_enc, contact_ct, received_at) \
                 VALUES ($1, $2, 'app', $3, $4, $5, 'k', 'k', 'enc', 'ct', $3)",
                &quetma_server::params![
                    venue_id,
                    format!("client-{venue_id}-{i}-{at_ms}"),
                    at_ms + i as i64,
                    at_ms + i as i64 + 30 * 60_000,
                    at_ms + i as i64 + 60 * 60_000
                ],
            )
            .await
            .unwrap();
    }
    // As an upload does: the venue's longest stay bounds the tracing query's scan.
    state
        .db
        .exec(
            "UPDATE venues SET max_stay_ms = $1 WHERE id = $2 AND max_stay_ms < $1",
            &quetma_server::params![60 * 60_000_i64, venue_id],
        )
        .await
        .unwrap();
}

/// Adds `n` staff scans at a checkpoint.
pub async fn add_visitors(
    state: &AppState,
    venue_id: &str,
    checkpoint: &str,
    n: usize,
    at_ms: i64,
) {
    for i in 0..n {
        state
            .db
            .exec(
                "INSERT INTO visitors (venue_id, client_id, checkpoint, direction, scanned_at, \
                 source, contact_kid, contact_enc, contact_ct, received_at) \
                 VALUES ($1, $2, $3, 'entry', $4, 'cccd', 'k', 'enc', 'ct', $4)",
                &quetma_server::params![
                    venue_id,
                    format!("visitor-{venue_id}-{i}-{at_ms}"),
                    checkpoint,
                    at_ms + i as i64
                ],
            )
            .await
            .unwrap();
    }
}
