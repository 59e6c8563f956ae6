import Foundation

/// Scores a ranker over a split's cases, concurrently, into one ``EvalReport/Row``.
public enum EvalRunner {
    /// Ranks every case and accumulates metrics for the strict cases and for all cases.
    ///
    /// - Parameters:
    ///   - name: The row name.
    ///   - ranker: The recommender; it must be safe to call from several tasks at once.
    ///   - cases: The cases to score.
    ///   - training: The catalog and popularity the metrics use.
    ///   - k: The metric cut-off. Default: 10.
    ///   - limit: How many items the ranker returns (N of MRR@N). Default: 100.
    public static func evaluate(
        name: String, ranker: some EvalRanker, cases: [EvalCase], training: EvalTraining, k: Int = 10, limit: Int = 100
    ) async -> EvalReport.Row {
        let chunks = max(1, min(cases.count, ProcessInfo.processInfo.activeProcessorCount * 4))
        let size = (cases.count + chunks - 1) / max(chunks, 1)
        var total = RowAccumulator(k: k, limit: limit, training: training)
        await withTaskGroup(of: RowAccumulator.self) { group in
            for start in stride(from: 0, to: cases.count, by: max(size, 1)) {
                let slice = cases[start..<min(cases.count, start + size)]
                group.addTask {
                    var part = RowAccumulator(k: k, limit: limit, training: training)
                    for c in slice {
                        part.add(ranked: ranker.rank(c, limit: max(limit, k)), target: c.target, strict: c.strict)
                    }
                    return part
                }
            }
            for await part in group { total.merge(part) }
        }
        return total.row(name: name)
    }
}
