import Foundation
import QuetMaCore
import QuetMaFlows
import QuetMaKit
import XCTest

/// Journeys through `AppModel` as the SwiftUI views drive it, with the real core: camera frames
/// through the frame hand-off, taps on the core's buttons, the core's effects performed on the
/// shell's fakes. (Main-actor test cases: async tests, and `@unchecked Sendable` because
/// XCTest's Linux test discovery hands the case to the main actor.)
@MainActor
final class AppModelTests: XCTestCase, @unchecked Sendable {
    private struct Phone {
        let app: QuetMaApp
        let model: AppModel
        let shell: FakeShell
        let clock: TestClock
    }

    private func phone(
        _ name: String, model id: String = "iPhone15,2", nativeScale: Double = 3, server: String? = nil,
        grantCamera: Bool = true, picked: Data? = nil, people: Bool = true
    ) throws -> Phone {
        let clock = TestClock()
        let app = try openApp(name, clock: clock)
        if people {
            _ = try app.addProfile(profile: ProfileInput(relation: .owner, fullName: "Nguyễn Văn An", idNumber: nil, phone: "0912345678", birthYear: 1990))
            _ = try app.addProfile(profile: ProfileInput(relation: .child, fullName: "Nguyễn Thị Bông", idNumber: nil, phone: nil, birthYear: 2016))
        }
        let display = DeviceDisplay(modelIdentifier: id)
        let flows = try app.flows(options: AppModel.options(serverUrl: server, language: .vi, display: display, hasTorch: true, reduceMotion: false))
        let shell = FakeShell(grantCamera: grantCamera, picked: picked, clock: clock)
        let model = try AppModel(flows: flows, services: shell.services, display: display, nativeScale: nativeScale)
        return Phone(app: app, model: model, shell: shell, clock: clock)
    }

    /// Opens the scanner and lets the (fake) camera permission answer.
    private func openScanner(_ p: Phone, route: Route = .scan) async {
        p.model.send(.navigate(route: route))
        await p.model.settle()
    }

    /// Feeds `plane` as a 10 fps camera would until the screen changes.
    private func framesUntilChange(_ p: Phone, _ plane: LumaPlane, max n: Int = 20) async throws -> Update {
        let before = p.model.update
        for _ in 0..<n {
            p.clock.advance(ms: 100)
            let shown = try XCTUnwrap(p.model.frames.offer(plane), "the camera is open and the model idle")
            await shown.value
            if p.model.update != before { return p.model.update }
        }
        XCTFail("no change after \(n) frames")
        return p.model.update
    }

    func testPosterFrameConfirmThankYouCancelWithSoundsAndAnnouncements() async throws {
        let p = try phone("model-poster")
        XCTAssertEqual(p.model.update.route, .home)
        await openScanner(p)
        XCTAssertEqual(p.shell.calls.filter { $0 == .cameraPermission || $0 == .cameraOpen }, [.cameraPermission, .cameraOpen])
        XCTAssertTrue(p.shell.calls.contains(.awake(true)), "the screen stays on while scanning")
        guard case .scan = p.model.screen else { return XCTFail("\(p.model.screen)") }

        let confirm = try await framesUntilChange(p, Fixtures.luma("venue-poster", 1280, 720))
        XCTAssertEqual(confirm.route, .confirm)
        XCTAssertEqual(p.shell.sounds, [.success])
        XCTAssertTrue(p.shell.calls.contains(.cameraClose), "the core closes the camera on a read poster")
        guard case let .confirm(view) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        XCTAssertEqual(view.venueName, "Nhà thuốc Minh Châu")

        p.model.send(view.people[1].toggle)
        guard case let .confirm(ticked) = p.model.screen else { return XCTFail() }
        XCTAssertEqual(ticked.confirm.label, "Khai báo vào cho 2 người")
        p.model.tap(ticked.confirm)
        guard case let .checkedIn(thanks) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        XCTAssertEqual(thanks.who, "Nguyễn Văn An, Nguyễn Thị Bông")
        XCTAssertEqual(try p.app.openVisits().count, 2)
        await p.model.settle()
        // The automatic check-out reminders the core asked for reached the notification centre.
        XCTAssertEqual(Set(p.shell.notifications.requests.keys), Set(try p.app.openVisits().map(\.id)))

        p.model.tap(thanks.cancel)
        XCTAssertEqual(p.model.update.route, .home)
        XCTAssertEqual(try p.app.openVisits().count, 0)
        XCTAssertEqual(p.shell.announcer.announcements.last, "Đã huỷ khai báo vào Nhà thuốc Minh Châu")
        await p.model.settle()
        XCTAssertTrue(p.shell.notifications.requests.isEmpty, "cancelling withdraws the reminders")
    }

