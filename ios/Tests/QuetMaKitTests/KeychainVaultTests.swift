import Foundation
import QuetMaCore
import QuetMaKit
import XCTest

/// The Keychain vault's logic over a fake SecItem layer, with the real core opening its store
/// through it: every failure takes the core's path, none crashes.
final class KeychainVaultTests: XCTestCase {
    private let alias = "quetma.store.v1"

    private func onlyItem(_ keychain: FakeKeychain) throws -> (KeychainItem, Data) {
        let items = keychain.stored
        XCTAssertEqual(items.count, 1)
        guard let (item, value) = items.first, case let .bytes(data) = value else {
            throw XCTSkip("no stored key")
        }
        return (item, data)
    }

    private func dbFile(_ dir: String) throws -> URL {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".db") }
        XCTAssertEqual(files.count, 1, "\(files)")
        return URL(fileURLWithPath: dir).appendingPathComponent(files[0])
    }

    private func addOwner(_ app: QuetMaApp) throws {
        _ = try app.addProfile(profile: ProfileInput(relation: .owner, fullName: "Nguyễn Văn An", birthYear: 1999))
    }

    func testTheCoreKeyIs32BytesInAThisDeviceOnlyGenericPasswordThatIsNotSynchronised() throws {
        let keychain = FakeKeychain()
        let app = try openApp("kc-first", vault: KeychainVault(keychain: keychain))
        XCTAssertNil(app.storeReset())
        let (item, key) = try onlyItem(keychain)
        XCTAssertEqual(key.count, 32)
        XCTAssertEqual(item.itemClass, .genericPassword)
        XCTAssertEqual(item.accessibility, .afterFirstUnlockThisDeviceOnly)
        XCTAssertFalse(item.synchronizable)
        XCTAssertEqual(item.service, "vn.quetma.store")
        XCTAssertEqual(keychain.calls, ["copy", "add"])
    }

    func testReopeningReadsTheSameKeyAndKeepsTheData() throws {
        let keychain = FakeKeychain()
        let dir = try tempDir("kc-reopen")
        try addOwner(openApp("kc-reopen", vault: KeychainVault(keychain: keychain), dir: dir))
        let again = try openApp("kc-reopen", vault: KeychainVault(keychain: keychain), dir: dir)
        XCTAssertNil(again.storeReset())
        XCTAssertEqual(try again.profiles().count, 1)
        XCTAssertEqual(keychain.calls, ["copy", "add", "copy"])
    }

    func testAMissingItemTakesTheCoresKeyLostPath() throws {
        let keychain = FakeKeychain()
        let dir = try tempDir("kc-missing")
        try addOwner(openApp("kc-missing", vault: KeychainVault(keychain: keychain), dir: dir))
        keychain.eraseAll()   // e.g. the app data restored onto a new phone

        let listener = RecordingListener()
        let app = try openApp("kc-missing", vault: KeychainVault(keychain: keychain), listener: listener, dir: dir)
        XCTAssertEqual(app.storeReset()?.reason, .keyLost)
        XCTAssertFalse(app.storeReset()?.message.vi.isEmpty ?? true)
        XCTAssertTrue(listener.events.contains { if case .storeReset = $0 { true } else { false } })
        XCTAssertTrue(try app.profiles().isEmpty)
        XCTAssertEqual(try onlyItem(keychain).1.count, 32)
        // The old file is set aside, not deleted.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertTrue(names.contains { $0.contains("key-lost") }, "\(names)")
    }

    func testALockedKeychainBeforeFirstUnlockIsAnErrorThatTouchesNothing() throws {
        let keychain = FakeKeychain()
        let dir = try tempDir("kc-locked")
        try addOwner(openApp("kc-locked", vault: KeychainVault(keychain: keychain), dir: dir))
        let db = try dbFile(dir)
        let before = try Data(contentsOf: db)
        let (_, key) = try onlyItem(keychain)

        keychain.forceRead(KeychainStatus.interactionNotAllowed)
        let error = expectError { try openApp("kc-locked", vault: KeychainVault(keychain: keychain), dir: dir) }
        XCTAssertTrue(error?.isKeychainLocked ?? false, "\(String(describing: error))")
        XCTAssertEqual(try Data(contentsOf: db), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".db.") }, [])
        XCTAssertEqual(try onlyItem(keychain).1, key)

        // After the unlock, the same store opens with its data.
        keychain.forceRead(nil)
        let app = try openApp("kc-locked", vault: KeychainVault(keychain: keychain), dir: dir)
        XCTAssertNil(app.storeReset())
        XCTAssertEqual(try app.profiles().count, 1)
    }

    func testACorruptItemTakesTheCoresWrongKeyPath() throws {
        for (name, value) in [("short", FakeKeychain.Value.bytes(Data(repeating: 7, count: 5))), ("not-data", .notData)] {
            let keychain = FakeKeychain()
            let dir = try tempDir("kc-corrupt-\(name)")
            try addOwner(openApp("kc-corrupt", vault: KeychainVault(keychain: keychain), dir: dir))
            keychain.put(value, account: alias)

            let app = try openApp("kc-corrupt", vault: KeychainVault(keychain: keychain), dir: dir)
            XCTAssertEqual(app.storeReset()?.reason, .wrongKey, name)
            XCTAssertTrue(try app.profiles().isEmpty, name)
            // The fresh key replaced the bad item (add finds it, update overwrites it).
            XCTAssertEqual(try onlyItem(keychain).1.count, 32, name)
            XCTAssertEqual(Array(keychain.calls.suffix(3)), ["copy", "add", "update"], name)
        }
    }

    func testAnUndecodableItemTakesTheWrongKeyPathToo() throws {
        let keychain = FakeKeychain()
        let vault = KeychainVault(keychain: keychain)
        keychain.forceRead(KeychainStatus.decode)
        XCTAssertEqual(try vault.loadKey(alias: alias), Data())
    }

    func testAFailedWriteIsAPlatformErrorNotACrash() throws {
        let keychain = FakeKeychain()
        keychain.forceWrite(-34018)   // errSecMissingEntitlement
        let dir = try tempDir("kc-write")
        guard case let .Platform(reason) = expectError({ try openApp("kc-write", vault: KeychainVault(keychain: keychain), dir: dir) }) else {
            return XCTFail("expected Platform")
        }
        XCTAssertTrue(reason.contains("-34018"), reason)
        XCTAssertFalse(QuetMaError.Platform(reason: reason).isKeychainLocked)
    }

    func testAnyOtherReadFailureIsAPlatformError() throws {
        let vault = KeychainVault(keychain: {
            let k = FakeKeychain()
            k.forceRead(-25293)   // errSecAuthFailed
            return k
        }())
        guard case let .Platform(reason) = expectError({ try vault.loadKey(alias: alias) }) else {
            return XCTFail("expected Platform")
        }
        XCTAssertTrue(reason.contains("-25293"), reason)
    }
}

