//! The web portal: server-rendered HTML (askama templates in `server/templates/portal/`),
//! Vietnamese first with an English switch, phone-sized, no JavaScript.
//!
//! | route | who | what |
//! | --- | --- | --- |
//! | `GET /portal` | signed in | start page (links for the role) |
//! | `GET/POST /portal/login`, `POST /portal/logout` | anyone | sessions |
//! | `GET /portal/venues` | owner, admin | own venues |
//! | `GET/POST /portal/venues/new` | owner, admin | registration step 1: details |
//! | `GET /portal/venues/{id}/qr` (+ `qr.svg`) | manager | step 2: the signed QR |
//! | `GET /portal/venues/{id}/print` (+ `poster.pdf`) | manager | step 3: poster and advice |
//! | `GET/POST /portal/venues/bulk`, `GET /portal/bulk/{batch}/posters.zip` | owner, ward, admin | CSV bulk creation |
//! | `GET/POST /portal/venues/{id}/staff`, `POST …/staff/{scanner}/revoke` | manager | staff phones |
//! | `GET /portal/ward`, `GET/POST /portal/ward/venues/{id}/remind` (confirm, send), `…/suspend`, `GET/POST …/reinstate` | ward, admin | compliance |
//! | `GET /portal/tracing`, `POST /portal/tracing/cases`, `GET …/cases/{id}` (+ `export.json`), `POST …/notices`, `POST …/outcomes` | tracing, admin | tracing |
//! | `GET /portal/tracing/notices`, `GET …/notices/{batch}`, `POST …/{batch}/approve`, `POST …/{batch}/withdraw` | tracing | notice batches: second-officer approval, withdrawal |
//! | `GET/POST /portal/admin/accounts`, `GET /portal/admin/audit` | admin | accounts, audit log |
//!
//! Every POST is CSRF-checked ([`auth::PostForm`], [`auth::PostMultipart`]).

use askama::Template;
use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate as _};

use crate::service::AppState;
use crate::service::accounts;

pub mod admin;
pub mod auth;
pub mod bulk;
pub mod csv_import;
pub mod form;
pub mod i18n;
pub mod notices;
pub mod page;
pub mod staff;
pub mod store;
pub mod tracing_view;
pub mod venues;
pub mod ward;
pub mod zip;

use auth::{Ctx, PostForm};
use page::{Chrome, PortalError, html, html_status, see_other};

/// The portal's routes (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        // A bare host name: people go to the portal (which links the API document).
        .route("/", get(|| async { see_other("/portal") }))
        .route("/portal", get(home))
        .route("/portal/", get(home))
        .route("/portal/static/portal.css", get(css))
        .route("/portal/login", get(login_page).post(login_submit))
        .route("/portal/logout", post(logout))
        .route("/portal/venues", get(venues::list))
        .route(
            "/portal/venues/new",
            get(venues::new_form).post(venues::create),
        )
        .route("/portal/venues/bulk", get(bulk::form).post(bulk::upload))
        .route("/portal/bulk/{batch}/posters.zip", get(bulk::zip))
        .route("/portal/venues/{id}/qr", get(venues::qr_page))
        .route("/portal/venues/{id}/qr.svg", get(venues::qr_svg))
        .route("/portal/venues/{id}/print", get(venues::print_page))
        .route("/portal/venues/{id}/poster.pdf", get(venues::poster_pdf))
        .route(
            "/portal/venues/{id}/staff",
            get(staff::page).post(staff::create),
        )
        .route(
            "/portal/venues/{id}/staff/{scanner}/revoke",
            post(staff::revoke),
        )
        .route("/portal/ward", get(ward::page))
        .route(
            "/portal/ward/venues/{id}/remind",
            get(ward::remind_page).post(ward::remind),
        )
        .route("/portal/ward/venues/{id}/suspend", post(ward::suspend))
        .route(
            "/portal/ward/venues/{id}/reinstate",
            get(ward::reinstate_page).post(ward::reinstate),
        )
        .route("/portal/tracing", get(tracing_view::page))
        .route("/portal/tracing/cases", post(tracing_view::open_case))
        .route(
            "/portal/tracing/case-codes",
            post(tracing_view::open_case_code),
        )
        .route("/portal/tracing/cases/{id}", get(tracing_view::case_page))
        .route(
            "/portal/tracing/cases/{id}/export.json",
            get(tracing_view::export),
        )
        .route(
            "/portal/tracing/cases/{id}/notices",
            post(tracing_view::publish),
        )
        .route(
            "/portal/tracing/cases/{id}/outcomes",
            post(tracing_view::record_outcome),
        )
        .route("/portal/tracing/notices", get(notices::list))
        .route("/portal/tracing/notices/{batch}", get(notices::page))
        .route(
            "/portal/tracing/notices/{batch}/approve",
            post(notices::approve),
        )
        .route(
            "/portal/tracing/notices/{batch}/withdraw",
            post(notices::withdraw),
        )
        .route(
            "/portal/admin/accounts",
            get(admin::accounts).post(admin::create_account),
        )
        .route("/portal/admin/audit", get(admin::audit))
        .layer(axum::middleware::from_fn(auth::cookies_layer))
        // Pages carry the 3 321-entry ward list for the ward boxes (~170 KB of HTML): gzip makes
        // them a phone-sized download. PDFs and ZIPs are compressed already.
        .layer(
            CompressionLayer::new().gzip(true).compress_when(
                DefaultPredicate::new()
                    .and(NotForContentType::const_new("application/pdf"))
                    .and(NotForContentType::const_new("application/zip")),
            ),
        )
}

