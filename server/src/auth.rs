//! Who is calling: a session token as `Authorization: Bearer …` (tools, e2e tests) or the
//! `quetma_session` cookie (the portal).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::HttpError;
use crate::service::accounts::{self, Account, Role};
use crate::state::AppState;

/// The header carrying the session's CSRF token when the JSON API is called with the cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "quetma_session";

/// The caller: an account or nobody. Never fails to extract (a bad token is anonymous).
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// The signed-in account.
    pub account: Option<Account>,
    /// The session's CSRF token.
    pub csrf_token: Option<String>,
    /// The session token (to sign out).
    pub token: Option<String>,
}

impl Caller {
    /// The account if its role is one of `roles`; 401 when anonymous, 403 otherwise.
    pub fn require(&self, roles: &[Role]) -> Result<&Account, HttpError> {
        match &self.account {
            None => Err(HttpError::unauthorised()),
            Some(a) if roles.contains(&a.role) => Ok(a),
            Some(_) => Err(HttpError::forbidden()),
        }
    }

    /// Any signed-in account; 401 when anonymous.
    pub fn signed_in(&self) -> Result<&Account, HttpError> {
        self.account.as_ref().ok_or_else(HttpError::unauthorised)
    }
}

/// The bearer token of a request, if any.
pub fn bearer(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The session cookie of a request, if any.
pub fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

fn csrf_given(parts: &Parts, csrf: &str) -> bool {
    let given = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    crate::portal::auth::same_token(given, csrf)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        let from_bearer = bearer(parts);
        let by_cookie = from_bearer.is_none();
        let Some(token) = from_bearer.or_else(|| session_cookie(parts)) else {
            return Ok(Self::default());
        };
        match accounts::session_account(state, &token).await? {
            Some((_, csrf))
                if by_cookie && !parts.method.is_safe() && !csrf_given(parts, &csrf) =>
            {
                // The portal's cookie on a state-changing call must come with the session's
                // CSRF token in `X-CSRF-Token` (a browser sends cookies on cross-site requests).
                Err(HttpError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "csrf",
                    "Thiếu mã chống giả mạo (X-CSRF-Token) / Missing or wrong X-CSRF-Token",
                ))
            }
            Some((account, csrf)) => Ok(Self {
                account: Some(account),
                csrf_token: Some(csrf),
                token: Some(token),
            }),
            None => Ok(Self::default()),
        }
    }
}
