//! Business scanner flows through the public API: sessions, scans of every source, manual
//! entries, dedupe, typed rejections, counts, the outbox and the retention purge, and the
//! promise that no plaintext identity reaches the disk.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use quetma_core::business::{
    Direction, ManualEntryProblem, RejectReason, ScanOutcome, ScannerSession, VisitorCounts,
    VisitorEntry, VisitorLogScope, local_day_bounds,
};
use quetma_core::keys::SealingPrivateKey;
use quetma_core::keys::fixtures::{sealing_key, signing_key, trust_list};
use quetma_core::outbox::{OutboxKind, VisitorUpload};
use quetma_core::payload::personal::{PersonalError, PersonalQr};
use quetma_core::payload::scanned::InvalidCode;
use quetma_core::payload::venue::{self, fixtures::hadong_pharmacy};
use quetma_core::payload::{ContactRecord, ContactSource, DisplayHint, IdKind, Scanned, classify};
use quetma_core::store::{
    DAY_MS, DB_FILE, MINUTE_MS, ManualClock, MemoryKeyVault, Settings, Store, StoreError,
};

/// 2026-09-21 14:13:20 UTC (21:13:20 in Hà Nội).
const T0: i64 = 1_790_000_000_000;
const VENUE: &str = "HD-VQ-000123";
const OTHER_VENUE: &str = "HD-KL-004567";

struct Fx {
    dir: tempfile::TempDir,
    vault: MemoryKeyVault,
    clock: Arc<ManualClock>,
    store: Store,
    key: SealingPrivateKey,
}

impl Fx {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryKeyVault::new();
        let clock = Arc::new(ManualClock::new(T0));
        let store = open(dir.path(), &vault, &clock);
        Self {
            dir,
            vault,
            clock,
            store,
            key: sealing_key(),
        }
    }

    fn reopen(&mut self) {
        self.store = open(self.dir.path(), &self.vault, &self.clock);
    }

    fn session(&self, venue: &str, checkpoint: &str, direction: Direction) -> ScannerSession {
        self.store
            .start_scanner_session(venue, "Nhà thuốc Minh Châu", checkpoint, direction)
            .unwrap()
    }

    fn scan(&self, session: &ScannerSession, text: &str) -> ScanOutcome {
        self.store
            .record_scan(
                &session.id,
                &classify(text, &trust_list()),
                self.key.public(),
            )
            .unwrap()
    }

    fn contact(&self, session: &ScannerSession, record: &ContactRecord) -> ScanOutcome {
        self.store
            .record_contact(&session.id, record, None, self.key.public())
            .unwrap()
    }

    fn manual(&self, session: &ScannerSession, name: &str, phone: &str) -> ScanOutcome {
        self.store
            .manual_entry(
                &session.id,
                name,
                Some(phone),
                None,
                Some(1980),
                self.key.public(),
            )
            .unwrap()
    }

    /// The queued upload of an entry and its contact record, opened with the authority key.
    fn upload(&self, entry_id: &str) -> (VisitorUpload, ContactRecord) {
        let items = self.store.outbox_pending(1000).unwrap();
        let item = items.iter().find(|i| i.id == entry_id).expect("queued");
        assert_eq!(item.kind, OutboxKind::Visitor);
        let body: VisitorUpload = serde_json::from_str(&item.body).unwrap();
        let record = body.contact.to_sealed().unwrap().open(&self.key).unwrap();
        (body, record)
    }

    fn set_time(&self, ms: i64) {
        self.clock.set(ms);
    }
}

fn open(dir: &Path, vault: &MemoryKeyVault, clock: &Arc<ManualClock>) -> Store {
    Store::open(dir, vault, Settings::default(), clock.clone())
        .unwrap()
        .store
}

fn record(
    name: &str,
    id: Option<&str>,
    kind: Option<IdKind>,
    phone: Option<&str>,
    year: Option<u16>,
    source: ContactSource,
) -> ContactRecord {
    ContactRecord {
        full_name: name.into(),
        id_number: id.map(Into::into),
        id_kind: kind,
        phone: phone.map(Into::into),
        birth_year: year,
        source,
    }
}

fn cccd_record() -> ContactRecord {
    record(
        "Nguyễn Văn An",
        Some("001099012345"),
        Some(IdKind::Cccd),
        None,
        Some(1999),
        ContactSource::Cccd,
    )
}