/// Every portal route as `(method, path pattern)`, for the authorisation tests.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/portal"),
    ("GET", "/portal/login"),
    ("POST", "/portal/login"),
    ("POST", "/portal/logout"),
    ("GET", "/portal/venues"),
    ("GET", "/portal/venues/new"),
    ("POST", "/portal/venues/new"),
    ("GET", "/portal/venues/bulk"),
    ("POST", "/portal/venues/bulk"),
    ("GET", "/portal/bulk/{batch}/posters.zip"),
    ("GET", "/portal/venues/{id}/qr"),
    ("GET", "/portal/venues/{id}/qr.svg"),
    ("GET", "/portal/venues/{id}/print"),
    ("GET", "/portal/venues/{id}/poster.pdf"),
    ("GET", "/portal/venues/{id}/staff"),
    ("POST", "/portal/venues/{id}/staff"),
    ("POST", "/portal/venues/{id}/staff/{scanner}/revoke"),
    ("GET", "/portal/ward"),
    ("GET", "/portal/ward/venues/{id}/remind"),
    ("POST", "/portal/ward/venues/{id}/remind"),
    ("POST", "/portal/ward/venues/{id}/suspend"),
    ("GET", "/portal/ward/venues/{id}/reinstate"),
    ("POST", "/portal/ward/venues/{id}/reinstate"),
    ("GET", "/portal/tracing"),
    ("POST", "/portal/tracing/cases"),
    ("GET", "/portal/tracing/cases/{id}"),
    ("GET", "/portal/tracing/cases/{id}/export.json"),
    ("POST", "/portal/tracing/cases/{id}/notices"),
    ("POST", "/portal/tracing/cases/{id}/outcomes"),
    ("GET", "/portal/tracing/notices"),
    ("GET", "/portal/tracing/notices/{batch}"),
    ("POST", "/portal/tracing/notices/{batch}/approve"),
    ("POST", "/portal/tracing/notices/{batch}/withdraw"),
    ("GET", "/portal/admin/accounts"),
    ("POST", "/portal/admin/accounts"),
    ("GET", "/portal/admin/audit"),
];

/// The entries of a ward box's `<datalist>` (`Phường Hà Đông · Hà Nội (09556)`).
pub fn ward_choices(wards: &crate::wards::Wards) -> Vec<String> {
    wards.all().iter().map(crate::wards::Ward::choice).collect()
}

const CSS: &str = include_str!("../../static/portal.css");

async fn css() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    c: Chrome,
}

