import CRdKafka
import Foundation
import Logging
import RecCore

/// Reads chosen offset ranges of partitions, then stops: no consumer group is joined and nothing is
/// committed, so reading never moves anyone's offsets (inspecting a dead-letter topic, fetching one message
/// of a source topic at a recorded position).
///
/// librdkafka's consumer needs a `group.id` even for `assign()`; the reader sets a throw-away one
/// (`rec-reader-<uuid>`) that is never used to join or commit: partitions are assigned with explicit
/// offsets, `enable.auto.commit` and `enable.auto.offset.store` are off. Every librdkafka call runs on the
/// reader's own serial queue, never on Swift's cooperative threads. One read at a time per reader.
public final class KafkaPartitionReader: @unchecked Sendable {
    private let handle: RDKafkaHandle
    private let queue: DispatchQueue
    private let logger: Logger
    private let lock = NSLock()
    private var closed = false

    /// - Parameter configuration: librdkafka consumer properties (`KAFKA_*` passthrough). Always set:
    ///   a throw-away `group.id`, `enable.auto.commit=false`, `enable.auto.offset.store=false`,
    ///   `enable.partition.eof=true` (how a read learns it reached the end), `auto.offset.reset=earliest`.
    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "rec.kafka.reader")) throws {
        var config = configuration
        let id = "rec-reader-\(UUID().uuidString.lowercased())"
        config["group.id"] = id
        config["enable.auto.commit"] = "false"
        config["enable.auto.offset.store"] = "false"
        config["enable.partition.eof"] = "true"
        config["auto.offset.reset"] = "earliest"
        // Group settings of the passthrough mean nothing here and would only be validated.
        for k in ["group.instance.id", "group.protocol", "group.remote.assignor"] { config[k] = nil }
        handle = try RDKafkaHandle(type: RD_KAFKA_CONSUMER, conf: try config.makeConf(for: .consumer))
        rd_kafka_poll_set_consumer(handle.pointer)
        self.logger = logger
        queue = DispatchQueue(label: "rec.kafka.reader.\(id)")
    }

    /// The partition ids of `topic`, or nil when the broker does not know the topic (never auto-created).
    ///
    /// - Throws: ``KafkaError`` when the broker cannot be asked.
    public func partitions(of topic: String, timeout: Duration = .seconds(10)) async throws -> [Int32]? {
        let ms = Int32(clamping: timeout.milliseconds)
        return try await onQueue { [handle] in
            var md: UnsafePointer<rd_kafka_metadata>?
            let rkt = rd_kafka_topic_new(handle.pointer, topic, nil)
            defer { rd_kafka_topic_destroy(rkt) }
            let err = rd_kafka_metadata(handle.pointer, 0, rkt, &md, ms)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md else { throw KafkaError(.consume, err, context: "metadata of \(topic)") }
            defer { rd_kafka_metadata_destroy(md) }
            guard md.pointee.topic_cnt > 0 else { return nil }
            let t = md.pointee.topics[0]
            if t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART { return nil }
            guard t.err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consume, t.err, context: "metadata of \(topic)") }
            return (0..<Int(t.partition_cnt)).map { t.partitions[$0].id }.sorted()
        }
    }

    /// The first offset still stored (`low`) and the offset the next message will get (`high`), from the broker.
    ///
    /// - Throws: ``KafkaError`` (for instance an unknown partition).
    public func watermarks(_ partition: KafkaTopicPartition, timeout: Duration = .seconds(10)) async throws -> (low: Int64, high: Int64) {
        let ms = Int32(clamping: timeout.milliseconds)
        return try await onQueue { [handle] in
            var low: Int64 = -1, high: Int64 = -1
            let err = rd_kafka_query_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high, ms)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consume, err, context: "watermarks of \(partition)") }
            return (low, high)
        }
    }

    /// Reads `ranges` (half-open offset ranges per partition) and hands the messages to `body` in batches, in
    /// offset order within each partition; returns once every range is read to its end.
    ///
    /// Offsets missing from a range (compacted away, transaction markers, below the low watermark) are
    /// skipped, so `body` may see fewer messages than the ranges span. End each range at most at the high
    /// watermark: a read waits for messages up to its ends.
    ///
    /// - Parameters:
    ///   - maxMessages: most messages per batch.
    ///   - stallTimeout: how long the read may go without progress before it gives up.
    /// - Throws: ``KafkaError`` `timeout` when it stalls, a fatal consumer error, or what `body` throws.
    public func read(_ ranges: [KafkaTopicPartition: Range<Int64>], maxMessages: Int = 500, stallTimeout: Duration = .seconds(30),
                     _ body: ([KafkaMessage]) async throws -> Void) async throws {
        var next = ranges.filter { !$0.value.isEmpty }.mapValues(\.lowerBound)
        let ends = ranges.mapValues(\.upperBound)
        guard !next.isEmpty else { return }
        try await assign(next)
        do {
            var lastProgress = ContinuousClock.now
            while !next.isEmpty {
                let (messages, eofs) = try await poll(maxMessages: maxMessages)
                var batch = [KafkaMessage]()
                for m in messages {
                    guard let end = ends[m.topicPartition], let from = next[m.topicPartition], m.offset >= from else { continue }
                    if m.offset < end { batch.append(m) }
                    next[m.topicPartition] = m.offset + 1
                }
                for (tp, offset) in eofs where next[tp] != nil { next[tp] = max(next[tp]!, offset) }
                for (tp, offset) in next where offset >= ends[tp]! { next[tp] = nil }
                if !batch.isEmpty { try await body(batch) }
                // After the body: time it spends on a batch is not time without progress.
                if !messages.isEmpty || !eofs.isEmpty { lastProgress = .now }
                if !next.isEmpty, ContinuousClock.now - lastProgress > stallTimeout {
                    let where_ = next.keys.map(\.description).sorted().joined(separator: ", ")
                    throw KafkaError(.timeout, "no progress reading \(where_) for \(stallTimeout)")
                }
            }
        } catch {
            try? await assign([:])
            throw error
        }
        try await assign([:])
    }

    /// The message at `offset` of `partition`, or nil when the partition does not hold it (any more):
    /// below the low watermark (retention), at or past the high watermark, or compacted away.
    ///
    /// - Throws: ``KafkaError`` when the broker cannot be read.
    public func message(at offset: Int64, in partition: KafkaTopicPartition, stallTimeout: Duration = .seconds(30)) async throws -> KafkaMessage? {
        let (low, high) = try await watermarks(partition)
        guard offset >= low, offset < high else { return nil }
        var found: KafkaMessage?
        try await read([partition: offset..<(offset + 1)], maxMessages: 1, stallTimeout: stallTimeout) { batch in
            found = batch.first { $0.offset == offset }
        }
        return found
    }

    /// Stops the reader (no group to leave, nothing to commit).
    public func close() async {
        let was = lock.withLock { () -> Bool in
            defer { closed = true }
            return closed
        }
        guard !was else { return }
        _ = try? await onQueue(allowClosed: true) { [handle, logger] in
            let err = rd_kafka_consumer_close(handle.pointer)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.debug("kafka reader close", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
            }
        }
    }

    // MARK: - internals

    /// Replaces the assignment with `offsets` (empty: none).
    private func assign(_ offsets: [KafkaTopicPartition: Int64]) async throws {
        try await onQueue { [handle] in
            if offsets.isEmpty {
                let err = rd_kafka_assign(handle.pointer, nil)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consume, err, context: "unassign") }
                return
            }
            let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for (tp, offset) in offsets { rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)?.pointee.offset = offset }
            let err = rd_kafka_assign(handle.pointer, list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.consume, err, context: "assign") }
        }
    }

    /// Waits up to 200 ms for the first event, then takes what is already fetched: messages, and the
    /// partitions that reached their end (with the offset of that end).
    private func poll(maxMessages: Int) async throws -> (messages: [KafkaMessage], eofs: [(KafkaTopicPartition, Int64)]) {
        try await onQueue { [handle, logger] in
            var out = [KafkaMessage]()
            var eofs = [(KafkaTopicPartition, Int64)]()
            var wait: Int32 = 200
            while out.count < maxMessages {
                guard let m = rd_kafka_consumer_poll(handle.pointer, wait) else { break }
                defer { rd_kafka_message_destroy(m) }
                wait = 0
                let err = m.pointee.err
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    out.append(KafkaMessage(m))
                } else if err == RD_KAFKA_RESP_ERR__PARTITION_EOF, let rkt = m.pointee.rkt {
                    eofs.append((KafkaTopicPartition(topic: String(cString: rd_kafka_topic_name(rkt)), partition: m.pointee.partition), m.pointee.offset))
                } else if rd_kafka_fatal_error(handle.pointer, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError(.consume, err, context: "fatal consumer error")
                } else {
                    logger.warning("kafka reader error", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
                }
            }
            return (out, eofs)
        }
    }

    private func onQueue<T: Sendable>(allowClosed: Bool = false, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        if !allowClosed, lock.withLock({ closed }) { throw KafkaError(.closed, "reader is closed") }
        return try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { try body() }) }
        }
    }
}
