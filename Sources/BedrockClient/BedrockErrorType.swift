import Foundation

/// A Bedrock Runtime error type: its wire name (the `x-amzn-ErrorType` header) and HTTP status.
///
/// Shared by the client (to map responses) and by `rec titan-local` (to produce Bedrock-shaped errors:
/// the status, `x-amzn-ErrorType: <name>` and a ``BedrockErrorBody`` JSON body).
public struct BedrockErrorType: Hashable, Sendable, CustomStringConvertible {
    /// The wire name, e.g. `ThrottlingException`.
    public let name: String
    /// The HTTP status AWS sends with it.
    public let httpStatus: Int

    public init(name: String, httpStatus: Int) {
        self.name = name
        self.httpStatus = httpStatus
    }

    public var description: String { name }

    // InvokeModel errors, statuses from the Bedrock Runtime API reference.
    public static let validation = BedrockErrorType(name: "ValidationException", httpStatus: 400)
    public static let accessDenied = BedrockErrorType(name: "AccessDeniedException", httpStatus: 403)
    public static let resourceNotFound = BedrockErrorType(name: "ResourceNotFoundException", httpStatus: 404)
    public static let modelTimeout = BedrockErrorType(name: "ModelTimeoutException", httpStatus: 408)
    public static let throttling = BedrockErrorType(name: "ThrottlingException", httpStatus: 429)
    public static let modelNotReady = BedrockErrorType(name: "ModelNotReadyException", httpStatus: 429)
    public static let serviceQuotaExceeded = BedrockErrorType(name: "ServiceQuotaExceededException", httpStatus: 400)
    public static let modelError = BedrockErrorType(name: "ModelErrorException", httpStatus: 424)
    public static let internalServer = BedrockErrorType(name: "InternalServerException", httpStatus: 500)
    public static let serviceUnavailable = BedrockErrorType(name: "ServiceUnavailableException", httpStatus: 503)
    // Control-plane errors (model customization, batch inference, provisioned throughput).
    public static let conflict = BedrockErrorType(name: "ConflictException", httpStatus: 400)
    public static let tooManyTags = BedrockErrorType(name: "TooManyTagsException", httpStatus: 400)
    // Authentication errors that every AWS JSON service returns before the operation runs.
    public static let unrecognizedClient = BedrockErrorType(name: "UnrecognizedClientException", httpStatus: 403)
    public static let invalidSignature = BedrockErrorType(name: "InvalidSignatureException", httpStatus: 403)
    public static let missingAuthenticationToken = BedrockErrorType(name: "MissingAuthenticationTokenException", httpStatus: 403)
    public static let expiredToken = BedrockErrorType(name: "ExpiredTokenException", httpStatus: 403)

    /// Every known type.
    public static let all: [BedrockErrorType] = [
        .validation, .accessDenied, .resourceNotFound, .modelTimeout, .throttling, .modelNotReady,
        .serviceQuotaExceeded, .modelError, .internalServer, .serviceUnavailable, .conflict, .tooManyTags,
        .unrecognizedClient, .invalidSignature, .missingAuthenticationToken, .expiredToken,
    ]

    /// The header carrying the type on error responses.
    public static let headerName = "x-amzn-ErrorType"

    /// A Bedrock-shaped error response for a server (e.g. `rec titan-local`): this type's status, the
    /// `x-amzn-ErrorType` and `Content-Type` headers, and a `{"message": ...}` body.
    public func response(message: String) -> (status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        let body = (try? JSONEncoder().encode(BedrockErrorBody(message: message))).map { Array($0) } ?? Array(#"{"message":""}"#.utf8)
        return (httpStatus, [(Self.headerName, name), ("Content-Type", "application/json")], body)
    }

    /// Looks a type up by an `x-amzn-ErrorType` value, which may carry a suffix
    /// (`ThrottlingException:http://internal.amazon.com/coral/...`) or a namespace prefix (`aws.foo#Name`).
    public static func named(_ headerValue: String) -> BedrockErrorType? {
        var name = Substring(headerValue)
        if let colon = name.firstIndex(of: ":") { name = name[..<colon] }
        if let hash = name.lastIndex(of: "#") { name = name[name.index(after: hash)...] }
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        return all.first { $0.name == trimmed }
    }
}
