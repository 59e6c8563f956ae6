/// A profile store failure that is not a plain database error.
public struct ProfileStoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable { case schema, corruptProfile }
        private let base: Base
        /// pgvector or a table is missing (migrations not applied).
        public static let schema = Code(base: .schema)
        /// A stored profile cannot be decoded.
        public static let corruptProfile = Code(base: .corruptProfile)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    public var isRetriable: Bool { false }
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { "profiles \(code): \(message)" }
}
