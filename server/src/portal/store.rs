//! The portal's own queries over the backend's tables (counts for the dashboards, the bulk
//! transaction, scanner listing). Every statement filters on `venue_id` where it touches the
//! check-in tables, as the distributed schema requires.

use std::collections::HashMap;

use quetma_core::payload::venue::{self, VenueInfo};

use super::form::VenueDraft;
use crate::db::{DbError, Value};
use crate::params;
use crate::service::accounts::Account;
use crate::service::venues::{VENUE_COLS, Venue, venue_from};
use crate::service::{AppState, Result, ServiceError, random_token};

/// Vietnam is UTC+7 all year (no daylight saving).
pub const VN_OFFSET_MS: i64 = 7 * 3_600_000;
/// One day, ms.
pub const DAY_MS: i64 = 86_400_000;

/// Start of the Vietnamese calendar day that contains `now_ms`.
pub fn today_start(now_ms: i64) -> i64 {
    (now_ms + VN_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - VN_OFFSET_MS
}

/// `$n, $n+1, …` placeholders for `count` values starting at `$first`.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Scans (app check-ins plus staff scans of entries) per venue since `since_ms`.
pub async fn scan_counts(
    state: &AppState,
    venue_ids: &[String],
    since_ms: i64,
) -> Result<HashMap<String, i64>, DbError> {
    let mut out = HashMap::new();
    // Chunks keep the parameter list short on both engines.
    for chunk in venue_ids.chunks(200) {
        let list = placeholders(2, chunk.len());
        let mut params: Vec<Value> = vec![since_ms.into()];
        params.extend(chunk.iter().map(Value::from));
        let sql = format!(
            "SELECT venue_id, COUNT(*) FROM checkins WHERE venue_id IN ({list}) AND started_at >= $1 \
             GROUP BY venue_id \
             UNION ALL \
             SELECT venue_id, COUNT(*) FROM visitors WHERE venue_id IN ({list}) AND scanned_at >= $1 \
             AND direction <> 'exit' GROUP BY venue_id"
        );
        for r in state.db.query(&sql, &params).await? {
            *out.entry(r.text(0)?).or_insert(0) += r.int(1)?;
        }
    }
    Ok(out)
}

/// One venue's figures for the ward view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VenueCounts {
    /// Scans since the start of today (Vietnam time).
    pub today: i64,
    /// Scans in the week.
    pub week: i64,
    /// App check-ins (the poster) in the week.
    pub poster_week: i64,
    /// Staff scans of entries per checkpoint in the week, by checkpoint name.
    pub checkpoints: Vec<(String, i64)>,
}

/// Today's and the week's scans of many venues, with the week's per-checkpoint split, in two
/// grouped queries per 200 venues (no query per venue: a ward may have hundreds).
pub async fn ward_counts(
    state: &AppState,
    venue_ids: &[String],
    week_start: i64,
    today_start: i64,
) -> Result<HashMap<String, VenueCounts>, DbError> {
    let mut out: HashMap<String, VenueCounts> = HashMap::new();
    for chunk in venue_ids.chunks(200) {
        let list = placeholders(3, chunk.len());
        let mut params: Vec<Value> = vec![week_start.into(), today_start.into()];
        params.extend(chunk.iter().map(Value::from));
        let sql = format!(
            "SELECT venue_id, COUNT(*), SUM(CASE WHEN started_at >= $2 THEN 1 ELSE 0 END) \
             FROM checkins WHERE venue_id IN ({list}) AND started_at >= $1 GROUP BY venue_id"
        );
        for r in state.db.query(&sql, &params).await? {
            let c = out.entry(r.text(0)?).or_default();
            c.week += r.int(1)?;
            c.poster_week += r.int(1)?;
            c.today += r.opt_int(2)?.unwrap_or(0);
        }
        let sql = format!(
            "SELECT venue_id, checkpoint, COUNT(*), \
             SUM(CASE WHEN scanned_at >= $2 THEN 1 ELSE 0 END) FROM visitors \
             WHERE venue_id IN ({list}) AND scanned_at >= $1 AND direction <> 'exit' \
             GROUP BY venue_id, checkpoint ORDER BY venue_id, checkpoint"
        );
        for r in state.db.query(&sql, &params).await? {
            let c = out.entry(r.text(0)?).or_default();
            let n = r.int(2)?;
            c.week += n;
            c.today += r.opt_int(3)?.unwrap_or(0);
            c.checkpoints.push((r.text(1)?, n));
        }
    }
    Ok(out)
}

/// The last reminder sent to each of a ward's venues, Unix ms.
pub async fn last_reminders(
    state: &AppState,
    ward_code: i64,
) -> Result<HashMap<String, i64>, DbError> {
    let rows = state
        .db
        .query(
            "SELECT r.venue_id, MAX(r.sent_at) FROM reminders r JOIN venues v ON v.id = r.venue_id \
             WHERE v.ward_code = $1 GROUP BY r.venue_id",
            &params![ward_code],
        )
        .await?;
    rows.iter().map(|r| Ok((r.text(0)?, r.int(1)?))).collect()
}

