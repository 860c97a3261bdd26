//! The citizen's flows end to end on a real encrypted store: profiles, check-in and check-out
//! in all their endings, multi-day stays, history, retention, declarations with consent,
//! personal QR codes, export and the upload outbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use quetma_core::citizen::visits::CheckInOptions;
use quetma_core::citizen::{EndReason, NewProfile, Relation};
use quetma_core::declaration::{
    ConsentPurpose, DeclarationError, DeclarationForm, Field, Sex, Symptom,
};
use quetma_core::keys::fixtures::{sealing_key, signing_key, trust_list};
use quetma_core::outbox::{OutboxKind, VisitUpload};
use quetma_core::payload::personal::{self, DeclarationStatus};
use quetma_core::payload::venue::{self, VenueCategory, VenueInfo, VenuePoster, fixtures};
use quetma_core::payload::{IdKind, Scanned, classify};
use quetma_core::store::{
    DAY_MS, MINUTE_MS, ManualClock, MemoryKeyVault, Settings, Store, StoreError,
};

/// 2026-09-21 00:00 UTC (07:00 in Hà Nội).
const T0: i64 = 1_789_948_800_000;
const HOUR: i64 = 60 * MINUTE_MS;

struct Phone {
    store: Store,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

fn phone_with(settings: Settings) -> Phone {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let store = Store::open(dir.path(), &MemoryKeyVault::new(), settings, clock.clone())
        .unwrap()
        .store;
    Phone {
        store,
        clock,
        _dir: dir,
    }
}

impl Phone {
    /// Checks `profiles` in at the venue of a freshly scanned poster.
    fn check_in(
        &self,
        info: &VenueInfo,
        profiles: &[String],
        expected_stay_minutes: Option<u32>,
    ) -> Vec<quetma_core::citizen::Visit> {
        self.store
            .check_in(
                &scan_poster(info),
                profiles,
                sealing_key().public(),
                CheckInOptions {
                    expected_stay_minutes,
                },
            )
            .unwrap()
    }
}

fn phone() -> Phone {
    phone_with(Settings::default())
}

fn owner() -> NewProfile {
    NewProfile {
        relation: Relation::Owner,
        full_name: "Nguyễn Văn An".into(),
        id_number: Some("001099012345".into()),
        id_kind: Some(IdKind::Cccd),
        phone: Some("0912345678".into()),
        birth_year: Some(1999),
    }
}

fn dependent(relation: Relation, name: &str, year: u16) -> NewProfile {
    NewProfile {
        relation,
        full_name: name.into(),
        id_number: None,
        id_kind: None,
        phone: Some("0912345678".into()),
        birth_year: Some(year),
    }
}

/// A poster as the phone sees it: encoded, scanned, verified.
fn scan_poster(info: &VenueInfo) -> VenuePoster {
    let text = venue::encode(info, &signing_key(), fixtures::BASE_URL).unwrap();
    match classify(&text, &trust_list()) {
        Scanned::Venue(p) => p,
        other => panic!("not a venue: {other:?}"),
    }
}

fn cafe() -> VenueInfo {
    VenueInfo {
        venue_id: "HD-CF-000001".into(),
        name: "Cà phê Hà Đông".into(),
        address: "Số 5 Phố Quang Trung, Phường Hà Đông, Hà Nội".into(),
        commune_code: 9886,
        category: VenueCategory::Restaurant,
        default_stay_minutes: 60,
        issued_at: 1_780_000_000,
    }
}

fn hotel() -> VenueInfo {
    VenueInfo {
        venue_id: "HD-KS-000002".into(),
        name: "Khách sạn Văn Quán".into(),
        address: "Phường Văn Quán, Hà Nội".into(),
        commune_code: 9886,
        category: VenueCategory::Lodging,
        default_stay_minutes: 24 * 60,
        issued_at: 1_780_000_000,
    }
}

fn ids(p: &[quetma_core::citizen::Profile]) -> Vec<String> {
    p.iter().map(|p| p.id.clone()).collect()
}

#[test]
fn profiles_owner_and_dependents() {
    let ph = phone();
    let me = ph.store.add_profile(&owner()).unwrap();
    let kid = ph
        .store
        .add_profile(&dependent(Relation::Child, "Nguyễn Minh Khôi", 2018))
        .unwrap();
    let gran = ph
        .store
        .add_profile(&dependent(Relation::Grandparent, "Trần Thị Bình", 1945))
        .unwrap();
    assert!(matches!(
        ph.store.add_profile(&owner()),
        Err(StoreError::Invalid(_))
    ));
    let all = ph.store.profiles().unwrap();
    assert_eq!(
        ids(&all),
        vec![me.id.clone(), kid.id.clone(), gran.id.clone()]
    );
    let mut bad = owner();
    bad.relation = Relation::Other;
    bad.full_name = "  ".into();
    assert!(matches!(
        ph.store.add_profile(&bad),
        Err(StoreError::Invalid(_))
    ));
    let mut edited = dependent(Relation::Child, "Nguyễn Minh Khôi", 2017);
    edited.phone = None;
    assert_eq!(
        ph.store
            .update_profile(&kid.id, &edited)
            .unwrap()
            .birth_year,
        Some(2017)
    );
    // Debug output never shows the name.
    assert!(!format!("{me:?}").contains("Nguy"));
}

#[test]
fn family_check_in_then_auto_check_out_after_default_stay() {
    let ph = phone();
    let me = ph.store.add_profile(&owner()).unwrap();
    let kid = ph
        .store
        .add_profile(&dependent(Relation::Child, "Nguyễn Minh Khôi", 2018))
        .unwrap();
    let poster = scan_poster(&cafe());
    let visits = ph
        .store
        .check_in(
            &poster,
            &[me.id.clone(), kid.id.clone()],
            sealing_key().public(),
            CheckInOptions::default(),
        )
        .unwrap();
    assert_eq!(visits.len(), 2);
    assert!(visits.iter().all(|v| v.is_open() && v.started_at == T0));
    assert_eq!(visits[0].planned_end, T0 + HOUR);
    // Scanning the same poster again is not a second visit.
    ph.clock.advance(Duration::from_secs(600));
    let again = ph
        .store
        .check_in(
            &poster,
            std::slice::from_ref(&me.id),
            sealing_key().public(),
            CheckInOptions::default(),
        )
        .unwrap();
    assert_eq!(again[0].id, visits[0].id);
    assert_eq!(ph.store.open_visits().unwrap().len(), 2);
    // After the default stay both end at the planned end.
    ph.clock.set(T0 + 2 * HOUR);
    assert!(ph.store.open_visits().unwrap().is_empty());
    let v = ph.store.visit(&visits[1].id).unwrap();
    assert_eq!(v.ended_at, Some(T0 + HOUR));
    assert_eq!(v.end_reason, Some(EndReason::DefaultStay));
}

#[test]
fn next_check_in_ends_the_previous_visit_and_manual_check_out() {
    let ph = phone();
    let me = ph.store.add_profile(&owner()).unwrap();
    let first = ph
        .check_in(
            &fixtures::hadong_pharmacy(),
            std::slice::from_ref(&me.id),
            None,
        )
        .remove(0);
    ph.clock.advance(Duration::from_secs(10 * 60));
    let second = ph
        .check_in(&cafe(), std::slice::from_ref(&me.id), None)
        .remove(0);
    let first = ph.store.visit(&first.id).unwrap();
    assert_eq!(first.ended_at, Some(T0 + 10 * MINUTE_MS));
    assert_eq!(first.end_reason, Some(EndReason::NextCheckIn));
    ph.clock.advance(Duration::from_secs(20 * 60));
    let out = ph.store.check_out(&second.id).unwrap();
    assert_eq!(out.ended_at, Some(T0 + 30 * MINUTE_MS));
    assert_eq!(out.end_reason, Some(EndReason::Manual));
    assert!(matches!(
        ph.store.check_out(&second.id),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        ph.store.check_out("nope"),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn stays_are_capped() {
    let settings = Settings {
        max_stay_minutes: 4 * 60,
        ..Settings::default()
    };
    let ph = phone_with(settings);
    let me = ph.store.add_profile(&owner()).unwrap();
    // A venue whose default stay is longer than the cap: clipped at check-in.
    let mut office = cafe();
    office.category = VenueCategory::Office;
    office.default_stay_minutes = 8 * 60;
    let v = ph
        .check_in(&office, std::slice::from_ref(&me.id), None)
        .remove(0);
    assert_eq!(v.planned_end, T0 + 4 * HOUR);
    // A check-out tapped after the planned end but before anything settled it: the user's
    // word counts up to the cap, and no further.
    ph.clock.set(T0 + 5 * HOUR);
    let out = ph.store.check_out(&v.id).unwrap();
    assert_eq!(out.ended_at, Some(T0 + 4 * HOUR));
    assert_eq!(out.end_reason, Some(EndReason::Cap));
    // Within the cap, a late manual check-out keeps its time.
    let mut shop = cafe();
    shop.default_stay_minutes = 60;
    let v = ph
        .check_in(&shop, std::slice::from_ref(&me.id), None)
        .remove(0);
    ph.clock.set(T0 + 5 * HOUR + 90 * MINUTE_MS);
    let out = ph.store.check_out(&v.id).unwrap();
    assert_eq!(out.ended_at, Some(T0 + 5 * HOUR + 90 * MINUTE_MS));
    assert_eq!(out.end_reason, Some(EndReason::Manual));
}

#[test]
fn multi_day_hotel_stay_is_one_visit() {
    let ph = phone();
    let me = ph.store.add_profile(&owner()).unwrap();
    let v = ph
        .check_in(&hotel(), std::slice::from_ref(&me.id), Some(3 * 24 * 60))
        .remove(0);
    assert_eq!(v.planned_end, T0 + 3 * DAY_MS);
    // Two days later it is still open, and the history shows one visit.
    ph.clock.set(T0 + 2 * DAY_MS);
    assert_eq!(ph.store.open_visits().unwrap().len(), 1);
    ph.clock.set(T0 + 2 * DAY_MS + 5 * HOUR);
    let out = ph.store.check_out(&v.id).unwrap();
    assert_eq!(out.ended_at, Some(T0 + 2 * DAY_MS + 5 * HOUR));
    let history = ph.store.history_by_day(None).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].visits.len(), 1);
    // It overlaps each of the days it spans.
    for day in 0..3 {
        let from = T0 + day * DAY_MS;
        let found = ph.store.visits_between(None, from, from + DAY_MS).unwrap();
        assert_eq!(found.len(), 1, "day {day}");
    }
    // A same-day venue can't be checked into for three days.
    let v2 = ph
        .check_in(&cafe(), std::slice::from_ref(&me.id), Some(3 * 24 * 60))
        .remove(0);
    assert_eq!(v2.planned_end - v2.started_at, 12 * HOUR);
}

#[test]
fn cancel_and_edit() {
    let ph = phone();
    let me = ph.store.add_profile(&owner()).unwrap();
    let v = ph
        .check_in(&cafe(), std::slice::from_ref(&me.id), None)
        .remove(0);
    ph.clock.set(T0 + 2 * HOUR);
    // Edit: the real stay was 07:10–07:40.
    let edited = ph
        .store
        .edit_visit_times(&v.id, T0 + 10 * MINUTE_MS, Some(T0 + 40 * MINUTE_MS))
        .unwrap();
    assert_eq!(edited.started_at, T0 + 10 * MINUTE_MS);
    assert_eq!(edited.ended_at, Some(T0 + 40 * MINUTE_MS));
    assert_eq!(edited.end_reason, Some(EndReason::Edited));
    for (s, e) in [
        (T0 + 50 * MINUTE_MS, Some(T0 + 40 * MINUTE_MS)), // end before start
        (T0, Some(T0 + 3 * HOUR)),                        // end in the future
        (T0 + 3 * HOUR, None),                            // start in the future
        (T0 - 30 * DAY_MS, Some(T0)),                     // before the retention window
    ] {
        assert!(
            matches!(
                ph.store.edit_visit_times(&v.id, s, e),
                Err(StoreError::Invalid(_))
            ),
            "{s} {e:?}"
        );
    }
    ph.store.cancel_visit(&v.id).unwrap();
    assert!(ph.store.history_by_day(None).unwrap().is_empty());
    assert!(ph.store.visit(&v.id).unwrap().cancelled);
    let upload: VisitUpload =
        serde_json::from_str(&ph.store.outbox_pending(10).unwrap()[0].body).unwrap();
    assert!(upload.cancelled);
}

#[test]
fn history_groups_by_local_day() {
    let ph = phone();
    let me = ph.store.add_profile(&owner()).unwrap();
    // 07:00, 16:59 (both 21 Sep in Hà Nội), 17:30 UTC = 00:30 on 22 Sep local.
    for (at, info) in [
        (T0, cafe()),
        (T0 + 9 * HOUR + 59 * MINUTE_MS, fixtures::hadong_pharmacy()),
        (T0 + 17 * HOUR + 30 * MINUTE_MS, cafe()),
    ] {
        ph.clock.set(at);
        ph.check_in(&info, std::slice::from_ref(&me.id), None);
    }
    ph.clock.set(T0 + 20 * HOUR);
    let days = ph.store.history_by_day(Some(&me.id)).unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].date.to_string(), "2026-09-22");
    assert_eq!(days[0].visits.len(), 1);
    assert_eq!(days[1].date.to_string(), "2026-09-21");
    assert_eq!(days[1].visits.len(), 2);
    assert!(days[1].visits[0].started_at > days[1].visits[1].started_at);
}

