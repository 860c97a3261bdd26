#if canImport(Security)
import Foundation
import QuetMaKit
import Security

/// The real `SecItem*` calls behind QuetMaKit's `KeychainVault` (whose logic is tested on
/// Linux against a fake of this protocol).
struct SystemKeychain: SecItemAPI {
    private func query(_ item: KeychainItem) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: item.service,
            kSecAttrAccount as String: item.account,
            kSecAttrSynchronizable as String: kCFBooleanFalse as Any,
            kSecUseDataProtectionKeychain as String: true,
        ]
    }

    func copyMatching(_ item: KeychainItem) -> KeychainRead {
        var q = query(item)
        q[kSecReturnData as String] = true
        q[kSecMatchLimit as String] = kSecMatchLimitOne
        var out: CFTypeRef?
        let status = SecItemCopyMatching(q as CFDictionary, &out)
        return KeychainRead(status: status, data: out as? Data)
    }

    func add(_ item: KeychainItem, data: Data) -> Int32 {
        var q = query(item)
        q[kSecValueData as String] = data
        q[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        return SecItemAdd(q as CFDictionary, nil)
    }

    func update(_ item: KeychainItem, data: Data) -> Int32 {
        let change: [String: Any] = [
            kSecValueData as String: data,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        return SecItemUpdate(query(item) as CFDictionary, change as CFDictionary)
    }

    func delete(_ item: KeychainItem) -> Int32 {
        SecItemDelete(query(item) as CFDictionary)
    }
}
#endif
