import RecCore
/// Maximal Marginal Relevance re-ranking: each next item maximizes
/// `λ·score − (1−λ)·max cos(item, already chosen)`, so near-duplicates stop crowding the top.
public struct DiversityReranker: Sendable {
    /// λ in [0, 1]; 1 keeps the pure score order.
    public var lambda: Float

    public init(lambda: Float) { self.lambda = min(1, max(0, lambda)) }

    /// The `limit` best items in MMR order (score order when λ = 1). Ties keep the input order.
    ///
    /// Lazy greedy: an item's value only falls as items are chosen (its max similarity only grows), so a
    /// stale value is an upper bound. Each step walks the remaining items in score order, skips those whose
    /// bound cannot beat the best value so far, stops once even a zero penalty could not, and brings an
    /// item's similarities up to date only when it is still in the running. Same picks as the eager loop
    /// (same values, same strict comparison, same order), for a fraction of the 1024-d dot products that
    /// dominated the profile of a recommendation request.
    public func rerank(_ items: [ScoredItem], limit: Int) -> [ScoredItem] {
        // Works on indices: moving whole `ScoredItem`s (candidate, vector, strings) around in the sort
        // showed up in profiles.
        let order = items.indices.sorted { a, b in
            items[a].score != items[b].score ? items[a].score > items[b].score : a < b
        }
        guard lambda < 1, order.count > 1 else { return order.prefix(limit).map { items[$0] } }
        var remaining = order
        // maxSim[i] covers chosen[0..<upTo[i]] (positions in `remaining`).
        var maxSim = [Float](repeating: -Float.infinity, count: remaining.count)
        var upTo = [Int](repeating: 0, count: remaining.count)
        var chosen = [ScoredItem]()
        chosen.reserveCapacity(limit)
        while chosen.count < limit, !remaining.isEmpty {
            var best = 0
            var bestValue = -Float.infinity
            for i in remaining.indices {
                let relevance = lambda * items[remaining[i]].score
                // Sorted by score and the penalty is never negative: no later item can beat the best.
                if relevance <= bestValue { break }
                if relevance - (1 - lambda) * max(0, maxSim[i]) <= bestValue { continue }
                if upTo[i] < chosen.count {
                    if let v = items[remaining[i]].candidate.vector {
                        for pick in chosen[upTo[i]...] {
                            guard let pv = pick.candidate.vector, v.count == pv.count else { continue }
                            maxSim[i] = max(maxSim[i], VectorMath.dot(v, pv))
                        }
                    }
                    upTo[i] = chosen.count
                }
                let penalty = chosen.isEmpty ? 0 : max(0, maxSim[i])
                let value = relevance - (1 - lambda) * penalty
                if value > bestValue { bestValue = value; best = i }
            }
            let pick = items[remaining.remove(at: best)]
            maxSim.remove(at: best)
            upTo.remove(at: best)
            chosen.append(pick)
        }
        return chosen
    }
}