#[test]
fn retention_purge_on_open_and_by_timer() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryKeyVault::new();
    let clock = Arc::new(ManualClock::new(T0));
    let settings = Settings {
        purge_interval: Duration::from_millis(20),
        ..Settings::default()
    };
    let store = Store::open(dir.path(), &vault, settings.clone(), clock.clone())
        .unwrap()
        .store;
    let me = store.add_profile(&owner()).unwrap();
    for day in 0..30 {
        clock.set(T0 + day * DAY_MS);
        store
            .check_in(
                &scan_poster(&cafe()),
                std::slice::from_ref(&me.id),
                sealing_key().public(),
                CheckInOptions::default(),
            )
            .unwrap();
        clock.advance(Duration::from_secs(1800));
        store
            .declare(&me.id, &me.id, &form())
            .map(|_| ())
            .or_else(|e| match e {
                DeclarationError::NoConsent => {
                    store.grant_consent(&me.id, ConsentPurpose::HealthDeclaration)?;
                    store
                        .declare(&me.id, &me.id, &form())
                        .map(|_| ())
                        .map_err(|_| StoreError::Invalid("declare"))
                }
                _ => Err(StoreError::Invalid("declare")),
            })
            .unwrap();
    }
    let now = T0 + 29 * DAY_MS + HOUR;
    clock.set(now);
    let cutoff = now - 21 * DAY_MS;
    // The timer purges by itself.
    let timer = store.start_purge_timer();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let oldest = store
            .visits_between(None, 0, i64::MAX)
            .unwrap()
            .iter()
            .map(|v| v.effective_end())
            .min()
            .unwrap();
        if oldest >= cutoff {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the timer did not purge"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(timer);
    let kept = store.visits_between(None, 0, i64::MAX).unwrap();
    assert!(kept.iter().all(|v| v.effective_end() >= cutoff));
    assert!((20..=22).contains(&kept.len()), "{}", kept.len());
    assert!(
        store
            .declarations(&me.id)
            .unwrap()
            .iter()
            .all(|d| d.declared_at >= cutoff)
    );
    drop(store);
    // On open: a week later, without any timer, more goes.
    clock.set(now + 7 * DAY_MS);
    let store = Store::open(dir.path(), &vault, settings, clock)
        .unwrap()
        .store;
    let kept = store.visits_between(None, 0, i64::MAX).unwrap();
    assert!(
        kept.iter()
            .all(|v| v.effective_end() >= now + 7 * DAY_MS - 21 * DAY_MS)
    );
    assert!(kept.len() < 16);
}

