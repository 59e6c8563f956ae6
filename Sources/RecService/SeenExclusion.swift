import Foundation

/// Seen-item exclusion: the items of the user's newest `limit` interactions of these event types, whatever
/// their age (a backfilled history is as seen as yesterday's), bounded by a count so one statement reads
/// at most `limit` rows of the user's log.
public struct SeenExclusion: Sendable, Equatable {
    public var userID: String
    public var eventTypes: [String]
    public var limit: Int
}
