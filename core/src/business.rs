//! Business scanner mode: a shop's phone at a checkpoint reads visitors' codes in place of the
//! paper log book.
//!
//! A [`ScannerSession`] binds the phone to a venue, a checkpoint and a direction (entry or exit).
//! Each decoded code becomes at most one visitor-log entry ([`Store::record_scan`]); a visitor
//! with no phone and no card is typed in ([`Store::manual_entry`]).
//!
//! What is kept of a visitor (VN-FORMATS §5.4, Law 91/2025):
//! - a readable [`DisplayHint`] (abbreviated name, birth year) for staff;
//! - the minimised [`ContactRecord`] sealed to the health authority: a personal QR's record as it
//!   came (never opened here), a card's record sealed at once; only the authority opens it;
//! - a keyed hash of the person's identity ([`Store`]'s per-store HMAC key) for dedupe.
//!
//! Plaintext identity (full name, ID number, phone) never reaches the database, the outbox or a
//! log line: `tracing` here logs ids and counts only. Each recorded entry is queued for upload
//! ([`OutboxKind::Visitor`]) in the same transaction that writes it.

use rusqlite::{OptionalExtension as _, Transaction, params};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keys::SealingPublicKey;
use crate::outbox::{self, OutboxKind, SealedContactJson, VisitorUpload};
use crate::payload::personal::{MAX_SHORT_NAME_CHARS, PersonalQr};
use crate::payload::scanned::InvalidCode;
use crate::payload::venue::{VenueCategory, VenueError, VenueInfo, VenuePoster};
use crate::payload::{ContactRecord, ContactSource, DisplayHint, IdKind, Scanned, SealedContact};
use crate::store::{DAY_MS, MINUTE_MS, Store, StoreError, new_id};

/// A personal QR is accepted for this many days after it was made.
pub const PERSONAL_QR_VALID_DAYS: i64 = 365;
/// How far in the future a personal QR's issue time may lie (the citizen's clock may be ahead).
pub const PERSONAL_QR_CLOCK_SKEW_MS: i64 = DAY_MS;
/// Longest checkpoint name, in characters.
pub const MAX_CHECKPOINT_CHARS: usize = 60;

/// Which way visitors pass the checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Visitors coming in.
    Entry,
    /// Visitors leaving.
    Exit,
}

impl Direction {
    /// Stable text form (`entry` / `exit`), as stored and uploaded.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Entry => "entry",
            Self::Exit => "exit",
        }
    }

    /// Parses [`Direction::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "entry" => Some(Self::Entry),
            "exit" => Some(Self::Exit),
            _ => None,
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Entry => "Lối vào",
            Self::Exit => "Lối ra",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Entry => "Entry",
            Self::Exit => "Exit",
        }
    }
}

/// A phone bound to one venue checkpoint in scanner mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerSession {
    /// Session id.
    pub id: String,
    /// Venue id (as on the venue's poster).
    pub venue_id: String,
    /// Venue name, for the scanner's screen.
    pub venue_name: String,
    /// Checkpoint name (e.g. "Cổng chính").
    pub checkpoint: String,
    /// Which way visitors pass.
    pub direction: Direction,
    /// When the session started, Unix ms.
    pub started_at: i64,
}

/// One visitor seen at a checkpoint: only what staff may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorEntry {
    /// Entry id (also the upload's client id).
    pub id: String,
    /// Session that recorded it.
    pub session_id: String,
    /// Venue id.
    pub venue_id: String,
    /// Checkpoint name.
    pub checkpoint: String,
    /// Entry or exit.
    pub direction: Direction,
    /// When scanned, Unix ms.
    pub scanned_at: i64,
    /// What identified the visitor.
    pub source: ContactSource,
    /// Abbreviated name and birth year.
    pub hint: DisplayHint,
}

/// Why a scan was not recorded. Messages carry no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// A venue poster was scanned: staff should scan the visitor's code.
    NotAPerson,
    /// A code of a known kind that failed validation (damaged, truncated, forged).
    Invalid(InvalidCode),
    /// Not a code QuetMa knows.
    Foreign,
    /// A personal QR made more than [`PERSONAL_QR_VALID_DAYS`] ago, or dated in the future.
    Expired,
    /// The scanner session has ended.
    SessionEnded,
    /// A card code without what a tracer needs (a name): type the visitor in.
    IncompleteRecord,
}

impl RejectReason {
    /// Vietnamese message for staff.
    pub fn message_vi(&self) -> &'static str {
        match self {
            Self::NotAPerson => "Không phải mã cá nhân — hãy quét mã của khách",
            Self::Invalid(_) => "Mã không đọc được / không hợp lệ — quét lại hoặc nhập tay",
            Self::Foreign => "Không phải mã QuetMa, CCCD hay BHYT — hãy nhập tay",
            Self::Expired => "Mã đã hết hạn — khách cần tạo mã mới",
            Self::SessionEnded => "Phiên quét đã kết thúc — hãy bắt đầu phiên mới",
            Self::IncompleteRecord => "Mã thiếu thông tin cần thiết — hãy nhập tay",
        }
    }

    /// English message for staff.
    pub fn message_en(&self) -> &'static str {
        match self {
            Self::NotAPerson => "Not a personal code — scan the visitor's code",
            Self::Invalid(_) => "Code unreadable or invalid — scan again or enter by hand",
            Self::Foreign => "Not a QuetMa, CCCD or BHYT code — enter by hand",
            Self::Expired => "Code expired — the visitor needs a new code",
            Self::SessionEnded => "Scanning session ended — start a new one",
            Self::IncompleteRecord => "The code lacks required details — enter by hand",
        }
    }
}

impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} — {}", self.message_vi(), self.message_en())
    }
}

/// What one scan (or manual entry) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOutcome {
    /// A new visitor-log entry, queued for upload.
    Recorded(VisitorEntry),
    /// The same person passed the same checkpoint the same way within the dedupe window: the
    /// earlier entry stands and nothing new is written.
    Duplicate {
        /// The earlier entry.
        entry: VisitorEntry,
        /// How long ago it was recorded.
        seconds_ago: u64,
    },
    /// Not recorded.
    Rejected(RejectReason),
}

/// Why a manual entry was refused: each maps to the `StoreError::Invalid` rule it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ManualEntryProblem {
    /// No name typed.
    MissingName,
    /// The name is too long or has no letter.
    BadName,
    /// Neither a phone number nor an ID number.
    MissingPhoneOrId,
    /// The phone number is not 9 to 15 digits.
    BadPhone,
    /// The ID number is not 6 to 20 letters and digits.
    BadIdNumber,
    /// The birth year is before 1900 or in the future.
    BadBirthYear,
}

impl ManualEntryProblem {
    /// Every problem.
    pub const ALL: [Self; 6] = [
        Self::MissingName,
        Self::BadName,
        Self::MissingPhoneOrId,
        Self::BadPhone,
        Self::BadIdNumber,
        Self::BadBirthYear,
    ];

    /// The rule text carried by `StoreError::Invalid`.
    pub fn rule(self) -> &'static str {
        match self {
            Self::MissingName => "manual entry: name missing",
            Self::BadName => "manual entry: name invalid",
            Self::MissingPhoneOrId => "manual entry: phone or ID number required",
            Self::BadPhone => "manual entry: phone invalid",
            Self::BadIdNumber => "manual entry: ID number invalid",
            Self::BadBirthYear => "manual entry: birth year invalid",
        }
    }

    /// The problem whose [`rule`](Self::rule) text this is (as it crosses a language boundary).
    pub fn from_rule(rule: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.rule() == rule)
    }

    /// The problem behind an error returned by [`Store::manual_entry`], if it is one.
    pub fn of(error: &StoreError) -> Option<Self> {
        match error {
            StoreError::Invalid(rule) => Self::from_rule(rule),
            _ => None,
        }
    }

    /// Vietnamese message for staff.
    pub fn message_vi(self) -> &'static str {
        match self {
            Self::MissingName => "Hãy nhập họ tên",
            Self::BadName => "Họ tên không hợp lệ",
            Self::MissingPhoneOrId => "Hãy nhập số điện thoại hoặc số giấy tờ",
            Self::BadPhone => "Số điện thoại không hợp lệ",
            Self::BadIdNumber => "Số giấy tờ không hợp lệ",
            Self::BadBirthYear => "Năm sinh không hợp lệ",
        }
    }

    /// English message for staff.
    pub fn message_en(self) -> &'static str {
        match self {
            Self::MissingName => "Enter the full name",
            Self::BadName => "The name is not valid",
            Self::MissingPhoneOrId => "Enter a phone number or an ID number",
            Self::BadPhone => "The phone number is not valid",
            Self::BadIdNumber => "The ID number is not valid",
            Self::BadBirthYear => "The birth year is not valid",
        }
    }
}

impl From<ManualEntryProblem> for StoreError {
    fn from(p: ManualEntryProblem) -> Self {
        StoreError::Invalid(p.rule())
    }
}

/// Log entries per source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceCounts {
    /// QuetMa personal QR.
    pub personal_qr: u64,
    /// CCCD / Căn cước card.
    pub cccd: u64,
    /// BHYT card.
    pub bhyt: u64,
    /// National personal QR.
    pub national_qr: u64,
    /// Typed in by staff.
    pub manual: u64,
}

impl SourceCounts {
    /// The count for one source.
    pub fn get(&self, source: ContactSource) -> u64 {
        match source {
            ContactSource::PersonalQr => self.personal_qr,
            ContactSource::Cccd => self.cccd,
            ContactSource::Bhyt => self.bhyt,
            ContactSource::NationalQr => self.national_qr,
            ContactSource::Manual => self.manual,
        }
    }

    fn slot(&mut self, source: ContactSource) -> &mut u64 {
        match source {
            ContactSource::PersonalQr => &mut self.personal_qr,
            ContactSource::Cccd => &mut self.cccd,
            ContactSource::Bhyt => &mut self.bhyt,
            ContactSource::NationalQr => &mut self.national_qr,
            ContactSource::Manual => &mut self.manual,
        }
    }
}

/// A venue's visitor figures over a time range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VisitorCounts {
    /// Entries recorded at entry checkpoints.
    pub entries: u64,
    /// Entries recorded at exit checkpoints.
    pub exits: u64,
    /// Distinct people (by keyed identity; a personal QR counts as its own person, so one
    /// visitor who shows a personal QR once and a card once counts twice).
    pub unique_people: u64,
    /// All entries (both directions) by source.
    pub by_source: SourceCounts,
}

