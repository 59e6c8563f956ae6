/// Item-kNN over the whole history: score(j) = Σ over history items i of sim(i, j).
public struct ItemKNNRanker: EvalRanker {
    public let similarity: ItemSimilarity

    public init(similarity: ItemSimilarity) {
        self.similarity = similarity
    }

    public func rank(_ c: EvalCase, limit: Int) -> [String] {
        let history = similarity.training.historyIndices(c)
        return similarity.rank(weighted: history.map { ($0, 1) }, excluded: history, limit: limit)
    }
}
