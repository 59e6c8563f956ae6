import Hummingbird
import RecCore

/// `GET /v1/popular`: items by decayed popularity.
public struct PopularItems: Codable, Sendable, ResponseEncodable, APIResponseBody {
    public struct Item: Codable, Sendable {
        public var id, title: String
        public var categories: [String]
        public var events: Int
        public var score: Double

        static let jsonSchema = JSONSchema.object([
            "categories": .array(.string), "events": JSONSchema.integer.described("Interactions counted (not decayed)."), "id": .string,
            "score": JSONSchema.number.described("Decayed popularity at the request's instant, to 6 significant digits."), "title": .string,
        ])
    }

    public var items: [Item]
    public var requestId: String

    public static let jsonSchema = JSONSchema.object(["items": .array(Item.jsonSchema), "requestId": .string])
}
