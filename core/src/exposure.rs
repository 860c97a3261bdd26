//! Exposure matching on the phone: the signed notices the server publishes are matched against
//! the visits kept here (every profile's, dependents' included), and each match raises one alert.
//!
//! The rule ([`OverlapRule`], the one the server's tracing query uses too): a visit matches a
//! notice at the same venue when the case's interval `[start, end + tail_ms)` and the visit's
//! interval `[started_at, ended_at or planned_end)` share at least `max(min_overlap_ms, 1)` ms.
//! Touching intervals (one left the instant the other arrived) share nothing and never match. A
//! cancelled visit never matches. Nothing of the visit history leaves the phone.
//!
//! Alerts are kept per (notice, visit): matching again never raises the same alert twice, and a
//! withdrawn notice removes its alerts.

use std::collections::HashMap;

use rusqlite::{Row, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::api::{ExposureLevel, ExposureList, ExposureNotice};
use crate::citizen::visits::Visit;
use crate::store::{Store, StoreError, new_id};

/// The part of a visit matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitWindow {
    /// Visit id.
    pub visit_id: String,
    /// Whose visit.
    pub profile_id: String,
    /// Venue id.
    pub venue_id: String,
    /// Start, Unix ms.
    pub start: i64,
    /// End (or planned end while open), Unix ms.
    pub end: i64,
}

impl From<&Visit> for VisitWindow {
    fn from(v: &Visit) -> Self {
        Self {
            visit_id: v.id.clone(),
            profile_id: v.profile_id.clone(),
            venue_id: v.venue_id.clone(),
            start: v.started_at,
            end: v.effective_end(),
        }
    }
}

/// The overlap rule, in one place: the phone's matcher ([`overlap`], [`NoticeIndex`]) and the
/// server's tracing query both decide with it, so a visit the phone alerts on is exactly a visit
/// the tracer's contact list shows.
///
/// Intervals are half-open, `[start, end)`, in Unix ms. The case's interval is extended by the
/// tail (`[start, end + tail)`); a visit is a contact when the two share at least
/// [`required_ms`](Self::required_ms) = `max(min_overlap_ms, 1)` ms. Negative tails and minimums
/// count as 0. Arithmetic saturates, so no input overflows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverlapRule {
    /// Time after the case left that still counts, ms (≥ 0).
    pub tail_ms: i64,
    /// Least overlap asked for, ms (≥ 0; the rule never takes less than 1 ms).
    pub min_overlap_ms: i64,
}

/// Where a contact's start and end must lie for [`OverlapRule::overlap`] to match: every match
/// satisfies `start <= start_at_most && end >= end_at_least`. A database prefilter on these
/// bounds (plus `start >= end_at_least - longest stay`) misses no contact; the exact decision
/// is then [`OverlapRule::overlap`]'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidateBounds {
    /// Latest start of a contact, Unix ms.
    pub start_at_most: i64,
    /// Earliest end of a contact, Unix ms.
    pub end_at_least: i64,
}

impl OverlapRule {
    /// A rule (negative values are taken as 0).
    pub fn new(tail_ms: i64, min_overlap_ms: i64) -> Self {
        Self {
            tail_ms: tail_ms.max(0),
            min_overlap_ms: min_overlap_ms.max(0),
        }
    }

    /// The least shared time that makes a contact: `max(min_overlap_ms, 1)` ms.
    pub fn required_ms(&self) -> i64 {
        self.min_overlap_ms.max(1)
    }

    /// The end of the case's interval, tail included.
    pub fn case_end(&self, case_end: i64) -> i64 {
        case_end.saturating_add(self.tail_ms.max(0))
    }

    /// The shared part `(from, to)` of the case's `[case_start, case_end + tail)` and the
    /// visit's `[visit_start, visit_end)`, if it lasts at least [`required_ms`](Self::required_ms).
    pub fn overlap(
        &self,
        case_start: i64,
        case_end: i64,
        visit_start: i64,
        visit_end: i64,
    ) -> Option<(i64, i64)> {
        let from = case_start.max(visit_start);
        let to = self.case_end(case_end).min(visit_end);
        (to.saturating_sub(from) >= self.required_ms()).then_some((from, to))
    }

