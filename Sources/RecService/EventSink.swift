import Foundation
import Kafka

/// Where `POST /v1/events` sends validated events; returns only when every event is durably accepted.
public protocol EventSink: Sendable {
    func publish(_ events: [SubmittedEvent]) async throws
}

