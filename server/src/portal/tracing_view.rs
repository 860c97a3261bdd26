//! The tracing officer's pages: open a case from venue + time windows (or a confirmed person's
//! exported visit list), see every overlapping record, export the sealed records for
//! `quetma trace decrypt`, publish exposure notices. The service writes every query, view and
//! export to the audit log.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use quetma_core::api::ExposureLevel;
use serde::Deserialize;

use super::auth::{Ctx, PostForm};
use super::i18n::{Lang, Msg};
use super::page::{Chrome, PortalError, html, html_status, see_other};
use super::staff::vn_time;
use super::store::VN_OFFSET_MS;
use crate::params;
use crate::service::AppState;
use crate::service::accounts::Role;
use crate::service::cases::{self, CaseInput, Window};
use crate::service::exposures::{self, NoticeInput};
use crate::service::outcomes::{self, Outcome, OutcomeInput};

/// Roles that trace.
pub const TRACING_ROLES: &[Role] = &[Role::TracingOfficer];

/// The open-case form.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseForm {
    /// One window a line (`VENUE, YYYY-MM-DD HH:MM, YYYY-MM-DD HH:MM`), or a JSON visit list.
    #[serde(default)]
    pub windows: String,
    /// Tail, minutes.
    #[serde(default)]
    pub tail_minutes: String,
    /// Least overlap, minutes.
    #[serde(default)]
    pub min_overlap_minutes: String,
}

/// A case in the list.
#[derive(Debug, Clone)]
pub struct CaseRow {
    /// Id.
    pub id: String,
    /// Opened, Vietnam time.
    pub opened: String,
    /// Overlapping records.
    pub contacts: i64,
}

#[derive(Template)]
#[template(path = "portal/tracing.html")]
struct TracingPage {
    c: Chrome,
    error: Option<String>,
    form: CaseForm,
    cases: Vec<CaseRow>,
    /// Days of history a case code asks for by default, and at most.
    share_days: i64,
    share_days_max: i64,
}

/// The case-code form: how many days of history the phone shares.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseCodeForm {
    /// Days, 1 to the retention window (empty: the default).
    #[serde(default)]
    pub window_days: String,
}

#[derive(Template)]
#[template(path = "portal/case_code.html")]
struct CaseCodePage {
    c: Chrome,
    case_id: String,
    /// The code in groups of four after its two day digits, as the app's help text shows it.
    grouped: String,
    /// The QR (`{BASE}/K/{CODE}`) as inline SVG.
    svg: String,
    days: i64,
    expires: String,
}

/// `14ABCDEFGHIJKLMNOP` → `14ABCD EFGH IJKL MNOP` (easier to read aloud over the phone).
fn group_case_code(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let head = chars.len().min(6);
    let mut out: String = chars[..head].iter().collect();
    for chunk in chars[head..].chunks(4) {
        out.push(' ');
        out.extend(chunk);
    }
    out
}

/// Parses `YYYY-MM-DD HH:MM` (or with `T`) in Vietnam time to Unix ms.
pub fn parse_vn_time(s: &str) -> Option<i64> {
    let s = s.trim().replace('T', " ");
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let t = time::PrimitiveDateTime::parse(&s, &fmt).ok()?;
    Some(t.assume_utc().unix_timestamp() * 1000 - VN_OFFSET_MS)
}

/// Parses the windows box: a JSON visit list (as the phone exports it) or one window a line.
pub fn parse_windows(text: &str) -> Result<CaseInput, Msg> {
    let t = text.trim();
    // The phone's export file (JSON or CSV), or a JSON visit list.
    if let Some(visits) = crate::service::cases::visits_from_history_file(t) {
        return Ok(CaseInput {
            visits,
            ..CaseInput::default()
        });
    }
    if t.starts_with('[') || t.starts_with("Người") {
        return Err(Msg::new(
            "Tệp lịch sử check-in (JSON hoặc CSV từ ứng dụng) không đọc được.",
            "The check-in history file (JSON or CSV from the app) cannot be read.",
        ));
    }
    let mut windows = Vec::new();
    for (n, line) in t.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let bad = || {
            Msg::new(
                format!(
                    "Dòng {}: cần “mã địa điểm, từ, đến” (YYYY-MM-DD HH:MM).",
                    n + 1
                ),
                format!(
                    "Line {}: needs “venue code, from, to” (YYYY-MM-DD HH:MM).",
                    n + 1
                ),
            )
        };
        let [venue, from, to] = f.as_slice() else {
            return Err(bad());
        };
        let (Some(start), Some(end)) = (parse_vn_time(from), parse_vn_time(to)) else {
            return Err(bad());
        };
        if venue.is_empty() || end < start {
            return Err(bad());
        }
        windows.push(Window {
            venue_id: (*venue).to_owned(),
            start,
            end,
        });
    }
    if windows.is_empty() {
        return Err(Msg::new(
            "Nhập ít nhất một lần có mặt.",
            "Enter at least one visit.",
        ));
    }
    Ok(CaseInput {
        windows,
        ..CaseInput::default()
    })
}

