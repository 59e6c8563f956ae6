import Foundation
import Profiles
import RecCore

/// One validated `interactions.v1` event, as `POST /v1/events` accepts it and produces it to Kafka.
public struct SubmittedEvent: Sendable, Equatable {
    public var eventID: UUID
    public var occurredAt: Date
    /// The original RFC 3339 text (re-emitted unchanged).
    public var occurredAtText: String
    public var userID: String
    public var productID: String
    public var type: EventType
    public var value: Double?
    public var sessionID: String?

    /// Most events one request may carry.
    public static let maxBatch = 500
    static let fields: Set<String> = ["eventId", "occurredAt", "userId", "productId", "type", "value", "sessionId"]

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
        try o.onlyAllow(fields)
        let idText = try o.string("eventId", maxLength: 64, required: true)!
        guard let id = UUID(uuidString: idText) else { throw RecServiceError(.invalidInput, "\(path).eventId must be a UUID") }
        let at = try o.string("occurredAt", maxLength: 64, required: true)!
        guard let date = RFC3339.parse(at) else { throw RecServiceError(.invalidInput, "\(path).occurredAt must be an RFC 3339 timestamp") }
        let user = try o.string("userId", required: true)!
        let product = try o.string("productId", required: true)!
        guard !user.isEmpty, !product.isEmpty else { throw RecServiceError(.invalidInput, "\(path).userId and productId must not be empty") }
        let typeText = try o.string("type", maxLength: 32, required: true)!
        guard let type = EventType(rawValue: typeText) else {
            throw RecServiceError(.invalidInput, "\(path).type must be one of \(EventType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let value = try o.number("value", in: -1e9...1e9)
        let session = try o.string("sessionId")
        let event = SubmittedEvent(eventID: id, occurredAt: date, occurredAtText: at, userID: user, productID: product, type: type,
                                   value: value, sessionID: session)
        // The consumer's rules decide what a profile can fold: an event this API
        // accepts must never be dead-lettered downstream.
        do {
            _ = try InteractionEvent.decode(event.json.encoded(), now: now)
        } catch {
            throw RecServiceError(.invalidInput, "\(path): \(error.message)")
        }
        return event
    }

    /// The wire JSON (`interactions.v1`).
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "eventId": .string(eventID.uuidString.lowercased()), "occurredAt": .string(occurredAtText),
            "userId": .string(userID), "productId": .string(productID), "type": .string(type.rawValue),
        ]
        if let value { o["value"] = .number(value) }
        if let sessionID { o["sessionId"] = .string(sessionID) }
        return .object(o)
    }
}
