import Kafka

/// Processes one poll batch for a ``BatchConsumerService``.
///
/// The handler makes each message's effects durable (and idempotent: delivery is
/// at-least-once, a message may be handed in again after a crash, a retry or a
/// rebalance) and reports one ``MessageOutcome`` per message. Messages of one
/// partition arrive in offset order; a batch mixes partitions.
public protocol BatchHandler: Sendable {
    /// - Returns: one outcome per message of `batch`, in the same order.
    /// - Throws: any error means "retry the whole batch later" (nothing is skipped).
    func handle(_ batch: [KafkaMessage]) async throws -> BatchOutcome

    /// Called with freshly polled messages while the previous batch may still be in
    /// ``handle(_:)``, so pure per-message work (decoding) overlaps that batch's I/O.
    /// The messages are handed to ``handle(_:)`` later (possibly in another batch, or
    /// never, after a rebalance or shutdown); nothing here may have effects. Default: nothing.
    func prepare(_ messages: [KafkaMessage]) async
}

extension BatchHandler {
    public func prepare(_ messages: [KafkaMessage]) async {}
}

/// What became of one message.
public enum MessageOutcome: Sendable, Equatable {
    /// Effects are durable (or the message was a duplicate): its offset may be committed.
    case done
    /// The message can never succeed (invalid, poison): publish it to the dead-letter
    /// topic with `reason`, then treat it as done.
    case deadLetter(reason: String)
    /// A transient failure (throttling, database down): hand it in again after a
    /// backoff; its partition is paused meanwhile and nothing after it is committed.
    case retryLater(reason: String)
}

/// One outcome per message of a batch, in batch order.
public struct BatchOutcome: Sendable, Equatable {
    public var results: [MessageOutcome]
    public init(_ results: [MessageOutcome]) { self.results = results }
    /// Every message done.
    public static func allDone(_ count: Int) -> BatchOutcome { BatchOutcome(Array(repeating: .done, count: count)) }
}
