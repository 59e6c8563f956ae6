import Kafka

/// Publishes messages that can never be processed to the source topic's
/// dead-letter topic (`<topic>.dlq`), keeping the original key, value and
/// headers so they can be inspected and replayed.
///
/// Headers added: `dlq-error` (the reason), `dlq-source-topic`,
/// `dlq-source-partition`, `dlq-source-offset` (decimal text).
public struct DeadLetterPublisher: Sendable {
    public static let errorHeader = "dlq-error"
    public static let sourceTopicHeader = "dlq-source-topic"
    public static let sourcePartitionHeader = "dlq-source-partition"
    public static let sourceOffsetHeader = "dlq-source-offset"

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
    /// - Throws: ``KafkaError`` when the broker did not take it (the caller retries).
    @discardableResult
    public func publish(_ message: KafkaMessage, reason: String) async throws -> KafkaDeliveryReport {
        var headers = message.headers
        headers.append((Self.errorHeader, Array(String(reason.prefix(2000)).utf8)))
        headers.append((Self.sourceTopicHeader, Array(message.topic.utf8)))
        headers.append((Self.sourcePartitionHeader, Array(String(message.partition).utf8)))
        headers.append((Self.sourceOffsetHeader, Array(String(message.offset).utf8)))
        return try await producer.send(KafkaProducerRecord(topic: topicFor(message.topic), key: message.key, value: message.value, headers: headers))
    }
}
