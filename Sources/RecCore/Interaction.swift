import Foundation

/// One validated interaction of a user with an item (`interactions.v1`).
///
/// Shared by the consumers that fold it into profiles, the HTTP API that
/// publishes it, and the offline jobs that replay the `interactions` log.
public struct Interaction: Sendable, Hashable {
    /// The producer's id for this event; the log's primary key, so a redelivered
    /// event is recognised and has no second effect.
    public var eventID: UUID
    public var occurredAt: Date
    public var userID: UserID
    public var itemID: ItemID
    public var type: EventType
    /// The rating for `.rating` events (e.g. 1–5); ignored for other types.
    public var value: Double?
    /// The client's session; a new one starts a new session profile.
    public var sessionID: String?

    public init(eventID: UUID, occurredAt: Date, userID: UserID, itemID: ItemID, type: EventType, value: Double? = nil, sessionID: String? = nil) {
        self.eventID = eventID
        self.occurredAt = occurredAt
        self.userID = userID
        self.itemID = itemID
        self.type = type
        self.value = value
        self.sessionID = sessionID
    }
}
