/// Each signal's contribution to one item's score; the contributions add up to the score.
public struct ScoreExplanation: Sendable, Equatable, Codable {
    public var longTerm: Float = 0
    public var session: Float = 0
    public var context: Float = 0
    /// Negative feedback (≤ 0 when the item resembles dislikes).
    public var negative: Float = 0
    /// Behavioural transitions: what people went on to after the user's recent items (or the query items).
    public var covisit: Float = 0
    public var popularity: Float = 0
    public var freshness: Float = 0
    /// Similarity to a query (search, similar items, examples).
    public var query: Float = 0

    public init() {}

    public var total: Float { longTerm + session + context + negative + covisit + popularity + freshness + query }
}
