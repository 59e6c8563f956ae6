import Foundation
import RecCore

/// One row of `item_popularity` / `category_popularity`: a decayed score of engagement weights in log space
/// (``DecayedScore``: every counter compares at the same instant, never underflows), an event count and
/// the newest event's time; merged order-independently.
public struct PopularityCounter: Sendable, Equatable {
    public var score: DecayedScore
    public var events: Int
    public var lastEventAt: Date?

    public init(score: DecayedScore = .empty, events: Int = 0, lastEventAt: Date? = nil) {
        self.score = score
        self.events = events
        self.lastEventAt = lastEventAt
    }

    /// Adds one event of `weight` at `time`.
    public mutating func add(weight: Double, at time: Date, halfLife: TimeInterval) {
        merge(PopularityCounter(score: DecayedScore(weight: weight, at: time, halfLife: halfLife), events: 1, lastEventAt: time))
    }

    /// Combines two counters of the same half-life (what the store's upsert does in SQL).
    public mutating func merge(_ other: PopularityCounter) {
        score.add(other.score)
        events += other.events
        lastEventAt = [lastEventAt, other.lastEventAt].compactMap { $0 }.max()
    }
}
