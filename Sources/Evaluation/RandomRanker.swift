import RecCore

/// Uniformly random catalog items, seeded per (seed, user): the floor every model must beat.
public struct RandomRanker: EvalRanker {
    public let training: EvalTraining
    public let seed: UInt64

    /// - Parameters:
    ///   - training: The catalog to draw from (and to map history items).
    ///   - seed: Default: 0.
    public init(training: EvalTraining, seed: UInt64 = 0) {
        self.training = training
        self.seed = seed
    }

    public func rank(_ c: EvalCase, limit: Int) -> [String] {
        let n = training.catalog.count
        var excluded = [Bool](repeating: false, count: n)
        for h in training.historyIndices(c) { excluded[Int(h)] = true }
        var generator = SeededGenerator(seed: TieBreak.key(item: c.user, seed: seed))
        var pool = Array(0..<n)
        var result: [String] = []
        result.reserveCapacity(limit)
        var j = 0
        while j < n, result.count < limit {
            let r = j + Int(generator.next() % UInt64(n - j))
            pool.swapAt(j, r)
            if !excluded[pool[j]] { result.append(training.catalog.ids[pool[j]]) }
            j += 1
        }
        return result
    }
}
