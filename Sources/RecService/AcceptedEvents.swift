import Hummingbird

/// `POST /v1/events` (202): every event of the batch was acknowledged by the broker.
public struct AcceptedEvents: Codable, Sendable, ResponseEncodable, APIResponseBody {
    public var accepted: Int
    public var requestId: String

    public static let jsonSchema = JSONSchema.object(["accepted": JSONSchema.integer.bounded(minimum: 1), "requestId": .string])
}
