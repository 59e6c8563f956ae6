import Foundation

/// One held-out prediction: what the user did next, and what a recommender may know at that point.
public struct EvalCase: Sendable, Hashable {
    public var user: String
    /// The held-out item.
    public var target: String
    /// The target's time: a replay must not use anything later.
    public var asOf: Date
    /// No other event of the user shares the target's timestamp, so the target's position did not depend
    /// on the seeded tie-break. With ``SplitProtocol/leaveLastOut`` this means the target is strictly later
    /// than every other event of the user; MovieLens rates in bursts, so non-strict cases are guesses
    /// about the order within a second and are reported separately.
    public var strict: Bool
    /// The user's training events in (time, tie-break) order; rankers exclude these items.
    public var history: [EvalEvent]

    public init(user: String, target: String, asOf: Date, strict: Bool, history: [EvalEvent]) {
        self.user = user
        self.target = target
        self.asOf = asOf
        self.strict = strict
        self.history = history
    }
}
