/// Interaction intake for clients that do not speak Kafka.
extension RouteTable {
    static let postEvents = Route(
        .post, "/v1/events", operationID: "postEvents",
        summary: "Up to 500 interaction events, produced to Kafka; 202 once the broker acknowledged all.",
        scope: .events, body: .json(maxBytes: eventsBodyLimit, schema: SubmittedEvent.batchSchema), status: .accepted
    ) { call in
        let events = try SubmittedEvent.parseBatch(try await call.body())
        guard let sink = call.deps.events else { throw RecServiceError(.unavailable, "event intake is not configured (no broker)") }
        try await sink.publish(events)
        return AcceptedEvents(accepted: events.count, requestId: call.requestID)
    }
}
