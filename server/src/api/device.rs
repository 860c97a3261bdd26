//! The device API (`quetma_core::api`): trust list, uploads, exposures, enrolment. Every call
//! carries `QuetMa-Device` and is rate-limited per device (token bucket).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock as _, DefaultClock};
use quetma_core::api::{
    DEVICE_HEADER, EnrolRequest, MAX_BATCH_ITEMS, Signed, TrustListDoc, UploadBatch,
};
use serde::Deserialize;

use crate::error::{HttpError, HttpResult};
use crate::service::{enrol as enrol_svc, exposures, uploads};
use crate::state::AppState;

/// Checks the device header and takes a token from the device's bucket.
pub fn admit(
    state: &AppState,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> HttpResult<String> {
    let device = headers
        .get(DEVICE_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|d| (16..=64).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or_else(|| {
            HttpError::new(
                StatusCode::BAD_REQUEST,
                "device_header",
                "Thiếu hoặc sai tiêu đề QuetMa-Device / Missing or malformed QuetMa-Device header",
            )
        })?
        .to_owned();
    // Keyed by the device id the phone chose, and by its address too (with room for a
    // carrier NAT): new made-up device ids from one address do not buy new buckets.
    let address = crate::web::client_address(state, headers, extensions);
    let limited = state
        .limiter
        .check_key(&device)
        .err()
        .or_else(|| state.address_limiter.check_key(&address).err());
    if let Some(not_until) = limited {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let mut e = HttpError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Quá nhiều yêu cầu, vui lòng thử lại sau / Too many requests, try again later",
        );
        e.retry_after = Some(wait.as_secs().max(1));
        return Err(e);
    }
    Ok(device)
}

fn signed<T: serde::Serialize + serde::de::DeserializeOwned>(
    state: &AppState,
    doc: &T,
) -> HttpResult<Signed<T>> {
    Signed::sign(doc, &state.keys.signing)
        .map_err(|e| crate::service::ServiceError::Internal(e.to_string()).into())
}

/// `GET /api/v1/trust-list`.
pub async fn trust_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
) -> HttpResult<Json<Signed<TrustListDoc>>> {
    admit(&state, &headers, &extensions)?;
    let doc = TrustListDoc {
        issued_at: state.now_ms(),
        signing: state.keys.public.signing.clone(),
        sealing: state.keys.public.sealing.clone(),
    };
    Ok(Json(signed(&state, &doc)?))
}

/// `POST /api/v1/uploads`.
pub async fn uploads(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Result<Bytes, BytesRejection>,
) -> HttpResult<Response> {
    admit(&state, &headers, &extensions)?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Cần Content-Type: application/json / Content-Type must be application/json",
        ));
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HttpError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "Gói tải lên quá lớn / Upload too large",
            )
        } else {
            HttpError::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                "Không đọc được / Unreadable body",
            )
        }
    })?;
    let batch: UploadBatch = super::json::from_slice(&body).map_err(|_| {
        HttpError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "Dữ liệu không đúng định dạng / Malformed upload",
        )
    })?;
    // Each list on its own, as the document's `maxItems` says (a phone sends at most
    // MAX_BATCH_ITEMS in all).
    if batch.visits.len() > MAX_BATCH_ITEMS || batch.visitors.len() > MAX_BATCH_ITEMS {
        return Err(HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_items",
            "Quá nhiều mục trong một lần gửi / Too many items in one batch",
        ));
    }
    let scanner_venue = match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        Some(token) => enrol_svc::scanner_venue(&state, token.trim()).await?,
        None => None,
    };
    let resp = uploads::process_batch(&state, &batch, scanner_venue.as_deref()).await?;
    Ok(Json(resp).into_response())
}

/// `?since=`.
#[derive(Debug, Deserialize)]
pub struct Since {
    /// Sequence number the phone has.
    #[serde(default)]
    pub since: i64,
}

