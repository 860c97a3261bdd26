import Foundation
import QuetMaCore
import QuetMaKit
import XCTest

/// Errors crossing the boundary, platform failures and the frame hand-off.
final class BoundaryTests: XCTestCase {
    func testABadKeyBundleIsACryptoError() throws {
        guard case .Crypto = expectError({ try openApp("badkeys", keys: "{not json") }) else {
            return XCTFail("expected Crypto")
        }
    }

    func testNotFoundAndInvalidInput() throws {
        let app = try openApp("errors")
        guard case let .NotFound(what) = expectError({ try app.profile(id: "NOPE") }) else {
            return XCTFail("expected NotFound")
        }
        XCTAssertEqual(what, "profile")
        guard case .InvalidInput = expectError({ try app.checkIn(posterText: "https://example.com/V/AAAA", profileIds: ["x"], expectedStayMinutes: nil) }) else {
            return XCTFail("expected InvalidInput")
        }
    }

    func testAFailingVaultIsAPlatformErrorAndALostKeyResetsTheStore() throws {
        let vault = MemoryVault()
        vault.fail(with: .Platform(reason: "keychain locked"))
        guard case let .Platform(reason) = expectError({ try openApp("vault", vault: vault) }) else {
            return XCTFail("expected Platform")
        }
        XCTAssertEqual(reason, "keychain locked")

        vault.fail(with: nil)
        let dir = try tempDir("reset")
        _ = try openApp("reset", vault: vault, dir: dir).addProfile(profile: ProfileInput(relation: .owner, fullName: "Nguyễn Văn An", phone: "0912345678"))
        vault.forgetAll()
        let listener = RecordingListener()
        let app = try openApp("reset", vault: vault, listener: listener, dir: dir)
        XCTAssertEqual(app.storeReset()?.reason, .keyLost)
        XCTAssertTrue(try app.profiles().isEmpty)
        guard case let .storeReset(info) = listener.events.first else {
            return XCTFail("no StoreReset event")
        }
        XCTAssertFalse(info.message.vi.isEmpty)
    }

    func testFramesWithPaddedRowsAndBadFrames() throws {
        let scanner = try FrameScanner(publicKeysJson: Fixtures.publicKeys(), continuous: false)
        for stride in [640, 704, 1000] {
            let plane = try Fixtures.luma("venue-poster", 640, 480, rowStride: stride)
            guard case .venue = try scanner.scan(plane).first?.code else {
                return XCTFail("stride \(stride)")
            }
        }
        let turned = try scanner.scan(Fixtures.luma("venue-poster", 640, 480, rotation: .deg90))
        XCTAssertTrue(turned.first?.bounds.allSatisfy { $0.x < 480 && $0.y < 640 } ?? false)

        let small = Data(count: 100)
        for (w, h, s) in [(20, 10, 20), (10, 10, 5), (0, 10, 10)] as [(UInt32, UInt32, UInt32)] {
            guard case .InvalidInput = expectError({ try scanner.scan(luma: small, width: w, height: h, rowStride: s, rotation: .deg0) }) else {
                return XCTFail("expected InvalidInput for \(w)x\(h)/\(s)")
            }
        }
        XCTAssertFalse(libraryVersion().isEmpty)
    }

    func testAnUnexpectedSwiftErrorInTheVaultCrossesAsAPlatformError() throws {
        struct KeychainExploded: Error {}
        final class BrokenVault: KeyVault, @unchecked Sendable {
            func loadKey(alias: String) throws -> Data? { throw KeychainExploded() }
            func storeKey(alias: String, key: Data) throws { throw KeychainExploded() }
        }
        guard case .Platform = expectError({ try openApp("broken", vault: BrokenVault()) }) else {
            return XCTFail("expected Platform")
        }
    }

    func testContinuousModeReportsACodeOnceUntilReset() throws {
        let scanner = try FrameScanner(publicKeysJson: Fixtures.publicKeys(), continuous: true)
        let plane = try Fixtures.luma("venue-poster", 640, 480)
        XCTAssertEqual(try scanner.scan(plane).count, 1)
        XCTAssertEqual(try scanner.scan(plane).count, 0)
        scanner.reset()
        XCTAssertEqual(try scanner.scan(plane).count, 1)
    }
}
