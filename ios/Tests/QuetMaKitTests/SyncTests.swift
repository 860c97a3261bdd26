import Foundation
import QuetMaCore
import QuetMaKit
import XCTest

/// Sync through the bindings: an async call on tokio, typed errors, cancellation, alerts.
final class SyncTests: XCTestCase {
    private func appWithVisit(_ name: String) throws -> QuetMaApp {
        // With a real server (the end-to-end harness), its public key bundle may be given too.
        let keys = try ProcessInfo.processInfo.environment["QUETMA_TEST_PUBLIC_KEYS"]
            .map { try String(contentsOfFile: $0, encoding: .utf8) }
        let app = try openApp(name, keys: keys)
        let me = try app.addProfile(profile: ProfileInput(relation: .owner, fullName: "Nguyễn Văn An", birthYear: 1999))
        _ = try app.checkIn(posterText: Fixtures.posterText(), profileIds: [me.id], expectedStayMinutes: nil)
        return app
    }

    private func settings(_ url: String) throws -> SyncSettings {
        SyncSettings(serverUrl: url, deviceId: try newDeviceId(), scannerToken: nil, requestTimeoutMs: 5_000)
    }

    func testSyncToAnUnreachableServerIsATypedNetworkErrorAndKeepsTheOutbox() async throws {
        let app = try appWithVisit("sync-unreachable")
        do {
            _ = try await app.sync(settings: settings("http://127.0.0.1:9"), handle: SyncHandle(), progress: nil)
            XCTFail("expected a network error")
        } catch let QuetMaError.Network(reason) {
            XCTAssertEqual(reason, "connect")
        }
        XCTAssertEqual(try app.outboxCounts().pending, 1)
        XCTAssertTrue(try app.alerts().isEmpty)
    }

    func testACancelledSyncThrowsCancelledAndKeepsTheOutbox() async throws {
        let app = try appWithVisit("sync-cancel")
        let handle = SyncHandle()
        handle.cancel()
        do {
            _ = try await app.sync(settings: settings("http://127.0.0.1:9"), handle: handle, progress: nil)
            XCTFail("expected Cancelled")
        } catch QuetMaError.Cancelled {
            XCTAssertTrue(handle.isCancelled())
        }
        let counts = try app.outboxCounts()
        XCTAssertEqual(counts.pending, 1)
        XCTAssertEqual(counts.failing, 0)
    }

    func testSyncAgainstTheTestServerWhenConfigured() async throws {
        // Without a server this test only says so (the end-to-end harness sets the variable).
        guard let url = ProcessInfo.processInfo.environment["QUETMA_TEST_SERVER_URL"], !url.isEmpty else {
            print("note: QUETMA_TEST_SERVER_URL not set; sync against a real server not run")
            return
        }
        let app = try appWithVisit("sync-server")
        let report = try await app.sync(settings: settings(url), handle: SyncHandle(), progress: nil)
        XCTAssertEqual(report.sent + UInt64(report.failed.count), 1)
        XCTAssertEqual(report.pending, try app.outboxCounts().pending)
        for alert in try app.alerts() {
            try app.markAlertSeen(alertId: alert.id)
        }
        XCTAssertEqual(try app.unseenAlertCount(), 0)
    }
}
