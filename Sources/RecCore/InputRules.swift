import Foundation

/// The time window every entry (HTTP API, Kafka consumers) accepts for an event's `occurredAt`, so a 202
/// from the API always means the consumer applies the event, and a client's clock bug cannot plant a
/// time bomb (a product event dated 9999 made every later update of the product look stale; one view
/// dated 9999 froze a user's long-term profile) or an epoch-0 event.
public enum EventTimeWindow {
    /// The earliest accepted event time: 1995-01-01T00:00:00Z (old enough for every public interaction
    /// dataset's backfill, later than the epoch-0 of a client that sends an unset time).
    public static let earliest = Date(timeIntervalSince1970: 788_918_400)
    /// How far after the receiver's clock an event may be dated: one day (clock skew between clients and
    /// servers, time zones handled wrongly).
    public static let maxFutureSkew: TimeInterval = 86_400
    /// How far ahead a product's `publishedAt` may be scheduled: ten years.
    public static let maxScheduleAhead: TimeInterval = 10 * 365.25 * 86_400

    /// Why `time` is outside the window at `now`, or nil when it is inside.
    public static func violation(_ time: Date, now: Date) -> String? {
        if time < earliest { return "is before \(RFC3339.format(earliest)), the earliest accepted event time" }
        if time > now.addingTimeInterval(maxFutureSkew) { return "is more than a day in the future" }
        return nil
    }
}

/// Rules for free text that is stored (titles, descriptions, attribute keys and values): PostgreSQL text and
/// jsonb cannot hold NUL (libpq would cut the value there; jsonb rejects `\u0000` for good), so NUL is
/// refused at the edge. Other characters, newlines and tabs included, are kept as they are.
public enum TextRule {
    public static func hasNUL(_ text: String) -> Bool { text.utf8.contains(0) }

    /// Whether any key or string inside `value` holds NUL.
    public static func hasNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let s): return hasNUL(s)
        case .array(let a): return a.contains { hasNUL($0) }
        case .object(let o): return o.contains { hasNUL($0.key) || hasNUL($0.value) }
        case .null, .bool, .number: return false
        }
    }
}
