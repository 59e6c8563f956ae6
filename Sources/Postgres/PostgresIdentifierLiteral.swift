/// A lower-case identifier (`[a-z][a-z0-9_]*`, at most 63 bytes) that may be written into SQL text as a
/// string constant, `'name'`, or as part of an object name: validated when built, so it can never carry a
/// quote, a space or anything else SQL would read.
///
/// For the few values the planner must see as constants: a partial index (`WHERE space = 'b'`) is used only
/// when the query's condition is a constant too; a bound parameter would leave a kNN on a sequential scan
/// (`\(literal: id)` in a ``PostgresQuery``). Everything else stays a parameter.
public struct PostgresIdentifierLiteral: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: String

    /// - Returns: nil unless `value` is 1 to 63 bytes of `a-z`, `0-9` and `_`, starting with a letter.
    public init?(_ value: String) {
        let bytes = Array(value.utf8)
        guard (1...63).contains(bytes.count), (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[0]),
              bytes.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") })
        else { return nil }
        self.value = value
    }

    /// The SQL string constant: `'value'`.
    public var sqlString: String { "'" + value + "'" }

    public var description: String { value }

    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
}

extension PostgresQuery.StringInterpolation {
    /// The identifier as a SQL string constant (`'name'`). Each distinct value is a distinct statement text.
    public mutating func appendInterpolation(literal value: PostgresIdentifierLiteral) {
        query.append(unescaped: value.sqlString)
    }
}
