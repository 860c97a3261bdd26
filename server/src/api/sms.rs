//! `POST /api/v1/sms/inbound`: the SMS gateway's webhook for check-in by SMS
//! (`service::sms_checkin`).

use axum::Json;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, StatusCode};
use governor::clock::{Clock as _, DefaultClock};

use super::json::JsonBody;
use crate::error::{HttpError, HttpResult};
use crate::service::sms_checkin::{self, Inbound, InboundAnswer, InboundSms};
use crate::state::AppState;

fn limited(wait: std::time::Duration) -> HttpError {
    let mut e = HttpError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Quá nhiều tin nhắn, vui lòng thử lại sau / Too many messages, try again later",
    );
    e.retry_after = Some(wait.as_secs().max(1));
    e
}

/// `POST /api/v1/sms/inbound` (the gateway, `Authorization: Bearer <inbound token>`): 503 while
/// the deployment has no inbound token; 401 for a wrong token; 429 past the per-address or
/// per-number rate; else 200 with what became of the message (a reply SMS went out for every
/// new message: the receipt, or help for a malformed text, an unknown or a suspended venue).
pub async fn inbound(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    body: JsonBody<InboundSms>,
) -> HttpResult<Json<InboundAnswer>> {
    if !sms_checkin::enabled(&state) {
        return Err(HttpError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "sms_off",
            "Check-in bằng SMS chưa được bật / SMS check-in is not configured",
        ));
    }
    let expected = state
        .config
        .sms_inbound_token
        .as_deref()
        .unwrap_or_default();
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if !given.is_some_and(|g| crate::portal::auth::same_token(g, expected)) {
        return Err(HttpError::unauthorised());
    }
    let address = crate::web::client_address(&state, &headers, &extensions);
    if let Err(not_until) = state.sms_address_limiter.check_key(&address) {
        return Err(limited(
            not_until.wait_time_from(DefaultClock::default().now()),
        ));
    }
    let msg = body.0?;
    match sms_checkin::inbound(&state, &msg).await? {
        Inbound::Done(answer) => Ok(Json(answer)),
        Inbound::Limited(wait) => Err(limited(wait)),
    }
}
