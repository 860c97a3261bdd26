import Foundation

/// Where the app's links go: the core reads the URL (a poster's `/V/…`, an enrolment's
/// `/E/…`, a health worker's case code `/K/…`) and decides what it means.
public protocol LinkOpening: Sendable {
    /// Hands `url` (as the system gave it) to the core.
    func open(url: String) throws
}

/// Universal Links (and URLs opened in the app) → the core. The associated-domains
/// entitlement decides which hosts reach the app; this only unwraps what the system hands
/// over, and never looks at the path.
public enum DeepLinks {
    /// `NSUserActivityTypeBrowsingWeb`.
    public static let browsingWeb = "NSUserActivityTypeBrowsingWeb"

    /// The link in a continued user activity, if it is a web link (Universal Link).
    public static func url(activityType: String, webpageURL: URL?) -> URL? {
        guard activityType == browsingWeb, let url = webpageURL else { return nil }
        return url
    }

    /// Routes a continued user activity. Returns false when it carries no web link.
    @discardableResult
    public static func route(
        activityType: String, webpageURL: URL?, to target: LinkOpening
    ) throws -> Bool {
        guard let url = url(activityType: activityType, webpageURL: webpageURL) else {
            return false
        }
        try target.open(url: url.absoluteString)
        return true
    }
}