    func testCheckOutFromHomeAndFromTheReminderAction() async throws {
        let p = try phone("model-checkout")
        await openScanner(p)
        _ = try await framesUntilChange(p, Fixtures.luma("venue-poster", 1280, 720))
        guard case let .confirm(view) = p.model.screen else { return XCTFail() }
        p.model.tap(view.confirm)
        guard case let .checkedIn(thanks) = p.model.screen else { return XCTFail() }
        p.model.tap(thanks.done)
        guard case let .home(home) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        let visit = try XCTUnwrap(home.current.first)
        p.model.tap(visit.checkOut)
        XCTAssertTrue(try p.app.openVisits().isEmpty)
        guard case let .home(after) = p.model.screen else { return XCTFail() }
        XCTAssertTrue(after.current.isEmpty)

        // Again, checked out through the notification's action this time.
        await openScanner(p)
        _ = try await framesUntilChange(p, Fixtures.luma("venue-poster", 1280, 720))
        guard case let .confirm(again) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        p.model.tap(again.confirm)
        await p.model.settle()
        let id = try XCTUnwrap(p.app.openVisits().first?.id)
        let request = try XCTUnwrap(p.shell.notifications.requests[id])
        let response = try XCTUnwrap(ReminderScheduler.response(
            actionIdentifier: ReminderScheduler.checkOutAction, requestIdentifier: request.identifier,
            categoryIdentifier: request.categoryIdentifier
        ))
        p.model.notificationResponse(response)
        XCTAssertTrue(try p.app.openVisits().isEmpty)
    }

    func testFramesAreDroppedWhileTheCameraIsClosedOrTheModelBusy() async throws {
        let p = try phone("model-drop")
        let blank = try Fixtures.luma("blank", 320, 240)
        XCTAssertNil(p.model.frames.offer(blank), "no camera on home")
        await openScanner(p)
        let first = try XCTUnwrap(p.model.frames.offer(blank))
        XCTAssertNil(p.model.frames.offer(blank), "the first frame's screen is not shown yet")
        await first.value
        XCTAssertNotNil(p.model.frames.offer(blank))
        XCTAssertEqual(p.model.frames.droppedFrames, 2)
    }

    func testAMalformedFrameIsATypedFailureAndTheNextScreenClearsIt() async throws {
        let p = try phone("model-bad-frame")
        await openScanner(p)
        let short = LumaPlane(bytes: Data(count: 10), width: 640, height: 480)
        await p.model.frames.offer(short)?.value
        guard case .InvalidInput = p.model.failure else { return XCTFail("\(String(describing: p.model.failure))") }
        guard case .scan = p.model.screen else { return XCTFail("the screen stays") }
        p.model.back()
        XCTAssertNil(p.model.failure)
        XCTAssertEqual(p.model.update.route, .home)
    }

    /// Every button of every screen reached from home, found by reflection over the view
    /// models: each has a label and a screen-reader label (VoiceOver: every control labelled).
    func testEveryButtonOnEveryScreenIsLabelled() async throws {
        let p = try phone("model-labels", server: "http://127.0.0.1:9")
        func buttons(in value: Any) -> [ButtonView] {
            if let b = value as? ButtonView { return [b] + buttons(inChildrenOf: b) }
            return buttons(inChildrenOf: value)
        }
        func buttons(inChildrenOf value: Any) -> [ButtonView] {
            Mirror(reflecting: value).children.flatMap { buttons(in: $0.value) }
        }
        var seen = 0
        for route in [Route.home, .scan, .history, .declaration, .personalQr, .profiles, .alerts, .settings, .shareCode, .businessEnrol] {
            p.model.send(.navigate(route: route))
            await p.model.settle()
            XCTAssertEqual(p.model.update.route, route)
            XCTAssertFalse(p.model.update.title.isEmpty, "\(route)")
            let found = buttons(in: p.model.update)
            XCTAssertFalse(found.isEmpty, "\(route) has buttons")
            for b in found {
                XCTAssertFalse(b.label.isEmpty, "\(route): \(b.event)")
                XCTAssertFalse(b.accessibility.isEmpty, "\(route): \(b.event)")
            }
            seen += found.count
            p.model.send(.navigate(route: .home))
        }
        XCTAssertGreaterThan(seen, 20)
    }

