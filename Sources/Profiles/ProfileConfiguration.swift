import Foundation
import RecCore

/// The knobs of the profile model. Validated at construction.
///
/// Changing any of them changes what a profile means: run `rec profiles rebuild`
/// afterwards so stored profiles follow the new rule.
public struct ProfileConfiguration: Sendable, Equatable {
    /// Item vector dimension the profiles live in (256, 384 or 1024). Default: 1024.
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

    public static let `default` = try! ProfileConfiguration()

    public init(
        dimension: Int = 1024,
        weights: EventWeights = .default,
        longTermHalfLife: TimeInterval = 30 * 86_400,
        sessionHalfLife: TimeInterval = 30 * 60,
        negativeHalfLife: TimeInterval = 30 * 86_400,
        popularityHalfLife: TimeInterval = 7 * 86_400
    ) throws {
        guard [256, 384, 1024].contains(dimension) else {
            throw RecError(.configuration, "profile dimension must be 256, 384 or 1024, not \(dimension)")
        }
        for (name, h) in [("long-term", longTermHalfLife), ("session", sessionHalfLife), ("negative", negativeHalfLife), ("popularity", popularityHalfLife)] {
            guard h.isFinite, h > 0 else { throw RecError(.configuration, "\(name) half-life must be a positive number of seconds") }
        }
        self.dimension = dimension
        self.weights = weights
        self.longTermHalfLife = longTermHalfLife
        self.sessionHalfLife = sessionHalfLife
        self.negativeHalfLife = negativeHalfLife
        self.popularityHalfLife = popularityHalfLife
    }
}
