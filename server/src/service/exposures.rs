//! Exposure notices: published by a tracing officer, served as a signed list with deltas.

use quetma_core::api::{ExposureLevel, ExposureList, ExposureNotice};
use serde::{Deserialize, Serialize};

use super::accounts::{Account, Role};
use super::{AppState, Result, ServiceError, random_token};
use crate::db::Row;
use crate::params;

/// What a tracing officer publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeInput {
    /// Venue.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[!-~]{1,100}$",
        example = "V7K2M9"
    )]
    pub venue_id: String,
    /// The case arrived, Unix ms (1970 to 2100).
    #[schema(minimum = 0, maximum = 4_102_444_800_000_i64)]
    pub start: i64,
    /// The case left, Unix ms (1970 to 2100; not before `start`, at most a day after).
    #[schema(minimum = 0, maximum = 4_102_444_800_000_i64)]
    pub end: i64,
    /// Tail after `end`, ms (deployment default when absent).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 86_400_000)]
    pub tail_ms: Option<i64>,
    /// Least overlap, ms (deployment default when absent).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 86_400_000)]
    pub min_overlap_ms: Option<i64>,
    /// Level (`high` when absent).
    #[serde(default)]
    pub level: Option<ExposureLevel>,
    /// Guidance, Vietnamese (a standard text when absent).
    #[serde(default)]
    pub guidance_vi: Option<String>,
    /// Guidance, English.
    #[serde(default)]
    pub guidance_en: Option<String>,
    /// The case this comes from.
    #[serde(default)]
    pub case_id: Option<String>,
}

/// Standard guidance, Vietnamese.
pub const GUIDANCE_VI: &str = "Bạn có thể đã tiếp xúc với ca bệnh. Hãy theo dõi sức khoẻ, hạn chế \
tiếp xúc và liên hệ trạm y tế phường / xã để được hướng dẫn xét nghiệm.";
/// Standard guidance, English.
pub const GUIDANCE_EN: &str = "You may have been in contact with a case. Watch your health, limit \
contacts and call your ward health station for testing advice.";

/// Columns [`notice_from`] reads.
pub(crate) const NOTICE_COLS: &str = "id, venue_id, start_at, end_at, tail_ms, min_overlap_ms, level, \
    guidance_vi, guidance_en, published_at, seq, withdrawn";

/// An [`ExposureNotice`] from a row of [`NOTICE_COLS`].
pub(crate) fn notice_from(r: &Row) -> Result<ExposureNotice> {
    Ok(ExposureNotice {
        id: r.text(0)?,
        venue_id: r.text(1)?,
        start: r.int(2)?,
        end: r.int(3)?,
        tail_ms: r.int(4)?,
        min_overlap_ms: r.int(5)?,
        level: if r.text(6)? == "low" {
            ExposureLevel::Low
        } else {
            ExposureLevel::High
        },
        guidance_vi: r.text(7)?,
        guidance_en: r.text(8)?,
        published_at: r.int(9)?,
        seq: r.int(10)?,
        withdrawn: r.flag(11)?,
    })
}

