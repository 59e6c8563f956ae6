import CRdKafka
import RecCore
import Foundation
import Logging

/// A consumer-group member with manual commits.
///
/// Offsets are never committed automatically: callers commit a message's
/// `offset + 1` only after its effects are durable (at-least-once delivery).
/// Every librdkafka call runs on this consumer's own serial queue, so the
/// blocking poll never occupies Swift's cooperative threads.
public final class KafkaConsumer: @unchecked Sendable {
    private let handle: RDKafkaHandle
    private let queue: DispatchQueue
    private let logger: Logger
    private let lock = NSLock()
    private var closed = false
    private let rebalance: KafkaRebalanceState
    public let groupID: String

    /// - Parameters:
    ///   - configuration: any librdkafka consumer properties. Defaults unless
    ///     given: `enable.auto.commit=false`, `enable.auto.offset.store=false`,
    ///     `auto.offset.reset=earliest`.
    ///   - groupID: the consumer group; instances with the same id share partitions.
    ///   - topics: the subscription.
    public init(configuration: KafkaConfiguration, groupID: String, topics: [String], logger: Logger = Logger(label: "rec.kafka.consumer")) throws {
        guard !topics.isEmpty else { throw KafkaError(.configuration, "a consumer needs at least one topic") }
        var config = configuration
        config["group.id"] = groupID
        for (k, v) in ["enable.auto.commit": "false", "enable.auto.offset.store": "false", "auto.offset.reset": "earliest"] where config[k] == nil {
            config[k] = v
        }
        let conf = try config.makeConf(for: .consumer)
        let rebalance = KafkaRebalanceState(logger: logger)
        self.rebalance = rebalance
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(rebalance).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
            guard let rk, let opaque else { return }
            Unmanaged<KafkaRebalanceState>.fromOpaque(opaque).takeUnretainedValue().handle(rk: rk, err: err, partitions: partitions)
        }
        handle = try RDKafkaHandle(type: RD_KAFKA_CONSUMER, conf: conf, retaining: rebalance)
        rd_kafka_poll_set_consumer(handle.pointer)
        self.groupID = groupID
        self.logger = logger
        self.queue = DispatchQueue(label: "rec.kafka.consumer.\(groupID)")
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for t in topics { rd_kafka_topic_partition_list_add(list, t, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(handle.pointer, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consume, err, context: "subscribe to \(topics)") }
        logger.info("kafka consumer started", metadata: [
            "librdkafka": "\(KafkaLibrary.version)", "group": "\(groupID)", "topics": "\(topics.joined(separator: ","))",
        ])
    }

