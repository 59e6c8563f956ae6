import Kafka

/// The decisions of ``BatchConsumerService`` as a pure value: which messages form the next batch, which
/// partitions are paused for a retry and when the retry is due, what a handler's results mean for each
/// message (done, dead letter, retry, or dead letter after too many attempts), and what a rebalance drops.
///
/// The service feeds it events (a poll returned messages, a batch was handled, partitions were revoked or
/// assigned) and carries out the actions it returns (pause, resume); the broker, the handler, the DLQ and the
/// offset tracker stay outside, so every transition is testable without them (`ConsumerLoopTests`).
struct ConsumerLoop: Sendable {
    /// Failed messages of one partition waiting for their retry, in offset order.
    struct Pending: Sendable {
        var messages: [KafkaMessage]
        var attempt: Int
        var due: ContinuousClock.Instant
    }

    /// What the service must do to the consumer.
    enum Action: Sendable, Equatable {
        case pause(KafkaTopicPartition, attempt: Int, delay: Duration, reason: String)
        case resume(KafkaTopicPartition)
    }

    /// A batch to hand to the handler.
    struct Batch: Sendable {
        var messages: [KafkaMessage] = []
        /// Partitions whose due retries are in this batch, with the attempt number they were on.
        var retried: [KafkaTopicPartition: Int] = [:]
    }

    /// What one message's result means, after attempts are counted.
    enum Decision: Sendable, Equatable {
        case outcome(MessageOutcome)
        /// Rejected for good on its own (isolated from its batch): dead-letter it.
        case rejected(reason: String)
        /// Failed on its own with an unknown error `attempts` times: dead-letter it.
        case exhausted(reason: String, attempts: Int)

        var outcome: MessageOutcome {
            switch self {
            case .outcome(let o): return o
            case .rejected(let reason): return .deadLetter(reason: reason)
            case .exhausted(let reason, let n): return .deadLetter(reason: "failed \(n) times: \(reason)")
            }
        }
    }

    let configuration: BatchConsumerConfiguration
    private(set) var pending: [KafkaTopicPartition: Pending] = [:]
    /// Attempts of messages that failed on their own with an unknown error.
    private(set) var strikes: [MessagePosition: Int] = [:]

    init(configuration: BatchConsumerConfiguration) { self.configuration = configuration }

    /// How long the next poll may block: the poll timeout, or less when a retry is due sooner (at least 1 ms).
    func pollTimeout(now: ContinuousClock.Instant) -> Duration {
        guard let due = pending.values.map(\.due).min() else { return configuration.pollTimeout }
        return max(.milliseconds(1), min(configuration.pollTimeout, due - now))
    }

    /// Partitions were revoked: their pending retries and attempt counts are dropped (the next owner starts
    /// from the committed offset). Returns the partitions that had retries pending.
    mutating func revoked(_ tps: [KafkaTopicPartition]) -> [KafkaTopicPartition] {
        let dropped = tps.filter { pending.removeValue(forKey: $0) != nil }
        let gone = Set(tps)
        if !strikes.isEmpty { strikes = strikes.filter { !gone.contains($0.key.topicPartition) } }
        return dropped
    }

    /// Partitions were assigned: those without pending retries are resumed, since a partition paused by an
    /// earlier retry and assigned again must not stay paused.
    func assigned(_ tps: [KafkaTopicPartition]) -> [KafkaTopicPartition] {
        tps.filter { pending[$0] == nil }
    }

    /// The next batch: retries that are due (each partition's in offset order), then the polled messages. A
    /// polled message of a partition with a pending retry was fetched before the pause took effect: it queues
    /// behind the failed ones instead.
    mutating func batch(polled: [KafkaMessage], now: ContinuousClock.Instant) -> Batch {
        var b = Batch()
        for (tp, p) in pending where p.due <= now {
            b.messages += p.messages
            b.retried[tp] = p.attempt
            pending[tp] = nil
        }
        for m in polled {
            if pending[m.topicPartition] != nil {
                pending[m.topicPartition]!.messages.append(m)
            } else {
                b.messages.append(m)
            }
        }
        return b
    }

    /// What each of the handler's results means, counting the attempts of messages that fail on their own.
    mutating func decide(_ messages: [KafkaMessage], _ results: [BatchIsolation<some BatchHandler>.Result]) -> [Decision] {
        zip(messages, results).map { m, r in
            switch r {
            case .outcome(let o): return .outcome(o)
            case .rejected(let reason): return .rejected(reason: reason)
            case .struck(let reason):
                let key = MessagePosition(m)
                let n = (strikes[key] ?? 0) + 1
                if n >= configuration.maxAttempts {
                    strikes[key] = nil
                    return .exhausted(reason: reason, attempts: n)
                }
                strikes[key] = n
                return .outcome(.retryLater(reason: reason))
            }
        }
    }

    /// `message` is done or dead-lettered: forget its attempts.
    mutating func settled(_ message: KafkaMessage) {
        if !strikes.isEmpty { strikes[MessagePosition(message)] = nil }
    }

    /// The batch was handled: `failed` holds, per partition and in offset order, the messages to retry (those
    /// that asked for it, those whose dead-lettering failed, those behind them). Schedules their retry with the
    /// jittered backoff of the next attempt (`unit` in [0, 1)) and returns the pauses and resumes to apply.
    mutating func handled(_ batch: Batch, failed: [KafkaTopicPartition: (messages: [KafkaMessage], reason: String)],
                          now: ContinuousClock.Instant, unit: () -> Double) -> [Action] {
        var actions = [Action]()
        var seen = Set<KafkaTopicPartition>()
        for m in batch.messages where seen.insert(m.topicPartition).inserted {
            let tp = m.topicPartition
            if let f = failed[tp] {
                let attempt = (batch.retried[tp] ?? 0) + 1
                let delay = configuration.backoff(attempt: attempt, unit: unit())
                // Messages polled for this partition while it was pending stay behind the failed ones.
                let later = pending[tp]?.messages ?? []
                pending[tp] = Pending(messages: f.messages + later, attempt: attempt, due: now + delay)
                actions.append(.pause(tp, attempt: attempt, delay: delay, reason: f.reason))
            } else if batch.retried[tp] != nil, pending[tp] == nil {
                actions.append(.resume(tp))
            }
        }
        return actions
    }
}

extension MessagePosition {
    var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
}
