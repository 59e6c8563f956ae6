/// An error of the embedding space registry or of `rec models`.
public struct EmbeddingSpaceError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable { case schema, noLiveSpace, refused, conflict, invalidName }
        private let base: Base
        /// The database lacks migration 0010.
        public static let schema = Code(base: .schema)
        /// No space is live (and none could be registered).
        public static let noLiveSpace = Code(base: .noLiveSpace)
        /// A rule of ``EmbeddingSpaceRules`` refused the operation.
        public static let refused = Code(base: .refused)
        /// A concurrent change got in the way; trying again helps.
        public static let conflict = Code(base: .conflict)
        public static let invalidName = Code(base: .invalidName)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { message }
}
