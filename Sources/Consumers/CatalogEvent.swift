import BedrockClient
import Foundation
import RecCore

/// A product's image: a URL to fetch (`http(s)://`, `s3://bucket/key`, `file://` where enabled: ``ImageFetcher``) or inline bytes.
public enum CatalogImage: Sendable, Equatable {
    case url(String)
    case inline([UInt8])
}

/// A product as carried by `product.upserted`.
public struct CatalogProduct: Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String
    public var categories: [String]
    /// A JSON object (compact text, sorted keys).
    public var attributesJSON: String
    public var image: CatalogImage?
    public var price: Double?
    public var available: Bool
    /// When the product was (or will be) published: freshness counts from it, and before it the product is
    /// not recommended. Nil: the time the catalog first saw the product.
    public var publishedAt: Date?

    public init(id: String, title: String, description: String = "", categories: [String] = [], attributesJSON: String = "{}",
                image: CatalogImage? = nil, price: Double? = nil, available: Bool = true, publishedAt: Date? = nil) {
        self.publishedAt = publishedAt
        self.id = id
        self.title = title
        self.description = description
        self.categories = categories
        self.attributesJSON = attributesJSON
        self.image = image
        self.price = price
        self.available = available
    }
}

/// One `catalog.v1` event (DESIGN.md), strictly decoded.
///
/// Required: `type`, `eventId` (UUID), `occurredAt` (RFC 3339); for `product.upserted` a `product` with
/// non-empty `id` (at most 256 characters) and non-empty `title`; `description` (default empty),
/// `categories` (strings), `attributes` (object), `price` (finite, >= 0), `available` (default true) and
/// `publishedAt` (RFC 3339; freshness counts from it) are optional; `occurredAt` within ``EventTimeWindow``;
/// no NUL in any stored text (title, description, attribute keys and strings; ``TextRule``), titles of at
/// most 2,000 characters, descriptions of at most 100,000, attributes of at most 100,000 bytes, at most 100
/// categories;
/// at most one of `imageUrl` (http, https, file or s3 URL) and `imageBase64` (PNG/JPEG, at most 5 MB);
/// for `product.deleted` a non-empty `productId`. Wrong types are errors, never coerced.
public enum CatalogEvent: Sendable, Equatable {
    case upserted(eventID: UUID, occurredAt: Date, product: CatalogProduct)
    case deleted(eventID: UUID, occurredAt: Date, productID: String)

    public var eventID: UUID {
        switch self { case .upserted(let id, _, _), .deleted(let id, _, _): return id }
    }
    public var occurredAt: Date {
        switch self { case .upserted(_, let t, _), .deleted(_, let t, _): return t }
    }
    public var productID: String {
        switch self {
        case .upserted(_, _, let p): return p.id
        case .deleted(_, _, let id): return id
        }
    }

    public static let upsertedType = "product.upserted"
    public static let deletedType = "product.deleted"

    private struct Envelope: Decodable {
        var type: String
        var eventId: String
        var occurredAt: String
        var product: Product?
        var productId: String?
    }

    private struct Product: Decodable {
        var id: String
        var title: String
        var description: String?
        var categories: [String]?
        var attributes: [String: JSONValue]?
        var imageUrl: String?
        var imageBase64: String?
        var price: Double?
        var available: Bool?
        var publishedAt: String?
    }

    /// Longest title, in characters (code points).
    public static let maxTitleLength = 2_000
    /// Longest description, in characters (code points).
    public static let maxDescriptionLength = 100_000
    /// Largest attributes object, in bytes of compact JSON.
    public static let maxAttributesBytes = 100_000
    /// Most categories of one product.
    public static let maxCategories = 100

