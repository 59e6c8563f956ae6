import Hummingbird
import RecCore

/// The body of every error the API answers: `{"error":{"code","message"}}`.
public struct APIErrorBody: Codable, Sendable, Equatable, ResponseEncodable, APIResponseBody {
    public struct Detail: Codable, Sendable, Equatable {
        /// A stable ``RecServiceError/Code`` (`invalid_input`, `not_found`, ...).
        public var code: String
        public var message: String

        static let jsonSchema = JSONSchema.object(["code": .string, "message": .string])
    }

    public var error: Detail

    public init(code: String, message: String) {
        error = Detail(code: code, message: message)
    }

    public static let jsonSchema = JSONSchema.object(["error": Detail.jsonSchema])

    /// This error as a response with `status`.
    func response(status: HTTPResponse.Status) -> Response {
        // Two strings cannot fail to encode.
        (try? CompactJSONResponseEncoder.response(self, status: status)) ?? Response(status: status)
    }
}
