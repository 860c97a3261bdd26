//! `POST /api/v1/uploads`: validate each item, correct the phone's clock skew, store.
//!
//! Idempotent by client id: the latest body per (venue, client id) wins — an item is stored by
//! deleting any earlier body under the same id and inserting the new one in one transaction, so
//! a resend answers `accepted` again and a check-out replaces its check-in.

use std::collections::HashMap;

use quetma_core::api::{
    MAX_BATCH_ITEMS, RejectReason, Rejected, SKEW_TOLERANCE_MS, UploadBatch, UploadResponse,
};
use quetma_core::outbox::{SealedContactJson, VisitUpload, VisitorUpload};

use super::{AppState, Result, ServiceError};
use crate::db::schema::DAY_MS;
use crate::db::{Backend, Tx, Value};
use crate::params;

/// Longest stay the server keeps (hotels): 31 days.
pub const MAX_STAY_MS: i64 = 31 * DAY_MS;
/// Longest id (client id, venue id, key id), bytes.
pub const MAX_ID_BYTES: usize = 100;
/// Longest sealed ciphertext, Base64url characters.
pub const MAX_SEALED_CHARS: usize = 4096;
/// Latest time the server takes, Unix ms (2100-01-01T00:00:00Z). Every time that enters the
/// server (uploads, `sent_at`, case windows, notices) lies in `0..=MAX_TIME_MS`, so sums and
/// differences of two times never overflow.
pub const MAX_TIME_MS: i64 = 4_102_444_800_000;

/// Whether a time, Unix ms, is one the server takes (1970 to 2100).
pub fn time_in_range(ms: i64) -> bool {
    (0..=MAX_TIME_MS).contains(&ms)
}

/// A check-in row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinRow {
    /// Venue.
    pub venue_id: String,
    /// Client id.
    pub client_id: String,
    /// `app` (uploaded by a phone) or `web` (the web check-in page).
    pub source: String,
    /// Start, Unix ms.
    pub started_at: i64,
    /// End, if known.
    pub ended_at: Option<i64>,
    /// Planned automatic end.
    pub planned_end: i64,
    /// Key that signed the poster.
    pub poster_kid: String,
    /// Sealed contact record.
    pub contact: SealedContactJson,
    /// Received, Unix ms.
    pub received_at: i64,
}

/// A visitor-log row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorRow {
    /// Venue.
    pub venue_id: String,
    /// Client id.
    pub client_id: String,
    /// Checkpoint.
    pub checkpoint: String,
    /// `entry` / `exit`.
    pub direction: String,
    /// Scanned, Unix ms.
    pub scanned_at: i64,
    /// Identification source.
    pub source: String,
    /// Sealed contact record.
    pub contact: SealedContactJson,
    /// Received, Unix ms.
    pub received_at: i64,
}

/// Whether an id (venue, client, key) is one the server takes: 1–100 printable ASCII bytes.
pub fn id_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_ID_BYTES && s.bytes().all(|b| b.is_ascii_graphic())
}

fn b64_ok(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && data_encoding::BASE64URL_NOPAD.decode(s.as_bytes()).is_ok()
}

/// Whether a sealed record is well-formed (Base64url, bounded).
pub fn sealed_ok(c: &SealedContactJson) -> bool {
    id_ok(&c.kid) && b64_ok(&c.enc, 256) && b64_ok(&c.ct, MAX_SEALED_CHARS)
}

const VISITOR_SOURCES: [&str; 5] = ["personal_qr", "cccd", "bhyt", "national_qr", "manual"];

/// What the batch's times are shifted by: the skew past the tolerance, else 0.
pub fn skew_correction(now: i64, sent_at: i64) -> i64 {
    let skew = now.saturating_sub(sent_at);
    if skew.abs() > SKEW_TOLERANCE_MS {
        skew
    } else {
        0
    }
}

/// Checks the times of an item (already skew-corrected).
fn check_times(now: i64, retention_ms: i64, start: i64, end: i64) -> Option<RejectReason> {
    if !time_in_range(start) || !time_in_range(end) {
        return Some(RejectReason::Invalid);
    }
    let too_long = end.checked_sub(start).is_none_or(|d| d > MAX_STAY_MS);
    if start > now.saturating_add(SKEW_TOLERANCE_MS) || end < start || too_long {
        return Some(RejectReason::Invalid);
    }
    if start < now.saturating_sub(retention_ms) {
        return Some(RejectReason::Expired);
    }
    None
}

