#if canImport(AVFoundation) && canImport(UIKit)
import AVFoundation
import QuetMaCore
import QuetMaKit

/// The back camera as 8-bit full-range bi-planar YUV (`420f`) frames; each frame's luma plane
/// goes to `onFrame` in place (QuetMaKit's `PixelBufferFrame`). Not `AVCaptureMetadataOutput`:
/// the core decodes, with its guidance and its better decode rate. Late frames are dropped,
/// so a slow scan never queues frames up.
final class CameraSession: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate, @unchecked Sendable {
    enum StartError: Error { case noCamera, denied }

    let session = AVCaptureSession()
    private let queue = DispatchQueue(label: "vn.quetma.camera")
    private var device: AVCaptureDevice?
    private let onFrame: @Sendable (PixelBufferFrame) -> Void

    init(onFrame: @escaping @Sendable (PixelBufferFrame) -> Void) {
        self.onFrame = onFrame
    }

    /// Camera permission as the system has it; `.notDetermined` asks.
    static func requestAccess() async -> Bool {
        switch AVCaptureDevice.authorizationStatus(for: .video) {
        case .authorized: return true
        case .notDetermined: return await AVCaptureDevice.requestAccess(for: .video)
        default: return false
        }
    }

    func start() throws {
        guard AVCaptureDevice.authorizationStatus(for: .video) == .authorized else { throw StartError.denied }
        guard let camera = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back) else {
            throw StartError.noCamera
        }
        let input = try AVCaptureDeviceInput(device: camera)
        let output = AVCaptureVideoDataOutput()
        output.videoSettings = [kCVPixelBufferPixelFormatTypeKey as String: kCVPixelFormatType_420YpCbCr8BiPlanarFullRange]
        output.alwaysDiscardsLateVideoFrames = true
        output.setSampleBufferDelegate(self, queue: queue)
        session.beginConfiguration()
        session.sessionPreset = .hd1280x720
        if session.canAddInput(input) { session.addInput(input) }
        if session.canAddOutput(output) { session.addOutput(output) }
        session.commitConfiguration()
        if camera.isFocusModeSupported(.continuousAutoFocus), (try? camera.lockForConfiguration()) != nil {
            camera.focusMode = .continuousAutoFocus
            if camera.isAutoFocusRangeRestrictionSupported { camera.autoFocusRangeRestriction = .near }
            camera.unlockForConfiguration()
        }
        device = camera
        queue.async { [session] in session.startRunning() }
    }

    func stop() {
        queue.async { [session] in session.stopRunning() }
    }

    /// The torch, when the core's effect asks for it.
    func setTorch(_ on: Bool) {
        guard let device, device.hasTorch, (try? device.lockForConfiguration()) != nil else { return }
        device.torchMode = on ? .on : .off
        device.unlockForConfiguration()
    }

    func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer, from connection: AVCaptureConnection) {
        guard let buffer = CMSampleBufferGetImageBuffer(sampleBuffer) else { return }
        onFrame(PixelBufferFrame(buffer))
    }
}
#endif
