import Foundation
import Testing
@testable import Evaluation

@Suite struct MetricAccumulatorTests {
    /// Catalog a…e; training users u1 {a, b}, u2 {a, c}, u3 {a}: 3 users, pop a = 3, b = 1, c = 1, d = e = 0 (floored to 1).
    private let training = EvalTraining(
        train: [("u1", "a"), ("u1", "b"), ("u2", "a"), ("u2", "c"), ("u3", "a")].enumerated().map {
            EvalEvent(user: $1.0, item: $1.1, type: .view, time: Date(timeIntervalSince1970: Double($0)), index: $0)
        },
        catalog: EvalCatalog(ids: ["a", "b", "c", "d", "e"]))

    private let cases: [(ranked: [String], target: String)] = [
        (["b", "d", "e"], "d"),   // rank 2: hit@2, NDCG 1/log2(3) = 0.630930, RR 1/2
        (["a", "c", "e"], "e"),   // rank 3: miss@2, NDCG 0, RR 1/3 (MRR counts the whole list)
        (["c", "a"], "x"),        // absent: 0, 0, 0
    ]

    @Test func handComputedMetricsAtK2() {
        var acc = MetricAccumulator(k: 2, training: training)
        for c in cases { acc.add(ranked: c.ranked, target: c.target) }
        let m = acc.metrics
        #expect(m.k == 2 && m.cases == 3)
        #expect(abs(m.hitRate - 1.0 / 3) < 1e-12)                           // 1 hit / 3
        #expect(abs(m.ndcg - 0.630_929_753_571_457 / 3) < 1e-12)           // 0.630930 / 3 = 0.210310
        #expect(abs(m.mrr - (0.5 + 1.0 / 3) / 3) < 1e-12)                  // 0.833333 / 3 = 0.277778
        #expect(m.coverage == 0.8)                                          // top-2 lists {b,d} {a,c} {c,a} → 4 of 5
        // Self-information -log2(pop/3): b, d, c, c → log2(3) = 1.584963 each; a, a → 0; mean over 6 = 4·1.584963/6 = 1.056642.
        #expect(abs(m.novelty - 4 * log2(3.0) / 6) < 1e-12)
    }

    @Test func mergedChunksEqualOneAccumulator() {
        var whole = MetricAccumulator(k: 2, training: training)
        for c in cases { whole.add(ranked: c.ranked, target: c.target) }
        var first = MetricAccumulator(k: 2, training: training)
        var second = MetricAccumulator(k: 2, training: training)
        first.add(ranked: cases[0].ranked, target: cases[0].target)
        for c in cases.dropFirst() { second.add(ranked: c.ranked, target: c.target) }
        second.merge(first)
        #expect(second.metrics == whole.metrics)
    }

    @Test func noCasesGiveZeros() {
        let m = MetricAccumulator(k: 10, training: training).metrics
        #expect(m == MetricSet(k: 10, cases: 0, hitRate: 0, ndcg: 0, mrr: 0, coverage: 0, novelty: 0))
    }
}
