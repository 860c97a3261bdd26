#if canImport(SwiftUI) && canImport(UIKit)
import BackgroundTasks
import Foundation
import QuetMaCore
import QuetMaKit
import SwiftUI
import UIKit

/// The app entry: opens the core through the Keychain vault (again after the first unlock if
/// launched before it), hands Universal Links to the core, registers the background refresh.
/// Views render the models in QuetMaKit and hold no logic.
@main
struct QuetMaMain: App {
    @State private var launch: Launch.State = .waitingForUnlock

    init() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: BackgroundRefresh.taskIdentifier, using: nil) { task in
            NotificationCenter.default.post(name: .quetmaBackgroundRefresh, object: SystemBackgroundTask(task))
        }
    }

    var body: some Scene {
        WindowGroup {
            RootView(launch: launch)
                .onAppear(perform: open)
                .onReceive(NotificationCenter.default.publisher(for: UIApplication.protectedDataDidBecomeAvailableNotification)) { _ in
                    if case .waitingForUnlock = launch { open() }
                }
        }
    }

    private func open() {
        launch = Launch.open(config: Self.config(), vault: KeychainVault(keychain: SystemKeychain()))
    }

    /// The store lives in Application Support, excluded from iCloud/iTunes backup (its key is
    /// `ThisDeviceOnly`, so a restored copy could never be opened anyway).
    static func config() -> AppConfig {
        let fm = FileManager.default
        var dir = (try? fm.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true))
            ?? fm.temporaryDirectory
        dir.appendPathComponent("QuetMa", isDirectory: true)
        try? fm.createDirectory(at: dir, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try? dir.setResourceValues(values)
        let keys = Bundle.main.url(forResource: "public-keys", withExtension: "json")
            .flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
        return AppConfig(dataDir: dir.path, publicKeysJson: keys, retentionDays: nil, utcOffsetMinutes: nil, purgeTimer: true)
    }
}

extension Notification.Name {
    static let quetmaBackgroundRefresh = Notification.Name("vn.quetma.backgroundRefresh")
}
#endif
