import Hummingbird
import RecCore

/// `GET /v1/items/{itemId}`: one live catalog item and the vector kinds stored for it.
public struct CatalogItem: Codable, Sendable, ResponseEncodable, APIResponseBody {
    public struct Embedding: Codable, Sendable {
        public var dims: Int
        /// `fused`, `image` or `text`.
        public var kind: String
        public var model: String

        static let jsonSchema = JSONSchema.object(["dims": .integer, "kind": .string, "model": .string])
    }

    /// The catalog event's attributes, verbatim.
    public var attributes: JSONValue
    public var available: Bool
    public var categories: [String]
    public var createdAt: String
    public var description: String
    public var embeddings: [Embedding]
    public var id: String
    @Nullable public var imageUrl: String?
    @Nullable public var price: Double?
    public var title: String
    public var updatedAt: String
    /// The `occurredAt` of the catalog event the item's state comes from.
    public var versionAt: String

    public static let jsonSchema = JSONSchema.object([
        "attributes": .anyObject, "available": .boolean, "categories": .array(.string), "createdAt": .dateTime, "description": .string,
        "embeddings": .array(Embedding.jsonSchema), "id": .string, "imageUrl": JSONSchema.string.nullable, "price": JSONSchema.number.nullable,
        "title": .string, "updatedAt": .dateTime, "versionAt": .dateTime,
    ])
}