/// Processes one batch. `scanner_venue` is the venue of the `Authorization` scanner token, if
/// one came with the request and is live.
pub async fn process_batch(
    state: &AppState,
    batch: &UploadBatch,
    scanner_venue: Option<&str>,
) -> Result<UploadResponse> {
    let now = state.now_ms();
    if batch.visits.len() > MAX_BATCH_ITEMS || batch.visitors.len() > MAX_BATCH_ITEMS {
        return Err(ServiceError::Invalid("too many items".into()));
    }
    if !time_in_range(batch.sent_at) {
        return Err(ServiceError::Invalid(
            "thời điểm gửi không hợp lệ / sent_at out of range".into(),
        ));
    }
    let shift = skew_correction(now, batch.sent_at);
    let retention = state.config.retention_ms();
    // Each venue once: (suspended, longest stay recorded).
    let venues = lookup_venues(state, batch).await?;
    let venue_check = |id: &str| match venues.get(id) {
        Some((false, _)) => None,
        Some((true, _)) => Some(RejectReason::VenueSuspended),
        None => Some(RejectReason::UnknownVenue),
    };
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    // Every accepted visit in batch order: a row to store, or `None` for a cancellation.
    let mut visits: Vec<((String, String), Option<CheckinRow>)> = Vec::new();
    for v in &batch.visits {
        // A poster signed by a key the server does not trust is no poster of this deployment.
        let unknown_kid = || {
            state
                .keys
                .trust
                .get(&v.poster_kid)
                .is_none()
                .then_some(RejectReason::Invalid)
        };
        match check_visit(v, shift, now, retention)
            .or_else(unknown_kid)
            .or_else(|| venue_check(&v.venue_id))
        {
            Some(reason) => rejected.push(Rejected {
                client_id: echo_id(&v.client_id),
                reason,
            }),
            None => {
                accepted.push(v.client_id.clone());
                let key = (v.venue_id.clone(), v.client_id.clone());
                // Checked by `check_visit`: the shifted times are in range.
                let row = (!v.cancelled).then(|| CheckinRow {
                    venue_id: v.venue_id.clone(),
                    client_id: v.client_id.clone(),
                    source: "app".into(),
                    started_at: v.started_at.saturating_add(shift),
                    ended_at: v.ended_at.map(|e| e.saturating_add(shift)),
                    planned_end: v.planned_end.saturating_add(shift),
                    poster_kid: v.poster_kid.clone(),
                    contact: v.contact.clone(),
                    received_at: now,
                });
                visits.push((key, row));
            }
        }
    }
    let mut visitors = Vec::new();
    for v in &batch.visitors {
        let reason = check_visitor(v, shift, now, retention)
            .or_else(|| venue_check(&v.venue_id))
            .or_else(|| {
                (scanner_venue != Some(v.venue_id.as_str())).then_some(RejectReason::NotEnrolled)
            });
        match reason {
            Some(reason) => rejected.push(Rejected {
                client_id: echo_id(&v.client_id),
                reason,
            }),
            None => {
                accepted.push(v.client_id.clone());
                visitors.push(VisitorRow {
                    venue_id: v.venue_id.clone(),
                    client_id: v.client_id.clone(),
                    checkpoint: v.checkpoint.clone(),
                    direction: v.direction.clone(),
                    scanned_at: v.scanned_at.saturating_add(shift),
                    source: v.source.clone(),
                    contact: v.contact.clone(),
                    received_at: now,
                });
            }
        }
    }
    let mut checkins = Vec::new();
    let mut cancelled = Vec::new();
    for (key, row) in latest_per_id(visits, |(k, _)| k.clone()) {
        match row {
            Some(r) => checkins.push(r),
            None => cancelled.push(key),
        }
    }
    let visitors = latest_per_id(visitors, |v| (v.venue_id.clone(), v.client_id.clone()));
    let mut seen = std::collections::HashSet::new();
    accepted.retain(|id| seen.insert(id.clone()));
    let stays = venues
        .into_iter()
        .map(|(id, (_, stay))| (id, stay))
        .collect();
    store_known(state, &checkins, &cancelled, &visitors, &stays).await?;
    Ok(UploadResponse {
        accepted,
        rejected,
        server_time: now,
    })
}

