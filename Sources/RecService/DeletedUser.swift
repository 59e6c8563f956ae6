import Hummingbird

/// `DELETE /v1/users/{userId}`: what was removed.
public struct DeletedUser: Codable, Sendable, ResponseEncodable, APIResponseBody {
    public var deletedInteractions: Int
    public var deletedProfile: Bool
    public var userId: String

    public static let jsonSchema = JSONSchema.object(["deletedInteractions": .integer, "deletedProfile": .boolean, "userId": .string])
}
