import Kafka

/// Which offsets of each partition may be committed, given that messages finish
/// out of order (concurrent embedding, retries, dead-lettering).
///
/// The committable next offset of a partition is one past the longest finished
/// prefix of the offsets started on it (in poll order): committing past an
/// unfinished message would lose it on a crash, so there are never gaps.
/// A pure value: the runner owns it; tests drive it without a broker.
public struct OffsetTracker: Sendable {
    struct PartitionState: Sendable {
        /// Offsets started, in poll order; `head` is the first not yet finished.
        var order: [Int64] = []
        var head = 0
        var finished: Set<Int64> = []
        /// One past the last offset of the finished prefix.
        var next: Int64?
        var committed: Int64?
        var lastStarted: Int64 = -1

        mutating func start(_ offset: Int64) {
            guard offset > lastStarted else { return }
            lastStarted = offset
            order.append(offset)
        }

        mutating func finish(_ offset: Int64) {
            finished.insert(offset)
            while head < order.count, finished.contains(order[head]) {
                finished.remove(order[head])
                next = order[head] + 1
                head += 1
            }
            if head > 512 {
                order.removeFirst(head)
                head = 0
            }
        }
    }

    private var partitions: [KafkaTopicPartition: PartitionState] = [:]

    public init() {}

    /// Records that `offset` of `partition` was polled and is in flight.
    /// Offsets at or below one already started are ignored (re-deliveries).
    public mutating func started(_ partition: KafkaTopicPartition, offset: Int64) {
        // Mutated in place through the dictionary: a copy taken out and written back shares
        // its buffers with the stored one, so every call copied the whole in-flight list
        // (quadratic in the batch size: a visible share of a batch of tens of thousands of messages).
        partitions[partition, default: PartitionState()].start(offset)
    }

    /// Records that the effects of `offset` are durable (or it was dead-lettered).
    public mutating func finished(_ partition: KafkaTopicPartition, offset: Int64) {
        guard partitions[partition] != nil else { return }
        partitions[partition]!.finish(offset)
    }

    /// The next offset to commit per partition, for partitions that advanced since
    /// their last ``markCommitted(_:)``; `only` restricts the answer to some partitions.
    public func committable(only: [KafkaTopicPartition]? = nil) -> [KafkaTopicPartition: Int64] {
        var out = [KafkaTopicPartition: Int64]()
        let keys = only ?? Array(partitions.keys)
        for tp in keys {
            guard let s = partitions[tp], let next = s.next, next != s.committed else { continue }
            out[tp] = next
        }
        return out
    }

    /// Records a successful commit, so ``committable(only:)`` stops reporting it.
    public mutating func markCommitted(_ offsets: [KafkaTopicPartition: Int64]) {
        for (tp, off) in offsets { partitions[tp]?.committed = off }
    }

    /// Number of started offsets not yet finished on `partition`.
    public func inFlight(_ partition: KafkaTopicPartition) -> Int {
        guard let s = partitions[partition] else { return 0 }
        return s.order.count - s.head
    }

    /// Drops all state of revoked partitions: their next owner starts from the committed offset.
    public mutating func forget(_ revoked: [KafkaTopicPartition]) {
        for tp in revoked { partitions[tp] = nil }
    }
}

/// Where a message sits in its topic (a message's bytes never change).
struct MessagePosition: Hashable, Sendable {
    var topic: String
    var partition: Int32
    var offset: Int64
    init(_ m: KafkaMessage) { (topic, partition, offset) = (m.topic, m.partition, m.offset) }
}
