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
        var strict = MetricAccumulator(k: k, training: training)
        var all = MetricAccumulator(k: k, training: training)
        await withTaskGroup(of: (MetricAccumulator, MetricAccumulator).self) { group in
            for start in stride(from: 0, to: cases.count, by: max(size, 1)) {
                let slice = cases[start..<min(cases.count, start + size)]
                group.addTask {
                    var s = MetricAccumulator(k: k, training: training)
                    var a = MetricAccumulator(k: k, training: training)
                    for c in slice {
                        let ranked = ranker.rank(c, limit: max(limit, k))
                        a.add(ranked: ranked, target: c.target)
                        if c.strict { s.add(ranked: ranked, target: c.target) }
                    }
                    return (s, a)
                }
            }
            for await (s, a) in group {
                strict.merge(s)
                all.merge(a)
            }
        }
        return EvalReport.Row(name: name, strict: strict.metrics, all: all.metrics)
    }
}
