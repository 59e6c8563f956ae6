/// Faults `rec titan-local` injects into `InvokeModel` answers, for tests and drills of
/// the client's retry and back-off behaviour.
public struct FaultInjection: Sendable, Equatable {
    /// Share of requests answered with `ThrottlingException` (429), in [0, 1]. Default: 0.
    public var throttlingRate: Double
    /// Share of requests answered with `ServiceUnavailableException` (503) or
    /// `InternalServerException` (500), in [0, 1]. Default: 0.
    public var serverErrorRate: Double
    /// Delay added before every `InvokeModel` answer. Default: none.
    public var addedLatency: Duration
    /// Seed of the fault dice, so a drill can be replayed. Default: 1.
    public var seed: UInt64

    /// - Throws: `TitanLocalConfigurationError` when a rate is outside [0, 1], the sum exceeds 1, or the latency is negative.
    public init(throttlingRate: Double = 0, serverErrorRate: Double = 0, addedLatency: Duration = .zero, seed: UInt64 = 1) throws {
        guard (0...1).contains(throttlingRate), (0...1).contains(serverErrorRate), throttlingRate + serverErrorRate <= 1 else {
            throw TitanLocalConfigurationError("fault rates must be within [0, 1] and sum to at most 1 (throttling \(throttlingRate), 5xx \(serverErrorRate))")
        }
        guard addedLatency >= .zero else { throw TitanLocalConfigurationError("added latency must not be negative") }
        self.throttlingRate = throttlingRate
        self.serverErrorRate = serverErrorRate
        self.addedLatency = addedLatency
        self.seed = seed
    }

    /// No faults.
    public static let none = try! FaultInjection()

    public var isActive: Bool { throttlingRate > 0 || serverErrorRate > 0 || addedLatency > .zero }
}
