import Foundation
import QuetMaCore
import QuetMaKit
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Sync through the bindings: an async call on tokio, typed errors, cancellation, alerts.
final class SyncTests: XCTestCase {
    private func appWithVisit(_ name: String) throws -> QuetMaApp {
        // With a real server (the end-to-end harness): its public key bundle and the poster of
        // a venue registered on it.
        let env = ProcessInfo.processInfo.environment
        let keys = try env["QUETMA_TEST_PUBLIC_KEYS"].map { try String(contentsOfFile: $0, encoding: .utf8) }
        let poster = try env["QUETMA_TEST_POSTER"].flatMap { $0.isEmpty ? nil : $0 } ?? Fixtures.posterText()
        let app = try openApp(name, keys: keys)
        let me = try app.addProfile(profile: ProfileInput(relation: .owner, fullName: "Nguyễn Văn An", birthYear: 1999))
        _ = try app.checkIn(posterText: poster, profileIds: [me.id], expectedStayMinutes: nil)
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

    #if canImport(Glibc)
    /// A loopback socket that accepts connections (the kernel does) and never answers.
    private func silentListener() throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw XCTSkip("no socket") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        guard ok else { close(fd); throw XCTSkip("cannot listen") }
        return (fd, UInt16(bigEndian: addr.sin_port))
    }

    func testCancellingARunningSyncThrowsCancelledAndKeepsTheOutbox() async throws {
        let app = try appWithVisit("sync-cancel-running")
        let (fd, port) = try silentListener()
        defer { close(fd) }
        let handle = SyncHandle()
        let canceller = Task {
            try await Task.sleep(nanoseconds: 200_000_000)
            handle.cancel()
        }
        do {
            _ = try await app.sync(settings: settings("http://127.0.0.1:\(port)"), handle: handle, progress: nil)
            XCTFail("expected Cancelled")
        } catch QuetMaError.Cancelled {
            XCTAssertTrue(handle.isCancelled())
        }
        _ = try await canceller.value
        let counts = try app.outboxCounts()
        XCTAssertEqual(counts.pending, 1)
        XCTAssertEqual(counts.failing, 0)
    }
    #endif

    func testSyncAgainstTheTestServerWhenConfigured() async throws {
        // Without a server this test only says so (the end-to-end harness sets the variable).
        guard let url = ProcessInfo.processInfo.environment["QUETMA_TEST_SERVER_URL"], !url.isEmpty else {
            print("note: QUETMA_TEST_SERVER_URL not set; sync against a real server not run")
            return
        }
        let app = try appWithVisit("sync-server")
        let report = try await app.sync(settings: settings(url), handle: SyncHandle(), progress: nil)
        // The visit is at a venue the server registered: it must be accepted, not refused.
        XCTAssertEqual(report.sent, 1)
        XCTAssertTrue(report.failed.isEmpty)
        XCTAssertEqual(report.pending, 0)
        XCTAssertEqual(try app.outboxCounts().pending, 0)
        for alert in try app.alerts() {
            try app.markAlertSeen(alertId: alert.id)
        }
        XCTAssertEqual(try app.unseenAlertCount(), 0)
    }
}
