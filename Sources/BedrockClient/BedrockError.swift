/// An error from the Bedrock client: a Bedrock error type, a transport failure, or a client-side check.
///
/// `description` carries the code, the message and the HTTP status; never credentials or request bodies.
public struct BedrockError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            // Bedrock error types
            case validation, accessDenied, resourceNotFound, throttling, modelTimeout, modelNotReady
            case serviceQuotaExceeded, modelError, internalServer, serviceUnavailable, conflict, tooManyTags
            case unrecognizedClient, invalidSignature, expiredToken, unknownServiceError
            // transport
            case dnsFailure, connectFailure, tlsFailure, timeout, connectionReset, transport, responseTooLarge, destinationRefused
            // client side
            case invalidInput, invalidResponse, credentialsUnavailable, configuration, cancelled
        }
        private let base: Base

        /// `ValidationException` (400): the request is malformed (e.g. text over 128 tokens).
        public static let validation = Code(base: .validation)
        /// `AccessDeniedException` (403): the identity may not invoke the model.
        public static let accessDenied = Code(base: .accessDenied)
        /// `ResourceNotFoundException` (404): unknown model id / ARN, or no model access in this region.
        public static let resourceNotFound = Code(base: .resourceNotFound)
        /// `ThrottlingException` (429). Retried.
        public static let throttling = Code(base: .throttling)
        /// `ModelTimeoutException` (408). Retried.
        public static let modelTimeout = Code(base: .modelTimeout)
        /// `ModelNotReadyException` (429). Retried.
        public static let modelNotReady = Code(base: .modelNotReady)
        /// `ServiceQuotaExceededException` (400): raise the quota; retrying does not help.
        public static let serviceQuotaExceeded = Code(base: .serviceQuotaExceeded)
        /// `ModelErrorException` (424): the model failed on this input.
        public static let modelError = Code(base: .modelError)
        /// `InternalServerException` (500). Retried.
        public static let internalServer = Code(base: .internalServer)
        /// `ServiceUnavailableException` (503). Retried.
        public static let serviceUnavailable = Code(base: .serviceUnavailable)
        /// `ConflictException` (400): a job or provisioned model of that name exists, or the job is not in a state
        /// that allows the call (e.g. stopping a finished job).
        public static let conflict = Code(base: .conflict)
        /// `TooManyTagsException` (400).
        public static let tooManyTags = Code(base: .tooManyTags)
        /// `UnrecognizedClientException` (403): unknown access key.
        public static let unrecognizedClient = Code(base: .unrecognizedClient)
        /// `InvalidSignatureException` (403): wrong secret or clock skew.
        public static let invalidSignature = Code(base: .invalidSignature)
        /// `ExpiredTokenException` (403): session token expired.
        public static let expiredToken = Code(base: .expiredToken)
        /// Any other HTTP error (5xx are retried).
        public static let unknownServiceError = Code(base: .unknownServiceError)
        /// Host name did not resolve.
        public static let dnsFailure = Code(base: .dnsFailure)
        /// TCP connect failed or was refused. Retried.
        public static let connectFailure = Code(base: .connectFailure)
        /// TLS handshake or certificate verification failed.
        public static let tlsFailure = Code(base: .tlsFailure)
        /// Connect or request timeout. Retried (costs more retry budget).
        public static let timeout = Code(base: .timeout)
        /// The connection was reset or closed mid-response. Retried.
        public static let connectionReset = Code(base: .connectionReset)
        /// Another transport failure.
        public static let transport = Code(base: .transport)
        /// The response body exceeded the request's `maxResponseBytes` (the download was aborted). Not retried.
        public static let responseTooLarge = Code(base: .responseTooLarge)
        /// The request's ``AddressPolicy`` refused where it led: the address its host (or a redirect's) resolved
        /// to, or a redirect to a scheme other than http/https. Nothing was sent there. Not retried.
        public static let destinationRefused = Code(base: .destinationRefused)
        /// A client-side input check failed; nothing was sent.
        public static let invalidInput = Code(base: .invalidInput)
        /// The response could not be decoded or had the wrong vector length.
        public static let invalidResponse = Code(base: .invalidResponse)
        /// No credential source produced credentials.
        public static let credentialsUnavailable = Code(base: .credentialsUnavailable)
        /// The configuration is invalid.
        public static let configuration = Code(base: .configuration)
        /// The calling task was cancelled.
        public static let cancelled = Code(base: .cancelled)

        public var description: String { base.rawValue }

        /// The code for a Bedrock error type name.
        public init?(errorType: BedrockErrorType) {
            let table: [String: Base] = [
                "ValidationException": .validation, "AccessDeniedException": .accessDenied,
                "ResourceNotFoundException": .resourceNotFound, "ThrottlingException": .throttling,
                "ModelTimeoutException": .modelTimeout, "ModelNotReadyException": .modelNotReady,
                "ServiceQuotaExceededException": .serviceQuotaExceeded, "ModelErrorException": .modelError,
                "InternalServerException": .internalServer, "ServiceUnavailableException": .serviceUnavailable,
                "UnrecognizedClientException": .unrecognizedClient, "InvalidSignatureException": .invalidSignature,
                "ExpiredTokenException": .expiredToken, "MissingAuthenticationTokenException": .accessDenied,
                "ConflictException": .conflict, "TooManyTagsException": .tooManyTags,
            ]
            guard let base = table[errorType.name] else { return nil }
            self.base = base
        }

        private init(base: Base) { self.base = base }
    }

    public let code: Code
    public let message: String
    /// The HTTP status, when a response arrived.
    public let httpStatus: Int?
    /// `x-amzn-RequestId`, to quote to AWS support.
    public let requestID: String?
    /// Attempts made before giving up (1 = no retry).
    public internal(set) var attempts: Int
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, httpStatus: Int? = nil, requestID: String? = nil, attempts: Int = 1,
                file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.requestID = requestID
        self.attempts = attempts
        self.file = file
        self.line = line
    }

    /// Whether the retry policy retries this error (throttling, model not ready, 5xx, timeouts, resets, refused connects).
    public var isRetriable: Bool {
        switch code {
        case .throttling, .modelNotReady, .modelTimeout, .internalServer, .serviceUnavailable,
             .timeout, .connectionReset, .connectFailure:
            return true
        case .unknownServiceError:
            return (httpStatus ?? 0) >= 500
        default:
            return false
        }
    }

    /// Timeouts cost more retry budget than other retries (SDK standard mode).
    var isTimeout: Bool { code == .timeout || code == .modelTimeout }

    /// Throttling-class errors (counted in the throttle metric).
    public var isThrottle: Bool { code == .throttling || code == .modelNotReady || (code == .unknownServiceError && httpStatus == 429) }

    public var description: String {
        var s = "BedrockError.\(code): \(message)"
        if let httpStatus { s += " (HTTP \(httpStatus))" }
        if attempts > 1 { s += " after \(attempts) attempts" }
        if let requestID { s += " [request id \(requestID)]" }
        return s
    }
}
