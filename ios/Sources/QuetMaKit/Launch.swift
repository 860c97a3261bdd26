import Foundation
import QuetMaCore

/// Opening the core at launch. A Keychain still locked after a restart (the app launched in
/// the background before the first unlock) is not a failure: the app waits for protected data
/// (`UIApplication.protectedDataDidBecomeAvailableNotification`) and opens again. Everything
/// else is the core's: a lost or wrong key or a damaged store opens a fresh one and says why.
public enum Launch {
    public enum State {
        /// Open; `reset` (from the core) is what to tell the user, if anything.
        case ready(QuetMaApp, reset: StoreResetInfo?)
        /// The Keychain is locked: open again after the unlock.
        case waitingForUnlock
        /// The core refused to open (storage, keys); shown to the user with the core's error.
        case failed(QuetMaError)
    }

    /// Opens the core with `vault` (the app's `KeychainVault`).
    public static func open(
        config: AppConfig, vault: KeyVault, clock: Clock? = nil, listener: EventListener? = nil
    ) -> State {
        do {
            let app = try QuetMaApp.open(config: config, vault: vault, clock: clock, listener: listener)
            return .ready(app, reset: app.storeReset())
        } catch let error as QuetMaError {
            return error.isKeychainLocked ? .waitingForUnlock : .failed(error)
        } catch {
            return .failed(.Internal(reason: "open: \(error)"))
        }
    }
}
