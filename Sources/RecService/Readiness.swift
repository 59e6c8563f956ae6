import Hummingbird

/// `GET /ready`: each dependency's check; 200 `{"status":"ready","checks"}` when all pass, else 503 with
/// the API's error body and the checks.
public struct Readiness: Encodable, Sendable, APIResponseBody {
    /// `ok`, `unreachable` or `not configured`, by dependency (`database`, `broker`).
    public var checks: [String: String]
    public var ready: Bool

    private struct Ready: Encodable {
        var checks: [String: String]
        var status = "ready"
    }

    private struct NotReady: Encodable {
        var checks: [String: String]
        var error = APIErrorBody.Detail(code: RecServiceError.Code.unavailable.description, message: "a dependency is unreachable")
    }

    public func encode(to encoder: any Encoder) throws {
        if ready { try Ready(checks: checks).encode(to: encoder) } else { try NotReady(checks: checks).encode(to: encoder) }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try CompactJSONResponseEncoder.response(self, status: ready ? .ok : .serviceUnavailable)
    }

    static let checksSchema = JSONSchema.map(.enumeration(["ok", "unreachable", "not configured"]))
    public static let jsonSchema = JSONSchema.object(["checks": checksSchema, "status": .enumeration(["ready"])])
    /// The 503 body.
    static let notReadySchema = JSONSchema.object(["checks": checksSchema, "error": APIErrorBody.Detail.jsonSchema])
}
