import Foundation
import QuetMaCore
import QuetMaKit
import XCTest

/// The images and keys `binding-fixtures` wrote (environment variable `QUETMA_FIXTURES`).
enum Fixtures {
    static var dir: URL {
        guard let path = ProcessInfo.processInfo.environment["QUETMA_FIXTURES"] else {
            fatalError("QUETMA_FIXTURES is not set")
        }
        return URL(fileURLWithPath: path)
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func publicKeys() throws -> String { try text("public-keys.json") }
    static func posterText() throws -> String { try text("venue-poster.txt") }

    /// A raw `NAME-WxH.luma` fixture, optionally with rows padded to `rowStride` bytes.
    static func luma(_ name: String, _ width: Int, _ height: Int, rowStride: Int? = nil, rotation: Rotation = .deg0) throws -> LumaPlane {
        let packed = try Data(contentsOf: dir.appendingPathComponent("\(name)-\(width)x\(height).luma"))
        let stride = rowStride ?? width
        guard stride != width else {
            return LumaPlane(bytes: packed, width: width, height: height, rotation: rotation)
        }
        var padded = Data(repeating: 0x55, count: stride * (height - 1) + width)
        for y in 0..<height {
            padded.replaceSubrange(y * stride..<(y * stride + width), with: packed[(y * width)..<(y * width + width)])
        }
        return LumaPlane(bytes: padded, width: width, height: height, rowStride: stride, rotation: rotation)
    }
}

/// The shell's key vault as a test fake: Sendable, its state behind a lock.
final class MemoryVault: KeyVault, @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [String: Data] = [:]
    private var failure: QuetMaError?

    var count: Int { lock.withLock { keys.count } }
    func forgetAll() { lock.withLock { keys.removeAll() } }
    func fail(with error: QuetMaError?) { lock.withLock { failure = error } }

    func loadKey(alias: String) throws -> Data? {
        try lock.withLock {
            if let failure { throw failure }
            return keys[alias]
        }
    }

    func storeKey(alias: String, key: Data) throws {
        try lock.withLock {
            if let failure { throw failure }
            keys[alias] = key
        }
    }
}

/// A clock the test moves.
final class TestClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)

    func nowMs() -> Int64 { lock.withLock { now } }
    func advance(minutes: Int64) { lock.withLock { now += minutes * 60_000 } }
    func advance(ms: Int64) { lock.withLock { now += ms } }
}

/// Keeps every event.
final class RecordingListener: EventListener, @unchecked Sendable {
    private let lock = NSLock()
    private var received: [AppEvent] = []

    var events: [AppEvent] { lock.withLock { received } }
    func onEvent(event: AppEvent) { lock.withLock { received.append(event) } }
}

func tempDir(_ name: String) throws -> String {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("quetma-swift-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

func openApp(
    _ name: String, vault: KeyVault = MemoryVault(), clock: Clock? = TestClock(),
    listener: EventListener? = nil, keys: String? = nil, dir: String? = nil
) throws -> QuetMaApp {
    try QuetMaApp.open(
        config: AppConfig(
            dataDir: try dir ?? tempDir(name), publicKeysJson: try keys ?? Fixtures.publicKeys(),
            retentionDays: nil, utcOffsetMinutes: nil, purgeTimer: false
        ),
        vault: vault, clock: clock, listener: listener
    )
}

/// The `QuetMaError` `body` must throw.
func expectError<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> QuetMaError? {
    do {
        _ = try body()
        XCTFail("expected a QuetMaError, nothing was thrown", file: file, line: line)
    } catch let e as QuetMaError {
        return e
    } catch {
        XCTFail("expected a QuetMaError, got \(error)", file: file, line: line)
    }
    return nil
}
