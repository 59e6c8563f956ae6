import Foundation
import Kafka
import Logging
import RecCore

/// `rec dlq inspect`: reads a dead-letter topic from its first stored offset to its high watermark, without
/// joining a consumer group or committing anything (``KafkaPartitionReader``), and summarizes it
/// (``DeadLetterInspection``). Dead letters arriving while it reads are left for the next run.
public struct DeadLetterInspector: Sendable {
    public let kafka: KafkaConfiguration
    /// Where replays are looked up; nil: not consulted.
    public let replayLog: DeadLetterReplayLog?
    private let logger: Logger

    public init(kafka: KafkaConfiguration, replayLog: DeadLetterReplayLog?, logger: Logger = Logger(label: "rec.dlq")) {
        self.kafka = kafka
        self.replayLog = replayLog
        self.logger = logger
    }

    /// Reads `dlqTopic`.
    ///
    /// - Parameters:
    ///   - reason: keeps dead letters whose reason contains it (case-insensitive).
    ///   - limit: most dead letters listed, the newest; 0 lists all. Counts cover all of them either way.
    /// - Throws: ``KafkaError`` when the broker cannot be read; replay-log failures are logged, not thrown.
    public func inspect(dlqTopic: String, reason: String? = nil, limit: Int = 100) async throws -> DeadLetterInspection {
        let reader = try KafkaPartitionReader(configuration: kafka, logger: logger)
        var report: DeadLetterInspection
        do {
            report = try await read(dlqTopic, reason: reason, limit: limit, with: reader)
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
        if report.exists, let replayLog {
            do {
                let replays = try await replayLog.entries(dlqTopic: dlqTopic)
                for i in report.entries.indices {
                    let e = report.entries[i]
                    guard let r = replays[.init(topic: dlqTopic, partition: e.partition, offset: e.offset)], r.source == e.source, r.sha256 == e.sha256 else { continue }
                    if let at = r.replayedAt { report.entries[i].replayedAt = RFC3339.format(at) } else { report.entries[i].replayUnconfirmed = true }
                }
                report.replayLogConsulted = true
            } catch {
                logger.warning("could not read the replay log (dlq_replays); replays are not shown", metadata: ["error": "\(error)"])
            }
        }
        return report
    }

    private func read(_ dlqTopic: String, reason: String?, limit: Int, with reader: KafkaPartitionReader) async throws -> DeadLetterInspection {
        guard let partitions = try await reader.partitions(of: dlqTopic) else { return DeadLetterInspection(topic: dlqTopic, exists: false) }
        let selection = DeadLetterSelection.all(reason: reason)
        var report = DeadLetterInspection(topic: dlqTopic, exists: true)
        report.reasonFilter = selection.reason
        var ranges = [KafkaTopicPartition: Range<Int64>]()
        for p in partitions {
            let (low, high) = try await reader.watermarks(KafkaTopicPartition(topic: dlqTopic, partition: p))
            report.partitions.append(.init(partition: p, low: max(low, 0), high: max(high, 0)))
            if let r = selection.readRange(partition: p, low: max(low, 0), high: max(high, 0)) { ranges[KafkaTopicPartition(topic: dlqTopic, partition: p)] = r }
        }
        var kept = EntryWindow(limit: limit)
        var reasons = [String: Int]()
        try await reader.read(ranges) { batch in
            for m in batch {
                report.read += 1
                let entry: DeadLetterInspection.Entry
                do throws(DeadLetterError) {
                    let record = try DeadLetterRecord.decode(m)
                    guard selection.matches(reason: record.reason) else { continue }
                    entry = DeadLetterInspection.entry(record)
                    if record.isByReference { report.byReference += 1 }
                    reasons[record.reason, default: 0] += 1
                } catch {
                    guard selection.reason == nil else { continue }
                    entry = DeadLetterInspection.malformedEntry(partition: m.partition, offset: m.offset,
                                                                time: m.timestampMs.map { Date(timeIntervalSince1970: Double($0) / 1000) },
                                                                bytes: m.value, error: error)
                    report.malformed += 1
                }
                report.matched += 1
                kept.add(entry, time: m.timestampMs ?? -1)
            }
        }
        report.byReason = reasons.map { .init(reason: $0.key, count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.reason < $1.reason }
        report.entries = kept.entries
        return report
    }

    /// The newest `limit` entries seen (0: all), by broker time then position; returned in partition and offset order.
    struct EntryWindow {
        let limit: Int
        private var items: [(time: Int64, entry: DeadLetterInspection.Entry)] = []

        init(limit: Int) { self.limit = max(limit, 0) }

        mutating func add(_ entry: DeadLetterInspection.Entry, time: Int64) {
            items.append((time, entry))
            if limit > 0, items.count >= 2 * limit + 64 { trim() }
        }

        var entries: [DeadLetterInspection.Entry] {
            var copy = self
            copy.trim()
            return copy.items.map(\.entry).sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
        }

        private mutating func trim() {
            guard limit > 0, items.count > limit else { return }
            items.sort { ($0.time, $0.entry.partition, $0.entry.offset) > ($1.time, $1.entry.partition, $1.entry.offset) }
            items.removeLast(items.count - limit)
        }
    }
}
