/// A domain error with a stable code, a human message, and whether a retry may help.
public struct RecError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable { case invalidInput, notFound, conflict, unavailable, configuration, `internal` }
        private let base: Base
        public static let invalidInput = Code(base: .invalidInput)
        public static let notFound = Code(base: .notFound)
        public static let conflict = Code(base: .conflict)
        public static let unavailable = Code(base: .unavailable)
        public static let configuration = Code(base: .configuration)
        public static let `internal` = Code(base: .internal)
        public var description: String { base.rawValue }
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
