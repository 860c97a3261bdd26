//! Scanner mode: a business phone at a venue checkpoint records the visitors it scans (personal
//! QR, CCCD, BHYT, national QR) or types in (no phone, no card).

use std::sync::Arc;

use quetma_core::business::{
    self as core_biz, ManualEntryProblem, ScanOutcome as CoreOutcome, VisitorLogScope,
};
use quetma_core::payload::classify;
use quetma_core::store::StoreError;

use crate::app::QuetMaApp;
use crate::error::{QuetMaError, Result};
use crate::platform::AppEvent;
use crate::scanner::{FrameScanner, Rotation};
use crate::types::{ContactSource, Hint, Label};

/// Which way visitors pass a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Direction {
    /// Coming in.
    Entry,
    /// Leaving.
    Exit,
}

impl From<Direction> for core_biz::Direction {
    fn from(d: Direction) -> Self {
        match d {
            Direction::Entry => Self::Entry,
            Direction::Exit => Self::Exit,
        }
    }
}

impl From<core_biz::Direction> for Direction {
    fn from(d: core_biz::Direction) -> Self {
        match d {
            core_biz::Direction::Entry => Self::Entry,
            core_biz::Direction::Exit => Self::Exit,
        }
    }
}

/// A phone bound to one venue checkpoint in scanner mode.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScannerSession {
    /// Session id.
    pub id: String,
    /// Venue id.
    pub venue_id: String,
    /// Venue name.
    pub venue_name: String,
    /// Checkpoint name.
    pub checkpoint: String,
    /// Which way visitors pass.
    pub direction: Direction,
    /// Started, Unix ms.
    pub started_at: i64,
}

impl From<core_biz::ScannerSession> for ScannerSession {
    fn from(s: core_biz::ScannerSession) -> Self {
        Self {
            id: s.id,
            venue_id: s.venue_id,
            venue_name: s.venue_name,
            checkpoint: s.checkpoint,
            direction: s.direction.into(),
            started_at: s.started_at,
        }
    }
}

/// One visitor seen at a checkpoint: only what staff may read.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VisitorEntry {
    /// Entry id.
    pub id: String,
    /// Session that recorded it.
    pub session_id: String,
    /// Venue id.
    pub venue_id: String,
    /// Checkpoint.
    pub checkpoint: String,
    /// Entry or exit.
    pub direction: Direction,
    /// When scanned, Unix ms.
    pub scanned_at: i64,
    /// What identified the visitor.
    pub source: ContactSource,
    /// Abbreviated name and birth year.
    pub hint: Hint,
}

impl From<core_biz::VisitorEntry> for VisitorEntry {
    fn from(e: core_biz::VisitorEntry) -> Self {
        Self {
            id: e.id,
            session_id: e.session_id,
            venue_id: e.venue_id,
            checkpoint: e.checkpoint,
            direction: e.direction.into(),
            scanned_at: e.scanned_at,
            source: e.source.into(),
            hint: e.hint.into(),
        }
    }
}

/// Why a scan was not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RejectReason {
    /// A venue poster was scanned: scan the visitor's code.
    NotAPerson,
    /// A known kind of code that failed validation.
    Invalid,
    /// Not a code QuetMa knows.
    Foreign,
    /// A personal QR too old or dated in the future.
    Expired,
    /// The scanner session has ended.
    SessionEnded,
    /// A card code without a name: type the visitor in.
    IncompleteRecord,
}

/// What one scan or manual entry did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ScanOutcome {
    /// A new visitor-log entry, queued for upload.
    Recorded {
        /// The entry.
        entry: VisitorEntry,
    },
    /// The same person passed the same way moments ago: the earlier entry stands.
    Duplicate {
        /// The earlier entry.
        entry: VisitorEntry,
        /// How long ago it was recorded.
        seconds_ago: u64,
    },
    /// Not recorded.
    Rejected {
        /// Why.
        reason: RejectReason,
        /// The message for staff.
        message: Label,
    },
}

