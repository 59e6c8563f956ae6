import CRdKafka
import Foundation
import Logging

/// The context the C rebalance callback reaches through `rd_kafka_opaque`.
///
/// It lives as long as the `rd_kafka_t` (the handle retains it), because
/// `rd_kafka_destroy` may still call the callback.
final class KafkaRebalanceState: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [KafkaRebalanceEvent] = []
    private var revokeCommitter: (@Sendable ([KafkaTopicPartition]) -> [KafkaTopicPartition: Int64])?
    /// Partitions revoked during the current `poll` call (the poll loop drops their messages).
    private var revokedDuringPoll: Set<KafkaTopicPartition> = []
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func setRevokeCommitter(_ c: (@Sendable ([KafkaTopicPartition]) -> [KafkaTopicPartition: Int64])?) {
        lock.withLock { revokeCommitter = c }
    }

    func drain() -> [KafkaRebalanceEvent] {
        lock.withLock { defer { events = [] }; return events }
    }

    func takeRevokedDuringPoll() -> Set<KafkaTopicPartition> {
        lock.withLock { defer { revokedDuringPoll = [] }; return revokedDuringPoll }
    }

    /// Runs inside `rd_kafka_consumer_poll`/`rd_kafka_consumer_close`, on the consumer's queue.
    func handle(rk: OpaquePointer, err: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let tps = Self.partitions(partitions)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if cooperative {
                if let e = rd_kafka_incremental_assign(rk, partitions) { log(e, "incremental assign") }
            } else {
                let r = rd_kafka_assign(rk, partitions)
                if r != RD_KAFKA_RESP_ERR_NO_ERROR { logger.error("kafka assign failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(r)))"]) }
            }
            lock.withLock { events.append(.assigned(tps)) }
            logger.info("kafka partitions assigned", metadata: ["partitions": "\(tps)", "protocol": "\(cooperative ? "cooperative" : "eager")"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            // Commit what is durable while this member still owns the partitions.
            let committer = lock.withLock { revokeCommitter }
            if !lost, let committer {
                let offsets = committer(tps)
                if !offsets.isEmpty {
                    let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))
                    defer { rd_kafka_topic_partition_list_destroy(list) }
                    for (tp, off) in offsets { rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)?.pointee.offset = off }
                    let r = rd_kafka_commit(rk, list, 0)
                    if r != RD_KAFKA_RESP_ERR_NO_ERROR {
                        logger.warning("kafka commit on revoke failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(r)))"])
                    }
                }
            }
            if cooperative {
                if let e = rd_kafka_incremental_unassign(rk, partitions) { log(e, "incremental unassign") }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
            lock.withLock {
                events.append(.revoked(tps, lost: lost))
                revokedDuringPoll.formUnion(tps)
            }
            logger.info("kafka partitions revoked", metadata: ["partitions": "\(tps)", "lost": "\(lost)"])
        default:
            logger.error("kafka rebalance error", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
            _ = rd_kafka_assign(rk, nil)
        }
    }

    private func log(_ e: OpaquePointer, _ what: String) {
        logger.error("kafka \(what) failed", metadata: ["error": "\(String(cString: rd_kafka_error_string(e)))"])
        rd_kafka_error_destroy(e)
    }

    static func partitions(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartition] {
        guard let list else { return [] }
        return (0..<Int(list.pointee.cnt)).map {
            let e = list.pointee.elems[$0]
            return KafkaTopicPartition(topic: String(cString: e.topic), partition: e.partition)
        }
    }
}
