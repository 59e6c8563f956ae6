import RecCore
import Foundation

/// The signals one recommendation request blends: the user's profile vectors (any may be missing),
/// request-time context and an optional query vector, with their effective weights.
public struct BlendQuery: Sendable {
    public var longTerm: [Float]?
    public var session: [Float]?
    public var sessionWeight: Float
    public var negative: [Float]?
    public var context: [Float]?
    public var query: [Float]?
    public var queryWeight: Float

    /// - Parameters:
    ///   - sessionWeight: the already-faded session weight (``BlendWeights/sessionWeight(sessionAt:now:)``).
    public init(longTerm: [Float]? = nil, session: [Float]? = nil, sessionWeight: Float = 0, negative: [Float]? = nil,
                context: [Float]? = nil, query: [Float]? = nil, queryWeight: Float = 0) {
        func unit(_ v: [Float]?) -> [Float]? {
            guard let v, VectorMath.norm(v) > 0 else { return nil }
            return VectorMath.normalized(v)
        }
        self.longTerm = unit(longTerm)
        self.session = unit(session)
        self.sessionWeight = sessionWeight
        self.negative = unit(negative)
        self.context = unit(context)
        self.query = unit(query)
        self.queryWeight = queryWeight
    }

    /// True when no vector signal exists: the popularity/freshness fallback.
    public var isFallback: Bool { longTerm == nil && session == nil && context == nil && query == nil }

    /// The single vector the HNSW candidate search runs on: the weighted sum of the positive
    /// signals (normalized long-term + faded session + context + query), nil for the fallback.
    public func candidateVector(weights: BlendWeights) -> [Float]? {
        var parts = [(vector: [Float], weight: Float)]()
        if let longTerm { parts.append((longTerm, weights.longTerm)) }
        if let session { parts.append((session, sessionWeight)) }
        if let context { parts.append((context, weights.context)) }
        if let query { parts.append((query, queryWeight)) }
        return VectorMath.weightedSum(parts)
    }
}
