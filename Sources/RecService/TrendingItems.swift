import Hummingbird
import RecCore

/// `GET /v1/trending`: the items with the most interactions in a window, and the top categories.
public struct TrendingItems: Codable, Sendable, ResponseEncodable, APIResponseBody {
    public struct Item: Codable, Sendable {
        public var id, title: String
        public var categories: [String]
        public var interactions, users: Int

        static let jsonSchema = JSONSchema.object([
            "categories": .array(.string), "id": .string, "interactions": JSONSchema.integer.described("Interactions in the window (dismissals excluded)."),
            "title": .string, "users": JSONSchema.integer.described("Distinct users among them."),
        ])
    }

    public struct Category: Codable, Sendable {
        public var category: String
        public var score: Double

        static let jsonSchema = JSONSchema.object([
            "category": .string, "score": JSONSchema.number.described("Decayed popularity at the request's instant, to 6 significant digits."),
        ])
    }

    public var categories: [Category]
    public var items: [Item]
    public var requestId: String
    public var windowHours: Int

    public static let jsonSchema = JSONSchema.object([
        "categories": .array(Category.jsonSchema), "items": .array(Item.jsonSchema), "requestId": .string, "windowHours": .integer,
    ])
}
