//! Test harness: one in-process app per test, on SQLite (in memory) and — when
//! QUETMA_TEST_POSTGRES_URL is set — on a fresh PostgreSQL database of its own.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use quetma_core::api::DEVICE_HEADER;
use quetma_core::keys::SealingPrivateKey;
use quetma_core::outbox::{SealedContactJson, VisitUpload};
use quetma_core::payload::{ContactRecord, ContactSource, IdKind};
use quetma_server::db::Db;
use quetma_server::service::accounts::{self, Role};
use quetma_server::state::{AppState, Clock, Config, Keys};
use tower::ServiceExt as _;

/// Backends to run a scenario on: `("sqlite", url)` always, `("postgres", url)` when configured.
pub async fn backends(test: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![("sqlite", "sqlite::memory:".to_owned())];
    match std::env::var("QUETMA_TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => {
            let name = format!(
                "quetma_{}_{}",
                test,
                data_encoding::HEXLOWER.encode(&rand8())
            );
            let admin = Db::connect(&base)
                .await
                .expect("connect to QUETMA_TEST_POSTGRES_URL");
            admin
                .batch(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            let url = match base.rfind('/') {
                Some(i) if base[..i].contains('@') || base[..i].matches('/').count() >= 2 => {
                    format!("{}/{name}", &base[..i])
                }
                _ => format!("{base}/{name}"),
            };
            out.push(("postgres", url));
        }
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "CI=true but QUETMA_TEST_POSTGRES_URL is unset: run under scripts/with-postgres"
                );
            }
            eprintln!(
                "note: {test}: PostgreSQL skipped (set QUETMA_TEST_POSTGRES_URL, e.g. scripts/with-postgres cargo test -p quetma-server)"
            );
        }
    }
    out
}

fn rand8() -> [u8; 8] {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    b
}

/// A running app (in process).
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub sealing: SealingPrivateKey,
    pub backend: &'static str,
}

/// A fixed "now" a little in the past of the real clock, so partitions line up.
pub fn t0() -> i64 {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    now - 3_600_000
}

impl TestApp {
    pub async fn new(backend: &'static str, url: &str) -> Self {
        Self::with_config(backend, url, Config::default()).await
    }

    pub async fn with_config(backend: &'static str, url: &str, config: Config) -> Self {
        let db = Db::connect(url).await.unwrap();
        let (keys, sealing) = Keys::generate().unwrap();
        let config = Config {
            public_base_url: "https://qr.quetma.test".into(),
            ..config
        };
        let state = AppState::new(db, keys, config, Clock::fixed(t0()));
        quetma_server::app::prepare(&state).await.unwrap();
        let router = quetma_server::app::router(state.clone());
        Self {
            state,
            router,
            sealing,
            backend,
        }
    }

    pub fn now(&self) -> i64 {
        self.state.now_ms()
    }

    /// Makes an account and signs it in; the bearer token.
    pub async fn login_as(&self, username: &str, role: Role, ward: Option<i64>) -> String {
        accounts::create_account(&self.state, username, "correct horse battery", role, ward)
            .await
            .unwrap();
        let (s, _, b) = self
            .call(
                Method::POST,
                "/api/v1/session",
                None,
                Some(
                    serde_json::json!({"username": username, "password": "correct horse battery"}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "login {username}");
        b["token"].as_str().unwrap().to_owned()
    }

    /// A request with JSON in and out.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, HeaderMap, serde_json::Value) {
        let (s, h, bytes) = self
            .raw(
                method,
                path,
                token,
                body.map(|b| serde_json::to_vec(&b).unwrap()),
                &[],
            )
            .await;
        let v = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (s, h, v)
    }

    /// `POST /api/v1/uploads` from `device` (with a scanner token for visitor entries).
    pub async fn upload(
        &self,
        device: &str,
        scanner: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, HeaderMap, serde_json::Value) {
        self.device(Method::POST, "/api/v1/uploads", device, scanner, body, &[])
            .await
    }

    /// A device API request (with the device header).
    pub async fn device(
        &self,
        method: Method,
        path: &str,
        device: &str,
        scanner: Option<&str>,
        body: Option<serde_json::Value>,
        extra: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, serde_json::Value) {
        let mut headers = vec![(DEVICE_HEADER, device)];
        headers.extend_from_slice(extra);
        let (s, h, bytes) = self
            .raw(
                method,
                path,
                scanner,
                body.map(|b| serde_json::to_vec(&b).unwrap()),
                &headers,
            )
            .await;
        let v = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (s, h, v)
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, headers, bytes)
    }

    /// The web check-in page's form token and its cookie (`qm_web=…`), as a browser that
    /// opened `path` has them.
    pub async fn web_token(&self, path: &str) -> (String, String) {
        let (_, h, page) = self.raw(Method::GET, path, None, None, &[]).await;
        let cookie = h
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .find(|c| c.starts_with("qm_web="))
            .expect("the check-in page sets its form cookie");
        let page = String::from_utf8(page).unwrap();
        let i = page.find("name=\"t\" value=\"").expect("form token") + 16;
        let token = page[i..i + page[i..].find('"').unwrap()].to_owned();
        (token, cookie)
    }

    /// A form POST to the web check-in page, as the page's own form sends it (form token and
    /// cookie from a GET of the same page first).
    pub async fn form(&self, path: &str, form: &str) -> (StatusCode, String) {
        let (token, cookie) = self.web_token(path).await;
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie)
            .body(Body::from(format!("t={token}&{form}")))
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Registers a venue as `token`'s account; (venue id, poster QR text).
    pub async fn venue(&self, token: &str, name: &str, ward: i64) -> (String, String) {
        let (s, _, b) = self
            .call(
                Method::POST,
                "/api/v1/venues",
                Some(token),
                Some(serde_json::json!({"name": name, "address": "Hà Đông", "ward_code": ward, "category": "shop", "default_stay_minutes": 30})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        (
            b["venue_id"].as_str().unwrap().to_owned(),
            b["qr_text"].as_str().unwrap().to_owned(),
        )
    }

    /// A sealed contact record for `name`.
    pub fn sealed(&self, name: &str) -> SealedContactJson {
        let rec = ContactRecord {
            full_name: name.into(),
            id_number: Some("001099012345".into()),
            id_kind: Some(IdKind::Cccd),
            phone: Some("0912345678".into()),
            birth_year: Some(1990),
            source: ContactSource::PersonalQr,
        };
        SealedContactJson::from(&rec.seal(&self.state.keys.sealing).unwrap())
    }

    /// A visit upload.
    pub fn visit(
        &self,
        id: &str,
        venue: &str,
        start: i64,
        end: Option<i64>,
        name: &str,
    ) -> VisitUpload {
        VisitUpload {
            client_id: id.into(),
            venue_id: venue.into(),
            poster_kid: self.state.keys.signing.kid().as_str().into(),
            started_at: start,
            ended_at: end,
            planned_end: start + 30 * 60_000,
            cancelled: false,
            contact: self.sealed(name),
        }
    }
}

/// A device id.
pub const DEVICE: &str = "DEVICEAAAAAAAAAAAAAA";

/// Runs `$body` (an async block using `app`) on every backend.
#[macro_export]
macro_rules! on_backends {
    ($name:literal, |$app:ident| $body:block) => {{
        for (backend, url) in common::backends($name).await {
            let $app = common::TestApp::new(backend, &url).await;
            eprintln!("{}: {}", $name, backend);
            $body
        }
    }};
}
