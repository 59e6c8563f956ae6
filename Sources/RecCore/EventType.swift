/// The kinds of interaction a user can have with an item (`interactions.v1`).
public enum EventType: String, Sendable, Codable, CaseIterable {
    case view
    case click
    case addToCart = "add_to_cart"
    case purchase
    case rating
    case dismiss
}
