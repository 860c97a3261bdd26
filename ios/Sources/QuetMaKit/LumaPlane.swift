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

#if canImport(CoreVideo)
import CoreVideo

extension LumaPlane {
    /// Runs `body` with the Y plane of a bi-planar YUV (`420f`/`420v`) pixel buffer, wrapped
    /// without a copy while the base address is locked. Do not keep the plane past `body`.
    public static func withLumaPlane<T>(
        of pixelBuffer: CVPixelBuffer, rotation: Rotation, _ body: (LumaPlane) throws -> T
    ) throws -> T {
        CVPixelBufferLockBaseAddress(pixelBuffer, .readOnly)
        defer { CVPixelBufferUnlockBaseAddress(pixelBuffer, .readOnly) }
        guard let base = CVPixelBufferGetBaseAddressOfPlane(pixelBuffer, 0) else {
            throw QuetMaError.InvalidInput(reason: "pixel buffer has no luma plane")
        }
        let height = CVPixelBufferGetHeightOfPlane(pixelBuffer, 0)
        let stride = CVPixelBufferGetBytesPerRowOfPlane(pixelBuffer, 0)
        let data = Data(bytesNoCopy: base, count: stride * height, deallocator: .none)
        return try body(LumaPlane(
            bytes: data, width: CVPixelBufferGetWidthOfPlane(pixelBuffer, 0), height: height,
            rowStride: stride, rotation: rotation
        ))
    }
}
#endif