fn require_tracer(account: &Account) -> Result<()> {
    if account.role == Role::TracingOfficer {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Inserts a row with the next sequence number, retrying if another publisher took it.
async fn next_seq_exec(
    state: &AppState,
    sql: &str,
    mut params: Vec<crate::db::Value>,
) -> Result<i64> {
    for _ in 0..5 {
        let row = state
            .db
            .query_opt("SELECT COALESCE(MAX(seq), 0) + 1 FROM notices", &[])
            .await?;
        let seq = row.map(|r| r.int(0)).transpose()?.unwrap_or(1);
        params.push(seq.into());
        match state.db.exec(sql, &params).await {
            Ok(_) => return Ok(seq),
            Err(e) if e.is_unique_violation() => {
                params.pop();
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Internal("notice sequence contention".into()))
}

/// Checks a notice's window and venue.
async fn validate_input(state: &AppState, input: &NoticeInput) -> Result<()> {
    if !super::uploads::time_in_range(input.start)
        || !super::uploads::time_in_range(input.end)
        || input.end < input.start
        || input.end - input.start > super::uploads::MAX_STAY_MS
    {
        return Err(ServiceError::Invalid(
            "khoảng thời gian không hợp lệ / invalid window".into(),
        ));
    }
    if super::venues::get_venue(state, &input.venue_id)
        .await?
        .is_none()
    {
        // Like every other call naming a venue that is not there: 404.
        return Err(ServiceError::NotFound);
    }
    super::check_overlap_params(input.tail_ms, input.min_overlap_ms)?;
    Ok(())
}

/// Inserts one notice (already validated and let through by the breaker); audited.
async fn insert_notice(
    state: &AppState,
    officer: &Account,
    batch_id: &str,
    input: &NoticeInput,
) -> Result<ExposureNotice> {
    let (tail, min_overlap) = super::overlap_params(state, input.tail_ms, input.min_overlap_ms);
    let level = input.level.unwrap_or(ExposureLevel::High);
    let id = format!("N-{}", random_token::<10>()?);
    let now = state.now_ms();
    let vi = input
        .guidance_vi
        .clone()
        .unwrap_or_else(|| GUIDANCE_VI.into());
    let en = input
        .guidance_en
        .clone()
        .unwrap_or_else(|| GUIDANCE_EN.into());
    let seq = next_seq_exec(
        state,
        "INSERT INTO notices (id, venue_id, start_at, end_at, tail_ms, min_overlap_ms, level, \
         guidance_vi, guidance_en, published_at, case_id, published_by, batch_id, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        params![
            &id,
            &input.venue_id,
            input.start,
            input.end,
            tail,
            min_overlap,
            if level == ExposureLevel::Low {
                "low"
            } else {
                "high"
            },
            &vi,
            &en,
            now,
            input.case_id.clone(),
            &officer.id,
            batch_id
        ]
        .to_vec(),
    )
    .await?;
    super::audit::append(
        state,
        &officer.actor(),
        "notice.publish",
        &id,
        &serde_json::json!({"venue_id": input.venue_id, "seq": seq, "batch_id": batch_id})
            .to_string(),
    )
    .await?;
    Ok(ExposureNotice {
        id,
        venue_id: input.venue_id.clone(),
        start: input.start,
        end: input.end,
        tail_ms: tail,
        min_overlap_ms: min_overlap,
        level,
        guidance_vi: vi,
        guidance_en: en,
        published_at: now,
        seq,
        withdrawn: false,
    })
}

/// Publishes one notice (tracing officers only); audited. It goes through the same circuit
/// breaker as a batch: above the approval threshold it is refused here (409) — submit it with
/// `POST /api/v1/notice-batches` so a second officer can approve it.
pub async fn publish_notice(
    state: &AppState,
    officer: &Account,
    input: &NoticeInput,
) -> Result<ExposureNotice> {
    require_tracer(officer)?;
    let reach = preview_batch(state, officer, std::slice::from_ref(input)).await?;
    if reach.needs_approval {
        return Err(ServiceError::Conflict(
            "thông báo vượt ngưỡng, cần cán bộ thứ hai phê duyệt: gửi qua /api/v1/notice-batches \
             / above the threshold, a second officer must approve: submit it to \
             /api/v1/notice-batches"
                .into(),
        ));
    }
    let batch = submit_batch(
        state,
        officer,
        &NoticeBatchInput {
            notices: vec![input.clone()],
        },
    )
    .await?;
    batch
        .notices
        .into_iter()
        .next()
        .ok_or_else(|| ServiceError::Internal("published batch without its notice".into()))
}

/// Withdraws a notice: it gets a new sequence number so deltas carry the withdrawal.
pub async fn withdraw_notice(state: &AppState, officer: &Account, id: &str) -> Result<()> {
    require_tracer(officer)?;
    if state
        .db
        .query_opt("SELECT id FROM notices WHERE id = $1", &params![id])
        .await?
        .is_none()
    {
        return Err(ServiceError::NotFound);
    }
    let seq = next_seq_exec(
        state,
        "UPDATE notices SET withdrawn = 1, seq = $2 WHERE id = $1",
        params![id].to_vec(),
    )
    .await?;
    super::audit::append(
        state,
        &officer.actor(),
        "notice.withdraw",
        id,
        &serde_json::json!({"seq": seq}).to_string(),
    )
    .await?;
    Ok(())
}

/// The highest sequence number.
pub async fn latest_seq(state: &AppState) -> Result<i64> {
    let row = state
        .db
        .query_opt("SELECT COALESCE(MAX(seq), 0) FROM notices", &[])
        .await?;
    Ok(row.map(|r| r.int(0)).transpose()?.unwrap_or(0))
}

/// Notices with `seq > since`, ascending (0: the full list).
pub async fn exposure_list(state: &AppState, since: i64) -> Result<ExposureList> {
    let rows = state
        .db
        .query(
            &format!("SELECT {NOTICE_COLS} FROM notices WHERE seq > $1 ORDER BY seq"),
            &params![since.max(0)],
        )
        .await?;
    let notices = rows.iter().map(notice_from).collect::<Result<Vec<_>>>()?;
    let latest = match notices.last() {
        Some(n) => n.seq,
        None => latest_seq(state).await?,
    };
    Ok(ExposureList {
        issued_at: state.now_ms(),
        since: since.max(0),
        latest_seq: latest,
        notices,
    })
}

// ---------------------------------------------------------------------------------------------
// The circuit breaker: notices go out in batches; what a batch would reach is shown first; above
// the deployment's threshold a second officer approves it; an hourly cap holds for everyone; a
// whole batch is withdrawn at once (each notice gets a new sequence number with `withdrawn`, so
// every phone's next delta clears those alerts).

/// Most notices in one batch.
pub const MAX_BATCH: usize = 200;

/// What a tracing officer submits at once (a case's venues).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeBatchInput {
    /// The notices (1–200).
    #[schema(min_items = 1, max_items = 200)]
    pub notices: Vec<NoticeInput>,
}

/// What a batch would reach, and whether the breaker holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeReach {
    /// Distinct venues.
    pub venues: i64,
    /// Recorded visits overlapping the notices' windows (app, web, staff scans, SMS).
    pub visits: i64,
    /// Of those, app check-ins: the phones that will raise an alert.
    pub app_visits: i64,
    /// Above the threshold: a second tracing officer must approve.
    pub needs_approval: bool,
    /// The deployment's threshold, recorded visits.
    pub threshold_visits: i64,
    /// The deployment's threshold, venues.
    pub threshold_venues: i64,
    /// Notices published in the last hour (everyone's).
    pub published_last_hour: i64,
    /// Most notices in any hour.
    pub hourly_cap: i64,
}

/// A submitted batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeBatch {
    /// Batch id.
    #[schema(example = "B-ABCDEFGHIJKLMNOP")]
    pub id: String,
    /// `pending` (waits for a second officer), `published` or `withdrawn`.
    #[schema(pattern = "^(pending|published|withdrawn)$")]
    pub status: String,
    /// Submitted by (account id).
    pub created_by: String,
    /// Submitted, Unix ms.
    pub created_at: i64,
    /// The case it comes from.
    pub case_id: Option<String>,
    /// Venues reached (when submitted).
    pub venues: i64,
    /// Recorded visits reached (when submitted).
    pub visits: i64,
    /// Approved by (account id), when it needed approval.
    pub approved_by: Option<String>,
    /// Approved, Unix ms.
    pub approved_at: Option<i64>,
    /// Withdrawn by (account id).
    pub withdrawn_by: Option<String>,
    /// Withdrawn, Unix ms.
    pub withdrawn_at: Option<i64>,
    /// What was submitted.
    pub inputs: Vec<NoticeInput>,
    /// The notices published from it (none while pending).
    pub notices: Vec<ExposureNotice>,
}

