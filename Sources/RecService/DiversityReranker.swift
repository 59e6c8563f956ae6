import RecCore
/// Maximal Marginal Relevance re-ranking: each next item maximizes
/// `λ·score − (1−λ)·max cos(item, already chosen)`, so near-duplicates stop crowding the top.
public struct DiversityReranker: Sendable {
    /// λ in [0, 1]; 1 keeps the pure score order.
    public var lambda: Float

    public init(lambda: Float) { self.lambda = min(1, max(0, lambda)) }

    /// The `limit` best items in MMR order (score order when λ = 1). Ties keep the input order.
    public func rerank(_ items: [ScoredItem], limit: Int) -> [ScoredItem] {
        // Works on indices: moving whole `ScoredItem`s (candidate, vector, strings) around in the sort and
        // in every `remove(at:)` showed up in profiles.
        let order = items.indices.sorted { a, b in
            items[a].score != items[b].score ? items[a].score > items[b].score : a < b
        }
        guard lambda < 1, order.count > 1 else { return order.prefix(limit).map { items[$0] } }
        var remaining = order
        var maxSim = [Float](repeating: -Float.infinity, count: remaining.count)
        var chosen = [ScoredItem]()
        chosen.reserveCapacity(limit)
        while chosen.count < limit, !remaining.isEmpty {
            var best = 0
            var bestValue = -Float.infinity
            for i in remaining.indices {
                let penalty = chosen.isEmpty ? 0 : max(0, maxSim[i])
                let value = lambda * items[remaining[i]].score - (1 - lambda) * penalty
                if value > bestValue { bestValue = value; best = i }
            }
            let pick = items[remaining.remove(at: best)]
            maxSim.remove(at: best)
            chosen.append(pick)
            if let pv = pick.candidate.vector {
                for i in remaining.indices {
                    guard let v = items[remaining[i]].candidate.vector, v.count == pv.count else { continue }
                    maxSim[i] = max(maxSim[i], VectorMath.dot(v, pv))
                }
            }
        }
        return chosen
    }
}
