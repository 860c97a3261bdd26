//! Portal sessions and CSRF.
//!
//! - The session cookie `qm_session` holds a random token; the server keeps only its hash
//!   (`service::accounts`). HttpOnly, SameSite=Lax, `Secure` when the request came over HTTPS
//!   (directly or through a proxy's `X-Forwarded-Proto`) or the deployment's base URL is HTTPS.
//! - CSRF: every POST carries a `csrf` form field. Signed in, it must equal the synchronizer
//!   token stored with the session; signed out (the login form), it must equal the `qm_csrf`
//!   cookie (double submit). [`PostForm`] checks it before any handler code runs: a POST without
//!   it or with a wrong one gets 403.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::i18n::{self, Lang};
use super::page::{Chrome, PortalError};
use crate::service::AppState;
use crate::service::accounts::{self, Account, Role};

/// Session cookie.
pub const SESSION_COOKIE: &str = crate::auth::SESSION_COOKIE;
/// Pre-session CSRF cookie (double submit on the login form).
pub const CSRF_COOKIE: &str = "qm_csrf";
/// Largest POST body the portal reads (the CSV limit plus room for the multipart framing).
pub const MAX_POST_BYTES: usize = 1024 * 1024 + 64 * 1024;

/// The value of cookie `name`, if the request has it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// Whether the request arrived over HTTPS (directly or via a proxy), or the deployment is
/// served over HTTPS.
pub fn is_https(headers: &HeaderMap, state: &AppState) -> bool {
    let proxied = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    proxied
        || state
            .config
            .public_base_url
            .to_ascii_lowercase()
            .starts_with("https://")
}

/// A `Set-Cookie` value (HttpOnly, SameSite=Lax, Path=/portal; `Secure` over HTTPS).
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/portal; Max-Age={max_age_s}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The pre-session CSRF token minted by [`cookies_layer`] for a request that had none.
#[derive(Debug, Clone)]
struct MintedCsrf(String);

/// Middleware for every portal route: mints the pre-session CSRF cookie, remembers `?lang=`,
/// and sets the security headers of every portal answer.
pub async fn cookies_layer(mut req: Request, next: Next) -> Response {
    // Only for the portal's own paths: the cookie is `Path=/portal`, so a browser never sends
    // it to `/favicon.ico` or `/`; minting one there would replace the token the login form
    // already carries (the first sign-in in a fresh browser failed that way).
    let path = req.uri().path();
    let portal_path = path == "/portal" || path.starts_with("/portal/");
    let minted = if portal_path && cookie(req.headers(), CSRF_COOKIE).is_none() {
        crate::service::random_token::<20>().ok()
    } else {
        None
    };
    if let Some(t) = &minted {
        req.extensions_mut().insert(MintedCsrf(t.clone()));
    }
    let lang = i18n::query_lang(req.uri().query());
    let https = req
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if let Some(t) = minted
        && let Ok(v) = HeaderValue::from_str(&set_cookie(CSRF_COOKIE, &t, 86_400, https))
    {
        h.append(SET_COOKIE, v);
    }
    if let Some(l) = lang {
        let c = format!(
            "{}={}; Path=/portal; Max-Age=31536000; SameSite=Lax{}",
            i18n::LANG_COOKIE,
            l.code(),
            if https { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(SET_COOKIE, v);
        }
    }
    for (k, v) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    if !h.contains_key("cache-control") {
        h.insert("cache-control", HeaderValue::from_static("no-store"));
    }
    res
}

/// Who is asking, in which language, with which CSRF token (every portal handler takes one).
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Page language.
    pub lang: Lang,
    /// The signed-in account, if any.
    pub account: Option<Account>,
    /// The CSRF token forms on this page must carry.
    pub csrf: String,
    /// The session token (to end it on logout).
    pub session_token: Option<String>,
    /// Whether cookies get `Secure`.
    pub https: bool,
    /// The page asked for (path and query of a GET), to return to after signing in.
    pub return_to: String,
}

impl Ctx {
    async fn from_parts(parts: &Parts, state: &AppState) -> Result<Self, PortalError> {
        let lang = Lang::from_parts(parts);
        let https = is_https(&parts.headers, state);
        let session_token = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty());
        let mut account = None;
        let mut csrf = None;
        if let Some(token) = &session_token
            && let Some((a, c)) = accounts::session_account(state, token)
                .await
                .map_err(|e| PortalError::internal(lang, &e))?
        {
            account = Some(a);
            csrf = Some(c);
        }
        let csrf = match csrf {
            Some(c) => c,
            None => cookie(&parts.headers, CSRF_COOKIE)
                .or_else(|| parts.extensions.get::<MintedCsrf>().map(|m| m.0.clone()))
                .unwrap_or_default(),
        };
        let return_to = if parts.method == axum::http::Method::GET {
            parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Self {
            lang,
            account,
            csrf,
            session_token,
            https,
            return_to,
        })
    }

    /// The signed-in account with one of `roles`: else a redirect to the login page (signed
    /// out) or 403 (wrong role).
    pub fn require(&self, roles: &[Role]) -> Result<&Account, PortalError> {
        match &self.account {
            None => Err(PortalError::Login(self.return_to.clone())),
            Some(a) if roles.contains(&a.role) => Ok(a),
            Some(_) => Err(PortalError::ForbiddenFor(Box::new(self.chrome()))),
        }
    }

    /// The page frame (navigation, language switch, logout form).
    pub fn chrome(&self) -> Chrome {
        Chrome::new(self.lang, self.account.as_ref(), &self.csrf)
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PortalError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Self::from_parts(parts, state).await
    }
}

