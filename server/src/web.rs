//! The web check-in page for people who scan a poster with the stock camera:
//! `GET /V/{code}` shows the venue and a form (Vietnamese first, `?lang=en` for English);
//! `POST /V/{code}` stores the check-in with its contact record sealed at once to the health
//! authority's key — the plaintext is never stored or logged. Health answers are optional,
//! under their own consent, and stored apart from the check-in (unlinked to it).

use axum::Router;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use governor::clock::{Clock as _, DefaultClock};
use quetma_core::declaration::{CONTACT_QUESTIONS, Field, Symptom, WARNING_EN, WARNING_VI};
use quetma_core::outbox::SealedContactJson;
use quetma_core::payload::ContactSource;
use quetma_core::payload::contact::{ContactField, TypedContact, validate_typed_contact};
use quetma_core::payload::venue;
use serde::Deserialize;

use crate::params;
use crate::service::uploads::{self, CheckinRow};
use crate::service::venues::{self, Venue};
use crate::service::{ServiceError, random_token};
use crate::state::AppState;

/// The web routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/V/{code}", get(page).post(submit))
        .route("/v/{code}", get(page).post(submit))
        .route("/V/{code}/checkout", axum::routing::post(checkout))
        .route("/v/{code}/checkout", axum::routing::post(checkout))
        .route("/E/{code}", get(enrol_page))
        .route("/K/{code}", get(case_code_page))
        .route(CSS_PATH, get(css))
        .route("/healthz", get(|| async { "ok" }))
        .layer(axum::middleware::from_fn(security_headers))
}

/// Where the check-in page's style sheet is served (the CSP allows no inline style).
pub const CSS_PATH: &str = "/static/checkin.css";
/// The form-token cookie of the check-in page (double submit; `SameSite=Strict`).
pub const FORM_COOKIE: &str = "qm_web";

async fn css() -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

/// The portal's security headers on every web answer, and `no-store` unless the handler
/// chose a cache policy (the error page echoes what was typed: name, phone, ID).
async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
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
    if !h.contains_key(axum::http::header::CACHE_CONTROL) {
        h.insert(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
    }
    res
}

/// The form token of a request (its `qm_web` cookie), if any.
fn form_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == FORM_COOKIE)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 64)
}

/// The request's form token, or a new one with the `Set-Cookie` that carries it.
fn form_token(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    if let Some(t) = form_cookie(headers) {
        return (t, None);
    }
    let t = random_token::<20>().unwrap_or_default();
    let c = format!("{FORM_COOKIE}={t}; Path=/; Max-Age=86400; HttpOnly; SameSite=Strict");
    (t.clone(), HeaderValue::from_str(&c).ok())
}

/// Whether a POST comes from the check-in page itself: a browser's `Sec-Fetch-Site` says
/// same-origin (or none: typed / from the camera app), its `Origin` (when sent) is this host
/// or the deployment's base URL, and the form token matches the `qm_web` cookie.
fn same_site_post(state: &AppState, headers: &HeaderMap, token: &str) -> bool {
    let get = |k: &str| headers.get(k).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    if let Some(origin) = get("origin") {
        let host = origin.split_once("://").map(|(_, h)| h);
        let base = state
            .config
            .public_base_url
            .split_once("://")
            .map(|(_, h)| h.trim_end_matches('/'));
        let ok = host.is_some_and(|h| {
            Some(h) == get("host") || base.is_some_and(|b| b.eq_ignore_ascii_case(h))
        });
        if !ok {
            return false;
        }
    }
    form_cookie(headers).is_some_and(|c| crate::portal::auth::same_token(&c, token))
}

/// `?lang=`.
#[derive(Debug, Deserialize, Default)]
pub struct Lang {
    /// `en` for English first.
    #[serde(default)]
    pub lang: Option<String>,
}

