import Foundation
import QuetMaFlows

// The platform work the core's effects ask for, one small protocol per Apple framework. The
// app implements them with UIKit, AVFoundation, UserNotifications and PhotosUI
// (`ios/App/Sources/SystemServices.swift`); tests with recording fakes. None of them decides
// anything: what to do and when is in the core's effects.

/// `UIImpactFeedbackGenerator` / Core Haptics: plays a vibration pattern.
public protocol Haptics: Sendable {
    /// Alternating off/on durations in ms, as the core gives them (first is a pause).
    func play(timingsMs: [UInt32])
}

/// System sounds (`AudioServicesPlaySystemSound`) for the scan cues.
public protocol SoundPlayer: Sendable {
    /// Plays the cue's sound.
    func play(_ cue: SoundCue)
}

/// The camera: permission, the capture session and the torch (`AVCaptureDevice`).
public protocol CameraControl: Sendable {
    /// Asks for (or reads) the camera permission.
    func requestPermission() async -> Bool
    /// Starts the capture session; its frames go to `AppModel.offer(frame:rotation:)`.
    func open()
    /// Stops it.
    func close()
    /// Torch on or off.
    func setTorch(_ on: Bool)
}

/// The screen: the idle timer (`UIApplication.isIdleTimerDisabled`) and the brightness
/// (`UIScreen.brightness`, restored to what it was).
public protocol ScreenControl: Sendable {
    /// Keep the screen awake, or let it sleep again.
    func keepAwake(_ on: Bool)
    /// Full brightness for a QR shown to a scanner, or the system's own.
    func setBrightness(_ level: Brightness)
}

/// A file offered through the share sheet (`UIActivityViewController`).
public struct SharedFile: Sendable, Equatable {
    public let fileName: String
    public let mime: String
    public let bytes: Data
    /// The share sheet's title.
    public let title: String

    public init(fileName: String, mime: String, bytes: Data, title: String) {
        self.fileName = fileName
        self.mime = mime
        self.bytes = bytes
        self.title = title
    }
}

/// The share sheet.
public protocol FileSharing: Sendable {
    /// Presents the share sheet for `file`.
    func share(_ file: SharedFile)
}

/// The system's own places: the app's page in Settings
/// (`UIApplication.openSettingsURLString`), and leaving the app.
public protocol SystemOpening: Sendable {
    /// Opens the app's page in Settings (camera permission denied).
    func openAppSettings()
    /// The core asked to leave the app. iOS apps do not quit themselves: the app does
    /// nothing, the screen the core shows next (home) stays.
    func closeApp()
}

/// The photo picker (`PHPickerViewController`, or the Files app): a poster's photo or
/// screenshot instead of the camera.
public protocol ImagePicking: Sendable {
    /// The picked image file's bytes, or `nil` when the user cancelled.
    func pickImage() async -> Data?
}

/// Everything the model needs from the platform.
public struct ShellServices: Sendable {
    public var announcer: Announcer
    public var haptics: Haptics
    public var sounds: SoundPlayer
    public var camera: CameraControl
    public var screen: ScreenControl
    public var sharing: FileSharing
    public var reminders: ReminderScheduler
    public var system: SystemOpening
    public var images: ImagePicking

    public init(
        announcer: Announcer, haptics: Haptics, sounds: SoundPlayer, camera: CameraControl,
        screen: ScreenControl, sharing: FileSharing, reminders: ReminderScheduler,
        system: SystemOpening, images: ImagePicking
    ) {
        self.announcer = announcer
        self.haptics = haptics
        self.sounds = sounds
        self.camera = camera
        self.screen = screen
        self.sharing = sharing
        self.reminders = reminders
        self.system = system
        self.images = images
    }
}
