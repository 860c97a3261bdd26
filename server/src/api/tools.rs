//! JSON endpoints for tools and end-to-end tests, authenticated with an account session
//! (`POST /api/v1/session` → bearer token).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::{HttpError, HttpResult};
use crate::service::accounts::{self, Account, Role};
use crate::service::{audit, cases, enrol, exposures, stats, venues};
use crate::state::AppState;

/// A path parameter that never rejects on its own: a bad one becomes a JSON 400 that the
/// handler returns only after authenticating the caller (so an anonymous caller learns
/// nothing from the path, and the answer is JSON like every other).
#[derive(Debug)]
pub struct ApiPath<T>(pub Result<T, HttpError>);

impl<T, S> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            Path::<T>::from_request_parts(parts, state)
                .await
                .map(|Path(t)| t)
                .map_err(|_| {
                    HttpError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_path",
                        "Đường dẫn không hợp lệ / Invalid path parameter",
                    )
                }),
        ))
    }
}

use super::json::JsonBody;

fn body<T>(b: JsonBody<T>) -> HttpResult<T> {
    b.0
}

/// `POST /api/v1/session` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// Username.
    #[schema(example = "admin")]
    pub username: String,
    /// Password.
    pub password: String,
}

/// `POST /api/v1/session` answer.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Bearer token.
    pub token: String,
    /// CSRF token of the session.
    pub csrf_token: String,
    /// Expiry, Unix ms.
    pub expires_at: i64,
    /// Role word.
    pub role: Role,
    /// Account id.
    pub account_id: String,
}

/// `POST /api/v1/session`.
pub async fn create_session(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    extensions: axum::http::Extensions,
    b: JsonBody<LoginRequest>,
) -> HttpResult<Json<LoginResponse>> {
    let req = body(b)?;
    let address = crate::web::client_address(&state, &headers, &extensions);
    match accounts::login(&state, &req.username, &req.password, &address).await? {
        accounts::LoginOutcome::Session(s) => Ok(Json(LoginResponse {
            token: s.token,
            csrf_token: s.csrf_token,
            expires_at: s.expires_at,
            role: s.account.role,
            account_id: s.account.id,
        })),
        accounts::LoginOutcome::Refused => Err(HttpError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "Sai tên đăng nhập hoặc mật khẩu / Wrong username or password",
        )),
        accounts::LoginOutcome::Throttled { retry_after_s } => {
            let mut e = HttpError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Quá nhiều lần đăng nhập sai, vui lòng thử lại sau / Too many failed sign-ins, try again later",
            );
            e.retry_after = Some(retry_after_s);
            Err(e)
        }
    }
}

