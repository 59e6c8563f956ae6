import Foundation
import RecCore

/// Everything the recommender knows about one user, as stored in `user_profiles`.
///
/// Vectors are unnormalized decayed sums (see ``DecayedVector``); readers
/// normalize (or just use cosine). Change it only through ``ProfileUpdateRule``.
public struct ProfileState: Sendable, Equatable {
    public var userID: UserID
    public var dimension: Int
    /// Long-term taste: positive events, long half-life.
    public var longTerm: DecayedVector
    /// The current session: positive events of the newest session, short half-life.
    /// Its reference time is the newest event of that session (of any weight).
    public var session: DecayedVector
    public var sessionID: String?
    /// Dislikes: dismissals and below-neutral ratings.
    public var negative: DecayedVector
    /// Events folded in.
    public var eventCount: Int
    public var countsByType: [EventType: Int]
    /// Sum of signed event weights per item category (not decayed), for filters and explanations.
    public var categoryAffinity: [String: Double]
    public var lastEventAt: Date?

    /// A user with no events yet.
    public init(userID: UserID, dimension: Int) {
        self.init(userID: userID, dimension: dimension, longTerm: .empty, session: .empty, sessionID: nil, negative: .empty,
                  eventCount: 0, countsByType: [:], categoryAffinity: [:], lastEventAt: nil)
    }

    public init(userID: UserID, dimension: Int, longTerm: DecayedVector, session: DecayedVector, sessionID: String?, negative: DecayedVector,
                eventCount: Int, countsByType: [EventType: Int], categoryAffinity: [String: Double], lastEventAt: Date?) {
        self.userID = userID
        self.dimension = dimension
        self.longTerm = longTerm
        self.session = session
        self.sessionID = sessionID
        self.negative = negative
        self.eventCount = eventCount
        self.countsByType = countsByType
        self.categoryAffinity = categoryAffinity
        self.lastEventAt = lastEventAt
    }
}
