import Foundation
import QuetMaCore
import QuetMaKit
import XCTest

/// The personal QR's true size: device model → ppi, the core's bitmap for it, points on screen.
final class DeviceDisplayTests: XCTestCase {
    /// Model, its panel's ppi, `UIScreen.nativeScale`, and 5 cm in points worked out by hand
    /// (50 / 25.4 × ppi / nativeScale).
    private let models: [(String, Double, Double, Double)] = [
        ("iPhone14,4", 476, 2.88, 325.4),    // iPhone 13 mini
        ("iPhone10,2", 401, 2.608, 302.7),   // iPhone 8 Plus (rendered at 3x, shown at 2.608)
        ("iPhone12,8", 326, 2.0, 320.9),     // iPhone SE (2nd generation)
        ("iPhone15,4", 460, 3.0, 301.8),     // iPhone 15
    ]

    func testKnownModelsHaveTheirPanelsDensity() {
        for (id, ppi, _, _) in models {
            let d = DeviceDisplay(modelIdentifier: id)
            XCTAssertTrue(d.isKnownModel, id)
            XCTAssertEqual(d.pixelsPerInch, ppi, id)
        }
    }

    func testAnUnknownModelGetsItsFamilysDefault() {
        let future = DeviceDisplay(modelIdentifier: "iPhone99,9")
        XCTAssertEqual(future.pixelsPerInch, 460)
        XCTAssertFalse(future.isKnownModel)
        XCTAssertEqual(DeviceDisplay(modelIdentifier: "iPad99,1").pixelsPerInch, 264)
        XCTAssertEqual(DeviceDisplay(modelIdentifier: "arm64").pixelsPerInch, 460)
        XCTAssertFalse(DeviceDisplay(modelIdentifier: "").isKnownModel)
    }

    func testThePersonalQrShowsAt5cmOnThreeModels() throws {
        let app = try openApp("qr-size")
        let me = try app.addProfile(profile: ProfileInput(relation: .owner, fullName: "Nguyễn Văn An", birthYear: 1999))
        for (id, _, nativeScale, expectedPoints) in models {
            let display = DeviceDisplay(modelIdentifier: id)
            let qr = try app.personalQr(profileId: me.id, pixelsPerInch: display.pixelsPerInch)
            // The bitmap is shown 1:1 in physical pixels: its frame in points.
            let framePoints = DeviceDisplay.points(forPixels: Double(qr.widthPx), nativeScale: nativeScale)
            XCTAssertEqual(framePoints * nativeScale, Double(qr.widthPx), accuracy: 1e-9, id)
            // The symbol measured in the bitmap itself (dark modules, quiet zone excluded).
            let side = Int(qr.widthPx)
            let dark = qr.luma.indices.filter { qr.luma[$0] < 128 }
            let xs = dark.map { ($0 - qr.luma.startIndex) % side }
            let symbolPx = Double((xs.max() ?? 0) - (xs.min() ?? 0) + 1)
            let symbolPoints = DeviceDisplay.points(forPixels: symbolPx, nativeScale: nativeScale)
            // Whole pixels per module: the core may round the symbol by a few per cent.
            XCTAssertEqual(symbolPoints, expectedPoints, accuracy: expectedPoints * 0.05, id)
            XCTAssertEqual(symbolPx / display.pixelsPerInch * 25.4, 50, accuracy: 2.5, id)
            XCTAssertEqual(qr.symbolMm, 50, accuracy: 2.5, id)
        }
    }
}

/// The camera frame hand-off: the buffer's luma plane reaches the core in place.
final class FrameHandOffTests: XCTestCase {
    func testTheLumaPlaneIsLentWithoutACopyWhileTheBufferIsLocked() throws {
        let buffer = FakePixelBuffer(try Fixtures.luma("venue-poster", 640, 480, rowStride: 704))
        let seen = try buffer.withLumaPlane(rotation: .deg90) { plane -> UnsafeRawPointer? in
            XCTAssertTrue(buffer.isLocked)
            XCTAssertEqual(plane.rowStride, 704)
            XCTAssertEqual(plane.rotation, .deg90)
            return plane.bytes.withUnsafeBytes { $0.baseAddress }
        }
        XCTAssertEqual(seen, UnsafeRawPointer(buffer.base))
        XCTAssertFalse(buffer.isLocked)
    }

