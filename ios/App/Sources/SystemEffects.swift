#if canImport(UIKit) && canImport(AVFoundation) && canImport(CoreHaptics) && canImport(PhotosUI)
import AudioToolbox
import AVFoundation
import CoreHaptics
import Foundation
import PhotosUI
import UniformTypeIdentifiers
import QuetMaCore
import QuetMaFlows
import QuetMaKit
import UIKit

// The real implementations of QuetMaKit's ShellServices protocols (Apple frameworks only, not
// compiled on Linux). Each performs one effect the core asked for; none decides anything.

/// Core Haptics: the core's off/on timings as continuous events.
final class SystemHaptics: Haptics, @unchecked Sendable {
    private let engine = try? CHHapticEngine()

    func play(timingsMs: [UInt32]) {
        guard let engine else { return }
        var events: [CHHapticEvent] = []
        var t = 0.0
        for (i, ms) in timingsMs.enumerated() {
            let seconds = Double(ms) / 1000
            if i % 2 == 1 {
                events.append(CHHapticEvent(eventType: .hapticContinuous, parameters: [], relativeTime: t, duration: seconds))
            }
            t += seconds
        }
        guard let pattern = try? CHHapticPattern(events: events, parameters: []) else { return }
        try? engine.start()
        try? engine.makePlayer(with: pattern).start(atTime: CHHapticTimeImmediate)
    }
}

/// System sounds for the scan cues.
struct SystemSounds: SoundPlayer {
    func play(_ cue: SoundCue) {
        let id: SystemSoundID = switch cue {
        case .success: 1057
        case .alreadyCounted: 1103
        case .rejected, .foreign: 1073
        }
        AudioServicesPlaySystemSound(id)
    }
}

/// The back camera (`CameraSession`): its frames go to the model's hand-off.
final class SystemCamera: CameraControl, @unchecked Sendable {
    private let lock = NSLock()
    private var handoff: FrameHandoff?
    private(set) lazy var session = CameraSession { [weak self] frame in
        guard let self, let handoff = self.lock.withLock({ self.handoff }) else { return }
        // Portrait: the sensor's rows run along the phone's long side.
        handoff.offer(frame, rotation: .deg90)
    }

    func attach(_ handoff: FrameHandoff) { lock.withLock { self.handoff = handoff } }

    func requestPermission() async -> Bool { await CameraSession.requestAccess() }
    func open() { try? session.start() }
    func close() { session.stop() }
    func setTorch(_ on: Bool) { session.setTorch(on) }
}

/// The idle timer and the brightness (restored to the user's own).
final class SystemScreen: ScreenControl, @unchecked Sendable {
    private var saved: CGFloat?

    func keepAwake(_ on: Bool) {
        Task { @MainActor in UIApplication.shared.isIdleTimerDisabled = on }
    }

    func setBrightness(_ level: Brightness) {
        Task { @MainActor [self] in
            switch level {
            case .max:
                guard let screen = currentScreen() else { return }
                if saved == nil { saved = screen.brightness }
                screen.brightness = 1
            case .system:
                if let saved { currentScreen()?.brightness = saved }
                saved = nil
            }
        }
    }
}

@MainActor private var windowScene: UIWindowScene? {
    UIApplication.shared.connectedScenes.compactMap { $0 as? UIWindowScene }.first
}

/// The app's screen (`UIScreen.main` is deprecated).
@MainActor func currentScreen() -> UIScreen? { windowScene?.screen }

@MainActor private func topController() -> UIViewController? {
    var top = windowScene?.keyWindow?.rootViewController
    while let presented = top?.presentedViewController { top = presented }
    return top
}

/// The share sheet, with the file under the core's name in a temporary folder.
struct SystemSharing: FileSharing {
    func share(_ file: SharedFile) {
        Task { @MainActor in
            let url = FileManager.default.temporaryDirectory.appendingPathComponent(file.fileName)
            guard (try? file.bytes.write(to: url, options: [.atomic, .completeFileProtection])) != nil else { return }
            let sheet = UIActivityViewController(activityItems: [url], applicationActivities: nil)
            sheet.title = file.title
            sheet.completionWithItemsHandler = { _, _, _, _ in try? FileManager.default.removeItem(at: url) }
            topController()?.present(sheet, animated: true)
        }
    }
}

/// Settings, and leaving (which iOS apps do not do themselves).
struct SystemOpener: SystemOpening {
    func openAppSettings() {
        Task { @MainActor in
            if let url = URL(string: UIApplication.openSettingsURLString) { UIApplication.shared.open(url) }
        }
    }

    func closeApp() {}
}

/// The photo picker: one image's file bytes. (The delegate protocol is main-actor; the
/// picker is asked from the model's tasks.)
final class SystemImagePicker: NSObject, ImagePicking, PHPickerViewControllerDelegate, @unchecked Sendable {
    @MainActor private var pending: CheckedContinuation<Data?, Never>?

    nonisolated func pickImage() async -> Data? {
        await withCheckedContinuation { continuation in
            Task { @MainActor in self.present(continuation) }
        }
    }

    @MainActor private func present(_ continuation: CheckedContinuation<Data?, Never>) {
        pending?.resume(returning: nil)
        pending = continuation
        var config = PHPickerConfiguration()
        config.filter = .images
        config.selectionLimit = 1
        let picker = PHPickerViewController(configuration: config)
        picker.delegate = self
        guard let top = topController() else {
            pending = nil
            return continuation.resume(returning: nil)
        }
        top.present(picker, animated: true)
    }

    @MainActor func picker(_ picker: PHPickerViewController, didFinishPicking results: [PHPickerResult]) {
        picker.dismiss(animated: true)
        let continuation = pending
        pending = nil
        guard let provider = results.first?.itemProvider, provider.hasItemConformingToTypeIdentifier(UTType.image.identifier) else {
            continuation?.resume(returning: nil)
            return
        }
        provider.loadDataRepresentation(forTypeIdentifier: UTType.image.identifier) { data, _ in
            continuation?.resume(returning: data)
        }
    }
}
#endif
