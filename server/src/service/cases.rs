//! Tracing: a confirmed case's windows → everyone at the same venues in overlapping time
//! (interval overlap with a tail after the case left and a least overlap), kept as a case whose
//! sealed records the tracing officer exports and opens offline. Every query and export is
//! written to the audit log.

use quetma_core::exposure::OverlapRule;
use quetma_core::outbox::SealedContactJson;
use serde::{Deserialize, Serialize};

use super::accounts::{Account, Role};
use super::uploads::MAX_STAY_MS;
use super::{AppState, Result, ServiceError, random_token};
use crate::params;

/// One place and time the case was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Window {
    /// Venue.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[!-~]{1,100}$",
        example = "V7K2M9"
    )]
    pub venue_id: String,
    /// Arrived, Unix ms (1970 to 2100).
    #[schema(minimum = 0, maximum = 4_102_444_800_000_i64)]
    pub start: i64,
    /// Left, Unix ms (1970 to 2100; not before `start`, at most a day after).
    #[schema(minimum = 0, maximum = 4_102_444_800_000_i64)]
    pub end: i64,
}

/// One visit from the case's own history (as the phone exports it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseVisit {
    /// Venue.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[!-~]{1,100}$",
        example = "V7K2M9"
    )]
    pub venue_id: String,
    /// Start, Unix ms (1970 to 2100).
    #[schema(minimum = 0, maximum = 4_102_444_800_000_i64)]
    pub started_at: i64,
    /// End, Unix ms (the planned end when absent).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 4_102_444_800_000_i64)]
    pub ended_at: Option<i64>,
    /// Planned end.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 4_102_444_800_000_i64)]
    pub planned_end: Option<i64>,
}

/// One visit as the phone's export file writes it (`export_history_json`): RFC 3339 times.
#[derive(Debug, Clone, Deserialize)]
struct PhoneExportVisit {
    venue_id: String,
    start: String,
    end: String,
}

fn rfc3339_ms(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(
        s.trim().trim_start_matches('\''),
        &time::format_description::well_known::Rfc3339,
    )
    .ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// The visits of a case's history file: the phone's own export (JSON from
/// `export_history_json`, or CSV from `export_history_csv`, times in RFC 3339), or a JSON list
/// of [`CaseVisit`] (Unix ms). `None` when the text is none of these.
pub fn visits_from_history_file(text: &str) -> Option<Vec<CaseVisit>> {
    let t = text.trim().trim_start_matches('\u{feff}');
    if t.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Vec<CaseVisit>>(t) {
            return Some(v);
        }
        let phone: Vec<PhoneExportVisit> = serde_json::from_str(t).ok()?;
        return phone
            .iter()
            .map(|v| {
                let (start, end) = (rfc3339_ms(&v.start)?, rfc3339_ms(&v.end)?);
                Some(CaseVisit {
                    venue_id: v.venue_id.clone(),
                    started_at: start,
                    ended_at: Some(end),
                    planned_end: None,
                })
            })
            .collect();
    }
    // The CSV: header row, then person, venue id, venue, address, start, end, open.
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(t.as_bytes());
    let header = rows.headers().ok()?;
    if header.len() != 7 || !header.get(1)?.contains("Venue id") {
        return None;
    }
    let mut out = Vec::new();
    for r in rows.records() {
        let r = r.ok()?;
        let venue = r.get(1)?.trim_start_matches('\'');
        out.push(CaseVisit {
            venue_id: venue.to_owned(),
            started_at: rfc3339_ms(r.get(4)?)?,
            ended_at: Some(rfc3339_ms(r.get(5)?)?),
            planned_end: None,
        });
    }
    Some(out)
}

/// A tracing query: windows, or the case's visits, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseInput {
    /// Venue + time windows.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub windows: Vec<Window>,
    /// The case's visits.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub visits: Vec<CaseVisit>,
    /// Tail after the case left, ms (deployment default when absent).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 86_400_000)]
    pub tail_ms: Option<i64>,
    /// Least overlap, ms (deployment default when absent).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 86_400_000)]
    pub min_overlap_ms: Option<i64>,
}

