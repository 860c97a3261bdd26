import Foundation
import QuetMaFlows
import QuetMaCore
import XCTest

/// A whole citizen journey through the screen flows, as the iOS shell drives them: a camera
/// frame of the poster → confirm with a dependent → thank you → cancel.
final class FlowsJourneyTests: XCTestCase {
    func testPosterFrameConfirmWithAChildThankYouCancel() throws {
        let app = try openApp("flows")
        _ = try app.addProfile(profile: ProfileInput(relation: .owner, fullName: "Nguyễn Văn An", idNumber: nil, phone: "0912345678", birthYear: 1990))
        _ = try app.addProfile(profile: ProfileInput(relation: .child, fullName: "Nguyễn Thị Bông", idNumber: nil, phone: nil, birthYear: 2016))
        let flows = try app.flows(options: AppOptions(serverUrl: nil, language: .vi, display: DisplayInfo(xdpi: 460, ydpi: 460, hasTorch: true, reduceMotion: true)))

        XCTAssertEqual(try flows.start().route, .home)
        let scan = try flows.dispatch(event: .navigate(route: .scan))
        XCTAssertTrue(scan.effects.contains(.requestCameraPermission))
        XCTAssertEqual(try flows.dispatch(event: .cameraPermission(granted: true)).effects, [.openCamera])

        let frame = try Fixtures.luma("venue-poster", 1280, 720)
        guard let confirm = try flows.frame(luma: frame.bytes, width: 1280, height: 720, rowStride: 1280, rotation: .deg0) else {
            return XCTFail("the poster frame changes the screen")
        }
        XCTAssertEqual(confirm.route, .confirm)
        XCTAssertTrue(confirm.effects.contains(.playSound(cue: .success)))
        guard case let .confirm(view) = confirm.screen else { return XCTFail("\(confirm.screen)") }
        XCTAssertEqual(view.venueName, "Nhà thuốc Minh Châu")
        XCTAssertEqual(view.people.map(\.checked), [true, false])

        _ = try flows.dispatch(event: view.people[1].toggle)
        guard case let .confirm(ticked) = try flows.current().screen else { return XCTFail() }
        XCTAssertEqual(ticked.confirm.label, "Khai báo vào cho 2 người")

        let thanks = try flows.dispatch(event: ticked.confirm.event)
        guard case let .checkedIn(t) = thanks.screen else { return XCTFail("\(thanks.screen)") }
        XCTAssertEqual(t.who, "Nguyễn Văn An, Nguyễn Thị Bông")
        XCTAssertFalse(t.animate, "reduced motion: no animation")
        XCTAssertEqual(try app.openVisits().count, 2)

        let home = try flows.dispatch(event: t.cancel.event)
        XCTAssertEqual(home.route, .home)
        XCTAssertEqual(try app.openVisits().count, 0)
        XCTAssertTrue(home.effects.contains(.announce(text: "Đã huỷ khai báo vào Nhà thuốc Minh Châu")))
    }
}
