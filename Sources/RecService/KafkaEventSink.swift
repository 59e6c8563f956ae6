import Foundation
import Kafka

/// Produces events to Kafka keyed by userId (each user's events stay ordered) and awaits every delivery report.
public struct KafkaEventSink: EventSink {
    public let producer: KafkaProducer
    /// Default: `interactions.v1`.
    public let topic: String

    public init(producer: KafkaProducer, topic: String = "interactions.v1") {
        self.producer = producer
        self.topic = topic
    }

    public func publish(_ events: [SubmittedEvent]) async throws {
        let records = events.map { e in
            KafkaProducerRecord(topic: topic, key: Array(e.userID.utf8), value: e.encoded)
        }
        let results = await producer.sendAll(records)
        let failed = results.filter { if case .failure = $0 { return true } else { return false } }.count
        if failed > 0 {
            throw RecServiceError(.unavailable, "\(failed) of \(events.count) events were not acknowledged by the broker; retry the batch (event ids make it idempotent)",
                                  isRetriable: true)
        }
    }
}