impl Lang {
    fn en(&self) -> bool {
        self.lang.as_deref() == Some("en")
    }
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Picks the language.
fn t<'a>(en: bool, vi: &'a str, en_text: &'a str) -> &'a str {
    if en { en_text } else { vi }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:36rem;margin:0 auto;padding:1rem;\
line-height:1.5;font-size:1.05rem;color:#111}h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem;\
font-weight:600}input[type=text],input[type=tel],input[type=number]{width:100%;padding:.6rem;font-size:1rem;\
box-sizing:border-box;border:1px solid #555;border-radius:4px}fieldset{border:1px solid #999;margin:1rem 0;\
border-radius:4px}fieldset label{font-weight:400;display:flex;gap:.5rem;align-items:flex-start}\
button{font-size:1.1rem;padding:.8rem 1.2rem;background:#0a5;color:#fff;border:0;border-radius:6px;width:100%;\
margin-top:1rem}.err{background:#fee;border:1px solid #c00;padding:.6rem;border-radius:4px}\
.ok{background:#efe;border:1px solid #0a5;padding:.8rem;border-radius:4px}.venue{background:#f4f4f4;\
padding:.8rem;border-radius:4px}.field-err{color:#a00;font-weight:600;margin:.1rem 0}input.bad{border:2px solid #c00}\
.consent{background:#eef5ff;border:1px solid #36c;padding:.6rem;border-radius:4px}.small{font-size:.9rem;color:#333}\
.next{background:#f4f4f4;padding:.6rem .8rem;border-radius:4px;margin-top:1rem}h2{font-size:1.15rem;margin-top:1.2rem}input[type=checkbox]{width:1.4rem;height:1.4rem;flex:none}.warn{font-size:.9rem;color:#a00}nav{text-align:right}";

fn layout(en: bool, title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — QuetMa</title><link rel=\"stylesheet\" href=\"{CSS_PATH}\"></head><body><main>{body}</main></body></html>",
        if en { "en" } else { "vi" },
        esc(title)
    ))
}

/// Resolves a poster code to a registered venue (signature checked against the trust list).
async fn venue_of(state: &AppState, code: &str) -> Result<Option<Venue>, ServiceError> {
    let text = format!("HTTPS://QUETMA/V/{code}");
    let Ok(poster) = venue::decode(&text, &state.keys.trust) else {
        return Ok(None);
    };
    venues::get_venue(state, &poster.info.venue_id).await
}

fn error_page(en: bool, status: StatusCode, vi: &str, en_text: &str) -> Response {
    (
        status,
        layout(
            en,
            t(en, "Không kiểm tra được", "Cannot check in"),
            &format!(
                "<h1>{}</h1><p class=\"err\">{}</p>",
                t(en, "Không check-in được", "Cannot check in"),
                esc(t(en, vi, en_text))
            ),
        ),
    )
        .into_response()
}

/// Values typed so far (redisplayed after an error, never stored in plain text).
#[derive(Debug, Default)]
struct Typed {
    full_name: String,
    phone: String,
    id_number: String,
    birth_year: String,
    /// Health answers ticked (`symptom_*`, `contact_*`, `health_consent`), kept on an error.
    ticked: Vec<String>,
}

/// A message for one field of the form.
#[derive(Debug, Clone, Copy)]
struct FieldError {
    field: &'static str,
    vi: &'static str,
    en: &'static str,
}

/// The form's message for a field core's validation refused.
fn field_error(f: ContactField) -> FieldError {
    match f {
        ContactField::FullName => FieldError {
            field: "full_name",
            vi: "Vui lòng nhập họ tên (tối đa 100 ký tự).",
            en: "Please enter your full name (at most 100 characters).",
        },
        ContactField::Phone => FieldError {
            field: "phone",
            vi: "Số điện thoại cần 9–15 chữ số, ví dụ 0912 345 678.",
            en: "A phone number has 9–15 digits, e.g. 0912 345 678.",
        },
        ContactField::IdNumber => FieldError {
            field: "id_number",
            vi: "Số giấy tờ chỉ gồm chữ và số, tối đa 20 ký tự (CCCD: 12 số, hộ chiếu: 1 chữ và 7 số).",
            en: "An ID number has only letters and digits, at most 20 (CCCD: 12 digits, passport: a letter and 7 digits).",
        },
        ContactField::BirthYear => FieldError {
            field: "birth_year",
            vi: "Năm sinh là bốn chữ số, từ 1900 đến năm nay, ví dụ 1988.",
            en: "A year of birth has four digits, from 1900 to this year, e.g. 1988.",
        },
    }
}

/// Everything the form page shows besides the venue.
struct FormView<'a> {
    code: &'a str,
    token: &'a str,
    typed: &'a Typed,
    errors: &'a [FieldError],
    /// A message for the whole form (an expired form token).
    notice: Option<&'a str>,
}

fn form_html(en: bool, v: &Venue, f: &FormView<'_>) -> String {
    let code = f.code;
    let typed = f.typed;
    let lang_link = if en {
        format!(
            "<nav><a href=\"/V/{}\" lang=\"vi\">Tiếng Việt</a></nav>",
            esc(code)
        )
    } else {
        format!(
            "<nav><a href=\"/V/{}?lang=en\" lang=\"en\">English</a></nav>",
            esc(code)
        )
    };
    let label = |f: Field| esc(if en { f.label_en() } else { f.label_vi() });
    let mut h = lang_link;
    h.push_str(&format!(
        "<h1>{}</h1><div class=\"venue\"><strong>{}</strong><br>{}</div>",
        t(en, "Check-in địa điểm", "Venue check-in"),
        esc(&v.name),
        esc(&v.address)
    ));
    if let Some(n) = f.notice {
        h.push_str(&format!("<p class=\"err\" role=\"alert\">{}</p>", esc(n)));
    }
    if !f.errors.is_empty() {
        h.push_str(&format!(
            "<div class=\"err\" role=\"alert\"><p>{}</p><ul>",
            t(
                en,
                "Vui lòng sửa các mục sau:",
                "Please correct the following:"
            )
        ));
        for e in f.errors {
            h.push_str(&format!(
                "<li><a href=\"#{}\">{}</a></li>",
                e.field,
                esc(t(en, e.vi, e.en))
            ));
        }
        h.push_str("</ul></div>");
    }
    let action = if en {
        format!("/V/{}?lang=en", esc(code))
    } else {
        format!("/V/{}", esc(code))
    };
    h.push_str(&format!(
        "<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"t\" value=\"{}\">",
        esc(f.token)
    ));
    let input = |h: &mut String,
                 name: &'static str,
                 kind: &str,
                 lbl: String,
                 required: bool,
                 extra: &str,
                 value: &str| {
        let err = f.errors.iter().find(|e| e.field == name);
        h.push_str(&format!(
            "<label for=\"{name}\">{lbl}{}</label>",
            if required { " *" } else { "" }
        ));
        if let Some(e) = err {
            h.push_str(&format!(
                "<p class=\"field-err\" id=\"{name}-err\">{}</p>",
                esc(t(en, e.vi, e.en))
            ));
        }
        h.push_str(&format!(
            "<input type=\"{kind}\" id=\"{name}\" name=\"{name}\"{}{}{} {extra} value=\"{}\">",
            if required { " required" } else { "" },
            if err.is_some() {
                format!(" aria-invalid=\"true\" aria-describedby=\"{name}-err\"")
            } else {
                String::new()
            },
            if err.is_some() { " class=\"bad\"" } else { "" },
            esc(value)
        ));
    };
    h.push_str(&format!(
        "<fieldset><legend>{}</legend>",
        t(en, "Thông tin liên hệ", "Contact details")
    ));
    input(
        &mut h,
        "full_name",
        "text",
        label(Field::FullName),
        true,
        "maxlength=\"100\" autocomplete=\"name\"",
        &typed.full_name,
    );
    input(
        &mut h,
        "phone",
        "tel",
        label(Field::Phone),
        true,
        "maxlength=\"20\" autocomplete=\"tel\" inputmode=\"tel\"",
        &typed.phone,
    );
    input(
        &mut h,
        "id_number",
        "text",
        label(Field::IdNumber),
        false,
        "maxlength=\"20\"",
        &typed.id_number,
    );
    input(
        &mut h,
        "birth_year",
        "number",
        label(Field::BirthYear),
        false,
        // A hint for the browser; the server checks against its own clock.
        &format!(
            "min=\"1900\" max=\"{}\" inputmode=\"numeric\"",
            time::OffsetDateTime::now_utc().year()
        ),
        &typed.birth_year,
    );
    h.push_str(&format!(
        "<p class=\"small\">{}</p></fieldset>",
        t(
            en,
            "Họ tên, điện thoại và số giấy tờ được mã hoá ngay, chỉ cơ quan y tế mở được khi truy vết; tự xoá sau thời hạn lưu giữ.",
            "Your name, phone and ID are encrypted at once; only the health authority can open them, when tracing. Deleted after the retention period."
        )
    ));
    let checked = |name: &str| {
        if typed.ticked.iter().any(|t| t == name) {
            " checked"
        } else {
            ""
        }
    };
    // The health declaration: optional, its own consent first, apart from the contact details.
    h.push_str(&format!(
        "<fieldset class=\"health\"><legend>{}</legend><div class=\"consent\"><label><input type=\"checkbox\" name=\"health_consent\" value=\"1\"{}> {}</label></div><p>{}</p>",
        t(
            en,
            "Khai báo y tế (không bắt buộc)",
            "Health declaration (optional)"
        ),
        checked("health_consent"),
        t(
            en,
            "Tôi đồng ý gửi các câu trả lời sức khoẻ dưới đây (lưu riêng, không gắn với tên tôi) để phục vụ phòng chống dịch.",
            "I agree to send the health answers below (kept apart, not linked to my name) for epidemic control."
        ),
        label(Field::Symptoms)
    ));
    for sym in Symptom::ALL {
        let name = serde_json::to_value(sym)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let field = format!("symptom_{name}");
        h.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"{field}\" value=\"1\"{}> {}</label>",
            checked(&field),
            esc(if en { sym.label_en() } else { sym.label_vi() })
        ));
    }
    h.push_str(&format!("<p>{}</p>", label(Field::Contacts)));
    for (i, (vi, en_text)) in CONTACT_QUESTIONS.iter().enumerate() {
        let field = format!("contact_{i}");
        h.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"{field}\" value=\"1\"{}> {}</label>",
            checked(&field),
            esc(if en { en_text } else { vi })
        ));
    }
    h.push_str(&format!(
        "<p class=\"warn\">{}</p></fieldset><button type=\"submit\">{}</button></form>",
        esc(t(en, WARNING_VI, WARNING_EN)),
        t(en, "Check-in", "Check in")
    ));
    h
}

