import RecCore
import Foundation

/// Exact per-signal rescoring of candidates (pure; DESIGN.md "Recommendation = blended similarity").
public struct Blender: Sendable {
    public var weights: BlendWeights

    public init(weights: BlendWeights) { self.weights = weights }

    /// Scores every candidate; `maxPopularity` is the largest stored popularity counter (for normalization).
    public func score(_ candidates: [Candidate], query: BlendQuery, maxPopularity: Double, now: Date) -> [ScoredItem] {
        candidates.map { c in
            var e = ScoreExplanation()
            if let v = c.vector {
                if let l = query.longTerm, l.count == v.count { e.longTerm = weights.longTerm * VectorMath.dot(l, v) }
                if let s = query.session, s.count == v.count { e.session = query.sessionWeight * VectorMath.dot(s, v) }
                if let x = query.context, x.count == v.count { e.context = weights.context * VectorMath.dot(x, v) }
                if let n = query.negative, n.count == v.count { e.negative = -weights.negative * VectorMath.dot(n, v) }
                if let q = query.query, q.count == v.count { e.query = query.queryWeight * VectorMath.dot(q, v) }
            }
            let popNow = weights.popularityNow(score: c.popularity, refAt: c.popularityRefAt, now: now)
            e.popularity = weights.popularity * BlendWeights.normalizedPopularity(popNow, max: maxPopularity)
            e.freshness = weights.freshness * weights.freshness(createdAt: c.createdAt, now: now)
            return ScoredItem(candidate: c, explanation: e)
        }
    }
}