/// The batch's venues (valid ids only): suspended, longest stay. One query on PostgreSQL.
async fn lookup_venues(
    state: &AppState,
    batch: &UploadBatch,
) -> Result<HashMap<String, (bool, i64)>> {
    let mut ids: Vec<String> = batch
        .visits
        .iter()
        .map(|v| &v.venue_id)
        .chain(batch.visitors.iter().map(|v| &v.venue_id))
        .filter(|id| id_ok(id))
        .cloned()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = match state.db.backend() {
        Backend::Postgres => {
            state
                .db
                .query(
                    "SELECT id, suspended, max_stay_ms FROM venues WHERE id = ANY($1)",
                    &[Value::TextArray(ids)],
                )
                .await?
        }
        Backend::Sqlite => {
            let mut rows = Vec::new();
            for id in &ids {
                rows.extend(
                    state
                        .db
                        .query_opt(
                            "SELECT id, suspended, max_stay_ms FROM venues WHERE id = $1",
                            &params![id],
                        )
                        .await?,
                );
            }
            rows
        }
    };
    for r in rows {
        out.insert(r.text(0)?, (r.flag(1)?, r.int(2)?));
    }
    Ok(out)
}

/// A rejected item's client id as echoed back: at most [`MAX_ID_BYTES`] (an over-long id is
/// rejected as invalid, not sent back whole).
pub fn echo_id(id: &str) -> String {
    let mut end = id.len().min(MAX_ID_BYTES);
    while !id.is_char_boundary(end) {
        end -= 1;
    }
    id[..end].to_owned()
}

/// One record per (venue, client id) within a batch: of several items under one id the latest
/// in the batch wins (as a resend in a later batch would), the others are dropped; order kept.
pub fn latest_per_id<T>(items: Vec<T>, key: impl Fn(&T) -> (String, String)) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<T> = items
        .into_iter()
        .rev()
        .filter(|i| seen.insert(key(i)))
        .collect();
    out.reverse();
    out
}

fn check_visit(v: &VisitUpload, shift: i64, now: i64, retention: i64) -> Option<RejectReason> {
    if !id_ok(&v.client_id)
        || !id_ok(&v.venue_id)
        || !id_ok(&v.poster_kid)
        || !sealed_ok(&v.contact)
    {
        return Some(RejectReason::Invalid);
    }
    let raw = [Some(v.started_at), Some(v.planned_end), v.ended_at];
    if raw.iter().flatten().any(|t| !time_in_range(*t)) {
        return Some(RejectReason::Invalid);
    }
    let shifted = |t: i64| t.checked_add(shift).filter(|t| time_in_range(*t));
    let (Some(start), Some(planned)) = (shifted(v.started_at), shifted(v.planned_end)) else {
        return Some(RejectReason::Invalid);
    };
    let end = match v.ended_at.map(shifted) {
        Some(Some(e)) => e,
        Some(None) => return Some(RejectReason::Invalid),
        None => planned,
    };
    if planned < start {
        return Some(RejectReason::Invalid);
    }
    check_times(now, retention, start, end)
}

fn check_visitor(v: &VisitorUpload, shift: i64, now: i64, retention: i64) -> Option<RejectReason> {
    if !id_ok(&v.client_id)
        || !id_ok(&v.venue_id)
        || !sealed_ok(&v.contact)
        || !matches!(v.direction.as_str(), "entry" | "exit")
        || !VISITOR_SOURCES.contains(&v.source.as_str())
        || v.checkpoint.chars().count() > super::enrol::MAX_CHECKPOINT_CHARS
    {
        return Some(RejectReason::Invalid);
    }
    if !time_in_range(v.scanned_at) {
        return Some(RejectReason::Invalid);
    }
    let Some(at) = v.scanned_at.checked_add(shift) else {
        return Some(RejectReason::Invalid);
    };
    check_times(now, retention, at, at)
}