/// Every venue (admins' ward view without a ward).
pub async fn all_wards(state: &AppState) -> Result<Vec<i64>, DbError> {
    state
        .db
        .query(
            "SELECT DISTINCT ward_code FROM venues ORDER BY ward_code",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.int(0))
        .collect()
}

/// A scanner bound to a venue, as the owner sees it.
#[derive(Debug, Clone)]
pub struct ScannerRow {
    /// Short id (the first 16 hex digits of the token hash: not enough to use the token).
    pub id: String,
    /// Checkpoint.
    pub checkpoint: String,
    /// Enrolled, Unix ms.
    pub created_at: i64,
    /// Revoked, Unix ms.
    pub revoked_at: Option<i64>,
}

/// A venue's scanners, newest first.
pub async fn scanners(state: &AppState, venue_id: &str) -> Result<Vec<ScannerRow>, DbError> {
    let rows = state
        .db
        .query(
            "SELECT token_hash, checkpoint, created_at, revoked_at FROM scanners \
             WHERE venue_id = $1 ORDER BY created_at DESC",
            &params![venue_id],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ScannerRow {
                id: r.text(0)?.chars().take(16).collect(),
                checkpoint: r.text(1)?,
                created_at: r.int(2)?,
                revoked_at: r.opt_int(3)?,
            })
        })
        .collect()
}

/// Revokes a venue's scanner by short id; whether one was revoked.
pub async fn revoke_scanner(
    state: &AppState,
    venue_id: &str,
    short_id: &str,
) -> Result<bool, DbError> {
    if short_id.len() != 16 || !short_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(false);
    }
    let n = state
        .db
        .exec(
            "UPDATE scanners SET revoked_at = $1 WHERE venue_id = $2 AND revoked_at IS NULL \
             AND substr(token_hash, 1, 16) = $3",
            &params![state.now_ms(), venue_id, short_id.to_ascii_lowercase()],
        )
        .await?;
    Ok(n > 0)
}

/// Creates every venue of a bulk upload in one transaction (all or nothing); the venues, which
/// share `created_at` (the batch id).
pub async fn create_batch(
    state: &AppState,
    owner: &Account,
    drafts: &[VenueDraft],
) -> Result<(i64, Vec<Venue>)> {
    let now = state.now_ms();
    let kid = state.keys.signing.kid().as_str().to_owned();
    let mut venues = Vec::with_capacity(drafts.len());
    let mut rows = Vec::with_capacity(drafts.len());
    for d in drafts {
        let info = VenueInfo {
            venue_id: format!("V-{}", random_token::<5>()?),
            name: d.name.clone(),
            address: d.address.clone(),
            commune_code: d.commune_code,
            category: d.category,
            default_stay_minutes: d.default_stay_minutes,
            issued_at: now / 1000,
        }
        .normalised()
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let text = venue::encode(&info, &state.keys.signing, &state.config.public_base_url)
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        rows.push((info.issued_at, text.clone()));
        venues.push(Venue {
            id: info.venue_id,
            name: info.name,
            address: info.address,
            ward_code: i64::from(info.commune_code),
            category: info.category.as_str().to_owned(),
            default_stay_minutes: i64::from(info.default_stay_minutes),
            owner_id: Some(owner.id.clone()),
            suspended: false,
            flagged: false,
            reminder_count: 0,
            poster_text: text,
            created_at: now,
        });
    }
    let mut tx = state.db.begin().await?;
    for (v, (issued_at, text)) in venues.iter().zip(&rows) {
        tx.exec(
            "INSERT INTO venues (id, name, address, ward_code, category, default_stay_minutes, \
             owner_id, poster_kid, poster_text, issued_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &params![
                &v.id,
                &v.name,
                &v.address,
                v.ward_code,
                &v.category,
                v.default_stay_minutes,
                &owner.id,
                &kid,
                text,
                *issued_at,
                now
            ],
        )
        .await?;
    }
    tx.commit().await?;
    Ok((now, venues))
}

/// The venues of one bulk batch of `owner_id`.
pub async fn batch(state: &AppState, owner_id: &str, batch: i64) -> Result<Vec<Venue>> {
    let rows = state
        .db
        .query(
            &format!(
                "SELECT {VENUE_COLS} FROM venues WHERE owner_id = $1 AND created_at = $2 ORDER BY id"
            ),
            &params![owner_id, batch],
        )
        .await?;
    rows.iter().map(venue_from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_midnight() {
        // 2026-11-25 17:30 UTC is 00:30 on the 26th in Hà Nội.
        let t = 1_795_627_800_000;
        assert_eq!((today_start(t) + VN_OFFSET_MS) % DAY_MS, 0);
        assert!(t - today_start(t) < DAY_MS);
        assert_eq!(t - today_start(t), 30 * 60_000);
    }
}
