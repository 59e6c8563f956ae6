/// A recommender under offline evaluation: given what the user did before the target, the best
/// `limit` catalog items, best first, excluding the items in the case's history.
public protocol EvalRanker: Sendable {
    func rank(_ c: EvalCase, limit: Int) -> [String]
}
