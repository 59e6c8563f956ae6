/// One ranker's metrics as cases arrive: strict and all cases at the report's `k`, and along the curve of
/// ``EvalReport/curveCutoffs(k:limit:)``. Accumulators of disjoint cases merge, so chunks of cases can be
/// scored concurrently.
public struct RowAccumulator: Sendable {
    public let k: Int
    public let cutoffs: [Int]
    private var strict: [MetricAccumulator]
    private var all: [MetricAccumulator]

    /// - Parameters:
    ///   - k: the report's cut-off.
    ///   - limit: the length of each ranked list (the curve stops there).
    ///   - training: the catalog (coverage) and training popularity (novelty).
    public init(k: Int, limit: Int, training: EvalTraining) {
        self.k = k
        cutoffs = EvalReport.curveCutoffs(k: k, limit: limit)
        strict = cutoffs.map { MetricAccumulator(k: $0, training: training) }
        all = cutoffs.map { MetricAccumulator(k: $0, training: training) }
    }

    /// Adds one case; `isStrict` adds it to the strict metrics too.
    public mutating func add(ranked: [String], target: String, strict isStrict: Bool) {
        for i in cutoffs.indices {
            all[i].add(ranked: ranked, target: target)
            if isStrict { strict[i].add(ranked: ranked, target: target) }
        }
    }

    /// Adds the cases of `other` (same `k`, limit and catalog).
    public mutating func merge(_ other: RowAccumulator) {
        precondition(other.cutoffs == cutoffs, "merging accumulators of different cut-offs")
        for i in cutoffs.indices {
            strict[i].merge(other.strict[i])
            all[i].merge(other.all[i])
        }
    }

    /// The row named `name`: metrics at `k`, and the curve.
    public func row(name: String) -> EvalReport.Row {
        let i = cutoffs.firstIndex(of: k)!
        return EvalReport.Row(name: name, strict: strict[i].metrics, all: all[i].metrics,
                              curve: EvalReport.Curve(strict: strict.map(\.metrics), all: all.map(\.metrics)))
    }
}