/// The form page answer (with the form-token cookie when the browser had none).
#[allow(clippy::too_many_arguments)]
fn form_page(
    en: bool,
    status: StatusCode,
    v: &Venue,
    code: &str,
    headers: &HeaderMap,
    typed: &Typed,
    errors: &[FieldError],
    notice: Option<&str>,
) -> Response {
    let (token, set) = form_token(headers);
    let view = FormView {
        code,
        token: &token,
        typed,
        errors,
        notice,
    };
    let mut r = (status, layout(en, &v.name, &form_html(en, v, &view))).into_response();
    if let Some(c) = set {
        r.headers_mut().append(axum::http::header::SET_COOKIE, c);
    }
    r
}

/// `GET /V/{code}`.
pub async fn page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(lang): Query<Lang>,
    headers: HeaderMap,
) -> Response {
    let en = lang.en();
    match venue_of(&state, &code).await {
        Ok(Some(v)) if !v.suspended => form_page(
            en,
            StatusCode::OK,
            &v,
            &code,
            &headers,
            &Typed::default(),
            &[],
            None,
        ),
        Ok(Some(_)) => error_page(
            en,
            StatusCode::FORBIDDEN,
            "Địa điểm này đang bị tạm dừng.",
            "This venue is suspended.",
        ),
        Ok(None) => error_page(
            en,
            StatusCode::NOT_FOUND,
            "Mã QR không hợp lệ hoặc địa điểm chưa đăng ký.",
            "This QR code is not valid or the venue is not registered.",
        ),
        Err(e) => {
            tracing::error!(error = %e, "check-in page");
            error_page(
                en,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Lỗi máy chủ.",
                "Server error.",
            )
        }
    }
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

/// The client's address for rate limiting: the last `X-Forwarded-For` hop when the
/// deployment trusts its proxy, else the TCP peer (absent when the router runs without
/// connection info, as in tests: all such requests then share one key).
pub fn client_address(state: &AppState, headers: &HeaderMap, extensions: &Extensions) -> String {
    if state.config.trust_forwarded_for
        && let Some(hop) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|h| h.parse::<IpAddr>().is_ok())
    {
        return hop.to_owned();
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "-".to_owned(), |c| c.0.ip().to_string())
}

