/// The items with the most training interactions, minus the user's history.
public struct PopularityRanker: EvalRanker {
    public let training: EvalTraining
    private let order: [Int32]

    /// - Parameters:
    ///   - training: Interaction counts and catalog.
    ///   - seed: Orders items with equal counts. Default: 0.
    public init(training: EvalTraining, seed: UInt64 = 0) {
        self.training = training
        let keys = training.catalog.ids.map { TieBreak.key(item: $0, seed: seed) }
        let counts = training.interactionCounts
        order = (0..<Int32(training.catalog.count)).sorted { a, b in
            counts[Int(a)] != counts[Int(b)] ? counts[Int(a)] > counts[Int(b)] : keys[Int(a)] < keys[Int(b)]
        }
    }

    public func rank(_ c: EvalCase, limit: Int) -> [String] {
        var excluded = [Bool](repeating: false, count: training.catalog.count)
        for h in training.historyIndices(c) { excluded[Int(h)] = true }
        var result: [String] = []
        result.reserveCapacity(limit)
        for i in order where !excluded[Int(i)] {
            if result.count == limit { break }
            result.append(training.catalog.ids[Int(i)])
        }
        return result
    }
}