    func testAUniversalLinkToAPosterOpensTheConfirmScreen() async throws {
        let p = try phone("model-link")
        p.model.open(url: try XCTUnwrap(URL(string: try Fixtures.posterText())))
        guard case let .confirm(view) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        XCTAssertEqual(view.venueName, "Nhà thuốc Minh Châu")
    }

    /// "Share my history": a visit checked in through a poster link, then the health worker's
    /// `/K/` link (Universal Link) opens the preview with the visit ticked; its toggle unticks it
    /// (summary changed, send disabled) and ticks it again. A code of another deployment lands
    /// on the code screen with the core's error. The preview's buttons are labelled.
    func testAUniversalLinkToACaseCodeOpensThePreviewAndAVisitToggles() async throws {
        let server = "http://127.0.0.1:9"
        let p = try phone("model-share", server: server)
        p.model.open(url: try XCTUnwrap(URL(string: try Fixtures.posterText())))
        guard case let .confirm(confirm) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        p.model.tap(confirm.confirm)
        guard case let .checkedIn(thanks) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        p.model.tap(thanks.done)
        XCTAssertEqual(p.model.update.route, .home)

        p.model.open(url: try XCTUnwrap(URL(string: "https://qr.quetma.vn/K/14ABCDEFGHJKMN")))
        guard case let .shareCode(code) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        XCTAssertNotNil(code.error)
        XCTAssertEqual(code.code.error, code.error)

        p.model.open(url: try XCTUnwrap(URL(string: "\(server)/K/14ABCDEFGHJKMN")))
        guard case let .sharePreview(before) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        XCTAssertEqual(p.model.update.route, .sharePreview)
        let visits = before.days.flatMap(\.visits)
        XCTAssertEqual(visits.count, 1)
        let visit = try XCTUnwrap(visits.first)
        XCTAssertTrue(visit.selected)
        XCTAssertEqual(visit.venue, "Nhà thuốc Minh Châu")
        XCTAssertEqual(visit.toggle, .toggleShareVisit(visitId: visit.visitId))
        XCTAssertTrue(before.send.enabled)
        XCTAssertFalse(before.consent.isEmpty)
        for b in [before.send] + (before.error?.action.map { [$0] } ?? []) {
            XCTAssertFalse(b.label.isEmpty)
            XCTAssertFalse(b.accessibility.isEmpty)
        }

        p.model.send(visit.toggle)
        guard case let .sharePreview(after) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        let unticked = try XCTUnwrap(after.days.flatMap(\.visits).first)
        XCTAssertFalse(unticked.selected)
        XCTAssertNotEqual(unticked.accessibility, visit.accessibility)
        XCTAssertNotEqual(after.summary, before.summary)
        XCTAssertFalse(after.send.enabled, "nothing ticked: nothing to send")

        p.model.send(unticked.toggle)
        guard case let .sharePreview(again) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        XCTAssertEqual(again.days.flatMap(\.visits).first?.selected, true)
        XCTAssertEqual(again.summary, before.summary)
    }

    func testDarkFrameTorchCccdAndAnnouncedHints() async throws {
        let p = try phone("model-dark")
        await openScanner(p)
        let dark = LumaPlane(bytes: Data(repeating: 12, count: 1280 * 720), width: 1280, height: 720)
        _ = try await framesUntilChange(p, dark)
        guard case var .scan(scan) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        if scan.hintKind != .tooDark {
            _ = try await framesUntilChange(p, dark)
            guard case let .scan(again) = p.model.screen else { return XCTFail() }
            scan = again
        }
        XCTAssertEqual(scan.hintKind, .tooDark)
        XCTAssertEqual(scan.hint, "Quá tối — hãy bật đèn")
        XCTAssertTrue(p.shell.announcer.announcements.contains(scan.hint), "VoiceOver hears the hint")
        let torch = try XCTUnwrap(scan.torch)
        XCTAssertFalse(torch.accessibility.isEmpty, "the torch is labelled")
        p.model.tap(torch)
        XCTAssertTrue(p.shell.calls.contains(.torch(true)))
        XCTAssertEqual(p.shell.announcer.announcements.last, "Đèn đã bật", "VoiceOver hears the torch state")

        // A CCCD in citizen mode: not a poster, said so.
        _ = try await framesUntilChange(p, Fixtures.luma("cccd", 480, 480, rowStride: 512))
        guard case let .scan(card) = p.model.screen else { return XCTFail() }
        XCTAssertEqual(card.hintKind, .idCard)
    }