fn minutes(s: &str) -> Option<i64> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (0..=1440).contains(m))
        .map(|m| m * 60_000)
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    form: CaseForm,
    error: Option<String>,
) -> Result<Response, PortalError> {
    let account = ctx.require(TRACING_ROLES)?;
    let cases = cases::list_cases(state, account)
        .await
        .map_err(|e| PortalError::from_service(ctx.lang, e))?
        .into_iter()
        .map(|(id, at, n)| CaseRow {
            id,
            opened: vn_time(at),
            contacts: n,
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html_status(
        status,
        &TracingPage {
            c: ctx.chrome(),
            error,
            form,
            cases,
            share_days: cases::DEFAULT_SHARE_DAYS.min(share_days_max(state)),
            share_days_max: share_days_max(state),
        },
    ))
}

/// The longest history a case code may ask for: the retention window, in days.
fn share_days_max(state: &AppState) -> i64 {
    (state.config.retention_ms() / crate::db::schema::DAY_MS).clamp(1, 99)
}

/// `POST /portal/tracing/case-codes`: a one-time case code (text and QR) for the confirmed
/// person's phone; the case fills in when the phone sends its history.
pub async fn open_case_code(
    State(state): State<AppState>,
    PostForm(ctx, form): PostForm<CaseCodeForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(TRACING_ROLES)?.clone();
    let l = ctx.lang;
    let typed = form.window_days.trim();
    let window_days = if typed.is_empty() {
        None
    } else {
        match typed.parse::<i64>() {
            Ok(d) => Some(d),
            Err(_) => {
                let e = l
                    .t(
                        "Số ngày lịch sử phải là một số.",
                        "The days of history must be a number.",
                    )
                    .to_owned();
                return list_page(&state, &ctx, empty_case_form(&state), Some(e)).await;
            }
        }
    };
    let code = match cases::open_case_code(
        &state,
        &account,
        &cases::CaseCodeRequest { window_days },
    )
    .await
    {
        Ok(c) => c,
        Err(crate::service::ServiceError::Invalid(m)) => {
            return list_page(&state, &ctx, empty_case_form(&state), Some(m)).await;
        }
        Err(e) => return Err(PortalError::from_service(l, e)),
    };
    let qr = quetma_core::render::QrMatrix::encode(&code.qr_text, quetma_core::render::EcLevel::M)
        .map_err(|e| PortalError::internal(l, &e))?;
    let svg = quetma_core::render::to_svg(&qr, 50.0);
    let svg = svg
        .find("<svg")
        .map_or(svg.clone(), |i| svg[i..].to_owned());
    Ok(html(&CaseCodePage {
        c: ctx.chrome(),
        grouped: group_case_code(&code.code),
        case_id: code.case_id,
        svg,
        days: code.window_days,
        expires: vn_time(code.expires_at),
    }))
}

fn empty_case_form(state: &AppState) -> CaseForm {
    CaseForm {
        windows: String::new(),
        tail_minutes: (state.config.trace_tail_ms / 60_000).to_string(),
        min_overlap_minutes: (state.config.min_overlap_ms / 60_000).to_string(),
    }
}

/// `GET /portal/tracing`: the cases and the open-case form.
pub async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PortalError> {
    let form = empty_case_form(&state);
    list_page(&state, &ctx, form, None).await
}

/// `POST /portal/tracing/cases`: runs the query, keeps the case, shows it.
pub async fn open_case(
    State(state): State<AppState>,
    PostForm(ctx, form): PostForm<CaseForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(TRACING_ROLES)?.clone();
    let mut input = match parse_windows(&form.windows) {
        Ok(i) => i,
        Err(m) => {
            let e = m.get(ctx.lang).to_owned();
            return list_page(&state, &ctx, form, Some(e)).await;
        }
    };
    input.tail_ms = minutes(&form.tail_minutes);
    input.min_overlap_ms = minutes(&form.min_overlap_minutes);
    match cases::create_case(&state, &account, &input).await {
        Ok(r) => Ok(see_other(&format!("/portal/tracing/cases/{}", r.case_id))),
        Err(crate::service::ServiceError::Invalid(m)) => {
            list_page(&state, &ctx, form, Some(m)).await
        }
        Err(e) => Err(PortalError::from_service(ctx.lang, e)),
    }
}

/// A window row.
#[derive(Debug, Clone)]
pub struct WindowView {
    /// Venue code.
    pub venue: String,
    /// Venue name and ward (empty for a venue the server does not know).
    pub place: VenuePlace,
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// Sent from the person's phone with a case code (not typed in).
    pub from_phone: bool,
}

/// An overlapping record row (no contact data).
#[derive(Debug, Clone)]
pub struct RecordView {
    /// Venue code.
    pub venue: String,
    /// Venue name and ward.
    pub place: VenuePlace,
    /// In.
    pub from: String,
    /// Out.
    pub to: String,
    /// Overlap, minutes.
    pub overlap_minutes: i64,
    /// App check-in or staff scan.
    pub source: &'static str,
    /// Kind (`visit`, `web`, `visitor`), for the outcome form.
    pub kind: String,
    /// Client id, for the outcome form (and to find the row in the decrypted CSV).
    pub client_id: String,
    /// Called rather than alerted by the app.
    pub to_call: bool,
    /// How they learn.
    pub learns_label: &'static str,
    /// The recorded outcome (`reached`, `no_answer`, `wrong_number`), if any.
    pub outcome: Option<&'static str>,
    /// Its label.
    pub outcome_label: &'static str,
}

#[derive(Template)]
#[template(path = "portal/case.html")]
struct CasePage {
    c: Chrome,
    case_id: String,
    tail_minutes: i64,
    min_overlap_minutes: i64,
    windows: Vec<WindowView>,
    records: Vec<RecordView>,
    notices_published: i64,
    /// What publishing the case's notices would reach (the circuit breaker's preview).
    reach: Option<exposures::NoticeReach>,
    /// The case's notice batches.
    batches: Vec<super::notices::BatchView>,
    /// Alerted by the app.
    by_app: i64,
    /// To call or text.
    to_call: i64,
    /// Still to reach.
    still_to_reach: i64,
}

/// A venue's name and ward, as the tracing pages show them beside its code.
#[derive(Debug, Clone, Default)]
pub struct VenuePlace {
    /// Name (empty if unknown).
    pub name: String,
    /// Ward name (or code).
    pub ward: String,
}

/// The names and wards of `ids` (each looked up once; unknown ones left empty).
async fn venue_places<'a>(
    state: &AppState,
    l: Lang,
    ids: impl Iterator<Item = &'a str>,
) -> Result<std::collections::HashMap<String, VenuePlace>, PortalError> {
    let mut out = std::collections::HashMap::new();
    for id in ids {
        if out.contains_key(id) {
            continue;
        }
        let place = crate::service::venues::get_venue(state, id)
            .await
            .map_err(|e| PortalError::from_service(l, e))?
            .map(|v| VenuePlace {
                ward: state.config.wards.name_or_code(v.ward_code),
                name: v.name,
            })
            .unwrap_or_default();
        out.insert(id.to_owned(), place);
    }
    Ok(out)
}

