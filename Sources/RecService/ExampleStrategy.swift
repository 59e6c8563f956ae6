import RecCore
/// How `POST /v1/recommend` combines positive and negative examples, as Qdrant defines them.
public enum ExampleStrategy: String, Sendable, CaseIterable {
    /// One query vector: `avg(positive) + (avg(positive) − avg(negative))` (just the average without negatives).
    case averageVector = "average_vector"
    /// Each candidate scores against every example: the best positive similarity if it beats the best
    /// negative one, else `−(best negative)²`.
    case bestScore = "best_score"

    /// The weighted example vectors are unit-normalized first so one long vector cannot dominate.
    public static func averageVector(positive: [(vector: [Float], weight: Float)],
                                     negative: [(vector: [Float], weight: Float)]) -> [Float]? {
        func avg(_ xs: [(vector: [Float], weight: Float)]) -> [Float]? {
            let total = xs.reduce(Float(0)) { $0 + $1.weight }
            guard total > 0, let s = VectorMath.weightedSum(xs.map { ($0.vector, $0.weight / total) }) else { return nil }
            return s
        }
        let p = avg(positive)
        let n = avg(negative)
        switch (p, n) {
        case (let p?, let n?): return zip(p, n).map { 2 * $0 - $1 }
        case (let p?, nil): return p
        case (nil, let n?): return n.map { -$0 }
        case (nil, nil): return nil
        }
    }

    /// Qdrant's best_score for one unit candidate vector against unit example vectors.
    public static func bestScore(_ v: [Float], positive: [[Float]], negative: [[Float]]) -> Float {
        bestScore(v[...], positive: positive, negative: negative)
    }

    public static func bestScore(_ v: ArraySlice<Float>, positive: [[Float]], negative: [[Float]]) -> Float {
        let bp = positive.map { VectorMath.dot($0, v) }.max() ?? -Float.infinity
        let bn = negative.map { VectorMath.dot($0, v) }.max() ?? -Float.infinity
        if bp > bn { return bp }
        if negative.isEmpty { return bp }
        return -(bn * bn)
    }
}