async fn home(ctx: Ctx) -> Result<Response, PortalError> {
    let Some(a) = &ctx.account else {
        return Err(PortalError::Login(String::new()));
    };
    // Straight to the page each role lives on.
    let to = match a.role {
        accounts::Role::VenueOwner => "/portal/venues",
        accounts::Role::WardOfficer => "/portal/ward",
        accounts::Role::TracingOfficer => "/portal/tracing",
        accounts::Role::Admin => "",
    };
    if !to.is_empty() {
        return Ok(see_other(to));
    }
    Ok(html(&HomePage { c: ctx.chrome() }))
}

#[derive(Template)]
#[template(path = "portal/login.html")]
struct LoginPage {
    c: Chrome,
    failed: bool,
    limited: bool,
    username: String,
    /// The page to return to after signing in (a deep link), carried in the form.
    next: String,
}

/// `?next=` on the login page.
#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

async fn login_page(
    ctx: Ctx,
    q: Result<axum::extract::Query<NextQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let next = q.map(|q| q.0.next).unwrap_or_default();
    html(&LoginPage {
        c: ctx.chrome(),
        failed: false,
        limited: false,
        username: String::new(),
        next: safe_next(&next),
    })
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
    extensions: axum::http::Extensions,
    PostForm(ctx, form): PostForm<LoginForm>,
) -> Result<Response, PortalError> {
    let username = form.username.trim();
    // Password guessing: the throttle shared with the JSON API (per account and address,
    // per address, per account; growing delays, no hard lock), on top of argon2id's cost.
    let address = crate::web::client_address(&state, &headers, &extensions);
    let outcome = accounts::login(&state, username, &form.password, &address)
        .await
        .map_err(|e| PortalError::from_service(ctx.lang, e))?;
    let session = match outcome {
        accounts::LoginOutcome::Session(s) => s,
        accounts::LoginOutcome::Throttled { retry_after_s } => {
            let mut res = html_status(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                &LoginPage {
                    c: ctx.chrome(),
                    failed: false,
                    limited: true,
                    username: username.to_owned(),
                    next: form.next.clone(),
                },
            );
            if let Ok(v) = retry_after_s.to_string().parse() {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            return Ok(res);
        }
        accounts::LoginOutcome::Refused => {
            tracing::info!("portal login refused");
            return Ok(html_status(
                axum::http::StatusCode::UNAUTHORIZED,
                &LoginPage {
                    c: ctx.chrome(),
                    failed: true,
                    limited: false,
                    username: username.to_owned(),
                    next: form.next.clone(),
                },
            ));
        }
    };
    let max_age = (session.expires_at - state.now_ms()).max(0) / 1000;
    let mut res = see_other(&safe_next(&form.next));
    if let Ok(v) =
        auth::set_cookie(auth::SESSION_COOKIE, &session.token, max_age, ctx.https).parse()
    {
        res.headers_mut().append(SET_COOKIE, v);
    }
    Ok(res)
}

/// Where to go after signing in: a portal path the sign-in was asked from (a deep link), else
/// the start page. Only local `/portal…` paths: never another site (`//host`, `/\host`).
pub fn safe_next(next: &str) -> String {
    let ok = (next == "/portal" || next.starts_with("/portal/") || next.starts_with("/portal?"))
        && !next.contains("//")
        && !next.contains('\\')
        && !next.bytes().any(|b| b.is_ascii_control())
        && !next.starts_with("/portal/login")
        && !next.starts_with("/portal/logout");
    if ok {
        next.to_owned()
    } else {
        "/portal".to_owned()
    }
}

/// A form with only the CSRF field.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

async fn logout(
    axum::extract::State(state): axum::extract::State<AppState>,
    PostForm(ctx, _): PostForm<EmptyForm>,
) -> Result<Response, PortalError> {
    if let Some(t) = &ctx.session_token {
        accounts::logout(&state, t)
            .await
            .map_err(|e| PortalError::from_service(ctx.lang, e))?;
    }
    let mut res = see_other("/portal/login");
    if let Ok(v) = auth::set_cookie(auth::SESSION_COOKIE, "", 0, ctx.https).parse() {
        res.headers_mut().append(SET_COOKIE, v);
    }
    Ok(res)
}
