import Foundation
import Kafka
import Logging
import RecCore

/// `rec dlq replay`: re-produces selected dead letters to their source topics, once the cause is fixed.
///
/// Each replayed message is the original: its payload (fetched back from the source topic, and checked against
/// the recorded SHA-256 and size, when it was dead-lettered by reference), its key, its headers without the
/// `dlq-*` ones, plus `dlq-replayed-from: <dlq topic>/<partition>/<offset>`; it goes to the source partition
/// it was read from (by key when that partition no longer exists), so it stays in its key's stream.
///
/// Exactly once in effect, twice over:
/// 1. The replay log (``DeadLetterReplayLog``, table `dlq_replays`) records each replayed dead letter; a
///    later run skips it (`skipped: already replayed at …`) unless `force`. The claim is written before the
///    produce and confirmed after the broker's acknowledgement, so two runs never both produce a dead letter,
///    and a run killed in between leaves an unconfirmed claim that only `force` replays.
/// 2. The consumers dedupe by event id: interactions by `interactions.event_id` (the primary key; only
///    inserted events are folded), catalog events by `processed_catalog_events` and `items.version_at` (an
///    event older than the stored state is settled without effect). So an event produced twice — `force`, an
///    interrupted run, or a producer that re-sent it meanwhile — is still applied once.
///
/// Dead letters are handled one at a time in partition and offset order. A failed produce stops the run
/// (its claim is released); running it again continues where it stopped.
public struct DeadLetterReplayer: Sendable {
    /// What became of one selected dead letter.
    public enum Outcome: Sendable, Equatable {
        /// Produced and acknowledged at `to` (`again`: with `--force`, over an earlier replay).
        case replayed(to: DeadLetterRecord.Position, again: Bool)
        /// `--dry-run`: would be produced to this topic and partition (nil: by key).
        case wouldReplay(topic: String, partition: Int32?)
        /// Not produced: replayed before, or claimed by a replay that never confirmed it.
        case skipped(String)
        /// Cannot be replayed: not in the dead-letter topic, malformed, payload gone from the source topic, ...
        case unavailable(String)
    }

    /// One line of the replay's report.
    public struct Report: Sendable {
        /// The dead letter (for a range of missing offsets: its first one).
        public var position: DeadLetterRecord.Position
        /// The decoded dead letter, when there is one.
        public var record: DeadLetterRecord?
        public var outcome: Outcome
    }

    /// Counts of a run.
    public struct Summary: Sendable, Equatable {
        public var replayed = 0
        public var wouldReplay = 0
        public var skipped = 0
        public var unavailable = 0

        public init() {}

        mutating func count(_ o: Outcome) {
            switch o {
            case .replayed: replayed += 1
            case .wouldReplay: wouldReplay += 1
            case .skipped: skipped += 1
            case .unavailable: unavailable += 1
            }
        }
    }

    public let kafka: KafkaConfiguration
    public let replayLog: DeadLetterReplayLog
    private let logger: Logger

    /// - Parameter kafka: for the readers and the producer. The producer is idempotent and, unless
    ///   `message.max.bytes` is set, takes messages up to 64 MB: a payload dead-lettered by reference was too
    ///   large for the dead-letter producer but the source topic took it once.
    public init(kafka: KafkaConfiguration, replayLog: DeadLetterReplayLog, logger: Logger = Logger(label: "rec.dlq")) {
        self.kafka = kafka
        self.replayLog = replayLog
        self.logger = logger
    }

    /// Replays the dead letters of `dlqTopic` that `selection` picks.
    ///
    /// - Parameters:
    ///   - force: replay dead letters the replay log says were replayed (or claimed) before.
    ///   - dryRun: produce nothing and write nothing; report what would happen (by-reference payloads are
    ///     still fetched and verified).
    ///   - report: called once per selected dead letter (or range of missing offsets), in order.
    /// - Throws: ``DeadLetterError`` `unknownTopic` or `replayLog` (the table is missing), ``KafkaError`` (a failed produce stops the run),
    ///   ``PostgresError`` from the replay log.
    @discardableResult
    public func replay(dlqTopic: String, selection: DeadLetterSelection, force: Bool = false, dryRun: Bool = false,
                       report: @escaping (Report) -> Void) async throws -> Summary {
        try await replayLog.verify()
        let dlq = try KafkaPartitionReader(configuration: kafka, logger: logger)
        let sources = try KafkaPartitionReader(configuration: kafka, logger: logger)
        var producerConfig = kafka
        if producerConfig["message.max.bytes"] == nil { producerConfig["message.max.bytes"] = String(64 * 1024 * 1024) }
        let producer = dryRun ? nil : try KafkaProducer(configuration: producerConfig, logger: logger)
        var run = Run(replayer: self, dlqTopic: dlqTopic, selection: selection, force: force, dryRun: dryRun,
                      dlq: dlq, sources: sources, producer: producer, report: report)
        do {
            try await run.start()
        } catch {
            await dlq.close()
            await sources.close()
            producer?.close()
            throw error
        }
        await dlq.close()
        await sources.close()
        producer?.close()
        return run.summary
    }

