import Hummingbird
import Postgres

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

extension Readiness {
    /// Checks the database (`SELECT 1` through `pool`) and, when given, the broker: `GET /ready` of `rec serve`
    /// and of the `rec consume` metrics endpoint.
    ///
    /// - Parameters:
    ///   - pool: the process's database pool.
    ///   - broker: a reachability check of the broker, or nil when none is configured (reported as `not configured`).
    public static func check(pool: PostgresPool, broker: (@Sendable () async throws -> Void)?) async -> Readiness {
        var checks = [String: String]()
        var ok = true
        do { _ = try await pool.query("SELECT 1"); checks["database"] = "ok" } catch { checks["database"] = "unreachable"; ok = false }
        if let broker {
            do { try await broker(); checks["broker"] = "ok" } catch { checks["broker"] = "unreachable"; ok = false }
        } else {
            checks["broker"] = "not configured"
        }
        return Readiness(checks: checks, ready: ok)
    }
}