/// Which part of the visitor log to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitorLogScope<'a> {
    /// One scanner session.
    Session(&'a str),
    /// Every checkpoint of a venue.
    Venue(&'a str),
}

/// The local day containing `now_ms` at `utc_offset_minutes`: `[start, end)` in Unix ms.
pub fn local_day_bounds(now_ms: i64, utc_offset_minutes: i32) -> (i64, i64) {
    let offset = i64::from(utc_offset_minutes) * MINUTE_MS;
    let start = now_ms
        .saturating_add(offset)
        .div_euclid(DAY_MS)
        .saturating_mul(DAY_MS)
        .saturating_sub(offset);
    (start, start.saturating_add(DAY_MS))
}

fn source_str(source: ContactSource) -> &'static str {
    match source {
        ContactSource::PersonalQr => "personal_qr",
        ContactSource::Cccd => "cccd",
        ContactSource::Bhyt => "bhyt",
        ContactSource::NationalQr => "national_qr",
        ContactSource::Manual => "manual",
    }
}

fn parse_source(s: &str) -> Option<ContactSource> {
    [
        ContactSource::PersonalQr,
        ContactSource::Cccd,
        ContactSource::Bhyt,
        ContactSource::NationalQr,
        ContactSource::Manual,
    ]
    .into_iter()
    .find(|src| source_str(*src) == s)
}

use crate::text::normalise as clean_text;

/// A name as compared for dedupe: NFC, lower case, single spaces.
fn name_key(name: &str) -> Zeroizing<String> {
    Zeroizing::new(clean_text(name).to_lowercase())
}

/// The digits of a phone number, with the Vietnamese country code folded to the trunk `0`
/// (`+84 912…` and `0912…` are the same line).
fn phone_digits(phone: &str) -> Zeroizing<String> {
    let digits: Zeroizing<String> =
        Zeroizing::new(phone.chars().filter(char::is_ascii_digit).collect());
    // `+` before the first digit: the number is written with its country code.
    let international = phone
        .split(|c: char| c.is_ascii_digit())
        .next()
        .is_some_and(|head| head.contains('+'));
    let national = digits
        .strip_prefix("0084")
        .or_else(|| digits.strip_prefix("84").filter(|_| international));
    match national {
        Some(rest) => Zeroizing::new(format!("0{rest}")),
        None => digits,
    }
}

/// An ID number as compared: no white space, upper case.
fn id_key(id: &str) -> Zeroizing<String> {
    Zeroizing::new(
        id.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase(),
    )
}

/// The parts of a person's identity hashed for dedupe. Namespaced, so a BHYT number and a
/// citizen ID never collide; a full ID number from a CCCD card and from the national QR is the
/// same person.
fn identity_parts(r: &ContactRecord) -> Vec<Zeroizing<String>> {
    let tag = |s: &str| Zeroizing::new(s.to_owned());
    let id = r.id_number.as_deref().map(id_key).filter(|s| !s.is_empty());
    let unmasked = id.clone().filter(|s| !s.contains('*'));
    let phone = r
        .phone
        .as_deref()
        .map(phone_digits)
        .filter(|s| !s.is_empty());
    match (r.source, unmasked) {
        (ContactSource::Manual, _) => match (phone, id) {
            (Some(p), _) => vec![tag("manual"), name_key(&r.full_name), p],
            (None, id) => vec![
                tag("manual-id"),
                name_key(&r.full_name),
                id.unwrap_or_default(),
            ],
        },
        (ContactSource::Bhyt, Some(n)) => vec![tag("bhyt"), n],
        (_, Some(n)) => vec![tag("id"), n],
        // A masked or missing number (the national QR masks by default): the name, the birth
        // year and whatever digits the mask leaves.
        (source, None) => vec![
            tag("masked"),
            tag(source_str(source)),
            name_key(&r.full_name),
            Zeroizing::new(r.birth_year.map(|y| y.to_string()).unwrap_or_default()),
            id.unwrap_or_default(),
            phone.unwrap_or_default(),
        ],
    }
}

/// A visitor ready to be written: sealed, hashed, with the readable hint.
struct Candidate {
    source: ContactSource,
    hint: DisplayHint,
    sealed: SealedContact,
    person_key: Vec<u8>,
}

/// The open/ended state of a session, read inside the write transaction.
struct SessionRow {
    venue_id: String,
    checkpoint: String,
    direction: Direction,
    ended: bool,
}

/// A visitor-log row as SQLite gives it.
struct RawEntry {
    id: String,
    session_id: String,
    venue_id: String,
    checkpoint: String,
    direction: String,
    scanned_at: i64,
    source: String,
    hint_name: String,
    hint_birth_year: Option<i64>,
}

const ENTRY_COLUMNS: &str = "id, session_id, venue_id, checkpoint, direction, scanned_at, source, \
                             hint_name, hint_birth_year";

impl RawEntry {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            session_id: r.get(1)?,
            venue_id: r.get(2)?,
            checkpoint: r.get(3)?,
            direction: r.get(4)?,
            scanned_at: r.get(5)?,
            source: r.get(6)?,
            hint_name: r.get(7)?,
            hint_birth_year: r.get(8)?,
        })
    }

    fn into_entry(self) -> Result<VisitorEntry, StoreError> {
        Ok(VisitorEntry {
            direction: Direction::parse(&self.direction)
                .ok_or(StoreError::Malformed("visitor direction"))?,
            source: parse_source(&self.source).ok_or(StoreError::Malformed("visitor source"))?,
            hint: DisplayHint {
                short_name: self.hint_name,
                birth_year: self
                    .hint_birth_year
                    .map(u16::try_from)
                    .transpose()
                    .map_err(|_| StoreError::Malformed("visitor birth year"))?,
            },
            id: self.id,
            session_id: self.session_id,
            venue_id: self.venue_id,
            checkpoint: self.checkpoint,
            scanned_at: self.scanned_at,
        })
    }
}