    /// The topic whose dead-letter topic `dlqTopic` is (``Topics/deadLetter(of:)``), if its name says so.
    static func sourceTopic(of dlqTopic: String) -> String? {
        dlqTopic.hasSuffix(".dlq") && dlqTopic.count > 4 ? String(dlqTopic.dropLast(4)) : nil
    }

    /// The state of one ``replay(dlqTopic:selection:force:dryRun:report:)`` call.
    private struct Run {
        let replayer: DeadLetterReplayer
        let dlqTopic: String
        let selection: DeadLetterSelection
        let force: Bool
        let dryRun: Bool
        let dlq: KafkaPartitionReader
        let sources: KafkaPartitionReader
        let producer: KafkaProducer?
        let report: (Report) -> Void
        let id = UUID()
        var summary = Summary()
        /// Partition counts of source topics (nil: the topic does not exist).
        var sourcePartitions: [String: Int?] = [:]

        mutating func emit(_ position: DeadLetterRecord.Position, _ record: DeadLetterRecord?, _ outcome: Outcome) {
            summary.count(outcome)
            report(Report(position: position, record: record, outcome: outcome))
        }

        mutating func start() async throws {
            guard let partitions = try await dlq.partitions(of: dlqTopic) else {
                throw DeadLetterError(.unknownTopic, "\(dlqTopic) does not exist (nothing was dead-lettered there yet)")
            }
            for p in selection.partitions ?? [] where !partitions.contains(p) {
                for r in selection.offsets?[p] ?? [] {
                    emit(.init(topic: dlqTopic, partition: p, offset: r.lowerBound), nil, .unavailable("\(dlqTopic) has no partition \(p)"))
                }
            }
            var ranges = [KafkaTopicPartition: Range<Int64>]()
            for p in partitions {
                let tp = KafkaTopicPartition(topic: dlqTopic, partition: p)
                let (low, high) = try await dlq.watermarks(tp)
                let held = high > max(low, 0) ? "partition \(p) holds offsets \(max(low, 0))-\(high - 1)" : "partition \(p) is empty"
                for r in selection.outside(partition: p, low: max(low, 0), high: max(high, 0)) {
                    let which = r.lowerBound == r.upperBound ? "offset \(r.lowerBound)" : "offsets \(r.lowerBound)-\(r.upperBound)"
                    emit(.init(topic: dlqTopic, partition: p, offset: r.lowerBound), nil, .unavailable("\(which) not in \(dlqTopic): \(held) (expired or never written)"))
                }
                if let r = selection.readRange(partition: p, low: max(low, 0), high: max(high, 0)) { ranges[tp] = r }
            }
            try await dlq.read(ranges, maxMessages: 100) { batch in
                for m in batch where selection.contains(partition: m.partition, offset: m.offset) {
                    let position = DeadLetterRecord.Position(topic: m.topic, partition: m.partition, offset: m.offset)
                    let record: DeadLetterRecord
                    do throws(DeadLetterError) {
                        record = try DeadLetterRecord.decode(m)
                    } catch {
                        // Malformed records have no reason to match: listed only when chosen without one.
                        if selection.reason == nil { emit(position, nil, .unavailable("malformed dead letter: \(error.message)")) }
                        continue
                    }
                    guard selection.matches(reason: record.reason) else { continue }
                    emit(position, record, try await handle(record))
                }
            }
        }

