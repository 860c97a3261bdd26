import Foundation
import QuetMaCore
import QuetMaFlows
import QuetMaKit
#if canImport(Glibc)
import Glibc
#endif

/// Every platform effect the model performed, in order, as one fake of all the services.
final class FakeShell: Haptics, SoundPlayer, CameraControl, ScreenControl, FileSharing, SystemOpening, ImagePicking, @unchecked Sendable {
    enum Call: Equatable {
        case vibrate([UInt32]), sound(SoundCue), cameraPermission, cameraOpen, cameraClose
        case torch(Bool), awake(Bool), brightness(Brightness), share(SharedFile)
        case openSettings, closeApp, pickImage
    }

    private let lock = NSLock()
    private var log: [Call] = []
    private var grant: Bool
    private var picked: Data?

    let announcer = RecordingAnnouncer()
    let notifications = FakeNotificationCenter(allowed: true)
    let clock: TestClock

    init(grantCamera: Bool = true, picked: Data? = nil, clock: TestClock) {
        self.grant = grantCamera
        self.picked = picked
        self.clock = clock
    }

    var calls: [Call] { lock.withLock { log } }
    var sounds: [SoundCue] { calls.compactMap { if case let .sound(c) = $0 { return c } else { return nil } } }
    var shared: [SharedFile] { calls.compactMap { if case let .share(f) = $0 { return f } else { return nil } } }
    func clear() { lock.withLock { log.removeAll() } }
    private func record(_ c: Call) { lock.withLock { log.append(c) } }

    var services: ShellServices {
        let clock = self.clock
        return ShellServices(
            announcer: announcer, haptics: self, sounds: self, camera: self, screen: self, sharing: self,
            reminders: ReminderScheduler(center: notifications, nowMs: { clock.nowMs() }),
            system: self, images: self
        )
    }

    func play(timingsMs: [UInt32]) { record(.vibrate(timingsMs)) }
    func play(_ cue: SoundCue) { record(.sound(cue)) }
    func requestPermission() async -> Bool {
        record(.cameraPermission)
        return lock.withLock { grant }
    }
    func open() { record(.cameraOpen) }
    func close() { record(.cameraClose) }
    func setTorch(_ on: Bool) { record(.torch(on)) }
    func keepAwake(_ on: Bool) { record(.awake(on)) }
    func setBrightness(_ level: Brightness) { record(.brightness(level)) }
    func share(_ file: SharedFile) { record(.share(file)) }
    func openAppSettings() { record(.openSettings) }
    func closeApp() { record(.closeApp) }
    func pickImage() async -> Data? {
        record(.pickImage)
        return lock.withLock { picked }
    }
}

#if canImport(Glibc)
/// A one-route HTTP server on loopback answering `POST /api/v1/enrol` with a scanner binding,
/// as the real server does (the end-to-end suite runs that one); any other path gets 404.
final class EnrolServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let thread: Thread

    init(answer: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0, listen(fd, 4) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        self.port = UInt16(bigEndian: addr.sin_port)
        thread = Thread {
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 { return }
                Self.serve(c, answer: answer)
            }
        }
        thread.start()
    }

    private static func serve(_ c: Int32, answer: String) {
        defer { close(c) }
        var request = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        // Headers, then the body the Content-Length announces.
        while true {
            let n = read(c, &buf, buf.count)
            if n <= 0 { return }
            request += buf[0..<n]
            guard let end = headerEnd(request) else { continue }
            let head = String(decoding: request[..<end], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if request.count - (end + 4) < length { continue }
            let ok = head.hasPrefix("post /api/v1/enrol ")
            let body = ok ? answer : "{\"code\":\"not_found\",\"message\":\"no such route\"}"
            let reply = "HTTP/1.1 \(ok ? "200 OK" : "404 Not Found")\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = reply.withCString { write(c, $0, strlen($0)) }
            return
        }
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
#endif
