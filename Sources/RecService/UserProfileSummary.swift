import Hummingbird
import RecCore

/// `GET /v1/users/{userId}/profile`: what the profile holds and the user's last events. A user with
/// interactions not yet folded into a profile has `hasProfile: false` and only `lastEvents`.
public struct UserProfileSummary: Codable, Sendable, ResponseEncodable, APIResponseBody {
    public struct TopCategory: Codable, Sendable {
        /// To 6 decimals.
        public var affinity: Double
        public var category: String

        static let jsonSchema = JSONSchema.object(["affinity": .number, "category": .string])
    }

    /// Which profile vectors exist.
    public struct Vectors: Codable, Sendable {
        public var dims: Int
        public var longTerm: Bool
        public var negative: Bool
        public var session: Bool

        static let jsonSchema = JSONSchema.object(["dims": .integer, "longTerm": .boolean, "negative": .boolean, "session": .boolean])
    }

    public struct Event: Codable, Sendable {
        public var eventId: String
        public var occurredAt: String
        public var productId: String
        @Nullable public var sessionId: String?
        public var type: String
        @Nullable public var value: Double?

        static let jsonSchema = JSONSchema.object([
            "eventId": .string, "occurredAt": .dateTime, "productId": .string, "sessionId": JSONSchema.string.nullable,
            "type": .enumeration(EventType.allCases.map(\.rawValue)), "value": JSONSchema.number.nullable,
        ])
    }

    // The members below `hasProfile` are present exactly when it is true; those of type `Nullable?` are
    // then null or a value.
    public var countsByType: [String: Int]?
    public var eventCount: Int?
    public var hasProfile: Bool
    public var lastEventAt: Nullable<String>?
    public var lastEvents: [Event]
    public var sessionAt: Nullable<String>?
    public var sessionId: Nullable<String>?
    public var topCategories: [TopCategory]?
    public var updatedAt: String?
    public var userId: String
    public var vectors: Vectors?

    static let profileMembers: Set<String> = ["countsByType", "eventCount", "lastEventAt", "sessionAt", "sessionId", "topCategories", "updatedAt", "vectors"]

    public static let jsonSchema = JSONSchema.object([
        "countsByType": .map(.integer), "eventCount": .integer, "hasProfile": .boolean, "lastEventAt": JSONSchema.dateTime.nullable,
        "lastEvents": .array(Event.jsonSchema, maxItems: 10), "sessionAt": JSONSchema.dateTime.nullable, "sessionId": JSONSchema.string.nullable,
        "topCategories": .array(TopCategory.jsonSchema, maxItems: 5), "updatedAt": .dateTime, "userId": .string, "vectors": Vectors.jsonSchema,
    ], optional: profileMembers)
}
