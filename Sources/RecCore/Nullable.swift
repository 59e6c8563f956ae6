/// A JSON member that is always present and `null` when it has no value (`"price":null`), where a plain
/// `Optional` member is left out when `nil`.
///
/// As a property wrapper (`@Nullable var price: Double?`) the member is always written; as a member's type
/// (`var sessionAt: Nullable<String>?`) it is written only when the outer optional holds one, as `null` or
/// its value. Decoding accepts `null` and, for wrapped properties, a missing member.
@propertyWrapper
public struct Nullable<Value> {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    public init(_ value: Value?) {
        self.wrappedValue = value
    }
}

extension Nullable: Sendable where Value: Sendable {}
extension Nullable: Equatable where Value: Equatable {}

extension Nullable: Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension Nullable: Decodable where Value: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }
}

extension KeyedDecodingContainer {
    /// A missing member of a `@Nullable` property decodes as `nil`, as a missing `Optional` does.
    public func decode<Value: Decodable>(_ type: Nullable<Value>.Type, forKey key: Key) throws -> Nullable<Value> {
        guard contains(key) else { return Nullable(nil) }
        return try Nullable(from: superDecoder(forKey: key))
    }

    /// A `Nullable?` member: missing is `nil`, `null` is `Nullable(nil)` (where a plain optional would
    /// read both as `nil`).
    public func decodeIfPresent<Value: Decodable>(_ type: Nullable<Value>.Type, forKey key: Key) throws -> Nullable<Value>? {
        guard contains(key) else { return nil }
        return try Nullable(from: superDecoder(forKey: key))
    }
}
