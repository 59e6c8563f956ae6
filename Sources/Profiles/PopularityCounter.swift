import Foundation

/// A decayed popularity score with its reference time (one row of
/// `item_popularity` / `category_popularity`), merged order-independently.
public struct PopularityCounter: Sendable, Equatable {
    public var score: Double
    public var referenceTime: Date
    public var events: Int

    public init(score: Double, referenceTime: Date, events: Int) {
        self.score = score
        self.referenceTime = referenceTime
        self.events = events
    }

    /// Adds one event of `weight` at `time` (older events are decayed to the reference time).
    public mutating func add(weight: Double, at time: Date, halfLife: TimeInterval) {
        merge(PopularityCounter(score: weight, referenceTime: time, events: 1), halfLife: halfLife)
    }

    /// Combines two counters at the later of their reference times (what the
    /// store's upsert does in SQL).
    public mutating func merge(_ other: PopularityCounter, halfLife: TimeInterval) {
        let ref = max(referenceTime, other.referenceTime)
        score = score * DecayedVector.decayFactor(seconds: ref.timeIntervalSince(referenceTime), halfLife: halfLife)
            + other.score * DecayedVector.decayFactor(seconds: ref.timeIntervalSince(other.referenceTime), halfLife: halfLife)
        referenceTime = ref
        events += other.events
    }
}
