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

const NOTICE_COLS: &str = "id, venue_id, start_at, end_at, tail_ms, min_overlap_ms, level, \
    guidance_vi, guidance_en, published_at, seq, withdrawn";

fn notice_from(r: &Row) -> Result<ExposureNotice> {
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

/// Publishes a notice (tracing officers only); audited.
pub async fn publish_notice(
    state: &AppState,
    officer: &Account,
    input: &NoticeInput,
) -> Result<ExposureNotice> {
    require_tracer(officer)?;
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
         guidance_vi, guidance_en, published_at, case_id, published_by, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
            &officer.id
        ]
        .to_vec(),
    )
    .await?;
    super::audit::append(
        state,
        &officer.actor(),
        "notice.publish",
        &id,
        &serde_json::json!({"venue_id": input.venue_id, "seq": seq}).to_string(),
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