/// One overlapping record (no contact data: that stays sealed, in the export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contact {
    /// `visit` (citizen check-in with the app: gets the exposure alert), `web` (web check-in
    /// page: no app, no alert), `sms` (check-in by SMS from a feature phone: gets the exposure
    /// SMS) or `visitor` (business log).
    #[schema(pattern = "^(visit|web|sms|visitor)$", example = "visit")]
    pub kind: String,
    /// Venue.
    pub venue_id: String,
    /// Record's client id.
    pub client_id: String,
    /// Start, Unix ms.
    pub started_at: i64,
    /// End, Unix ms.
    pub ended_at: i64,
    /// Overlap with the case's window (tail included), ms.
    pub overlap_ms: i64,
    /// How this contact will learn of the exposure: `app` (an app check-in: the phone that
    /// made it — dependents' included — alerts from the signed exposure list), `sms` (a
    /// check-in by SMS: the server texts that number when a notice over the visit is
    /// published; the tracer may call it too) or `call` (a card scan, manual entry or web
    /// check-in: the tracer calls or texts the number in the sealed record, which only the
    /// offline key opens).
    #[serde(default)]
    #[schema(pattern = "^(app|call|sms)$", example = "app")]
    pub learns_by: String,
}

/// How a contact of `kind` learns of an exposure (see [`Contact::learns_by`]).
pub fn learns_by(kind: &str) -> &'static str {
    match kind {
        "visit" => "app",
        "sms" => "sms",
        _ => "call",
    }
}

/// The contact kind of a check-in by its stored source (`app`, `web`, `sms`).
pub fn kind_of_source(source: &str) -> &'static str {
    match source {
        "web" => "web",
        "sms" => "sms",
        _ => "visit",
    }
}

/// A case and its contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseResult {
    /// Case id.
    pub case_id: String,
    /// Windows searched.
    pub windows: Vec<Window>,
    /// Tail used, ms.
    pub tail_ms: i64,
    /// Least overlap used, ms.
    pub min_overlap_ms: i64,
    /// Overlapping records.
    pub contacts: Vec<Contact>,
    /// The case's own visits that came from the person's phone (a case code), each also among
    /// `windows`: the tracer sees which windows were typed in and which the phone sent.
    #[serde(default)]
    pub from_phone: Vec<Window>,
}

/// One exported record: the contact's times and its sealed contact record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportRecord {
    /// As in [`Contact`].
    #[serde(flatten)]
    pub contact: Contact,
    /// Sealed to the authority's sealing key; `quetma trace decrypt` opens it offline.
    pub sealed: SealedContactJson,
}

/// `GET /api/v1/cases/{id}/export`: what `quetma trace decrypt` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseExport {
    /// Format marker.
    pub format: String,
    /// Case id.
    pub case_id: String,
    /// When the case was made, Unix ms.
    pub created_at: i64,
    /// Exported, Unix ms.
    pub exported_at: i64,
    /// Records.
    pub records: Vec<ExportRecord>,
}

/// The export format marker.
pub const EXPORT_FORMAT: &str = "quetma-case-export/1";
/// Most windows in one query.
pub const MAX_WINDOWS: usize = 200;