        /// Decides, fetches, claims, produces and confirms one dead letter.
        mutating func handle(_ record: DeadLetterRecord) async throws -> Outcome {
            // The target comes from the record's own headers: a record naming another topic than the one this
            // dead-letter topic belongs to (`<source>.dlq`) was not written by the consumers of that topic.
            if let expected = DeadLetterReplayer.sourceTopic(of: dlqTopic), record.source.topic != expected {
                return .unavailable("it names \(record.source.topic) as its source, but \(dlqTopic) is the dead-letter topic of \(expected)")
            }
            // A quick look first, so that a dead letter replayed before costs no fetch from the source topic.
            let existing = try await replayer.replayLog.entry(at: record.position)
            if case .skip(let claim) = DeadLetterReplayLog.decide(existing: existing, record: record, force: force) {
                return Self.skipped(claim)
            }
            let message: Original
            switch try await original(of: record) {
            case .missing(let why): return .unavailable(why)
            case .found(let m): message = m
            }
            guard let count = try await partitionCount(of: record.source.topic) else {
                return .unavailable("the source topic \(record.source.topic) does not exist")
            }
            let partition: Int32? = Int(record.source.partition) < count ? record.source.partition : nil
            guard let producer, !dryRun else {
                return .wouldReplay(topic: record.source.topic, partition: partition)
            }
            let claim = try await replayer.replayLog.claim(record, run: id, force: force)
            let again: Bool
            switch claim {
            case .alreadyReplayed, .unconfirmed: return Self.skipped(claim)
            case .claimed: again = false
            case .forced: again = true
            }
            let delivery: KafkaDeliveryReport
            do {
                delivery = try await producer.send(KafkaProducerRecord(topic: record.source.topic, key: message.key, value: message.value,
                                                                       headers: record.replayHeaders(original: message.headers), partition: partition))
            } catch {
                if claim == .claimed { try? await replayer.replayLog.release(record, run: id) }
                throw error
            }
            if try await !replayer.replayLog.confirm(record, run: id, delivery: delivery) {
                replayer.logger.warning("another replay took this dead letter over while it was produced", metadata: ["dead-letter": "\(record.position)"])
            }
            return .replayed(to: .init(topic: delivery.topic, partition: delivery.partition, offset: delivery.offset), again: again)
        }

        static func skipped(_ claim: DeadLetterReplayLog.Claim) -> Outcome {
            switch claim {
            case .alreadyReplayed(let e):
                let at = e.replayedAt.map { RFC3339.format($0) } ?? "?"
                let to = e.replayedTo.map { " to \($0)" } ?? ""
                return .skipped("already replayed at \(at)\(to) (--force replays it again)")
            case .unconfirmed(let e):
                return .skipped("claimed by a replay at \(RFC3339.format(e.claimedAt)) that never confirmed it: interrupted, or still running (--force replays it)")
            case .claimed, .forced:
                return .skipped("")
            }
        }

        typealias Original = (key: [UInt8]?, value: [UInt8], headers: [(name: String, value: [UInt8])])

        enum Lookup {
            case found(Original)
            /// Why it cannot be had.
            case missing(String)
        }

        /// The original key, payload and headers: from the dead letter, or from the source topic for a
        /// by-reference record (checked against its size and SHA-256).
        mutating func original(of record: DeadLetterRecord) async throws -> Lookup {
            switch record.payload {
            case .inline(let bytes):
                return .found((record.key, bytes, record.headers))
            case .reference(let size, let sha256):
                let source = record.source
                guard try await partitionCount(of: source.topic) != nil else {
                    return .missing("by reference, and the source topic \(source.topic) does not exist")
                }
                let tp = KafkaTopicPartition(topic: source.topic, partition: source.partition)
                let (low, high) = try await sources.watermarks(tp)
                if source.offset < low {
                    return .missing("by reference, and \(source) is no longer retained (the partition starts at offset \(low))")
                }
                if source.offset >= high {
                    return .missing("by reference, and \(source) is past the partition's end (\(high)): was the topic re-created?")
                }
                guard let m = try await sources.message(at: source.offset, in: tp) else {
                    return .missing("by reference, and \(source) is gone from the topic (compacted?)")
                }
                guard m.value.count == size, SHA256Digest.hex(SHA256Digest.hash(m.value)) == sha256 else {
                    return .missing("by reference, and the message at \(source) is not the one dead-lettered (size or SHA-256 differs)")
                }
                return .found((m.key, m.value, m.headers))
            }
        }

        mutating func partitionCount(of topic: String) async throws -> Int? {
            if let known = sourcePartitions[topic] { return known }
            let n = try await sources.partitions(of: topic)?.count
            sourcePartitions[topic] = n
            return n
        }
    }
}