    /// Waits up to `timeout` for the first message, then takes whatever else is
    /// already fetched, up to `maxMessages`.
    ///
    /// - Throws: ``KafkaError`` `closed`, or a fatal consumer error.
    public func poll(maxMessages: Int = 500, timeout: Duration = .milliseconds(500)) async throws -> [KafkaMessage] {
        let ms = Int32(clamping: timeout.milliseconds)
        return try await onQueue { [self] in
            var out = [KafkaMessage]()
            var wait = ms
            while out.count < maxMessages {
                let m = rd_kafka_consumer_poll(handle.pointer, wait)
                // Messages fetched before a revoke belong to the previous owner's
                // turn: drop them (the next owner resumes from the committed offset).
                let revoked = rebalance.takeRevokedDuringPoll()
                if !revoked.isEmpty { out.removeAll { revoked.contains($0.topicPartition) } }
                guard let m else { break }
                defer { rd_kafka_message_destroy(m) }
                wait = 0
                let err = m.pointee.err
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    out.append(KafkaMessage(m))
                } else if err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    continue
                } else if rd_kafka_fatal_error(handle.pointer, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError(.consume, err, context: "fatal consumer error")
                } else {
                    logger.warning("kafka consumer error", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
                }
            }
            return out
        }
    }

    /// Commits `message.offset + 1` for its partition (synchronously with the broker).
    public func commit(_ message: KafkaMessage) async throws {
        try await commit([message.topicPartition: message.offset + 1])
    }

    /// Commits the next offsets to read, per partition.
    public func commit(_ nextOffsets: [KafkaTopicPartition: Int64]) async throws {
        guard !nextOffsets.isEmpty else { return }
        try await onQueue { [self] in
            let list = rd_kafka_topic_partition_list_new(Int32(nextOffsets.count))
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for (tp, off) in nextOffsets {
                let e = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)
                e?.pointee.offset = off
            }
            let err = rd_kafka_commit(handle.pointer, list, 0)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.commit, err, context: "commit") }
        }
    }

    /// The committed (next-to-read) offsets of the given partitions; nil where none.
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(5)) async throws -> [KafkaTopicPartition: Int64?] {
        try await onQueue { [self] in
            let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for tp in partitions { rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition) }
            let err = rd_kafka_committed(handle.pointer, list, Int32(timeout.components.seconds * 1000))
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consume, err, context: "committed offsets") }
            var out = [KafkaTopicPartition: Int64?]()
            for i in 0..<Int(list!.pointee.cnt) {
                let e = list!.pointee.elems[i]
                out[KafkaTopicPartition(topic: String(cString: e.topic), partition: e.partition)] = e.offset >= 0 ? e.offset : nil
            }
            return out
        }
    }

    /// The partitions currently assigned to this member.
    public func assignment() async throws -> [KafkaTopicPartition] {
        try await onQueue { [self] in
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            let err = rd_kafka_assignment(handle.pointer, &list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw KafkaError(.consume, err, context: "assignment") }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            return (0..<Int(list.pointee.cnt)).map {
                let e = list.pointee.elems[$0]
                return KafkaTopicPartition(topic: String(cString: e.topic), partition: e.partition)
            }
        }
    }

    /// Rebalance events since the last call, oldest first.
    ///
    /// Assignment changes happen inside ``poll(maxMessages:timeout:)`` (and ``close()``);
    /// a runner drains these after each poll to drop in-flight state of revoked partitions.
    /// Messages of partitions revoked during a poll call are never returned by it.
    public func drainRebalanceEvents() -> [KafkaRebalanceEvent] { rebalance.drain() }

    /// Sets the function asked, inside the rebalance callback and before partitions
    /// are revoked (not lost), for the next offsets to commit for them; the consumer
    /// commits those synchronously while it still owns the partitions.
    /// It runs on the consumer's queue during `poll`/`close`: keep it short and non-blocking.
    public func setRevokeCommitter(_ committer: (@Sendable ([KafkaTopicPartition]) -> [KafkaTopicPartition: Int64])?) {
        rebalance.setRevokeCommitter(committer)
    }

    /// Stops fetching from `partitions` (messages already polled stay with the caller);
    /// after ``resume(_:)`` fetching continues from the position after the last polled message.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        try pauseResume(partitions, pause: true)
    }

    /// Resumes fetching from partitions paused with ``pause(_:)``.
    public func resume(_ partitions: [KafkaTopicPartition]) throws {
        try pauseResume(partitions, pause: false)
    }

    private func pauseResume(_ partitions: [KafkaTopicPartition], pause: Bool) throws {
        guard !partitions.isEmpty else { return }
        if lock.withLock({ closed }) { throw KafkaError(.closed, "consumer is closed") }
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for tp in partitions { rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition) }
        let err = pause ? rd_kafka_pause_partitions(handle.pointer, list) : rd_kafka_resume_partitions(handle.pointer, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consume, err, context: pause ? "pause" : "resume") }
    }

    /// Consumer lag per assigned partition: the high watermark minus this member's
    /// position (or minus the low watermark when nothing was consumed yet).
    ///
    /// Uses the watermarks cached from fetch responses (no broker round trip) and asks the
    /// broker only for partitions with nothing cached yet (up to 2 s each); partitions whose
    /// watermarks cannot be learned are left out.
    public func lag() async throws -> [KafkaTopicPartition: Int64] {
        try await onQueue { [self] in
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            let err = rd_kafka_assignment(handle.pointer, &list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw KafkaError(.consume, err, context: "assignment") }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            _ = rd_kafka_position(handle.pointer, list)
            var out = [KafkaTopicPartition: Int64]()
            for i in 0..<Int(list.pointee.cnt) {
                let e = list.pointee.elems[i]
                var low: Int64 = -1, high: Int64 = -1
                if rd_kafka_get_watermark_offsets(handle.pointer, e.topic, e.partition, &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR || high < 0 {
                    // Nothing cached yet (e.g. paused before its first fetch): ask the broker.
                    guard rd_kafka_query_watermark_offsets(handle.pointer, e.topic, e.partition, &low, &high, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR,
                          high >= 0 else { continue }
                }
                let from = e.offset >= 0 ? e.offset : max(low, 0)
                out[KafkaTopicPartition(topic: String(cString: e.topic), partition: e.partition)] = max(0, high - from)
            }
            return out
        }
    }

    /// Leaves the group (revoking partitions) and stops. Commit before closing.
    public func close() async {
        let was = lock.withLock { () -> Bool in
            defer { closed = true }
            return closed
        }
        guard !was else { return }
        _ = try? await onQueue(allowClosed: true) { [self] in
            let err = rd_kafka_consumer_close(handle.pointer)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.warning("kafka consumer close", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
            }
        }
    }

    private func onQueue<T: Sendable>(allowClosed: Bool = false, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        if !allowClosed {
            if lock.withLock({ closed }) { throw KafkaError(.closed, "consumer is closed") }
        }
        return try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { try body() }) }
        }
    }
}
