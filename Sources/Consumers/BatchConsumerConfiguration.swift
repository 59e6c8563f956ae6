/// Tuning of a ``BatchConsumerService``.
public struct BatchConsumerConfiguration: Sendable {
    /// Name used in logs and metric dimensions (e.g. `products`). Default: `consumer`.
    public var name: String
    /// Most messages handed to the handler at once. Default: 256.
    public var maxBatchSize: Int
    /// How long one poll waits for the first message. Default: 250 ms.
    public var pollTimeout: Duration
    /// First retry delay of a paused partition; doubles per failed attempt, with
    /// jitter (50–100 % of the value). Default: 200 ms.
    public var initialBackoff: Duration
    /// Cap of the retry delay. Default: 15 s.
    public var maxBackoff: Duration
    /// How often consumer lag is reported as a metric. Default: 5 s.
    public var lagInterval: Duration
    /// Attempts of a message that fails on its own with an error of unknown kind before it is dead-lettered
    /// (transient failures are retried without limit, permanent ones dead-lettered at once). Default: 8.
    public var maxAttempts: Int
    /// Which failures are the message's fault (see ``FailureClass``). Default: ``FailureClass/of(_:)``.
    public var classify: @Sendable (any Error) -> FailureClass

    public init(name: String = "consumer", maxBatchSize: Int = 256, pollTimeout: Duration = .milliseconds(250),
                initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(15), lagInterval: Duration = .seconds(5),
                maxAttempts: Int = 8, classify: @escaping @Sendable (any Error) -> FailureClass = FailureClass.of) {
        precondition(maxAttempts > 0, "maxAttempts must be positive")
        precondition(maxBatchSize > 0, "maxBatchSize must be positive")
        precondition(initialBackoff > .zero && maxBackoff >= initialBackoff, "backoff must be positive and capped above its start")
        self.name = name
        self.maxBatchSize = maxBatchSize
        self.pollTimeout = pollTimeout
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.lagInterval = lagInterval
        self.maxAttempts = maxAttempts
        self.classify = classify
    }

    /// The delay before retry number `attempt` (1-based), jittered by `unit` in [0, 1).
    public func backoff(attempt: Int, unit: Double) -> Duration {
        let base = initialBackoff * Double(1 << min(max(attempt - 1, 0), 20))
        let capped = min(base, maxBackoff)
        return capped * (0.5 + 0.5 * unit)
    }
}
