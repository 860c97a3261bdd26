import Foundation

/// Speaks the core's announcements with the screen reader: the app posts
/// `UIAccessibility.post(notification: .announcement, …)` (queued behind speech in progress);
/// tests record them.
public protocol Announcer: Sendable {
    /// Announces `text` (already translated by the core).
    func announce(_ text: String)
}