fn source_label(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "visitor" => lang.t("Nhân viên quét", "Staff scan"),
        "web" => lang.t(
            "Trang web (không có cảnh báo trên ứng dụng)",
            "Web page (no app alert)",
        ),
        "sms" => lang.t("Tin nhắn SMS (điện thoại phổ thông)", "SMS (feature phone)"),
        _ => lang.t("Ứng dụng (nhận cảnh báo)", "App (gets the alert)"),
    }
}

/// `GET /portal/tracing/cases/{id}`: the case's windows and overlapping records.
pub async fn case_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    let account = ctx.require(TRACING_ROLES)?;
    let l = ctx.lang;
    let r = cases::get_case(&state, account, &id)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    let notices_published = state
        .db
        .query_opt(
            "SELECT COUNT(*) FROM notices WHERE case_id = $1",
            &params![&r.case_id],
        )
        .await
        .map_err(|e| PortalError::internal(l, &e))?
        .map(|row| row.int(0))
        .transpose()
        .map_err(|e| PortalError::internal(l, &e))?
        .unwrap_or(0);
    let known = outcomes::known(&state, &r.case_id)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    let summary = outcomes::summarise(r.case_id.clone(), r.contacts.clone(), &known);
    // Before publishing, the officer sees what the notices would reach.
    let inputs = case_notices(&r, ExposureLevel::High, None, None);
    let reach = exposures::preview_batch(&state, account, &inputs)
        .await
        .ok();
    let places = venue_places(
        &state,
        l,
        r.windows
            .iter()
            .map(|w| w.venue_id.as_str())
            .chain(summary.contacts.iter().map(|c| c.contact.venue_id.as_str())),
    )
    .await?;
    let place = |id: &str| places.get(id).cloned().unwrap_or_default();
    let mut batches = Vec::new();
    for b in exposures::list_batches(&state, account, Some(&r.case_id))
        .await
        .map_err(|e| PortalError::from_service(l, e))?
    {
        batches.push(super::notices::batch_view(&state, l, account, &b).await);
    }
    Ok(html(&CasePage {
        c: ctx.chrome(),
        reach,
        batches,
        tail_minutes: r.tail_ms / 60_000,
        min_overlap_minutes: r.min_overlap_ms / 60_000,
        windows: r
            .windows
            .iter()
            .map(|w| WindowView {
                venue: w.venue_id.clone(),
                place: place(&w.venue_id),
                from: vn_time(w.start),
                to: vn_time(w.end),
                from_phone: r.from_phone.contains(w),
            })
            .collect(),
        by_app: summary.by_app,
        to_call: summary.to_call,
        still_to_reach: summary.still_to_reach,
        records: summary
            .contacts
            .iter()
            .map(|co| {
                let c = &co.contact;
                let learns = cases::learns_by(&c.kind);
                let to_call = learns != "app";
                RecordView {
                    venue: c.venue_id.clone(),
                    place: place(&c.venue_id),
                    from: vn_time(c.started_at),
                    to: vn_time(c.ended_at),
                    overlap_minutes: c.overlap_ms / 60_000,
                    source: source_label(l, &c.kind),
                    kind: c.kind.clone(),
                    client_id: c.client_id.clone(),
                    to_call,
                    learns_label: match learns {
                        "app" => l.t("Cảnh báo trên ứng dụng", "App alert"),
                        "sms" => l.t(
                            "SMS tự động khi công bố thông báo (có thể gọi thêm)",
                            "Automatic SMS when the notice is published (may also be called)",
                        ),
                        _ => l.t("Gọi điện / nhắn tin", "Call / SMS"),
                    },
                    outcome: co.outcome.map(Outcome::as_str),
                    outcome_label: match co.outcome {
                        Some(Outcome::Reached) => l.t("Đã liên lạc được", "Reached"),
                        Some(Outcome::NoAnswer) => l.t("Không trả lời", "No answer"),
                        Some(Outcome::WrongNumber) => l.t("Sai số", "Wrong number"),
                        None if to_call => l.t("Chưa gọi", "Not called yet"),
                        None => "",
                    },
                }
            })
            .collect(),
        case_id: r.case_id,
        notices_published,
    }))
}