    func testACameraFrameReachesTheCoreScanner() throws {
        let app = try openApp("frames")
        let scanner = try app.frameScanner(continuous: false)
        let poster = FakePixelBuffer(try Fixtures.luma("venue-poster", 640, 480, rowStride: 704))
        let results = try scanner.scan(frame: poster, rotation: .deg0)
        XCTAssertTrue(poster.everLocked)
        XCTAssertFalse(poster.isLocked)
        guard case let .venue(venue, _) = results.first?.code else {
            return XCTFail("no poster read: \(results)")
        }
        XCTAssertEqual(venue.venueId, "HD-VQ-000123")

        let dark = FakePixelBuffer(LumaPlane(bytes: Data(repeating: 4, count: 640 * 480), width: 640, height: 480))
        XCTAssertTrue(try scanner.scan(frame: dark, rotation: .deg0).isEmpty)
    }

    func testACCCDCameraFrameIsRecordedAtTheCheckpoint() throws {
        let app = try openApp("frames-cccd")
        let session = try app.startScannerSessionFromPoster(posterText: Fixtures.posterText(), checkpoint: "Cổng chính", direction: .entry)
        let scanner = try app.frameScanner(continuous: true)
        let card = FakePixelBuffer(try Fixtures.luma("cccd", 480, 480, rowStride: 512))
        guard case let .recorded(entry) = try app.record(frame: card, rotation: .deg0, session: session, scanner: scanner).first else {
            return XCTFail("CCCD not recorded")
        }
        XCTAssertEqual(entry.source, .cccd)
        XCTAssertFalse(card.isLocked)
        XCTAssertEqual(try app.visitorCountsToday(venueId: session.venueId).entries, 1)
    }
}

/// Auto check-out reminders through a fake notification centre.
final class ReminderTests: XCTestCase {
    private let now: Int64 = 1_800_000_000_000

    func testAReminderWithACheckOutActionIsScheduledForItsTime() async throws {
        let center = FakeNotificationCenter(allowed: true)
        let scheduler = ReminderScheduler(center: center, nowMs: { [now] in now })
        let reminder = Reminder(
            id: "visit-1", atMs: now + 45 * 60_000, title: "Nhà thuốc Minh Châu",
            body: "Bạn đã rời đi chưa?", actionLabel: "Check-out"
        )
        let scheduled = try await scheduler.schedule(reminder)
        XCTAssertTrue(scheduled)
        let request = try XCTUnwrap(center.requests["visit-1"])
        XCTAssertEqual(request.delaySeconds, 45 * 60)
        XCTAssertEqual(request.title, "Nhà thuốc Minh Châu")
        XCTAssertEqual(request.categoryIdentifier, ReminderScheduler.checkOutCategory)
        XCTAssertEqual(center.registered[ReminderScheduler.checkOutCategory], "\(ReminderScheduler.checkOutAction)|Check-out")

        // Rescheduling the same id replaces it; cancelling removes it.
        _ = try await scheduler.schedule(Reminder(id: "visit-1", atMs: now - 5, title: "t", body: "b", actionLabel: nil))
        XCTAssertEqual(center.requests["visit-1"]?.delaySeconds, 1)
        XCTAssertEqual(center.requests["visit-1"]?.categoryIdentifier, ReminderScheduler.plainCategory)
        scheduler.cancel(id: "visit-1")
        XCTAssertTrue(center.requests.isEmpty)
    }

    func testRefusedNotificationsScheduleNothing() async throws {
        let center = FakeNotificationCenter(allowed: false)
        let scheduler = ReminderScheduler(center: center, nowMs: { 0 })
        let scheduled = try await scheduler.schedule(Reminder(id: "v", atMs: 60_000, title: "t", body: "b", actionLabel: "x"))
        XCTAssertFalse(scheduled)
        XCTAssertTrue(center.requests.isEmpty)
        XCTAssertEqual(center.authorizationRequests, 1)
    }

