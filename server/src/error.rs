//! HTTP errors: every failure answers an [`ApiError`] JSON body with a stable code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quetma_core::api::ApiError;

use crate::service::ServiceError;

/// An error answer.
#[derive(Debug)]
pub struct HttpError {
    /// Status.
    pub status: StatusCode,
    /// Body.
    pub body: ApiError,
    /// `Retry-After`, seconds.
    pub retry_after: Option<u64>,
}

impl HttpError {
    /// A status, code and bilingual message.
    pub fn new(status: StatusCode, code: &str, message: &str) -> Self {
        Self {
            status,
            body: ApiError {
                code: code.into(),
                message: message.into(),
            },
            retry_after: None,
        }
    }

    /// 401.
    pub fn unauthorised() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "Cần đăng nhập / Sign-in required",
        )
    }

    /// 403.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Không có quyền / Not allowed",
        )
    }

    /// 404.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Không tìm thấy / Not found",
        )
    }

    /// 400 / 422 with a message.
    pub fn invalid(message: &str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }
}

impl From<ServiceError> for HttpError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(m) => Self::invalid(&m),
            ServiceError::NotFound => Self::not_found(),
            ServiceError::Forbidden => Self::forbidden(),
            ServiceError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", &m),
            ServiceError::TooMany(m) => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", &m)
            }
            ServiceError::Db(e) => {
                tracing::error!(error = %e, "database error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Lỗi máy chủ / Server error",
                )
            }
            ServiceError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Lỗi máy chủ / Server error",
                )
            }
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body)).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

/// Handler result.
pub type HttpResult<T> = Result<T, HttpError>;
