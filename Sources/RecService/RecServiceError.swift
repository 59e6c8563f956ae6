/// An error of the recommendations API, mapped to an HTTP status and a stable JSON `code` at the edge.
public struct RecServiceError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidInput = "invalid_input", notFound = "not_found", unauthorized, forbidden
            case payloadTooLarge = "payload_too_large", unavailable, configuration, upstream, `internal`
            case routeNotFound = "route_not_found", methodNotAllowed = "method_not_allowed"
            case requestTimeout = "request_timeout"
        }
        private let base: Base
        public static let invalidInput = Code(base: .invalidInput)
        public static let notFound = Code(base: .notFound)
        public static let unauthorized = Code(base: .unauthorized)
        public static let forbidden = Code(base: .forbidden)
        public static let payloadTooLarge = Code(base: .payloadTooLarge)
        public static let unavailable = Code(base: .unavailable)
        public static let configuration = Code(base: .configuration)
        /// A dependency (the embedding endpoint) failed.
        public static let upstream = Code(base: .upstream)
        public static let `internal` = Code(base: .internal)
        public static let routeNotFound = Code(base: .routeNotFound)
        public static let methodNotAllowed = Code(base: .methodNotAllowed)
        /// The request head or body did not arrive in time (written by the connection guard, not thrown).
        public static let requestTimeout = Code(base: .requestTimeout)
        public var description: String { base.rawValue }

        /// The HTTP status this code is answered with.
        public var status: Int {
            switch base {
            case .invalidInput: 400
            case .unauthorized: 401
            case .forbidden: 403
            case .notFound, .routeNotFound: 404
            case .methodNotAllowed: 405
            case .requestTimeout: 408
            case .payloadTooLarge: 413
            case .upstream: 502
            case .unavailable: 503
            case .configuration, .internal: 500
            }
        }
    }

    public let code: Code
    public let message: String
    public let isRetriable: Bool
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, isRetriable: Bool = false, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
        self.file = file
        self.line = line
    }

    public var description: String { "\(code): \(message)" }
}
