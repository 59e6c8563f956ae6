import RecCore
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

    /// A list of identifiers (item ids, categories): non-empty, at most `maxLength` bytes, no control characters.
    public func stringArray(_ k: String, maxCount: Int, maxLength: Int = 256) throws -> [String]? {
        guard let a = try array(k, maxCount: maxCount) else { return nil }
        return try a.map { v in
            guard case .string(let s) = v, !s.isEmpty, s.utf8.count <= maxLength, !IdentifierRule.hasControlCharacter(s) else {
                throw RecServiceError(.invalidInput, "\(path).\(k) must hold non-empty strings of at most \(maxLength) bytes without control characters")
            }
            return s
        }
    }

    public func object(_ k: String) throws -> JSONObjectReader? {
        guard let v = present(k) else { return nil }
        return try JSONObjectReader(v, path: "\(path).\(k)")
    }
}