/// `DELETE /api/v1/session`.
pub async fn delete_session(
    State(state): State<AppState>,
    caller: Caller,
) -> HttpResult<StatusCode> {
    caller.signed_in()?;
    if let Some(t) = &caller.token {
        accounts::logout(&state, t).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/accounts` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewAccount {
    /// Username: 3–64 letters, digits, `.`, `_`, `-`, `@`.
    #[schema(pattern = "^[A-Za-z0-9._@-]{3,64}$", example = "can-bo.phuong")]
    pub username: String,
    /// Password (≥ 10 characters).
    #[schema(min_length = 10, example = "mật-khẩu-dài-đủ")]
    pub password: String,
    /// Role.
    pub role: Role,
    /// Ward code (ward officers).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 4294967295_i64, example = 9619)]
    pub ward_code: Option<i64>,
}

/// `POST /api/v1/accounts` (admin).
pub async fn create_account(
    State(state): State<AppState>,
    caller: Caller,
    b: JsonBody<NewAccount>,
) -> HttpResult<(StatusCode, Json<Account>)> {
    let admin = caller.require(&[Role::Admin])?;
    let req = body(b)?;
    let a = accounts::create_account(
        &state,
        &req.username,
        &req.password,
        req.role,
        req.ward_code,
    )
    .await?;
    audit::append(
        &state,
        &admin.actor(),
        "account.create",
        &a.id,
        &format!("{{\"role\":\"{}\"}}", a.role.as_str()),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// `POST /api/v1/venues` answer.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisterResponse {
    /// Venue id.
    pub venue_id: String,
    /// Poster QR text.
    pub qr_text: String,
    /// Where the poster PDF is.
    pub poster_pdf_url: String,
}

/// `POST /api/v1/venues` (venue owner, admin).
pub async fn register_venue(
    State(state): State<AppState>,
    caller: Caller,
    b: JsonBody<venues::VenueDetails>,
) -> HttpResult<(StatusCode, Json<RegisterResponse>)> {
    let owner = caller.require(&[Role::VenueOwner, Role::Admin])?;
    let details = body(b)?;
    let r = venues::register_venue(&state, owner, &details).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegisterResponse {
            poster_pdf_url: format!("/api/v1/venues/{}/poster.pdf", r.venue.id),
            venue_id: r.venue.id,
            qr_text: r.qr_text,
        }),
    ))
}

/// `GET /api/v1/venues`: the caller's venues (owner: own; ward officer: the ward; admin: all).
pub async fn list_venues(
    State(state): State<AppState>,
    caller: Caller,
) -> HttpResult<Json<Vec<venues::Venue>>> {
    let a = caller.signed_in()?;
    let list = match a.role {
        Role::VenueOwner => venues::venues_of_owner(&state, &a.id).await?,
        Role::WardOfficer => venues::venues_in_ward(&state, a.ward_code.unwrap_or(-1)).await?,
        Role::Admin => stats::all_venues(&state).await?,
        Role::TracingOfficer => return Err(HttpError::forbidden()),
    };
    Ok(Json(list))
}

/// `GET /api/v1/venues/{id}/poster.pdf` (its owner, its ward officer, admin).
pub async fn poster_pdf(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
) -> HttpResult<Response> {
    let a = caller.require(&[Role::VenueOwner, Role::WardOfficer, Role::Admin])?;
    let id = id_path.0?;
    let v = venues::get_venue(&state, &id)
        .await?
        .ok_or_else(HttpError::not_found)?;
    if !venues::can_view(a, &v) {
        return Err(HttpError::forbidden());
    }
    let pdf = venues::poster_pdf(&v, state.config.sms_number.as_deref())?;
    let disposition = HeaderValue::from_str(&format!("inline; filename=\"poster-{}.pdf\"", v.id))
        .unwrap_or(HeaderValue::from_static("inline"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

/// `POST /api/v1/venues/{id}/enrolments` body.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct NewEnrolment {
    /// Checkpoint name, no control characters ("Cổng chính" when absent or blank).
    #[serde(default)]
    #[schema(
        max_length = 60,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
        example = "Cổng chính"
    )]
    pub checkpoint: String,
}

/// `POST /api/v1/venues/{id}/enrolments` (its owner, admin).
pub async fn create_enrolment(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
    b: JsonBody<NewEnrolment>,
) -> HttpResult<(StatusCode, Json<enrol::Enrolment>)> {
    let a = caller.require(&[Role::VenueOwner, Role::Admin])?;
    let id = id_path.0?;
    let req = body(b)?;
    let e = enrol::create_enrolment(&state, a, &id, &req.checkpoint).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// `POST /api/v1/venues/{id}/reminders` body.
#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
pub struct NewReminder {
    /// Message to the owner.
    #[serde(default)]
    pub message: String,
}

/// `POST /api/v1/venues/{id}/reminders` (the ward's officer, admin).
pub async fn send_reminder(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
    b: JsonBody<NewReminder>,
) -> HttpResult<Json<venues::Venue>> {
    let a = caller.require(&[Role::WardOfficer, Role::Admin])?;
    let id = id_path.0?;
    let req = body(b)?;
    Ok(Json(
        venues::send_reminder(&state, a, &id, &req.message).await?,
    ))
}

/// `POST /api/v1/venues/{id}/suspension` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Suspension {
    /// Suspend (true) or reinstate (false).
    pub suspended: bool,
}

/// `POST /api/v1/venues/{id}/suspension` (the ward's officer, admin).
pub async fn set_suspension(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
    b: JsonBody<Suspension>,
) -> HttpResult<Json<venues::Venue>> {
    let a = caller.require(&[Role::WardOfficer, Role::Admin])?;
    let id = id_path.0?;
    let req = body(b)?;
    let v = venues::get_venue(&state, &id)
        .await?
        .ok_or_else(HttpError::not_found)?;
    if !stats::can_see_ward(a, v.ward_code) {
        return Err(HttpError::forbidden());
    }
    venues::set_suspended(&state, &id, req.suspended).await?;
    audit::append(
        &state,
        &a.actor(),
        if req.suspended {
            "venue.suspend"
        } else {
            "venue.reinstate"
        },
        &id,
        "{}",
    )
    .await?;
    Ok(Json(
        venues::get_venue(&state, &id)
            .await?
            .ok_or_else(HttpError::not_found)?,
    ))
}

/// `?period=day|week`.
#[derive(Debug, Deserialize, Default)]
pub struct PeriodQuery {
    /// Period.
    #[serde(default)]
    pub period: stats::Period,
}

/// `GET /api/v1/wards/{code}/stats` (the ward's officer, admin).
pub async fn ward_stats(
    State(state): State<AppState>,
    caller: Caller,
    code_path: ApiPath<i64>,
    q: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> HttpResult<Json<Vec<stats::VenueStats>>> {
    let a = caller.require(&[Role::WardOfficer, Role::Admin])?;
    let bad = |m: &str| HttpError::new(StatusCode::BAD_REQUEST, "invalid", m);
    let code = code_path.0?;
    // The document's bounds: a ward code is an unsigned 32-bit number.
    if !(0..=i64::from(u32::MAX)).contains(&code) {
        return Err(bad(
            "mã phường không hợp lệ / ward code must be a number from 0 to 4294967295",
        ));
    }
    let period = q.map_err(|_| bad("period: day | week"))?.period;
    Ok(Json(stats::ward_stats(&state, a, code, period).await?))
}

/// `POST /api/v1/cases` (tracing officer).
pub async fn create_case(
    State(state): State<AppState>,
    caller: Caller,
    b: JsonBody<cases::CaseInput>,
) -> HttpResult<(StatusCode, Json<cases::CaseResult>)> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let input = body(b)?;
    Ok((
        StatusCode::CREATED,
        Json(cases::create_case(&state, a, &input).await?),
    ))
}

/// `POST /api/v1/case-codes` (tracing officer): a new case and its one-time code.
pub async fn open_case_code(
    State(state): State<AppState>,
    caller: Caller,
    b: JsonBody<cases::CaseCodeRequest>,
) -> HttpResult<(StatusCode, Json<cases::CaseCode>)> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let input = body(b)?;
    Ok((
        StatusCode::CREATED,
        Json(cases::open_case_code(&state, a, &input).await?),
    ))
}

/// `GET /api/v1/cases/{id}` (tracing officer).
pub async fn get_case(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
) -> HttpResult<Json<cases::CaseResult>> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let id = id_path.0?;
    Ok(Json(cases::get_case(&state, a, &id).await?))
}

/// `GET /api/v1/cases/{id}/export` (tracing officer).
pub async fn export_case(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
) -> HttpResult<Response> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let id = id_path.0?;
    let export = cases::export_case(&state, a, &id).await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"case-{id}.json\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(export)).into_response())
}

/// `GET /api/v1/cases/{id}/outcomes` (tracing officer): who learns by app, who is still to call.
pub async fn case_outcomes(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
) -> HttpResult<Json<crate::service::outcomes::ReachSummary>> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let id = id_path.0?;
    Ok(Json(
        crate::service::outcomes::summary(&state, a, &id).await?,
    ))
}

/// `POST /api/v1/cases/{id}/outcomes` (tracing officer): one record's call outcome.
pub async fn record_outcome(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
    b: JsonBody<crate::service::outcomes::OutcomeInput>,
) -> HttpResult<Json<crate::service::outcomes::ReachSummary>> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let id = id_path.0?;
    let input = body(b)?;
    Ok(Json(
        crate::service::outcomes::record(&state, a, &id, &input).await?,
    ))
}

/// `POST /api/v1/cases/{id}/sms` (tracing officer): text one contact the exposure SMS.
pub async fn text_contact(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
    b: JsonBody<crate::service::sms_checkin::CaseSmsInput>,
) -> HttpResult<Json<crate::service::sms_checkin::CaseSmsResult>> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let id = id_path.0?;
    let input = body(b)?;
    Ok(Json(
        crate::service::sms_checkin::text_contact(&state, a, &id, &input).await?,
    ))
}

/// `POST /api/v1/notices` (tracing officer).
pub async fn publish_notice(
    State(state): State<AppState>,
    caller: Caller,
    b: JsonBody<exposures::NoticeInput>,
) -> HttpResult<(StatusCode, Json<quetma_core::api::ExposureNotice>)> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let input = body(b)?;
    Ok((
        StatusCode::CREATED,
        Json(exposures::publish_notice(&state, a, &input).await?),
    ))
}

/// `POST /api/v1/notices/{id}/withdraw` (tracing officer).
pub async fn withdraw_notice(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
) -> HttpResult<StatusCode> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let id = id_path.0?;
    exposures::withdraw_notice(&state, a, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/notice-batches/preview` (tracing officer): what a batch would reach.
pub async fn preview_batch(
    State(state): State<AppState>,
    caller: Caller,
    b: JsonBody<exposures::NoticeBatchInput>,
) -> HttpResult<Json<exposures::NoticeReach>> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let input = body(b)?;
    Ok(Json(
        exposures::preview_batch(&state, a, &input.notices).await?,
    ))
}

/// `POST /api/v1/notice-batches` (tracing officer): published, or held for a second officer.
pub async fn submit_batch(
    State(state): State<AppState>,
    caller: Caller,
    b: JsonBody<exposures::NoticeBatchInput>,
) -> HttpResult<(StatusCode, Json<exposures::NoticeBatch>)> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let input = body(b)?;
    Ok((
        StatusCode::CREATED,
        Json(exposures::submit_batch(&state, a, &input).await?),
    ))
}

