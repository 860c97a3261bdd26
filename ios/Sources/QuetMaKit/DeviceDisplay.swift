import Foundation

/// The screen density of the device the app runs on. iOS has no public API for pixels per
/// inch, so it comes from a table of hardware model identifiers (`utsname.machine`, e.g.
/// `iPhone14,4`), with a safe default for a model the table does not know yet.
public struct DeviceDisplay: Sendable, Equatable {
    /// Physical pixels per inch of the panel.
    public let pixelsPerInch: Double
    /// Whether `pixelsPerInch` comes from the table (false: the family default).
    public let isKnownModel: Bool

    /// The display of the model `identifier`. In the Simulator `utsname.machine` is the Mac's
    /// architecture: pass `SIMULATOR_MODEL_IDENTIFIER` from the environment instead.
    public init(modelIdentifier identifier: String) {
        if let ppi = Self.table[identifier] {
            pixelsPerInch = ppi
            isKnownModel = true
        } else {
            pixelsPerInch = Self.fallback(for: identifier)
            isKnownModel = false
        }
    }

    /// The default for an unknown model: every iPhone since the 12 has 460 ppi (±16), every
    /// full-size iPad 264, iPad mini and iPod touch 326.
    static func fallback(for identifier: String) -> Double {
        if identifier.hasPrefix("iPad") { return 264 }
        if identifier.hasPrefix("iPod") { return 326 }
        return 460
    }

    /// On-screen size, in points, of `pixels` physical pixels. `nativeScale` is
    /// `UIScreen.nativeScale` (physical pixels per point: 3 on most iPhones, 2.608 on the
    /// Plus models of the 6s–8, 2.88 on the minis, and changed by Display Zoom), so the
    /// core's bitmap, rendered for `pixelsPerInch`, shows at its true size.
    public static func points(forPixels pixels: Double, nativeScale: Double) -> Double {
        guard nativeScale > 0 else { return pixels }
        return pixels / nativeScale
    }

    /// Physical pixels per inch, from the model table (identifiers as `utsname.machine`).
    static let table: [String: Double] = {
        var t: [String: Double] = [:]
        func set(_ ppi: Double, _ ids: String...) { for id in ids { t[id] = ppi } }
        // iPhone
        set(326, "iPhone8,1", "iPhone8,4", "iPhone9,1", "iPhone9,3", "iPhone10,1", "iPhone10,4",
            "iPhone11,8", "iPhone12,1", "iPhone12,8", "iPhone14,6")   // 6s, SE, 7, 8, XR, 11, SE 2/3
        set(401, "iPhone8,2", "iPhone9,2", "iPhone9,4", "iPhone10,2", "iPhone10,5") // 6s/7/8 Plus
        set(458, "iPhone10,3", "iPhone10,6", "iPhone11,2", "iPhone11,4", "iPhone11,6",
            "iPhone12,3", "iPhone12,5", "iPhone13,4", "iPhone14,3", "iPhone14,8") // X … 14 Plus
        set(476, "iPhone13,1", "iPhone14,4")                          // 12 mini, 13 mini
        set(460, "iPhone13,2", "iPhone13,3", "iPhone14,2", "iPhone14,5", "iPhone14,7",
            "iPhone15,2", "iPhone15,3", "iPhone15,4", "iPhone15,5", "iPhone16,1", "iPhone16,2",
            "iPhone17,1", "iPhone17,2", "iPhone17,3", "iPhone17,4", "iPhone17,5",
            "iPhone18,1", "iPhone18,2", "iPhone18,3", "iPhone18,4")  // 12 … 17, 16e, Air
        // iPod touch 7
        set(326, "iPod9,1")
        // iPad mini 4, 5, 6, A17 Pro
        set(326, "iPad5,1", "iPad5,2", "iPad11,1", "iPad11,2", "iPad14,1", "iPad14,2",
            "iPad16,1", "iPad16,2")
        return t
    }()
}
