import Foundation
import QuetMaCore
import QuetMaKit

/// The Keychain as a test fake: items by service and account, with the attributes they were
/// written with, and statuses the test can force.
final class FakeKeychain: SecItemAPI, @unchecked Sendable {
    enum Value: Equatable { case bytes(Data), notData }

    private let lock = NSLock()
    private var items: [KeychainItem: Value] = [:]
    private var forcedRead: Int32?
    private var forcedWrite: Int32?
    private var log: [String] = []

    /// The calls made, in order (`copy`, `add`, `update`, `delete`).
    var calls: [String] { lock.withLock { log } }
    var stored: [KeychainItem: Value] { lock.withLock { items } }

    func put(_ value: Value, service: String = "vn.quetma.store", account: String) {
        lock.withLock { items[KeychainItem(service: service, account: account)] = value }
    }
    func eraseAll() { lock.withLock { items.removeAll() } }
    /// Every read (and write) answers `status` until set back to `nil`.
    func forceRead(_ status: Int32?) { lock.withLock { forcedRead = status } }
    func forceWrite(_ status: Int32?) { lock.withLock { forcedWrite = status } }

    func copyMatching(_ item: KeychainItem) -> KeychainRead {
        lock.withLock {
            log.append("copy")
            if let forcedRead { return KeychainRead(status: forcedRead, data: nil) }
            switch items[item] {
            case .none: return KeychainRead(status: KeychainStatus.itemNotFound, data: nil)
            case let .bytes(d): return KeychainRead(status: KeychainStatus.success, data: d)
            case .notData: return KeychainRead(status: KeychainStatus.success, data: nil)
            }
        }
    }

    func add(_ item: KeychainItem, data: Data) -> Int32 {
        lock.withLock {
            log.append("add")
            if let forcedWrite { return forcedWrite }
            if items[item] != nil { return KeychainStatus.duplicateItem }
            items[item] = .bytes(data)
            return KeychainStatus.success
        }
    }

    func update(_ item: KeychainItem, data: Data) -> Int32 {
        lock.withLock {
            log.append("update")
            if let forcedWrite { return forcedWrite }
            guard items[item] != nil else { return KeychainStatus.itemNotFound }
            items[item] = .bytes(data)
            return KeychainStatus.success
        }
    }

    func delete(_ item: KeychainItem) -> Int32 {
        lock.withLock {
            log.append("delete")
            return items.removeValue(forKey: item) == nil ? KeychainStatus.itemNotFound : KeychainStatus.success
        }
    }
}

/// A camera buffer as a test fake: one luma plane in memory of its own (as a `CVPixelBuffer`'s
/// IOSurface), locked while lent out.
final class FakePixelBuffer: LumaFrameSource {
    let base: UnsafeMutableRawPointer
    let width: Int, height: Int, rowStride: Int
    private(set) var lockCount = 0
    private(set) var everLocked = false

    init(_ plane: LumaPlane) {
        width = plane.width
        height = plane.height
        rowStride = plane.rowStride
        base = UnsafeMutableRawPointer.allocate(byteCount: rowStride * height, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: rowStride * height)
        plane.bytes.withUnsafeBytes { src in
            base.copyMemory(from: src.baseAddress!, byteCount: min(src.count, rowStride * height))
        }
    }

    deinit { base.deallocate() }

    var isLocked: Bool { lockCount > 0 }

    func withLumaPlane<T>(rotation: Rotation, _ body: (LumaPlane) throws -> T) throws -> T {
        lockCount += 1
        everLocked = true
        defer { lockCount -= 1 }
        return try body(LumaPlane.borrowing(
            base, count: rowStride * height, width: width, height: height, rowStride: rowStride,
            rotation: rotation
        ))
    }
}

/// `UNUserNotificationCenter` as a test fake.
final class FakeNotificationCenter: NotificationScheduling, @unchecked Sendable {
    private let lock = NSLock()
    private let allowed: Bool
    private var pending: [String: NotificationRequest] = [:]
    private var categories: [String: String] = [:]
    private var asked = 0

    init(allowed: Bool) { self.allowed = allowed }

    var requests: [String: NotificationRequest] { lock.withLock { pending } }
    var registered: [String: String] { lock.withLock { categories } }
    var authorizationRequests: Int { lock.withLock { asked } }

    func requestAuthorization() async -> Bool {
        lock.withLock { asked += 1 }
        return allowed
    }
    func registerCategory(identifier: String, actionIdentifier: String, actionTitle: String) {
        lock.withLock { categories[identifier] = "\(actionIdentifier)|\(actionTitle)" }
    }
    func add(_ request: NotificationRequest) async throws {
        lock.withLock { pending[request.identifier] = request }
    }
    func remove(identifiers: [String]) {
        lock.withLock { for id in identifiers { pending.removeValue(forKey: id) } }
    }
}

/// `BGTaskScheduler` as a test fake.
final class FakeTaskScheduler: BackgroundTaskScheduling, @unchecked Sendable {
    struct Refused: Error {}
    private let lock = NSLock()
    private let refuse: Bool
    private var submitted: [String: Date] = [:]

    init(refuse: Bool = false) { self.refuse = refuse }

    var requests: [String: Date] { lock.withLock { submitted } }

    func submit(identifier: String, earliestBegin: Date) throws {
        if refuse { throw Refused() }
        lock.withLock { submitted[identifier] = earliestBegin }
    }
    func cancel(identifier: String) {
        _ = lock.withLock { submitted.removeValue(forKey: identifier) }
    }
}

/// A launched `BGAppRefreshTask` as a test fake.
final class FakeBackgroundTask: BackgroundTask, @unchecked Sendable {
    private let lock = NSLock()
    private var handler: (@Sendable () -> Void)?
    private var result: Bool?

    var completed: Bool? { lock.withLock { result } }
    var hasExpirationHandler: Bool { lock.withLock { handler != nil } }

    func setExpirationHandler(_ handler: @escaping @Sendable () -> Void) {
        lock.withLock { self.handler = handler }
    }
    func setTaskCompleted(success: Bool) { lock.withLock { result = success } }
    /// The system ends the task.
    func expire() { lock.withLock { handler }?() }
}

/// Records what was announced.
final class RecordingAnnouncer: Announcer, @unchecked Sendable {
    private let lock = NSLock()
    private var said: [String] = []
    var announcements: [String] { lock.withLock { said } }
    func announce(_ text: String) { lock.withLock { said.append(text) } }
}

/// Records the links handed to the core.
final class RecordingLinks: LinkOpening, @unchecked Sendable {
    private let lock = NSLock()
    private var opened: [String] = []
    var urls: [String] { lock.withLock { opened } }
    func open(url: String) throws { lock.withLock { opened.append(url) } }
}