/// A checked POST: the CSRF token matched, then the body is parsed as `T` (URL-encoded form).
#[derive(Debug)]
pub struct PostForm<T>(pub Ctx, pub T);

/// A checked multipart POST: the CSRF token matched; the parts are handed over.
#[derive(Debug)]
pub struct PostMultipart(pub Ctx, pub Vec<Part>);

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct Part {
    /// Field name.
    pub name: String,
    /// File name, for file fields.
    pub filename: Option<String>,
    /// Content.
    pub data: Vec<u8>,
}

/// The `boundary` of a `multipart/form-data` content type.
fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| hay[i..].starts_with(needle))
}

/// Splits a `multipart/form-data` body into its parts (`None` if it is malformed).
pub fn parse_multipart(body: &[u8], boundary: &str) -> Option<Vec<Part>> {
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut pos = find(body, &delim, 0)? + delim.len();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            return Some(parts);
        }
        pos += 2; // CRLF after the delimiter
        let head_end = find(body, b"\r\n\r\n", pos)?;
        let head = std::str::from_utf8(body.get(pos..head_end)?).ok()?;
        let start = head_end + 4;
        let mut end_delim = b"\r\n".to_vec();
        end_delim.extend_from_slice(&delim);
        let end = find(body, &end_delim, start)?;
        let mut name = None;
        let mut filename = None;
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if !k.trim().eq_ignore_ascii_case("content-disposition") {
                continue;
            }
            for p in v.split(';').skip(1) {
                if let Some((pk, pv)) = p.trim().split_once('=') {
                    let pv = pv.trim().trim_matches('"').to_owned();
                    match pk.trim() {
                        "name" => name = Some(pv),
                        "filename" => filename = Some(pv),
                        _ => {}
                    }
                }
            }
        }
        parts.push(Part {
            name: name?,
            filename,
            data: body.get(start..end)?.to_vec(),
        });
        pos = end + end_delim.len();
    }
}

/// Constant-time equality of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn csrf_ok(ctx: &Ctx, given: Option<&str>) -> Result<(), PortalError> {
    match given {
        Some(t) if !ctx.csrf.is_empty() && same_token(t, &ctx.csrf) => Ok(()),
        _ => Err(PortalError::Csrf(ctx.lang)),
    }
}

async fn read_body(req: Request, state: &AppState) -> Result<(Ctx, String, Bytes), PortalError> {
    let (mut parts, body) = req.into_parts();
    let ctx = Ctx::from_request_parts(&mut parts, state).await?;
    let ct = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = axum::body::to_bytes(body, MAX_POST_BYTES)
        .await
        .map_err(|_| PortalError::TooLarge(ctx.lang))?;
    Ok((ctx, ct, bytes))
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PostForm<T> {
    type Rejection = PortalError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (ctx, ct, bytes) = read_body(req, state).await?;
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return Err(PortalError::Csrf(ctx.lang));
        }
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| PortalError::BadRequest(ctx.lang))?;
        let given = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        csrf_ok(&ctx, given)?;
        let form =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| PortalError::BadRequest(ctx.lang))?;
        Ok(Self(ctx, form))
    }
}

impl FromRequest<AppState> for PostMultipart {
    type Rejection = PortalError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (ctx, ct, bytes) = read_body(req, state).await?;
        let Some(b) = boundary(&ct) else {
            return Err(PortalError::Csrf(ctx.lang));
        };
        let Some(parts) = parse_multipart(&bytes, &b) else {
            return Err(PortalError::Csrf(ctx.lang));
        };
        let given = parts
            .iter()
            .find(|p| p.name == "csrf")
            .and_then(|p| std::str::from_utf8(&p.data).ok());
        csrf_ok(&ctx, given)?;
        Ok(Self(ctx, parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_round_trip() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\nname,address\r\nA,B\r\n\r\n--XyZ--\r\n";
        let parts = parse_multipart(body, "XyZ").unwrap_or_default();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "csrf");
        assert_eq!(parts[0].data, b"tok");
        assert_eq!(parts[1].filename.as_deref(), Some("a.csv"));
        assert_eq!(parts[1].data, b"name,address\r\nA,B\r\n");
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(),
            Some("XyZ")
        );
    }

    #[test]
    fn token_comparison() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
    }
}
