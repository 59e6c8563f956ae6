/// One parameterized statement, built by string interpolation: values enter only as parameters (`$1…$n`,
/// numbered in order), never as SQL text.
///
/// ```swift
/// let q: PostgresQuery = "SELECT title FROM items WHERE id = \(bind: id) AND price < \(bind: limit)"
/// // q.sql == "SELECT title FROM items WHERE id = $1 AND price < $2"
/// ```
///
/// Every interpolation is labelled, so a literal that uses one can only be a `PostgresQuery` (a plain `"\(x)"`
/// would make it a `String` and paste `x`):
/// - `\(bind: value)`: a parameter, any ``PostgresEncodable`` (nil binds NULL);
/// - `\(fragment: query)`: another query, its SQL and parameters appended and renumbered after the ones before;
/// - `\(literal: n)`: an integer written into the text (type modifiers such as `halfvec(256)`, sizes fixed by
///   configuration); safe, since an integer prints as digits only;
/// - `\(unescaped: sql)`: SQL text as it is, for identifiers and constant fragments chosen by code, never input.
///
/// The text is the same for the same sequence of literal pieces and interpolations, whatever the bound
/// values: what a connection's prepared statement cache needs (see ``PGConnection/query(_:resultFormat:prepared:)``).
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation {
    /// The text between placeholders: `pieces[0] $1 pieces[1] $2 … $n pieces[n]`, so appending a fragment
    /// renumbers its placeholders without parsing SQL.
    private var pieces: [String]
    /// The parameters, in placeholder order.
    public private(set) var binds: [PostgresData]

    /// The statement text, with `$1…$n` placeholders.
    public var sql: String {
        guard !binds.isEmpty else { return pieces[0] }
        var out = pieces[0]
        for k in binds.indices {
            out += "$"
            out += String(k + 1)
            out += pieces[k + 1]
        }
        return out
    }

    /// An empty query, to append to.
    public init() {
        pieces = [""]
        binds = []
    }

    /// A statement of constant text only (no parameters), e.g. one chosen among a few fixed ones.
    public init(unescaped sql: String) {
        pieces = [sql]
        binds = []
    }

    public init(stringLiteral value: String) {
        self.init(unescaped: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self = stringInterpolation.query
    }

    /// Appends `other`'s text and parameters (its placeholders are renumbered after this query's).
    public mutating func append(_ other: PostgresQuery) {
        pieces[pieces.count - 1] += other.pieces[0]
        binds.append(contentsOf: other.binds)
        pieces.append(contentsOf: other.pieces.dropFirst())
    }

    /// Appends one parameter and its placeholder.
    public mutating func append(bind value: some PostgresEncodable) {
        binds.append(value.postgresData)
        pieces.append("")
    }

    /// Appends SQL text as it is (see the type's notes: never input).
    public mutating func append(unescaped sql: String) {
        pieces[pieces.count - 1] += sql
    }

    public static func + (a: PostgresQuery, b: PostgresQuery) -> PostgresQuery {
        var out = a
        out.append(b)
        return out
    }

    public static func += (a: inout PostgresQuery, b: PostgresQuery) {
        a.append(b)
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var query = PostgresQuery()

        public init(literalCapacity: Int, interpolationCount: Int) {
            query.pieces.reserveCapacity(interpolationCount + 1)
            query.binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            query.append(unescaped: literal)
        }

        /// `$n`, bound to `value`.
        public mutating func appendInterpolation(bind value: some PostgresEncodable) {
            query.append(bind: value)
        }

        /// `$n`, bound to `value` or NULL (spelled out so that an optional is not taken for a text to print).
        public mutating func appendInterpolation<Value: PostgresEncodable>(bind value: Value?) {
            query.append(bind: value)
        }

        /// Another query's text and parameters, renumbered.
        public mutating func appendInterpolation(fragment: PostgresQuery) {
            query.append(fragment)
        }

        /// An integer as SQL text. Each distinct value is a distinct statement text.
        public mutating func appendInterpolation(literal value: Int) {
            query.append(unescaped: String(value))
        }

        /// SQL text as it is: identifiers and constant fragments chosen by code, never input.
        public mutating func appendInterpolation(unescaped sql: String) {
            query.append(unescaped: sql)
        }
    }
}

extension Sequence where Element == PostgresQuery {
    /// The queries one after another with `separator` between them (e.g. `" UNION ALL "`), parameters renumbered.
    public func joined(separator: PostgresQuery = PostgresQuery()) -> PostgresQuery {
        var out = PostgresQuery()
        for (k, q) in enumerated() {
            if k > 0 { out.append(separator) }
            out.append(q)
        }
        return out
    }
}
