/// An opaque, caller-chosen string identifier, coded as a bare JSON string.
public protocol StringIdentifier: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    var rawValue: String { get }
    init(_ rawValue: String)
}

extension StringIdentifier {
    public init(stringLiteral value: String) { self.init(value) }
    public init(from decoder: Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }
}

/// A product's identifier in the catalog.
public struct ItemID: StringIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A user's identifier.
public struct UserID: StringIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// The rule every entry point (HTTP paths, query lists, events from the API or Kafka) applies to an
/// identifier's characters.
public enum IdentifierRule {
    /// Whether `text` holds a control character (U+0000–U+001F, U+007F–U+009F). PostgreSQL text cannot store
    /// NUL at all (libpq would cut the value there, so `id%00x` would alias `id`), and no identifier needs
    /// the others; rejecting them at the edge keeps one id one row.
    public static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }
}
