/// Why a catalog message was rejected (it goes to the dead-letter topic with this text).
public struct CatalogEventError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable { case invalidJSON, missingField, invalidField, unknownType, badImage }
        private let base: Base
        /// The bytes are not a JSON object.
        public static let invalidJSON = Code(base: .invalidJSON)
        /// A required field is absent.
        public static let missingField = Code(base: .missingField)
        /// A field has the wrong type or an invalid value.
        public static let invalidField = Code(base: .invalidField)
        /// `type` is not `product.upserted` or `product.deleted`.
        public static let unknownType = Code(base: .unknownType)
        /// The inline image is not base64, not PNG/JPEG, or over 5 MB; or the image URL's scheme is unsupported.
        public static let badImage = Code(base: .badImage)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
