import Foundation

/// A JSON document as a value: strict request parsing (exact types, unknown-field checks) and
/// ad-hoc responses without a struct per shape.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let n = try? c.decode(Double.self) { self = .number(n); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if n.isFinite, n == n.rounded(), abs(n) < 1e15 { try c.encode(Int64(n)) } else if n.isFinite { try c.encode(n) } else { try c.encodeNil() }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// Parses a request body.
    ///
    /// - Throws: ``RecServiceError`` `invalidInput` for anything that is not a JSON document.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        guard !bytes.isEmpty else { throw RecServiceError(.invalidInput, "the request body is empty; a JSON object is expected") }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw RecServiceError(.invalidInput, "the request body is not valid JSON")
        }
    }

    public func encoded() -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? e.encode(self)) ?? Data("null".utf8))
    }

    public static func float(_ f: Float) -> JSONValue { .number((Double(f) * 1e6).rounded() / 1e6) }
    public static func strings(_ xs: [String]) -> JSONValue { .array(xs.map { .string($0) }) }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(Dictionary(elements, uniquingKeysWith: { $1 })) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
}

/// Typed, strict access to a request's JSON object: every wrong type or unknown field is a 400 naming it.
public struct JSONObjectReader: Sendable {
    public let fields: [String: JSONValue]
    let path: String

    public init(_ value: JSONValue, path: String = "body") throws {
        guard case .object(let o) = value else { throw RecServiceError(.invalidInput, "\(path) must be a JSON object") }
        fields = o
        self.path = path
    }

    /// Rejects fields outside `allowed`.
    public func onlyAllow(_ allowed: Set<String>) throws {
        if let bad = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw RecServiceError(.invalidInput, "\(path) has an unknown field '\(bad)'")
        }
    }

    private func present(_ k: String) -> JSONValue? {
        if case .null? = fields[k] { return nil }
        return fields[k]
    }

    public func string(_ k: String, maxLength: Int = 256, required: Bool = false) throws -> String? {
        guard let v = present(k) else {
            if required { throw RecServiceError(.invalidInput, "\(path).\(k) is required") }
            return nil
        }
        guard case .string(let s) = v else { throw RecServiceError(.invalidInput, "\(path).\(k) must be a string") }
        guard s.utf8.count <= maxLength else { throw RecServiceError(.invalidInput, "\(path).\(k) is longer than \(maxLength) bytes") }
        return s
    }

    public func number(_ k: String, in range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let v = present(k) else { return nil }
        guard case .number(let n) = v else { throw RecServiceError(.invalidInput, "\(path).\(k) must be a number") }
        if let range, !range.contains(n) { throw RecServiceError(.invalidInput, "\(path).\(k) must be between \(range.lowerBound) and \(range.upperBound)") }
        return n
    }

    public func int(_ k: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let n = try number(k) else { return nil }
        guard n == n.rounded(), n >= Double(range.lowerBound), n <= Double(range.upperBound) else {
            throw RecServiceError(.invalidInput, "\(path).\(k) must be an integer between \(range.lowerBound) and \(range.upperBound)")
        }
        return Int(n)
    }

    public func bool(_ k: String) throws -> Bool? {
        guard let v = present(k) else { return nil }
        guard case .bool(let b) = v else { throw RecServiceError(.invalidInput, "\(path).\(k) must be true or false") }
        return b
    }

    public func array(_ k: String, maxCount: Int) throws -> [JSONValue]? {
        guard let v = present(k) else { return nil }
        guard case .array(let a) = v else { throw RecServiceError(.invalidInput, "\(path).\(k) must be an array") }
        guard a.count <= maxCount else { throw RecServiceError(.invalidInput, "\(path).\(k) has more than \(maxCount) elements") }
        return a
    }

    public func stringArray(_ k: String, maxCount: Int, maxLength: Int = 256) throws -> [String]? {
        guard let a = try array(k, maxCount: maxCount) else { return nil }
        return try a.map { v in
            guard case .string(let s) = v, !s.isEmpty, s.utf8.count <= maxLength else {
                throw RecServiceError(.invalidInput, "\(path).\(k) must hold non-empty strings of at most \(maxLength) bytes")
            }
            return s
        }
    }

    public func object(_ k: String) throws -> JSONObjectReader? {
        guard let v = present(k) else { return nil }
        return try JSONObjectReader(v, path: "\(path).\(k)")
    }
}
