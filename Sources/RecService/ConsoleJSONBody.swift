import HTTPTypes
import Hummingbird
import NIOCore
import RecCore

/// A console API body: a JSON document built by ``ConsoleReader`` (or the pipeline and evaluation readers),
/// described by its type's schema. Answered with `Cache-Control: no-store`: admin data is not kept by browsers
/// or proxies.
public protocol ConsoleJSONBody: APIResponseBody, Sendable {
    var json: JSONValue { get }
}

extension ConsoleJSONBody {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = ConsoleSecurityHeaders.api
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.encoded())))
    }
}

/// The headers every console response carries (docs/console.md, "Security model").
enum ConsoleSecurityHeaders {
    /// Scripts and styles only from the service itself, as files (no inline code, no `eval`); images from the
    /// service or blob URLs the page made from fetched image bytes; requests only to the service; no framing, no
    /// form submissions, no `<base>`.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
        + "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"

    static let common: HTTPFields = [
        .contentSecurityPolicy: contentSecurityPolicy,
        HTTPField.Name("x-content-type-options")!: "nosniff",
        HTTPField.Name("referrer-policy")!: "no-referrer",
        HTTPField.Name("x-frame-options")!: "DENY",
        HTTPField.Name("cross-origin-opener-policy")!: "same-origin",
        HTTPField.Name("cross-origin-resource-policy")!: "same-origin",
    ]

    /// JSON and images of the console API: never stored.
    static var api: HTTPFields {
        var h = common
        h[.cacheControl] = "no-store"
        return h
    }
}

/// `GET /console/api/session`: the key works (admin) and what the console can show on this server.
public struct ConsoleSession: ConsoleJSONBody {
    public var json: JSONValue
    public static let jsonSchema = JSONSchema.object([
        "auth": JSONSchema.enumeration(["api_keys", "off"]).described("off: the server runs without API keys (REC_AUTH=off)."),
        "dimensions": .integer,
        "embeddingKind": .string,
        "features": JSONSchema.object([
            "search": .boolean, "events": .boolean, "images": .boolean, "deadLetters": .boolean,
            "metricsSources": .array(.string),
        ]),
        "weights": JSONSchema.map(.number).described("The blend weights (REC_W_*) and half-lives this server ranks with."),
    ])
}

/// `GET /console/api/users`: users by id prefix, most recently active first.
public struct ConsoleUserList: ConsoleJSONBody {
    public var json: JSONValue
    public static let jsonSchema = JSONSchema.object([
        "users": .array(JSONSchema.object([
            "userId": .string, "eventCount": .integer, "lastEventAt": JSONSchema.dateTime.nullable,
        ])),
    ])
}

/// `GET /console/api/users/{userId}`: the profile's terms and the user's recent interactions.
public struct ConsoleUserProfile: ConsoleJSONBody {
    public var json: JSONValue
    static let nearestItem = JSONSchema.object([
        "id": .string, "title": .string, "categories": .array(.string), "similarity": .number,
    ])
    static let term = JSONSchema.object([
        "term": JSONSchema.enumeration(["longTerm", "session", "negative"]),
        "present": .boolean,
        "weightNow": JSONSchema.number.described("The term's blend weight at this instant (the session's fades with its age)."),
        "referenceAt": JSONSchema.dateTime.nullable,
        "nearest": JSONSchema.array(nearestItem).described("Catalog items closest to the term's vector: what it looks like."),
    ])
    public static let jsonSchema = JSONSchema.object([
        "userId": .string, "hasProfile": .boolean, "eventCount": .integer, "countsByType": .map(.integer),
        "categoryAffinity": .array(JSONSchema.object(["category": .string, "affinity": .number])),
        "sessionId": JSONSchema.string.nullable, "sessionAt": JSONSchema.dateTime.nullable, "lastEventAt": JSONSchema.dateTime.nullable,
        "terms": .array(term),
        "recentEvents": .array(JSONSchema.object([
            "eventId": .string, "productId": .string, "title": JSONSchema.string.nullable,
            "type": .enumeration(EventType.allCases.map(\.rawValue)), "value": JSONSchema.number.nullable,
            "occurredAt": .dateTime, "sessionId": JSONSchema.string.nullable,
        ]), maxItems: 50),
    ])
}