fn require_tracer(account: &Account) -> Result<()> {
    if account.role == Role::TracingOfficer {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Runs the overlap query for one window; contacts and their sealed records.
///
/// Which records are contacts is decided by core's [`OverlapRule`] — the rule the phone's
/// matcher uses — and by nothing else: the SQL selects a superset from the rule's
/// [`candidate_bounds`](OverlapRule::candidate_bounds) (and, for partition pruning, the venue's
/// longest stay), and each row is then kept exactly when [`OverlapRule::overlap`] matches it.
pub async fn query_window(
    state: &AppState,
    w: &Window,
    tail_ms: i64,
    min_overlap_ms: i64,
) -> Result<Vec<ExportRecord>> {
    let rule = OverlapRule::new(tail_ms, min_overlap_ms);
    let bounds = rule.candidate_bounds(w.start, w.end);
    let mut out = Vec::new();
    // A stay overlapping the window started at most the venue's longest stay before it.
    let (longest, default_stay) = state
        .db
        .query_opt(
            "SELECT max_stay_ms, default_stay_minutes FROM venues WHERE id = $1",
            &params![&w.venue_id],
        )
        .await?
        .map(|r| Ok::<_, crate::db::DbError>((r.int(0)?, r.int(1)?)))
        .transpose()?
        .unwrap_or((MAX_STAY_MS, 60));
    let lower = bounds.end_at_least - longest.clamp(0, MAX_STAY_MS);
    // Hot path: filtered by venue_id (the distribution key) and by time (partition pruning).
    let rows = state
        .db
        .query(
            "SELECT client_id, started_at, COALESCE(ended_at, planned_end), contact_kid, \
             contact_enc, contact_ct, source FROM checkins WHERE venue_id = $1 AND started_at >= $2 \
             AND started_at <= $3 AND COALESCE(ended_at, planned_end) >= $4",
            &params![&w.venue_id, lower, bounds.start_at_most, bounds.end_at_least],
        )
        .await?;
    for r in rows {
        let (s, e) = (r.int(1)?, r.int(2)?);
        if let Some((from, to)) = rule.overlap(w.start, w.end, s, e) {
            let kind = kind_of_source(&r.text(6)?);
            out.push(ExportRecord {
                contact: Contact {
                    kind: kind.into(),
                    venue_id: w.venue_id.clone(),
                    client_id: r.text(0)?,
                    started_at: s,
                    ended_at: e,
                    overlap_ms: to - from,
                    learns_by: learns_by(kind).into(),
                },
                sealed: SealedContactJson {
                    kid: r.text(3)?,
                    enc: r.text(4)?,
                    ct: r.text(5)?,
                },
            });
        }
    }
    // Visitor-log scans are instants: an entry counts for the venue's default stay after it,
    // an exit for the default stay before it.
    let stay = default_stay * 60_000;
    let rows = state
        .db
        .query(
            "SELECT client_id, scanned_at, direction, contact_kid, contact_enc, contact_ct \
             FROM visitors WHERE venue_id = $1 AND scanned_at >= $2 AND scanned_at <= $3",
            &params![
                &w.venue_id,
                bounds.end_at_least - stay,
                bounds.start_at_most + stay
            ],
        )
        .await?;
    for r in rows {
        let at = r.int(1)?;
        let (s, e) = if r.text(2)? == "exit" {
            (at - stay, at)
        } else {
            (at, at + stay)
        };
        if let Some((from, to)) = rule.overlap(w.start, w.end, s, e) {
            out.push(ExportRecord {
                contact: Contact {
                    kind: "visitor".into(),
                    venue_id: w.venue_id.clone(),
                    client_id: r.text(0)?,
                    started_at: s,
                    ended_at: e,
                    overlap_ms: to - from,
                    learns_by: learns_by("visitor").into(),
                },
                sealed: SealedContactJson {
                    kid: r.text(3)?,
                    enc: r.text(4)?,
                    ct: r.text(5)?,
                },
            });
        }
    }
    Ok(out)
}

/// Runs a tracing query, keeps the case (with the sealed records for export) and audits it.
pub async fn create_case(
    state: &AppState,
    officer: &Account,
    input: &CaseInput,
) -> Result<CaseResult> {
    require_tracer(officer)?;
    // Every time given is checked, also the planned end an end overrides.
    if input.visits.iter().any(|v| {
        [v.ended_at, v.planned_end]
            .iter()
            .flatten()
            .any(|t| !super::uploads::time_in_range(*t))
    }) {
        return Err(ServiceError::Invalid(
            "khoảng thời gian không hợp lệ / invalid window".into(),
        ));
    }
    let mut windows = input.windows.clone();
    windows.extend(input.visits.iter().map(|v| Window {
        venue_id: v.venue_id.clone(),
        start: v.started_at,
        end: v.ended_at.or(v.planned_end).unwrap_or(v.started_at),
    }));
    // At most MAX_WINDOWS windows and MAX_WINDOWS visits (each list on its own, as the
    // document says), at least one of either.
    if windows.is_empty() || input.windows.len() > MAX_WINDOWS || input.visits.len() > MAX_WINDOWS {
        return Err(ServiceError::Invalid(
            "cần 1–200 khoảng thời gian hoặc lượt đến / need 1–200 windows or visits".into(),
        ));
    }
    if windows.iter().any(|w| {
        !super::uploads::time_in_range(w.start)
            || !super::uploads::time_in_range(w.end)
            || w.end < w.start
            || w.end - w.start > MAX_STAY_MS
            || !super::uploads::id_ok(&w.venue_id)
    }) {
        return Err(ServiceError::Invalid(
            "khoảng thời gian không hợp lệ / invalid window".into(),
        ));
    }
    super::check_overlap_params(input.tail_ms, input.min_overlap_ms)?;
    let (tail, min_overlap) = super::overlap_params(state, input.tail_ms, input.min_overlap_ms);
    let mut records: Vec<ExportRecord> = Vec::new();
    for w in &windows {
        for r in query_window(state, w, tail, min_overlap).await? {
            // The same record matched by two windows: keep the larger overlap.
            match records.iter_mut().find(|x| {
                x.contact.kind == r.contact.kind
                    && x.contact.venue_id == r.contact.venue_id
                    && x.contact.client_id == r.contact.client_id
            }) {
                Some(x) => x.contact.overlap_ms = x.contact.overlap_ms.max(r.contact.overlap_ms),
                None => records.push(r),
            }
        }
    }
    records.sort_by(|a, b| {
        (a.contact.started_at, &a.contact.client_id)
            .cmp(&(b.contact.started_at, &b.contact.client_id))
    });
    let case_id = format!("C-{}", random_token::<10>()?);
    let now = state.now_ms();
    let windows_json =
        serde_json::to_string(&windows).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut tx = state.db.begin().await?;
    tx.exec(
        "INSERT INTO cases (id, created_by, created_at, tail_ms, min_overlap_ms, windows) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &params![&case_id, &officer.id, now, tail, min_overlap, &windows_json],
    )
    .await?;
    for r in &records {
        tx.exec(
            "INSERT INTO case_records (case_id, kind, venue_id, client_id, started_at, ended_at, \
             overlap_ms, contact_kid, contact_enc, contact_ct) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &params![
                &case_id,
                &r.contact.kind,
                &r.contact.venue_id,
                &r.contact.client_id,
                r.contact.started_at,
                r.contact.ended_at,
                r.contact.overlap_ms,
                &r.sealed.kid,
                &r.sealed.enc,
                &r.sealed.ct
            ],
        )
        .await?;
    }
    tx.commit().await?;
    super::audit::append(
        state,
        &officer.actor(),
        "trace.query",
        &case_id,
        &serde_json::json!({
            "windows": windows.len(),
            "venues": windows.iter().map(|w| w.venue_id.as_str()).collect::<Vec<_>>(),
            "tail_ms": tail,
            "min_overlap_ms": min_overlap,
            "contacts": records.len(),
        })
        .to_string(),
    )
    .await?;
    Ok(CaseResult {
        case_id,
        windows,
        tail_ms: tail,
        min_overlap_ms: min_overlap,
        contacts: records.into_iter().map(|r| r.contact).collect(),
        from_phone: Vec::new(),
    })
}

/// A case's summary (no sealed data), for the portal.
pub async fn get_case(state: &AppState, officer: &Account, case_id: &str) -> Result<CaseResult> {
    require_tracer(officer)?;
    let row = state
        .db
        .query_opt(
            "SELECT tail_ms, min_overlap_ms, windows FROM cases WHERE id = $1",
            &params![case_id],
        )
        .await?
        .ok_or(ServiceError::NotFound)?;
    let windows: Vec<Window> = serde_json::from_str(&row.text(2)?).unwrap_or_default();
    let records = load_records(state, case_id).await?;
    let from_phone = case_visits(state, case_id)
        .await?
        .into_iter()
        .filter(|(_, source)| source == "phone")
        .map(|(w, _)| w)
        .collect();
    super::audit::append(state, &officer.actor(), "trace.view", case_id, "{}").await?;
    Ok(CaseResult {
        case_id: case_id.to_owned(),
        windows,
        tail_ms: row.int(0)?,
        min_overlap_ms: row.int(1)?,
        contacts: records.into_iter().map(|r| r.contact).collect(),
        from_phone,
    })
}

async fn load_records(state: &AppState, case_id: &str) -> Result<Vec<ExportRecord>> {
    let rows = state
        .db
        .query(
            "SELECT kind, venue_id, client_id, started_at, ended_at, overlap_ms, contact_kid, \
             contact_enc, contact_ct FROM case_records WHERE case_id = $1 \
             ORDER BY started_at, client_id",
            &params![case_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ExportRecord {
                contact: Contact {
                    kind: r.text(0)?,
                    venue_id: r.text(1)?,
                    client_id: r.text(2)?,
                    started_at: r.int(3)?,
                    ended_at: r.int(4)?,
                    overlap_ms: r.int(5)?,
                    learns_by: learns_by(&r.text(0)?).into(),
                },
                sealed: SealedContactJson {
                    kid: r.text(6)?,
                    enc: r.text(7)?,
                    ct: r.text(8)?,
                },
            })
        })
        .collect()
}