    /// The bounds every contact of the case `[case_start, case_end]` lies within (see
    /// [`CandidateBounds`]).
    pub fn candidate_bounds(&self, case_start: i64, case_end: i64) -> CandidateBounds {
        let need = self.required_ms();
        CandidateBounds {
            start_at_most: self.case_end(case_end).saturating_sub(need),
            end_at_least: case_start.saturating_add(need),
        }
    }
}

impl From<&ExposureNotice> for OverlapRule {
    fn from(n: &ExposureNotice) -> Self {
        Self::new(n.tail_ms, n.min_overlap_ms)
    }
}

/// The overlap of a notice's case window with a visit, if they match ([`OverlapRule`]):
/// `(from, to)` in Unix ms.
pub fn overlap(notice: &ExposureNotice, visit_start: i64, visit_end: i64) -> Option<(i64, i64)> {
    OverlapRule::from(notice).overlap(notice.start, notice.end, visit_start, visit_end)
}

/// One match of a notice and a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'a> {
    /// The notice.
    pub notice: &'a ExposureNotice,
    /// Index of the visit in the slice given to [`NoticeIndex::matches`].
    pub visit: usize,
    /// Overlap start, Unix ms.
    pub from: i64,
    /// Overlap end, Unix ms.
    pub to: i64,
}

/// Live (not withdrawn) notices indexed by venue id, each venue's sorted by start, so a visit
/// is compared only with the notices at its venue that began before it ended.
#[derive(Debug, Default)]
pub struct NoticeIndex {
    by_venue: HashMap<String, Vec<ExposureNotice>>,
}

impl NoticeIndex {
    /// Indexes `notices` (withdrawn ones are left out).
    pub fn new(notices: impl IntoIterator<Item = ExposureNotice>) -> Self {
        let mut by_venue: HashMap<String, Vec<ExposureNotice>> = HashMap::new();
        for n in notices.into_iter().filter(|n| !n.withdrawn) {
            by_venue.entry(n.venue_id.clone()).or_default().push(n);
        }
        for list in by_venue.values_mut() {
            list.sort_by_key(|n| n.start);
        }
        Self { by_venue }
    }

    /// How many notices are indexed.
    pub fn len(&self) -> usize {
        self.by_venue.values().map(Vec::len).sum()
    }

    /// Whether no notice is indexed.
    pub fn is_empty(&self) -> bool {
        self.by_venue.is_empty()
    }

    /// Every match of the indexed notices with `visits`.
    pub fn matches<'a>(&'a self, visits: &[VisitWindow]) -> Vec<Match<'a>> {
        let mut out = Vec::new();
        for (i, v) in visits.iter().enumerate() {
            let Some(list) = self.by_venue.get(&v.venue_id) else {
                continue;
            };
            // Notices that started after the visit ended cannot overlap it.
            let upto = list.partition_point(|n| n.start <= v.end);
            for n in &list[..upto] {
                if let Some((from, to)) = overlap(n, v.start, v.end) {
                    out.push(Match {
                        notice: n,
                        visit: i,
                        from,
                        to,
                    });
                }
            }
        }
        out
    }
}

/// An exposure alert: one of the phone's visits overlapped a published case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposureAlert {
    /// Alert id (local).
    pub id: String,
    /// The notice.
    pub notice_id: String,
    /// The visit that matched.
    pub visit_id: String,
    /// Whose visit (the user or a dependent).
    pub profile_id: String,
    /// Venue id.
    pub venue_id: String,
    /// Venue name, from the visit.
    pub venue_name: String,
    /// How serious.
    pub level: ExposureLevel,
    /// What to do, Vietnamese.
    pub guidance_vi: String,
    /// What to do, English.
    pub guidance_en: String,
    /// Overlap start, Unix ms.
    pub overlap_start: i64,
    /// Overlap end, Unix ms.
    pub overlap_end: i64,
    /// When raised, Unix ms (phone clock).
    pub raised_at: i64,
    /// When the user saw it, Unix ms.
    pub seen_at: Option<i64>,
}

