import Foundation
import Profiles
import RecCore

/// One validated `interactions.v1` event, as `POST /v1/events` accepts it and produces it to Kafka.
///
/// The body is read for its JSON shape here (members, types, the batch); the event's rules are
/// ``InteractionEvent/validate(_:now:)``, the consumer's own, and the bytes produced are
/// `InteractionEvent.encode(_: Fields)`: an event this API accepts is never
/// dead-lettered downstream.
public struct SubmittedEvent: Sendable, Equatable {
    public var interaction: Interaction
    /// The original RFC 3339 text (re-emitted unchanged).
    public var occurredAtText: String

    public var eventID: UUID { interaction.eventID }
    public var occurredAt: Date { interaction.occurredAt }
    public var userID: String { interaction.userID.rawValue }
    public var productID: String { interaction.itemID.rawValue }
    public var type: EventType { interaction.type }
    public var value: Double? { interaction.value }
    public var sessionID: String? { interaction.sessionID }

    /// Most events one request may carry.
    public static let maxBatch = 500

    /// One event of a batch.
    static let eventSchema = JSONSchema.object([
        "eventId": JSONSchema(["type": "string", "format": "uuid"]), "occurredAt": JSONSchema.dateTime.described("From 1995-01-01 to one day ahead."),
        "userId": JSONSchema.string.bounded(maxLength: InteractionEvent.maxIdentifierLength),
        "productId": JSONSchema.string.bounded(maxLength: InteractionEvent.maxIdentifierLength),
        "type": .enumeration(EventType.allCases.map(\.rawValue)),
        "value": JSONSchema.number.bounded(minimum: -InteractionEvent.maxAbsoluteValue, maximum: InteractionEvent.maxAbsoluteValue)
            .described("Required for a rating (0 to 5)."),
        "sessionId": JSONSchema.string.bounded(maxLength: InteractionEvent.maxIdentifierLength),
    ], optional: ["value", "sessionId"])
    /// `{"events":[…]}` or a bare array.
    static let batchSchema = JSONSchema.oneOf([
        .object(["events": .array(eventSchema, maxItems: maxBatch)]), .array(eventSchema, maxItems: maxBatch),
    ])

    /// Validates a batch: `{"events":[…]}` or a bare array.
    ///
    /// - Throws: ``RecServiceError`` `invalidInput` naming the first bad event and field.
    public static func parseBatch(_ body: JSONValue, now: Date = Date()) throws -> [SubmittedEvent] {
        let list: [JSONValue]
        switch body {
        case .array(let a): list = a
        case .object:
            let o = try JSONObjectReader(body)
            try o.onlyAllow(["events"])
            guard let a = try o.array("events", maxCount: maxBatch) else { throw RecServiceError(.invalidInput, "body.events is required") }
            list = a
        default: throw RecServiceError(.invalidInput, "the body must be {\"events\":[...]} or an array of events")
        }
        guard !list.isEmpty else { throw RecServiceError(.invalidInput, "the batch holds no events") }
        guard list.count <= maxBatch else { throw RecServiceError(.invalidInput, "a batch holds at most \(maxBatch) events, not \(list.count)") }
        return try list.enumerated().map { try parse($1, path: "events[\($0)]", now: now) }
    }

    static func parse(_ v: JSONValue, path: String, now: Date) throws -> SubmittedEvent {
        let o = try JSONObjectReader(v, path: path)
        try o.onlyAllow(eventSchema.propertyNames)
        func string(_ k: String) throws -> String? { try o.string(k, maxLength: .max) }
        let fields = InteractionEvent.Fields(eventId: try string("eventId"), occurredAt: try string("occurredAt"), productId: try string("productId"),
                                             sessionId: try string("sessionId"), type: try string("type"), userId: try string("userId"),
                                             value: try o.number("value"))
        do {
            let interaction = try InteractionEvent.validate(fields, now: now)
            return SubmittedEvent(interaction: interaction, occurredAtText: fields.occurredAt ?? RFC3339.format(interaction.occurredAt))
        } catch {
            throw RecServiceError(.invalidInput, error.field.map { "\(path).\($0) \(error.reason)" } ?? "\(path): \(error.message)")
        }
    }

    /// The wire bytes produced to Kafka.
    public var encoded: [UInt8] {
        InteractionEvent.encode(InteractionEvent.Fields(interaction, occurredAtText: occurredAtText))
    }

    /// The wire JSON (`interactions.v1`).
    public var json: JSONValue {
        // The encoder's own output, read back: it cannot fail to parse.
        (try? JSONValue.parse(encoded)) ?? .null
    }
}
