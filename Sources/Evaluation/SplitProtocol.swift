/// How an ``EvalSplit`` chooses each test user's target and the training events.
public enum SplitProtocol: Sendable, Hashable, Codable {
    /// Each user with at least two events: the last one (by time, then the seeded tie-break) is the
    /// target; every other event of every user is training.
    case leaveLastOut
    /// Training is every event strictly before the `trainFraction` quantile of event times; each user
    /// with training history and an event at or after it is tested on the first such event.
    case globalTime(trainFraction: Double)
}