fn form() -> DeclarationForm {
    DeclarationForm {
        full_name: "Nguyễn Văn An".into(),
        id_number: Some("001099012345".into()),
        birth_year: 1999,
        sex: Sex::Male,
        nationality: "vn".into(),
        province: "Thành phố Hà Nội".into(),
        commune: "Phường Hà Đông".into(),
        street: "Số 12 Phố Lê Trọng Tấn".into(),
        phone: "0912 345 678".into(),
        email: None,
        visited_places: vec![],
        symptoms: vec![],
        other_symptoms: None,
        contact_case: false,
        contact_from_affected_country: false,
        contact_symptomatic: false,
    }
}

#[test]
fn declarations_need_consent_validate_and_feed_the_personal_qr() {
    let ph = phone();
    let me = ph.store.add_profile(&owner()).unwrap();
    let gran = ph
        .store
        .add_profile(&dependent(Relation::Grandparent, "Trần Thị Bình", 1945))
        .unwrap();
    assert!(matches!(
        ph.store.declare(&me.id, &me.id, &form()),
        Err(DeclarationError::NoConsent)
    ));
    ph.store
        .grant_consent(&me.id, ConsentPurpose::HealthDeclaration)
        .unwrap();
    let d = ph.store.declare(&me.id, &me.id, &form()).unwrap();
    assert_eq!(d.form.full_name, "NGUYỄN VĂN AN");
    assert_eq!(d.form.nationality, "VN");
    assert_eq!(d.form.phone, "0912345678");

    // Every bad field reported at once.
    let mut bad = form();
    bad.birth_year = 1800;
    bad.phone = "12".into();
    bad.province = String::new();
    bad.email = Some("not-an-email".into());
    match ph.store.declare(&me.id, &me.id, &bad) {
        Err(DeclarationError::Form(e)) => assert_eq!(
            e.fields,
            vec![
                Field::BirthYear,
                Field::Province,
                Field::Phone,
                Field::Email
            ]
        ),
        other => panic!("{other:?}"),
    }

    // On behalf of the grandmother: her consent, given by the owner, recorded as hers.
    let mut hers = form();
    hers.full_name = "Trần Thị Bình".into();
    hers.birth_year = 1945;
    hers.sex = Sex::Female;
    hers.symptoms = vec![Symptom::Cough, Symptom::Fever, Symptom::Cough];
    assert!(matches!(
        ph.store.declare(&gran.id, &me.id, &hers),
        Err(DeclarationError::NoConsent)
    ));
    ph.store
        .grant_consent(&gran.id, ConsentPurpose::HealthDeclaration)
        .unwrap();
    let d = ph.store.declare(&gran.id, &me.id, &hers).unwrap();
    assert_eq!(d.declared_by, me.id);
    assert_eq!(d.form.symptoms, vec![Symptom::Fever, Symptom::Cough]);

    // Each profile's personal QR carries its own summary and opens to its own record.
    for (p, status) in [
        (&me, DeclarationStatus::Clear),
        (&gran, DeclarationStatus::Symptoms),
    ] {
        let qr = ph.store.personal_qr(&p.id, sealing_key().public()).unwrap();
        let back = personal::decode(&qr.encode()).unwrap();
        assert_eq!(back.declaration.unwrap().status, status);
        assert_eq!(
            back.declaration.unwrap().declared_on.to_string(),
            "2026-09-21"
        );
        let record = back.contact.open(&sealing_key()).unwrap();
        assert_eq!(record.full_name, p.full_name);
    }
    // Declarations are kept apart from visits and go with a withdrawn consent.
    assert_eq!(
        ph.store
            .withdraw_consent(&gran.id, ConsentPurpose::HealthDeclaration)
            .unwrap(),
        1
    );
    assert!(ph.store.declarations(&gran.id).unwrap().is_empty());
    assert!(
        ph.store
            .latest_declaration_summary(&gran.id)
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        ph.store.declare(&gran.id, &me.id, &hers),
        Err(DeclarationError::NoConsent)
    ));
    // A declaration older than 14 days no longer shows on the QR.
    ph.clock.set(T0 + 15 * DAY_MS);
    let qr = ph
        .store
        .personal_qr(&me.id, sealing_key().public())
        .unwrap();
    assert!(qr.declaration.is_none());
}

