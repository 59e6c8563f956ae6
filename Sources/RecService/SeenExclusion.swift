import Foundation

/// Seen-item exclusion: items the user interacted with by these event types since this time.
public struct SeenExclusion: Sendable, Equatable {
    public var userID: String
    public var eventTypes: [String]
    public var since: Date
}
