/// Why an image header could not be read.
public struct ImageHeaderError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable { case unsupportedFormat, truncated, malformed, unreadable }
        private let base: Base
        /// Neither PNG nor JPEG by the first bytes (the message names the format when it is a known one).
        public static let unsupportedFormat = Code(base: .unsupportedFormat)
        /// The data ends before the header (or the image) does.
        public static let truncated = Code(base: .truncated)
        /// PNG or JPEG by its signature, but the header is not valid.
        public static let malformed = Code(base: .malformed)
        /// The file could not be opened or read.
        public static let unreadable = Code(base: .unreadable)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