#[test]
fn personal_qr_on_screen_and_on_a_card_for_each_profile() {
    use quetma_core::scan::{LumaFrame, Scanner, ScannerConfig};
    let ph = phone();
    let me = ph.store.add_profile(&owner()).unwrap();
    let gran = ph
        .store
        .add_profile(&dependent(Relation::Grandparent, "Trần Thị Bình", 1945))
        .unwrap();
    let mut scanner = Scanner::new(ScannerConfig::default(), trust_list());
    for (p, hint) in [(&me, "N. V. An"), (&gran, "T. T. Bình")] {
        let (shown, bmp) = ph
            .store
            .personal_qr_bitmap(&p.id, sealing_key().public(), 420.0)
            .unwrap();
        assert_eq!(shown.hint.short_name, hint);
        // 5 cm on a 420 ppi screen, whole pixels per module.
        let mm = f64::from(bmp.width_px) / 420.0 * 25.4;
        assert!(mm > 50.0 && mm < 70.0, "{mm} mm with the quiet zone");
        let frame = LumaFrame::packed(&bmp.luma, bmp.width_px, bmp.width_px).unwrap();
        let found = scanner.scan(&frame);
        let Some(Scanned::Personal(q)) = found.first().map(|r| r.scanned.clone()) else {
            panic!("the on-screen QR did not scan: {found:?}")
        };
        assert_eq!(q.hint.short_name, hint);
        assert_eq!(
            q.contact.open(&sealing_key()).unwrap().full_name,
            p.full_name
        );
        let pdf = ph
            .store
            .personal_qr_card_pdf(&p.id, sealing_key().public())
            .unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }
}