/// Stores rows (replacing earlier bodies under the same ids) in one transaction; on PostgreSQL
/// makes a missing day partition and tries once more.
pub async fn store(
    state: &AppState,
    checkins: &[CheckinRow],
    cancelled: &[(String, String)],
    visitors: &[VisitorRow],
) -> Result<()> {
    store_known(state, checkins, cancelled, visitors, &HashMap::new()).await
}

/// [`store`], knowing the longest stay already recorded for some venues (a venue's
/// `max_stay_ms` is only written when a stay exceeds it).
pub async fn store_known(
    state: &AppState,
    checkins: &[CheckinRow],
    cancelled: &[(String, String)],
    visitors: &[VisitorRow],
    stays: &HashMap<String, i64>,
) -> Result<()> {
    if checkins.is_empty() && cancelled.is_empty() && visitors.is_empty() {
        return Ok(());
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match store_once(state, checkins, cancelled, visitors, stays).await {
            Err(ServiceError::Db(e))
                if state.db.backend() == Backend::Postgres
                    && attempt < STORE_ATTEMPTS
                    && e.to_string().contains("no partition") =>
            {
                let times = checkins
                    .iter()
                    .map(|c| c.started_at)
                    .chain(visitors.iter().map(|v| v.scanned_at));
                let (lo, hi) =
                    times.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
                crate::db::schema::ensure_partitions(&state.db, lo, hi).await?;
            }
            // Two batches carrying the same new item, committed at once: the second one's key
            // insert meets the first one's key (or the two wait on each other). The whole
            // batch runs again and now finds, locks and replaces what the first stored.
            Err(ServiceError::Db(e))
                if state.db.backend() == Backend::Postgres
                    && attempt < STORE_ATTEMPTS
                    && (e.is_unique_violation() || e.is_transient_conflict()) =>
            {
                tracing::debug!(attempt, error = %e, "upload batch met a concurrent one; again");
            }
            r => return r,
        }
    }
}

/// How many times a batch is tried (a missing day partition, concurrent batches carrying the
/// same items) before its error is returned.
const STORE_ATTEMPTS: u32 = 8;