    func testCameraDeniedLeadsToSettingsAndThePhotoFallbackChecksIn() async throws {
        let png = try Data(contentsOf: Fixtures.dir.appendingPathComponent("venue-poster.png"))
        let p = try phone("model-denied", grantCamera: false, picked: png)
        await openScanner(p)
        XCTAssertFalse(p.shell.calls.contains(.cameraOpen))
        guard case let .scan(scan) = p.model.screen, let permission = scan.permission else {
            return XCTFail("\(p.model.screen)")
        }
        p.model.tap(permission.openSettings)
        XCTAssertEqual(p.shell.calls.last, .openSettings)

        p.model.tap(scan.openImage)
        await p.model.settle()
        XCTAssertTrue(p.shell.calls.contains(.pickImage))
        XCTAssertEqual(p.model.update.route, .confirm, "the poster's photo is read by the core")
    }

    func testDeclarationWithConsentFieldErrorsThenSaved() async throws {
        let p = try phone("model-declare")
        p.model.send(.navigate(route: .declaration))
        guard case let .declaration(d) = p.model.screen, let consent = d.consent else {
            return XCTFail("\(p.model.screen)")
        }
        XCTAssertNil(d.form)
        p.model.tap(consent.agree)
        guard case let .declaration(withForm) = p.model.screen, let form = withForm.form else {
            return XCTFail("\(p.model.screen)")
        }
        XCTAssertEqual(form.fields[0].value, "NGUYỄN VĂN AN", "prefilled from the profile")
        p.model.fieldChanged(key: "sex", value: "male")
        p.model.tap(form.submit)
        guard case let .declaration(bad) = p.model.screen, let marked = bad.form else { return XCTFail() }
        XCTAssertEqual(marked.fields.filter { $0.error != nil }.map(\.key), ["province", "commune", "street"])
        for (k, v) in [("province", "Hà Nội"), ("commune", "Phường Hà Đông"), ("street", "Số 1 Phố Mẫu")] {
            p.model.fieldChanged(key: k, value: v)
        }
        p.model.tap(marked.submit)
        XCTAssertEqual(p.model.update.route, .home)
        let me = try XCTUnwrap(p.app.profiles().first { $0.relation == .owner })
        XCTAssertEqual(try p.app.declarations(profileId: me.id).count, 1)
    }

    /// The personal QR at a true 5 cm on three iPhones with different panels and scales.
    func testPersonalQrSymbolIsFiftyMillimetresOnThreeDevices() async throws {
        for (id, scale) in [("iPhone12,8", 2.0), ("iPhone14,4", 2.88), ("iPhone15,2", 3.0)] {
            let p = try phone("model-qr-\(id)", model: id, nativeScale: scale)
            p.model.send(.navigate(route: .personalQr))
            XCTAssertTrue(p.shell.calls.contains(.brightness(.max)))
            guard case let .personalQr(view) = p.model.screen, let code = view.code else {
                return XCTFail("\(p.model.screen)")
            }
            let side = try XCTUnwrap(p.model.personalQrSidePoints)
            let modules = Double(code.modulesPerSide)
            let symbolPoints = side * (modules - 8) / modules
            let mm = symbolPoints * scale / p.model.display.pixelsPerInch * 25.4
            XCTAssertEqual(mm, 50, accuracy: 0.01, id)
            XCTAssertFalse(code.accessibility.isEmpty)
            p.shell.clear()
            p.model.back()
            XCTAssertTrue(p.shell.calls.contains(.brightness(.system)))
            XCTAssertNil(p.model.personalQrSidePoints)
        }
        XCTAssertEqual(DeviceDisplay(modelIdentifier: "iPhone12,8").pixelsPerInch, 326)
        XCTAssertEqual(DeviceDisplay(modelIdentifier: "iPhone14,4").pixelsPerInch, 476)
    }