#[test]
fn export_json_and_csv() {
    let ph = phone();
    let me = ph.store.add_profile(&owner()).unwrap();
    let mut odd = cafe();
    odd.name = "=HYPERLINK(\"x\"), \"quán\"".into();
    for (at, info) in [(T0, fixtures::hadong_pharmacy()), (T0 + HOUR * 2, odd)] {
        ph.clock.set(at);
        ph.check_in(&info, std::slice::from_ref(&me.id), None);
    }
    ph.clock.set(T0 + 5 * HOUR);
    let json: serde_json::Value =
        serde_json::from_str(&ph.store.export_json(None).unwrap()).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["venue_name"], "Nhà thuốc Minh Châu");
    assert_eq!(rows[0]["start"], "2026-09-21T07:00:00+07:00");
    assert_eq!(rows[0]["end"], "2026-09-21T07:30:00+07:00");
    assert_eq!(rows[0]["person"], "Nguyễn Văn An");
    let csv = ph.store.export_csv(None).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("Người / Person,"));
    assert!(lines[1].contains(",Nhà thuốc Minh Châu,"));
    // A formula-looking name is quoted and defused.
    assert!(
        lines[2].contains("\"'=HYPERLINK(\"\"x\"\"), \"\"quán\"\"\""),
        "{}",
        lines[2]
    );
}

