import Foundation

/// Accumulates ``MetricSet`` sums case by case; accumulators of disjoint cases merge, so chunks of
/// cases can be scored concurrently and combined in any order.
public struct MetricAccumulator: Sendable {
    public let k: Int
    private let training: EvalTraining
    private var cases = 0
    private var hits = 0
    private var ndcgSum = 0.0
    private var reciprocalRankSum = 0.0
    private var selfInformationSum = 0.0
    private var recommendedCount = 0
    private var covered: [UInt64]

    /// - Parameters:
    ///   - k: The cut-off for HR, NDCG, coverage and novelty (MRR uses the whole list).
    ///   - training: The catalog (coverage) and training popularity (novelty).
    public init(k: Int, training: EvalTraining) {
        precondition(k > 0, "k must be positive")
        self.k = k
        self.training = training
        covered = [UInt64](repeating: 0, count: (training.catalog.count + 63) / 64)
    }

    /// Adds one case.
    ///
    /// - Parameters:
    ///   - ranked: The recommender's list, best first (at most N items, N ≥ k for MRR@N to mean anything).
    ///   - target: The held-out item.
    public mutating func add(ranked: [String], target: String) {
        cases += 1
        if let r = ranked.firstIndex(of: target) {
            let rank = r + 1
            reciprocalRankSum += 1 / Double(rank)
            if rank <= k {
                hits += 1
                ndcgSum += 1 / log2(Double(rank) + 1)
            }
        }
        let users = Double(max(training.userCount, 1))
        for id in ranked.prefix(k) {
            var pop = 1.0
            if let i = training.catalog.index[id] {
                covered[Int(i) >> 6] |= 1 << UInt64(i & 63)
                pop = Double(max(training.itemUserCounts[Int(i)], 1))
            }
            selfInformationSum += -log2(pop / users)
            recommendedCount += 1
        }
    }

    /// Adds the cases of `other`, which must use the same `k` and catalog.
    public mutating func merge(_ other: MetricAccumulator) {
        precondition(other.k == k && other.covered.count == covered.count, "merging accumulators of different k or catalogs")
        cases += other.cases
        hits += other.hits
        ndcgSum += other.ndcgSum
        reciprocalRankSum += other.reciprocalRankSum
        selfInformationSum += other.selfInformationSum
        recommendedCount += other.recommendedCount
        for w in covered.indices { covered[w] |= other.covered[w] }
    }

    public var metrics: MetricSet {
        let n = Double(max(cases, 1))
        let distinct = covered.reduce(0) { $0 + $1.nonzeroBitCount }
        return MetricSet(
            k: k, cases: cases,
            hitRate: Double(hits) / n, ndcg: ndcgSum / n, mrr: reciprocalRankSum / n,
            coverage: training.catalog.count == 0 ? 0 : Double(distinct) / Double(training.catalog.count),
            novelty: recommendedCount == 0 ? 0 : selfInformationSum / Double(recommendedCount))
    }
}
