import Foundation
import QuetMaCore

/// One 8-bit luma (Y) plane as a camera delivers it: `height` rows of `rowStride` bytes, of
/// which the first `width` are pixels. The bytes are handed to Rust in place (no copy) for the
/// duration of a scan.
public struct LumaPlane: Sendable {
    public let bytes: Data
    public let width: Int
    public let height: Int
    public let rowStride: Int
    public let rotation: Rotation

    public init(bytes: Data, width: Int, height: Int, rowStride: Int? = nil, rotation: Rotation = .deg0) {
        self.bytes = bytes
        self.width = width
        self.height = height
        self.rowStride = rowStride ?? width
        self.rotation = rotation
    }

    var dimensions: (UInt32, UInt32, UInt32) {
        (UInt32(clamping: width), UInt32(clamping: height), UInt32(clamping: rowStride))
    }
}

extension FrameScanner {
    /// Scans a luma plane (zero-copy).
    public func scan(_ plane: LumaPlane) throws -> [ScanResult] {
        let (w, h, s) = plane.dimensions
        return try scan(luma: plane.bytes, width: w, height: h, rowStride: s, rotation: plane.rotation)
    }
}

extension QuetMaApp {
    /// Scans a luma plane and records every visitor's code in it at the session's checkpoint.
    public func record(_ plane: LumaPlane, session: ScannerSession, scanner: FrameScanner) throws -> [ScanOutcome] {
        let (w, h, s) = plane.dimensions
        return try recordFrame(
            sessionId: session.id, scanner: scanner, luma: plane.bytes,
            width: w, height: h, rowStride: s, rotation: plane.rotation
        )
    }
}

/// A camera frame whose luma (Y) plane can be lent to the core: a `CVPixelBuffer` in the app,
/// a fake buffer in tests. The plane is valid only inside `body` (the buffer stays locked).
public protocol LumaFrameSource {
    /// Runs `body` with the Y plane, wrapped in place (no copy), rotated by `rotation`.
    func withLumaPlane<T>(rotation: Rotation, _ body: (LumaPlane) throws -> T) throws -> T
}

extension LumaPlane {
    /// Wraps `count` bytes at `base` without copying them. The memory must stay valid and
    /// unchanged while the plane is in use (inside a `withLumaPlane` body).
    public static func borrowing(
        _ base: UnsafeMutableRawPointer, count: Int, width: Int, height: Int, rowStride: Int,
        rotation: Rotation
    ) -> LumaPlane {
        LumaPlane(
            bytes: Data(bytesNoCopy: base, count: count, deallocator: .none),
            width: width, height: height, rowStride: rowStride, rotation: rotation
        )
    }
}

extension QuetMaApp {
    /// Records every visitor's code in a camera frame at the session's checkpoint (the luma
    /// plane lent in place).
    public func record(
        frame: some LumaFrameSource, rotation: Rotation, session: ScannerSession, scanner: FrameScanner
    ) throws -> [ScanOutcome] {
        try frame.withLumaPlane(rotation: rotation) { try record($0, session: session, scanner: scanner) }
    }
}

extension FrameScanner {
    /// Scans a camera frame's luma plane in place.
    public func scan(frame: some LumaFrameSource, rotation: Rotation) throws -> [ScanResult] {
        try frame.withLumaPlane(rotation: rotation) { try scan($0) }
    }
}

#if canImport(CoreVideo)
import CoreVideo

/// The camera's `CVPixelBuffer` (bi-planar YUV `420f`/`420v`: plane 0 is luma).
public struct PixelBufferFrame: LumaFrameSource {
    public let pixelBuffer: CVPixelBuffer

    public init(_ pixelBuffer: CVPixelBuffer) { self.pixelBuffer = pixelBuffer }

    public func withLumaPlane<T>(rotation: Rotation, _ body: (LumaPlane) throws -> T) throws -> T {
        CVPixelBufferLockBaseAddress(pixelBuffer, .readOnly)
        defer { CVPixelBufferUnlockBaseAddress(pixelBuffer, .readOnly) }
        guard CVPixelBufferGetPlaneCount(pixelBuffer) >= 2,
              let base = CVPixelBufferGetBaseAddressOfPlane(pixelBuffer, 0) else {
            throw QuetMaError.InvalidInput(reason: "pixel buffer has no luma plane")
        }
        let height = CVPixelBufferGetHeightOfPlane(pixelBuffer, 0)
        let stride = CVPixelBufferGetBytesPerRowOfPlane(pixelBuffer, 0)
        return try body(LumaPlane.borrowing(
            base, count: stride * height, width: CVPixelBufferGetWidthOfPlane(pixelBuffer, 0),
            height: height, rowStride: stride, rotation: rotation
        ))
    }
}
#endif
