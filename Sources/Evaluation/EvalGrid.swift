import Foundation

/// A hyper-parameter grid: `{"name": [values...], ...}`, values numbers or strings.
public struct EvalGrid: Sendable, Hashable {
    /// Parameters sorted by name (JSON objects have no order), values in file order.
    public let parameters: [(name: String, values: [String])]

    /// The most combinations ``configurations()`` will produce. Default: 500.
    public static let maximumCombinations = 500

    public static func == (a: EvalGrid, b: EvalGrid) -> Bool {
        a.parameters.elementsEqual(b.parameters) { $0.name == $1.name && $0.values == $1.values }
    }

    public func hash(into hasher: inout Hasher) {
        for p in parameters { hasher.combine(p.name); hasher.combine(p.values) }
    }

    public init(parameters: [String: [String]]) {
        self.parameters = parameters.keys.sorted().map { ($0, parameters[$0]!) }
    }

    /// Parses a grid file.
    ///
    /// - Parameter data: A JSON object of non-empty arrays of numbers or strings.
    /// - Throws: ``EvalError`` `invalidGrid` for any other shape, `gridTooLarge` above
    ///   ``maximumCombinations`` (checked here so a typo fails before hours of evaluation).
    public static func parse(_ data: Data) throws -> EvalGrid {
        let decoded: [String: [Scalar]]
        do { decoded = try JSONDecoder().decode([String: [Scalar]].self, from: data) } catch {
            throw EvalError(.invalidGrid, "a grid is a JSON object of arrays of numbers or strings: \(error)")
        }
        for (name, values) in decoded where values.isEmpty {
            throw EvalError(.invalidGrid, "parameter '\(name)' has no values")
        }
        let grid = EvalGrid(parameters: decoded.mapValues { $0.map(\.text) })
        _ = try grid.combinationCount()
        return grid
    }

    /// The cartesian product, the last parameter (by name) varying fastest.
    ///
    /// - Throws: ``EvalError`` `gridTooLarge` above ``maximumCombinations``.
    public func configurations() throws -> [[String: String]] {
        let total = try combinationCount()
        guard !parameters.isEmpty else { return [[:]] }
        var result: [[String: String]] = []
        result.reserveCapacity(total)
        for n in 0..<total {
            var rest = n
            var configuration: [String: String] = [:]
            for p in parameters.reversed() {
                configuration[p.name] = p.values[rest % p.values.count]
                rest /= p.values.count
            }
            result.append(configuration)
        }
        return result
    }

    private func combinationCount() throws -> Int {
        var total = 1
        for p in parameters {
            total *= p.values.count
            if total > Self.maximumCombinations {
                throw EvalError(.gridTooLarge, "the grid has more than \(Self.maximumCombinations) combinations (\(parameters.map { "\($0.name): \($0.values.count)" }.joined(separator: " × ")))")
            }
        }
        return total
    }

    /// A JSON number or string, kept as the text a configuration passes on.
    private struct Scalar: Decodable {
        let text: String
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { text = s }
            else if let i = try? c.decode(Int.self) { text = String(i) }
            else if let d = try? c.decode(Double.self) { text = String(d) }
            else if let b = try? c.decode(Bool.self) { text = String(b) }
            else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a number or a string") }
        }
    }
}
