import Foundation
import QuetMaCore

/// One `BGAppRefreshTask` the system launched: the app must finish it before it expires.
public protocol BackgroundTask: AnyObject, Sendable {
    /// `expirationHandler`: the system is about to suspend the app.
    func setExpirationHandler(_ handler: @escaping @Sendable () -> Void)
    /// `setTaskCompleted(success:)`.
    func setTaskCompleted(success: Bool)
}

/// `BGTaskScheduler`, as the app needs it.
public protocol BackgroundTaskScheduling: Sendable {
    /// Submits a `BGAppRefreshTaskRequest` (replacing a pending one with the same id).
    func submit(identifier: String, earliestBegin: Date) throws
    /// `cancel(taskRequestWithIdentifier:)`.
    func cancel(identifier: String)
}

/// Background refresh: asks the system for a run when the core wants a sync, and runs the
/// core's sync in it, cancelled through its `SyncHandle` when the system ends the task.
/// When to sync and what a sync does are the core's.
public final class BackgroundRefresh: Sendable {
    /// The task identifier (listed under `BGTaskSchedulerPermittedIdentifiers` in Info.plist).
    public static let taskIdentifier = "vn.quetma.refresh"

    private let scheduler: BackgroundTaskScheduling

    public init(scheduler: BackgroundTaskScheduling) {
        self.scheduler = scheduler
    }

    /// Asks for a run no earlier than `atMs` (Unix ms). Returns false when the system refuses
    /// (Background App Refresh off, too many pending requests, the Simulator): the next sync
    /// then happens in the foreground; nothing fails.
    @discardableResult
    public func schedule(atMs: Int64) -> Bool {
        do {
            try scheduler.submit(
                identifier: Self.taskIdentifier,
                earliestBegin: Date(timeIntervalSince1970: Double(atMs) / 1000)
            )
            return true
        } catch {
            return false
        }
    }

    /// Asks for the next periodic run, the core's period (`backgroundSyncPlan()`) after `nowMs`:
    /// at launch and after every run, so alerts arrive while the app stays closed.
    @discardableResult
    public func scheduleNext(nowMs: Int64) -> Bool {
        schedule(atMs: nowMs + Int64(clamping: backgroundSyncPlan().periodMs))
    }

    /// Withdraws the pending request.
    public func cancel() { scheduler.cancel(identifier: Self.taskIdentifier) }

    /// Runs `sync` in a launched task: the expiration handler cancels it through `handle`, and
    /// the task completes with whether it succeeded. The caller schedules the next run from
    /// what the core says.
    public func run(
        _ task: BackgroundTask, handle: SyncHandle = SyncHandle(),
        sync: @Sendable (SyncHandle) async throws -> Void
    ) async {
        task.setExpirationHandler { handle.cancel() }
        do {
            try await sync(handle)
            task.setTaskCompleted(success: true)
        } catch {
            task.setTaskCompleted(success: false)
        }
    }
}