    func testTheCheckOutActionIsRoutedBackWithTheReminderId() {
        XCTAssertEqual(
            ReminderScheduler.response(actionIdentifier: ReminderScheduler.checkOutAction, requestIdentifier: "visit-1",
                                       categoryIdentifier: ReminderScheduler.checkOutCategory),
            .checkOut(reminderId: "visit-1"))
        XCTAssertEqual(
            ReminderScheduler.response(actionIdentifier: "com.apple.UNNotificationDefaultActionIdentifier",
                                       requestIdentifier: "visit-1", categoryIdentifier: ReminderScheduler.checkOutCategory),
            .open(reminderId: "visit-1"))
        XCTAssertNil(ReminderScheduler.response(actionIdentifier: ReminderScheduler.checkOutAction, requestIdentifier: "x",
                                                categoryIdentifier: "someone.else"))
    }
}

/// Background refresh through a fake `BGTaskScheduler`, running the core's real sync.
final class BackgroundRefreshTests: XCTestCase {
    func testARunIsRequestedForTheGivenTimeAndARefusalIsNotAnError() {
        let scheduler = FakeTaskScheduler()
        let refresh = BackgroundRefresh(scheduler: scheduler)
        XCTAssertTrue(refresh.schedule(atMs: 1_800_000_000_000))
        XCTAssertEqual(scheduler.requests[BackgroundRefresh.taskIdentifier], Date(timeIntervalSince1970: 1_800_000_000))
        refresh.cancel()
        XCTAssertTrue(scheduler.requests.isEmpty)
        XCTAssertFalse(BackgroundRefresh(scheduler: FakeTaskScheduler(refuse: true)).schedule(atMs: 0))
    }

    func testATaskCompletesWithTheSyncsOutcome() async throws {
        let refresh = BackgroundRefresh(scheduler: FakeTaskScheduler())
        let ok = FakeBackgroundTask()
        await refresh.run(ok) { _ in }
        XCTAssertEqual(ok.completed, true)
        XCTAssertTrue(ok.hasExpirationHandler)

        // The real core's sync to a closed loopback port: a network error, task failed.
        let app = try openApp("bg-unreachable")
        let failed = FakeBackgroundTask()
        let settings = SyncSettings(serverUrl: "http://127.0.0.1:9", deviceId: try newDeviceId(), scannerToken: nil, requestTimeoutMs: 5_000)
        await refresh.run(failed) { handle in _ = try await app.sync(settings: settings, handle: handle, progress: nil) }
        XCTAssertEqual(failed.completed, false)
    }

    func testExpiryCancelsTheCoresSyncThroughItsHandle() async throws {
        let refresh = BackgroundRefresh(scheduler: FakeTaskScheduler())
        let task = FakeBackgroundTask()
        let handle = SyncHandle()
        await refresh.run(task, handle: handle) { handle in
            task.expire()
            XCTAssertTrue(handle.isCancelled())
            throw QuetMaError.Cancelled
        }
        XCTAssertEqual(task.completed, false)
        XCTAssertTrue(handle.isCancelled())
    }
}

/// Universal Links are unwrapped and handed to the core untouched.
final class DeepLinkTests: XCTestCase {
    func testAWebActivityIsRoutedAndOthersAreNot() throws {
        let links = RecordingLinks()
        let url = try XCTUnwrap(URL(string: "https://qr.hadong.gov.vn/E/ABC123"))
        XCTAssertTrue(try DeepLinks.route(activityType: DeepLinks.browsingWeb, webpageURL: url, to: links))
        XCTAssertFalse(try DeepLinks.route(activityType: "vn.quetma.handoff", webpageURL: url, to: links))
        XCTAssertFalse(try DeepLinks.route(activityType: DeepLinks.browsingWeb, webpageURL: nil, to: links))
        XCTAssertEqual(links.urls, ["https://qr.hadong.gov.vn/E/ABC123"])
    }

    func testAPosterLinkReachesTheCoreWhichReadsIt() throws {
        let app = try openApp("links")
        final class PosterLinks: LinkOpening, @unchecked Sendable {
            let app: QuetMaApp
            var venue: Venue?
            init(_ app: QuetMaApp) { self.app = app }
            func open(url: String) throws { venue = try app.verifyPosterText(posterText: url) }
        }
        let target = PosterLinks(app)
        let url = try XCTUnwrap(URL(string: try Fixtures.posterText()))
        XCTAssertTrue(try DeepLinks.route(activityType: DeepLinks.browsingWeb, webpageURL: url, to: target))
        XCTAssertEqual(target.venue?.venueId, "HD-VQ-000123")
    }
}