/// The sealed records of a case, for `quetma trace decrypt`; audited.
pub async fn export_case(state: &AppState, officer: &Account, case_id: &str) -> Result<CaseExport> {
    require_tracer(officer)?;
    let row = state
        .db
        .query_opt(
            "SELECT created_at FROM cases WHERE id = $1",
            &params![case_id],
        )
        .await?
        .ok_or(ServiceError::NotFound)?;
    let records = load_records(state, case_id).await?;
    super::audit::append(
        state,
        &officer.actor(),
        "trace.export",
        case_id,
        &serde_json::json!({"records": records.len()}).to_string(),
    )
    .await?;
    Ok(CaseExport {
        format: EXPORT_FORMAT.into(),
        case_id: case_id.to_owned(),
        created_at: row.int(0)?,
        exported_at: state.now_ms(),
        records,
    })
}

/// Recent cases (id, created, contacts), newest first.
pub async fn list_cases(state: &AppState, officer: &Account) -> Result<Vec<(String, i64, i64)>> {
    require_tracer(officer)?;
    let rows = state
        .db
        .query(
            "SELECT c.id, c.created_at, (SELECT COUNT(*) FROM case_records r WHERE r.case_id = c.id) \
             FROM cases c ORDER BY c.created_at DESC LIMIT 100",
            &[],
        )
        .await?;
    rows.iter()
        .map(|r| Ok((r.text(0)?, r.int(1)?, r.int(2)?)))
        .collect()
}

