/// Weights of the blended recommendation score (DESIGN.md, "Recommendation = blended similarity").
public struct BlendWeights: Sendable, Equatable {
    public var longTerm: Float = 1.0
    public var session: Float = 0.6
    public var negative: Float = 0.5
    public var popularity: Float = 0.15
    public var freshness: Float = 0.05
    public init() {}
}
