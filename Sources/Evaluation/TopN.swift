/// Top-`limit` selection over a flat score array.
///
/// Equal scores (most items score 0 for a short history) are ordered by a seeded per-item key,
/// never by index: catalog order follows MovieLens ids, i.e. release order, and would leak.
enum TopN {
    /// Indices of the `limit` highest finite scores, best first; `-infinity` marks excluded items.
    static func select(_ scores: UnsafeBufferPointer<Float>, tieKeys: [UInt64], limit: Int) -> [Int32] {
        guard limit > 0 else { return [] }
        var bestScore: [Float] = []
        var bestKey: [UInt64] = []
        var bestIndex: [Int32] = []
        bestScore.reserveCapacity(limit + 1)
        bestKey.reserveCapacity(limit + 1)
        bestIndex.reserveCapacity(limit + 1)
        tieKeys.withUnsafeBufferPointer { keys in
            for i in 0..<scores.count {
                let s = scores[i]
                guard s > -Float.infinity else { continue }
                if bestScore.count == limit {
                    let ws = bestScore[limit - 1]
                    if s < ws || (s == ws && keys[i] >= bestKey[limit - 1]) { continue }
                }
                // Insertion from the back: lists are short (k…100) and most items are rejected above.
                var p = bestScore.count
                while p > 0, bestScore[p - 1] < s || (bestScore[p - 1] == s && bestKey[p - 1] > keys[i]) { p -= 1 }
                bestScore.insert(s, at: p)
                bestKey.insert(keys[i], at: p)
                bestIndex.insert(Int32(i), at: p)
                if bestScore.count > limit {
                    bestScore.removeLast()
                    bestKey.removeLast()
                    bestIndex.removeLast()
                }
            }
        }
        return bestIndex
    }
}