/// A one-time case code: the confirmed person's phone sends its history with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseCode {
    /// The case the history goes to.
    pub case_id: String,
    /// The code (shown once; only its hash is kept): two digits of window days, then the token.
    pub code: String,
    /// The QR text: `{BASE}/K/{CODE}`, upper case (one alphanumeric QR segment).
    pub qr_text: String,
    /// How many days of history the phone shares (the tracer's choice, default 14).
    pub window_days: i64,
    /// Expiry, Unix ms.
    pub expires_at: i64,
}

/// Asks for a case code; `window_days` defaults to [`DEFAULT_SHARE_DAYS`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseCodeRequest {
    /// Days of history to ask for, 1 to the retention window.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 21)]
    pub window_days: Option<i64>,
}

/// `POST /api/v1/case-share`: a phone's history, sent with a case code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseShare {
    /// The case code (or the QR text holding it).
    #[schema(max_length = 200)]
    pub code: String,
    /// The visits the person saw and agreed to send.
    #[schema(min_items = 1, max_items = 200)]
    pub visits: Vec<CaseVisit>,
}

/// What a share did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseShareResult {
    /// The case.
    pub case_id: String,
    /// Visits recorded (phone-sourced).
    pub visits: usize,
}

/// Default days of history a case code asks for.
pub const DEFAULT_SHARE_DAYS: i64 = 14;
/// How long a case code lives: 24 hours.
pub const CASE_CODE_TTL_MS: i64 = 24 * 3_600_000;

