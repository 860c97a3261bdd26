import Foundation

/// A local notification the core asked for: the automatic check-out reminder (title, body and
/// the check-out action's label are the core's, already translated).
public struct Reminder: Sendable, Equatable {
    /// The core's id for it (scheduling the same id again replaces it).
    public let id: String
    /// When to show it, Unix ms.
    public let atMs: Int64
    public let title: String
    public let body: String
    /// The label of the notification's check-out action, if it has one.
    public let actionLabel: String?

    public init(id: String, atMs: Int64, title: String, body: String, actionLabel: String?) {
        self.id = id
        self.atMs = atMs
        self.title = title
        self.body = body
        self.actionLabel = actionLabel
    }
}

/// The notification request as `UNUserNotificationCenter` takes it: a calendar-free
/// time-interval trigger, a category carrying the check-out action, and the core's id in
/// `userInfo` so the action can be routed back.
public struct NotificationRequest: Sendable, Equatable {
    public let identifier: String
    public let title: String
    public let body: String
    /// Seconds from now (at least 1: `UNTimeIntervalNotificationTrigger` refuses 0).
    public let delaySeconds: Double
    /// `UNNotificationCategory` id: `ReminderScheduler.checkOutCategory` with the action,
    /// `ReminderScheduler.plainCategory` without.
    public let categoryIdentifier: String
    /// The action's title on that category.
    public let actionTitle: String?
}

/// `UNUserNotificationCenter`, as the app needs it.
public protocol NotificationScheduling: Sendable {
    /// Asks for alert and sound permission (once; later calls answer from the setting).
    func requestAuthorization() async -> Bool
    /// Registers the check-out category with its action's title.
    func registerCategory(identifier: String, actionIdentifier: String, actionTitle: String)
    /// `add(_:)`.
    func add(_ request: NotificationRequest) async throws
    /// `removePendingNotificationRequests(withIdentifiers:)` and the delivered ones.
    func remove(identifiers: [String])
}

/// Turns the core's reminder effects into notification requests and routes the check-out
/// action back. It decides nothing: when, what it says and what the action does are the core's.
public final class ReminderScheduler: Sendable {
    /// The category of reminders with a check-out action.
    public static let checkOutCategory = "vn.quetma.reminder.checkout"
    /// The category of reminders without an action.
    public static let plainCategory = "vn.quetma.reminder"
    /// The action's identifier in the check-out category.
    public static let checkOutAction = "vn.quetma.action.checkout"

    private let center: NotificationScheduling
    private let now: @Sendable () -> Int64

    public init(center: NotificationScheduling, nowMs: @escaping @Sendable () -> Int64) {
        self.center = center
        self.now = nowMs
    }

    /// The request for `reminder`, as of `nowMs`.
    public static func request(for reminder: Reminder, nowMs: Int64) -> NotificationRequest {
        let delay = max(1, Double(reminder.atMs - nowMs) / 1000)
        return NotificationRequest(
            identifier: reminder.id, title: reminder.title, body: reminder.body,
            delaySeconds: delay,
            categoryIdentifier: reminder.actionLabel == nil ? plainCategory : checkOutCategory,
            actionTitle: reminder.actionLabel
        )
    }

    /// Schedules (or replaces) `reminder`. Returns false when the user refused notifications
    /// (nothing is scheduled; the core's own settling of overdue visits still runs).
    @discardableResult
    public func schedule(_ reminder: Reminder) async throws -> Bool {
        guard await center.requestAuthorization() else { return false }
        if let label = reminder.actionLabel {
            center.registerCategory(
                identifier: Self.checkOutCategory, actionIdentifier: Self.checkOutAction,
                actionTitle: label
            )
        }
        try await center.add(Self.request(for: reminder, nowMs: now()))
        return true
    }

    /// Cancels the reminder `id` (pending or shown).
    public func cancel(id: String) { center.remove(identifiers: [id]) }

    /// What a tap on a notification means: the check-out action of reminder `id`, or opening
    /// the app on it. `nil` for notifications that are not ours.
    public enum Response: Sendable, Equatable {
        case checkOut(reminderId: String)
        case open(reminderId: String)
    }

    /// Reads a `UNNotificationResponse` (its action id, request id and category).
    public static func response(
        actionIdentifier: String, requestIdentifier: String, categoryIdentifier: String
    ) -> Response? {
        guard categoryIdentifier == checkOutCategory || categoryIdentifier == plainCategory else {
            return nil
        }
        if actionIdentifier == checkOutAction { return .checkOut(reminderId: requestIdentifier) }
        return .open(reminderId: requestIdentifier)
    }
}