/// `GET /console/api/items`: items by id prefix or title words.
public struct ConsoleItemList: ConsoleJSONBody {
    public var json: JSONValue
    public static let jsonSchema = JSONSchema.object([
        "items": .array(JSONSchema.object(["id": .string, "title": .string, "categories": .array(.string), "available": .boolean])),
    ])
}

/// `GET /console/api/items/{itemId}/activity`: the item's interactions over time, from the interaction log.
public struct ItemActivity: ConsoleJSONBody {
    public var json: JSONValue
    public static let jsonSchema = JSONSchema.object([
        "itemId": .string,
        "window": JSONSchema.enumeration(ItemActivityWindow.allCases.map(\.rawValue)),
        "bucketSeconds": .integer,
        "from": .dateTime, "to": .dateTime,
        "buckets": .array(JSONSchema.object(["start": .dateTime, "counts": .map(.integer)])),
        "totals": .map(.integer),
        "users": JSONSchema.integer.described("Distinct users in the window."),
        "popularityNow": JSONSchema.number.nullable.described("The decayed popularity counter at this instant."),
    ])
}

/// `GET /console/api/pipeline`: the consumers, the embedding endpoint, dead letters and the vector index.
public struct PipelineStatus: ConsoleJSONBody {
    public var json: JSONValue
    static let rate = JSONSchema.number.nullable.described("Per second over the window; null before two samples.")
    public static let jsonSchema = JSONSchema.object([
        "generatedAt": .dateTime,
        "windowSeconds": JSONSchema.number.described("The span rates are computed over (0: one sample so far)."),
        "sources": .array(JSONSchema.object(["name": .string, "kind": .enumeration(["local", "remote"]), "up": .boolean,
                                             "error": JSONSchema.string.nullable])),
        "consumers": .array(JSONSchema.object([
            "source": .string, "pipeline": .string, "done": .number, "deadLettered": .number, "retried": .number,
            "donePerSecond": rate, "deadLetteredPerSecond": rate, "pausedPartitions": .number, "totalLag": .number,
            "lag": .array(JSONSchema.object(["topic": .string, "partition": .integer, "lag": .number])),
        ])),
        "throughput": JSONSchema.object([
            "messagesPerSecond": rate, "httpRequestsPerSecond": rate,
            "series": .array(JSONSchema.object(["at": .dateTime, "messagesPerSecond": .number, "httpRequestsPerSecond": .number])),
        ]),
        "embedding": .array(JSONSchema.object([
            "source": .string, "model": .string, "requests": .number, "throttles": .number, "errors": .number,
            "requestsPerSecond": rate, "throttlesPerSecond": rate,
            "meanLatencyMs": JSONSchema.number.nullable, "p95LatencyMs": JSONSchema.number.nullable,
        ])),
        "deadLetters": JSONSchema.object([
            "available": .boolean, "error": JSONSchema.string.nullable, "checkedAt": JSONSchema.dateTime.nullable,
            "topics": .array(JSONSchema.object([
                "topic": .string, "exists": .boolean, "total": .integer,
                "byReason": .array(JSONSchema.object(["reason": .string, "count": .integer])),
            ])),
            "published": .array(JSONSchema.object(["source": .string, "pipeline": .string, "count": .number]))
                .described("rec_consumer_dlq_total of each consumer since it started."),
        ]),
        "index": JSONSchema.object([
            "items": .integer, "liveItems": .integer,
            "vectors": .array(JSONSchema.object(["space": .string, "kind": .string, "dims": .integer, "count": .integer])),
            "hnsw": .array(JSONSchema.object(["name": .string, "bytes": .integer])),
        ]),
    ])
}

/// `GET /console/api/eval`: the stored `rec eval` reports and one of them in full.
public struct EvalReports: ConsoleJSONBody {
    public var json: JSONValue
    static let summary = JSONSchema.object(["id": .integer, "createdAt": .dateTime, "label": .string])
    public static let jsonSchema = JSONSchema.object([
        "reports": .array(summary),
        "selected": JSONSchema.object([
            "id": .integer, "createdAt": .dateTime, "label": .string, "parameters": .anyObject,
            "report": JSONSchema.anyObject.described("The report as `rec eval --json` writes it: rows with strict and all-case metrics, and curves over k."),
        ]).nullable,
    ])
}

/// `GET /console/api/openapi.json`: the console API's own OpenAPI document (the public one leaves it out).
public struct ConsoleOpenAPIDocument: ConsoleJSONBody {
    public var json: JSONValue
    public static let jsonSchema = OpenAPIDocument.jsonSchema
}