/// The code inside a case-code QR text (or the bare code), upper case.
pub fn case_code_of(text: &str) -> String {
    // Core's reader, the app's own: spaces, dashes, lower case and look-alikes as a person
    // reads a code out; a link's code. Anything else is looked up as typed (and not found).
    match quetma_core::payload::casecode::parse_typed(text) {
        Ok(c) => c.code,
        Err(_) => text.trim().to_uppercase(),
    }
}

/// The window days a code asks for (its first two digits).
pub fn case_code_days(code: &str) -> Option<i64> {
    code.get(..2)?.parse().ok().filter(|d| (1..=99).contains(d))
}

/// Opens a case awaiting the person's history and makes its one-time code; audited.
pub async fn open_case_code(
    state: &AppState,
    officer: &Account,
    req: &CaseCodeRequest,
) -> Result<CaseCode> {
    require_tracer(officer)?;
    let most = (state.config.retention_ms() / crate::db::schema::DAY_MS).clamp(1, 99);
    let days = req.window_days.unwrap_or(DEFAULT_SHARE_DAYS.min(most));
    if !(1..=most).contains(&days) {
        return Err(ServiceError::Invalid(format!(
            "số ngày lịch sử 1–{most} / window 1–{most} days"
        )));
    }
    let (tail, min_overlap) = super::overlap_params(state, None, None);
    let case_id = format!("C-{}", random_token::<10>()?);
    let code = format!("{days:02}{}", random_token::<10>()?);
    let now = state.now_ms();
    let expires_at = now + CASE_CODE_TTL_MS;
    let mut tx = state.db.begin().await?;
    tx.exec(
        "INSERT INTO cases (id, created_by, created_at, tail_ms, min_overlap_ms, windows) \
         VALUES ($1, $2, $3, $4, $5, '[]')",
        &params![&case_id, &officer.id, now, tail, min_overlap],
    )
    .await?;
    tx.exec(
        "INSERT INTO case_codes (code_hash, case_id, window_days, created_by, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        &params![
            super::hash_token(&code),
            &case_id,
            days,
            &officer.id,
            now,
            expires_at
        ],
    )
    .await?;
    tx.commit().await?;
    super::audit::append(
        state,
        &officer.actor(),
        "case.code",
        &case_id,
        &serde_json::json!({"window_days": days, "expires_at": expires_at}).to_string(),
    )
    .await?;
    let base = state
        .config
        .public_base_url
        .trim_end_matches('/')
        .to_uppercase();
    Ok(CaseCode {
        qr_text: format!("{base}/K/{code}"),
        case_id,
        code,
        window_days: days,
        expires_at,
    })
}

