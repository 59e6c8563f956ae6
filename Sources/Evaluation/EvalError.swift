/// A failure while loading, splitting or configuring an evaluation.
///
/// Data errors carry the data file and its 1-based line, because the person who
/// sees them has to fix a row in a million-line file, not a line of Swift.
public struct EvalError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case unreadable, unsupportedFormat, missingColumn, badValue, unknownEventType, unknownItem, invalidSplit, invalidGrid, gridTooLarge
        }
        private let base: Base
        /// The file could not be read or is not UTF-8.
        public static let unreadable = Code(base: .unreadable)
        /// The extension is not `.csv`, `.tsv` or `.jsonl`.
        public static let unsupportedFormat = Code(base: .unsupportedFormat)
        /// A required column is absent from the header, or a required cell is empty.
        public static let missingColumn = Code(base: .missingColumn)
        /// A number, date or JSON value could not be read.
        public static let badValue = Code(base: .badValue)
        /// An event type outside `interactions.v1`.
        public static let unknownEventType = Code(base: .unknownEventType)
        /// An event names an item absent from the items file (only when such events are not skipped).
        public static let unknownItem = Code(base: .unknownItem)
        /// Split parameters out of range.
        public static let invalidSplit = Code(base: .invalidSplit)
        /// A grid file that is not `{"name": [values...]}`.
        public static let invalidGrid = Code(base: .invalidGrid)
        /// A grid with more combinations than the cap.
        public static let gridTooLarge = Code(base: .gridTooLarge)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    /// The data file the error is about, if any.
    public let path: String?
    /// The 1-based line in `path` where the offending record starts, if any.
    public let dataLine: Int?
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, path: String? = nil, dataLine: Int? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.path = path
        self.dataLine = dataLine
        self.file = file
        self.line = line
    }

    public var description: String {
        switch (path, dataLine) {
        case let (p?, l?): return "\(p):\(l): \(code): \(message)"
        case let (p?, nil): return "\(p): \(code): \(message)"
        default: return "\(code): \(message)"
        }
    }
}