/// `GET /portal/tracing/cases/{id}/export.json`: the sealed records (audited).
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    let account = ctx.require(TRACING_ROLES)?;
    let l = ctx.lang;
    let export = cases::export_case(&state, account, &id)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    let body = serde_json::to_vec_pretty(&export).map_err(|e| PortalError::internal(l, &e))?;
    Ok((
        [
            (CONTENT_TYPE, "application/json".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"case-{}.json\"", export.case_id),
            ),
        ],
        body,
    )
        .into_response())
}

/// The publish form.
#[derive(Debug, Deserialize)]
pub struct NoticeForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    guidance_vi: String,
    #[serde(default)]
    guidance_en: String,
}

/// `POST /portal/tracing/cases/{id}/notices`: one notice per window of the case.
pub async fn publish(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostForm(ctx, form): PostForm<NoticeForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(TRACING_ROLES)?.clone();
    let l = ctx.lang;
    let r = cases::get_case(&state, &account, &id)
        .await
        .map_err(|e| PortalError::from_service(l, e))?;
    let level = if form.level == "low" {
        ExposureLevel::Low
    } else {
        ExposureLevel::High
    };
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let inputs = case_notices(&r, level, text(&form.guidance_vi), text(&form.guidance_en));
    // One batch for the whole case: published at once within the threshold, else held for a
    // second officer (the batch page says which).
    let b = exposures::submit_batch(
        &state,
        &account,
        &exposures::NoticeBatchInput { notices: inputs },
    )
    .await
    .map_err(|e| PortalError::from_service(l, e))?;
    Ok(see_other(&format!("/portal/tracing/notices/{}", b.id)))
}

