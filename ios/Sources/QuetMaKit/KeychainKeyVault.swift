#if canImport(Security)
import Foundation
import QuetMaCore
import Security

/// The store key in the iOS Keychain: a generic password per alias, readable after the first
/// unlock, never synced or backed up to another device.
public final class KeychainKeyVault: KeyVault {
    private let service: String

    public init(service: String = "vn.quetma.store") {
        self.service = service
    }

    private func query(_ alias: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: alias,
        ]
    }

    public func loadKey(alias: String) throws -> Data? {
        var q = query(alias)
        q[kSecReturnData as String] = true
        q[kSecMatchLimit as String] = kSecMatchLimitOne
        var out: CFTypeRef?
        let status = SecItemCopyMatching(q as CFDictionary, &out)
        switch status {
        case errSecSuccess: return out as? Data
        case errSecItemNotFound: return nil
        default: throw QuetMaError.Platform(reason: "keychain read failed (\(status))")
        }
    }

    public func storeKey(alias: String, key: Data) throws {
        SecItemDelete(query(alias) as CFDictionary)
        var q = query(alias)
        q[kSecValueData as String] = key
        q[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let status = SecItemAdd(q as CFDictionary, nil)
        guard status == errSecSuccess else {
            throw QuetMaError.Platform(reason: "keychain write failed (\(status))")
        }
    }
}
#endif