/// `POST /V/{code}`.
pub async fn submit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(lang): Query<Lang>,
    headers: HeaderMap,
    extensions: Extensions,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let en = lang.en();
    // Flooding a venue with made-up visitors from one address: a token bucket per address
    // and venue. Nothing is stored or logged for a refused request.
    let key = format!("{}|{code}", client_address(&state, &headers, &extensions));
    if let Err(not_until) = state.web_limiter.check_key(&key) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let mut r = error_page(
            en,
            StatusCode::TOO_MANY_REQUESTS,
            "Quá nhiều lượt check-in từ thiết bị này, vui lòng thử lại sau ít phút.",
            "Too many check-ins from this device, try again in a few minutes.",
        );
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            r.headers_mut().insert(RETRY_AFTER, v);
        }
        return r;
    }
    let v = match venue_of(&state, &code).await {
        Ok(Some(v)) if !v.suspended => v,
        Ok(_) => {
            return error_page(
                en,
                StatusCode::NOT_FOUND,
                "Mã QR không hợp lệ hoặc địa điểm không nhận check-in.",
                "Invalid QR code or the venue does not accept check-ins.",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "check-in submit");
            return error_page(
                en,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Lỗi máy chủ.",
                "Server error.",
            );
        }
    };
    let ticked: Vec<String> = form
        .iter()
        .filter(|(k, v)| {
            v == "1"
                && (k == "health_consent" || k.starts_with("symptom_") || k.starts_with("contact_"))
                && k.len() <= 40
        })
        .map(|(k, _)| k.clone())
        .collect();
    let typed = Typed {
        full_name: field(&form, "full_name").to_owned(),
        phone: field(&form, "phone").to_owned(),
        id_number: field(&form, "id_number").to_owned(),
        birth_year: field(&form, "birth_year").to_owned(),
        ticked,
    };
    // A post from another site (through a visitor's browser), or a form without its token:
    // the form again, with what was typed and a fresh token; nothing stored.
    if !same_site_post(&state, &headers, field(&form, "t")) {
        tracing::info!("web check-in without a valid form token");
        return form_page(
            en,
            StatusCode::FORBIDDEN,
            &v,
            &code,
            &headers,
            &typed,
            &[],
            Some(t(
                en,
                "Biểu mẫu đã hết hạn hoặc không gửi từ trang này. Vui lòng kiểm tra rồi bấm Check-in lại.",
                "The form expired or was not sent from this page. Please check it and press Check in again.",
            )),
        );
    }
    // Core's own contact validation and normalisation, the same the app uses.
    let this_year =
        time::OffsetDateTime::from_unix_timestamp(state.now_ms() / 1000).map_or(2100, |t| t.year());
    let checked = validate_typed_contact(
        &TypedContact {
            full_name: &typed.full_name,
            phone: &typed.phone,
            id_number: &typed.id_number,
            birth_year: &typed.birth_year,
        },
        this_year,
        true,
        ContactSource::Manual,
    );
    let errors: Vec<FieldError> = match &checked {
        Ok(_) => Vec::new(),
        Err(bad) => bad.iter().map(|f| field_error(*f)).collect(),
    };
    let sealed = checked
        .ok()
        .and_then(|record| record.seal(&state.keys.sealing).ok());
    let Some(sealed) = sealed else {
        return form_page(
            en,
            StatusCode::UNPROCESSABLE_ENTITY,
            &v,
            &code,
            &headers,
            &typed,
            &errors,
            None,
        );
    };
    let now = state.now_ms();
    let planned_end = now + v.default_stay_minutes * 60_000;
    let client_id = match random_token::<10>() {
        Ok(t) => format!("W-{t}"),
        Err(_) => {
            return error_page(
                en,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Lỗi máy chủ.",
                "Server error.",
            );
        }
    };
    let row = CheckinRow {
        venue_id: v.id.clone(),
        client_id: client_id.clone(),
        source: "web".into(),
        started_at: now,
        ended_at: None,
        planned_end,
        poster_kid: state.keys.signing.kid().as_str().to_owned(),
        contact: SealedContactJson::from(&sealed),
        received_at: now,
    };
    if let Err(e) = uploads::store(&state, &[row], &[], &[]).await {
        tracing::error!(error = %e, "web check-in store");
        return error_page(
            en,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Lỗi máy chủ.",
            "Server error.",
        );
    }
    if field(&form, "health_consent") == "1" {
        let symptoms: Vec<String> = Symptom::ALL
            .iter()
            .filter_map(|s| serde_json::to_value(s).ok()?.as_str().map(str::to_owned))
            .filter(|n| field(&form, &format!("symptom_{n}")) == "1")
            .collect();
        let contacts: Vec<bool> = (0..CONTACT_QUESTIONS.len())
            .map(|i| field(&form, &format!("contact_{i}")) == "1")
            .collect();
        let answers = serde_json::json!({"symptoms": symptoms, "contacts": contacts}).to_string();
        // Kept apart from the check-in and not linked to it: the day's answers per venue.
        if let Ok(id) = random_token::<10>()
            && let Err(e) = state
                .db
                .exec(
                    "INSERT INTO declarations (id, venue_id, submitted_at, answers) VALUES ($1, $2, $3, $4)",
                    &params![format!("D-{id}"), &v.id, now, answers],
                )
                .await
        {
            tracing::error!(error = %e, "declaration store");
        }
    }
    let until = time::OffsetDateTime::from_unix_timestamp(planned_end / 1000)
        .map(|t| t.to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC)))
        .map(|t| format!("{:02}:{:02}", t.hour(), t.minute()))
        .unwrap_or_default();
    let lang_q = if en { "?lang=en" } else { "" };
    let (token, _) = form_token(&headers);
    let body = format!(
        "<h1>{}</h1><div class=\"ok\" role=\"status\"><strong>{}</strong><br>{}</div>\
         <p>{} <strong>{until}</strong> (GMT+7).</p>\
         <h2>{}</h2>\
         <form method=\"post\" action=\"/V/{code_e}/checkout{lang_q}\"><input type=\"hidden\" name=\"t\" value=\"{}\">\
         <input type=\"hidden\" name=\"c\" value=\"{}\"><button type=\"submit\">{}</button></form>\
         <p class=\"small\">{}</p>\
         <div class=\"next\"><p><strong>{}</strong></p><p>{}</p></div>\
         <p><a href=\"/V/{code_e}{lang_q}\">{}</a></p>",
        t(en, "Đã check-in", "Checked in"),
        esc(&v.name),
        esc(&v.address),
        t(en, "Tự động check-out lúc", "Automatic check-out at"),
        t(en, "Khi rời đi", "When you leave"),
        esc(&token),
        esc(&client_id),
        t(en, "Check-out ngay bây giờ", "Check out now"),
        t(
            en,
            "Giữ trang này mở để check-out khi rời đi; nếu không, hệ thống tự check-out vào giờ trên.",
            "Keep this page open to check out when you leave; otherwise you are checked out at the time above."
        ),
        t(en, "Nhận cảnh báo tiếp xúc", "Get exposure alerts"),
        t(
            en,
            "Check-in trên web không nhận được cảnh báo. Cài ứng dụng QuetMa (tìm \u{201c}QuetMa\u{201d} trên CH Play hoặc App Store) rồi quét lại áp phích lần sau để được báo ngay trên điện thoại.",
            "A web check-in gets no alerts. Install the QuetMa app (search \u{201c}QuetMa\u{201d} on Google Play or the App Store) and scan the poster with it next time to be alerted on your phone."
        ),
        t(en, "Check-in cho người khác", "Check in someone else"),
        code_e = esc(&code),
    );
    (StatusCode::OK, layout(en, &v.name, &body)).into_response()
}

