//! Visits: check-in, check-out and the history a citizen keeps.
//!
//! A visit has a start and an end. It ends
//! - by hand ([`Store::check_out`]),
//! - by itself after the venue's default stay (or the stay chosen at check-in, for a hotel or a
//!   hospital: several days make one visit),
//! - at the next check-in of the same profile elsewhere,
//! - and never lasts longer than the cap of [`Settings`](crate::store::Settings) (12 hours for
//!   a same-day venue, 14 days for lodging and healthcare).
//!
//! Every change is queued for upload under the visit's id with the contact record sealed to
//! the health authority at check-in.

use rusqlite::{OptionalExtension as _, Row, Transaction, params};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::keys::SealingPublicKey;
use crate::outbox::{self, OutboxKind, SealedContactJson, VisitUpload};
use crate::payload::venue::{VenueCategory, VenuePoster};
use crate::store::{MINUTE_MS, Store, StoreError, new_id};

/// Why a visit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// Checked out by hand.
    Manual,
    /// The venue's default stay (or the stay chosen at check-in) ran out.
    DefaultStay,
    /// The same profile checked in elsewhere.
    NextCheckIn,
    /// The visit reached the longest stay allowed.
    Cap,
    /// The user edited the times.
    Edited,
}

impl EndReason {
    fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::DefaultStay => "default_stay",
            Self::NextCheckIn => "next_check_in",
            Self::Cap => "cap",
            Self::Edited => "edited",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::Manual,
            Self::DefaultStay,
            Self::NextCheckIn,
            Self::Cap,
            Self::Edited,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Manual => "Đã check-out",
            Self::DefaultStay => "Tự động check-out sau thời gian lưu lại",
            Self::NextCheckIn => "Tự động check-out khi check-in nơi khác",
            Self::Cap => "Tự động check-out (quá thời gian tối đa)",
            Self::Edited => "Đã sửa thời gian",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Manual => "Checked out",
            Self::DefaultStay => "Checked out automatically after the usual stay",
            Self::NextCheckIn => "Checked out automatically at the next check-in",
            Self::Cap => "Checked out automatically (longest stay reached)",
            Self::Edited => "Times edited",
        }
    }
}

/// One stay at a venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// Visit id (also its upload id).
    pub id: String,
    /// Whose visit.
    pub profile_id: String,
    /// Venue id from the signed poster.
    pub venue_id: String,
    /// Venue name.
    pub venue_name: String,
    /// Venue address.
    pub venue_address: String,
    /// Venue category.
    pub category: VenueCategory,
    /// Start, Unix ms.
    pub started_at: i64,
    /// End, Unix ms; `None` while the visit is open.
    pub ended_at: Option<i64>,
    /// When it ends by itself if still open, Unix ms.
    pub planned_end: i64,
    /// Why it ended.
    pub end_reason: Option<EndReason>,
    /// Cancelled by the user (a wrong check-in); kept out of history and uploads.
    pub cancelled: bool,
}

impl Visit {
    /// The end, or the planned end while open: the interval a tracer would use.
    pub fn effective_end(&self) -> i64 {
        self.ended_at.unwrap_or(self.planned_end)
    }

    /// Whether the visit is still open.
    pub fn is_open(&self) -> bool {
        self.ended_at.is_none() && !self.cancelled
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            profile_id: r.get(1)?,
            venue_id: r.get(2)?,
            venue_name: r.get(3)?,
            venue_address: r.get(4)?,
            category: VenueCategory::from_code(r.get(5)?),
            started_at: r.get(6)?,
            ended_at: r.get(7)?,
            planned_end: r.get(8)?,
            end_reason: r
                .get::<_, Option<String>>(9)?
                .as_deref()
                .and_then(EndReason::parse),
            cancelled: r.get::<_, Option<i64>>(10)?.is_some(),
        })
    }
}

const VISIT_COLUMNS: &str = "id, profile_id, venue_id, venue_name, venue_address, category, \
     started_at, ended_at, planned_end, end_reason, cancelled_at";

/// Options of a check-in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckInOptions {
    /// How long the visitor expects to stay, in minutes (a hotel guest's nights); the venue's
    /// default stay when `None`. Capped by the settings.
    pub expected_stay_minutes: Option<u32>,
}

/// One local day of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHistory {
    /// The local date (the visit's start day).
    pub date: Date,
    /// Visits that started that day, newest first.
    pub visits: Vec<Visit>,
}