/// What one matching pass changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchOutcome {
    /// New alerts.
    pub raised: u64,
    /// Alerts removed (their notice was withdrawn).
    pub cleared: u64,
}

fn level_str(l: ExposureLevel) -> &'static str {
    match l {
        ExposureLevel::High => "high",
        ExposureLevel::Low => "low",
    }
}

fn parse_level(s: &str) -> ExposureLevel {
    if s == "high" {
        ExposureLevel::High
    } else {
        ExposureLevel::Low
    }
}

fn notice_from_row(r: &Row<'_>) -> rusqlite::Result<ExposureNotice> {
    Ok(ExposureNotice {
        id: r.get(0)?,
        venue_id: r.get(1)?,
        start: r.get(2)?,
        end: r.get(3)?,
        tail_ms: r.get(4)?,
        min_overlap_ms: r.get(5)?,
        level: parse_level(&r.get::<_, String>(6)?),
        guidance_vi: r.get(7)?,
        guidance_en: r.get(8)?,
        published_at: r.get(9)?,
        seq: r.get(10)?,
        withdrawn: false,
    })
}

fn alert_from_row(r: &Row<'_>) -> rusqlite::Result<ExposureAlert> {
    Ok(ExposureAlert {
        id: r.get(0)?,
        notice_id: r.get(1)?,
        visit_id: r.get(2)?,
        profile_id: r.get(3)?,
        venue_id: r.get(4)?,
        venue_name: r.get(5)?,
        level: parse_level(&r.get::<_, String>(6)?),
        guidance_vi: r.get(7)?,
        guidance_en: r.get(8)?,
        overlap_start: r.get(9)?,
        overlap_end: r.get(10)?,
        raised_at: r.get(11)?,
        seen_at: r.get(12)?,
    })
}

const ALERT_COLUMNS: &str = "id, notice_id, visit_id, profile_id, venue_id, venue_name, level, \
     guidance_vi, guidance_en, overlap_start, overlap_end, raised_at, seen_at";

/// Stores a verified exposure list (a full list replaces the cache, a delta updates it); a
/// withdrawn notice is dropped with its alerts. Returns the alerts cleared.
pub(crate) fn apply_list(tx: &Transaction<'_>, list: &ExposureList) -> Result<u64, StoreError> {
    let mut cleared = 0u64;
    if list.since == 0 {
        tx.execute("DELETE FROM exposure_notices", [])?;
        // Alerts of notices no longer in a full list are gone too.
        let live: Vec<&str> = list
            .notices
            .iter()
            .filter(|n| !n.withdrawn)
            .map(|n| n.id.as_str())
            .collect();
        let mut stmt = tx.prepare("SELECT DISTINCT notice_id FROM alerts")?;
        let existing: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in existing.iter().filter(|id| !live.contains(&id.as_str())) {
            cleared += tx.execute("DELETE FROM alerts WHERE notice_id = ?1", [id])? as u64;
        }
    }
    for n in &list.notices {
        if n.withdrawn {
            tx.execute("DELETE FROM exposure_notices WHERE id = ?1", [&n.id])?;
            cleared += tx.execute("DELETE FROM alerts WHERE notice_id = ?1", [&n.id])? as u64;
            continue;
        }
        tx.execute(
            "INSERT INTO exposure_notices (id, venue_id, start_at, end_at, tail_ms,
               min_overlap_ms, level, guidance_vi, guidance_en, published_at, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT(id) DO UPDATE SET venue_id = excluded.venue_id,
               start_at = excluded.start_at, end_at = excluded.end_at,
               tail_ms = excluded.tail_ms, min_overlap_ms = excluded.min_overlap_ms,
               level = excluded.level, guidance_vi = excluded.guidance_vi,
               guidance_en = excluded.guidance_en, published_at = excluded.published_at,
               seq = excluded.seq",
            params![
                n.id,
                n.venue_id,
                n.start,
                n.end,
                n.tail_ms,
                n.min_overlap_ms,
                level_str(n.level),
                n.guidance_vi,
                n.guidance_en,
                n.published_at,
                n.seq
            ],
        )?;
    }
    Ok(cleared)
}

