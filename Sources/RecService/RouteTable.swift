import RecCore

/// Every route of the v1 API, each declared with its handler (`RouteTable+<area>.swift`). Registration,
/// auth scopes, the 405 answers and `/openapi.json` all read ``routes``.
public enum RouteTable {
    public static let routes: [Route] = [
        getRecommendations, postRecommendations, getSimilarItems, search, recommendFromExamples,
        getPopular, getTrending, postEvents, getUserProfile, deleteUser, getItem,
        health, ready, metrics, openapi,
    ]

    /// The declarations of ``routes``: the public API, which `/openapi.json` describes.
    public static let all: [RouteSpec] = routes.map(\.spec)

    /// Every route the server can register: the public API and the web console's (``console``, described by
    /// `/console/api/openapi.json` instead; docs/console.md).
    public static let registered: [Route] = routes + console

    /// The routes whose template matches `path` (a raw request path, no query), as the router matches it:
    /// empty segments are ignored, a `{parameter}` matches any one segment.
    public static func routes(matching path: String) -> [RouteSpec] {
        let segments = path.split(separator: "/")
        return registered.map(\.spec).filter { spec in
            let template = spec.path.split(separator: "/")
            return template.count == segments.count
                && zip(template, segments).allSatisfy { t, s in t.hasPrefix("{") || t == s }
        }
    }

    // MARK: - shared parameters and bodies

    static let listing: [RouteSpec.Query] = [
        .init("limit", "integer", "Items to return, 1 to 100 (default 20)."),
        .init("categories", "string", "Comma-separated categories; items in any of them."),
        .init("available", "boolean", "Only items with this availability."),
        .init("exclude", "string", "Comma-separated item ids never to return."),
        .init("diversity", "number", "MMR diversity 0 to 1 (λ = 1 − diversity); 0 keeps the score order."),
        .init("explain", "boolean", "Include each signal's contribution to the score."),
        asOf,
    ]
    /// Replays and offline evaluation: the instant every time-based term is computed at.
    static let asOf = RouteSpec.Query("asOf", "string", "RFC 3339 instant to compute time-based terms at (replays, evaluation); default now.")
    static let smallBodyLimit = 256 * 1024
    /// Search bodies carry a base64 image (5 MB decoded ≈ 6.7 MB encoded).
    public static let searchBodyLimit = 7 * 1024 * 1024
    public static let eventsBodyLimit = 1024 * 1024

    /// Ids or categories: strings of at most 256 bytes without control characters.
    static func identifiers(max: Int) -> JSONSchema { .array(JSONSchema.string.bounded(maxLength: 256), maxItems: max) }
    static let filtersSchema = JSONSchema.object([
        "categories": identifiers(max: 50).described("Items in any of these categories."),
        "attributes": JSONSchema.map(JSONSchema.string.bounded(maxLength: 256)).described("Items whose attributes contain these name: value pairs."),
        "available": JSONSchema.boolean.described("Only items with this availability."),
        "exclude": identifiers(max: 500).described("Item ids never to return."),
    ], optional: ["categories", "attributes", "available", "exclude"])
    /// The members every JSON listing body takes (``APIRequest/listing(_:)``).
    static let listingBody: [String: JSONSchema] = [
        "limit": JSONSchema.integer.bounded(minimum: 1, maximum: 100).described("Items to return (default 20)."),
        "filters": filtersSchema,
        "diversity": JSONSchema.number.bounded(minimum: 0, maximum: 1).described("MMR diversity (λ = 1 − diversity); 0 keeps the score order."),
        "explain": JSONSchema.boolean.described("Include each signal's contribution to the score."),
    ]
    static let asOfMember = JSONSchema.dateTime.described("The instant to compute time-based terms at (replays, evaluation); default now.")

    /// A JSON body whose members are all optional.
    static func jsonBody(_ members: [String: JSONSchema], maxBytes: Int) -> RouteSpec.Body {
        .json(maxBytes: maxBytes, schema: .object(members, optional: Set(members.keys)))
    }
}