fn load_session(tx: &Transaction<'_>, id: &str) -> Result<Option<SessionRow>, StoreError> {
    let row = tx
        .query_row(
            "SELECT venue_id, checkpoint, direction, ended_at FROM scanner_sessions WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            },
        )
        .optional()?;
    row.map(|(venue_id, checkpoint, direction, ended_at)| {
        Ok(SessionRow {
            venue_id,
            checkpoint,
            direction: Direction::parse(&direction)
                .ok_or(StoreError::Malformed("session direction"))?,
            ended: ended_at.is_some(),
        })
    })
    .transpose()
}

/// The display hint kept for a card: the reader's, or one made from the record's name; never
/// longer than a personal QR's.
fn bounded_hint(hint: Option<DisplayHint>, record: &ContactRecord) -> DisplayHint {
    let mut hint = hint
        .filter(|h| !h.short_name.trim().is_empty())
        .unwrap_or_else(|| DisplayHint::from_full_name(&record.full_name, record.birth_year));
    hint.short_name = clean_text(&hint.short_name)
        .chars()
        .take(MAX_SHORT_NAME_CHARS)
        .collect();
    hint
}

/// A phone number staff typed: trimmed, 9 to 15 digits with `+ -.()` between; `None` when
/// empty.
fn checked_phone(phone: &str) -> Result<Option<String>, ManualEntryProblem> {
    let p = clean_text(phone);
    if p.is_empty() {
        return Ok(None);
    }
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let allowed = p
        .chars()
        .all(|c| c.is_ascii_digit() || "+ -.()".contains(c));
    if !allowed || !(9..=15).contains(&digits) {
        return Err(ManualEntryProblem::BadPhone);
    }
    Ok(Some(p))
}

/// Normalised manual-entry record, or the first problem found.
fn manual_record(
    full_name: &str,
    phone: Option<&str>,
    id_number: Option<&str>,
    birth_year: Option<u16>,
    now_ms: i64,
) -> Result<ContactRecord, ManualEntryProblem> {
    let name = clean_text(full_name);
    if name.is_empty() {
        return Err(ManualEntryProblem::MissingName);
    }
    if !name.chars().any(char::is_alphabetic) {
        return Err(ManualEntryProblem::BadName);
    }
    let phone = match phone {
        Some(p) => checked_phone(p)?,
        None => None,
    };
    let id_number = id_number
        .map(|s| id_key(s).to_string())
        .filter(|s| !s.is_empty());
    let id_kind = match &id_number {
        None => None,
        Some(n) => {
            if !(6..=20).contains(&n.len()) || !n.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(ManualEntryProblem::BadIdNumber);
            }
            let all_digits = n.chars().all(|c| c.is_ascii_digit());
            Some(match n.len() {
                12 if all_digits => IdKind::Cccd,
                9 if all_digits => IdKind::Cmnd,
                8 | 9 if n.starts_with(|c: char| c.is_ascii_uppercase()) => IdKind::Passport,
                _ => IdKind::Other,
            })
        }
    };
    if phone.is_none() && id_number.is_none() {
        return Err(ManualEntryProblem::MissingPhoneOrId);
    }
    if let Some(y) = birth_year {
        let this_year = time::OffsetDateTime::from_unix_timestamp(now_ms.div_euclid(1000))
            .map(|t| t.year())
            .unwrap_or(9999);
        if y < 1900 || i32::from(y) > this_year {
            return Err(ManualEntryProblem::BadBirthYear);
        }
    }
    ContactRecord {
        full_name: name,
        id_number,
        id_kind,
        phone,
        birth_year,
        source: ContactSource::Manual,
    }
    .normalised()
    .map_err(|_| ManualEntryProblem::BadName)
}

