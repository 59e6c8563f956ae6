import Foundation

/// An exponentially decayed sum of weights kept in log space against one fixed reference, the Unix epoch:
/// `log2 = log₂(Σ wᵢ · 2^(tᵢ/h))` with `tᵢ` in seconds since 1970 and `h` the half-life.
///
/// Its value at any instant `T` is `2^(log2 − T/h)`. Every counter stored this way is compared at the same
/// instant by comparing ``log2`` alone, whatever "now" is (live, or a replay's `asOf`), so an index on it
/// orders items for every request; merging is a log-add of two numbers of the order of `t/h`, which can
/// neither underflow nor overflow for any event time a `Date` holds (a counter decades old merges like a
/// fresh one), and an old counter only weighs less, never exactly 0. The empty sum is `-infinity`.
public struct DecayedScore: Sendable, Equatable {
    /// `log₂(Σ wᵢ · 2^(tᵢ/h))`; `-infinity` while nothing with a positive weight was added.
    public var log2: Double

    public static let empty = DecayedScore(log2: -.infinity)

    public init(log2: Double) { self.log2 = log2 }

    /// The score of one event of `weight` (> 0; otherwise empty) at `time`.
    public init(weight: Double, at time: Date, halfLife: TimeInterval) {
        log2 = weight > 0 && weight.isFinite ? Foundation.log2(weight) + time.timeIntervalSince1970 / halfLife : -.infinity
    }

    public var isEmpty: Bool { log2 == -.infinity }

    /// `log₂(2^a + 2^b)` without leaving log space.
    @inline(__always)
    public static func logAdd(_ a: Double, _ b: Double) -> Double {
        let hi = max(a, b), lo = min(a, b)
        guard lo > -.infinity else { return hi }
        return hi + Foundation.log2(1 + exp2(lo - hi))
    }

    /// Adds another sum of the same half-life (order-independent).
    public mutating func add(_ other: DecayedScore) { log2 = Self.logAdd(log2, other.log2) }

    /// Adds one event of `weight` at `time`.
    public mutating func add(weight: Double, at time: Date, halfLife: TimeInterval) {
        add(DecayedScore(weight: weight, at: time, halfLife: halfLife))
    }

    /// The decayed sum as of `now`: `2^(log2 − now/h)`. Later than the newest event it only shrinks; 0 only
    /// when it is below the smallest double (more than ~1,000 half-lives old) or empty.
    public func value(at now: Date, halfLife: TimeInterval) -> Double {
        guard !isEmpty else { return 0 }
        return exp2(log2 - now.timeIntervalSince1970 / halfLife)
    }
}