/// Matches every cached notice against every visit kept (not cancelled) and stores the new
/// alerts. Returns how many were raised.
pub(crate) fn match_in(tx: &Transaction<'_>, now: i64) -> Result<u64, StoreError> {
    let notices: Vec<ExposureNotice> = {
        let mut stmt = tx.prepare(
            "SELECT id, venue_id, start_at, end_at, tail_ms, min_overlap_ms, level,
               guidance_vi, guidance_en, published_at, seq FROM exposure_notices",
        )?;
        stmt.query_map([], notice_from_row)?
            .collect::<Result<_, _>>()?
    };
    if notices.is_empty() {
        return Ok(0);
    }
    let index = NoticeIndex::new(notices);
    let (visits, names): (Vec<VisitWindow>, Vec<String>) = {
        let mut stmt = tx.prepare(
            "SELECT id, profile_id, venue_id, started_at, COALESCE(ended_at, planned_end),
               venue_name FROM visits WHERE cancelled_at IS NULL AND shared_at IS NULL",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                VisitWindow {
                    visit_id: r.get(0)?,
                    profile_id: r.get(1)?,
                    venue_id: r.get(2)?,
                    start: r.get(3)?,
                    end: r.get(4)?,
                },
                r.get::<_, String>(5)?,
            ))
        })?;
        rows.collect::<Result<Vec<_>, _>>()?.into_iter().unzip()
    };
    let mut raised = 0u64;
    let mut insert = tx.prepare(
        "INSERT INTO alerts (id, notice_id, visit_id, profile_id, venue_id, venue_name, level,
           guidance_vi, guidance_en, overlap_start, overlap_end, raised_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(notice_id, visit_id) DO NOTHING",
    )?;
    for m in index.matches(&visits) {
        let v = &visits[m.visit];
        let n = m.notice;
        raised += insert.execute(params![
            new_id()?,
            n.id,
            v.visit_id,
            v.profile_id,
            v.venue_id,
            names[m.visit],
            level_str(n.level),
            n.guidance_vi,
            n.guidance_en,
            m.from,
            m.to,
            now
        ])? as u64;
    }
    Ok(raised)
}

impl Store {
    /// Stores a verified exposure list and matches it against the visits, in one transaction.
    pub fn apply_exposure_list(&self, list: &ExposureList) -> Result<MatchOutcome, StoreError> {
        let now = self.now_ms();
        self.write(|tx| {
            let cleared = apply_list(tx, list)?;
            let raised = match_in(tx, now)?;
            Ok(MatchOutcome { raised, cleared })
        })
    }

    /// Matches the cached notices against the visits again (after a check-in was edited, say).
    pub fn match_exposures(&self) -> Result<MatchOutcome, StoreError> {
        let now = self.now_ms();
        self.write(|tx| {
            Ok(MatchOutcome {
                raised: match_in(tx, now)?,
                cleared: 0,
            })
        })
    }

