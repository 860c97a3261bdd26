import Foundation
import QuetMaCore

/// The Keychain status codes the vault tells apart (Security's `OSStatus` values, spelled out
/// so the logic compiles and is tested where Security does not exist).
public enum KeychainStatus {
    public static let success: Int32 = 0                      // errSecSuccess
    public static let itemNotFound: Int32 = -25300            // errSecItemNotFound
    public static let duplicateItem: Int32 = -25299           // errSecDuplicateItem
    public static let interactionNotAllowed: Int32 = -25308   // errSecInteractionNotAllowed
    public static let decode: Int32 = -26275                  // errSecDecode
}

/// One generic-password item, as the app's `SecItem` layer turns it into a query: always
/// `kSecClassGenericPassword`, `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly` and not
/// synchronisable, so the key never leaves this device (no iCloud Keychain, no backup restored
/// on another phone).
public struct KeychainItem: Sendable, Hashable {
    /// `kSecClass`: always a generic password.
    public enum ItemClass: Sendable, Hashable { case genericPassword }
    /// `kSecAttrAccessible`: always after first unlock, this device only.
    public enum Accessibility: Sendable, Hashable { case afterFirstUnlockThisDeviceOnly }

    /// `kSecAttrService`.
    public let service: String
    /// `kSecAttrAccount` (the core's alias).
    public let account: String
    public let itemClass: ItemClass = .genericPassword
    public let accessibility: Accessibility = .afterFirstUnlockThisDeviceOnly
    /// `kSecAttrSynchronizable`.
    public let synchronizable = false

    public init(service: String, account: String) {
        self.service = service
        self.account = account
    }
}

/// What `SecItemCopyMatching` answered: its status and, on success, the item's value if it
/// was `Data` (`nil` when the item holds something else).
public struct KeychainRead: Sendable, Equatable {
    public let status: Int32
    public let data: Data?

    public init(status: Int32, data: Data?) {
        self.status = status
        self.data = data
    }
}

/// The four `SecItem*` calls the vault needs. The app implements it with Security
/// (`ios/App/SystemKeychain.swift`); tests with a fake.
public protocol SecItemAPI: Sendable {
    /// `SecItemCopyMatching` for one item with `kSecReturnData`.
    func copyMatching(_ item: KeychainItem) -> KeychainRead
    /// `SecItemAdd` with `kSecValueData`.
    func add(_ item: KeychainItem, data: Data) -> Int32
    /// `SecItemUpdate` setting `kSecValueData`.
    func update(_ item: KeychainItem, data: Data) -> Int32
    /// `SecItemDelete`.
    func delete(_ item: KeychainItem) -> Int32
}

/// The core's key vault over the iOS Keychain. The core makes the 32 random bytes and decides
/// what happens next; this vault only reports faithfully what the Keychain holds:
///
/// - no item → `nil`: the core makes a fresh key (and, if a store existed, moves it aside and
///   reports `StoreReset.keyLost`);
/// - an item that cannot be read as bytes (`errSecDecode`, or a value that is not `Data`) →
///   empty bytes: the core sees a key that does not fit and takes its `wrongKey` path;
/// - a Keychain that is locked (`errSecInteractionNotAllowed`: before the first unlock after a
///   restart, e.g. a background launch) → the core's typed `QuetMaError.VaultLocked`, passed
///   back out of `QuetMaApp.open`: the core opens nothing and touches nothing; open again after
///   the unlock;
/// - any other failure → `QuetMaError.Platform` with the status. Never a crash.
public final class KeychainVault: KeyVault {
    private let keychain: SecItemAPI
    private let service: String

    public init(keychain: SecItemAPI, service: String = "vn.quetma.store") {
        self.keychain = keychain
        self.service = service
    }

    private func failure(_ what: String, _ status: Int32) -> QuetMaError {
        if status == KeychainStatus.interactionNotAllowed {
            return .VaultLocked
        }
        return .Platform(reason: "keychain \(what) failed (\(status))")
    }

    public func loadKey(alias: String) throws -> Data? {
        let read = keychain.copyMatching(KeychainItem(service: service, account: alias))
        switch read.status {
        case KeychainStatus.success: return read.data ?? Data()
        case KeychainStatus.itemNotFound: return nil
        case KeychainStatus.decode: return Data()
        default: throw failure("read", read.status)
        }
    }

    public func storeKey(alias: String, key: Data) throws {
        let item = KeychainItem(service: service, account: alias)
        var status = keychain.add(item, data: key)
        if status == KeychainStatus.duplicateItem {
            status = keychain.update(item, data: key)
        }
        guard status == KeychainStatus.success else { throw failure("write", status) }
    }
}

extension QuetMaError {
    /// Whether this is the vault's "Keychain locked before first unlock" failure: open the app
    /// again when protected data becomes available.
    public var isKeychainLocked: Bool {
        if case .VaultLocked = self { return true }
        return false
    }
}
