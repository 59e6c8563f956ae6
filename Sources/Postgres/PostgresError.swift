/// An error from PostgreSQL or from this wrapper.
///
/// `description` is safe to log: it carries the SQLSTATE and the server's
/// message, never the connection string or parameter values. The SQL text, when
/// relevant, is only in `debugDescription`.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed, connectionLost, server, decoding, poolClosed, poolTimeout, invalidConfiguration, migration
        }
        private let base: Base
        /// Could not connect (server down, bad credentials, bad URL).
        public static let connectionFailed = Code(base: .connectionFailed)
        /// The connection broke during the operation; its outcome is unknown.
        public static let connectionLost = Code(base: .connectionLost)
        /// The server rejected the statement; see `sqlState`.
        public static let server = Code(base: .server)
        /// A value could not be decoded into the requested Swift type.
        public static let decoding = Code(base: .decoding)
        public static let poolClosed = Code(base: .poolClosed)
        public static let poolTimeout = Code(base: .poolTimeout)
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        public static let migration = Code(base: .migration)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    /// The five-character SQLSTATE, when the server reported one.
    public let sqlState: String?
    /// The statement, for debugging only (never in `description`).
    public let query: String?
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, sqlState: String? = nil, query: String? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.query = query
        self.file = file
        self.line = line
    }

    /// Whether trying the same work again (on a fresh connection) may succeed.
    public var isRetriable: Bool {
        switch code {
        case .connectionFailed, .connectionLost, .poolTimeout: return true
        case .server:
            guard let s = sqlState else { return false }
            // serialization_failure, deadlock_detected, class 08 (connection), 57P01-03 (admin shutdown, crash, cannot connect now)
            return s == "40001" || s == "40P01" || s.hasPrefix("08") || s == "57P01" || s == "57P02" || s == "57P03"
        default: return false
        }
    }

    public var description: String {
        if let sqlState { return "postgres \(code) [\(sqlState)]: \(message)" }
        return "postgres \(code): \(message)"
    }

    public var debugDescription: String {
        var s = description + " (\(file):\(line))"
        if let query { s += "\nquery: \(query)" }
        return s
    }
}