/// `POST /V/{code}/checkout`: the done page's "check out now" (its hidden random client id is
/// the capability; only a web check-in still open, at this venue, is ended).
pub async fn checkout(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(lang): Query<Lang>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let en = lang.en();
    if !same_site_post(&state, &headers, field(&form, "t")) {
        return error_page(
            en,
            StatusCode::FORBIDDEN,
            "Biểu mẫu đã hết hạn hoặc không gửi từ trang này.",
            "The form expired or was not sent from this page.",
        );
    }
    let client = field(&form, "c");
    let v = match venue_of(&state, &code).await {
        Ok(Some(v)) if client.starts_with("W-") && client.len() <= 40 => v,
        Ok(_) => {
            return error_page(
                en,
                StatusCode::NOT_FOUND,
                "Không tìm thấy lượt check-in này.",
                "This check-in was not found.",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "web check-out");
            return error_page(
                en,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Lỗi máy chủ.",
                "Server error.",
            );
        }
    };
    let now = state.now_ms();
    let r = state
        .db
        .exec(
            "UPDATE checkins SET ended_at = $1 WHERE venue_id = $2 AND client_id = $3 \
             AND source = 'web' AND ended_at IS NULL AND started_at <= $1",
            &params![now, &v.id, client],
        )
        .await;
    match r {
        Ok(n) if n > 0 => (
            StatusCode::OK,
            layout(
                en,
                &v.name,
                &format!(
                    "<h1>{}</h1><div class=\"ok\" role=\"status\"><strong>{}</strong></div><p>{}</p>",
                    t(en, "Đã check-out", "Checked out"),
                    esc(&v.name),
                    t(en, "Cảm ơn bạn. Có thể đóng trang này.", "Thank you. You can close this page.")
                ),
            ),
        )
            .into_response(),
        Ok(_) => error_page(
            en,
            StatusCode::NOT_FOUND,
            "Lượt check-in này đã kết thúc.",
            "This check-in has already ended.",
        ),
        Err(e) => {
            tracing::error!(error = %e, "web check-out");
            error_page(en, StatusCode::INTERNAL_SERVER_ERROR, "Lỗi máy chủ.", "Server error.")
        }
    }
}