/// Ends every open visit whose planned end is at or before `now`, inside `tx`.
fn settle_tx(tx: &rusqlite::Transaction<'_>, now: i64) -> Result<usize, StoreError> {
    let due: Vec<(String, i64)> = {
        let mut stmt = tx.prepare(
            "SELECT id, planned_end FROM visits
             WHERE ended_at IS NULL AND cancelled_at IS NULL AND planned_end <= ?1",
        )?;
        let rows = stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, planned_end) in &due {
        end_visit(tx, id, *planned_end, EndReason::DefaultStay, now)?;
    }
    Ok(due.len())
}

fn is_multi_day(category: VenueCategory) -> bool {
    matches!(category, VenueCategory::Lodging | VenueCategory::Healthcare)
}

impl Store {
    /// Longest a visit at a venue of this category may last, in ms.
    fn cap_ms(&self, category: VenueCategory) -> i64 {
        let s = self.settings();
        let minutes = if is_multi_day(category) {
            s.max_multi_day_stay_minutes
        } else {
            s.max_stay_minutes
        };
        i64::from(minutes) * MINUTE_MS
    }

    /// Checks in every profile in `profile_ids` (the family) at a verified poster's venue.
    ///
    /// Open visits of those profiles elsewhere end now; a profile already checked in at the
    /// same venue keeps its open visit (scanning the poster twice is not two visits). Each new
    /// visit is queued for upload with the profile's contact record sealed to `authority`.
    pub fn check_in(
        &self,
        poster: &VenuePoster,
        profile_ids: &[String],
        authority: &SealingPublicKey,
        options: CheckInOptions,
    ) -> Result<Vec<Visit>, StoreError> {
        if profile_ids.is_empty() {
            return Err(StoreError::Invalid("no profile to check in"));
        }
        let now = self.now_ms();
        let venue = &poster.info;
        let cap = self.cap_ms(venue.category);
        let stay_minutes = options
            .expected_stay_minutes
            .unwrap_or(venue.default_stay_minutes)
            .max(1);
        let stay = (i64::from(stay_minutes) * MINUTE_MS).min(cap);
        let mut sealed = Vec::with_capacity(profile_ids.len());
        for id in profile_ids {
            let profile = self.profile(id)?;
            let contact = self
                .sealing_record(&profile)?
                .seal(authority)
                .map_err(|_| StoreError::Invalid("profile cannot be sealed"))?;
            sealed.push((id.clone(), SealedContactJson::from(&contact)));
        }
        // One transaction (one fsync): settling what ran out, ending visits elsewhere, the new
        // visits and their uploads.
        let ids = self.write(|tx| {
            settle_tx(tx, now)?;
            let mut ids = Vec::new();
            for (profile_id, contact) in &sealed {
                let open: Vec<Visit> = open_visits(tx, profile_id)?;
                if let Some(same) = open.iter().find(|v| v.venue_id == venue.venue_id) {
                    ids.push(same.id.clone());
                    continue;
                }
                for v in &open {
                    let end = now
                        .max(v.started_at)
                        .min(v.started_at + self.cap_ms(v.category));
                    end_visit(tx, &v.id, end, EndReason::NextCheckIn, now)?;
                }
                let id = new_id()?;
                tx.execute(
                    "INSERT INTO visits (id, profile_id, venue_id, venue_name, venue_address,
                       category, poster_kid, started_at, planned_end, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
                    params![
                        id,
                        profile_id,
                        venue.venue_id,
                        venue.name,
                        venue.address,
                        venue.category.code(),
                        poster.kid.as_str(),
                        now,
                        now + stay
                    ],
                )?;
                outbox::enqueue(
                    tx,
                    &id,
                    OutboxKind::Visit,
                    &VisitUpload {
                        client_id: id.clone(),
                        venue_id: venue.venue_id.clone(),
                        poster_kid: poster.kid.to_string(),
                        started_at: now,
                        ended_at: None,
                        planned_end: now + stay,
                        cancelled: false,
                        contact: contact.clone(),
                    },
                    now,
                )?;
                ids.push(id);
            }
            Ok(ids)
        })?;
        tracing::info!(profiles = ids.len(), "checked in");
        ids.iter().map(|id| self.visit(id)).collect()
    }

    /// Checks a visit out now (or at its cap, if it has run past it).
    pub fn check_out(&self, visit_id: &str) -> Result<Visit, StoreError> {
        let now = self.now_ms();
        self.write(|tx| {
            let v = visit_tx(tx, visit_id)?;
            if !v.is_open() {
                return Err(StoreError::Invalid("the visit is not open"));
            }
            let cap_end = v.started_at + self.cap_ms(v.category);
            let (end, reason) = if now > cap_end {
                (cap_end, EndReason::Cap)
            } else {
                (now.max(v.started_at), EndReason::Manual)
            };
            end_visit(tx, visit_id, end, reason, now)
        })?;
        self.visit(visit_id)
    }

