import Foundation
import Observation
import QuetMaCore
import QuetMaFlows

/// The app's one model: the core's screen flows (`AppFlows`) as SwiftUI observes them. It holds
/// the current `Update`, sends the user's events, performs the core's effects through
/// `ShellServices`, runs the tasks the core asks for and hands their results back. It decides
/// nothing: every screen, text, accessibility label and effect comes from the core.
///
/// Camera frames go through `frames` (a `FrameHandoff`), from the camera's queue.
@MainActor
@Observable
public final class AppModel {
    /// What the core shows now: route, title, back button, screen and language.
    public private(set) var update: Update
    /// The last call into the core that failed (an internal error, a malformed frame); cleared
    /// by the next screen the core sends.
    public private(set) var failure: QuetMaError?

    /// The core's flows.
    @ObservationIgnored public let flows: AppFlows
    /// Where the camera hands its frames (any thread).
    @ObservationIgnored public let frames: FrameHandoff
    /// The device's panel, for the personal QR's true size.
    @ObservationIgnored public let display: DeviceDisplay
    /// `UIScreen.nativeScale`: physical pixels per point.
    @ObservationIgnored public let nativeScale: Double
    @ObservationIgnored private let services: ShellServices
    @ObservationIgnored private var work: [UUID: Task<Void, Never>] = [:]

    /// The options to make the flows with: the panel's ppi from the model table (iOS has no
    /// public ppi API), the torch and reduced motion as the system reports them.
    public nonisolated static func options(
        serverUrl: String?, language: Language, display: DeviceDisplay, hasTorch: Bool,
        reduceMotion: Bool
    ) -> AppOptions {
        AppOptions(
            serverUrl: serverUrl, language: language,
            display: DisplayInfo(
                xdpi: display.pixelsPerInch, ydpi: display.pixelsPerInch, hasTorch: hasTorch,
                reduceMotion: reduceMotion
            )
        )
    }

    /// Starts the flows (`AppFlows.start()`) and performs what the core asks for at start.
    public init(
        flows: AppFlows, services: ShellServices, display: DeviceDisplay, nativeScale: Double
    ) throws {
        let first = try flows.start()
        self.flows = flows
        self.frames = FrameHandoff(flows: flows)
        self.display = display
        self.nativeScale = nativeScale
        self.services = services
        self.update = first
        frames.attach(self)
        perform(first.effects)
    }

    // MARK: What the views read

    /// The current screen's view model.
    public var screen: Screen { update.screen }

    /// The personal QR's side on screen, in points (quiet zone included), so that its symbol
    /// measures the core's `symbolMm` on this device; `nil` when no code is shown.
    public var personalQrSidePoints: Double? {
        guard case let .personalQr(view) = update.screen, let code = view.code else { return nil }
        return DeviceDisplay.points(forPixels: code.widthPx, nativeScale: nativeScale)
    }

    // MARK: What the views send

    /// Sends one event to the core and shows its answer.
    public func send(_ event: UiEvent) {
        do {
            apply(try flows.dispatch(event: event))
        } catch {
            fail(error)
        }
    }

    /// A tap on one of the core's buttons (ignored while the core has it disabled).
    public func tap(_ button: ButtonView) {
        guard button.enabled else { return }
        send(button.event)
    }

    /// A text field changed.
    public func fieldChanged(key: String, value: String) {
        send(.fieldChanged(key: key, value: value))
    }

    /// The back button or the edge-swipe / escape gesture.
    public func back() { send(.back) }

    /// The app came to the foreground (`scenePhase == .active`).
    public func foreground() { send(.foreground) }

    /// A Universal Link or an opened URL: the core reads it.
    public func open(url: URL) { send(.openUrl(url: url.absoluteString)) }

    /// A tap on one of the core's notifications: its check-out action checks the visit out
    /// (the reminder's id is the visit's); opening the app on it needs nothing more.
    public func notificationResponse(_ response: ReminderScheduler.Response) {
        switch response {
        case let .checkOut(reminderId): send(.checkOut(visitId: reminderId))
        case .open: break
        }
    }

    /// The screen again from the core (after the views were recreated).
    public func refresh() {
        do {
            apply(try flows.current())
        } catch {
            fail(error)
        }
    }

    /// A `BGAppRefreshTask`: the core's sync, its screen shown after; the task completes when
    /// the core has run it (or could not start it: no server, a sync already running).
    /// The next run is asked for at once (the core's period from `nowMs`), so a run the system
    /// cuts short still leaves one pending.
    public func refreshInBackground(
        _ task: BackgroundTask, using refresh: BackgroundRefresh,
        nowMs: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) async {
        refresh.scheduleNext(nowMs: nowMs())
        let flows = self.flows
        await refresh.run(task) { _ in
            let shown = try await flows.runTask(task: .sync)
            if let shown { await self.apply(shown) }
        }
    }

    /// Waits until every task the model started (core tasks, permission and picker answers,
    /// notification requests) has finished, including the ones they started.
    public func settle() async {
        while let next = work.values.first {
            await next.value
        }
    }

    // MARK: Effects

    func show(frame result: Result<Update?, QuetMaError>) {
        switch result {
        case let .success(shown?): apply(shown)
        case .success(nil): break
        case let .failure(error): failure = error
        }
    }

    private func apply(_ shown: Update) {
        failure = nil
        update = shown
        perform(shown.effects)
    }

