import Foundation
import QuetMaCore
import QuetMaKit
import XCTest

/// A citizen's day through the bindings: scan a poster, check the family in, history, QR.
final class CitizenJourneyTests: XCTestCase {
    private func owner(_ app: QuetMaApp) throws -> Profile {
        try app.addProfile(profile: ProfileInput(
            relation: .owner, fullName: "Nguyễn Văn An", idNumber: "001099012345",
            phone: "0912345678", birthYear: 1999
        ))
    }

    func testTheStoreKeyIsKeptByTheSwiftVault() throws {
        let vault = MemoryVault()
        let app = try openApp("key", vault: vault)
        XCTAssertEqual(vault.count, 1)
        XCTAssertNil(app.storeReset())
    }

    func testScanThePosterCheckInHistoryCheckOut() throws {
        let clock = TestClock()
        let listener = RecordingListener()
        let app = try openApp("citizen", clock: clock, listener: listener)
        let me = try owner(app)
        let child = try app.addProfile(profile: ProfileInput(relation: .child, fullName: "Nguyễn Minh Khôi", birthYear: 2016))

        let scanner = try app.frameScanner(continuous: false)
        let results = try scanner.scan(Fixtures.luma("venue-poster", 640, 480))
        XCTAssertEqual(results.count, 1)
        guard case let .venue(venue, posterText) = results.first?.code else {
            return XCTFail("not a venue poster: \(String(describing: results.first?.code))")
        }
        XCTAssertEqual(venue.venueId, "HD-VQ-000123")
        XCTAssertEqual(venue.name, "Nhà thuốc Minh Châu")
        XCTAssertEqual(venue.category, .healthcare)

        let visits = try app.checkIn(posterText: posterText, profileIds: [me.id, child.id], expectedStayMinutes: nil)
        XCTAssertEqual(visits.count, 2)
        XCTAssertTrue(visits.allSatisfy { $0.isOpen })
        XCTAssertTrue(listener.events.contains(.historyChanged))
        XCTAssertEqual(try app.outboxCounts().pending, 2)

        let days = try app.history(profileId: nil)
        XCTAssertEqual(days.count, 1)
        XCTAssertEqual(days.first?.visits.count, 2)

        clock.advance(minutes: 10)
        let out = try app.checkOut(visitId: visits[0].id)
        XCTAssertEqual(out.endReason, .manual)
        XCTAssertEqual(out.endedAt, clock.nowMs())
        clock.advance(minutes: 30)
        XCTAssertEqual(try app.settle(), 1)
        XCTAssertEqual(try app.visit(visitId: visits[1].id).endReason, .defaultStay)
        XCTAssertTrue(try app.openVisits().isEmpty)
        XCTAssertTrue(try app.exportHistoryJson(profileId: nil).contains("HD-VQ-000123"))
    }

    func testAPersonalQRThatAScannerReadsBack() throws {
        let app = try openApp("personal")
        let me = try owner(app)
        let qr = try app.personalQr(profileId: me.id, pixelsPerInch: 460)
        XCTAssertEqual(qr.hint.shortName, "N. V. An")
        XCTAssertEqual(qr.luma.count, Int(qr.widthPx) * Int(qr.widthPx))
        XCTAssertEqual(qr.symbolMm, 50, accuracy: 2.5)

        let plane = LumaPlane(bytes: qr.luma, width: Int(qr.widthPx), height: Int(qr.widthPx))
        let read = try app.frameScanner(continuous: false).scan(plane)
        guard case let .personal(hint, declaration, _) = read.first?.code else {
            return XCTFail("not a personal QR")
        }
        XCTAssertEqual(hint.shortName, "N. V. An")
        XCTAssertEqual(hint.birthYear, 1999)
        XCTAssertNil(declaration)

        let pdf = try app.personalCardPdf(profileId: me.id)
        XCTAssertEqual(String(decoding: pdf.prefix(4), as: UTF8.self), "%PDF")
    }

    func testADeclarationNeedsItsOwnConsent() throws {
        let app = try openApp("declare")
        let me = try owner(app)
        let form = DeclarationForm(
            fullName: "nguyễn văn an", birthYear: 1999, sex: .male, nationality: "vn",
            province: "Hà Nội", commune: "Phường Hà Đông", street: "Số 12 Phố Lê Trọng Tấn",
            phone: "0912345678", symptoms: [.fever]
        )
        guard case .ConsentRequired = expectError({ try app.declare(profileId: me.id, declaredBy: me.id, form: form) }) else {
            return XCTFail("expected ConsentRequired")
        }
        XCTAssertFalse(consentText().consent.vi.isEmpty)
        _ = try app.grantHealthConsent(profileId: me.id)
        let d = try app.declare(profileId: me.id, declaredBy: me.id, form: form)
        XCTAssertEqual(d.form.fullName, "NGUYỄN VĂN AN")
        XCTAssertEqual(d.status, .symptoms)
        XCTAssertEqual(try app.personalQr(profileId: me.id, pixelsPerInch: 326).declaration?.status, .symptoms)
        XCTAssertEqual(try app.withdrawHealthConsent(profileId: me.id), 1)
        XCTAssertTrue(try app.declarations(profileId: me.id).isEmpty)
    }
}
