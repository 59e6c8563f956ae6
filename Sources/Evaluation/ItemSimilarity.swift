import Foundation

/// Dense item × item cosine similarity over the binary user × item training matrix:
/// `sim(i, j) = co-users(i, j) / sqrt(users(i) · users(j))`, 0 on the diagonal.
///
/// Dense on purpose: n² `Float`s is 55 MB for MovieLens-1M's 3.7k items and scoring a case is then
/// a handful of contiguous row additions; beyond ~20k items use a sparse top-k neighbour list instead.
/// A final class so that rankers sharing one matrix do not copy it.
public final class ItemSimilarity: Sendable {
    public let training: EvalTraining
    /// Row-major `count × count`.
    let values: [Float]
    /// Seeded per-item keys that order equal scores.
    let tieKeys: [UInt64]

    /// - Parameters:
    ///   - training: The training matrix.
    ///   - seed: Orders items with equal scores in ranked lists. Default: 0.
    public init(training: EvalTraining, seed: UInt64 = 0) {
        self.training = training
        let n = training.catalog.count
        var co = [Float](repeating: 0, count: n * n)
        co.withUnsafeMutableBufferPointer { m in
            for items in training.userItems {
                items.withUnsafeBufferPointer { list in
                    for a in list {
                        let row = Int(a) * n
                        for b in list { m[row + Int(b)] += 1 }
                    }
                }
            }
            let norms = training.itemUserCounts.map { $0 > 0 ? 1 / Float(Double($0).squareRoot()) : 0 }
            for i in 0..<n {
                let row = i * n
                let ni = norms[i]
                for j in 0..<n { m[row + j] *= ni * norms[j] }
                m[row + i] = 0
            }
        }
        values = co
        tieKeys = training.catalog.ids.map { TieBreak.key(item: $0, seed: seed) }
    }

    /// The similarity of two catalog items, nil when either is not in the catalog.
    public func similarity(_ a: String, _ b: String) -> Float? {
        guard let i = training.catalog.index[a], let j = training.catalog.index[b] else { return nil }
        return values[Int(i) * training.catalog.count + Int(j)]
    }

    /// Sums `weight · sim(item, ·)` over `weighted`, excludes `excluded`, and returns the top `limit` ids.
    func rank(weighted: [(item: Int32, weight: Float)], excluded: [Int32], limit: Int) -> [String] {
        let n = training.catalog.count
        var scores = [Float](repeating: 0, count: n)
        values.withUnsafeBufferPointer { sim in
            scores.withUnsafeMutableBufferPointer { s in
                for (item, weight) in weighted {
                    let row = UnsafeBufferPointer(rebasing: sim[Int(item) * n ..< Int(item) * n + n])
                    if weight == 1 {
                        for j in 0..<n { s[j] += row[j] }
                    } else {
                        for j in 0..<n { s[j] += weight * row[j] }
                    }
                }
                for h in excluded { s[Int(h)] = -.infinity }
            }
        }
        let top = scores.withUnsafeBufferPointer { TopN.select($0, tieKeys: tieKeys, limit: limit) }
        return top.map { training.catalog.ids[Int($0)] }
    }
}
