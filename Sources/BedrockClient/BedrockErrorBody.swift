/// The JSON body of a Bedrock error response: `{"message": "..."}`.
///
/// Decoding also accepts `Message` (some AWS front ends capitalize it).
public struct BedrockErrorBody: Codable, Sendable, Equatable {
    public var message: String

    public init(message: String) { self.message = message }

    private enum CodingKeys: String, CodingKey { case message, Message }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        message = try c.decodeIfPresent(String.self, forKey: .message)
            ?? c.decode(String.self, forKey: .Message)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(message, forKey: .message)
    }
}