/// The outcome form of one record.
#[derive(Debug, Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    venue_id: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    outcome: String,
}

/// `POST /portal/tracing/cases/{id}/outcomes`: what came of a call to one record.
pub async fn record_outcome(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostForm(ctx, form): PostForm<OutcomeForm>,
) -> Result<Response, PortalError> {
    let account = ctx.require(TRACING_ROLES)?.clone();
    let l = ctx.lang;
    let outcome = match form.outcome.as_str() {
        "reached" => Outcome::Reached,
        "no_answer" => Outcome::NoAnswer,
        "wrong_number" => Outcome::WrongNumber,
        _ => {
            return Err(PortalError::Invalid(
                l,
                l.t("Chọn kết quả cuộc gọi.", "Pick the call's outcome.")
                    .to_owned(),
            ));
        }
    };
    outcomes::record(
        &state,
        &account,
        &id,
        &OutcomeInput {
            kind: form.kind,
            venue_id: form.venue_id,
            client_id: form.client_id,
            outcome,
        },
    )
    .await
    .map_err(|e| PortalError::from_service(l, e))?;
    Ok(see_other(&format!("/portal/tracing/cases/{id}#overlaps")))
}

/// One notice per window of the case.
fn case_notices(
    r: &cases::CaseResult,
    level: ExposureLevel,
    guidance_vi: Option<String>,
    guidance_en: Option<String>,
) -> Vec<NoticeInput> {
    r.windows
        .iter()
        .map(|w| NoticeInput {
            venue_id: w.venue_id.clone(),
            start: w.start,
            end: w.end,
            tail_ms: Some(r.tail_ms),
            min_overlap_ms: Some(r.min_overlap_ms),
            level: Some(level),
            guidance_vi: guidance_vi.clone(),
            guidance_en: guidance_en.clone(),
            case_id: Some(r.case_id.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_codes_are_grouped_for_reading_aloud() {
        assert_eq!(
            group_case_code("14ABCDEFGHIJKLMNOP"),
            "14ABCD EFGH IJKL MNOP"
        );
        assert_eq!(group_case_code("07AB"), "07AB");
        assert_eq!(group_case_code(""), "");
    }

    #[test]
    fn windows_in_vietnam_time() {
        let i = parse_windows("V-AAAA, 2026-11-24 18:00, 2026-11-24T19:30\n\n")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(i.windows.len(), 1);
        // 18:00 in Hà Nội is 11:00 UTC.
        assert_eq!(i.windows[0].start % 86_400_000, 11 * 3_600_000);
        assert_eq!(i.windows[0].end - i.windows[0].start, 90 * 60_000);
        assert!(parse_windows("V-AAAA, yesterday, today").is_err());
        let v = parse_windows(r#"[{"venue_id":"V-B","started_at":1000,"ended_at":5000}]"#)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(v.visits.len(), 1);
    }
}
