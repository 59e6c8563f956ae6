import Foundation
import RecCore

/// The `interactions.v1` wire format and its validation.
///
/// `{"eventId":UUID,"occurredAt":RFC3339,"userId","productId","type":"view|click|add_to_cart|purchase|rating|dismiss","value"?,"sessionId"?}`
///
/// Decoding is pure so the consumer, the HTTP API and the tests share one set of rules.
public enum InteractionEvent {
    /// Longest accepted user, product or session id (the catalog's limit).
    public static let maxIdentifierLength = 256

    private struct Wire: Decodable {
        var eventId: String?
        var occurredAt: String?
        var userId: String?
        var productId: String?
        var type: String?
        var value: Double?
        var sessionId: String?
    }

    /// Largest absolute `value` (the API's documented range); ratings are 0 to 5.
    public static let maxAbsoluteValue = 1e9

    /// Decodes and validates one message.
    ///
    /// - Parameter now: the receiver's clock, for ``EventTimeWindow``.
    /// - Throws: ``InteractionEventError`` saying which rule the message broke.
    public static func decode(_ bytes: [UInt8], now: Date = Date()) throws(InteractionEventError) -> Interaction {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(bytes))
        } catch {
            throw InteractionEventError(.malformedJSON, "not an interactions.v1 JSON object")
        }
        return try validate(wire, now: now)
    }

    /// Encodes `interaction` in the wire format (producers, tests and the bench).
    public static func encode(_ interaction: Interaction) -> String {
        var s = "{\"eventId\":\"\(interaction.eventID.uuidString.lowercased())\",\"occurredAt\":\"\(RFC3339.format(interaction.occurredAt))\""
        s += ",\"userId\":\(jsonString(interaction.userID.rawValue)),\"productId\":\(jsonString(interaction.itemID.rawValue)),\"type\":\"\(interaction.type.rawValue)\""
        if let v = interaction.value { s += ",\"value\":\(v)" }
        if let sid = interaction.sessionID { s += ",\"sessionId\":\(jsonString(sid))" }
        return s + "}"
    }

    private static func validate(_ w: Wire, now: Date) throws(InteractionEventError) -> Interaction {
        func required(_ v: String?, _ name: String) throws(InteractionEventError) -> String {
            guard let v, !v.isEmpty else { throw InteractionEventError(.missingField, "\(name) is missing") }
            return v
        }
        let idText = try required(w.eventId, "eventId")
        guard let eventID = UUID(uuidString: idText) else { throw InteractionEventError(.invalidField, "eventId is not a UUID") }
        let at = try required(w.occurredAt, "occurredAt")
        guard let occurredAt = RFC3339.parse(at) else { throw InteractionEventError(.invalidField, "occurredAt is not an RFC 3339 timestamp") }
        if let why = EventTimeWindow.violation(occurredAt, now: now) { throw InteractionEventError(.invalidField, "occurredAt \(why)") }
        let user = try required(w.userId, "userId")
        let product = try required(w.productId, "productId")
        let typeText = try required(w.type, "type")
        guard let type = EventType(rawValue: typeText) else { throw InteractionEventError(.unknownType, "unknown event type") }
        for (name, v) in [("userId", user), ("productId", product), ("sessionId", w.sessionId ?? "")] {
            if v.utf8.count > maxIdentifierLength { throw InteractionEventError(.invalidField, "\(name) is longer than \(maxIdentifierLength) bytes") }
            if IdentifierRule.hasControlCharacter(v) { throw InteractionEventError(.invalidField, "\(name) contains a control character (NUL, newline, ...)") }
        }
        if let v = w.value, !(v.isFinite && abs(v) <= maxAbsoluteValue) {
            throw InteractionEventError(.invalidField, "value must be a finite number from -1e9 to 1e9")
        }
        if type == .rating {
            guard let v = w.value else { throw InteractionEventError(.invalidField, "a rating needs a value") }
            guard (0...5).contains(v) else { throw InteractionEventError(.invalidField, "a rating's value must be from 0 to 5") }
        }
        let session = w.sessionId.flatMap { $0.isEmpty ? nil : $0 }
        return Interaction(eventID: eventID, occurredAt: occurredAt, userID: UserID(user), itemID: ItemID(product), type: type, value: w.value, sessionID: session)
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if ch.value < 0x20 { out += String(format: "\\u%04x", ch.value) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }
}
