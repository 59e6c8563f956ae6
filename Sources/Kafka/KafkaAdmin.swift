import CRdKafka
import Foundation

/// Topic administration.
public final class KafkaAdmin: @unchecked Sendable {
    private let handle: RDKafkaHandle

    public init(configuration: KafkaConfiguration) throws {
        // A metadata request must not create the topic it asks about (producers' default): checking that a topic
        // exists would otherwise create it with the broker's defaults.
        var configuration = configuration
        configuration["allow.auto.create.topics"] = "false"
        handle = try RDKafkaHandle(type: RD_KAFKA_PRODUCER, conf: try configuration.makeConf(for: .producer))
    }

    /// Creates `name` unless it exists.
    ///
    /// - Returns: true when created, false when it already existed.
    @discardableResult
    public func createTopic(_ name: String, partitions: Int = 1, replicationFactor: Int = 1, timeout: Duration = .seconds(15)) async throws -> Bool {
        let rk = handle
        return try await withCheckedThrowingContinuation { cont in
            DispatchQueue.global().async {
                cont.resume(with: Result { try Self.create(rk, name, partitions, replicationFactor, timeout) })
            }
        }
    }

    /// Partition count of `topic`, or nil when the broker does not know it.
    public func partitionCount(_ topic: String, timeout: Duration = .seconds(5)) async throws -> Int? {
        let rk = handle
        return try await withCheckedThrowingContinuation { cont in
            DispatchQueue.global().async {
                cont.resume(with: Result {
                    var md: UnsafePointer<rd_kafka_metadata>?
                    let rkt = rd_kafka_topic_new(rk.pointer, topic, nil)
                    defer { rd_kafka_topic_destroy(rkt) }
                    let err = rd_kafka_metadata(rk.pointer, 0, rkt, &md, Int32(timeout.components.seconds * 1000))
                    guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md else { throw KafkaError(.admin, err, context: "metadata") }
                    defer { rd_kafka_metadata_destroy(md) }
                    guard md.pointee.topic_cnt > 0 else { return nil }
                    let t = md.pointee.topics[0]
                    return t.err == RD_KAFKA_RESP_ERR_NO_ERROR ? Int(t.partition_cnt) : nil
                })
            }
        }
    }

    private static func create(_ rk: RDKafkaHandle, _ name: String, _ partitions: Int, _ rf: Int, _ timeout: Duration) throws -> Bool {
        var errbuf = [CChar](repeating: 0, count: 512)
        guard let nt = rd_kafka_NewTopic_new(name, Int32(partitions), Int32(rf), &errbuf, errbuf.count) else {
            throw KafkaError(.admin, "invalid topic \(name): \(errorText(errbuf))")
        }
        defer { rd_kafka_NewTopic_destroy(nt) }
        let queue = rd_kafka_queue_new(rk.pointer)
        defer { rd_kafka_queue_destroy(queue) }
        var topics: [OpaquePointer?] = [nt]
        rd_kafka_CreateTopics(rk.pointer, &topics, 1, nil, queue)
        let ms = Int32(timeout.components.seconds * 1000)
        guard let event = rd_kafka_queue_poll(queue, ms) else { throw KafkaError(.timeout, "create topic \(name) timed out") }
        defer { rd_kafka_event_destroy(event) }
        let eerr = rd_kafka_event_error(event)
        guard eerr == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.admin, eerr, context: "create topic \(name)") }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { throw KafkaError(.admin, "unexpected admin event") }
        var cnt = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &cnt), cnt > 0 else { return true }
        let terr = rd_kafka_topic_result_error(results[0])
        if terr == RD_KAFKA_RESP_ERR_NO_ERROR { return true }
        if terr == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { return false }
        throw KafkaError(.admin, terr, context: "create topic \(name)")
    }
}

extension KafkaAdmin {
    /// The brokers the cluster advertises (a cheap reachability check).
    public func brokers(timeout: Duration = .seconds(5)) async throws -> [String] {
        let rk = handle
        return try await withCheckedThrowingContinuation { cont in
            DispatchQueue.global().async {
                cont.resume(with: Result {
                    var md: UnsafePointer<rd_kafka_metadata>?
                    let err = rd_kafka_metadata(rk.pointer, 0, nil, &md, Int32(timeout.components.seconds * 1000))
                    guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md else { throw KafkaError(.admin, err, context: "metadata") }
                    defer { rd_kafka_metadata_destroy(md) }
                    return (0..<Int(md.pointee.broker_cnt)).map {
                        let b = md.pointee.brokers[$0]
                        return "\(String(cString: b.host)):\(b.port)"
                    }
                })
            }
        }
    }
}