    /// Decodes and validates one message value.
    ///
    /// - Parameter now: the receiver's clock, for ``EventTimeWindow``.
    /// - Throws: ``CatalogEventError`` saying what is wrong (it becomes the `dlq-error` header).
    public static func decode(_ bytes: [UInt8], now: Date = Date()) throws(CatalogEventError) -> CatalogEvent {
        let env: Envelope
        do {
            env = try JSONDecoder().decode(Envelope.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw CatalogEventError(.missingField, "missing required field '\(path(ctx.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw CatalogEventError(.invalidField, "field '\(path(ctx.codingPath))' has the wrong type")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw CatalogEventError(.invalidField, "field '\(path(ctx.codingPath))' is null")
        } catch {
            throw CatalogEventError(.invalidJSON, "the message is not a valid JSON object")
        }
        guard let eventID = UUID(uuidString: env.eventId) else { throw CatalogEventError(.invalidField, "eventId is not a UUID") }
        guard let occurredAt = RFC3339.parse(env.occurredAt) else { throw CatalogEventError(.invalidField, "occurredAt is not an RFC 3339 timestamp") }
        if let why = EventTimeWindow.violation(occurredAt, now: now) { throw CatalogEventError(.invalidField, "occurredAt \(why)") }
        switch env.type {
        case upsertedType:
            guard let p = env.product else { throw CatalogEventError(.missingField, "missing required field 'product'") }
            try checkID(p.id, field: "product.id")
            for c in p.categories ?? [] where IdentifierRule.hasControlCharacter(c) || c.utf8.count > 256 {
                throw CatalogEventError(.invalidField, "product.categories must hold strings of at most 256 bytes without control characters")
            }
            if (p.categories?.count ?? 0) > maxCategories { throw CatalogEventError(.invalidField, "product.categories holds more than \(maxCategories) entries") }
            guard !p.title.allSatisfy(\.isWhitespace) else { throw CatalogEventError(.invalidField, "product.title is empty") }
            guard p.title.unicodeScalars.count <= maxTitleLength else { throw CatalogEventError(.invalidField, "product.title is longer than \(maxTitleLength) characters") }
            if let d = p.description, d.unicodeScalars.count > maxDescriptionLength {
                throw CatalogEventError(.invalidField, "product.description is longer than \(maxDescriptionLength) characters")
            }
            for (field, text) in [("title", p.title), ("description", p.description ?? "")] where TextRule.hasNUL(text) {
                throw CatalogEventError(.invalidField, "product.\(field) contains a NUL character, which cannot be stored")
            }
            let attributes = JSONValue.object(p.attributes ?? [:])
            if TextRule.hasNUL(attributes) { throw CatalogEventError(.invalidField, "product.attributes contains a NUL character, which cannot be stored") }
            let attributesJSON = attributes.jsonText
            if attributesJSON.utf8.count > maxAttributesBytes { throw CatalogEventError(.invalidField, "product.attributes is larger than \(maxAttributesBytes) bytes") }
            if let price = p.price, !(price.isFinite && price >= 0) { throw CatalogEventError(.invalidField, "product.price must be a finite number >= 0") }
            var publishedAt: Date?
            if let text = p.publishedAt {
                guard let t = RFC3339.parse(text) else { throw CatalogEventError(.invalidField, "product.publishedAt is not an RFC 3339 timestamp") }
                // Any past date: catalogs list films, books and records published long before 1970.
                guard t <= now.addingTimeInterval(EventTimeWindow.maxScheduleAhead) else {
                    throw CatalogEventError(.invalidField, "product.publishedAt must not be more than ten years from now")
                }
                publishedAt = t
            }
            var image: CatalogImage?
            switch (p.imageUrl, p.imageBase64) {
            case (.some, .some):
                throw CatalogEventError(.invalidField, "give imageUrl or imageBase64, not both")
            case (.some(let url), nil):
                try checkImageURL(url)
                image = .url(url)
            case (nil, .some(let b64)):
                guard let data = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else {
                    throw CatalogEventError(.badImage, "imageBase64 is not valid base64")
                }
                let bytes = [UInt8](data)
                try checkImageBytes(bytes)
                image = .inline(bytes)
            case (nil, nil):
                break
            }
            let product = CatalogProduct(id: p.id, title: p.title, description: p.description ?? "", categories: p.categories ?? [],
                                         attributesJSON: attributesJSON, image: image,
                                         price: p.price, available: p.available ?? true, publishedAt: publishedAt)
            return .upserted(eventID: eventID, occurredAt: occurredAt, product: product)
        case deletedType:
            guard let id = env.productId else { throw CatalogEventError(.missingField, "missing required field 'productId'") }
            try checkID(id, field: "productId")
            return .deleted(eventID: eventID, occurredAt: occurredAt, productID: id)
        default:
            throw CatalogEventError(.unknownType, "unknown event type '\(env.type.prefix(64))'")
        }
    }

    /// Image bytes Titan accepts: non-empty PNG or JPEG of at most 5 MB.
    public static func checkImageBytes(_ bytes: [UInt8]) throws(CatalogEventError) {
        guard !bytes.isEmpty else { throw CatalogEventError(.badImage, "the image is empty") }
        guard bytes.count <= TitanModel.maxImageBytes else {
            throw CatalogEventError(.badImage, "the image is \(bytes.count) bytes; the limit is \(TitanModel.maxImageBytes) (5 MB)")
        }
        guard TitanInput.imageFormat(bytes) != nil else { throw CatalogEventError(.badImage, "the image is neither PNG nor JPEG") }
    }

    /// Ids are counted in code points, as PostgreSQL's `length()` in the `items.id` check does (Swift's
    /// `count` counts grapheme clusters: 512 combining marks passed as 256 and were retried forever), and
    /// hold no control character (``IdentifierRule``).
    private static func checkID(_ id: String, field: String) throws(CatalogEventError) {
        guard !id.isEmpty, id.unicodeScalars.count <= 256 else { throw CatalogEventError(.invalidField, "\(field) must have 1 to 256 characters") }
        guard !IdentifierRule.hasControlCharacter(id) else { throw CatalogEventError(.invalidField, "\(field) contains a control character (NUL, newline, ...)") }
    }

    private static func checkImageURL(_ url: String) throws(CatalogEventError) {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased() else {
            throw CatalogEventError(.badImage, "imageUrl is not a URL")
        }
        switch scheme {
        case "http", "https":
            guard let host = c.host, !host.isEmpty else { throw CatalogEventError(.badImage, "imageUrl has no host") }
        case "file":
            guard !c.path.isEmpty else { throw CatalogEventError(.badImage, "imageUrl has no path") }
        case "s3":
            guard let host = c.host, !host.isEmpty, c.path.count > 1 else { throw CatalogEventError(.badImage, "imageUrl must be s3://bucket/key") }
        default:
            throw CatalogEventError(.badImage, "imageUrl scheme '\(scheme)' is not http, https, file or s3")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// The event as `catalog.v1` JSON (for producers: the demo generator, benchmarks, tests).
    public var jsonBytes: [UInt8] {
        var o: [String: JSONValue] = [
            "eventId": .string(eventID.uuidString.lowercased()),
            "occurredAt": .string(RFC3339.format(occurredAt)),
        ]
        switch self {
        case .upserted(_, _, let p):
            o["type"] = .string(Self.upsertedType)
            var po: [String: JSONValue] = [
                "id": .string(p.id), "title": .string(p.title), "description": .string(p.description),
                "categories": .array(p.categories.map { .string($0) }), "available": .bool(p.available),
            ]
            if let attrs = try? JSONDecoder().decode(JSONValue.self, from: Data(p.attributesJSON.utf8)) { po["attributes"] = attrs }
            if let price = p.price { po["price"] = .number(price) }
            if let t = p.publishedAt { po["publishedAt"] = .string(RFC3339.format(t)) }
            switch p.image {
            case .url(let u)?: po["imageUrl"] = .string(u)
            case .inline(let b)?: po["imageBase64"] = .string(Data(b).base64EncodedString())
            case nil: break
            }
            o["product"] = .object(po)
        case .deleted(_, _, let id):
            o["type"] = .string(Self.deletedType)
            o["productId"] = .string(id)
        }
        return Array(JSONValue.object(o).jsonText.utf8)
    }
}
