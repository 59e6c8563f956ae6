import Foundation
import RecCore

/// The knobs of the profile model. Validated at construction.
///
/// Changing any of them changes what a profile means: run `rec profiles rebuild`
/// afterwards so stored profiles follow the new rule.
public struct ProfileConfiguration: Sendable, Equatable {
    /// Item vector dimension the profiles live in (256, 384, 1024 or 3072). Default: 1024.
    public var dimension: Int
    /// Event weights. Default: ``EventWeights/default``.
    public var weights: EventWeights
    /// Long-term profile half-life. Default: 30 days.
    public var longTermHalfLife: TimeInterval
    /// Session profile half-life. Default: 30 minutes.
    public var sessionHalfLife: TimeInterval
    /// Negative (dislike) profile half-life. Default: 30 days.
    public var negativeHalfLife: TimeInterval
    /// Item and category popularity half-life. Default: 7 days.
    public var popularityHalfLife: TimeInterval

    /// Behavioural transitions: how many consecutive events before an event each form an edge to it
    /// (0 turns transition upkeep off). Default: 10 (3, 5, 10, 20 scored 0.060, 0.067, 0.072, 0.072 strict
    /// NDCG@10 on the MovieLens-1M validation split at a 180-day half-life; each edge costs the consumer about
    /// 4 µs, see docs/profiles.md).
    public var transitionWindow: Int
    /// An edge between events `d` positions apart weighs `transitionPositionDecay^(d−1)`. Default: 0.7.
    public var transitionPositionDecay: Double
    /// Weight of the reverse edge (later item → earlier item) relative to the forward one. 0: strictly
    /// directional. Default: 0 (0.5 and 1 scored lower on MovieLens-1M: order matters).
    public var transitionReverseWeight: Double
    /// Half-life of transition edges in event time: what people do next now weighs more than years ago.
    /// Default: 3,650 days: what follows what changes slowly (a sequel follows its film for good), and on
    /// MovieLens-1M 180 days scored a quarter lower (strict NDCG@10 0.072 vs 0.095 on the validation split).
    public var transitionHalfLife: TimeInterval

    public static let `default` = try! ProfileConfiguration()

    public init(
        dimension: Int = 1024,
        weights: EventWeights = .default,
        longTermHalfLife: TimeInterval = 30 * 86_400,
        sessionHalfLife: TimeInterval = 30 * 60,
        negativeHalfLife: TimeInterval = 30 * 86_400,
        popularityHalfLife: TimeInterval = 7 * 86_400,
        transitionWindow: Int = 10,
        transitionPositionDecay: Double = 0.7,
        transitionHalfLife: TimeInterval = 3650 * 86_400,
        transitionReverseWeight: Double = 0
    ) throws {
        guard VectorDimensions.supported.contains(dimension) else {
            throw RecError(.configuration, "profile dimension must be \(VectorDimensions.text), not \(dimension)")
        }
        for (name, h) in [("long-term", longTermHalfLife), ("session", sessionHalfLife), ("negative", negativeHalfLife), ("popularity", popularityHalfLife), ("transition", transitionHalfLife)] {
            guard h.isFinite, h > 0 else { throw RecError(.configuration, "\(name) half-life must be a positive number of seconds") }
        }
        guard (0...50).contains(transitionWindow) else { throw RecError(.configuration, "transition window must be 0...50 events") }
        guard transitionPositionDecay > 0, transitionPositionDecay <= 1 else {
            throw RecError(.configuration, "transition position decay must be in (0, 1]")
        }
        guard (0...1).contains(transitionReverseWeight) else { throw RecError(.configuration, "transition reverse weight must be in [0, 1]") }
        self.transitionReverseWeight = transitionReverseWeight
        self.transitionWindow = transitionWindow
        self.transitionPositionDecay = transitionPositionDecay
        self.transitionHalfLife = transitionHalfLife
        self.dimension = dimension
        self.weights = weights
        self.longTermHalfLife = longTermHalfLife
        self.sessionHalfLife = sessionHalfLife
        self.negativeHalfLife = negativeHalfLife
        self.popularityHalfLife = popularityHalfLife
    }
}