    /// The cached live notices.
    pub fn exposure_notices(&self) -> Result<Vec<ExposureNotice>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, venue_id, start_at, end_at, tail_ms, min_overlap_ms, level,
               guidance_vi, guidance_en, published_at, seq FROM exposure_notices ORDER BY seq",
        )?;
        Ok(stmt
            .query_map([], notice_from_row)?
            .collect::<Result<_, _>>()?)
    }

    /// Every alert, newest first.
    pub fn alerts(&self) -> Result<Vec<ExposureAlert>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts ORDER BY raised_at DESC, overlap_start DESC, id"
        ))?;
        Ok(stmt
            .query_map([], alert_from_row)?
            .collect::<Result<_, _>>()?)
    }

    /// How many alerts the user has not seen.
    pub fn unseen_alert_count(&self) -> Result<u64, StoreError> {
        let conn = self.conn()?;
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM alerts WHERE seen_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Marks an alert seen (seeing it again keeps the first time).
    pub fn mark_alert_seen(&self, alert_id: &str) -> Result<(), StoreError> {
        let now = self.now_ms();
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE alerts SET seen_at = COALESCE(seen_at, ?1) WHERE id = ?2",
                params![now, alert_id],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound("alert"));
            }
            Ok(())
        })
    }

    /// Marks every alert seen. Returns how many were unseen.
    pub fn mark_all_alerts_seen(&self) -> Result<u64, StoreError> {
        let now = self.now_ms();
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE alerts SET seen_at = ?1 WHERE seen_at IS NULL",
                params![now],
            )? as u64)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn notice(venue: &str, start: i64, end: i64, tail: i64, min: i64) -> ExposureNotice {
        ExposureNotice {
            id: format!("N-{venue}-{start}-{end}"),
            venue_id: venue.into(),
            start,
            end,
            tail_ms: tail,
            min_overlap_ms: min,
            level: ExposureLevel::High,
            guidance_vi: "Theo dõi sức khoẻ".into(),
            guidance_en: "Watch your health".into(),
            published_at: 0,
            seq: 1,
            withdrawn: false,
        }
    }

    fn visit(venue: &str, start: i64, end: i64) -> VisitWindow {
        VisitWindow {
            visit_id: format!("V-{start}"),
            profile_id: "P".into(),
            venue_id: venue.into(),
            start,
            end,
        }
    }

    /// Brute force: the overlap is the count of unit steps `[t, t+1)` inside both half-open
    /// intervals; a match needs at least `max(min, 1)` of them.
    fn oracle(n: &ExposureNotice, vs: i64, ve: i64) -> bool {
        let ce = n.end + n.tail_ms.max(0);
        let lo = n.start.min(vs);
        let hi = ce.max(ve);
        let mut steps = 0i64;
        for t in lo..=hi {
            if n.start <= t && t < ce && vs <= t && t < ve {
                steps += 1;
            }
        }
        steps >= n.min_overlap_ms.max(1)
    }

    #[test]
    fn examples() {
        let n = notice("A", 100, 200, 50, 10);
        assert_eq!(overlap(&n, 240, 300), Some((240, 250)));
        assert_eq!(overlap(&n, 245, 300), None, "5 ms < 10 ms");
        assert_eq!(overlap(&n, 0, 95), None);
        assert_eq!(overlap(&n, 0, 1000), Some((100, 250)));
        // Touching intervals share no time: no contact, even with no minimum (the server's
        // tracing query never listed them either).
        let touching = notice("A", 100, 200, 0, 0);
        assert_eq!(overlap(&touching, 200, 300), None);
        assert_eq!(overlap(&touching, 199, 300), Some((199, 200)));
        assert_eq!(overlap(&touching, 0, 100), None);
    }

    #[test]
    fn index_matches_only_the_venue_and_skips_withdrawn() {
        let mut w = notice("A", 100, 200, 0, 1);
        w.id = "W".into();
        w.withdrawn = true;
        let idx = NoticeIndex::new(vec![
            notice("A", 100, 200, 0, 1),
            notice("B", 0, 1000, 0, 1),
            w,
        ]);
        assert_eq!(idx.len(), 2);
        let m = idx.matches(&[visit("A", 150, 160), visit("C", 0, 1000)]);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].visit, 0);
    }

    fn store_with_visits() -> (Store, tempfile::TempDir) {
        use crate::citizen::{NewProfile, Relation};
        use crate::store::{ManualClock, MemoryKeyVault, Settings};
        let dir = tempfile::tempdir().unwrap();
        let clock = std::sync::Arc::new(ManualClock::new(10_000_000));
        let store = Store::open(
            dir.path(),
            &MemoryKeyVault::new(),
            Settings::default(),
            clock,
        )
        .unwrap()
        .store;
        let p = store
            .add_profile(&NewProfile {
                relation: Relation::Owner,
                full_name: "Nguyễn Văn An".into(),
                id_number: None,
                id_kind: None,
                phone: None,
                birth_year: None,
            })
            .unwrap();
        // Visits at V-0, V-1, V-2: [1 000 000 + i·100 000, + 50 000].
        store
            .seed_visits_for_bench(&p.id, 3, 1_000_000, 100_000)
            .unwrap();
        (store, dir)
    }

    fn list(since: i64, notices: Vec<ExposureNotice>) -> ExposureList {
        ExposureList {
            issued_at: 0,
            since,
            latest_seq: notices.iter().map(|n| n.seq).max().unwrap_or(since),
            notices,
        }
    }

    #[test]
    fn store_path_raises_once_and_a_full_list_drops_missing_notices() {
        let (store, _dir) = store_with_visits();
        let mut a = notice("V-0", 1_000_000, 1_040_000, 0, 10_000);
        a.id = "A".into();
        let mut b = notice("V-1", 1_100_000, 1_200_000, 0, 10_000);
        b.id = "B".into();
        b.seq = 2;
        let out = store
            .apply_exposure_list(&list(0, vec![a.clone(), b.clone()]))
            .unwrap();
        assert_eq!(
            out,
            MatchOutcome {
                raised: 2,
                cleared: 0
            }
        );
        assert_eq!(store.match_exposures().unwrap().raised, 0);
        // A full list without B: its alert goes; A's stays (seen state kept).
        let a_alert = store
            .alerts()
            .unwrap()
            .into_iter()
            .find(|x| x.notice_id == "A")
            .unwrap();
        store.mark_alert_seen(&a_alert.id).unwrap();
        let out = store.apply_exposure_list(&list(0, vec![a])).unwrap();
        assert_eq!(
            out,
            MatchOutcome {
                raised: 0,
                cleared: 1
            }
        );
        let left = store.alerts().unwrap();
        assert_eq!(left.len(), 1);
        assert!(left[0].seen_at.is_some());
        assert_eq!(store.exposure_notices().unwrap().len(), 1);
    }

    /// A batch withdrawn by one action on the server reaches the phone as a delta in which
    /// each of its notices comes back `withdrawn` with a new sequence number: every alert of
    /// the batch goes, the other notice's alert stays, and matching again raises none of them.
    #[test]
    fn a_withdrawn_batch_in_a_delta_clears_all_its_alerts_and_only_those() {
        let (store, _dir) = store_with_visits();
        let mut a = notice("V-0", 1_000_000, 1_040_000, 0, 10_000);
        a.id = "A".into();
        let mut b = notice("V-1", 1_100_000, 1_200_000, 0, 10_000);
        (b.id, b.seq) = ("B".into(), 2);
        let mut c = notice("V-2", 1_200_000, 1_300_000, 0, 10_000);
        (c.id, c.seq) = ("C".into(), 3);
        let out = store
            .apply_exposure_list(&list(0, vec![a.clone(), b.clone(), c]))
            .unwrap();
        assert_eq!(out.raised, 3);
        // The batch {A, B} is withdrawn: the delta since 3 carries both, seq 4 and 5.
        (a.withdrawn, a.seq) = (true, 4);
        (b.withdrawn, b.seq) = (true, 5);
        let out = store.apply_exposure_list(&list(3, vec![a, b])).unwrap();
        assert_eq!(
            out,
            MatchOutcome {
                raised: 0,
                cleared: 2
            }
        );
        let left = store.alerts().unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].notice_id, "C");
        assert_eq!(store.match_exposures().unwrap().raised, 0);
        let kept: Vec<String> = store
            .exposure_notices()
            .unwrap()
            .into_iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(kept, vec!["C".to_owned()]);
        // An empty delta afterwards changes nothing.
        let out = store.apply_exposure_list(&list(5, vec![])).unwrap();
        assert_eq!(out, MatchOutcome::default());
        assert_eq!(store.alerts().unwrap().len(), 1);
    }

    /// The visits a person sent to their own case are not matched: a notice over them raises
    /// no alert, while another visit in the same notice's reach still does.
    #[test]
    fn visits_sent_to_ones_own_case_raise_no_alert() {
        let (store, _dir) = store_with_visits();
        let visits = store.visits_between(None, 0, i64::MAX).unwrap();
        let at = |venue: &str| {
            visits
                .iter()
                .find(|v| v.venue_id == venue)
                .map(|v| v.id.clone())
                .unwrap()
        };
        assert_eq!(store.mark_visits_shared(&[at("V-0")]).unwrap(), 1);
        assert_eq!(store.mark_visits_shared(&[at("V-0")]).unwrap(), 0, "once");
        let mut a = notice("V-0", 1_000_000, 1_040_000, 0, 10_000);
        a.id = "A".into();
        let mut b = notice("V-1", 1_100_000, 1_200_000, 0, 10_000);
        (b.id, b.seq) = ("B".into(), 2);
        let out = store.apply_exposure_list(&list(0, vec![a, b])).unwrap();
        assert_eq!(out.raised, 1);
        let alerts = store.alerts().unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].notice_id, "B");
        assert_eq!(store.match_exposures().unwrap().raised, 0);
    }

    proptest! {
        #[test]
        fn overlap_rule_matches_brute_force(
            s in 0i64..200, len in 0i64..100, tail in -10i64..60, min in -5i64..80,
            vs in 0i64..300, vlen in -5i64..150,
        ) {
            let n = notice("A", s, s + len, tail, min);
            let ve = vs + vlen;
            prop_assert_eq!(overlap(&n, vs, ve).is_some(), oracle(&n, vs, ve));
        }

        #[test]
        fn index_agrees_with_pairwise_check(
            ns in proptest::collection::vec((0u8..4, 0i64..500, 0i64..200, 0i64..50, 0i64..60), 0..40),
            vs in proptest::collection::vec((0u8..4, 0i64..600, 0i64..200), 0..40),
        ) {
            let notices: Vec<ExposureNotice> = ns.iter().enumerate().map(|(i, &(v, s, l, t, m))| {
                let mut n = notice(&v.to_string(), s, s + l, t, m);
                n.id = format!("N{i}");
                n
            }).collect();
            let visits: Vec<VisitWindow> = vs.iter().map(|&(v, s, l)| visit(&v.to_string(), s, s + l)).collect();
            let idx = NoticeIndex::new(notices.clone());
            let mut got: Vec<(String, usize)> = idx.matches(&visits).iter().map(|m| (m.notice.id.clone(), m.visit)).collect();
            got.sort();
            let mut want = Vec::new();
            for n in &notices {
                for (i, v) in visits.iter().enumerate() {
                    if n.venue_id == v.venue_id && oracle(n, v.start, v.end) {
                        want.push((n.id.clone(), i));
                    }
                }
            }
            want.sort();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn candidate_bounds_hold_for_every_match(
            s in 0i64..200, len in 0i64..100, tail in -10i64..60, min in -5i64..80,
            vs in 0i64..300, vlen in -5i64..150,
        ) {
            let rule = OverlapRule::new(tail, min);
            let b = rule.candidate_bounds(s, s + len);
            if rule.overlap(s, s + len, vs, vs + vlen).is_some() {
                prop_assert!(vs <= b.start_at_most && vs + vlen >= b.end_at_least);
            }
        }

        #[test]
        fn huge_times_do_not_overflow(s in any::<i64>(), e in any::<i64>(), t in any::<i64>(), m in any::<i64>(), vs in any::<i64>(), ve in any::<i64>()) {
            let n = notice("A", s, e, t, m);
            let _ = overlap(&n, vs, ve);
            let _ = OverlapRule::new(t, m).candidate_bounds(s, e);
        }
    }
}