/// `GET /E/{code}`: a stock camera opened a staff enrolment QR.
pub async fn enrol_page(Query(lang): Query<Lang>) -> Html<String> {
    let en = lang.en();
    layout(
        en,
        t(en, "Mã đăng ký máy quét", "Scanner enrolment code"),
        &format!(
            "<h1>{}</h1><p>{}</p>",
            t(en, "Mã đăng ký máy quét", "Scanner enrolment code"),
            t(
                en,
                "Mở ứng dụng QuetMa, chọn chế độ máy quét cho cơ sở kinh doanh và quét lại mã này.",
                "Open the QuetMa app, choose the business scanner mode and scan this code again."
            )
        ),
    )
}

/// `GET /K/{code}`: a case-code link opened in a browser (no app installed, or the link was not
/// handed to it): how to send the history with the app. The code is not looked up or logged.
pub async fn case_code_page(Query(lang): Query<Lang>) -> Html<String> {
    let en = lang.en();
    layout(
        en,
        t(en, "Mã hồ sơ của cán bộ y tế", "Health worker's case code"),
        &format!(
            "<h1>{}</h1><p>{}</p><p>{}</p>",
            t(en, "Mã hồ sơ của cán bộ y tế", "Health worker's case code"),
            t(
                en,
                "Mở ứng dụng QuetMa, chọn “Chia sẻ lịch sử cho cán bộ y tế” rồi quét lại mã này hoặc nhập mã. Bạn sẽ xem từng lần check-in trước khi gửi.",
                "Open the QuetMa app, choose “Share my history with the health worker”, then scan this code again or type it. You will see each check-in before anything is sent."
            ),
            t(
                en,
                "Nếu bạn không dùng ứng dụng, hãy đọc cho cán bộ y tế những nơi bạn đã đến.",
                "If you do not use the app, tell the health worker the places you went to."
            )
        ),
    )
}