fn personal_record(name: &str, id: &str, phone: &str) -> ContactRecord {
    record(
        name,
        Some(id),
        Some(IdKind::Cccd),
        Some(phone),
        Some(1990),
        ContactSource::PersonalQr,
    )
}

/// Personal QR text made `age_ms` before the clock's `now`.
fn personal_text(record: &ContactRecord, now_ms: i64, age_ms: i64) -> String {
    PersonalQr::new(
        record,
        None,
        sealing_key().public(),
        (now_ms - age_ms).div_euclid(1000),
    )
    .unwrap()
    .encode()
}

fn recorded(outcome: ScanOutcome) -> VisitorEntry {
    match outcome {
        ScanOutcome::Recorded(e) => e,
        other => panic!("expected a new entry, got {other:?}"),
    }
}

fn duplicate(outcome: ScanOutcome) -> (VisitorEntry, u64) {
    match outcome {
        ScanOutcome::Duplicate { entry, seconds_ago } => (entry, seconds_ago),
        other => panic!("expected a duplicate, got {other:?}"),
    }
}

fn rejected(outcome: ScanOutcome) -> RejectReason {
    match outcome {
        ScanOutcome::Rejected(r) => r,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn hint(name: &str, year: Option<u16>) -> DisplayHint {
    DisplayHint {
        short_name: name.into(),
        birth_year: year,
    }
}

#[test]
fn each_source_is_recorded_with_its_hint_and_sealed_minimised() {
    let fx = Fx::new();
    let gate = fx.session(VENUE, "Cổng chính", Direction::Entry);

    // Our personal QR, classified from its text: the hint as it came, the record untouched.
    let mine = personal_record("Trần Thị Bình", "079305004321", "0900000000");
    let e = recorded(fx.scan(&gate, &personal_text(&mine, T0, DAY_MS)));
    assert_eq!(e.source, ContactSource::PersonalQr);
    assert_eq!(e.hint, hint("T. T. Bình", Some(1990)));
    assert_eq!(
        (e.venue_id.as_str(), e.checkpoint.as_str(), e.direction),
        (VENUE, "Cổng chính", Direction::Entry)
    );
    assert_eq!(
        (e.session_id.as_str(), e.scanned_at),
        (gate.id.as_str(), T0)
    );
    let (body, opened) = fx.upload(&e.id);
    assert_eq!(opened, mine);
    assert_eq!(body.source, "personal_qr");

    // Card sources, through the same path the card readers' records take.
    let cards = [
        (cccd_record(), "cccd", hint("N. V. An", Some(1999))),
        (
            record(
                "Lê Thị Hoa",
                Some("GD4797900000001"),
                Some(IdKind::Bhyt),
                None,
                Some(1985),
                ContactSource::Bhyt,
            ),
            "bhyt",
            hint("L. T. Hoa", Some(1985)),
        ),
        (
            record(
                "TRAN THI BINH",
                Some("079305004321"),
                Some(IdKind::Cccd),
                Some("0900000000"),
                Some(2005),
                ContactSource::NationalQr,
            ),
            "national_qr",
            hint("T. T. BINH", Some(2005)),
        ),
    ];
    for (card, source, expected_hint) in cards {
        let e = recorded(fx.contact(&gate, &card));
        assert_eq!(e.source, card.source);
        assert_eq!(e.hint, expected_hint);
        let (body, opened) = fx.upload(&e.id);
        assert_eq!(body.source, source);
        // The sealed record is exactly the minimised record: name, number, phone, birth year
        // and source; a ContactRecord has no field for an address, old CMND or issue date.
        assert_eq!(opened, card.normalised().unwrap());
    }

    // A reader's own hint wins over the one made from the name (e.g. a masked national QR).
    let e = recorded(
        fx.store
            .record_contact(
                &gate.id,
                &record(
                    "PHAM VAN DUC",
                    Some("******004999"),
                    Some(IdKind::Other),
                    None,
                    None,
                    ContactSource::NationalQr,
                ),
                Some(hint("P. V. DUC", None)),
                fx.key.public(),
            )
            .unwrap(),
    );
    assert_eq!(e.hint, hint("P. V. DUC", None));

    // Typed in by staff: the name is cleaned, the hint abbreviated.
    let e = recorded(
        fx.store
            .manual_entry(
                &gate.id,
                "  Đặng   Thị Thu  ",
                Some("0912 345 678"),
                Some("001180000111"),
                Some(1980),
                fx.key.public(),
            )
            .unwrap(),
    );
    assert_eq!(e.source, ContactSource::Manual);
    assert_eq!(e.hint, hint("Đ. T. Thu", Some(1980)));
    let (body, opened) = fx.upload(&e.id);
    assert_eq!(body.source, "manual");
    assert_eq!(
        opened,
        record(
            "Đặng Thị Thu",
            Some("001180000111"),
            Some(IdKind::Cccd),
            Some("0912 345 678"),
            Some(1980),
            ContactSource::Manual,
        )
    );

    let log = fx
        .store
        .visitor_log(VisitorLogScope::Session(&gate.id), T0)
        .unwrap();
    assert_eq!(log.len(), 6);
}

/// The CCCD reader is being written in parallel: in this tree `classify` does not know the
/// card yet. Once it does, the fixture card must be recorded minimised and sealed.
#[test]
fn cccd_fixture_text_once_the_reader_lands() {
    let fx = Fx::new();
    let gate = fx.session(VENUE, "Cổng chính", Direction::Entry);
    let text = "001099012345|012345678|Nguyễn Văn An|15031999|Nam|Số 1 Phố Mẫu, Phường Ba Đình, Thành phố Hà Nội|10052021";
    let scanned = classify(text, &trust_list());
    let outcome = fx
        .store
        .record_scan(&gate.id, &scanned, fx.key.public())
        .unwrap();
    match scanned {
        Scanned::Cccd(_) => {
            let e = recorded(outcome);
            assert_eq!(e.source, ContactSource::Cccd);
            assert_eq!(e.hint.short_name, "N. V. An");
            let (_, opened) = fx.upload(&e.id);
            assert_eq!(opened.full_name, "Nguyễn Văn An");
            assert_eq!(opened.id_number.as_deref(), Some("001099012345"));
            assert_eq!(opened.birth_year, Some(1999));
            assert_eq!(opened.phone, None);
        }
        Scanned::Unknown => assert_eq!(rejected(outcome), RejectReason::Foreign),
        other => panic!("unexpected {other:?}"),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn assert_absent(what: &str, bytes: &[u8], needles: &[&str]) {
    let folded = bytes.to_ascii_lowercase();
    for n in needles {
        assert!(!contains(bytes, n.as_bytes()), "{n:?} found in {what}");
        assert!(
            !contains(&folded, n.to_ascii_lowercase().as_bytes()),
            "{n:?} (case-folded) found in {what}"
        );
    }
}

fn raw_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for suffix in ["", "-wal"] {
        let path = dir.join(format!("{DB_FILE}{suffix}"));
        if let Ok(bytes) = std::fs::read(&path) {
            out.push((format!("{DB_FILE}{suffix}"), bytes));
        }
    }
    out
}

#[test]
fn plaintext_never_reaches_disk() {
    let fx = Fx::new();
    let gate = fx.session(VENUE, "Cổng chính", Direction::Entry);
    recorded(fx.contact(&gate, &cccd_record()));
    recorded(
        fx.store
            .manual_entry(
                &gate.id,
                "Trần Thị Bình",
                Some("0912345678"),
                None,
                Some(1975),
                fx.key.public(),
            )
            .unwrap(),
    );
    let mine = personal_record("Lê Văn Cường", "079305004321", "0987654321");
    recorded(fx.scan(&gate, &personal_text(&mine, T0, 0)));

    let needles = [
        "Nguyễn Văn An",
        "Nguyễn",
        "NGUYEN",
        "001099012345",
        "Trần Thị Bình",
        "TRAN THI",
        "0912345678",
        "Lê Văn Cường",
        "079305004321",
        "0987654321",
    ];
    // While open (the WAL holds the latest writes) and after closing.
    let open_files = raw_files(fx.dir.path());
    assert!(open_files.iter().any(|(n, _)| n.ends_with("-wal")));
    for (name, bytes) in &open_files {
        assert_absent(name, bytes, &needles);
    }
    let Fx {
        dir,
        vault,
        clock,
        store,
        ..
    } = fx;
    drop(store);
    let closed = raw_files(dir.path());
    assert!(!closed.is_empty());
    for (name, bytes) in &closed {
        assert_absent(name, bytes, &needles);
    }

    // Inside the decrypted database: every value of every table, as text and hex.
    let store = open(dir.path(), &vault, &clock);
    let dump = store.debug_dump_all_text().unwrap();
    assert!(dump.contains("== visitor_log") && dump.contains("== outbox"));
    assert!(dump.contains("N. V. An"), "the hint is kept");
    let pii = [
        "Nguyễn Văn An",
        "NGUYEN",
        "001099012345",
        "Trần Thị Bình",
        "0912345678",
        "Lê Văn Cường",
        "079305004321",
        "0987654321",
    ];
    assert_absent("database dump", dump.as_bytes(), &pii);
    for n in pii {
        assert!(!dump.contains(&hex::encode(n)), "{n:?} found as hex");
    }
}

#[test]
fn dedupe_within_the_window_per_checkpoint_direction_and_person() {
    let fx = Fx::new();
    let gate = fx.session(VENUE, "Cổng chính", Direction::Entry);
    let side = fx.session(VENUE, "Cổng phụ", Direction::Entry);
    let out = fx.session(VENUE, "Cổng chính", Direction::Exit);
    let elsewhere = fx.session(OTHER_VENUE, "Cổng chính", Direction::Entry);
    let p1 = personal_text(
        &personal_record("Lê Văn Cường", "079305004321", "0987654321"),
        T0,
        0,
    );
    let p2 = personal_text(
        &personal_record("Lê Văn Cường", "079305004321", "0987654321"),
        T0,
        0,
    );

    let first = recorded(fx.scan(&gate, &p1));
    fx.clock.advance(Duration::from_secs(10 * 60));
    let (again, ago) = duplicate(fx.scan(&gate, &p1));
    assert_eq!((again.id.as_str(), ago), (first.id.as_str(), 600));
    // Other checkpoint, other direction, other venue, other code: separate entries.
    recorded(fx.scan(&side, &p1));
    recorded(fx.scan(&out, &p1));
    recorded(fx.scan(&elsewhere, &p1));
    recorded(fx.scan(&gate, &p2));
    // Window is 30 minutes from the recorded entry, not from the duplicate.
    fx.clock.advance(Duration::from_secs(19 * 60));
    duplicate(fx.scan(&gate, &p1));
    fx.clock.advance(Duration::from_secs(60));
    let later = recorded(fx.scan(&gate, &p1));
    assert_ne!(later.id, first.id);

    // Manual entries: the same name and line however typed; another person is not deduped.
    let m = recorded(fx.manual(&gate, "Trần Thị Bình", "0912345678"));
    let (d, _) = duplicate(fx.manual(&gate, "  trần   THỊ bình ", "+84 912 345 678"));
    assert_eq!(d.id, m.id);
    recorded(fx.manual(&gate, "Trần Thị Bình", "0912345679"));
    recorded(fx.manual(&gate, "Trần Văn Bình", "0912345678"));

    // Cards: the ID number is the person, across the CCCD and the national QR showing it.
    let c = recorded(fx.contact(&gate, &cccd_record()));
    let mut national = cccd_record();
    national.full_name = "NGUYEN VAN AN".into();
    national.source = ContactSource::NationalQr;
    let (d, _) = duplicate(fx.contact(&gate, &national));
    assert_eq!(d.id, c.id);
    let mut other = cccd_record();
    other.id_number = Some("001099054321".into());
    recorded(fx.contact(&gate, &other));
    // A BHYT number never collides with a citizen ID.
    let mut bhyt = cccd_record();
    bhyt.source = ContactSource::Bhyt;
    bhyt.id_kind = Some(IdKind::Bhyt);
    recorded(fx.contact(&gate, &bhyt));
    // Masked national numbers: told apart by name and birth year.
    let masked = |name: &str| {
        record(
            name,
            Some("******004321"),
            Some(IdKind::Other),
            None,
            Some(2005),
            ContactSource::NationalQr,
        )
    };
    let n1 = recorded(fx.contact(&gate, &masked("TRAN THI BINH")));
    assert_eq!(
        duplicate(fx.contact(&gate, &masked("TRAN THI BINH"))).0.id,
        n1.id
    );
    recorded(fx.contact(&gate, &masked("TRAN VAN BINH")));

    // Nothing is queued for duplicates.
    let queued = fx.store.outbox_pending(1000).unwrap().len();
    let logged = fx
        .store
        .visitor_log(VisitorLogScope::Venue(VENUE), 0)
        .unwrap()
        .len()
        + fx.store
            .visitor_log(VisitorLogScope::Venue(OTHER_VENUE), 0)
            .unwrap()
            .len();
    assert_eq!(queued, logged);
    assert_eq!(logged, 14);
}

#[test]
fn typed_rejections() {
    let fx = Fx::new();
    let gate = fx.session(VENUE, "Cổng chính", Direction::Entry);
    let mine = personal_record("Lê Văn Cường", "079305004321", "0987654321");

    // A venue poster scanned in scanner mode.
    let poster = venue::encode(
        &hadong_pharmacy(),
        &signing_key(),
        "https://qr.hadong.gov.vn",
    )
    .unwrap();
    assert_eq!(rejected(fx.scan(&gate, &poster)), RejectReason::NotAPerson);
    // Some other code.
    assert_eq!(
        rejected(fx.scan(&gate, "WIFI:T:WPA;S:Cafe;P:12345678;;")),
        RejectReason::Foreign
    );
    // A damaged personal QR.
    let text = personal_text(&mine, T0, 0);
    assert_eq!(
        rejected(fx.scan(&gate, &text[..text.len() - 8])),
        RejectReason::Invalid(InvalidCode::Personal(PersonalError::Truncated))
    );
    // Expired: made over a year ago, or dated beyond the clock-skew allowance.
    assert_eq!(
        rejected(fx.scan(&gate, &personal_text(&mine, T0, 366 * DAY_MS))),
        RejectReason::Expired
    );
    assert_eq!(
        rejected(fx.scan(&gate, &personal_text(&mine, T0, -2 * DAY_MS))),
        RejectReason::Expired
    );
    recorded(fx.scan(&gate, &personal_text(&mine, T0, 364 * DAY_MS)));
    recorded(fx.scan(&gate, &personal_text(&mine, T0, -12 * 60 * MINUTE_MS)));
    // A card code without a name.
    let mut nameless = cccd_record();
    nameless.full_name = " ".into();
    assert_eq!(
        rejected(fx.contact(&gate, &nameless)),
        RejectReason::IncompleteRecord
    );

    // Staff messages: Vietnamese and English, no personal data.
    let reasons = [
        RejectReason::NotAPerson,
        RejectReason::Foreign,
        RejectReason::Invalid(InvalidCode::Personal(PersonalError::Truncated)),
        RejectReason::Expired,
        RejectReason::SessionEnded,
        RejectReason::IncompleteRecord,
    ];
    for r in &reasons {
        assert!(!r.message_vi().is_empty() && r.message_vi() != r.message_en());
    }
    assert!(
        RejectReason::Expired
            .message_vi()
            .starts_with("Mã đã hết hạn")
    );
    assert!(
        RejectReason::Expired
            .message_en()
            .starts_with("Code expired")
    );
    assert!(
        RejectReason::NotAPerson
            .message_vi()
            .starts_with("Không phải mã cá nhân")
    );

    // An ended session refuses everything, whatever was scanned; an unknown one is an error.
    fx.store.end_scanner_session(&gate.id).unwrap();
    let fresh = personal_text(
        &personal_record("Vũ Văn Em", "001088000222", "0911111111"),
        T0,
        0,
    );
    assert_eq!(rejected(fx.scan(&gate, &fresh)), RejectReason::SessionEnded);
    assert_eq!(
        rejected(fx.scan(&gate, "hello")),
        RejectReason::SessionEnded
    );
    assert_eq!(
        rejected(fx.manual(&gate, "Vũ Văn Em", "0911111111")),
        RejectReason::SessionEnded
    );
    assert!(matches!(
        fx.store
            .record_scan("NO-SUCH-SESSION", &Scanned::Unknown, fx.key.public()),
        Err(StoreError::NotFound(_))
    ));

    // Only the two good scans were queued.
    assert_eq!(fx.store.outbox_pending(100).unwrap().len(), 2);
}

#[test]
fn manual_entry_and_session_input_is_checked() {
    let fx = Fx::new();
    let gate = fx.session(VENUE, "Cổng chính", Direction::Entry);
    let k = fx.key.public();
    let problem = |r: Result<ScanOutcome, StoreError>| ManualEntryProblem::of(&r.unwrap_err());
    let s = &gate.id;
    let st = &fx.store;
    assert_eq!(
        problem(st.manual_entry(s, "  ", Some("0912345678"), None, None, k)),
        Some(ManualEntryProblem::MissingName)
    );
    assert_eq!(
        problem(st.manual_entry(s, "Trần Thị Bình", None, Some(" "), None, k)),
        Some(ManualEntryProblem::MissingPhoneOrId)
    );
    assert_eq!(
        problem(st.manual_entry(s, "Trần Thị Bình", Some("gọi tôi"), None, None, k)),
        Some(ManualEntryProblem::BadPhone)
    );
    assert_eq!(
        problem(st.manual_entry(s, "Trần Thị Bình", Some("0912"), None, None, k)),
        Some(ManualEntryProblem::BadPhone)
    );
    assert_eq!(
        problem(st.manual_entry(s, "Trần Thị Bình", None, Some("12-34"), None, k)),
        Some(ManualEntryProblem::BadIdNumber)
    );
    assert_eq!(
        problem(st.manual_entry(s, "Trần Thị Bình", Some("0912345678"), None, Some(2099), k)),
        Some(ManualEntryProblem::BadBirthYear)
    );
    assert_eq!(
        problem(st.manual_entry(s, &"A".repeat(101), Some("0912345678"), None, None, k)),
        Some(ManualEntryProblem::BadName)
    );
    for p in [
        ManualEntryProblem::MissingName,
        ManualEntryProblem::MissingPhoneOrId,
    ] {
        assert!(!p.message_vi().is_empty() && p.message_vi() != p.message_en());
    }
    // An ID number alone is enough.
    let e = recorded(
        st.manual_entry(s, "Trần Thị Bình", None, Some("b1234567"), None, k)
            .unwrap(),
    );
    let (_, opened) = fx.upload(&e.id);
    assert_eq!(opened.id_number.as_deref(), Some("B1234567"));
    assert_eq!(opened.id_kind, Some(IdKind::Passport));
    assert_eq!(opened.phone, None);

    // Session input.
    let start = |venue: &str, name: &str, checkpoint: &str| {
        st.start_scanner_session(venue, name, checkpoint, Direction::Entry)
    };
    assert!(matches!(
        start(VENUE, "Shop", " "),
        Err(StoreError::Invalid("checkpoint"))
    ));
    assert!(matches!(
        start(VENUE, "Shop", &"x".repeat(61)),
        Err(StoreError::Invalid("checkpoint"))
    ));
    assert!(start(VENUE, "Shop", &"ư".repeat(60)).is_ok());
    assert!(matches!(
        start("HD 01!", "Shop", "Cổng"),
        Err(StoreError::Invalid("venue_id"))
    ));
    assert!(matches!(
        start("", "Shop", "Cổng"),
        Err(StoreError::Invalid("venue_id"))
    ));
    assert!(matches!(
        start(VENUE, "", "Cổng"),
        Err(StoreError::Invalid("venue_name"))
    ));
}

#[test]
fn sessions_start_from_a_poster_resume_end_and_list() {
    let fx = Fx::new();
    let poster_text = venue::encode(
        &hadong_pharmacy(),
        &signing_key(),
        "https://qr.hadong.gov.vn",
    )
    .unwrap();
    let Scanned::Venue(poster) = classify(&poster_text, &trust_list()) else {
        panic!("poster")
    };
    let gate = fx
        .store
        .start_scanner_session_from_poster(&poster, "  Cổng   chính ", Direction::Entry)
        .unwrap();
    assert_eq!(gate.venue_id, VENUE);
    assert_eq!(gate.venue_name, "Nhà thuốc Minh Châu");
    assert_eq!(gate.checkpoint, "Cổng chính");
    assert_eq!((gate.direction, gate.started_at), (Direction::Entry, T0));

    // Starting the same checkpoint again (app restart) resumes the open session.
    fx.clock.advance(Duration::from_secs(60));
    let again = fx.session(VENUE, "Cổng chính", Direction::Entry);
    assert_eq!(again, gate);
    let exit = fx.session(VENUE, "Cổng chính", Direction::Exit);
    assert_ne!(exit.id, gate.id);
    assert_eq!(
        fx.store.scanner_sessions().unwrap(),
        vec![gate.clone(), exit.clone()]
    );

    // The session's log, newest first.
    let a = recorded(fx.manual(&gate, "Trần Thị Bình", "0912345678"));
    fx.clock.advance(Duration::from_secs(60));
    let b = recorded(fx.manual(&gate, "Trần Văn Bình", "0912345678"));
    let c = recorded(fx.manual(&exit, "Trần Văn Bình", "0912345678"));
    let ids = |v: Vec<VisitorEntry>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let log = |scope, since| fx.store.visitor_log(scope, since).unwrap();
    assert_eq!(
        ids(log(VisitorLogScope::Session(&gate.id), 0)),
        vec![b.id.clone(), a.id]
    );
    assert_eq!(
        ids(log(VisitorLogScope::Session(&gate.id), b.scanned_at)),
        vec![b.id.clone()]
    );
    assert_eq!(log(VisitorLogScope::Venue(VENUE), 0).len(), 3);
    assert_eq!(ids(log(VisitorLogScope::Session(&exit.id), 0)), vec![c.id]);

    fx.store.end_scanner_session(&gate.id).unwrap();
    fx.store.end_scanner_session(&gate.id).unwrap();
    assert_eq!(fx.store.scanner_sessions().unwrap(), vec![exit.clone()]);
    assert!(matches!(
        fx.store.end_scanner_session("NO-SUCH-SESSION"),
        Err(StoreError::NotFound(_))
    ));
    // Ending does not remove the log; a new session at the same checkpoint is a new one.
    assert_eq!(log(VisitorLogScope::Session(&gate.id), 0).len(), 2);
    assert_ne!(
        fx.session(VENUE, "Cổng chính", Direction::Entry).id,
        gate.id
    );
}

#[test]
fn counts_for_today_across_local_midnight() {
    let fx = Fx::new();
    let offset = 7 * 60 * MINUTE_MS;
    // The next local (UTC+7) midnight after T0.
    let midnight = ((T0 + offset) / DAY_MS + 1) * DAY_MS - offset;
    assert_eq!(
        local_day_bounds(midnight + 1, 420),
        (midnight, midnight + DAY_MS)
    );
    assert_eq!(
        local_day_bounds(midnight - 1, 420),
        (midnight - DAY_MS, midnight)
    );

    let gate = fx.session(VENUE, "Cổng chính", Direction::Entry);
    let out = fx.session(VENUE, "Cổng chính", Direction::Exit);
    let elsewhere = fx.session(OTHER_VENUE, "Cổng", Direction::Entry);
    let qr = |name: &str, id: &str, now: i64| {
        personal_text(&personal_record(name, id, "0987654321"), now, 0)
    };

    // 23:50 local: a personal QR in and out, a manual entry in; another venue's visitor.
    fx.set_time(midnight - 10 * MINUTE_MS);
    let p1 = qr("Lê Văn Cường", "079305004321", fx.store.now_ms());
    recorded(fx.scan(&gate, &p1));
    recorded(fx.scan(&out, &p1));
    recorded(fx.manual(&gate, "Trần Thị Bình", "0912345678"));
    recorded(fx.manual(&elsewhere, "Trần Thị Bình", "0912345678"));
    let yesterday = fx.store.visitor_counts_today(VENUE).unwrap();

    // 00:10 local, the next day: a new personal QR, a CCCD in and out, a BHYT card.
    fx.set_time(midnight + 10 * MINUTE_MS);
    recorded(fx.scan(&gate, &qr("Vũ Văn Em", "001088000222", fx.store.now_ms())));
    recorded(fx.contact(&gate, &cccd_record()));
    recorded(fx.contact(&out, &cccd_record()));
    let mut bhyt = cccd_record();
    bhyt.source = ContactSource::Bhyt;
    bhyt.id_number = Some("GD4797900000001".into());
    recorded(fx.contact(&gate, &bhyt));
    // The same person at the gate 20 minutes after 23:50: one entry, still yesterday's.
    duplicate(fx.manual(&gate, "Trần Thị Bình", "0912345678"));

    let today = fx.store.visitor_counts_today(VENUE).unwrap();
    assert_eq!((today.entries, today.exits, today.unique_people), (3, 1, 3));
    let s = today.by_source;
    assert_eq!(
        (s.personal_qr, s.cccd, s.bhyt, s.national_qr, s.manual),
        (1, 2, 1, 0, 0)
    );
    assert_eq!(s.get(ContactSource::Cccd), 2);

    let before = fx
        .store
        .visitor_counts(VENUE, midnight - DAY_MS, midnight)
        .unwrap();
    assert_eq!(before, yesterday);
    assert_eq!(
        (before.entries, before.exits, before.unique_people),
        (2, 1, 2)
    );
    assert_eq!(
        (before.by_source.personal_qr, before.by_source.manual),
        (2, 1)
    );
    let other = fx
        .store
        .visitor_counts(OTHER_VENUE, midnight - DAY_MS, midnight)
        .unwrap();
    assert_eq!((other.entries, other.unique_people), (1, 1));
    assert_eq!(
        fx.store
            .visitor_counts("HD-NONE", midnight - DAY_MS, midnight + DAY_MS)
            .unwrap(),
        VisitorCounts::default()
    );
}

#[test]
fn outbox_holds_one_visitor_upload_per_recorded_entry() {
    let fx = Fx::new();
    let gate = fx.session(VENUE, "Cổng chính", Direction::Entry);
    let mine = personal_record("Lê Văn Cường", "079305004321", "0987654321");
    let text = personal_text(&mine, T0, 0);
    let a = recorded(fx.scan(&gate, &text));
    duplicate(fx.scan(&gate, &text));
    let b = recorded(fx.contact(&gate, &cccd_record()));
    duplicate(fx.contact(&gate, &cccd_record()));
    let c = recorded(fx.manual(&gate, "Trần Thị Bình", "0912345678"));
    rejected(fx.scan(&gate, "hello"));
    rejected(fx.scan(&gate, &personal_text(&mine, T0, 400 * DAY_MS)));

    let items = fx.store.outbox_pending(100).unwrap();
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|i| i.kind == OutboxKind::Visitor));
    for (entry, expected) in [
        (&a, mine.clone()),
        (&b, cccd_record()),
        (
            &c,
            record(
                "Trần Thị Bình",
                None,
                None,
                Some("0912345678"),
                Some(1980),
                ContactSource::Manual,
            ),
        ),
    ] {
        let (body, opened) = fx.upload(&entry.id);
        assert_eq!(body.client_id, entry.id);
        assert_eq!(body.venue_id, VENUE);
        assert_eq!(body.checkpoint, "Cổng chính");
        assert_eq!(body.direction, "entry");
        assert_eq!(body.scanned_at, entry.scanned_at);
        assert_eq!(body.contact.kid, fx.key.public().kid().as_str());
        assert_eq!(opened, expected);
    }
    // Another key cannot open what was queued.
    let other = SealingPrivateKey::generate().unwrap();
    let body: VisitorUpload = serde_json::from_str(&items[0].body).unwrap();
    assert!(body.contact.to_sealed().unwrap().open(&other).is_err());
    assert_eq!(fx.store.outbox_counts().unwrap().pending, 3);
}

#[test]
fn purge_removes_entries_older_than_21_days() {
    let mut fx = Fx::new();
    let gate = fx.session(VENUE, "Cổng chính", Direction::Entry);
    let old = recorded(fx.manual(&gate, "Trần Thị Bình", "0912345678"));
    fx.clock.advance(Duration::from_secs(2 * 86_400));
    let kept = recorded(fx.manual(&gate, "Trần Văn Bình", "0912345678"));
    fx.store.end_scanner_session(&gate.id).unwrap();
    // 22 days after the first entry, 20 after the second.
    fx.clock.advance(Duration::from_secs(20 * 86_400));
    let report = fx.store.purge().unwrap();
    assert_eq!(report.visitor_log, 1);
    assert_eq!(report.outbox, 1);
    let log = fx
        .store
        .visitor_log(VisitorLogScope::Venue(VENUE), 0)
        .unwrap();
    assert_eq!(log, vec![kept.clone()]);
    let pending: Vec<String> = fx
        .store
        .outbox_pending(10)
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(pending, vec![kept.id.clone()]);
    assert!(!fx.store.debug_dump_all_text().unwrap().contains(&old.id));

    // Two more days: the purge on open takes the rest; the ended session goes with it.
    fx.clock.advance(Duration::from_secs(2 * 86_400));
    fx.reopen();
    assert!(
        fx.store
            .visitor_log(VisitorLogScope::Venue(VENUE), 0)
            .unwrap()
            .is_empty()
    );
    assert!(!fx.store.debug_dump_all_text().unwrap().contains(&gate.id));
}
