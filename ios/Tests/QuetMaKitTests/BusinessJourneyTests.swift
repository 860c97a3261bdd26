import Foundation
import QuetMaCore
import QuetMaKit
import XCTest

/// A business phone in scanner mode at the door.
final class BusinessJourneyTests: XCTestCase {
    private func recorded(_ outcome: ScanOutcome?, file: StaticString = #filePath, line: UInt = #line) -> VisitorEntry? {
        guard case let .recorded(entry) = outcome else {
            XCTFail("not recorded: \(String(describing: outcome))", file: file, line: line)
            return nil
        }
        return entry
    }

    func testACCCDFrameIsRecordedByItsHintOnlyOnce() throws {
        let clock = TestClock()
        let app = try openApp("cccd", clock: clock)
        let session = try app.startScannerSessionFromPoster(posterText: Fixtures.posterText(), checkpoint: "Cổng chính", direction: .entry)
        XCTAssertEqual(session.venueId, "HD-VQ-000123")
        let scanner = try app.frameScanner(continuous: false)
        // Rows padded to a 512-byte stride, as a camera delivers them.
        let card = try Fixtures.luma("cccd", 480, 480, rowStride: 512)

        guard case let .cccd(hint) = try scanner.scan(card).first?.code else {
            return XCTFail("not a CCCD code")
        }
        XCTAssertEqual(hint.shortName, "N. V. An")

        let entry = recorded(try app.record(card, session: session, scanner: scanner).first)
        XCTAssertEqual(entry?.source, .cccd)
        XCTAssertEqual(entry?.hint.shortName, "N. V. An")

        clock.advance(minutes: 1)
        guard case let .duplicate(earlier, secondsAgo) = try app.record(card, session: session, scanner: scanner).first else {
            return XCTFail("expected a duplicate")
        }
        XCTAssertEqual(earlier.id, entry?.id)
        XCTAssertEqual(secondsAgo, 60)
        let log = try app.sessionVisitorLog(sessionId: session.id, sinceMs: 0)
        XCTAssertEqual(log.count, 1)
        XCTAssertFalse(String(describing: log).contains("001099012345"))
    }

    func testPersonalQRPosterAndManualEntry() throws {
        let app = try openApp("door")
        let session = try app.startScannerSession(venueId: "HD-VQ-000123", venueName: "Nhà thuốc Minh Châu", checkpoint: "Cổng chính", direction: .entry)
        let scanner = try app.frameScanner(continuous: false)

        let p = recorded(try app.record(Fixtures.luma("personal-qr", 480, 480, rotation: .deg270), session: session, scanner: scanner).first)
        XCTAssertEqual(p?.source, .personalQr)
        XCTAssertEqual(p?.hint.shortName, "T. T. Bình")

        guard case let .rejected(reason, message) = try app.record(Fixtures.luma("venue-poster", 640, 480), session: session, scanner: scanner).first else {
            return XCTFail("a poster is not a person")
        }
        XCTAssertEqual(reason, .notAPerson)
        XCTAssertFalse(message.en.isEmpty)
        XCTAssertTrue(try app.record(Fixtures.luma("blank", 320, 240), session: session, scanner: scanner).isEmpty)

        let m = recorded(try app.manualEntry(sessionId: session.id, entry: ManualEntry(fullName: "Lê Thị Hoa", phone: "0987654321", birthYear: 1950)))
        XCTAssertEqual(m?.source, .manual)
        guard case let .InvalidInput(rule) = expectError({ try app.manualEntry(sessionId: session.id, entry: ManualEntry(fullName: "Lê Thị Hoa")) }) else {
            return XCTFail("expected InvalidInput")
        }
        XCTAssertNotNil(manualEntryMessage(reason: rule))

        let counts = try app.visitorCountsToday(venueId: "HD-VQ-000123")
        XCTAssertEqual(counts.entries, 2)
        XCTAssertEqual(counts.bySource.personalQr, 1)
        XCTAssertEqual(counts.bySource.manual, 1)
        XCTAssertEqual(try app.outboxCounts().pending, 2)
    }
}
