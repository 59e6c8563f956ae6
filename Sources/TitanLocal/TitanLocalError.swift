import BedrockClient

/// A request `rec titan-local` refuses, carrying the Bedrock error it answers with
/// (status, `x-amzn-ErrorType`, `{"message": ...}`), so clients see what Bedrock would send.
public struct TitanLocalError: Error, Sendable, CustomStringConvertible {
    public let type: BedrockErrorType
    public let message: String
    public let file: String
    public let line: Int

    public init(_ type: BedrockErrorType, _ message: String, file: String = #fileID, line: Int = #line) {
        self.type = type
        self.message = message
        self.file = file
        self.line = line
    }

    /// Throttling and 5xx answers are worth retrying; validation errors are not.
    public var isRetriable: Bool { type == .throttling || type.httpStatus >= 500 }

    public var description: String { "\(type.name) (\(type.httpStatus)): \(message)" }

    static func validation(_ message: String, file: String = #fileID, line: Int = #line) -> TitanLocalError {
        TitanLocalError(.validation, "Malformed input request: \(message)", file: file, line: line)
    }
}
