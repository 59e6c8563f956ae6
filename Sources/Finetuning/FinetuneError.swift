/// A failure of `rec finetune dataset` as a whole (not a rule a record breaks: those are ``DatasetViolation``s).
public struct FinetuneError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable { case usage, io, s3, database }
        private let base: Base
        /// Bad arguments (exit code 2).
        public static let usage = Code(base: .usage)
        /// A file could not be read or written (exit code 2).
        public static let io = Code(base: .io)
        /// S3 refused an upload for a reason no retry fixes (credentials, permissions, bucket).
        public static let s3 = Code(base: .s3)
        /// Reading the catalog failed.
        public static let database = Code(base: .database)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    /// Whether trying again may help (S3 throttling, 5xx, timeouts).
    public let isRetriable: Bool

    public init(_ code: Code, _ message: String, isRetriable: Bool = false) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
    }

    public var description: String { message }
}
