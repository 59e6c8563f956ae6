/// Why `rec dlq inspect|replay` could not do what it was asked.
public struct DeadLetterError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable { case invalidSelection, malformedRecord, unknownTopic, replayLog }
        private let base: Base
        /// An `--offsets` list (or another selection) that does not parse.
        public static let invalidSelection = Code(base: .invalidSelection)
        /// A dead-letter record without its provenance headers, or with an unreadable by-reference body.
        public static let malformedRecord = Code(base: .malformedRecord)
        /// The dead-letter or source topic does not exist.
        public static let unknownTopic = Code(base: .unknownTopic)
        /// The replay log (`dlq_replays`) refused a write.
        public static let replayLog = Code(base: .replayLog)
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

    public static func == (a: DeadLetterError, b: DeadLetterError) -> Bool { a.code == b.code && a.message == b.message }
}
