#if canImport(UIKit) && canImport(UserNotifications) && canImport(BackgroundTasks)
import BackgroundTasks
import Foundation
import QuetMaKit
import UIKit
import UserNotifications

/// `UNUserNotificationCenter` behind QuetMaKit's `NotificationScheduling`.
struct SystemNotifications: NotificationScheduling {
    private var center: UNUserNotificationCenter { .current() }

    func requestAuthorization() async -> Bool {
        (try? await center.requestAuthorization(options: [.alert, .sound])) ?? false
    }

    func registerCategory(identifier: String, actionIdentifier: String, actionTitle: String) {
        let action = UNNotificationAction(identifier: actionIdentifier, title: actionTitle, options: [])
        let category = UNNotificationCategory(identifier: identifier, actions: [action], intentIdentifiers: [])
        let plain = UNNotificationCategory(identifier: ReminderScheduler.plainCategory, actions: [], intentIdentifiers: [])
        center.setNotificationCategories([category, plain])
    }

    func add(_ request: NotificationRequest) async throws {
        let content = UNMutableNotificationContent()
        content.title = request.title
        content.body = request.body
        content.sound = .default
        content.categoryIdentifier = request.categoryIdentifier
        let trigger = UNTimeIntervalNotificationTrigger(timeInterval: request.delaySeconds, repeats: false)
        try await center.add(UNNotificationRequest(identifier: request.identifier, content: content, trigger: trigger))
    }

    func remove(identifiers: [String]) {
        center.removePendingNotificationRequests(withIdentifiers: identifiers)
        center.removeDeliveredNotifications(withIdentifiers: identifiers)
    }
}

/// `BGTaskScheduler` behind QuetMaKit's `BackgroundTaskScheduling`.
struct SystemTaskScheduler: BackgroundTaskScheduling {
    func submit(identifier: String, earliestBegin: Date) throws {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = earliestBegin
        try BGTaskScheduler.shared.submit(request)
    }

    func cancel(identifier: String) {
        BGTaskScheduler.shared.cancel(taskRequestWithIdentifier: identifier)
    }
}

/// A launched `BGTask` behind QuetMaKit's `BackgroundTask`.
final class SystemBackgroundTask: BackgroundTask, @unchecked Sendable {
    private let task: BGTask
    init(_ task: BGTask) { self.task = task }
    func setExpirationHandler(_ handler: @escaping @Sendable () -> Void) { task.expirationHandler = handler }
    func setTaskCompleted(success: Bool) { task.setTaskCompleted(success: success) }
}

/// VoiceOver: the core's announcements, queued behind speech already in progress.
struct VoiceOverAnnouncer: Announcer {
    func announce(_ text: String) {
        let queued = NSAttributedString(string: text, attributes: [.accessibilitySpeechQueueAnnouncement: true])
        DispatchQueue.main.async { UIAccessibility.post(notification: .announcement, argument: queued) }
    }
}

enum Device {
    /// The hardware model (`iPhone14,4`); the Simulator's simulated model.
    static var modelIdentifier: String {
        if let simulated = ProcessInfo.processInfo.environment["SIMULATOR_MODEL_IDENTIFIER"] { return simulated }
        var info = utsname()
        uname(&info)
        return withUnsafeBytes(of: &info.machine) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
#endif
