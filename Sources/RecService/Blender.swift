import RecCore
import Foundation

/// Exact per-signal rescoring of candidates (pure; DESIGN.md "Recommendation = blended similarity").
public struct Blender: Sendable {
    public var weights: BlendWeights

    public init(weights: BlendWeights) { self.weights = weights }

    /// Scores every candidate at the instant `now` (live: the wall clock; a replay: its `asOf`).
    ///
    /// - Parameter maxPopularity: the largest stored popularity counter, for normalization at `now`.
    public func score(_ candidates: [Candidate], query: BlendQuery, maxPopularity: DecayedScore, now: Date) -> [ScoredItem] {
        let maxNow = weights.popularityNow(maxPopularity, now: now)
        // Transition scores are on the request's own scale: the strongest candidate gets the full weight.
        let maxCovisit = Candidate.strongestCovisit(candidates)
        return candidates.map { c in
            var e = ScoreExplanation()
            if let v = c.vector {
                if let l = query.longTerm, l.count == v.count { e.longTerm = weights.longTerm * VectorMath.dot(l, v) }
                if let s = query.session, s.count == v.count { e.session = query.sessionWeight * VectorMath.dot(s, v) }
                if let x = query.context, x.count == v.count { e.context = weights.context * VectorMath.dot(x, v) }
                if let n = query.negative, n.count == v.count { e.negative = -weights.negative * VectorMath.dot(n, v) }
                if let q = query.query, q.count == v.count { e.query = query.queryWeight * VectorMath.dot(q, v) }
            }
            e.covisit = weights.covisitTerm(c, maxCovisit: maxCovisit)
            e.popularity = weights.popularity * BlendWeights.normalizedPopularity(weights.popularityNow(c.popularity, now: now), max: maxNow)
            e.freshness = weights.freshness * weights.freshness(publishedAt: c.publishedAt, now: now)
            return ScoredItem(candidate: c, explanation: e)
        }
    }
}
