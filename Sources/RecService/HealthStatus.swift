import Hummingbird

/// `GET /health`: the process answers.
public struct HealthStatus: Codable, Sendable, ResponseEncodable, APIResponseBody {
    public var status = "ok"

    public static let jsonSchema = JSONSchema.object(["status": .enumeration(["ok"])])
}
