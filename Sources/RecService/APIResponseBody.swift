import Hummingbird

/// A body a route answers with: it makes the response (Hummingbird's `ResponseGenerator`; `Encodable`
/// bodies through ``CompactJSONResponseEncoder``) and describes itself in `/openapi.json`.
public protocol APIResponseBody: ResponseGenerator, JSONSchemaDescribable {
    /// The body's media type. Default: `application/json`.
    static var mediaType: String { get }
}

extension APIResponseBody {
    public static var mediaType: String { "application/json" }
}
