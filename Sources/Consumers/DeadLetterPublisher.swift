import Kafka
import RecCore

/// Publishes messages that can never be processed to the source topic's
/// dead-letter topic (`<topic>.dlq`), keeping the original key, value and
/// headers so they can be inspected and replayed.
///
/// Headers added: `dlq-error` (the reason), `dlq-source-topic`,
/// `dlq-source-partition`, `dlq-source-offset` (decimal text). `rec dlq inspect|replay` reads them back
/// (``DeadLetterRecord``, ``DeadLetterReplayer``).
public struct DeadLetterPublisher: Sendable {
    public static let errorHeader = "dlq-error"
    public static let sourceTopicHeader = "dlq-source-topic"
    public static let sourcePartitionHeader = "dlq-source-partition"
    public static let sourceOffsetHeader = "dlq-source-offset"
    /// Set by ``DeadLetterReplayer`` on a replayed message: the dead letter it came from, `<dlq topic>/<partition>/<offset>`.
    public static let replayedFromHeader = "dlq-replayed-from"

    private let producer: KafkaProducer
    private let topicFor: @Sendable (String) -> String

    /// - Parameters:
    ///   - producer: an idempotent producer; the publisher does not close it.
    ///   - topicFor: the dead-letter topic of a source topic. Default: ``Topics/deadLetter(of:)``.
    public init(producer: KafkaProducer, topicFor: @escaping @Sendable (String) -> String = Topics.deadLetter(of:)) {
        self.producer = producer
        self.topicFor = topicFor
    }

    /// Publishes `message` with `reason` and waits for the broker's acknowledgement,
    /// so the caller may commit past the message afterwards.
    ///
    /// A message too large for the dead-letter producer or topic (the broker may accept more on the source
    /// topic than the producer's `message.max.bytes`) is dead-lettered by reference instead: the value becomes
    /// a small JSON document naming the source position, size and SHA-256 of the original, with header
    /// `dlq-payload: reference`, so dead-lettering never fails on size. The original stays in the source topic
    /// until its retention ends.
    ///
    /// - Throws: ``KafkaError`` when the broker did not take it (the caller retries).
    @discardableResult
    public func publish(_ message: KafkaMessage, reason: String) async throws -> KafkaDeliveryReport {
        do {
            return try await producer.send(Self.record(message, reason: reason, topic: topicFor(message.topic)))
        } catch let e as KafkaError where Self.isTooLarge(e) {
            return try await producer.send(Self.reference(message, reason: reason, topic: topicFor(message.topic)))
        }
    }

    /// Header saying how the payload is carried: absent (the original bytes) or `reference`.
    public static let payloadHeader = "dlq-payload"
    /// Largest key and headers a by-reference record keeps (bytes); larger ones are dropped with the payload.
    static let referenceKeepLimit = 16 * 1024

    static func isTooLarge(_ e: KafkaError) -> Bool {
        e.kafkaErrorName == "MSG_SIZE_TOO_LARGE" || e.kafkaErrorName == "_MSG_SIZE_TOO_LARGE" || e.kafkaErrorName == "RECORD_LIST_TOO_LARGE"
    }

    static func provenance(_ message: KafkaMessage, reason: String) -> [(name: String, value: [UInt8])] {
        [(errorHeader, Array(String(reason.prefix(2000)).utf8)),
         (sourceTopicHeader, Array(message.topic.utf8)),
         (sourcePartitionHeader, Array(String(message.partition).utf8)),
         (sourceOffsetHeader, Array(String(message.offset).utf8))]
    }

    static func record(_ message: KafkaMessage, reason: String, topic: String) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: topic, key: message.key, value: message.value, headers: message.headers + provenance(message, reason: reason))
    }

    static func reference(_ message: KafkaMessage, reason: String, topic: String) -> KafkaProducerRecord {
        let headerBytes = message.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.count }
        let keepHeaders = headerBytes <= referenceKeepLimit
        let keepKey = (message.key?.count ?? 0) <= referenceKeepLimit
        let body: [String: JSONValue] = [
            "payload": .string("reference"),
            "reason": .string(String(reason.prefix(2000))),
            "topic": .string(message.topic),
            "partition": .number(Double(message.partition)),
            "offset": .number(Double(message.offset)),
            "bytes": .number(Double(message.value.count)),
            "sha256": .string(SHA256Digest.hex(SHA256Digest.hash(message.value))),
            "keyBytes": .number(Double(message.key?.count ?? 0)),
            "keyKept": .bool(keepKey),
            "headersKept": .bool(keepHeaders),
        ]
        return KafkaProducerRecord(topic: topic, key: keepKey ? message.key : nil, value: Array(JSONValue.object(body).jsonText.utf8),
                                   headers: (keepHeaders ? message.headers : []) + provenance(message, reason: reason)
                                       + [(payloadHeader, Array("reference".utf8))])
    }
}