    /// Ends every open visit whose planned end has passed, at its planned end.
    /// Runs before every history read and check-in; the shells may also call it on a timer.
    pub fn settle(&self) -> Result<usize, StoreError> {
        let now = self.now_ms();
        self.write(|tx| settle_tx(tx, now))
    }

    /// Marks visits as sent to the person's own case (with a tracer's case code): they stay in
    /// history, but exposure notices are no longer matched against them — the person is the
    /// case, not a contact. Returns how many were newly marked; unknown ids are skipped.
    pub fn mark_visits_shared(&self, visit_ids: &[String]) -> Result<usize, StoreError> {
        let now = self.now_ms();
        self.write(|tx| {
            let mut n = 0;
            for id in visit_ids {
                n += tx.execute(
                    "UPDATE visits SET shared_at = ?2 WHERE id = ?1 AND shared_at IS NULL",
                    params![id, now],
                )?;
            }
            Ok(n)
        })
    }

    /// Cancels a wrong check-in: it leaves history and is withdrawn from the server.
    pub fn cancel_visit(&self, visit_id: &str) -> Result<(), StoreError> {
        let now = self.now_ms();
        self.write(|tx| {
            let v = visit_tx(tx, visit_id)?;
            if v.cancelled {
                return Ok(());
            }
            tx.execute(
                "UPDATE visits SET cancelled_at = ?2, updated_at = ?2 WHERE id = ?1",
                params![visit_id, now],
            )?;
            requeue(tx, visit_id, now, |u| u.cancelled = true)
        })
    }

    /// Corrects a visit's times (`end` `None` keeps an open visit open). The end may not lie in
    /// the future nor the visit exceed the cap; the start may not lie before the retention
    /// window.
    pub fn edit_visit_times(
        &self,
        visit_id: &str,
        start: i64,
        end: Option<i64>,
    ) -> Result<Visit, StoreError> {
        let now = self.now_ms();
        let window = i64::from(self.settings().retention_days) * crate::store::DAY_MS;
        self.write(|tx| {
            let v = visit_tx(tx, visit_id)?;
            if v.cancelled {
                return Err(StoreError::Invalid("the visit is cancelled"));
            }
            if start > now || start < now - window {
                return Err(StoreError::Invalid("start outside the allowed range"));
            }
            let cap = self.cap_ms(v.category);
            match end {
                Some(end) => {
                    if end < start || end > now {
                        return Err(StoreError::Invalid("end before start or in the future"));
                    }
                    if end - start > cap {
                        return Err(StoreError::Invalid("visit longer than allowed"));
                    }
                    tx.execute(
                        "UPDATE visits SET started_at = ?2, ended_at = ?3, end_reason = 'edited',
                           updated_at = ?4 WHERE id = ?1",
                        params![visit_id, start, end, now],
                    )?;
                    requeue(tx, visit_id, now, |u| {
                        u.started_at = start;
                        u.ended_at = Some(end);
                    })
                }
                None => {
                    if v.ended_at.is_some() {
                        return Err(StoreError::Invalid("an ended visit needs an end"));
                    }
                    let planned = start + (v.planned_end - v.started_at);
                    tx.execute(
                        "UPDATE visits SET started_at = ?2, planned_end = ?3, updated_at = ?4
                         WHERE id = ?1",
                        params![visit_id, start, planned, now],
                    )?;
                    requeue(tx, visit_id, now, |u| {
                        u.started_at = start;
                        u.planned_end = planned;
                    })
                }
            }
        })?;
        self.visit(visit_id)
    }

    /// One visit.
    pub fn visit(&self, visit_id: &str) -> Result<Visit, StoreError> {
        let conn = self.conn()?;
        conn.query_row(
            &format!("SELECT {VISIT_COLUMNS} FROM visits WHERE id = ?1"),
            [visit_id],
            Visit::from_row,
        )
        .optional()?
        .ok_or(StoreError::NotFound("visit"))
    }

    /// Open visits (all profiles), after settling the expired ones.
    pub fn open_visits(&self) -> Result<Vec<Visit>, StoreError> {
        self.settle()?;
        self.query_visits(
            "WHERE ended_at IS NULL AND cancelled_at IS NULL ORDER BY started_at DESC",
            [],
        )
    }