/// `pending`, `published`, `withdrawn`.
pub const BATCH_STATUSES: [&str; 3] = ["pending", "published", "withdrawn"];

async fn published_last_hour(state: &AppState) -> Result<i64> {
    let row = state
        .db
        .query_opt(
            "SELECT COUNT(*) FROM notices WHERE published_at > $1",
            &params![state.now_ms() - 3_600_000],
        )
        .await?;
    Ok(row.map(|r| r.int(0)).transpose()?.unwrap_or(0))
}

async fn check_cap(state: &AppState, adding: usize) -> Result<()> {
    let cap = state.config.notices_per_hour;
    let done = published_last_hour(state).await?;
    if done + adding as i64 > cap {
        return Err(ServiceError::TooMany(format!(
            "đã đạt giới hạn {cap} thông báo mỗi giờ ({done} trong giờ qua); thử lại sau / the \
             cap of {cap} notices an hour is reached ({done} in the last hour); try later"
        )));
    }
    Ok(())
}

/// What `inputs` would reach (tracing officers only); nothing is stored. Audited, as every
/// look at the check-in records is.
pub async fn preview_batch(
    state: &AppState,
    officer: &Account,
    inputs: &[NoticeInput],
) -> Result<NoticeReach> {
    require_tracer(officer)?;
    if inputs.is_empty() || inputs.len() > MAX_BATCH {
        return Err(ServiceError::Invalid(
            "cần 1–200 thông báo / need 1–200 notices".into(),
        ));
    }
    let mut venues = std::collections::BTreeSet::new();
    let (mut visits, mut app_visits) = (0i64, 0i64);
    // A record reached by two notices of the batch is one visit.
    let mut seen = std::collections::HashSet::new();
    for input in inputs {
        validate_input(state, input).await?;
        let (tail, min_overlap) = super::overlap_params(state, input.tail_ms, input.min_overlap_ms);
        let w = super::cases::Window {
            venue_id: input.venue_id.clone(),
            start: input.start,
            end: input.end,
        };
        venues.insert(input.venue_id.clone());
        for r in super::cases::query_window(state, &w, tail, min_overlap).await? {
            let c = r.contact;
            if seen.insert((c.kind.clone(), c.venue_id, c.client_id, c.started_at)) {
                visits += 1;
                app_visits += i64::from(c.kind == "visit");
            }
        }
    }
    let venues = venues.len() as i64;
    let cfg = &state.config;
    Ok(NoticeReach {
        venues,
        visits,
        app_visits,
        needs_approval: visits > cfg.notice_approval_visits || venues > cfg.notice_approval_venues,
        threshold_visits: cfg.notice_approval_visits,
        threshold_venues: cfg.notice_approval_venues,
        published_last_hour: published_last_hour(state).await?,
        hourly_cap: cfg.notices_per_hour,
    })
}

