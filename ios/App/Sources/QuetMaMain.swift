#if canImport(SwiftUI) && canImport(UIKit)
import BackgroundTasks
import Foundation
import QuetMaCore
import QuetMaKit
import SwiftUI
import UIKit
import UserNotifications

/// The app entry: opens the core through the Keychain vault (again after the first unlock if
/// launched before it), hands Universal Links to the core, registers the background refresh.
/// Views render the models in QuetMaKit and hold no logic.
@main
struct QuetMaMain: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate
    @State private var launch: Launch.State = .waitingForUnlock
    @State private var pendingLink: URL?

    var body: some Scene {
        WindowGroup {
            RootView(launch: launch)
                .onAppear(perform: open)
                .onReceive(NotificationCenter.default.publisher(for: UIApplication.protectedDataDidBecomeAvailableNotification)) { _ in
                    if case .waitingForUnlock = launch { open() }
                }
                .onContinueUserActivity(DeepLinks.browsingWeb) { activity in
                    // Handed to the core's openUrl (LinkOpening) once the flows land (issue 12).
                    pendingLink = DeepLinks.url(activityType: activity.activityType, webpageURL: activity.webpageURL)
                }
        }
    }

    private func open() {
        launch = Launch.open(config: Self.config(), vault: KeychainVault(keychain: SystemKeychain()))
        if case let .ready(app, _) = launch { delegate.app = app }
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

/// Background refresh and notification responses, which reach the app through its delegate.
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate, @unchecked Sendable {
    /// The open core (set on the main thread once the launch opened it).
    var app: QuetMaApp?
    let refresh = BackgroundRefresh(scheduler: SystemTaskScheduler())

    func application(_ application: UIApplication, didFinishLaunchingWithOptions options: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        UNUserNotificationCenter.current().delegate = self
        BGTaskScheduler.shared.register(forTaskWithIdentifier: BackgroundRefresh.taskIdentifier, using: nil) { [weak self] task in
            let task = SystemBackgroundTask(task)
            guard let self, let app = self.app else { return task.setTaskCompleted(success: false) }
            // The sync the core asks for, with its settings (the core's flows, issue 12); until
            // then only the core's settling of overdue visits runs here.
            Task { await self.refresh.run(task) { _ in _ = try app.settle() } }
        }
        return true
    }

    func userNotificationCenter(_ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse) async {
        _ = ReminderScheduler.response(
            actionIdentifier: response.actionIdentifier,
            requestIdentifier: response.notification.request.identifier,
            categoryIdentifier: response.notification.request.content.categoryIdentifier
        )
        // Routed to the core's reminder event once the flows land (issue 12).
    }
}
#endif