/// Whether a cached list tagged `tag` still answers a request `since`: nothing was published
/// after the cached list (same latest sequence) and it covers at least what is asked (it was a
/// delta from `since` or from earlier). So a phone that fetched the full list and now asks for
/// the delta after it gets a 304, not an empty list.
fn still_fresh(tag: &str, latest: i64, since: i64) -> bool {
    if tag == "*" {
        return true;
    }
    let Some((tag_latest, tag_since)) = tag.trim_matches('"').split_once('-') else {
        return false;
    };
    matches!(
        (tag_latest.parse::<i64>(), tag_since.parse::<i64>()),
        (Ok(l), Ok(s)) if l == latest && s <= since
    )
}

/// `GET /api/v1/exposures?since=SEQ`: ETag `"<latest>-<since>"`, 304 when nothing was published
/// after the phone's cached list (see [`still_fresh`]).
pub async fn exposures(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    since: Result<Query<Since>, axum::extract::rejection::QueryRejection>,
) -> HttpResult<Response> {
    admit(&state, &headers, &extensions)?;
    let since = since
        .map_err(|_| {
            HttpError::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                "tham số since không hợp lệ / since must be a sequence number",
            )
        })?
        .since;
    if since < 0 {
        return Err(HttpError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "tham số since không hợp lệ / since must be ≥ 0",
        ));
    }
    let latest = exposures::latest_seq(&state).await?;
    let etag = format!("\"{latest}-{since}\"");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| still_fresh(t.trim(), latest, since)));
    let etag_value = HeaderValue::from_str(&etag).map_err(|_| HttpError::not_found())?;
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    let list = exposures::exposure_list(&state, since).await?;
    let etag = format!("\"{}-{since}\"", list.latest_seq);
    let etag_value = HeaderValue::from_str(&etag).map_err(|_| HttpError::not_found())?;
    Ok((
        [
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        Json(signed(&state, &list)?),
    )
        .into_response())
}

/// `POST /api/v1/enrol`.
pub async fn enrol(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: super::json::JsonBody<EnrolRequest>,
) -> HttpResult<Response> {
    admit(&state, &headers, &extensions)?;
    let req = body.0?;
    match enrol_svc::enrol(&state, &req).await? {
        Some(r) => Ok(Json(r).into_response()),
        None => Err(HttpError::new(
            StatusCode::NOT_FOUND,
            "unknown_code",
            "Mã đăng ký không đúng, đã dùng hoặc hết hạn / Code unknown, used or expired",
        )),
    }
}

/// `POST /api/v1/case-share`: a confirmed person's phone sends its history with a case code
/// (rate-limited per device and address like every device call; the code works once).
pub async fn case_share(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: super::json::JsonBody<crate::service::cases::CaseShare>,
) -> HttpResult<Response> {
    admit(&state, &headers, &extensions)?;
    let req = body.0?;
    match crate::service::cases::share_history(&state, &req).await? {
        Some(r) => Ok(Json(r).into_response()),
        None => Err(HttpError::new(
            StatusCode::NOT_FOUND,
            "unknown_code",
            "Mã ca bệnh không đúng, đã dùng hoặc hết hạn / Case code unknown, used or expired",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::still_fresh;

    #[test]
    fn a_cached_list_is_fresh_until_something_is_published() {
        assert!(
            still_fresh("\"7-0\"", 7, 7),
            "full list, then the delta after it"
        );
        assert!(still_fresh("\"7-3\"", 7, 3));
        assert!(still_fresh("*", 9, 0));
        assert!(
            !still_fresh("\"7-0\"", 8, 7),
            "a notice was published since"
        );
        assert!(
            !still_fresh("\"7-5\"", 7, 0),
            "a delta does not answer a full request"
        );
        assert!(!still_fresh("\"junk\"", 7, 0));
        assert!(!still_fresh("W/\"7-0\"", 8, 0));
    }
}