/// Launching: a locked Keychain waits for the unlock, then the same store opens.
final class LaunchTests: XCTestCase {
    private func config(_ dir: String) throws -> AppConfig {
        AppConfig(dataDir: dir, publicKeysJson: try Fixtures.publicKeys(), retentionDays: nil, utcOffsetMinutes: nil, purgeTimer: false)
    }

    func testALockedKeychainWaitsThenTheStoreOpens() throws {
        let keychain = FakeKeychain()
        let dir = try tempDir("launch")
        guard case let .ready(first, reset) = Launch.open(config: try config(dir), vault: KeychainVault(keychain: keychain)) else {
            return XCTFail("first launch did not open")
        }
        XCTAssertNil(reset)
        _ = try first.addProfile(profile: ProfileInput(relation: .owner, fullName: "Nguyễn Văn An", birthYear: 1999))

        keychain.forceRead(KeychainStatus.interactionNotAllowed)
        guard case .waitingForUnlock = Launch.open(config: try config(dir), vault: KeychainVault(keychain: keychain)) else {
            return XCTFail("a locked keychain must wait for the unlock")
        }
        keychain.forceRead(nil)
        guard case let .ready(app, nil) = Launch.open(config: try config(dir), vault: KeychainVault(keychain: keychain)) else {
            return XCTFail("after the unlock the store opens as it was")
        }
        XCTAssertEqual(try app.profiles().count, 1)
    }

    func testOtherVaultFailuresAreShownNotWaitedOn() throws {
        let keychain = FakeKeychain()
        keychain.forceRead(-25293)
        guard case .failed(.Platform) = Launch.open(config: try config(tempDir("launch-fail")), vault: KeychainVault(keychain: keychain)) else {
            return XCTFail("expected failed(Platform)")
        }
    }
}
