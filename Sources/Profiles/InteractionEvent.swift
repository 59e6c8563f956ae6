import Foundation
import RecCore

/// The `interactions.v1` wire format: its one validator and its one encoder, shared by the consumer
/// (Kafka messages), the HTTP API (`POST /v1/events`), producers and tests.
///
/// `{"eventId":UUID,"occurredAt":RFC3339,"userId","productId","type":"view|click|add_to_cart|purchase|rating|dismiss","value"?,"sessionId"?}`
public enum InteractionEvent {
    /// Longest accepted user, product or session id (the catalog's limit).
    public static let maxIdentifierLength = 256

    /// Largest absolute `value` (the API's documented range); ratings are 0 to 5.
    public static let maxAbsoluteValue = 1e9

    /// An event's members as they arrive, before ``validate(_:now:)``; members are declared in key order
    /// (the order `encode(_: Fields)` writes them in).
    public struct Fields: Codable, Sendable, Equatable {
        public var eventId: String?
        public var occurredAt: String?
        public var productId: String?
        public var sessionId: String?
        public var type: String?
        public var userId: String?
        public var value: Double?

        public init(eventId: String?, occurredAt: String?, productId: String?, sessionId: String?, type: String?, userId: String?, value: Double?) {
            self.eventId = eventId
            self.occurredAt = occurredAt
            self.productId = productId
            self.sessionId = sessionId
            self.type = type
            self.userId = userId
            self.value = value
        }

        /// The wire form of a validated interaction.
        ///
        /// - Parameter occurredAtText: the RFC 3339 text it arrived with, kept as it was (offset and
        ///   precision included); nil formats ``Interaction/occurredAt``.
        public init(_ interaction: Interaction, occurredAtText: String? = nil) {
            self.init(eventId: interaction.eventID.uuidString.lowercased(), occurredAt: occurredAtText ?? RFC3339.format(interaction.occurredAt),
                      productId: interaction.itemID.rawValue, sessionId: interaction.sessionID, type: interaction.type.rawValue,
                      userId: interaction.userID.rawValue, value: interaction.value)
        }
    }

    /// Decodes and validates one message.
    ///
    /// - Parameter now: the receiver's clock, for ``EventTimeWindow``.
    /// - Throws: ``InteractionEventError`` saying which rule the message broke.
    public static func decode(_ bytes: [UInt8], now: Date = Date()) throws(InteractionEventError) -> Interaction {
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: Data(bytes))
        } catch {
            throw InteractionEventError(.malformedJSON, "not an interactions.v1 JSON object")
        }
        return try validate(fields, now: now)
    }

    /// The wire bytes of `fields`: compact JSON with sorted keys, absent members left out.
    public static func encode(_ fields: Fields) -> [UInt8] {
        // Strings and a number: nothing that can fail to encode.
        (try? CompactJSONEncoder().encode(fields)) ?? []
    }

    /// `interaction` in the wire format (producers, tests and the bench).
    public static func encode(_ interaction: Interaction) -> String {
        String(decoding: encode(Fields(interaction)), as: UTF8.self)
    }

    /// The rules an event must pass wherever it enters: a 202 from the API means the consumer applies it.
    ///
    /// - Parameter now: the receiver's clock, for ``EventTimeWindow``.
    /// - Throws: ``InteractionEventError`` naming the member (``InteractionEventError/field``) and the rule.
    public static func validate(_ w: Fields, now: Date) throws(InteractionEventError) -> Interaction {
        func required(_ v: String?, _ name: String) throws(InteractionEventError) -> String {
            guard let v, !v.isEmpty else { throw InteractionEventError(.missingField, field: name, "is missing") }
            return v
        }
        let idText = try required(w.eventId, "eventId")
        guard let eventID = UUID(uuidString: idText) else { throw InteractionEventError(.invalidField, field: "eventId", "is not a UUID") }
        let at = try required(w.occurredAt, "occurredAt")
        guard let occurredAt = RFC3339.parse(at) else { throw InteractionEventError(.invalidField, field: "occurredAt", "is not an RFC 3339 timestamp") }
        if let why = EventTimeWindow.violation(occurredAt, now: now) { throw InteractionEventError(.invalidField, field: "occurredAt", why) }
        let user = try required(w.userId, "userId")
        let product = try required(w.productId, "productId")
        let typeText = try required(w.type, "type")
        guard let type = EventType(rawValue: typeText) else {
            throw InteractionEventError(.unknownType, field: "type", "is not one of \(EventType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for (name, v) in [("userId", user), ("productId", product), ("sessionId", w.sessionId ?? "")] {
            if v.utf8.count > maxIdentifierLength { throw InteractionEventError(.invalidField, field: name, "is longer than \(maxIdentifierLength) bytes") }
            if IdentifierRule.hasControlCharacter(v) { throw InteractionEventError(.invalidField, field: name, "contains a control character (NUL, newline, ...)") }
        }
        if let v = w.value, !(v.isFinite && abs(v) <= maxAbsoluteValue) {
            throw InteractionEventError(.invalidField, field: "value", "must be a finite number from -1e9 to 1e9")
        }
        if type == .rating {
            guard let v = w.value else { throw InteractionEventError(.invalidField, field: "value", "is required for a rating") }
            guard (0...5).contains(v) else { throw InteractionEventError(.invalidField, field: "value", "of a rating must be from 0 to 5") }
        }
        let session = w.sessionId.flatMap { $0.isEmpty ? nil : $0 }
        return Interaction(eventID: eventID, occurredAt: occurredAt, userID: UserID(user), itemID: ItemID(product), type: type, value: w.value, sessionID: session)
    }
}