/// Takes a phone's history with a case code: the code works once and until it expires; every
/// visit must lie in the code's window. The visits are kept as the case's own, marked `phone`,
/// and the tracing query runs on them (the case's contacts fill in). Audited. `None` when the
/// code is unknown, used or expired.
pub async fn share_history(state: &AppState, share: &CaseShare) -> Result<Option<CaseShareResult>> {
    let code = case_code_of(&share.code);
    let now = state.now_ms();
    if share.visits.is_empty() || share.visits.len() > MAX_WINDOWS {
        return Err(ServiceError::Invalid(
            "cần 1–200 lần check-in / need 1–200 visits".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    let Some(row) = tx
        .query_opt(
            "SELECT case_id, window_days FROM case_codes \
             WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
            &params![super::hash_token(&code), now],
        )
        .await?
    else {
        return Ok(None);
    };
    let (case_id, days) = (row.text(0)?, row.int(1)?);
    let from = now - days * crate::db::schema::DAY_MS;
    let mut windows = Vec::new();
    for v in &share.visits {
        let end = v.ended_at.or(v.planned_end).unwrap_or(v.started_at);
        let ok = super::uploads::time_in_range(v.started_at)
            && super::uploads::time_in_range(end)
            && end >= v.started_at
            && end - v.started_at <= MAX_STAY_MS
            && !v.venue_id.is_empty()
            && v.venue_id.len() <= super::uploads::MAX_ID_BYTES
            && v.venue_id.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(ServiceError::Invalid(
                "lần check-in không hợp lệ / invalid visit".into(),
            ));
        }
        // Well-formed, but not what this code asked for: a conflict with the code's window.
        if end < from || v.started_at > now + quetma_core::api::SKEW_TOLERANCE_MS {
            return Err(ServiceError::Conflict(
                "lần check-in ngoài khoảng thời gian đã hỏi / visit outside the asked window"
                    .into(),
            ));
        }
        windows.push(Window {
            venue_id: v.venue_id.clone(),
            start: v.started_at,
            end,
        });
    }
    let n = tx
        .exec(
            "UPDATE case_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
            &params![now, super::hash_token(&code)],
        )
        .await?;
    if n != 1 {
        return Ok(None);
    }
    for w in &windows {
        tx.exec(
            "INSERT INTO case_visits (case_id, venue_id, started_at, ended_at, source, added_at) \
             VALUES ($1, $2, $3, $4, 'phone', $5)",
            &params![&case_id, &w.venue_id, w.start, w.end, now],
        )
        .await?;
    }
    let case = tx
        .query_opt(
            "SELECT tail_ms, min_overlap_ms, windows FROM cases WHERE id = $1",
            &params![&case_id],
        )
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (tail, min_overlap) = (case.int(0)?, case.int(1)?);
    let mut all: Vec<Window> = serde_json::from_str(&case.text(2)?).unwrap_or_default();
    all.extend(windows.iter().cloned());
    let all_json =
        serde_json::to_string(&all).map_err(|e| ServiceError::Internal(e.to_string()))?;
    tx.exec(
        "UPDATE cases SET windows = $1 WHERE id = $2",
        &params![&all_json, &case_id],
    )
    .await?;
    tx.commit().await?;
    // The contacts of the shared visits, merged into the case's records.
    let mut added = 0usize;
    let known = load_records(state, &case_id).await?;
    let mut seen: std::collections::HashSet<(String, String, String)> = known
        .iter()
        .map(|r| {
            (
                r.contact.kind.clone(),
                r.contact.venue_id.clone(),
                r.contact.client_id.clone(),
            )
        })
        .collect();
    let mut found = Vec::new();
    for w in &windows {
        for r in query_window(state, w, tail, min_overlap).await? {
            let key = (
                r.contact.kind.clone(),
                r.contact.venue_id.clone(),
                r.contact.client_id.clone(),
            );
            if seen.insert(key) {
                found.push(r);
            }
        }
    }
    let mut tx = state.db.begin().await?;
    {
        for r in &found {
            tx.exec(
                "INSERT INTO case_records (case_id, kind, venue_id, client_id, started_at, \
                 ended_at, overlap_ms, contact_kid, contact_enc, contact_ct) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &params![
                    &case_id,
                    &r.contact.kind,
                    &r.contact.venue_id,
                    &r.contact.client_id,
                    r.contact.started_at,
                    r.contact.ended_at,
                    r.contact.overlap_ms,
                    &r.sealed.kid,
                    &r.sealed.enc,
                    &r.sealed.ct
                ],
            )
            .await?;
            added += 1;
        }
    }
    tx.commit().await?;
    super::audit::append(
        state,
        &super::audit::Actor {
            account_id: None,
            username: None,
        },
        "case.share",
        &case_id,
        &serde_json::json!({
            "visits": windows.len(),
            "venues": windows.iter().map(|w| w.venue_id.as_str()).collect::<Vec<_>>(),
            "contacts_added": added,
        })
        .to_string(),
    )
    .await?;
    Ok(Some(CaseShareResult {
        case_id,
        visits: windows.len(),
    }))
}

/// The case's own visits and where each came from (`phone`), oldest first.
pub async fn case_visits(state: &AppState, case_id: &str) -> Result<Vec<(Window, String)>> {
    let rows = state
        .db
        .query(
            "SELECT venue_id, started_at, ended_at, source FROM case_visits WHERE case_id = $1 \
             ORDER BY started_at, venue_id",
            &params![case_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                Window {
                    venue_id: r.text(0)?,
                    start: r.int(1)?,
                    end: r.int(2)?,
                },
                r.text(3)?,
            ))
        })
        .collect()
}