impl From<CoreOutcome> for ScanOutcome {
    fn from(o: CoreOutcome) -> Self {
        match o {
            CoreOutcome::Recorded(e) => Self::Recorded { entry: e.into() },
            CoreOutcome::Duplicate { entry, seconds_ago } => Self::Duplicate {
                entry: entry.into(),
                seconds_ago,
            },
            CoreOutcome::Rejected(r) => Self::Rejected {
                message: Label::of(r.message_vi(), r.message_en()),
                reason: match r {
                    core_biz::RejectReason::NotAPerson => RejectReason::NotAPerson,
                    core_biz::RejectReason::Invalid(_) => RejectReason::Invalid,
                    core_biz::RejectReason::Foreign => RejectReason::Foreign,
                    core_biz::RejectReason::Expired => RejectReason::Expired,
                    core_biz::RejectReason::SessionEnded => RejectReason::SessionEnded,
                    core_biz::RejectReason::IncompleteRecord => RejectReason::IncompleteRecord,
                },
            },
        }
    }
}

/// A visitor typed in by staff.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ManualEntry {
    /// Full name.
    pub full_name: String,
    /// Phone number (this or an ID number is needed).
    #[uniffi(default)]
    pub phone: Option<String>,
    /// ID number.
    #[uniffi(default)]
    pub id_number: Option<String>,
    /// Year of birth.
    #[uniffi(default)]
    pub birth_year: Option<u16>,
}

/// Log entries per source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SourceCounts {
    /// QuetMa personal QR.
    pub personal_qr: u64,
    /// CCCD.
    pub cccd: u64,
    /// BHYT.
    pub bhyt: u64,
    /// National QR.
    pub national_qr: u64,
    /// Typed in.
    pub manual: u64,
}

/// A venue's visitor figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct VisitorCounts {
    /// Entries at entry checkpoints.
    pub entries: u64,
    /// Entries at exit checkpoints.
    pub exits: u64,
    /// Distinct people.
    pub unique_people: u64,
    /// All entries by source.
    pub by_source: SourceCounts,
}

impl From<core_biz::VisitorCounts> for VisitorCounts {
    fn from(c: core_biz::VisitorCounts) -> Self {
        Self {
            entries: c.entries,
            exits: c.exits,
            unique_people: c.unique_people,
            by_source: SourceCounts {
                personal_qr: c.by_source.personal_qr,
                cccd: c.by_source.cccd,
                bhyt: c.by_source.bhyt,
                national_qr: c.by_source.national_qr,
                manual: c.by_source.manual,
            },
        }
    }
}

/// The staff message for a refused manual entry: pass the `reason` of the
/// `InvalidInput` error [`QuetMaApp::manual_entry`] returned (`None` for other reasons).
#[uniffi::export]
pub fn manual_entry_message(reason: String) -> Option<Label> {
    ManualEntryProblem::from_rule(&reason).map(|p| Label::of(p.message_vi(), p.message_en()))
}

impl QuetMaApp {
    fn outcome(&self, session_id: &str, o: CoreOutcome) -> ScanOutcome {
        let recorded = matches!(o, CoreOutcome::Recorded(_));
        let out = ScanOutcome::from(o);
        if recorded {
            self.emit(AppEvent::VisitorLogChanged {
                session_id: session_id.to_owned(),
            });
            self.emit_outbox();
        }
        out
    }
}

#[uniffi::export]
impl QuetMaApp {
    /// A frame scanner verifying posters against the app's pinned keys (see
    /// [`FrameScanner::new`] for `continuous`).
    pub fn frame_scanner(&self, continuous: bool) -> Result<Arc<FrameScanner>> {
        self.with_keys(|k| Ok(Arc::new(FrameScanner::with_keys(k, continuous))))
    }

    /// Puts the phone in scanner mode at a venue checkpoint (an open session for the same
    /// venue, checkpoint and direction is resumed).
    pub fn start_scanner_session(
        &self,
        venue_id: String,
        venue_name: String,
        checkpoint: String,
        direction: Direction,
    ) -> Result<ScannerSession> {
        Ok(self
            .store
            .start_scanner_session(&venue_id, &venue_name, &checkpoint, direction.into())?
            .into())
    }