    private func fail(_ error: Error) {
        failure = (error as? QuetMaError) ?? .Internal(reason: "\(type(of: error))")
    }

    private func spawn(_ body: @escaping @MainActor () async -> Void) {
        let id = UUID()
        work[id] = Task {
            await body()
            self.work[id] = nil
        }
    }

    private func perform(_ effects: [Effect]) {
        for effect in effects { perform(effect) }
    }

    private func perform(_ effect: Effect) {
        let s = services
        switch effect {
        case let .vibrate(pattern): s.haptics.play(timingsMs: pattern.timingsMs)
        case let .playSound(cue): s.sounds.play(cue)
        case let .announce(text): s.announcer.announce(text)
        case .requestCameraPermission:
            spawn {
                let granted = await s.camera.requestPermission()
                self.send(.cameraPermission(granted: granted))
            }
        case .openCamera:
            frames.setOpen(true)
            s.camera.open()
        case .closeCamera:
            frames.setOpen(false)
            s.camera.close()
        case let .setTorch(on): s.camera.setTorch(on)
        case let .keepScreenOn(on): s.screen.keepAwake(on)
        case let .setBrightness(level): s.screen.setBrightness(level)
        case let .shareFile(fileName, mime, bytes, title):
            s.sharing.share(SharedFile(fileName: fileName, mime: mime, bytes: bytes, title: title))
        case let .scheduleReminder(id, atMs, title, body, actionLabel):
            let reminder = Reminder(id: id, atMs: atMs, title: title, body: body, actionLabel: actionLabel)
            spawn { await Self.schedule(reminder, with: s.reminders) }
        case let .notify(id, title, body):
            // Now: the scheduler's delay is at least a second.
            let reminder = Reminder(id: id, atMs: 0, title: title, body: body, actionLabel: nil)
            spawn { await Self.schedule(reminder, with: s.reminders) }
        case let .cancelReminder(id): s.reminders.cancel(id: id)
        case let .runTask(task):
            let flows = self.flows
            spawn {
                do {
                    if let shown = try await flows.runTask(task: task) { self.apply(shown) }
                } catch {
                    self.fail(error)
                }
            }
        case .openSystemSettings: s.system.openAppSettings()
        case .pickImage:
            spawn {
                if let bytes = await s.images.pickImage() { self.send(.imagePicked(bytes: bytes)) }
            }
        case .closeApp: s.system.closeApp()
        }
    }

    /// A refused permission or a failed request leaves nothing to show: the core settles
    /// overdue visits itself when the app is next active.
    private static func schedule(_ reminder: Reminder, with scheduler: ReminderScheduler) async {
        _ = try? await scheduler.schedule(reminder)
    }
}

/// Camera frames into the core, off the main actor: the camera's queue calls `offer`, the
/// frame's luma plane is lent to the core in place (the buffer stays locked only for the
/// call) and the screen it leads to is shown on the main actor. Frames are dropped while the
/// camera is closed (the core's `CloseCamera`) and while the previous frame is still in the
/// core or its screen not yet shown, so frames never queue up.
public final class FrameHandoff: @unchecked Sendable {
    private let flows: AppFlows
    private let lock = NSLock()
    private var isOpen = false
    private var busy = false
    private var dropped = 0
    private weak var model: AppModel?

    init(flows: AppFlows) { self.flows = flows }

    func attach(_ model: AppModel) { lock.withLock { self.model = model } }
    func setOpen(_ open: Bool) { lock.withLock { isOpen = open } }

    /// Frames dropped so far (camera closed, or busy).
    public var droppedFrames: Int { lock.withLock { dropped } }

    /// Offers one camera frame. Returns `nil` when it was dropped, else the main-actor task
    /// that shows what it changed (callers need not wait for it).
    @discardableResult
    public func offer(_ frame: some LumaFrameSource, rotation: Rotation) -> Task<Void, Never>? {
        guard let model = acquire() else { return nil }
        let result: Result<Update?, QuetMaError>
        do {
            result = .success(try frame.withLumaPlane(rotation: rotation) { try scan($0) })
        } catch let error as QuetMaError {
            result = .failure(error)
        } catch {
            result = .failure(.Internal(reason: "frame: \(type(of: error))"))
        }
        return Task { @MainActor in
            model.show(frame: result)
            self.release()
        }
    }

    /// Offers a plane already in memory (a test frame, a decoded still).
    @discardableResult
    public func offer(_ plane: LumaPlane) -> Task<Void, Never>? {
        offer(PlaneSource(plane: plane), rotation: plane.rotation)
    }

    private func scan(_ plane: LumaPlane) throws -> Update? {
        let (w, h, s) = plane.dimensions
        return try flows.frame(luma: plane.bytes, width: w, height: h, rowStride: s, rotation: plane.rotation)
    }

    private func acquire() -> AppModel? {
        lock.withLock {
            guard isOpen, !busy, let model else {
                dropped += 1
                return nil
            }
            busy = true
            return model
        }
    }

    private func release() { lock.withLock { busy = false } }
}

private struct PlaneSource: LumaFrameSource {
    let plane: LumaPlane
    func withLumaPlane<T>(rotation: Rotation, _ body: (LumaPlane) throws -> T) throws -> T {
        try body(LumaPlane(
            bytes: plane.bytes, width: plane.width, height: plane.height,
            rowStride: plane.rowStride, rotation: rotation
        ))
    }
}
