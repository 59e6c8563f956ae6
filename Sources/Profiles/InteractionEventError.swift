/// Why an `interactions.v1` message was rejected; the reason goes to the DLQ header.
public struct InteractionEventError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable { case malformedJSON, missingField, invalidField, unknownType }
        private let base: Base
        /// The payload is not a JSON object.
        public static let malformedJSON = Code(base: .malformedJSON)
        /// A required field (eventId, occurredAt, userId, productId, type) is absent or empty.
        public static let missingField = Code(base: .missingField)
        /// A field has the wrong shape (bad UUID, bad timestamp, non-finite or missing rating value).
        public static let invalidField = Code(base: .invalidField)
        /// `type` is not one of view, click, add_to_cart, purchase, rating, dismiss.
        public static let unknownType = Code(base: .unknownType)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    /// The member the message is about (`occurredAt`), when one is; ``message`` then starts with it.
    public let field: String?
    /// What is wrong with ``field`` (``message`` without the member's name).
    public let reason: String
    /// Redelivering the same bytes fails the same way.
    public var isRetriable: Bool { false }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
        field = nil
        reason = message
    }

    /// An error about one member: the message is `"<field> <reason>"`.
    public init(_ code: Code, field: String, _ reason: String) {
        self.code = code
        self.message = "\(field) \(reason)"
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(code): \(message)" }
}