    /// Scanner mode for the venue of a scanned poster (a business binds its phone by scanning
    /// its own poster). The poster is verified against the pinned keys.
    pub fn start_scanner_session_from_poster(
        &self,
        poster_text: String,
        checkpoint: String,
        direction: Direction,
    ) -> Result<ScannerSession> {
        let poster = self.verify_poster(&poster_text)?;
        Ok(self
            .store
            .start_scanner_session_from_poster(&poster, &checkpoint, direction.into())?
            .into())
    }

    /// Ends a scanner session.
    pub fn end_scanner_session(&self, session_id: String) -> Result<()> {
        Ok(self.store.end_scanner_session(&session_id)?)
    }

    /// The open scanner sessions.
    pub fn scanner_sessions(&self) -> Result<Vec<ScannerSession>> {
        Ok(self
            .store
            .scanner_sessions()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Scans a camera frame (borrowed, zero-copy; see [`FrameScanner::scan`]) and records every
    /// person's code in it at the session's checkpoint. One outcome per code found.
    #[allow(clippy::too_many_arguments)]
    pub fn record_frame(
        &self,
        session_id: String,
        scanner: Arc<FrameScanner>,
        luma: &[u8],
        width: u32,
        height: u32,
        row_stride: u32,
        rotation: Rotation,
    ) -> Result<Vec<ScanOutcome>> {
        let results = scanner.scan_core(luma, width, height, row_stride, rotation)?;
        let mut out = Vec::with_capacity(results.len());
        for r in &results {
            let o = self.with_keys(|k| {
                Ok(self
                    .store
                    .record_scan(&session_id, &r.scanned, &k.sealing)?)
            })?;
            out.push(self.outcome(&session_id, o));
        }
        Ok(out)
    }

    /// Records a code's text read by other means (the platform's own barcode reader).
    pub fn record_text(&self, session_id: String, text: String) -> Result<ScanOutcome> {
        let o = self.with_keys(|k| {
            let scanned = classify(&text, &k.trust);
            Ok(self.store.record_scan(&session_id, &scanned, &k.sealing)?)
        })?;
        Ok(self.outcome(&session_id, o))
    }

    /// Types in a visitor with no phone and no card. A refused entry is
    /// [`QuetMaError::InvalidInput`]; [`manual_entry_message`] gives the staff message.
    pub fn manual_entry(&self, session_id: String, entry: ManualEntry) -> Result<ScanOutcome> {
        let o = self.with_keys(|k| {
            self.store
                .manual_entry(
                    &session_id,
                    &entry.full_name,
                    entry.phone.as_deref(),
                    entry.id_number.as_deref(),
                    entry.birth_year,
                    &k.sealing,
                )
                .map_err(|e: StoreError| match ManualEntryProblem::of(&e) {
                    Some(p) => QuetMaError::invalid(p.rule()),
                    None => e.into(),
                })
        })?;
        Ok(self.outcome(&session_id, o))
    }

    /// A venue's figures for today (local day).
    pub fn visitor_counts_today(&self, venue_id: String) -> Result<VisitorCounts> {
        Ok(self.store.visitor_counts_today(&venue_id)?.into())
    }

    /// A venue's figures over `[from_ms, to_ms)`.
    pub fn visitor_counts(
        &self,
        venue_id: String,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<VisitorCounts> {
        Ok(self.store.visitor_counts(&venue_id, from_ms, to_ms)?.into())
    }

    /// A session's visitor log since `since_ms`, newest first (hints only).
    pub fn session_visitor_log(
        &self,
        session_id: String,
        since_ms: i64,
    ) -> Result<Vec<VisitorEntry>> {
        Ok(self
            .store
            .visitor_log(VisitorLogScope::Session(&session_id), since_ms)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A venue's visitor log (every checkpoint) since `since_ms`, newest first.
    pub fn venue_visitor_log(&self, venue_id: String, since_ms: i64) -> Result<Vec<VisitorEntry>> {
        Ok(self
            .store
            .visitor_log(VisitorLogScope::Venue(&venue_id), since_ms)?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}