async fn store_once(
    state: &AppState,
    checkins: &[CheckinRow],
    cancelled: &[(String, String)],
    visitors: &[VisitorRow],
    stays: &HashMap<String, i64>,
) -> Result<()> {
    // The longest stay per venue, so the tracing query's lower time bound (and so partition
    // pruning) is as tight as the venue's own stays allow.
    let mut longest: HashMap<&str, i64> = HashMap::new();
    for c in checkins {
        let stay = c
            .ended_at
            .unwrap_or(c.planned_end)
            .max(c.planned_end)
            .saturating_sub(c.started_at);
        let e = longest.entry(c.venue_id.as_str()).or_insert(0);
        *e = (*e).max(stay);
    }
    // Only the venues whose recorded longest stay this batch exceeds (or is not known).
    let mut longest: Vec<(&str, i64)> = longest
        .into_iter()
        .filter(|(v, stay)| stays.get(*v).is_none_or(|known| known < stay))
        .collect();
    longest.sort_unstable();
    let mut tx = state.db.begin().await?;
    match state.db.backend() {
        Backend::Sqlite => {
            store_sqlite(&mut tx, checkins, cancelled, visitors).await?;
            for (venue, stay) in &longest {
                tx.exec(
                    "UPDATE venues SET max_stay_ms = $1 WHERE id = $2 AND max_stay_ms < $1",
                    &params![*stay, *venue],
                )
                .await?;
            }
        }
        Backend::Postgres => {
            store_pg(&mut tx, checkins, cancelled, visitors).await?;
            if !longest.is_empty() {
                tx.exec(
                    "UPDATE venues v SET max_stay_ms = d.stay \
                     FROM UNNEST($1::text[], $2::bigint[]) AS d(id, stay) \
                     WHERE v.id = d.id AND v.max_stay_ms < d.stay",
                    &[texts(&longest, |l| l.0), ints(&longest, |l| Some(l.1))],
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

const INSERT_CHECKIN: &str = "INSERT INTO checkins (venue_id, client_id, source, started_at, \
    ended_at, planned_end, poster_kid, contact_kid, contact_enc, contact_ct, received_at)";
const INSERT_VISITOR: &str = "INSERT INTO visitors (venue_id, client_id, checkpoint, direction, \
    scanned_at, source, contact_kid, contact_enc, contact_ct, received_at)";

async fn store_sqlite(
    tx: &mut Tx,
    checkins: &[CheckinRow],
    cancelled: &[(String, String)],
    visitors: &[VisitorRow],
) -> Result<()> {
    for (venue, client) in cancelled.iter().cloned().chain(
        checkins
            .iter()
            .map(|c| (c.venue_id.clone(), c.client_id.clone())),
    ) {
        tx.exec(
            "DELETE FROM checkins WHERE venue_id = $1 AND client_id = $2",
            &params![venue, client],
        )
        .await?;
    }
    for c in checkins {
        tx.exec(
            &format!("{INSERT_CHECKIN} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
            &params![
                &c.venue_id,
                &c.client_id,
                &c.source,
                c.started_at,
                c.ended_at,
                c.planned_end,
                &c.poster_kid,
                &c.contact.kid,
                &c.contact.enc,
                &c.contact.ct,
                c.received_at
            ],
        )
        .await?;
    }
    for v in visitors {
        tx.exec(
            "DELETE FROM visitors WHERE venue_id = $1 AND client_id = $2",
            &params![&v.venue_id, &v.client_id],
        )
        .await?;
        tx.exec(
            &format!("{INSERT_VISITOR} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"),
            &params![
                &v.venue_id,
                &v.client_id,
                &v.checkpoint,
                &v.direction,
                v.scanned_at,
                &v.source,
                &v.contact.kid,
                &v.contact.enc,
                &v.contact.ct,
                v.received_at
            ],
        )
        .await?;
    }
    Ok(())
}

fn texts<T>(rows: &[T], f: impl Fn(&T) -> &str) -> Value {
    Value::TextArray(rows.iter().map(|r| f(r).to_owned()).collect())
}

fn ints<T>(rows: &[T], f: impl Fn(&T) -> Option<i64>) -> Value {
    Value::IntArray(rows.iter().map(f).collect())
}

/// One cell of a row for [`insert_rows`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cell<'a> {
    Text(&'a str),
    Int(Option<i64>),
}

const CHECKIN_COLS: [(&str, &str); 11] = [
    ("venue_id", "text"),
    ("client_id", "text"),
    ("source", "text"),
    ("started_at", "bigint"),
    ("ended_at", "bigint"),
    ("planned_end", "bigint"),
    ("poster_kid", "text"),
    ("contact_kid", "text"),
    ("contact_enc", "text"),
    ("contact_ct", "text"),
    ("received_at", "bigint"),
];
const VISITOR_COLS: [(&str, &str); 10] = [
    ("venue_id", "text"),
    ("client_id", "text"),
    ("checkpoint", "text"),
    ("direction", "text"),
    ("scanned_at", "bigint"),
    ("source", "text"),
    ("contact_kid", "text"),
    ("contact_enc", "text"),
    ("contact_ct", "text"),
    ("received_at", "bigint"),
];

/// PostgreSQL: inserts rows into `table` (`cols`: name and SQL type, in row order) by one
/// prepared `INSERT … SELECT FROM UNNEST` of one array per column: one client write and one
/// round trip.
///
/// Not `COPY … FROM STDIN`, though PostgreSQL's bulk path: it takes two client writes (the
/// data, then `CopyDone`) before the server answers, and sqlx sets no `TCP_NODELAY`, so Nagle's
/// algorithm holds the second write until the kernel's delayed ACK of the first — up to 40 ms a
/// batch. Measured with `quetma bench` on an idle 2-core machine: `COPY` for both tables
/// 0.27–0.29 of raw `COPY` (PostgreSQL waiting in `ClientRead` inside the `COPY`), this
/// 0.42–0.44 (server/README.md).
async fn insert_rows<const N: usize>(
    tx: &mut Tx,
    table: &str,
    cols: &[(&str, &str); N],
    rows: &[[Cell<'_>; N]],
) -> Result<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let names = cols.iter().map(|c| c.0).collect::<Vec<_>>().join(", ");
    // A column with one value in every row (a phone's batch: the source, the poster and
    // sealing key ids, the time received) goes as one parameter, not an array of copies.
    let mut arrays = Vec::with_capacity(N);
    let mut aliases = Vec::with_capacity(N);
    let mut select = Vec::with_capacity(N);
    let mut params = Vec::with_capacity(N);
    for (i, (name, ty)) in cols.iter().enumerate() {
        let n = params.len() + 1;
        if rows.iter().all(|r| r[i] == first[i]) {
            select.push(format!("${n}::{ty}"));
            params.push(match first[i] {
                Cell::Text(s) => Value::Text(s.to_owned()),
                Cell::Int(Some(v)) => Value::Int(v),
                Cell::Int(None) => Value::NullInt,
            });
            continue;
        }
        arrays.push(format!("${n}::{ty}[]"));
        aliases.push(*name);
        select.push((*name).to_owned());
        params.push(if *ty == "text" {
            Value::TextArray(
                rows.iter()
                    .map(|r| match r[i] {
                        Cell::Text(s) => s.to_owned(),
                        Cell::Int(_) => String::new(),
                    })
                    .collect(),
            )
        } else {
            Value::IntArray(
                rows.iter()
                    .map(|r| match r[i] {
                        Cell::Int(n) => n,
                        Cell::Text(_) => None,
                    })
                    .collect(),
            )
        });
    }
    let sql = if arrays.is_empty() {
        format!("INSERT INTO {table} ({names}) SELECT {}", select.join(", "))
    } else {
        format!(
            "INSERT INTO {table} ({names}) SELECT {} FROM UNNEST({}) AS u({})",
            select.join(", "),
            arrays.join(", "),
            aliases.join(", ")
        )
    };
    // Every column uniform: one row (or identical rows, each its own statement row).
    let times = if arrays.is_empty() { rows.len() } else { 1 };
    for _ in 0..times {
        tx.exec(&sql, &params).await?;
    }
    Ok(())
}

/// PostgreSQL: records the keys of a batch and deletes the earlier bodies they replace.
/// `keys`: (venue, client id, new time or `None` for a cancellation).
///
/// The key table says where an earlier body lies (one primary-key probe an item instead of one
/// probe of every day partition's index). A first upload costs a lookup and a plain insert of
/// the keys (cheaper than `INSERT … ON CONFLICT`, measured); a resend moves its key to the new
/// time, a cancellation deletes it, and the earlier bodies are deleted in their own partitions
/// only. Concurrency without a lock of our own: a key found is locked (`FOR UPDATE`) until the
/// batch commits, and a key two batches both insert as new meets the primary key; the loser's
/// transaction fails with a unique violation and [`store_known`] runs it again, when it finds
/// the key. (Transaction-scoped advisory locks did this before: one statement more a batch, and
/// 500 entries a batch in PostgreSQL's shared lock table.)
async fn replace_keys(tx: &mut Tx, table: &str, keys: &[(&str, &str, Option<i64>)]) -> Result<()> {
    let Some((key_table, col)) = crate::db::schema::key_table(table) else {
        return Ok(());
    };
    // Where the earlier bodies lie: one primary-key probe a key. The keys found are locked, in
    // one order (so two batches cannot deadlock on them), until the batch commits: a concurrent
    // resend of the same item waits here, then sees what this batch stored.
    let rows = tx
        .query(
            &format!(
                "SELECT k.venue_id, k.client_id, k.{col} FROM UNNEST($1::text[], $2::text[]) AS d(venue_id, client_id) \
                 JOIN {key_table} k ON k.venue_id = d.venue_id AND k.client_id = d.client_id \
                 ORDER BY k.venue_id, k.client_id FOR UPDATE OF k"
            ),
            &[texts(keys, |r| r.0), texts(keys, |r| r.1)],
        )
        .await?;
    let mut old: Vec<(String, String, i64)> = Vec::with_capacity(rows.len());
    for r in &rows {
        old.push((r.text(0)?, r.text(1)?, r.int(2)?));
    }
    let earlier: std::collections::HashMap<(&str, &str), i64> = old
        .iter()
        .map(|(v, c, at)| ((v.as_str(), c.as_str()), *at))
        .collect();
    // New keys (the common case: a first upload) go in; keys with an earlier body get the new
    // time or, cancelled, go.
    let (mut fresh, mut moved, mut dropped) = (Vec::new(), Vec::new(), Vec::new());
    for (v, c, at) in keys {
        match (earlier.get(&(*v, *c)), at) {
            (None, Some(at)) => fresh.push((*v, *c, *at)),
            (None, None) => {}
            (Some(before), Some(at)) if before != at => moved.push((*v, *c, *at)),
            (Some(_), Some(_)) => {}
            (Some(_), None) => dropped.push((*v, *c, 0)),
        }
    }
    // New keys in one order: two batches inserting the same ones wait on each other in turn
    // instead of deadlocking.
    fresh.sort_unstable();
    if !fresh.is_empty() {
        tx.exec(
            &format!(
                "INSERT INTO {key_table} (venue_id, client_id, {col}) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[])"
            ),
            &[
                texts(&fresh, |r| r.0),
                texts(&fresh, |r| r.1),
                ints(&fresh, |r| Some(r.2)),
            ],
        )
        .await?;
    }
    if !moved.is_empty() {
        tx.exec(
            &format!(
                "UPDATE {key_table} k SET {col} = d.at \
                 FROM UNNEST($1::text[], $2::text[], $3::bigint[]) AS d(venue_id, client_id, at) \
                 WHERE k.venue_id = d.venue_id AND k.client_id = d.client_id"
            ),
            &[
                texts(&moved, |r| r.0),
                texts(&moved, |r| r.1),
                ints(&moved, |r| Some(r.2)),
            ],
        )
        .await?;
    }
    if !dropped.is_empty() {
        tx.exec(
            &format!(
                "DELETE FROM {key_table} k USING UNNEST($1::text[], $2::text[]) AS d(venue_id, client_id) \
                 WHERE k.venue_id = d.venue_id AND k.client_id = d.client_id"
            ),
            &[texts(&dropped, |r| r.0), texts(&dropped, |r| r.1)],
        )
        .await?;
    }
    if !old.is_empty() {
        tx.exec(
            &format!(
                "DELETE FROM {table} t USING UNNEST($1::text[], $2::text[], $3::bigint[]) AS o(venue_id, client_id, at) \
                 WHERE t.venue_id = o.venue_id AND t.client_id = o.client_id AND t.{col} = o.at"
            ),
            &[
                texts(&old, |r| &r.0),
                texts(&old, |r| &r.1),
                ints(&old, |r| Some(r.2)),
            ],
        )
        .await?;
    }
    Ok(())
}

/// PostgreSQL: per batch, one statement that finds (and locks) earlier bodies' keys, one that
/// moves them and a `DELETE` of those bodies when there are any, and one `INSERT … UNNEST` each
/// of the new keys and the new rows — a handful of round trips for 500 items and no
/// per-partition probing.
async fn store_pg(
    tx: &mut Tx,
    checkins: &[CheckinRow],
    cancelled: &[(String, String)],
    visitors: &[VisitorRow],
) -> Result<()> {
    // (venue, client id, new time or None for a cancellation)
    let mut replaced: Vec<(&str, &str, Option<i64>)> = cancelled
        .iter()
        .map(|(v, c)| (v.as_str(), c.as_str(), None))
        .collect();
    replaced.extend(checkins.iter().map(|c| {
        (
            c.venue_id.as_str(),
            c.client_id.as_str(),
            Some(c.started_at),
        )
    }));
    if !replaced.is_empty() {
        replace_keys(tx, "checkins", &replaced).await?;
    }
    let rows: Vec<[Cell<'_>; 11]> = checkins
        .iter()
        .map(|c| {
            [
                Cell::Text(&c.venue_id),
                Cell::Text(&c.client_id),
                Cell::Text(&c.source),
                Cell::Int(Some(c.started_at)),
                Cell::Int(c.ended_at),
                Cell::Int(Some(c.planned_end)),
                Cell::Text(&c.poster_kid),
                Cell::Text(&c.contact.kid),
                Cell::Text(&c.contact.enc),
                Cell::Text(&c.contact.ct),
                Cell::Int(Some(c.received_at)),
            ]
        })
        .collect();
    insert_rows(tx, "checkins", &CHECKIN_COLS, &rows).await?;
    if !visitors.is_empty() {
        let keys: Vec<(&str, &str, Option<i64>)> = visitors
            .iter()
            .map(|v| {
                (
                    v.venue_id.as_str(),
                    v.client_id.as_str(),
                    Some(v.scanned_at),
                )
            })
            .collect();
        replace_keys(tx, "visitors", &keys).await?;
        let rows: Vec<[Cell<'_>; 10]> = visitors
            .iter()
            .map(|v| {
                [
                    Cell::Text(&v.venue_id),
                    Cell::Text(&v.client_id),
                    Cell::Text(&v.checkpoint),
                    Cell::Text(&v.direction),
                    Cell::Int(Some(v.scanned_at)),
                    Cell::Text(&v.source),
                    Cell::Text(&v.contact.kid),
                    Cell::Text(&v.contact.enc),
                    Cell::Text(&v.contact.ct),
                    Cell::Int(Some(v.received_at)),
                ]
            })
            .collect();
        insert_rows(tx, "visitors", &VISITOR_COLS, &rows).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_is_corrected_only_past_the_tolerance() {
        assert_eq!(skew_correction(1_000_000, 1_000_000 - SKEW_TOLERANCE_MS), 0);
        assert_eq!(skew_correction(1_000_000, 1_000_000 + SKEW_TOLERANCE_MS), 0);
        assert_eq!(skew_correction(10_000_000, 2_000_000), 8_000_000);
        assert_eq!(skew_correction(2_000_000, 10_000_000), -8_000_000);
        assert_eq!(skew_correction(0, i64::MIN), i64::MAX);
    }

    #[test]
    fn times_are_checked() {
        let now = 100 * DAY_MS;
        let r = 21 * DAY_MS;
        assert_eq!(check_times(now, r, now - 1000, now), None);
        assert_eq!(
            check_times(now, r, now - 22 * DAY_MS, now - 22 * DAY_MS),
            Some(RejectReason::Expired)
        );
        assert_eq!(
            check_times(now, r, now + DAY_MS, now + DAY_MS),
            Some(RejectReason::Invalid)
        );
        assert_eq!(
            check_times(now, r, now - 10, now - 20),
            Some(RejectReason::Invalid)
        );
        assert_eq!(
            check_times(now, r, now - 40 * DAY_MS, now),
            Some(RejectReason::Invalid)
        );
    }

    #[test]
    fn extreme_times_are_rejected_without_overflow() {
        let now = 100 * DAY_MS;
        let r = 21 * DAY_MS;
        assert_eq!(
            check_times(now, r, i64::MIN, i64::MAX),
            Some(RejectReason::Invalid)
        );
        assert_eq!(check_times(now, r, -1, now), Some(RejectReason::Invalid));
        assert_eq!(
            check_times(now, r, now, MAX_TIME_MS + 1),
            Some(RejectReason::Invalid)
        );
        assert!(time_in_range(0) && time_in_range(MAX_TIME_MS));
        assert!(!time_in_range(-1) && !time_in_range(i64::MAX));
    }

    #[test]
    fn the_latest_item_under_one_id_wins() {
        let items = vec![("v", "a", 1), ("v", "b", 2), ("v", "a", 3), ("w", "a", 4)];
        let kept = latest_per_id(items, |i| (i.0.to_owned(), i.1.to_owned()));
        assert_eq!(kept, vec![("v", "b", 2), ("v", "a", 3), ("w", "a", 4)]);
    }

    #[test]
    fn ids_and_sealed_records_are_bounded() {
        assert!(id_ok("c-1"));
        assert!(!id_ok(""));
        assert!(!id_ok("has space"));
        assert!(!id_ok(&"x".repeat(101)));
        let ok = SealedContactJson {
            kid: "K".into(),
            enc: "AAAA".into(),
            ct: "AAAA".into(),
        };
        assert!(sealed_ok(&ok));
        assert!(!sealed_ok(&SealedContactJson {
            ct: "!!".into(),
            ..ok.clone()
        }));
        assert!(!sealed_ok(&SealedContactJson {
            ct: "A".repeat(MAX_SEALED_CHARS + 4),
            ..ok
        }));
    }
}