    /// Visits (not cancelled) that overlap `[from, to)`, for one profile or all, newest first.
    pub fn visits_between(
        &self,
        profile_id: Option<&str>,
        from: i64,
        to: i64,
    ) -> Result<Vec<Visit>, StoreError> {
        self.settle()?;
        self.query_visits(
            "WHERE cancelled_at IS NULL AND started_at < ?2
               AND COALESCE(ended_at, planned_end) >= ?1
               AND (?3 IS NULL OR profile_id = ?3)
             ORDER BY started_at DESC, id",
            params![from, to, profile_id],
        )
    }

    /// History grouped by local day of the start (newest day first), over the retention window.
    pub fn history_by_day(&self, profile_id: Option<&str>) -> Result<Vec<DayHistory>, StoreError> {
        let now = self.now_ms();
        let window = i64::from(self.settings().retention_days) * crate::store::DAY_MS;
        let visits = self.visits_between(profile_id, now - window, i64::MAX)?;
        let offset = UtcOffset::from_whole_seconds(self.settings().utc_offset_minutes * 60)
            .map_err(|_| StoreError::Invalid("UTC offset"))?;
        let mut days: Vec<DayHistory> = Vec::new();
        for v in visits {
            let date = local_date(v.started_at, offset)?;
            match days.last_mut() {
                Some(d) if d.date == date => d.visits.push(v),
                _ => days.push(DayHistory {
                    date,
                    visits: vec![v],
                }),
            }
        }
        Ok(days)
    }

    fn query_visits(
        &self,
        tail: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Visit>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!("SELECT {VISIT_COLUMNS} FROM visits {tail}"))?;
        let rows = stmt.query_map(params, Visit::from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Store {
    /// Inserts `n` ended visits for `profile_id`, one every `spacing_ms` from `start`, in one
    /// transaction and without uploads: benchmark and test seeding only.
    #[doc(hidden)]
    pub fn seed_visits_for_bench(
        &self,
        profile_id: &str,
        n: usize,
        start: i64,
        spacing_ms: i64,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let mut stmt = tx.prepare(
                "INSERT INTO visits (id, profile_id, venue_id, venue_name, venue_address,
                   category, poster_kid, started_at, ended_at, planned_end, end_reason,
                   updated_at)
                 VALUES (?1, ?2, ?3, 'Quán', 'Hà Đông', 4, 'AAAAAAAA', ?4, ?5, ?5, 'manual', ?4)",
            )?;
            let mut at = start;
            for i in 0..n {
                stmt.execute(params![
                    new_id()?,
                    profile_id,
                    format!("V-{}", i % 5000),
                    at,
                    at + spacing_ms / 2
                ])?;
                at += spacing_ms;
            }
            Ok(())
        })
    }
}

/// The local date of a Unix-ms instant.
pub(crate) fn local_date(ms: i64, offset: UtcOffset) -> Result<Date, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| t.to_offset(offset).date())
        .map_err(|_| StoreError::Malformed("timestamp"))
}

fn visit_tx(tx: &Transaction<'_>, id: &str) -> Result<Visit, StoreError> {
    tx.query_row(
        &format!("SELECT {VISIT_COLUMNS} FROM visits WHERE id = ?1"),
        [id],
        Visit::from_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound("visit"))
}

fn open_visits(tx: &Transaction<'_>, profile_id: &str) -> Result<Vec<Visit>, StoreError> {
    let mut stmt = tx.prepare(&format!(
        "SELECT {VISIT_COLUMNS} FROM visits
         WHERE profile_id = ?1 AND ended_at IS NULL AND cancelled_at IS NULL"
    ))?;
    let rows = stmt.query_map([profile_id], Visit::from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn end_visit(
    tx: &Transaction<'_>,
    id: &str,
    end: i64,
    reason: EndReason,
    now: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE visits SET ended_at = ?2, end_reason = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, end, reason.as_str(), now],
    )?;
    requeue(tx, id, now, |u| u.ended_at = Some(end))
}

/// Re-queues a visit's upload with a change applied (no-op if the upload is gone).
fn requeue(
    tx: &Transaction<'_>,
    id: &str,
    now: i64,
    change: impl FnOnce(&mut VisitUpload),
) -> Result<(), StoreError> {
    if let Some(mut upload) = outbox::body::<VisitUpload>(tx, id)? {
        change(&mut upload);
        outbox::enqueue(tx, id, OutboxKind::Visit, &upload, now)?;
    }
    Ok(())
}
