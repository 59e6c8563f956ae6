/// A ranked list and how it was made.
public struct RecommendationResult: Sendable {
    public var items: [ScoredItem]
    /// `blended`, `popularity_freshness` (fallback), `similar`, `search`, `average_vector`, `best_score`.
    public var strategy: String
    public var fallback: Bool
}