const BATCH_COLS: &str = "id, status, created_by, created_at, case_id, venues, visits, inputs, \
    approved_by, approved_at, withdrawn_by, withdrawn_at";

async fn batch_from(state: &AppState, r: &Row) -> Result<NoticeBatch> {
    let id = r.text(0)?;
    let inputs: Vec<NoticeInput> = serde_json::from_str(&r.text(7)?)
        .map_err(|e| ServiceError::Internal(format!("notice batch {id}: {e}")))?;
    let notices = state
        .db
        .query(
            &format!("SELECT {NOTICE_COLS} FROM notices WHERE batch_id = $1 ORDER BY seq"),
            &params![&id],
        )
        .await?
        .iter()
        .map(notice_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(NoticeBatch {
        status: r.text(1)?,
        created_by: r.text(2)?,
        created_at: r.int(3)?,
        case_id: r.opt_text(4)?,
        venues: r.int(5)?,
        visits: r.int(6)?,
        approved_by: r.opt_text(8)?,
        approved_at: r.opt_int(9)?,
        withdrawn_by: r.opt_text(10)?,
        withdrawn_at: r.opt_int(11)?,
        inputs,
        notices,
        id,
    })
}

/// One batch (tracing officers only).
pub async fn get_batch(state: &AppState, officer: &Account, id: &str) -> Result<NoticeBatch> {
    require_tracer(officer)?;
    let row = state
        .db
        .query_opt(
            &format!("SELECT {BATCH_COLS} FROM notice_batches WHERE id = $1"),
            &params![id],
        )
        .await?
        .ok_or(ServiceError::NotFound)?;
    batch_from(state, &row).await
}

/// The latest batches, newest first (tracing officers only); `case_id` narrows to one case.
pub async fn list_batches(
    state: &AppState,
    officer: &Account,
    case_id: Option<&str>,
) -> Result<Vec<NoticeBatch>> {
    require_tracer(officer)?;
    let rows = match case_id {
        Some(c) => {
            state
                .db
                .query(
                    &format!(
                        "SELECT {BATCH_COLS} FROM notice_batches WHERE case_id = $1 \
                         ORDER BY created_at DESC, id LIMIT 200"
                    ),
                    &params![c],
                )
                .await?
        }
        None => {
            state
                .db
                .query(
                    &format!(
                        "SELECT {BATCH_COLS} FROM notice_batches \
                         ORDER BY created_at DESC, id LIMIT 200"
                    ),
                    &[],
                )
                .await?
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(batch_from(state, r).await?);
    }
    Ok(out)
}

/// Submits a batch (tracing officers only): published at once when within the threshold,
/// else kept `pending` for a second officer. Both are audited, with the reach. Publishing
/// texts the check-ins by SMS the notices reach (in the background, once per notice and
/// check-in; `service::sms_checkin`).
pub async fn submit_batch(
    state: &AppState,
    officer: &Account,
    input: &NoticeBatchInput,
) -> Result<NoticeBatch> {
    let reach = preview_batch(state, officer, &input.notices).await?;
    let case_id = input.notices.iter().find_map(|n| n.case_id.clone());
    if !reach.needs_approval {
        check_cap(state, input.notices.len()).await?;
    }
    let id = format!("B-{}", random_token::<10>()?);
    let now = state.now_ms();
    let inputs =
        serde_json::to_string(&input.notices).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let status = if reach.needs_approval {
        "pending"
    } else {
        "published"
    };
    state
        .db
        .exec(
            "INSERT INTO notice_batches (id, status, created_by, created_at, case_id, venues, \
             visits, inputs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &params![
                &id,
                status,
                &officer.id,
                now,
                case_id.clone(),
                reach.venues,
                reach.visits,
                &inputs
            ],
        )
        .await?;
    super::audit::append(
        state,
        &officer.actor(),
        if reach.needs_approval {
            "notice.batch_held"
        } else {
            "notice.batch_publish"
        },
        &id,
        &serde_json::json!({
            "notices": input.notices.len(), "venues": reach.venues, "visits": reach.visits,
            "app_visits": reach.app_visits, "case_id": case_id,
        })
        .to_string(),
    )
    .await?;
    if !reach.needs_approval {
        let mut published = Vec::with_capacity(input.notices.len());
        for n in &input.notices {
            published.push(insert_notice(state, officer, &id, n).await?);
        }
        // The same number gets the exposure SMS: check-ins by SMS the notices reach.
        super::sms_checkin::spawn_exposure_sms(state, officer.actor(), published);
    }
    get_batch(state, officer, &id).await
}

/// Moves a batch from `from` to `to` status, only if it is still in `from` (two officers at
/// once: one wins). Whether it moved.
async fn move_status(
    state: &AppState,
    id: &str,
    from: &str,
    set: &str,
    params: Vec<crate::db::Value>,
) -> Result<bool> {
    let mut p = vec![id.into(), from.into()];
    p.extend(params);
    Ok(state
        .db
        .exec(
            &format!("UPDATE notice_batches SET {set} WHERE id = $1 AND status = $2"),
            &p,
        )
        .await?
        == 1)
}

/// Approves a pending batch and publishes it (a tracing officer other than the one who
/// submitted it); the hourly cap applies. Audited.
pub async fn approve_batch(state: &AppState, officer: &Account, id: &str) -> Result<NoticeBatch> {
    let batch = get_batch(state, officer, id).await?;
    if batch.status != "pending" {
        return Err(ServiceError::Conflict(
            "đợt thông báo không chờ phê duyệt / the batch is not waiting for approval".into(),
        ));
    }
    if batch.created_by == officer.id {
        return Err(ServiceError::Forbidden);
    }
    check_cap(state, batch.inputs.len()).await?;
    let now = state.now_ms();
    if !move_status(
        state,
        id,
        "pending",
        "status = 'published', approved_by = $3, approved_at = $4",
        vec![officer.id.clone().into(), now.into()],
    )
    .await?
    {
        return Err(ServiceError::Conflict(
            "đợt thông báo vừa được xử lý / the batch was just handled".into(),
        ));
    }
    super::audit::append(
        state,
        &officer.actor(),
        "notice.batch_approve",
        id,
        &serde_json::json!({
            "submitted_by": batch.created_by, "notices": batch.inputs.len(),
            "venues": batch.venues, "visits": batch.visits,
        })
        .to_string(),
    )
    .await?;
    let mut published = Vec::with_capacity(batch.inputs.len());
    for n in &batch.inputs {
        published.push(insert_notice(state, officer, id, n).await?);
    }
    super::sms_checkin::spawn_exposure_sms(state, officer.actor(), published);
    get_batch(state, officer, id).await
}

/// Withdraws a whole batch (tracing officers only): a pending one is dropped unpublished; a
/// published one has every notice withdrawn (new sequence numbers, so the phones' next delta
/// clears their alerts). Audited.
pub async fn withdraw_batch(state: &AppState, officer: &Account, id: &str) -> Result<NoticeBatch> {
    let batch = get_batch(state, officer, id).await?;
    if batch.status == "withdrawn" {
        return Err(ServiceError::Conflict(
            "đợt thông báo đã được rút lại / the batch is already withdrawn".into(),
        ));
    }
    let now = state.now_ms();
    if !move_status(
        state,
        id,
        &batch.status,
        "status = 'withdrawn', withdrawn_by = $3, withdrawn_at = $4",
        vec![officer.id.clone().into(), now.into()],
    )
    .await?
    {
        return Err(ServiceError::Conflict(
            "đợt thông báo vừa được xử lý / the batch was just handled".into(),
        ));
    }
    let mut withdrawn = 0;
    for n in batch.notices.iter().filter(|n| !n.withdrawn) {
        let seq = next_seq_exec(
            state,
            "UPDATE notices SET withdrawn = 1, seq = $2 WHERE id = $1",
            params![&n.id].to_vec(),
        )
        .await?;
        super::audit::append(
            state,
            &officer.actor(),
            "notice.withdraw",
            &n.id,
            &serde_json::json!({"seq": seq, "batch_id": id}).to_string(),
        )
        .await?;
        withdrawn += 1;
    }
    super::audit::append(
        state,
        &officer.actor(),
        "notice.batch_withdraw",
        id,
        &serde_json::json!({"was": batch.status, "notices_withdrawn": withdrawn}).to_string(),
    )
    .await?;
    get_batch(state, officer, id).await
}
