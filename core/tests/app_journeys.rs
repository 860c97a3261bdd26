//! User journeys through the app's screen flows (`quetma_core::app`), as a shell drives them:
//! camera frames and taps in, screens and effects out. Real store, real scanner, real posters
//! and cards rendered into 1280 × 720 camera frames; the clock is a manual one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/degrade.rs"]
mod degrade;

use std::sync::Arc;
use std::time::Duration;

use quetma_core::api::EnrolResponse;
use quetma_core::app::business::OutcomeKind;
use quetma_core::app::guidance::HintKind;
use quetma_core::app::{
    App, AppOptions, AppTask, Brightness, DisplayInfo, Effect, FieldKind, JobOutcome, Language,
    Route, Screen, SoundCue, UiEvent, Update,
};
use quetma_core::citizen::{NewProfile, Relation};
use quetma_core::keys::fixtures::{sealing_key, signing_key, trust_list};
use quetma_core::payload::venue::{self, fixtures::hadong_pharmacy};
use quetma_core::render::EcLevel;
use quetma_core::scan::{LumaFrame, Rotation};
use quetma_core::store::{ManualClock, MemoryKeyVault, Settings, Store};
use quetma_core::sync::{NetworkFailure, SyncError};

/// 2026-09-21 14:13:20 UTC (21:13:20 in Hà Nội).
const T0: i64 = 1_790_000_000_000;
const SERVER: &str = "https://qr.hadong.gov.vn";
const CCCD: &str = "001099012345|012345678|Nguyễn Văn An|15031999|Nam|Số 1 Phố Mẫu, Phường Ba Đình, Thành phố Hà Nội|10052021";
const BHYT: &str = "DN4010123456789|4e677579e1bb856e2056c4836e20416e|15/03/1999|1|53e1bb912031205068e1bb91204de1baab752c205068c6b0e1bb9d6e6720426120c490c3ac6e682c205468c3a06e68207068e1bb912048c3a0204ee1bb9969|01 - 001|01/01/2019|31/12/2019|01/01/2019|$";
const VIETQR: &str = "00020101021238570010A000000727012700069704220113VQRQ00000000208QRIBFTTA53037045405500005802VN62150811Thanh toan6304ABCD";

struct Phone {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    app: App,
}

fn store_at(dir: &std::path::Path, clock: &Arc<ManualClock>) -> Store {
    Store::open(
        dir,
        &MemoryKeyVault::new(),
        Settings::default(),
        clock.clone(),
    )
    .unwrap()
    .store
}

fn phone_with(display: DisplayInfo, server: Option<&str>) -> Phone {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let store = store_at(dir.path(), &clock);
    let app = App::new(
        store,
        trust_list(),
        sealing_key().public().clone(),
        None,
        AppOptions {
            server_url: server.map(str::to_owned),
            language: Language::Vi,
            display,
        },
    );
    Phone {
        _dir: dir,
        clock,
        app,
    }
}

fn phone() -> Phone {
    phone_with(DisplayInfo::default(), Some(SERVER))
}

fn profile(relation: Relation, name: &str, year: u16) -> NewProfile {
    NewProfile {
        relation,
        full_name: name.into(),
        id_number: None,
        id_kind: None,
        phone: Some("0912345678".into()),
        birth_year: Some(year),
    }
}

fn poster_text() -> String {
    venue::encode(&hadong_pharmacy(), &signing_key(), SERVER).unwrap()
}

/// `text` as a QR code in the middle of a grey 1280 × 720 camera frame.
fn frame_of(text: &str, module_px: usize) -> Vec<u8> {
    let code = degrade::render(text, EcLevel::M, module_px);
    degrade::pad_to(&code, 1280, 720, 200).data
}

impl Phone {
    fn tap(&mut self, e: UiEvent) -> Update {
        self.app.dispatch(e)
    }

    fn go(&mut self, route: Route) -> Update {
        self.tap(UiEvent::Navigate { route })
    }

    /// Feeds a frame; the clock moves 100 ms first, as a camera's would.
    fn frame(&mut self, luma: &[u8]) -> Option<Update> {
        self.clock.advance(Duration::from_millis(100));
        let f = LumaFrame::new(luma, 1280, 720, 1280, Rotation::Deg0).unwrap();
        self.app.frame(&f)
    }

    /// Feeds the same frame until the screen changes (at most `n` frames).
    fn frames_until_change(&mut self, luma: &[u8], n: usize) -> Update {
        for _ in 0..n {
            if let Some(u) = self.frame(luma) {
                if u.effects.is_empty() && matches!(u.screen, Screen::Scan(_)) {
                    // A hint change with no announcement is still a change.
                    return u;
                }
                return u;
            }
        }
        panic!("no change after {n} frames");
    }

    fn owner_and_child(&mut self) -> (String, String) {
        let me = self
            .app
            .store()
            .add_profile(&profile(Relation::Owner, "Nguyễn Văn An", 1990))
            .unwrap();
        let kid = self
            .app
            .store()
            .add_profile(&profile(Relation::Child, "Nguyễn Thị Bông", 2016))
            .unwrap();
        (me.id, kid.id)
    }
}

fn sounds(u: &Update) -> Vec<SoundCue> {
    u.effects
        .iter()
        .filter_map(|e| match e {
            Effect::PlaySound { cue } => Some(*cue),
            _ => None,
        })
        .collect()
}

