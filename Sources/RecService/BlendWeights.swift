import Foundation
import RecCore

/// Weights of the blended recommendation score (DESIGN.md, "Recommendation = blended similarity").
///
/// `score = longTerm·cos(long) + session'·cos(session) + context·cos(context) − negative·cos(dislikes)
///        + covisit·covisit + popularity·pop + freshness·fresh`, where `session' = session · 2^(−sessionAge / sessionHalfLife)`:
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
    /// Weight of behavioural transitions from the user's recent items: the request's strongest candidate
    /// contributes up to this much, the others in proportion (see ``covisitTerm(_:maxCovisit:)``). Default: 2.0 (on MovieLens-1M 1 and 2 score
    /// alike with a long-term weight of 0.15; with the default long-term weight 1, 2 scores higher).
    public var covisit: Float = 2.0
    /// Evidence at which the behavioural term reaches half its weight: it is scaled by `n / (n + prior)`,
    /// `n` the transition events behind it, so one stray co-occurrence in a sparse log cannot outweigh the
    /// profile (on MovieLens-1M, with thousands of events behind most candidates, it changes nothing).
    /// Default: 5 events.
    public var covisitPrior: Double = 5
    /// Weight of request-time context items (cart, viewed page). Default: 0.8.
    public var context: Float = 0.8
    /// Half-life of the session weight, in seconds since the session's last event. Default: 1 h.
    public var sessionHalfLife: TimeInterval = 3600
    /// Half-life of freshness, in seconds since the item was created. Default: 14 days.
    public var freshnessHalfLife: TimeInterval = 14 * 86_400
    /// Popularity half-life: must be the one the counters were written with (``DecayedScore``); the reader
    /// needs it to put popularity on the scale of one request's "now". Default: 7 days.
    public var popularityHalfLife: TimeInterval = 7 * 86_400

    public init() {}

    /// The session weight after fading with the session's age (0 without a session time).
    public func sessionWeight(sessionAt: Date?, now: Date) -> Float {
        guard let sessionAt else { return 0 }
        let age = max(0, now.timeIntervalSince(sessionAt))
        return session * Float(exp2(-age / max(sessionHalfLife, 1)))
    }

    /// Freshness in (0, 1]: 1 for an item published now, halving every ``freshnessHalfLife``.
    public func freshness(publishedAt: Date?, now: Date) -> Float {
        guard let publishedAt else { return 0 }
        let age = max(0, now.timeIntervalSince(publishedAt))
        return Float(exp2(-age / max(freshnessHalfLife, 1)))
    }

    /// A popularity counter's value as of `now` (``DecayedScore/value(at:halfLife:)``).
    public func popularityNow(_ score: DecayedScore, now: Date) -> Double {
        score.value(at: now, halfLife: popularityHalfLife)
    }

    /// The behavioural term of `candidate`: its transition score relative to the request's strongest
    /// (`maxCovisit`), times the weight, shrunk by its evidence (``covisitPrior``).
    public func covisitTerm(_ candidate: Candidate, maxCovisit: Double) -> Float {
        guard maxCovisit > 0, candidate.covisit > 0 else { return 0 }
        let confidence = candidate.covisitSupport / (candidate.covisitSupport + covisitPrior)
        return covisit * Float(candidate.covisit / maxCovisit * confidence)
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
                          ("freshness", freshness), ("context", context), ("covisit", covisit)] where !(v >= 0 && v.isFinite) {
            throw RecServiceError(.configuration, "blend weight \(name) must be a non-negative number")
        }
        guard covisitPrior >= 0, covisitPrior.isFinite else { throw RecServiceError(.configuration, "the covisit prior must be a non-negative number") }
        guard sessionHalfLife > 0, freshnessHalfLife > 0, popularityHalfLife > 0 else {
            throw RecServiceError(.configuration, "half-lives must be positive")
        }
        return self
    }
}
