/// Why a request's SigV4 signature was rejected; maps to the error AWS itself would return.
public struct SigV4VerificationError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case missingAuthorization, malformedAuthorization, unsupportedAlgorithm, unknownAccessKey
            case signatureMismatch, missingSignedHeader, missingDate, invalidDate, requestExpired
            case credentialScopeMismatch, payloadHashMismatch
        }
        private let base: Base
        /// No `Authorization` header.
        public static let missingAuthorization = Code(base: .missingAuthorization)
        /// `Authorization` could not be parsed.
        public static let malformedAuthorization = Code(base: .malformedAuthorization)
        /// Not `AWS4-HMAC-SHA256`.
        public static let unsupportedAlgorithm = Code(base: .unsupportedAlgorithm)
        /// The access key id is not known to the server.
        public static let unknownAccessKey = Code(base: .unknownAccessKey)
        /// The recomputed signature differs.
        public static let signatureMismatch = Code(base: .signatureMismatch)
        /// A header named in `SignedHeaders` did not arrive, or `host` was not signed.
        public static let missingSignedHeader = Code(base: .missingSignedHeader)
        /// Neither `X-Amz-Date` nor `Date`.
        public static let missingDate = Code(base: .missingDate)
        /// `X-Amz-Date` is not `yyyyMMdd'T'HHmmss'Z'`.
        public static let invalidDate = Code(base: .invalidDate)
        /// The signing time is outside the allowed clock skew.
        public static let requestExpired = Code(base: .requestExpired)
        /// Credential scope date/region/service/terminator do not match.
        public static let credentialScopeMismatch = Code(base: .credentialScopeMismatch)
        /// `x-amz-content-sha256` differs from the body's hash.
        public static let payloadHashMismatch = Code(base: .payloadHashMismatch)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The Bedrock error to answer with (AWS answers all of these with HTTP 403).
    public var bedrockErrorType: BedrockErrorType {
        switch code {
        case .missingAuthorization: .missingAuthenticationToken
        case .unknownAccessKey: .unrecognizedClient
        default: .invalidSignature
        }
    }

    public var description: String { "\(code): \(message)" }
}
