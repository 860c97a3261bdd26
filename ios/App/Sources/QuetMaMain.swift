#if canImport(SwiftUI) && canImport(UIKit)
import AVFoundation
import BackgroundTasks
import Foundation
import QuetMaCore
import QuetMaFlows
import QuetMaKit
import SwiftUI
import UIKit
import UserNotifications

/// The app entry: opens the core through the Keychain vault (again after the first unlock if
/// launched before it), makes the AppModel over the core's flows with the real platform
/// services, and hands it the system's events (foreground, Universal Links, notification
/// actions, background refresh). Views render the model and hold no logic.
@main
struct QuetMaMain: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate
    @Environment(\.scenePhase) private var scenePhase
    @State private var launch: Launch.State = .waitingForUnlock
    @State private var model: AppModel?

    var body: some Scene {
        WindowGroup {
            RootView(launch: launch, model: model, camera: delegate.camera.session)
                .onAppear(perform: open)
                .onReceive(NotificationCenter.default.publisher(for: UIApplication.protectedDataDidBecomeAvailableNotification)) { _ in
                    if case .waitingForUnlock = launch { open() }
                }
                .onContinueUserActivity(DeepLinks.browsingWeb) { activity in
                    if let url = DeepLinks.url(activityType: activity.activityType, webpageURL: activity.webpageURL) {
                        model?.open(url: url)
                    }
                }
                .onOpenURL { model?.open(url: $0) }
        }
        .onChange(of: scenePhase) { _, phase in
            if phase == .active { model?.foreground() }
        }
    }

    private func open() {
        guard model == nil else { return }
        launch = Launch.open(config: Self.config(), vault: KeychainVault(keychain: SystemKeychain()))
        guard case let .ready(app, _) = launch else { return }
        do {
            let made = try delegate.makeModel(app)
            model = made
        } catch let error as QuetMaError {
            launch = .failed(error)
        } catch {
            launch = .failed(.Internal(reason: "\(type(of: error))"))
        }
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
    let camera = SystemCamera()
    let refresh = BackgroundRefresh(scheduler: SystemTaskScheduler())
    /// Set on the main actor once the core is open.
    @MainActor private(set) var model: AppModel?

    @MainActor func makeModel(_ app: QuetMaApp) throws -> AppModel {
        let display = DeviceDisplay(modelIdentifier: Device.modelIdentifier)
        let language: Language = Locale.preferredLanguages.first?.hasPrefix("vi") ?? true ? .vi : .en
        let options = AppModel.options(
            serverUrl: Bundle.main.object(forInfoDictionaryKey: "QuetMaServerURL") as? String,
            language: language, display: display,
            hasTorch: AVCaptureDevice.default(for: .video)?.hasTorch ?? false,
            reduceMotion: UIAccessibility.isReduceMotionEnabled
        )
        let services = ShellServices(
            announcer: VoiceOverAnnouncer(), haptics: SystemHaptics(), sounds: SystemSounds(),
            camera: camera, screen: SystemScreen(), sharing: SystemSharing(),
            reminders: ReminderScheduler(center: SystemNotifications(), nowMs: { Int64(Date().timeIntervalSince1970 * 1000) }),
            system: SystemOpener(), images: SystemImagePicker()
        )
        let made = try AppModel(flows: app.flows(options: options), services: services, display: display, nativeScale: Double(currentScreen()?.nativeScale ?? 3))
        camera.attach(made.frames)
        model = made
        refresh.scheduleNext(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        return made
    }

    func application(_ application: UIApplication, didFinishLaunchingWithOptions options: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        UNUserNotificationCenter.current().delegate = self
        BGTaskScheduler.shared.register(forTaskWithIdentifier: BackgroundRefresh.taskIdentifier, using: nil) { [weak self] task in
            let task = SystemBackgroundTask(task)
            Task { @MainActor in
                guard let self, let model = self.model else { return task.setTaskCompleted(success: false) }
                await model.refreshInBackground(task, using: self.refresh)
            }
        }
        return true
    }

    func userNotificationCenter(_ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse) async {
        guard let routed = ReminderScheduler.response(
            actionIdentifier: response.actionIdentifier,
            requestIdentifier: response.notification.request.identifier,
            categoryIdentifier: response.notification.request.content.categoryIdentifier
        ) else { return }
        await MainActor.run { model?.notificationResponse(routed) }
    }
}
#endif