/// `GET /api/v1/notice-batches` (tracing officer): the latest 200.
pub async fn list_batches(
    State(state): State<AppState>,
    caller: Caller,
) -> HttpResult<Json<Vec<exposures::NoticeBatch>>> {
    let a = caller.require(&[Role::TracingOfficer])?;
    Ok(Json(exposures::list_batches(&state, a, None).await?))
}

/// `GET /api/v1/notice-batches/{id}` (tracing officer).
pub async fn get_batch(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
) -> HttpResult<Json<exposures::NoticeBatch>> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let id = id_path.0?;
    Ok(Json(exposures::get_batch(&state, a, &id).await?))
}

/// `POST /api/v1/notice-batches/{id}/approve` (another tracing officer).
pub async fn approve_batch(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
) -> HttpResult<Json<exposures::NoticeBatch>> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let id = id_path.0?;
    Ok(Json(exposures::approve_batch(&state, a, &id).await?))
}

/// `POST /api/v1/notice-batches/{id}/withdraw` (tracing officer): the whole batch.
pub async fn withdraw_batch(
    State(state): State<AppState>,
    caller: Caller,
    id_path: ApiPath<String>,
) -> HttpResult<Json<exposures::NoticeBatch>> {
    let a = caller.require(&[Role::TracingOfficer])?;
    let id = id_path.0?;
    Ok(Json(exposures::withdraw_batch(&state, a, &id).await?))
}

/// `GET /api/v1/audit` (admin): the latest 200 entries.
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
) -> HttpResult<Json<Vec<audit::AuditEntry>>> {
    caller.require(&[Role::Admin])?;
    Ok(Json(audit::recent(&state, 200).await?))
}
