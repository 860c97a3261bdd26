//! The JSON API: the device API (`core::api`, the contract with the phones) and the endpoints
//! tools and end-to-end tests use with an account.

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub mod device;
pub mod json;
pub mod openapi;
pub mod sms;
pub mod tools;

/// Every JSON route.
pub fn router() -> Router<AppState> {
    use quetma_core::api as c;
    Router::new()
        .route(c::PATH_TRUST_LIST, get(device::trust_list))
        .route(c::PATH_UPLOADS, post(device::uploads))
        .route(c::PATH_EXPOSURES, get(device::exposures))
        .route(c::PATH_ENROL, post(device::enrol))
        .route(c::PATH_OPENAPI, get(openapi::document))
        .route(
            "/api/v1/session",
            post(tools::create_session).delete(tools::delete_session),
        )
        .route("/api/v1/accounts", post(tools::create_account))
        .route(
            "/api/v1/venues",
            post(tools::register_venue).get(tools::list_venues),
        )
        .route("/api/v1/venues/{id}/poster.pdf", get(tools::poster_pdf))
        .route(
            "/api/v1/venues/{id}/enrolments",
            post(tools::create_enrolment),
        )
        .route("/api/v1/venues/{id}/reminders", post(tools::send_reminder))
        .route(
            "/api/v1/venues/{id}/suspension",
            post(tools::set_suspension),
        )
        .route("/api/v1/wards/{code}/stats", get(tools::ward_stats))
        .route("/api/v1/cases", post(tools::create_case))
        .route("/api/v1/case-codes", post(tools::open_case_code))
        .route("/api/v1/case-share", post(device::case_share))
        .route("/api/v1/cases/{id}", get(tools::get_case))
        .route("/api/v1/cases/{id}/export", get(tools::export_case))
        .route(
            "/api/v1/cases/{id}/outcomes",
            get(tools::case_outcomes).post(tools::record_outcome),
        )
        .route("/api/v1/cases/{id}/sms", post(tools::text_contact))
        .route("/api/v1/notices", post(tools::publish_notice))
        .route(
            "/api/v1/notices/{id}/withdraw",
            post(tools::withdraw_notice),
        )
        .route(
            "/api/v1/notice-batches",
            post(tools::submit_batch).get(tools::list_batches),
        )
        .route("/api/v1/notice-batches/preview", post(tools::preview_batch))
        .route("/api/v1/notice-batches/{id}", get(tools::get_batch))
        .route(
            "/api/v1/notice-batches/{id}/approve",
            post(tools::approve_batch),
        )
        .route(
            "/api/v1/notice-batches/{id}/withdraw",
            post(tools::withdraw_batch),
        )
        .route("/api/v1/sms/inbound", post(sms::inbound))
        .route("/api/v1/audit", get(tools::audit))
        .layer(axum::extract::DefaultBodyLimit::max(
            quetma_core::api::MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::map_response(no_store))
}

/// Session tokens, case exports and every other answer of the JSON API are not kept by a
/// browser or a proxy, unless the handler chose a policy (the exposure lists' `no-cache`).
async fn no_store(mut res: axum::response::Response) -> axum::response::Response {
    let h = res.headers_mut();
    if !h.contains_key(axum::http::header::CACHE_CONTROL) {
        h.insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    h.insert(
        "x-content-type-options",
        axum::http::HeaderValue::from_static("nosniff"),
    );
    res
}
