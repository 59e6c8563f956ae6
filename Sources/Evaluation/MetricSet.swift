/// Ranking quality over a set of single-target cases, at a cut-off `k`.
public struct MetricSet: Sendable, Hashable, Codable {
    public var k: Int
    public var cases: Int
    /// Share of cases whose target is in the top `k`.
    public var hitRate: Double
    /// Mean of `1 / log2(rank + 1)` (1-based rank) when the target is in the top `k`, else 0; with one
    /// target the ideal DCG is 1.
    public var ndcg: Double
    /// Mean of `1 / rank` within the whole returned list, 0 when absent: MRR@N for a list of N items.
    public var mrr: Double
    /// Distinct items in all top-`k` lists / catalog size.
    public var coverage: Double
    /// Mean self-information `-log2(pop / trainingUsers)` of the top-`k` items (pop = distinct training
    /// users of the item, at least 1): higher means less obvious recommendations.
    public var novelty: Double

    public init(k: Int, cases: Int, hitRate: Double, ndcg: Double, mrr: Double, coverage: Double, novelty: Double) {
        self.k = k
        self.cases = cases
        self.hitRate = hitRate
        self.ndcg = ndcg
        self.mrr = mrr
        self.coverage = coverage
        self.novelty = novelty
    }
}
