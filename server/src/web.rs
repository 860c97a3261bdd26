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
use quetma_core::payload::venue;
use quetma_core::payload::{ContactRecord, ContactSource, IdKind};
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
        .route("/E/{code}", get(enrol_page))
        .route("/healthz", get(|| async { "ok" }))
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
padding:.8rem;border-radius:4px}input[type=checkbox]{width:1.4rem;height:1.4rem;flex:none}.warn{font-size:.9rem;color:#a00}nav{text-align:right}";

fn layout(en: bool, title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — QuetMa</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
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
}

fn form_html(en: bool, code: &str, v: &Venue, typed: &Typed, error: Option<&str>) -> String {
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
    if let Some(e) = error {
        h.push_str(&format!("<p class=\"err\" role=\"alert\">{}</p>", esc(e)));
    }
    let action = if en {
        format!("/V/{}?lang=en", esc(code))
    } else {
        format!("/V/{}", esc(code))
    };
    h.push_str(&format!("<form method=\"post\" action=\"{action}\">"));
    h.push_str(&format!(
        "<label for=\"full_name\">{} *</label><input type=\"text\" id=\"full_name\" name=\"full_name\" required maxlength=\"100\" autocomplete=\"name\" value=\"{}\">",
        label(Field::FullName),
        esc(&typed.full_name)
    ));
    h.push_str(&format!(
        "<label for=\"phone\">{} *</label><input type=\"tel\" id=\"phone\" name=\"phone\" required maxlength=\"20\" autocomplete=\"tel\" value=\"{}\">",
        label(Field::Phone),
        esc(&typed.phone)
    ));
    h.push_str(&format!(
        "<label for=\"id_number\">{}</label><input type=\"text\" id=\"id_number\" name=\"id_number\" maxlength=\"20\" value=\"{}\">",
        label(Field::IdNumber),
        esc(&typed.id_number)
    ));
    h.push_str(&format!(
        "<label for=\"birth_year\">{}</label><input type=\"number\" id=\"birth_year\" name=\"birth_year\" min=\"1900\" max=\"2100\" value=\"{}\">",
        label(Field::BirthYear),
        esc(&typed.birth_year)
    ));
    h.push_str(&format!(
        "<fieldset><legend>{}</legend><p>{}</p>",
        t(
            en,
            "Khai báo y tế (không bắt buộc)",
            "Health declaration (optional)"
        ),
        label(Field::Symptoms)
    ));
    for s in Symptom::ALL {
        let name = serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        h.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"symptom_{name}\" value=\"1\"> {}</label>",
            esc(if en { s.label_en() } else { s.label_vi() })
        ));
    }
    h.push_str(&format!("<p>{}</p>", label(Field::Contacts)));
    for (i, (vi, en_text)) in CONTACT_QUESTIONS.iter().enumerate() {
        h.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"contact_{i}\" value=\"1\"> {}</label>",
            esc(if en { en_text } else { vi })
        ));
    }
    h.push_str(&format!(
        "<label><input type=\"checkbox\" name=\"health_consent\" value=\"1\"> {}</label></fieldset>",
        t(
            en,
            "Tôi đồng ý gửi các câu trả lời sức khoẻ này (lưu riêng, không gắn với tên tôi) để phục vụ phòng chống dịch.",
            "I agree to send these health answers (kept apart, not linked to my name) for epidemic control."
        )
    ));
    h.push_str(&format!(
        "<p class=\"warn\">{}</p><p>{}</p><button type=\"submit\">{}</button></form>",
        esc(t(en, WARNING_VI, WARNING_EN)),
        t(
            en,
            "Họ tên, điện thoại và số giấy tờ được mã hoá ngay, chỉ cơ quan y tế mở được khi truy vết; tự xoá sau thời hạn lưu giữ.",
            "Your name, phone and ID are encrypted at once; only the health authority can open them, when tracing. Deleted after the retention period."
        ),
        t(en, "Check-in", "Check in")
    ));
    h
}

/// `GET /V/{code}`.
pub async fn page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(lang): Query<Lang>,
) -> Response {
    let en = lang.en();
    match venue_of(&state, &code).await {
        Ok(Some(v)) if !v.suspended => layout(
            en,
            &v.name,
            &form_html(en, &code, &v, &Typed::default(), None),
        )
        .into_response(),
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
    let typed = Typed {
        full_name: field(&form, "full_name").to_owned(),
        phone: field(&form, "phone").to_owned(),
        id_number: field(&form, "id_number").to_owned(),
        birth_year: field(&form, "birth_year").to_owned(),
    };
    let phone: String = typed
        .phone
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .collect();
    let phone_ok = (9..=15).contains(&phone.trim_start_matches('+').len())
        && phone
            .trim_start_matches('+')
            .bytes()
            .all(|b| b.is_ascii_digit());
    let birth_year = typed
        .birth_year
        .parse::<u16>()
        .ok()
        .filter(|y| (1900..=2100).contains(y));
    let id = (!typed.id_number.is_empty()).then(|| typed.id_number.clone());
    let id_ok = id
        .as_ref()
        .is_none_or(|s| s.len() <= 20 && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    let record = ContactRecord {
        full_name: typed.full_name.clone(),
        id_kind: id.as_deref().map(|s| match s.len() {
            12 if s.bytes().all(|b| b.is_ascii_digit()) => IdKind::Cccd,
            9 if s.bytes().all(|b| b.is_ascii_digit()) => IdKind::Cmnd,
            _ => IdKind::Other,
        }),
        id_number: id,
        phone: Some(phone),
        birth_year,
        source: ContactSource::Manual,
    };
    let sealed = if typed.full_name.is_empty()
        || !phone_ok
        || !id_ok
        || (!typed.birth_year.is_empty() && birth_year.is_none())
    {
        None
    } else {
        record.seal(&state.keys.sealing).ok()
    };
    let Some(sealed) = sealed else {
        let msg = t(
            en,
            "Vui lòng kiểm tra họ tên, số điện thoại (9–15 chữ số), số giấy tờ và năm sinh.",
            "Please check your name, phone (9–15 digits), ID number and year of birth.",
        );
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            layout(en, &v.name, &form_html(en, &code, &v, &typed, Some(msg))),
        )
            .into_response();
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
        client_id,
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
    let body = format!(
        "<h1>{}</h1><div class=\"ok\" role=\"status\"><strong>{}</strong><br>{}</div><p>{} {until} (GMT+7).</p><p>{}</p>",
        t(en, "Đã check-in", "Checked in"),
        esc(&v.name),
        esc(&v.address),
        t(en, "Tự động check-out lúc", "Automatic check-out at"),
        t(
            en,
            "Cài ứng dụng QuetMa để nhận cảnh báo tiếp xúc ngay trên điện thoại.",
            "Install the QuetMa app to get exposure alerts on your phone."
        ),
    );
    (StatusCode::OK, layout(en, &v.name, &body)).into_response()
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