    func testSettingsExportAndPrintCardGoToTheShareSheet() async throws {
        let p = try phone("model-share")
        p.model.send(.navigate(route: .settings))
        guard case let .settings(s) = p.model.screen, let export = s.export.first else {
            return XCTFail("\(p.model.screen)")
        }
        p.model.tap(export)
        let file = try XCTUnwrap(p.shell.shared.last)
        XCTAssertFalse(file.bytes.isEmpty)
        XCTAssertFalse(file.title.isEmpty)
        p.model.send(.navigate(route: .personalQr))
        guard case let .personalQr(q) = p.model.screen, let card = q.printCard else { return XCTFail() }
        p.model.tap(card)
        let pdf = try XCTUnwrap(p.shell.shared.last)
        XCTAssertEqual(pdf.mime, "application/pdf")
        XCTAssertTrue(pdf.bytes.starts(with: Array("%PDF".utf8)))
    }

    func testSyncTaskWithoutAServerAndTheBackgroundRefreshComplete() async throws {
        let p = try phone("model-bg")
        let task = FakeBackgroundTask()
        let scheduler = FakeTaskScheduler()
        await p.model.refreshInBackground(task, using: BackgroundRefresh(scheduler: scheduler), nowMs: { 1_800_000_000_000 })
        XCTAssertEqual(task.completed, true)
        XCTAssertTrue(task.hasExpirationHandler)
        XCTAssertNil(p.model.failure)
        // The next run is pending, the core's period later.
        let next = try XCTUnwrap(scheduler.requests[BackgroundRefresh.taskIdentifier])
        let period = Double(backgroundSyncPlan().periodMs) / 1000
        XCTAssertEqual(next.timeIntervalSince1970, 1_800_000_000 + period, accuracy: 0.001)
    }

    #if canImport(Glibc)
    /// Business mode: enrolled through the (loopback) server, then a CCCD and a personal QR
    /// through the camera and a visitor typed in: the counts the core keeps.
    func testBusinessModeEnrolScanCccdPersonalQrManualEntryAndCounts() async throws {
        let server = try EnrolServer(answer: """
        {"venue_id":"HD-VQ-000123","venue_name":"Nhà thuốc Minh Châu","checkpoint":"Cổng chính","scanner_token":"\(String(repeating: "T", count: 43))"}
        """)
        defer { server.stop() }
        let p = try phone("model-business", server: "http://127.0.0.1:\(server.port)", people: false)
        p.model.send(.navigate(route: .businessEnrol))
        p.model.fieldChanged(key: "enrol_code", value: "abcdefghijklmnopqrst")
        guard case let .enrol(enrol) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        p.model.tap(enrol.enrol)
        await p.model.settle()
        XCTAssertEqual(p.model.update.route, .businessCheckpoint, "\(p.model.screen)")
        guard case let .checkpoint(c) = p.model.screen else { return XCTFail() }
        XCTAssertEqual(c.venueName, "Nhà thuốc Minh Châu")
        p.model.tap(c.form.submit)
        await p.model.settle()
        XCTAssertEqual(p.model.update.route, .businessScan)

        _ = try await framesUntilChange(p, Fixtures.luma("cccd", 480, 480, rowStride: 512))
        guard case let .businessScan(b1) = p.model.screen else { return XCTFail() }
        XCTAssertEqual(b1.last?.kind, .accepted)
        XCTAssertEqual(b1.counts.entries, 1)
        XCTAssertEqual(p.shell.sounds.last, .success)

        _ = try await framesUntilChange(p, Fixtures.luma("personal-qr", 480, 480, rotation: .deg270))
        guard case let .businessScan(b2) = p.model.screen else { return XCTFail() }
        XCTAssertEqual(b2.last?.kind, .accepted)
        XCTAssertEqual(b2.counts.entries, 2)

        p.model.tap(b2.manual)
        XCTAssertEqual(p.model.update.route, .manualEntry)
        p.model.fieldChanged(key: "full_name", value: "Lê Văn Cường")
        p.model.fieldChanged(key: "phone", value: "0987 654 321")
        guard case let .manualEntry(form) = p.model.screen else { return XCTFail() }
        p.model.tap(form.submit)
        guard case let .businessScan(b3) = p.model.screen else { return XCTFail("\(p.model.screen)") }
        XCTAssertEqual(b3.last?.kind, .accepted)
        XCTAssertEqual([b3.counts.entries, b3.counts.exits, b3.counts.people], [3, 0, 3])
        XCTAssertEqual(b3.counts.text, "Hôm nay: 3 lượt vào, 0 lượt ra, 3 người")
        p.model.tap(b3.stop)
        XCTAssertEqual(p.model.update.route, .businessCheckpoint)
    }
    #endif
}