fn announced(u: &Update) -> Vec<String> {
    u.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Announce { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn vibrated(u: &Update) -> Vec<Vec<u32>> {
    u.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Vibrate { pattern } => Some(pattern.timings_ms.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn poster_frame_confirm_with_a_dependent_thank_you_then_cancel() {
    let mut ph = phone();
    let (me, kid) = ph.owner_and_child();
    let home = ph.app.start();
    assert_eq!(home.route, Route::Home);
    // The shell runs the start-up sync; the phone is offline.
    ph.app.prepare_task(AppTask::Sync).unwrap();
    ph.app
        .finish_task(JobOutcome::Synced(Err(SyncError::Network(
            NetworkFailure::Connect,
        ))));
    let u = ph.go(Route::Scan);
    assert!(u.effects.contains(&Effect::RequestCameraPermission));
    assert!(u.effects.contains(&Effect::KeepScreenOn { on: true }));
    let u = ph.tap(UiEvent::CameraPermission { granted: true });
    assert_eq!(u.effects, vec![Effect::OpenCamera]);

    // The camera sees the poster: the confirm screen, with a beep, a buzz and words.
    let u = ph
        .frame(&frame_of(&poster_text(), 8))
        .expect("a poster changes the screen");
    assert_eq!(u.route, Route::Confirm);
    assert_eq!(sounds(&u), vec![SoundCue::Success]);
    assert!(u.effects.contains(&Effect::CloseCamera));
    assert_eq!(
        announced(&u),
        vec!["Đã thấy Nhà thuốc Minh Châu".to_string()]
    );
    let Screen::Confirm(c) = &u.screen else {
        panic!("{:?}", u.screen)
    };
    assert_eq!(c.venue_name, "Nhà thuốc Minh Châu");
    assert_eq!(c.people.len(), 2);
    assert!(
        c.people[0].checked && !c.people[1].checked,
        "the owner is ticked, the child not"
    );
    assert_eq!(c.confirm.label, "Khai báo vào cho 1 người");
    assert!(c.stay[0].selected && c.stay[0].label == "30 phút");

    // Bring the child, stay an hour.
    ph.tap(UiEvent::ToggleCompanion {
        profile_id: kid.clone(),
    });
    let u = ph.tap(UiEvent::SetStay { minutes: 60 });
    let Screen::Confirm(c) = &u.screen else {
        panic!()
    };
    assert_eq!(c.confirm.label, "Khai báo vào cho 2 người");
    assert!(c.stay.iter().any(|s| s.selected && s.label == "1 giờ"));
    assert!(c.leave_at.contains("22:13"), "{}", c.leave_at);

    // Check in: thank you, a reminder 10 minutes before the automatic check-out, a sync.
    let u = ph.tap(UiEvent::ConfirmCheckIn);
    assert_eq!(u.route, Route::CheckedIn);
    assert_eq!(sounds(&u), vec![SoundCue::Success]);
    let Screen::CheckedIn(t) = &u.screen else {
        panic!()
    };
    assert_eq!(t.headline, "Cảm ơn bạn đã khai báo");
    assert_eq!(t.who, "Nguyễn Văn An, Nguyễn Thị Bông");
    assert!(t.animate);
    let reminders: Vec<i64> = u
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::ScheduleReminder { at_ms, .. } => Some(*at_ms),
            _ => None,
        })
        .collect();
    assert_eq!(reminders, vec![T0 + 100 + 50 * 60_000; 2]);
    assert!(u.effects.contains(&Effect::RunTask {
        task: AppTask::Sync
    }));
    assert_eq!(ph.app.store().open_visits().unwrap().len(), 2);
    assert!(u.back.is_none(), "no back from thank you: done or cancel");

    // Wrong venue: cancel. Both visits go, the reminders too, home says so.
    let u = ph.tap(UiEvent::CancelCheckIn);
    assert_eq!(u.route, Route::Home);
    assert!(ph.app.store().open_visits().unwrap().is_empty());
    assert_eq!(
        u.effects
            .iter()
            .filter(|e| matches!(e, Effect::CancelReminder { .. }))
            .count(),
        2
    );
    let Screen::Home(h) = &u.screen else { panic!() };
    assert!(h.current.is_empty());
    assert_eq!(h.banners[0].text, "Đã huỷ khai báo vào Nhà thuốc Minh Châu");
    assert!(ph.app.store().history_by_day(Some(&me)).unwrap().is_empty());
}

#[test]
fn check_in_then_automatic_check_out_and_history() {
    let mut ph = phone();
    ph.owner_and_child();
    ph.app.start();
    ph.go(Route::Scan);
    ph.tap(UiEvent::CameraPermission { granted: true });
    ph.frame(&frame_of(&poster_text(), 8)).unwrap();
    ph.tap(UiEvent::ConfirmCheckIn);
    let u = ph.tap(UiEvent::Done);
    let Screen::Home(h) = &u.screen else { panic!() };
    assert_eq!(h.current.len(), 1);
    assert_eq!(h.current[0].venue, "Nhà thuốc Minh Châu");
    assert_eq!(h.current[0].check_out.label, "Ra về");
    assert!(
        h.current[0].detail.contains("tự ra lúc 21:43"),
        "{}",
        h.current[0].detail
    );

    // 31 minutes later the poster's 30-minute stay has run out: home has no visit in progress
    // and the history says why it ended.
    ph.clock.advance(Duration::from_secs(31 * 60));
    let u = ph.tap(UiEvent::Foreground);
    let Screen::Home(h) = &u.screen else { panic!() };
    assert!(h.current.is_empty());
    let u = ph.go(Route::History);
    let Screen::History(hv) = &u.screen else {
        panic!()
    };
    assert_eq!(hv.days.len(), 1);
    assert_eq!(hv.days[0].title, "Hôm nay");
    let row = &hv.days[0].visits[0];
    assert!(!row.open);
    assert_eq!(row.times, "21:13 – 21:43");
    assert!(!row.status.is_empty() && row.status != "Đang ở đây");

    // Edit the times (left at 21:40), then delete with a confirmation.
    let id = row.visit_id.clone();
    ph.tap(UiEvent::EditVisit {
        visit_id: id.clone(),
    });
    let bad = ph.tap(UiEvent::SaveVisitTimes {
        start_ms: T0,
        end_ms: Some(T0 - 1),
    });
    let Screen::History(hv) = &bad.screen else {
        panic!()
    };
    assert!(
        hv.editing.as_ref().unwrap().error.is_some(),
        "an end before the start is refused"
    );
    ph.tap(UiEvent::SaveVisitTimes {
        start_ms: T0,
        end_ms: Some(T0 + 27 * 60_000),
    });
    let u = ph.tap(UiEvent::DeleteVisit {
        visit_id: id.clone(),
    });
    let Screen::History(hv) = &u.screen else {
        panic!()
    };
    assert!(hv.confirm_delete.is_some());
    assert_eq!(hv.days[0].visits[0].times, "21:13 – 21:40");
    let u = ph.tap(UiEvent::ConfirmDeleteVisit);
    let Screen::History(hv) = &u.screen else {
        panic!()
    };
    assert!(hv.days.is_empty());
    assert_eq!(
        hv.empty.as_deref(),
        Some("Chưa có lượt nào. Quét mã QR khi vào một địa điểm.")
    );
}

#[test]
fn home_check_out_and_the_reminder_action() {
    let mut ph = phone();
    ph.owner_and_child();
    ph.go(Route::Scan);
    ph.tap(UiEvent::CameraPermission { granted: true });
    ph.frame(&frame_of(&poster_text(), 8)).unwrap();
    ph.tap(UiEvent::ConfirmCheckIn);
    let visit = ph.app.store().open_visits().unwrap().remove(0);
    ph.clock.advance(Duration::from_secs(5 * 60));
    // The notification's action sends the same event as the home button.
    let u = ph.tap(UiEvent::CheckOut {
        visit_id: visit.id.clone(),
    });
    assert!(u.effects.contains(&Effect::CancelReminder {
        id: visit.id.clone()
    }));
    assert_eq!(
        announced(&u),
        vec!["Đã ra về khỏi Nhà thuốc Minh Châu".to_string()]
    );
    let v = ph.app.store().visit(&visit.id).unwrap();
    assert_eq!(v.ended_at, Some(T0 + 100 + 5 * 60_000));
}

#[test]
fn frames_give_hints_bank_code_dark_small_and_id_cards() {
    let mut ph = phone_with(DisplayInfo::default(), None);
    ph.owner_and_child();
    ph.go(Route::Scan);
    ph.tap(UiEvent::CameraPermission { granted: true });

    // A VietQR transfer code: said in words at once, with the "foreign" sound.
    let u = ph
        .frame(&frame_of(VIETQR, 6))
        .expect("a read code changes the hint");
    let Screen::Scan(s) = &u.screen else { panic!() };
    assert_eq!(s.hint_kind, HintKind::BankTransfer);
    assert_eq!(
        s.hint,
        "Đây là mã chuyển khoản ngân hàng (VietQR), không phải mã khai báo"
    );
    assert_eq!(sounds(&u), vec![SoundCue::Foreign]);
    assert_eq!(announced(&u), vec![s.hint.clone()]);
    // Held in view: no second beep.
    assert!(ph.frame(&frame_of(VIETQR, 6)).is_none());

    // A dark frame: the torch hint once it has held 400 ms, and a torch button.
    let dark = vec![12u8; 1280 * 720];
    let u = ph.frames_until_change(&dark, 20);
    let Screen::Scan(s) = &u.screen else { panic!() };
    assert_eq!(s.hint_kind, HintKind::TooDark);
    assert_eq!(s.hint, "Quá tối — hãy bật đèn");
    assert!(s.torch.is_some());
    let u = ph.tap(UiEvent::ToggleTorch);
    assert!(u.effects.contains(&Effect::SetTorch { on: true }));

    // A code too far away to read (3 px modules, finders whole, the data between them a
    // smear): move closer.
    let small = {
        let mut code = degrade::render(&poster_text(), EcLevel::M, 3);
        let (w, h) = (code.w, code.h);
        for y in h * 2 / 5..h * 3 / 5 {
            for x in w / 5..w * 4 / 5 {
                code.data[y * w + x] = 128;
            }
        }
        for x in w * 2 / 5..w * 3 / 5 {
            for y in h / 5..h * 4 / 5 {
                code.data[y * w + x] = 128;
            }
        }
        degrade::pad_to(&code, 1280, 720, 200).data
    };
    let u = ph.frames_until_change(&small, 20);
    let Screen::Scan(s) = &u.screen else { panic!() };
    assert_eq!(s.hint_kind, HintKind::TooSmall, "{s:?}");

    // A CCCD card in citizen mode: that is for a business's scanner.
    let u = ph.frames_until_change(&frame_of(CCCD, 5), 5);
    let Screen::Scan(s) = &u.screen else { panic!() };
    assert_eq!(s.hint_kind, HintKind::IdCard);

    // A web link.
    let u = ph.frames_until_change(&frame_of("https://vnexpress.net/", 8), 5);
    let Screen::Scan(s) = &u.screen else { panic!() };
    assert_eq!(s.hint_kind, HintKind::WebLink);
}

#[test]
fn empty_view_says_nothing_in_view_after_a_moment_and_announcements_are_throttled() {
    let mut ph = phone_with(DisplayInfo::default(), None);
    let u = ph.go(Route::Scan);
    let Screen::Scan(s) = &u.screen else { panic!() };
    assert_eq!(s.hint_kind, HintKind::Aim);
    ph.tap(UiEvent::CameraPermission { granted: true });
    let empty = vec![128u8; 1280 * 720];
    let mut changes = Vec::new();
    let mut announcements = 0;
    // 10 s of an empty view at 10 frames a second.
    for _ in 0..100 {
        if let Some(u) = ph.frame(&empty) {
            announcements += announced(&u).len();
            let Screen::Scan(s) = &u.screen else { panic!() };
            changes.push(s.hint_kind);
        }
    }
    assert_eq!(changes, vec![HintKind::NothingInView]);
    assert_eq!(announcements, 1);
}

#[test]
fn camera_permission_denied_leads_to_settings() {
    let mut ph = phone();
    ph.go(Route::Scan);
    let u = ph.tap(UiEvent::CameraPermission { granted: false });
    let Screen::Scan(s) = &u.screen else { panic!() };
    let p = s.permission.as_ref().expect("the denied panel");
    assert_eq!(p.open_settings.event, UiEvent::OpenSystemSettings);
    let u = ph.tap(UiEvent::OpenSystemSettings);
    assert_eq!(u.effects, vec![Effect::OpenSystemSettings]);
    // The image fallback: a screenshot of the poster checks in all the same.
    ph.owner_and_child();
    let img = degrade::render(&poster_text(), EcLevel::M, 6);
    let png = {
        let g = image::GrayImage::from_raw(img.w as u32, img.h as u32, img.data).unwrap();
        let mut out = std::io::Cursor::new(Vec::new());
        g.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    assert_eq!(ph.tap(UiEvent::PickImage).effects, vec![Effect::PickImage]);
    let u = ph.tap(UiEvent::ImagePicked { bytes: png });
    assert_eq!(u.route, Route::Confirm);
    let u = ph.tap(UiEvent::ImagePicked {
        bytes: b"not an image".to_vec(),
    });
    assert_eq!(sounds(&u), vec![SoundCue::Rejected]);
}

#[test]
fn deep_links_land_in_the_right_flow() {
    let mut ph = phone();
    ph.owner_and_child();
    // A poster URL that opened the app: the confirm screen.
    let u = ph.tap(UiEvent::OpenUrl { url: poster_text() });
    assert_eq!(u.route, Route::Confirm);
    let Screen::Confirm(c) = &u.screen else {
        panic!()
    };
    assert_eq!(c.venue_name, "Nhà thuốc Minh Châu");
    // Back from confirm goes home and checks nobody in.
    let u = ph.tap(UiEvent::Back);
    assert_eq!(u.route, Route::Home);
    assert!(ph.app.store().open_visits().unwrap().is_empty());
    // An enrolment link of this deployment: the enrolment screen with the code.
    let link = format!(
        "{}/E/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        SERVER.to_uppercase()
    );
    let u = ph.tap(UiEvent::OpenUrl { url: link });
    assert_eq!(u.route, Route::BusinessEnrol);
    let Screen::Enrol(e) = &u.screen else {
        panic!()
    };
    assert_eq!(e.code.value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    assert!(e.enrol.enabled && e.error.is_none());
    // One of another deployment is refused in words.
    let u = ph.tap(UiEvent::OpenUrl {
        url: "HTTPS://EVIL.EXAMPLE/E/ABCDEFGHIJKLMNOPQRST".into(),
    });
    let Screen::Enrol(e) = &u.screen else {
        panic!()
    };
    assert_eq!(
        e.error.as_deref(),
        Some("Mã này thuộc hệ thống khác, không dùng được ở đây.")
    );
    // A forged poster and a stranger's link: home, with a note.
    let mut forged = poster_text();
    // Flip one character of the signed payload.
    let mid = forged.len() - 20;
    let c = if &forged[mid..=mid] == "A" { "B" } else { "A" };
    forged.replace_range(mid..=mid, c);
    let u = ph.tap(UiEvent::OpenUrl { url: forged });
    assert_eq!(u.route, Route::Home);
    let Screen::Home(h) = &u.screen else { panic!() };
    assert!(
        h.banners.iter().any(|b| b.text.contains("không hợp lệ")),
        "{:?}",
        h.banners
    );
    let u = ph.tap(UiEvent::OpenUrl {
        url: "https://example.com/x".into(),
    });
    let Screen::Home(h) = &u.screen else { panic!() };
    assert!(
        h.banners
            .iter()
            .any(|b| b.text == "Đường dẫn này không thuộc QuetMa.")
    );
}

fn enrolled_scanner() -> Phone {
    let mut ph = phone();
    ph.go(Route::BusinessEnrol);
    ph.tap(UiEvent::FieldChanged {
        key: "enrol_code".into(),
        value: "abcdefghijklmnopqrst".into(),
    });
    let u = ph.tap(UiEvent::Enrol);
    let task = AppTask::Enrol {
        code: "ABCDEFGHIJKLMNOPQRST".into(),
    };
    assert_eq!(u.effects, vec![Effect::RunTask { task: task.clone() }]);
    let Screen::Enrol(e) = &u.screen else {
        panic!()
    };
    assert!(e.busy && !e.enrol.enabled);
    // The job is real (a client for the configured server); its answer is given here.
    let job = ph.app.prepare_task(task).expect("a server is configured");
    assert!(matches!(job.task(), AppTask::Enrol { .. }));
    let u = ph.app.finish_task(JobOutcome::Enrolled(Ok(EnrolResponse {
        venue_id: "HD-VQ-000123".into(),
        venue_name: "Nhà thuốc Minh Châu".into(),
        checkpoint: "Cổng chính".into(),
        scanner_token: "T".repeat(43),
    })));
    assert_eq!(u.route, Route::BusinessCheckpoint);
    ph
}

#[test]
fn enrol_then_cccd_bhyt_personal_qr_twice_is_one_entry_manual_entry_and_counts() {
    let mut ph = enrolled_scanner();
    let u = ph.app.current();
    let Screen::Checkpoint(c) = &u.screen else {
        panic!()
    };
    assert_eq!(c.venue_name, "Nhà thuốc Minh Châu");
    assert_eq!(c.form.fields[0].value, "Cổng chính");
    assert_eq!(c.form.fields[1].kind, FieldKind::Choice);
    let u = ph.tap(UiEvent::StartScanning);
    assert_eq!(u.route, Route::BusinessScan);
    let Screen::BusinessScan(b) = &u.screen else {
        panic!("{:?}", u.screen)
    };
    // staff aim at the visitor's code, not at a poster
    assert!(
        b.hint.contains("của khách") && !b.hint.contains("áp phích"),
        "{}",
        b.hint
    );
    ph.tap(UiEvent::CameraPermission { granted: true });

    // A CCCD card: counted, beep and a short buzz.
    let u = ph.frames_until_change(&frame_of(CCCD, 5), 5);
    let Screen::BusinessScan(b) = &u.screen else {
        panic!("{:?}", u.screen)
    };
    let last = b.last.as_ref().unwrap();
    assert_eq!(last.kind, OutcomeKind::Accepted);
    assert_eq!(last.title, "Đã ghi nhận");
    assert!(last.detail.contains("thẻ CCCD"), "{}", last.detail);
    assert_eq!(sounds(&u), vec![SoundCue::Success]);
    let accepted_buzz = vibrated(&u);
    assert_eq!(b.counts.entries, 1);

    // A BHYT card.
    let u = ph.frames_until_change(&frame_of(BHYT, 4), 5);
    let Screen::BusinessScan(b) = &u.screen else {
        panic!()
    };
    assert_eq!(b.last.as_ref().unwrap().kind, OutcomeKind::Accepted);
    assert_eq!(b.counts.entries, 2);

    // A visitor's personal QR, rendered on their phone; a minute later a fresh render of it
    // (its sealed record differs on every render): one entry, the "already counted" tone.
    let visitor_dir = tempfile::tempdir().unwrap();
    let visitor = store_at(visitor_dir.path(), &ph.clock);
    let b_id = visitor
        .add_profile(&profile(Relation::Owner, "Trần Thị Bình", 1985))
        .unwrap()
        .id;
    let first = visitor
        .personal_qr(&b_id, sealing_key().public())
        .unwrap()
        .encode();
    let u = ph.frames_until_change(&frame_of(&first, 3), 5);
    let Screen::BusinessScan(b) = &u.screen else {
        panic!()
    };
    assert_eq!(b.last.as_ref().unwrap().kind, OutcomeKind::Accepted);
    ph.clock.advance(Duration::from_secs(60));
    let second = visitor
        .personal_qr(&b_id, sealing_key().public())
        .unwrap()
        .encode();
    assert_ne!(first, second);
    let u = ph.frames_until_change(&frame_of(&second, 3), 5);
    let Screen::BusinessScan(b) = &u.screen else {
        panic!()
    };
    let last = b.last.as_ref().unwrap();
    assert_eq!(last.kind, OutcomeKind::AlreadyCounted, "{last:?}");
    assert_eq!(sounds(&u), vec![SoundCue::AlreadyCounted]);
    assert_ne!(vibrated(&u), accepted_buzz);
    assert_eq!(b.counts.entries, 3);

    // A bank code at the door: not counted, said in words, the error tone.
    let u = ph.frames_until_change(&frame_of(VIETQR, 6), 5);
    let Screen::BusinessScan(b) = &u.screen else {
        panic!()
    };
    let last = b.last.as_ref().unwrap();
    assert_eq!(last.kind, OutcomeKind::Rejected);
    assert!(last.detail.contains("VietQR"), "{}", last.detail);
    assert_eq!(sounds(&u), vec![SoundCue::Rejected]);

    // An elderly visitor with nothing: typed in, with the field errors beside the fields.
    ph.go(Route::ManualEntry);
    ph.tap(UiEvent::FieldChanged {
        key: "full_name".into(),
        value: "Lê Văn Cường".into(),
    });
    let u = ph.tap(UiEvent::Submit);
    let Screen::ManualEntry(f) = &u.screen else {
        panic!()
    };
    let phone_field = f.fields.iter().find(|x| x.key == "phone").unwrap();
    assert_eq!(
        phone_field.error.as_deref(),
        Some("Hãy nhập số điện thoại hoặc số giấy tờ")
    );
    assert_eq!(f.fields[0].value, "Lê Văn Cường", "what was typed stays");
    ph.tap(UiEvent::FieldChanged {
        key: "phone".into(),
        value: "0987 654 321".into(),
    });
    let u = ph.tap(UiEvent::Submit);
    assert_eq!(u.route, Route::BusinessScan);
    let Screen::BusinessScan(b) = &u.screen else {
        panic!()
    };
    assert_eq!(b.last.as_ref().unwrap().kind, OutcomeKind::Accepted);
    assert_eq!(
        (b.counts.entries, b.counts.exits, b.counts.people),
        (4, 0, 4)
    );
    assert_eq!(b.counts.text, "Hôm nay: 4 lượt vào, 0 lượt ra, 4 người");
    // The visitor log waits for upload with the scanner token.
    assert_eq!(ph.app.store().outbox_counts().unwrap().pending, 4);

    // The app restarts while scanning: it opens on the scanner.
    let u = ph.app.start();
    assert_eq!(u.route, Route::BusinessScan);
    // Stop, leave business mode.
    let u = ph.tap(UiEvent::StopScanning);
    assert_eq!(u.route, Route::BusinessCheckpoint);
    let u = ph.tap(UiEvent::LeaveBusinessMode);
    assert_eq!(u.route, Route::Home);
}

#[test]
fn business_scanner_keeps_up_with_a_queue() {
    // Ten visitors in a row, one frame each, no duplicates lost or added.
    let mut ph = enrolled_scanner();
    ph.tap(UiEvent::StartScanning);
    ph.tap(UiEvent::CameraPermission { granted: true });
    let visitor_dir = tempfile::tempdir().unwrap();
    let visitor = store_at(visitor_dir.path(), &ph.clock);
    for i in 0..10u16 {
        let id = visitor
            .add_profile(&profile(
                if i == 0 {
                    Relation::Owner
                } else {
                    Relation::Other
                },
                &format!(
                    "Khách Số {}",
                    [
                        "Một", "Hai", "Ba", "Bốn", "Năm", "Sáu", "Bảy", "Tám", "Chín", "Mười"
                    ][usize::from(i)]
                ),
                1950 + i,
            ))
            .unwrap()
            .id;
        let text = visitor
            .personal_qr(&id, sealing_key().public())
            .unwrap()
            .encode();
        let u = ph
            .frame(&frame_of(&text, 3))
            .expect("each visitor is an outcome");
        let Screen::BusinessScan(b) = &u.screen else {
            panic!()
        };
        assert_eq!(
            b.last.as_ref().unwrap().kind,
            OutcomeKind::Accepted,
            "visitor {i}"
        );
    }
    let u = ph.app.current();
    let Screen::BusinessScan(b) = &u.screen else {
        panic!()
    };
    assert_eq!(b.counts.people, 10);
}

#[test]
fn declaration_with_consent_and_field_errors() {
    let mut ph = phone();
    let (_, kid) = ph.owner_and_child();
    let u = ph.go(Route::Declaration);
    let Screen::Declaration(d) = &u.screen else {
        panic!()
    };
    assert!(d.form.is_none(), "no form before consent");
    assert!(d.consent.as_ref().unwrap().text.starts_with("Tôi đồng ý"));
    // For the child.
    ph.tap(UiEvent::SelectProfile {
        profile_id: kid.clone(),
    });
    let u = ph.tap(UiEvent::GrantConsent);
    let Screen::Declaration(d) = &u.screen else {
        panic!()
    };
    let form = d.form.as_ref().unwrap();
    assert_eq!(
        form.fields[0].value, "NGUYỄN THỊ BÔNG",
        "prefilled from the profile"
    );
    assert!(form.fields.iter().any(|f| f.kind == FieldKind::Heading));
    // Submit with the address missing: each failing field marked, the rest kept.
    ph.tap(UiEvent::FieldChanged {
        key: "sex".into(),
        value: "female".into(),
    });
    let u = ph.tap(UiEvent::Submit);
    let Screen::Declaration(d) = &u.screen else {
        panic!()
    };
    let form = d.form.as_ref().unwrap();
    let bad: Vec<&str> = form
        .fields
        .iter()
        .filter(|f| f.error.is_some())
        .map(|f| f.key.as_str())
        .collect();
    assert_eq!(bad, vec!["province", "commune", "street"]);
    assert!(form.error.as_deref().unwrap().starts_with("Còn 3 mục"));
    for (k, v) in [
        ("province", "Hà Nội"),
        ("commune", "Phường Hà Đông"),
        ("street", "Số 1 Phố Mẫu"),
        ("symptom.cough", "true"),
    ] {
        ph.tap(UiEvent::FieldChanged {
            key: k.into(),
            value: v.into(),
        });
    }
    let u = ph.tap(UiEvent::Submit);
    assert_eq!(u.route, Route::Home);
    let decls = ph.app.store().declarations(&kid).unwrap();
    assert_eq!(decls.len(), 1);
    assert_eq!(decls[0].form.symptoms.len(), 1);
    // The child's personal QR now carries the declaration.
    ph.go(Route::PersonalQr);
    let u = ph.tap(UiEvent::SelectProfile { profile_id: kid });
    let Screen::PersonalQr(q) = &u.screen else {
        panic!()
    };
    assert!(
        q.code
            .as_ref()
            .unwrap()
            .declaration
            .as_ref()
            .unwrap()
            .contains("Có triệu chứng")
    );
}

#[test]
fn personal_qr_true_size_brightness_and_card() {
    for (xdpi, ydpi) in [(160.0, 160.0), (401.0, 403.5), (537.9, 537.9)] {
        let mut ph = phone_with(
            DisplayInfo {
                xdpi,
                ydpi,
                has_torch: true,
                reduce_motion: false,
            },
            None,
        );
        ph.owner_and_child();
        let u = ph.go(Route::PersonalQr);
        assert!(u.effects.contains(&Effect::SetBrightness {
            level: Brightness::Max
        }));
        let Screen::PersonalQr(q) = &u.screen else {
            panic!()
        };
        let code = q.code.as_ref().unwrap();
        let side = f64::from(code.modules_per_side);
        let symbol = side - 8.0;
        let mm_x = code.width_px * symbol / side / xdpi * 25.4;
        let mm_y = code.height_px * symbol / side / ydpi * 25.4;
        assert!(
            (mm_x - 50.0).abs() < 0.01 && (mm_y - 50.0).abs() < 0.01,
            "{mm_x} {mm_y}"
        );
        assert_eq!(
            code.modules.len(),
            (code.modules_per_side * code.modules_per_side) as usize
        );
        assert_eq!(code.caption, "N. V. An · 1990");
        // Leaving restores the brightness.
        let u = ph.tap(UiEvent::Back);
        assert!(u.effects.contains(&Effect::SetBrightness {
            level: Brightness::System
        }));
    }
    let mut ph = phone();
    ph.owner_and_child();
    ph.go(Route::PersonalQr);
    let u = ph.tap(UiEvent::PrintCard);
    let Some(Effect::ShareFile { mime, bytes, .. }) = u.effects.first() else {
        panic!()
    };
    assert_eq!(mime, "application/pdf");
    assert!(bytes.starts_with(b"%PDF"));
}

#[test]
fn settings_language_export_and_reset() {
    let mut ph = phone();
    ph.owner_and_child();
    ph.go(Route::Scan);
    ph.tap(UiEvent::CameraPermission { granted: true });
    ph.frame(&frame_of(&poster_text(), 8)).unwrap();
    ph.tap(UiEvent::ConfirmCheckIn);
    ph.tap(UiEvent::Done);
    let u = ph.go(Route::Settings);
    assert_eq!(u.title, "Cài đặt");
    // English at run time: every text switches.
    let u = ph.tap(UiEvent::SetLanguage {
        language: Language::En,
    });
    assert_eq!(u.title, "Settings");
    assert_eq!(u.language, Language::En);
    assert_eq!(announced(&u), vec!["Switched to English".to_string()]);
    let u = ph.tap(UiEvent::Export {
        format: quetma_core::app::ExportFormat::Csv,
    });
    let Some(Effect::ShareFile {
        file_name,
        mime,
        bytes,
        ..
    }) = u.effects.first()
    else {
        panic!()
    };
    assert!(file_name.ends_with(".csv"));
    assert_eq!(mime, "text/csv");
    assert!(String::from_utf8_lossy(bytes).contains("Nhà thuốc Minh Châu"));
    // Reset asks first, then erases.
    let u = ph.tap(UiEvent::AskReset);
    let Screen::Settings(s) = &u.screen else {
        panic!()
    };
    assert!(s.confirm_reset.is_some());
    let u = ph.tap(UiEvent::ConfirmReset);
    assert_eq!(u.route, Route::Home);
    assert!(ph.app.store().profiles().unwrap().is_empty());
    assert!(ph.app.store().history_by_day(None).unwrap().is_empty());
    assert_eq!(ph.app.store().outbox_counts().unwrap().pending, 0);
    let Screen::Home(h) = &u.screen else { panic!() };
    assert_eq!(h.greeting, "Welcome to QuetMa");
}

#[test]
fn sync_failures_show_on_home_and_the_reset_notice() {
    let mut ph = phone();
    ph.owner_and_child();
    let u = ph.app.start();
    assert!(u.effects.contains(&Effect::RunTask {
        task: AppTask::Sync
    }));
    let job = ph.app.prepare_task(AppTask::Sync).unwrap();
    drop(job);
    // A second sync while one runs is not started; a check-out meanwhile asks for one after.
    assert!(ph.app.prepare_task(AppTask::Sync).is_none());
    assert!(ph.tap(UiEvent::SyncNow).effects.is_empty());
    let u = ph
        .app
        .finish_task(JobOutcome::Synced(Err(SyncError::Network(
            NetworkFailure::Connect,
        ))));
    let Screen::Home(h) = &u.screen else { panic!() };
    assert_eq!(
        h.sync.error.as_deref(),
        Some("Không có mạng — sẽ tự gửi lại sau")
    );
    assert!(!h.sync.running);
    assert_eq!(
        u.effects,
        vec![Effect::RunTask {
            task: AppTask::Sync
        }]
    );

    // A store that had to start afresh says what was lost.
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let vault = MemoryKeyVault::new();
    drop(Store::open(dir.path(), &vault, Settings::default(), clock.clone()).unwrap());
    let opened = Store::open(
        dir.path(),
        &MemoryKeyVault::new(),
        Settings::default(),
        clock,
    )
    .unwrap();
    assert!(opened.reset.is_some());
    let mut app = App::new(
        opened.store,
        trust_list(),
        sealing_key().public().clone(),
        opened.reset,
        AppOptions {
            server_url: None,
            language: Language::En,
            display: DisplayInfo::default(),
        },
    );
    let u = app.start();
    let Screen::Home(h) = &u.screen else { panic!() };
    assert!(
        h.banners[0]
            .text
            .starts_with("This phone's security key was lost"),
        "{:?}",
        h.banners
    );
    assert_eq!(announced(&u), vec![h.banners[0].text.clone()]);
    let u = app.dispatch(UiEvent::DismissNotice);
    let Screen::Home(h) = &u.screen else { panic!() };
    assert!(h.banners.is_empty());
}

// ---- Share my history with the health worker (issue 15) ----

const CASE_LINK: &str = "HTTPS://QR.HADONG.GOV.VN/K/14ABCDEFGHIJKLMNOP";
const DAY: Duration = Duration::from_secs(86_400);

fn poster_of(info: &quetma_core::payload::venue::VenueInfo) -> venue::VenuePoster {
    venue::decode(
        &venue::encode(info, &signing_key(), SERVER).unwrap(),
        &trust_list(),
    )
    .unwrap()
}

impl Phone {
    /// Checks `profile` in at `info` now.
    fn visit(&self, info: &quetma_core::payload::venue::VenueInfo, profile: &str) -> String {
        self.app
            .store()
            .check_in(
                &poster_of(info),
                &[profile.to_owned()],
                sealing_key().public(),
                quetma_core::citizen::visits::CheckInOptions::default(),
            )
            .unwrap()[0]
            .id
            .clone()
    }

    /// The owner's visits: one 20 days ago (outside a 14-day code), two 3 days ago, one today;
    /// the child one today. Returns (owner's visit ids in the window, oldest first; the child's).
    fn share_history(&mut self) -> (Vec<String>, String) {
        use quetma_core::payload::venue::fixtures::hadong_market;
        let (me, kid) = self.owner_and_child();
        self.visit(&hadong_market(), &me);
        self.clock.advance(DAY * 17);
        let a = self.visit(&hadong_pharmacy(), &me);
        self.clock.advance(Duration::from_secs(2 * 3600));
        let b = self.visit(&hadong_market(), &me);
        self.clock.advance(DAY * 3);
        let c = self.visit(&hadong_pharmacy(), &me);
        let k = self.visit(&hadong_market(), &kid);
        self.clock.advance(Duration::from_secs(600));
        (vec![a, b, c], k)
    }
}

fn preview(u: &Update) -> &quetma_core::app::share::SharePreviewView {
    match &u.screen {
        Screen::SharePreview(p) => p,
        other => panic!("not the preview: {other:?}"),
    }
}

#[test]
fn share_history_from_a_link_untick_one_send_done() {
    let mut ph = phone();
    let (ids, kid_visit) = ph.share_history();
    ph.app.start();
    // The health worker's QR opened the app: straight to what will be sent.
    let u = ph.tap(UiEvent::OpenUrl {
        url: CASE_LINK.into(),
    });
    assert_eq!(u.route, Route::SharePreview);
    assert_eq!(u.title, "Xem lại trước khi gửi");
    assert_eq!(sounds(&u), vec![SoundCue::Success]);
    assert!(
        announced(&u)
            .iter()
            .any(|a| a.contains("Đã đọc mã ca bệnh"))
    );
    let p = preview(&u);
    assert!(p.intro.contains("14 ngày"), "{}", p.intro);
    assert!(p.consent.contains("không gửi tên"), "{}", p.consent);
    // Two days, newest first; the 20-day-old visit and the child's are not in it.
    assert_eq!(p.days.len(), 2);
    assert_eq!(p.days[0].title, "Hôm nay");
    let shown: Vec<&str> = p
        .days
        .iter()
        .flat_map(|d| d.visits.iter().map(|v| v.visit_id.as_str()))
        .collect();
    assert_eq!(
        shown,
        vec![ids[2].as_str(), ids[1].as_str(), ids[0].as_str()]
    );
    assert!(!shown.contains(&kid_visit.as_str()));
    assert!(p.days.iter().all(|d| d.visits.iter().all(|v| v.selected)));
    assert_eq!(p.summary, "Sẽ gửi 3 trong 3 lần check-in.");
    assert!(p.empty.is_none() && p.error.is_none());
    assert!(p.send.enabled);
    // Whose history: the phone keeps two people.
    assert_eq!(p.profiles.len(), 2);

    // Untick the market, three days ago.
    let market = &p.days[1].visits[0];
    assert!(
        market.venue.starts_with("Chợ dân sinh Văn La"),
        "{}",
        market.venue
    );
    assert_eq!(
        market.toggle,
        UiEvent::ToggleShareVisit {
            visit_id: ids[1].clone()
        }
    );
    let u = ph.tap(market.toggle.clone());
    let p = preview(&u);
    assert!(!p.days[1].visits[0].selected);
    assert!(p.days[1].visits[0].accessibility.contains("Không gửi"));
    assert_eq!(p.summary, "Sẽ gửi 2 trong 3 lần check-in.");
    assert_eq!(p.send.label, "Gửi 2 lần check-in");

    // Send: the task carries the two ticked visits, the screen waits.
    let u = ph.tap(UiEvent::SendHistory);
    let task = AppTask::ShareHistory {
        code: "14ABCDEFGHIJKLMNOP".into(),
        visit_ids: vec![ids[2].clone(), ids[0].clone()],
    };
    assert!(
        u.effects.contains(&Effect::RunTask { task: task.clone() }),
        "{:?}",
        u.effects
    );
    let p = preview(&u);
    assert!(p.busy && !p.send.enabled);
    let job = ph.app.prepare_task(task).expect("a server is configured");
    let sent: Vec<(&str, i64)> = job
        .shared()
        .iter()
        .map(|v| (v.venue_id.as_str(), v.started_at))
        .collect();
    let visit = |id: &str| ph.app.store().visit(id).unwrap();
    assert_eq!(
        sent,
        vec![
            (
                hadong_pharmacy().venue_id.as_str(),
                visit(&ids[2]).started_at
            ),
            (
                hadong_pharmacy().venue_id.as_str(),
                visit(&ids[0]).started_at
            ),
        ]
    );
    let u = ph.app.finish_task(JobOutcome::HistoryShared(Ok(
        quetma_core::api::CaseShareResponse {
            case_id: "C-ABC".into(),
            visits: 2,
        },
    )));
    assert_eq!(u.route, Route::ShareDone);
    assert!(u.back.is_none());
    let Screen::ShareDone(d) = &u.screen else {
        panic!()
    };
    assert_eq!(d.headline, "Đã gửi 2 lần check-in cho cán bộ y tế");
    assert!(announced(&u).contains(&d.headline), "{:?}", announced(&u));
    // Nothing on the phone changed: the history keeps every visit.
    assert_eq!(ph.app.store().history_by_day(None).unwrap().len(), 3);
    let u = ph.tap(UiEvent::Back);
    assert_eq!(u.route, Route::Home);
}

#[test]
fn share_history_typed_scanned_refused_offline_and_another_deployment() {
    let mut ph = phone();
    let (ids, _) = ph.share_history();
    let u = ph.app.start();
    let Screen::Home(h) = &u.screen else { panic!() };
    let menu = h
        .menu
        .iter()
        .find(|b| b.label == "Chia sẻ lịch sử cho cán bộ y tế")
        .expect("in the home menu");
    let u = ph.tap(menu.event.clone());
    assert_eq!(u.route, Route::ShareCode);
    // A typo is refused in words; the code is read with spaces and lower case.
    ph.tap(UiEvent::FieldChanged {
        key: "case_code".into(),
        value: "14abc".into(),
    });
    let u = ph.tap(UiEvent::Submit);
    let Screen::ShareCode(c) = &u.screen else {
        panic!()
    };
    assert_eq!(
        c.code.error.as_deref(),
        Some("Mã chưa đúng. Mã gồm 2 chữ số rồi 16 chữ cái hoặc số — hãy kiểm tra lại.")
    );
    ph.tap(UiEvent::FieldChanged {
        key: "case_code".into(),
        value: "14abcd efgh ijkl mnop".into(),
    });
    let u = ph.tap(UiEvent::Submit);
    assert_eq!(u.route, Route::SharePreview);
    assert_eq!(preview(&u).summary, "Sẽ gửi 3 trong 3 lần check-in.");

    // The code was used already (or has expired): said plainly, with the way to another one.
    let u = ph.tap(UiEvent::SendHistory);
    let Some(Effect::RunTask { task }) = u
        .effects
        .iter()
        .find(|e| matches!(e, Effect::RunTask { .. }))
        .cloned()
    else {
        panic!("{:?}", u.effects)
    };
    ph.app.prepare_task(task).unwrap();
    let u = ph.app.finish_task(JobOutcome::HistoryShared(Err(
        quetma_core::sync::CaseShareError::CodeRefused,
    )));
    assert_eq!(u.route, Route::SharePreview);
    let p = preview(&u);
    let e = p.error.as_ref().unwrap();
    assert_eq!(
        e.text,
        "Mã không đúng, đã dùng hoặc đã hết hạn. Hãy xin cán bộ y tế mã mới."
    );
    assert_eq!(sounds(&u), vec![SoundCue::Rejected]);
    assert!(!p.busy && p.send.enabled);
    let action = e.action.as_ref().unwrap();
    assert_eq!(action.label, "Nhập mã khác");

    // No network: nothing lost, try again.
    ph.tap(UiEvent::SendHistory);
    let u = ph.app.finish_task(JobOutcome::HistoryShared(Err(
        quetma_core::sync::CaseShareError::Sync(SyncError::Network(NetworkFailure::Connect)),
    )));
    let e = preview(&u).error.clone().unwrap();
    assert!(e.text.contains("không có mạng"), "{}", e.text);
    assert!(e.text.contains("còn nguyên trên máy"), "{}", e.text);
    assert_eq!(e.action.as_ref().unwrap().event, UiEvent::SendHistory);
    let u = ph.tap(e.action.unwrap().event);
    assert!(
        u.effects
            .iter()
            .any(|e| matches!(e, Effect::RunTask { task: AppTask::ShareHistory { visit_ids, .. } } if visit_ids.len() == 3)),
        "{:?}",
        u.effects
    );
    ph.app.finish_task(JobOutcome::HistoryShared(Err(
        quetma_core::sync::CaseShareError::CodeRefused,
    )));

    // "Another code" → the code screen; the camera reads the health worker's QR.
    let u = ph.tap(action.event.clone());
    assert_eq!(u.route, Route::ShareCode);
    let Screen::ShareCode(c) = &u.screen else {
        panic!()
    };
    ph.tap(c.scan.event.clone());
    ph.tap(UiEvent::CameraPermission { granted: true });
    let u = ph.frames_until_change(
        &frame_of("HTTPS://QR.HADONG.GOV.VN/K/07ZYXWVUTSRQPONMLK", 6),
        5,
    );
    assert_eq!(u.route, Route::SharePreview);
    assert!(u.effects.contains(&Effect::CloseCamera));
    let p = preview(&u);
    assert!(p.intro.contains("7 ngày"), "{}", p.intro);
    assert!(p.error.is_none());
    // Back goes to the code screen, not the camera.
    let u = ph.tap(UiEvent::Back);
    assert_eq!(u.route, Route::ShareCode);

    // A case code of another deployment is not used.
    let u = ph.tap(UiEvent::OpenUrl {
        url: "HTTPS://EVIL.EXAMPLE/K/14ABCDEFGHIJKLMNOP".into(),
    });
    assert_eq!(u.route, Route::ShareCode);
    let Screen::ShareCode(c) = &u.screen else {
        panic!()
    };
    assert_eq!(
        c.error.as_deref(),
        Some("Mã này thuộc hệ thống khác, không dùng được ở đây.")
    );
    assert_eq!(ids.len(), 3);
}

#[test]
fn share_history_with_an_empty_window_says_so_and_sends_nothing() {
    let mut ph = phone();
    let (me, _) = ph.owner_and_child();
    ph.visit(&hadong_pharmacy(), &me);
    ph.clock.advance(DAY * 10);
    let u = ph.tap(UiEvent::OpenUrl {
        url: "https://qr.hadong.gov.vn/K/07ABCDEFGHIJKLMNOP".into(),
    });
    let p = preview(&u);
    assert!(p.days.is_empty());
    assert_eq!(
        p.empty.as_deref(),
        Some(
            "Không có lần check-in nào trong 7 ngày gần đây trên máy này, nên không có gì để gửi. Hãy báo cho cán bộ y tế."
        )
    );
    assert!(!p.send.enabled);
    let u = ph.tap(UiEvent::SendHistory);
    assert!(
        !u.effects
            .iter()
            .any(|e| matches!(e, Effect::RunTask { .. }))
    );
    // In English too.
    ph.app.dispatch(UiEvent::SetLanguage {
        language: Language::En,
    });
    let u = ph.app.current();
    assert!(
        preview(&u)
            .empty
            .as_deref()
            .unwrap()
            .starts_with("There are no check-ins from the last 7 days")
    );
}

// ---- The business scanner asks a card holder for a phone number (issue 15) ----

fn scan_view(u: &Update) -> &quetma_core::app::business::BusinessScanView {
    match &u.screen {
        Screen::BusinessScan(b) => b,
        other => panic!("not the scanner: {other:?}"),
    }
}

/// The sealed records waiting for upload, opened with the authority's key (as the tracer's
/// offline tool would).
fn opened_visitors(ph: &Phone) -> Vec<(String, quetma_core::payload::ContactRecord)> {
    ph.app
        .store()
        .outbox_pending(100)
        .unwrap()
        .into_iter()
        .map(|i| {
            let up: quetma_core::outbox::VisitorUpload = serde_json::from_str(&i.body).unwrap();
            let record = up
                .contact
                .to_sealed()
                .unwrap()
                .open(&sealing_key())
                .unwrap();
            (up.client_id, record)
        })
        .collect()
}

fn has_sync(u: &Update) -> bool {
    u.effects.contains(&Effect::RunTask {
        task: AppTask::Sync,
    })
}

#[test]
fn card_scan_then_the_visitors_phone_number_sealed_in_the_same_record() {
    let mut ph = enrolled_scanner();
    ph.tap(UiEvent::StartScanning);
    ph.tap(UiEvent::CameraPermission { granted: true });
    let cccd = frame_of(CCCD, 5);
    let u = ph.frames_until_change(&cccd, 5);
    let b = scan_view(&u);
    assert_eq!(b.last.as_ref().unwrap().kind, OutcomeKind::Accepted);
    assert_eq!(b.counts.entries, 1, "counted at once");
    assert_eq!(sounds(&u), vec![SoundCue::Success]);
    let prompt = b.phone_prompt.as_ref().expect("a card has no phone: ask");
    assert!(
        prompt.text.starts_with("Thẻ không có số điện thoại"),
        "{}",
        prompt.text
    );
    assert!(prompt.text.contains("không bắt buộc"));
    assert_eq!(prompt.field.key, "visitor_phone");
    assert_eq!(prompt.field.kind, FieldKind::Phone);
    assert!(!prompt.save.enabled);
    assert_eq!(prompt.skip.event, UiEvent::SkipVisitorPhone);
    assert!(!has_sync(&u), "the upload waits for the prompt");
    // The same card still in view does not close the prompt.
    for _ in 0..3 {
        ph.frame(&cccd);
    }
    assert!(scan_view(&ph.app.current()).phone_prompt.is_some());

    // A wrong number is said beside the field; what was typed stays.
    ph.tap(UiEvent::FieldChanged {
        key: "visitor_phone".into(),
        value: "12".into(),
    });
    let u = ph.tap(UiEvent::SaveVisitorPhone);
    let p = scan_view(&u).phone_prompt.as_ref().unwrap();
    assert_eq!(p.field.error.as_deref(), Some("Số điện thoại không hợp lệ"));
    assert_eq!(p.field.value, "12");
    // The first upload went up meanwhile (a sync already running took it).
    let store = ph.app.store().clone();
    let first = store.outbox_pending(10).unwrap();
    assert_eq!(first.len(), 1);
    store
        .outbox_mark_sent(&[(first[0].id.clone(), first[0].body.clone())])
        .unwrap();
    assert_eq!(store.outbox_counts().unwrap().pending, 0);

    ph.tap(UiEvent::FieldChanged {
        key: "visitor_phone".into(),
        value: "0987 654 321".into(),
    });
    let u = ph.tap(UiEvent::Submit);
    let b = scan_view(&u);
    assert!(b.phone_prompt.is_none());
    assert!(
        b.last
            .as_ref()
            .unwrap()
            .detail
            .ends_with("Đã lưu số điện thoại")
    );
    assert!(announced(&u).contains(&"Đã lưu số điện thoại".to_string()));
    assert!(has_sync(&u));
    // Counted once; the record under the same id goes up again, now with the number.
    assert_eq!(b.counts.entries, 1);
    assert_eq!(b.counts.people, 1);
    let opened = opened_visitors(&ph);
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].0, first[0].id, "same record id");
    let r = &opened[0].1;
    assert_eq!(r.full_name, "Nguyễn Văn An");
    assert_eq!(r.id_number.as_deref(), Some("001099012345"));
    assert_eq!(r.phone.as_deref(), Some("0987 654 321"));
    assert_eq!(r.source, quetma_core::payload::ContactSource::Cccd);
    // Never in plaintext on disk.
    let dump = ph.app.store().debug_dump_all_text().unwrap();
    assert!(!dump.contains("0987 654 321") && !dump.contains("0987654321"));
}

#[test]
fn the_next_visitor_skips_the_phone_prompt_and_both_are_counted() {
    let mut ph = enrolled_scanner();
    ph.tap(UiEvent::StartScanning);
    ph.tap(UiEvent::CameraPermission { granted: true });
    let u = ph.frames_until_change(&frame_of(CCCD, 5), 5);
    assert!(scan_view(&u).phone_prompt.is_some());
    // The next visitor shows a personal QR (it carries its own number): the prompt closes.
    let visitor_dir = tempfile::tempdir().unwrap();
    let visitor = store_at(visitor_dir.path(), &ph.clock);
    let id = visitor
        .add_profile(&profile(Relation::Owner, "Trần Thị Bình", 1985))
        .unwrap()
        .id;
    let qr = visitor
        .personal_qr(&id, sealing_key().public())
        .unwrap()
        .encode();
    let u = ph.frames_until_change(&frame_of(&qr, 3), 5);
    let b = scan_view(&u);
    assert!(b.phone_prompt.is_none());
    assert_eq!(b.last.as_ref().unwrap().kind, OutcomeKind::Accepted);
    assert_eq!(b.counts.entries, 2);
    assert!(has_sync(&u), "the held upload may go now");
    let opened = opened_visitors(&ph);
    assert_eq!(opened.len(), 2);
    let card = opened
        .iter()
        .find(|(_, r)| r.source == quetma_core::payload::ContactSource::Cccd)
        .unwrap();
    assert_eq!(card.1.phone, None, "skipped: no number");

    // Skip by hand closes it likewise.
    let u = ph.frames_until_change(&frame_of(BHYT, 4), 5);
    assert!(scan_view(&u).phone_prompt.is_some());
    let u = ph.tap(UiEvent::SkipVisitorPhone);
    assert!(scan_view(&u).phone_prompt.is_none());
    assert_eq!(scan_view(&u).counts.entries, 3);
}

#[test]
fn a_dependent_without_a_phone_carries_the_guardians_number_when_checking_in() {
    let mut ph = phone();
    let me = ph
        .app
        .store()
        .add_profile(&profile(Relation::Owner, "Nguyễn Văn An", 1990))
        .unwrap();
    // The child has no phone of their own (the field was cleared).
    let kid = ph
        .app
        .store()
        .add_profile(&NewProfile {
            phone: None,
            ..profile(Relation::Child, "Nguyễn Thị Bông", 2016)
        })
        .unwrap();
    assert_eq!(kid.phone, None);
    // The profile form offers the guardian's number for a new dependent.
    ph.go(Route::Profiles);
    let u = ph.tap(UiEvent::AddProfile);
    let Screen::Profiles(p) = &u.screen else {
        panic!()
    };
    let phone_field = p
        .form
        .as_ref()
        .unwrap()
        .fields
        .iter()
        .find(|f| f.key == "phone")
        .unwrap();
    assert_eq!(phone_field.value, "0912345678");
    assert!(phone_field.help.is_some());
    ph.visit(&hadong_pharmacy(), &me.id);
    let kid_visit = ph.visit(&hadong_pharmacy(), &kid.id);
    let item = ph
        .app
        .store()
        .outbox_pending(10)
        .unwrap()
        .into_iter()
        .find(|i| i.id == kid_visit)
        .unwrap();
    let up: quetma_core::outbox::VisitUpload = serde_json::from_str(&item.body).unwrap();
    let r = up
        .contact
        .to_sealed()
        .unwrap()
        .open(&sealing_key())
        .unwrap();
    assert_eq!(r.full_name, "Nguyễn Thị Bông");
    assert_eq!(
        r.phone.as_deref(),
        Some("0912345678"),
        "the guardian's number"
    );
    // The child's personal QR carries it too.
    let qr = ph
        .app
        .store()
        .personal_qr(&kid.id, sealing_key().public())
        .unwrap();
    let r = qr.contact.open(&sealing_key()).unwrap();
    assert_eq!(r.phone.as_deref(), Some("0912345678"));
}
