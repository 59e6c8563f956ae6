import Foundation
import Profiles
import RecCore

extension AppConfiguration {
    /// The profile model from the environment (defaults in ``ProfileConfiguration``):
    /// - `BEDROCK_EMBEDDING_DIMENSIONS` (shared with catalog ingest): item/profile vector dimension, 256/384/1024/3072. Default: 1024.
    /// - `REC_EVENT_WEIGHTS`: e.g. `view=1,click=2,add_to_cart=4,purchase=8,rating=1,dismiss=-4,neutral=3`.
    /// - `REC_PROFILE_HALF_LIFE_DAYS` (30), `REC_SESSION_HALF_LIFE_MINUTES` (30),
    ///   `REC_NEGATIVE_HALF_LIFE_DAYS` (30), `REC_POPULARITY_HALF_LIFE_DAYS` (7).
    /// - Transitions: `REC_TRANSITION_WINDOW` (10 events; 0 turns them off), `REC_TRANSITION_POSITION_DECAY` (0.7),
    ///   `REC_TRANSITION_HALF_LIFE_DAYS` (3650), `REC_TRANSITION_REVERSE_WEIGHT` (0).
    /// docs/configuration.md is the reference (a test checks these defaults against it).
    public func profileConfiguration() throws -> ProfileConfiguration {
        func number(_ key: String, _ scale: Double, _ fallback: TimeInterval) throws -> TimeInterval {
            guard let raw = environment[key], !raw.isEmpty else { return fallback }
            guard let v = Double(raw), v > 0, v.isFinite else { throw ConfigurationError("\(key) must be a positive number") }
            return v * scale
        }
        func integer(_ key: String, _ fallback: Int) throws -> Int {
            guard let raw = environment[key], !raw.isEmpty else { return fallback }
            guard let v = Int(raw), v >= 0 else { throw ConfigurationError("\(key) must be a non-negative integer") }
            return v
        }
        func fraction(_ key: String, _ fallback: Double) throws -> Double {
            guard let raw = environment[key], !raw.isEmpty else { return fallback }
            guard let v = Double(raw), (0...1).contains(v) else { throw ConfigurationError("\(key) must be a number from 0 to 1") }
            return v
        }
        let d = ProfileConfiguration.default
        // The dimension catalog ingest stores vectors in: profiles must live in the same space.
        guard let dimension = Int(embeddingDimensions) else { throw ConfigurationError("BEDROCK_EMBEDDING_DIMENSIONS must be \(VectorDimensions.text)") }
        let weights = try environment["REC_EVENT_WEIGHTS"].map { try EventWeights.parse($0) } ?? .default
        return try ProfileConfiguration(
            dimension: dimension,
            weights: weights,
            longTermHalfLife: try number("REC_PROFILE_HALF_LIFE_DAYS", 86_400, d.longTermHalfLife),
            sessionHalfLife: try number("REC_SESSION_HALF_LIFE_MINUTES", 60, d.sessionHalfLife),
            negativeHalfLife: try number("REC_NEGATIVE_HALF_LIFE_DAYS", 86_400, d.negativeHalfLife),
            popularityHalfLife: try number("REC_POPULARITY_HALF_LIFE_DAYS", 86_400, d.popularityHalfLife),
            transitionWindow: try integer("REC_TRANSITION_WINDOW", d.transitionWindow),
            transitionPositionDecay: try number("REC_TRANSITION_POSITION_DECAY", 1, d.transitionPositionDecay),
            transitionHalfLife: try number("REC_TRANSITION_HALF_LIFE_DAYS", 86_400, d.transitionHalfLife),
            transitionReverseWeight: try fraction("REC_TRANSITION_REVERSE_WEIGHT", d.transitionReverseWeight))
    }
}