impl Store {
    /// Puts the phone in scanner mode at a venue checkpoint. The venue id and name follow the
    /// poster rules ([`VenueInfo::normalised`]); the checkpoint is 1 to
    /// [`MAX_CHECKPOINT_CHARS`] characters. An open session for the same venue, checkpoint and
    /// direction is resumed, not duplicated (the app may call this again after a restart).
    pub fn start_scanner_session(
        &self,
        venue_id: &str,
        venue_name: &str,
        checkpoint: &str,
        direction: Direction,
    ) -> Result<ScannerSession, StoreError> {
        let venue = VenueInfo {
            venue_id: venue_id.to_owned(),
            name: venue_name.to_owned(),
            address: String::new(),
            commune_code: 0,
            category: VenueCategory::Other,
            default_stay_minutes: 1,
            issued_at: 0,
        }
        .normalised()
        .map_err(|e| match e {
            VenueError::InvalidField("name") => StoreError::Invalid("venue_name"),
            VenueError::InvalidField(field) => StoreError::Invalid(field),
            _ => StoreError::Invalid("venue"),
        })?;
        let checkpoint = clean_text(checkpoint);
        if checkpoint.is_empty() || checkpoint.chars().count() > MAX_CHECKPOINT_CHARS {
            return Err(StoreError::Invalid("checkpoint"));
        }
        let fresh = ScannerSession {
            id: new_id()?,
            venue_id: venue.venue_id,
            venue_name: venue.name,
            checkpoint,
            direction,
            started_at: self.now_ms(),
        };
        let session = self.write(|tx| {
            let open = tx
                .query_row(
                    "SELECT id, venue_name, started_at FROM scanner_sessions
                     WHERE venue_id = ?1 AND checkpoint = ?2 AND direction = ?3
                       AND ended_at IS NULL
                     ORDER BY started_at DESC, id LIMIT 1",
                    params![fresh.venue_id, fresh.checkpoint, direction.as_str()],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                        ))
                    },
                )
                .optional()?;
            if let Some((id, venue_name, started_at)) = open {
                return Ok(ScannerSession {
                    id,
                    venue_name,
                    started_at,
                    ..fresh.clone()
                });
            }
            tx.execute(
                "INSERT INTO scanner_sessions
                   (id, venue_id, venue_name, checkpoint, direction, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    fresh.id,
                    fresh.venue_id,
                    fresh.venue_name,
                    fresh.checkpoint,
                    direction.as_str(),
                    fresh.started_at
                ],
            )?;
            Ok(fresh.clone())
        })?;
        tracing::info!(session = %session.id, venue = %session.venue_id, "scanner session started");
        Ok(session)
    }

    /// [`Store::start_scanner_session`] for the venue on a verified poster: a business binds its
    /// phone by scanning its own poster.
    pub fn start_scanner_session_from_poster(
        &self,
        poster: &VenuePoster,
        checkpoint: &str,
        direction: Direction,
    ) -> Result<ScannerSession, StoreError> {
        self.start_scanner_session(
            &poster.info.venue_id,
            &poster.info.name,
            checkpoint,
            direction,
        )
    }

    /// Ends a scanner session (ending it twice is harmless). Its entries stay until the
    /// retention purge.
    pub fn end_scanner_session(&self, id: &str) -> Result<(), StoreError> {
        let now = self.now_ms();
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE scanner_sessions SET ended_at = MAX(?1, started_at)
                 WHERE id = ?2 AND ended_at IS NULL",
                params![now, id],
            )?;
            if changed == 0 && load_session(tx, id)?.is_none() {
                return Err(StoreError::NotFound("scanner session"));
            }
            Ok(())
        })?;
        tracing::info!(session = %id, "scanner session ended");
        Ok(())
    }

    /// The open scanner sessions, oldest first.
    pub fn scanner_sessions(&self) -> Result<Vec<ScannerSession>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, venue_id, venue_name, checkpoint, direction, started_at
             FROM scanner_sessions WHERE ended_at IS NULL ORDER BY started_at, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, venue_id, venue_name, checkpoint, direction, started_at) = row?;
            out.push(ScannerSession {
                id,
                venue_id,
                venue_name,
                checkpoint,
                direction: Direction::parse(&direction)
                    .ok_or(StoreError::Malformed("session direction"))?,
                started_at,
            });
        }
        Ok(out)
    }

    /// Records one decoded code at the session's checkpoint.
    ///
    /// A personal QR is kept as it came (its record stays sealed); a CCCD, BHYT or national QR
    /// is minimised and sealed to `authority` at once. The same person at the same venue,
    /// checkpoint and direction within [`crate::store::Settings::dedupe_window_minutes`] is one
    /// entry. Anything that is not a person's valid code is [`ScanOutcome::Rejected`] with a
    /// reason for staff. An unknown session id is `StoreError::NotFound`.
    pub fn record_scan(
        &self,
        session_id: &str,
        scanned: &Scanned,
        authority: &SealingPublicKey,
    ) -> Result<ScanOutcome, StoreError> {
        let candidate = match scanned {
            Scanned::Personal(q) => self.personal_candidate(q),
            Scanned::Cccd(c) => {
                self.card_candidate(&c.contact_record(), Some(c.display_hint()), authority)
            }
            Scanned::Bhyt(c) => {
                self.card_candidate(&c.contact_record(), Some(c.display_hint()), authority)
            }
            Scanned::National(c) => {
                self.card_candidate(&c.contact_record(), Some(c.display_hint()), authority)
            }
            Scanned::Venue(_) | Scanned::Enrolment(_) | Scanned::CaseCode(_) => {
                Ok(Err(RejectReason::NotAPerson))
            }
            Scanned::Invalid(e) => Ok(Err(RejectReason::Invalid(e.clone()))),
            Scanned::Unknown => Ok(Err(RejectReason::Foreign)),
        }?;
        match candidate {
            Ok(c) => self.record_candidate(session_id, c),
            Err(reason) => self.reject(session_id, reason),
        }
    }

    /// Records a visitor from a contact record read by other means (what the card readers give;
    /// [`Store::manual_entry`] after its checks). The record is normalised and sealed to
    /// `authority` at once; `hint` defaults to one made from the record's name. A record that
    /// does not normalise (no name) is rejected as [`RejectReason::IncompleteRecord`].
    pub fn record_contact(
        &self,
        session_id: &str,
        record: &ContactRecord,
        hint: Option<DisplayHint>,
        authority: &SealingPublicKey,
    ) -> Result<ScanOutcome, StoreError> {
        match self.card_candidate(record, hint, authority)? {
            Ok(c) => self.record_candidate(session_id, c),
            Err(reason) => self.reject(session_id, reason),
        }
    }

    /// Types in a visitor with no phone and no card: a name and at least a phone or an ID
    /// number. Refused input is `StoreError::Invalid` with a [`ManualEntryProblem`] rule
    /// ([`ManualEntryProblem::of`] gives the staff message). Sealed, deduped and queued like a
    /// scan.
    pub fn manual_entry(
        &self,
        session_id: &str,
        full_name: &str,
        phone: Option<&str>,
        id_number: Option<&str>,
        birth_year: Option<u16>,
        authority: &SealingPublicKey,
    ) -> Result<ScanOutcome, StoreError> {
        let record = manual_record(full_name, phone, id_number, birth_year, self.now_ms())?;
        self.record_contact(session_id, &record, None, authority)
    }

    /// Adds the phone number a visitor gave at the door to the entry recorded from their card
    /// (a CCCD or BHYT card carries none), so the tracer can call them.
    ///
    /// `record` is the card's record, kept in memory only while staff were asked; it is sealed
    /// again to `authority` with the number, and the sealed record replaces the entry's in the
    /// visitor log and in its upload, under the same id (the server keeps the latest body per
    /// id, also after the first one went up). The entry is not counted again and its dedupe key
    /// does not change. Nothing is stored in plaintext. A number that is not one is
    /// `StoreError::Invalid` with the [`ManualEntryProblem::BadPhone`] rule; an entry no longer
    /// there is `StoreError::NotFound`.
    pub fn add_visitor_phone(
        &self,
        entry_id: &str,
        record: &ContactRecord,
        phone: &str,
        authority: &SealingPublicKey,
    ) -> Result<(), StoreError> {
        let Some(phone) = checked_phone(phone).map_err(|p| StoreError::Invalid(p.rule()))? else {
            return Err(StoreError::Invalid(ManualEntryProblem::BadPhone.rule()));
        };
        let with_phone = ContactRecord {
            phone: Some(phone),
            ..record.clone()
        }
        .normalised()
        .map_err(|_| StoreError::Invalid(ManualEntryProblem::BadPhone.rule()))?;
        let sealed = with_phone
            .seal(authority)
            .map_err(|_| StoreError::Invalid(ManualEntryProblem::BadPhone.rule()))?;
        let now = self.now_ms();
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE visitor_log SET sealed_kid = ?1, sealed_enc = ?2, sealed_ct = ?3
                 WHERE id = ?4",
                params![sealed.kid, sealed.enc, sealed.ciphertext, entry_id],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound("visitor entry"));
            }
            if let Some(mut upload) = outbox::body::<VisitorUpload>(tx, entry_id)? {
                upload.contact = SealedContactJson::from(&sealed);
                outbox::enqueue(tx, entry_id, OutboxKind::Visitor, &upload, now)?;
            }
            Ok(())
        })?;
        tracing::debug!(entry = %entry_id, "visitor phone added");
        Ok(())
    }

    /// Counts for a venue over `[day_start_ms, day_end_ms)`.
    pub fn visitor_counts(
        &self,
        venue_id: &str,
        day_start_ms: i64,
        day_end_ms: i64,
    ) -> Result<VisitorCounts, StoreError> {
        let conn = self.conn()?;
        let (entries, exits, unique) = conn.query_row(
            "SELECT COALESCE(SUM(direction = 'entry'), 0), COALESCE(SUM(direction = 'exit'), 0),
                    COUNT(DISTINCT person_key)
             FROM visitor_log WHERE venue_id = ?1 AND scanned_at >= ?2 AND scanned_at < ?3",
            params![venue_id, day_start_ms, day_end_ms],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        )?;
        let count = |n: i64| u64::try_from(n).map_err(|_| StoreError::Malformed("count"));
        let mut counts = VisitorCounts {
            entries: count(entries)?,
            exits: count(exits)?,
            unique_people: count(unique)?,
            by_source: SourceCounts::default(),
        };
        let mut stmt = conn.prepare(
            "SELECT source, COUNT(*) FROM visitor_log
             WHERE venue_id = ?1 AND scanned_at >= ?2 AND scanned_at < ?3 GROUP BY source",
        )?;
        let rows = stmt.query_map(params![venue_id, day_start_ms, day_end_ms], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (source, n) = row?;
            let source = parse_source(&source).ok_or(StoreError::Malformed("visitor source"))?;
            *counts.by_source.slot(source) += count(n)?;
        }
        Ok(counts)
    }

    /// Counts for a venue over today, the local day of
    /// [`crate::store::Settings::utc_offset_minutes`].
    pub fn visitor_counts_today(&self, venue_id: &str) -> Result<VisitorCounts, StoreError> {
        let (start, end) = local_day_bounds(self.now_ms(), self.settings().utc_offset_minutes);
        self.visitor_counts(venue_id, start, end)
    }

    /// Visitor-log entries of a session or a venue scanned at or after `since_ms`, newest first
    /// (hints only; the sealed records are not returned).
    pub fn visitor_log(
        &self,
        scope: VisitorLogScope<'_>,
        since_ms: i64,
    ) -> Result<Vec<VisitorEntry>, StoreError> {
        let (column, key) = match scope {
            VisitorLogScope::Session(id) => ("session_id", id),
            VisitorLogScope::Venue(id) => ("venue_id", id),
        };
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {ENTRY_COLUMNS} FROM visitor_log WHERE {column} = ?1 AND scanned_at >= ?2
             ORDER BY scanned_at DESC, id DESC"
        ))?;
        let rows = stmt.query_map(params![key, since_ms], RawEntry::read)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.into_entry()?);
        }
        Ok(out)
    }

    /// Every value of every table as text (BLOBs as hex and as lossy UTF-8), for tests that
    /// prove no plaintext identity is stored. Not for production use.
    #[doc(hidden)]
    pub fn debug_dump_all_text(&self) -> Result<String, StoreError> {
        use rusqlite::types::ValueRef;
        use std::fmt::Write as _;
        let conn = self.conn()?;
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = String::new();
        for table in tables {
            let _ = writeln!(out, "== {table}");
            let mut stmt =
                conn.prepare(&format!("SELECT * FROM \"{}\"", table.replace('"', "\"\"")))?;
            let columns = stmt.column_count();
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                for i in 0..columns {
                    let _ = match row.get_ref(i)? {
                        ValueRef::Null => write!(out, "NULL|"),
                        ValueRef::Integer(n) => write!(out, "{n}|"),
                        ValueRef::Real(x) => write!(out, "{x}|"),
                        ValueRef::Text(t) => {
                            write!(out, "{}|{}|", String::from_utf8_lossy(t), hex::encode(t))
                        }
                        ValueRef::Blob(b) => {
                            write!(out, "{}|{}|", hex::encode(b), String::from_utf8_lossy(b))
                        }
                    };
                }
                out.push('\n');
            }
        }
        Ok(out)
    }

    /// A personal QR as a candidate, or why it is refused. Its record is never opened.
    fn personal_candidate(
        &self,
        q: &PersonalQr,
    ) -> Result<Result<Candidate, RejectReason>, StoreError> {
        let age_ms = self
            .now_ms()
            .saturating_sub(q.issued_at.saturating_mul(1000));
        if !(-PERSONAL_QR_CLOCK_SKEW_MS..=PERSONAL_QR_VALID_DAYS * DAY_MS).contains(&age_ms) {
            return Ok(Err(RejectReason::Expired));
        }
        // The holder tag is the same on every code the person's phone renders that day; codes
        // without one (printed cards, older apps) are keyed by their sealed record.
        let person_key = match &q.holder {
            Some(tag) => self.person_key(&["personal_qr_holder", &hex::encode(tag)]),
            None => {
                let enc = Zeroizing::new(hex::encode(&q.contact.enc));
                self.person_key(&["personal_qr", enc.as_str()])
            }
        };
        Ok(Ok(Candidate {
            source: ContactSource::PersonalQr,
            hint: q.hint.clone(),
            sealed: q.contact.clone(),
            person_key,
        }))
    }

    /// A plaintext record (a card's, a manual entry's) sealed at once, or why it is refused.
    fn card_candidate(
        &self,
        record: &ContactRecord,
        hint: Option<DisplayHint>,
        authority: &SealingPublicKey,
    ) -> Result<Result<Candidate, RejectReason>, StoreError> {
        let Ok(record) = record.normalised() else {
            return Ok(Err(RejectReason::IncompleteRecord));
        };
        let sealed = match record.seal(authority) {
            Ok(s) => s,
            Err(crate::payload::contact::SealError::InvalidField(_)) => {
                return Ok(Err(RejectReason::IncompleteRecord));
            }
            Err(_) => return Err(StoreError::Random),
        };
        let parts = identity_parts(&record);
        let refs: Vec<&str> = parts.iter().map(|p| p.as_str()).collect();
        let person_key = self.person_key(&refs);
        Ok(Ok(Candidate {
            source: record.source,
            hint: bounded_hint(hint, &record),
            sealed,
            person_key,
        }))
    }

    /// A rejection, unless the session itself is gone or ended (which staff must fix first).
    fn reject(&self, session_id: &str, reason: RejectReason) -> Result<ScanOutcome, StoreError> {
        let conn = self.conn()?;
        let ended: Option<Option<i64>> = conn
            .query_row(
                "SELECT ended_at FROM scanner_sessions WHERE id = ?1",
                [session_id],
                |r| r.get(0),
            )
            .optional()?;
        let reason = match ended {
            None => return Err(StoreError::NotFound("scanner session")),
            Some(Some(_)) => RejectReason::SessionEnded,
            Some(None) => reason,
        };
        tracing::debug!(session = %session_id, reason = reason.message_en(), "scan rejected");
        Ok(ScanOutcome::Rejected(reason))
    }

    /// Dedupe, write and queue one candidate, in one transaction.
    fn record_candidate(&self, session_id: &str, c: Candidate) -> Result<ScanOutcome, StoreError> {
        if c.person_key.is_empty() {
            return Err(StoreError::Malformed("person key"));
        }
        let now = self.now_ms();
        let window = i64::from(self.settings().dedupe_window_minutes) * MINUTE_MS;
        let id = new_id()?;
        let outcome = self.write(|tx| {
            let Some(session) = load_session(tx, session_id)? else {
                return Err(StoreError::NotFound("scanner session"));
            };
            if session.ended {
                return Ok(ScanOutcome::Rejected(RejectReason::SessionEnded));
            }
            if window > 0 {
                let earlier = tx
                    .query_row(
                        &format!(
                            "SELECT {ENTRY_COLUMNS} FROM visitor_log
                             WHERE venue_id = ?1 AND person_key = ?2 AND checkpoint = ?3
                               AND direction = ?4 AND scanned_at > ?5
                             ORDER BY scanned_at DESC, id DESC LIMIT 1"
                        ),
                        params![
                            session.venue_id,
                            c.person_key,
                            session.checkpoint,
                            session.direction.as_str(),
                            now.saturating_sub(window)
                        ],
                        RawEntry::read,
                    )
                    .optional()?;
                if let Some(raw) = earlier {
                    let entry = raw.into_entry()?;
                    let seconds_ago =
                        u64::try_from(now.saturating_sub(entry.scanned_at) / 1000).unwrap_or(0);
                    return Ok(ScanOutcome::Duplicate { entry, seconds_ago });
                }
            }
            let entry = VisitorEntry {
                id: id.clone(),
                session_id: session_id.to_owned(),
                venue_id: session.venue_id,
                checkpoint: session.checkpoint,
                direction: session.direction,
                scanned_at: now,
                source: c.source,
                hint: c.hint.clone(),
            };
            tx.execute(
                "INSERT INTO visitor_log (id, session_id, venue_id, checkpoint, direction,
                   scanned_at, source, hint_name, hint_birth_year, sealed_kid, sealed_enc,
                   sealed_ct, person_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    entry.id,
                    entry.session_id,
                    entry.venue_id,
                    entry.checkpoint,
                    entry.direction.as_str(),
                    entry.scanned_at,
                    source_str(entry.source),
                    entry.hint.short_name,
                    entry.hint.birth_year,
                    c.sealed.kid,
                    c.sealed.enc,
                    c.sealed.ciphertext,
                    c.person_key,
                ],
            )?;
            let upload = VisitorUpload {
                client_id: entry.id.clone(),
                venue_id: entry.venue_id.clone(),
                checkpoint: entry.checkpoint.clone(),
                direction: entry.direction.as_str().to_owned(),
                scanned_at: entry.scanned_at,
                source: source_str(entry.source).to_owned(),
                contact: SealedContactJson::from(&c.sealed),
            };
            outbox::enqueue(tx, &entry.id, OutboxKind::Visitor, &upload, now)?;
            Ok(ScanOutcome::Recorded(entry))
        })?;
        match &outcome {
            ScanOutcome::Recorded(e) => {
                tracing::debug!(session = %session_id, entry = %e.id, source = source_str(e.source), "visitor recorded");
            }
            ScanOutcome::Duplicate { entry, seconds_ago } => {
                tracing::debug!(session = %session_id, entry = %entry.id, seconds_ago, "duplicate scan");
            }
            ScanOutcome::Rejected(r) => {
                tracing::debug!(session = %session_id, reason = r.message_en(), "scan rejected");
            }
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_digits_fold_the_country_code() {
        for p in [
            "0912345678",
            "0912 345 678",
            "+84 912 345 678",
            "0084912345678",
            "(+84) 912-345-678",
        ] {
            assert_eq!(phone_digits(p).as_str(), "0912345678", "{p}");
        }
        // A national number that happens to start with 84 is left alone.
        assert_eq!(phone_digits("84123456789").as_str(), "84123456789");
    }

    #[test]
    fn names_compare_by_nfc_lower_case_single_spaces() {
        // "Nguyễn" written with combining marks (NFD) and in other case and spacing.
        use unicode_normalization::UnicodeNormalization as _;
        let nfd: String = "NGUYỄN  Văn An".nfd().collect();
        assert_eq!(name_key(&nfd).as_str(), "nguyễn văn an");
        assert_eq!(name_key(" nguyễn văn   an ").as_str(), "nguyễn văn an");
    }

    fn rec(source: ContactSource, id: Option<&str>, phone: Option<&str>) -> ContactRecord {
        ContactRecord {
            full_name: "Trần Thị Bình".into(),
            id_number: id.map(Into::into),
            id_kind: None,
            phone: phone.map(Into::into),
            birth_year: Some(2005),
            source,
        }
    }

    fn parts(r: &ContactRecord) -> Vec<String> {
        identity_parts(r).iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn identities_are_namespaced_by_what_identifies_the_person() {
        let id = Some("079305004321");
        assert_eq!(
            parts(&rec(ContactSource::Cccd, id, None)),
            ["id", "079305004321"]
        );
        assert_eq!(
            parts(&rec(ContactSource::NationalQr, id, Some("0900000000"))),
            ["id", "079305004321"]
        );
        assert_eq!(
            parts(&rec(ContactSource::Bhyt, Some("gd 4797900000001"), None)),
            ["bhyt", "GD4797900000001"]
        );
        assert_eq!(
            parts(&rec(ContactSource::Manual, id, Some("+84 900 000 000"))),
            ["manual", "trần thị bình", "0900000000"]
        );
        assert_eq!(
            parts(&rec(ContactSource::Manual, id, None)),
            ["manual-id", "trần thị bình", "079305004321"]
        );
        assert_eq!(
            parts(&rec(ContactSource::NationalQr, Some("******004321"), None)),
            [
                "masked",
                "national_qr",
                "trần thị bình",
                "2005",
                "******004321",
                ""
            ]
        );
    }

    #[test]
    fn local_days_before_1970_and_at_midnight() {
        assert_eq!(local_day_bounds(0, 0), (0, DAY_MS));
        assert_eq!(local_day_bounds(-1, 0), (-DAY_MS, 0));
        let off = 420 * MINUTE_MS;
        // 17:00 UTC is local midnight at UTC+7.
        assert_eq!(
            local_day_bounds(DAY_MS - off, 420),
            (DAY_MS - off, 2 * DAY_MS - off)
        );
        assert_eq!(
            local_day_bounds(DAY_MS - off - 1, 420),
            (-off, DAY_MS - off)
        );
    }

    #[test]
    fn sources_and_directions_round_trip() {
        for s in [
            ContactSource::PersonalQr,
            ContactSource::Cccd,
            ContactSource::Bhyt,
            ContactSource::NationalQr,
            ContactSource::Manual,
        ] {
            assert_eq!(parse_source(source_str(s)), Some(s));
            // The stored text is the serde name the upload documents.
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", source_str(s))
            );
        }
        for d in [Direction::Entry, Direction::Exit] {
            assert_eq!(Direction::parse(d.as_str()), Some(d));
        }
    }
}
