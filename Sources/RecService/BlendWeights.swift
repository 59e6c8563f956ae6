import Foundation

/// Weights of the blended recommendation score (DESIGN.md, "Recommendation = blended similarity").
///
/// `score = longTerm·cos(long) + session'·cos(session) + context·cos(context) − negative·cos(dislikes)
///        + popularity·pop + freshness·fresh`, where `session' = session · 2^(−sessionAge / sessionHalfLife)`:
/// a session a user left hours ago should stop steering the list.
public struct BlendWeights: Sendable, Equatable {
    /// Weight of the long-term taste vector. Default: 1.0.
    public var longTerm: Float = 1.0
    /// Weight of the current session vector when the session is fresh. Default: 0.6.
    public var session: Float = 0.6
    /// Weight of the dislike vector (subtracted). Default: 0.5.
    public var negative: Float = 0.5
    /// Weight of normalized popularity in [0, 1]. Default: 0.15.
    public var popularity: Float = 0.15
    /// Weight of freshness in [0, 1]. Default: 0.05.
    public var freshness: Float = 0.05
    /// Weight of request-time context items (cart, viewed page). Default: 0.8.
    public var context: Float = 0.8
    /// Half-life of the session weight, in seconds since the session's last event. Default: 1 h.
    public var sessionHalfLife: TimeInterval = 3600
    /// Half-life of freshness, in seconds since the item was created. Default: 14 days.
    public var freshnessHalfLife: TimeInterval = 14 * 86_400
    /// Half-life used to bring popularity counters (decayed to their `ref_at`) to now. Default: 7 days.
    public var popularityHalfLife: TimeInterval = 7 * 86_400

    public init() {}

    /// The session weight after fading with the session's age (0 without a session time).
    public func sessionWeight(sessionAt: Date?, now: Date) -> Float {
        guard let sessionAt else { return 0 }
        let age = max(0, now.timeIntervalSince(sessionAt))
        return session * Float(exp2(-age / max(sessionHalfLife, 1)))
    }

    /// Freshness in (0, 1]: 1 for an item created now, halving every ``freshnessHalfLife``.
    public func freshness(createdAt: Date?, now: Date) -> Float {
        guard let createdAt else { return 0 }
        let age = max(0, now.timeIntervalSince(createdAt))
        return Float(exp2(-age / max(freshnessHalfLife, 1)))
    }

    /// A decayed counter (`score` as of `refAt`) decayed further to `now`.
    public func popularityNow(score: Double, refAt: Date?, now: Date) -> Double {
        guard score > 0 else { return 0 }
        guard let refAt else { return score }
        let age = max(0, now.timeIntervalSince(refAt))
        return score * exp2(-age / max(popularityHalfLife, 1))
    }

    /// Popularity in [0, 1] on a log scale relative to the most popular item, so one
    /// viral item does not flatten every other item's signal to zero.
    public static func normalizedPopularity(_ score: Double, max maxScore: Double) -> Float {
        guard score > 0, maxScore > 0 else { return 0 }
        return Float(min(1, log1p(score) / log1p(maxScore)))
    }

    /// Builds weights from `REC_W_*` values already parsed; throws on negative weights.
    public func validated() throws -> BlendWeights {
        for (name, v) in [("long", longTerm), ("session", session), ("negative", negative), ("popularity", popularity),
                          ("freshness", freshness), ("context", context)] where !(v >= 0 && v.isFinite) {
            throw RecServiceError(.configuration, "blend weight \(name) must be a non-negative number")
        }
        guard sessionHalfLife > 0, freshnessHalfLife > 0, popularityHalfLife > 0 else {
            throw RecServiceError(.configuration, "half-lives must be positive")
        }
        return self
    }
}
