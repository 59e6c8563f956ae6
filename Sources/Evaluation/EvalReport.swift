import Foundation

/// Baseline and model results side by side, for strict cases and for all cases.
public struct EvalReport: Sendable, Codable, Hashable {
    public struct Row: Sendable, Codable, Hashable {
        public var name: String
        /// Cases whose target did not depend on the tie-break (see ``EvalCase/strict``).
        public var strict: MetricSet
        public var all: MetricSet
        /// The same metrics at each cut-off of ``EvalReport/curveCutoffs(k:limit:)`` (nil in reports written
        /// before curves existed).
        public var curve: Curve?

        public init(name: String, strict: MetricSet, all: MetricSet, curve: Curve? = nil) {
            self.name = name
            self.strict = strict
            self.all = all
            self.curve = curve
        }
    }

    /// Metrics at several cut-offs, ascending `k`: what the web console charts against k.
    public struct Curve: Sendable, Codable, Hashable {
        public var strict: [MetricSet]
        public var all: [MetricSet]

        public init(strict: [MetricSet], all: [MetricSet]) {
            self.strict = strict
            self.all = all
        }
    }

    /// The cut-offs a curve is measured at: 1, 5, 10, 20, 50, 100 up to the list length, and `k`.
    public static func curveCutoffs(k: Int, limit: Int) -> [Int] {
        Array(Set([1, 5, 10, 20, 50, 100].filter { $0 <= max(limit, k) } + [k])).sorted()
    }

    public var rows: [Row]

    public init(rows: [Row] = []) {
        self.rows = rows
    }

    /// An aligned plain-text table, one line per (row, users) pair.
    public func table() -> String {
        let k = rows.first?.all.k ?? 10
        let header = ["name", "users", "cases", "HR@\(k)", "NDCG@\(k)", "MRR@N", "cov@\(k)", "nov@\(k)"]
        var lines: [[String]] = [header]
        func f(_ x: Double) -> String { String(format: "%.4f", x) }
        for row in rows {
            for (scope, m) in [("strict", row.strict), ("all", row.all)] {
                lines.append([row.name, scope, String(m.cases), f(m.hitRate), f(m.ndcg), f(m.mrr), f(m.coverage), String(format: "%.2f", m.novelty)])
            }
        }
        let widths = header.indices.map { c in lines.map { $0[c].count }.max() ?? 0 }
        return lines.map { cells in
            cells.enumerated().map { c, text in
                let pad = String(repeating: " ", count: widths[c] - text.count)
                return c < 2 ? text + pad : pad + text    // names left, numbers right
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// Pretty-printed JSON with sorted keys, so reports diff cleanly.
    ///
    /// - Throws: What `JSONEncoder` throws (not expected for finite metrics).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