/// The Keychain's failure paths, from the launch to the first screen the model shows.
@MainActor
final class VaultLaunchTests: XCTestCase, @unchecked Sendable {
    private func config(_ dir: String) throws -> AppConfig {
        AppConfig(dataDir: dir, publicKeysJson: try Fixtures.publicKeys(), retentionDays: nil, utcOffsetMinutes: nil, purgeTimer: false)
    }

    private func firstScreen(_ launch: Launch.State) throws -> (AppModel, FakeShell) {
        guard case let .ready(app, _) = launch else {
            XCTFail("\(launch)")
            throw QuetMaError.Internal(reason: "not ready")
        }
        let shell = FakeShell(clock: TestClock())
        let display = DeviceDisplay(modelIdentifier: "iPhone15,2")
        let flows = try app.flows(options: AppModel.options(serverUrl: nil, language: .vi, display: display, hasTorch: true, reduceMotion: false))
        return (try AppModel(flows: flows, services: shell.services, display: display, nativeScale: 3), shell)
    }

    /// A store with one profile, its key in the fake Keychain.
    private func existingStore(_ name: String) throws -> (String, FakeKeychain) {
        let dir = try tempDir(name)
        let keychain = FakeKeychain()
        guard case let .ready(app, nil) = Launch.open(config: try config(dir), vault: KeychainVault(keychain: keychain)) else {
            throw QuetMaError.Internal(reason: "first open")
        }
        _ = try app.addProfile(profile: ProfileInput(relation: .owner, fullName: "Nguyễn Văn An", idNumber: nil, phone: nil, birthYear: 1990))
        return (dir, keychain)
    }

    func testMissingItemStartsAFreshStoreAndHomeSaysWhy() async throws {
        let (dir, keychain) = try existingStore("vault-missing")
        keychain.eraseAll()
        let launch = Launch.open(config: try config(dir), vault: KeychainVault(keychain: keychain))
        let (model, shell) = try firstScreen(launch)
        guard case let .home(home) = model.screen, let notice = home.banners.first else {
            return XCTFail("\(model.screen)")
        }
        XCTAssertTrue(notice.text.hasPrefix("Khoá bảo mật của máy đã mất"), notice.text)
        XCTAssertEqual(shell.announcer.announcements, [notice.text], "VoiceOver reads the notice")
        guard case let .ready(app, _) = launch else { return }
        XCTAssertTrue(try app.profiles().isEmpty)
    }

    func testLockedKeychainIsTheCoresTypedVaultLockedThenOpensAfterTheUnlock() async throws {
        let (dir, keychain) = try existingStore("vault-locked")
        keychain.forceRead(KeychainStatus.interactionNotAllowed)
        do {
            _ = try QuetMaApp.open(config: try config(dir), vault: KeychainVault(keychain: keychain), clock: nil, listener: nil)
            XCTFail("a locked Keychain opens nothing")
        } catch QuetMaError.VaultLocked {
            // The core's typed outcome, through the store and back.
        }
        guard case .waitingForUnlock = Launch.open(config: try config(dir), vault: KeychainVault(keychain: keychain)) else {
            return XCTFail("a locked Keychain waits for the unlock")
        }
        keychain.forceRead(nil)
        let launch = Launch.open(config: try config(dir), vault: KeychainVault(keychain: keychain))
        let (model, _) = try firstScreen(launch)
        guard case let .home(home) = model.screen else { return XCTFail() }
        XCTAssertTrue(home.banners.isEmpty, "nothing was lost: \(home.banners)")
        guard case let .ready(app, nil) = launch else { return XCTFail() }
        XCTAssertEqual(try app.profiles().count, 1)
    }

    func testCorruptItemTakesTheWrongKeyPath() async throws {
        let (dir, keychain) = try existingStore("vault-corrupt")
        guard let account = keychain.stored.keys.first?.account else { return XCTFail("no item") }
        keychain.put(.notData, account: account)
        let launch = Launch.open(config: try config(dir), vault: KeychainVault(keychain: keychain))
        let (model, _) = try firstScreen(launch)
        guard case let .home(home) = model.screen, let notice = home.banners.first else {
            return XCTFail("\(model.screen)")
        }
        XCTAssertTrue(notice.text.hasPrefix("Khoá bảo mật không mở được dữ liệu cũ"), notice.text)
    }
}