#[test]
fn outbox_holds_one_item_per_visit_under_a_stable_id() {
    let ph = phone();
    let me = ph.store.add_profile(&owner()).unwrap();
    let kid = ph
        .store
        .add_profile(&dependent(Relation::Child, "Nguyễn Minh Khôi", 2018))
        .unwrap();
    let visits = ph.check_in(&cafe(), &[me.id.clone(), kid.id.clone()], None);
    let pending = ph.store.outbox_pending(10).unwrap();
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().all(|i| i.kind == OutboxKind::Visit));
    let first: VisitUpload = serde_json::from_str(&pending[0].body).unwrap();
    assert!(visits.iter().any(|v| v.id == first.client_id));
    assert_eq!(first.venue_id, "HD-CF-000001");
    let record = first
        .contact
        .to_sealed()
        .unwrap()
        .open(&sealing_key())
        .unwrap();
    assert!(record.full_name.starts_with("Nguyễn"));
    // The server acknowledges the check-ins; then the user checks out: re-queued, same id.
    let sent: Vec<(String, String)> = pending
        .iter()
        .map(|i| (i.id.clone(), i.body.clone()))
        .collect();
    ph.clock.advance(Duration::from_secs(600));
    ph.store.check_out(&visits[0].id).unwrap();
    ph.store.outbox_mark_sent(&sent).unwrap();
    let again = ph.store.outbox_pending(10).unwrap();
    assert_eq!(again.len(), 1, "the check-out must still go up");
    assert_eq!(again[0].id, visits[0].id);
    let upload: VisitUpload = serde_json::from_str(&again[0].body).unwrap();
    assert_eq!(upload.ended_at, Some(T0 + 10 * MINUTE_MS));
    let counts = ph.store.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.sent), (1, 1));
    // A failure postpones the item.
    ph.store
        .outbox_mark_failed(&[again[0].id.clone()], "503", T0 + DAY_MS)
        .unwrap();
    assert!(ph.store.outbox_pending(10).unwrap().is_empty());
    assert_eq!(ph.store.outbox_counts().unwrap().failing, 1);
}

#[test]
fn removing_a_profile_removes_its_data() {
    let ph = phone();
    let me = ph.store.add_profile(&owner()).unwrap();
    let kid = ph
        .store
        .add_profile(&dependent(Relation::Child, "Nguyễn Minh Khôi", 2018))
        .unwrap();
    ph.check_in(&cafe(), &[me.id.clone(), kid.id.clone()], None);
    ph.store.remove_profile(&kid.id).unwrap();
    assert_eq!(ph.store.profiles().unwrap().len(), 1);
    assert_eq!(ph.store.open_visits().unwrap().len(), 1);
    assert_eq!(ph.store.outbox_pending(10).unwrap().len(), 1);
}
