/// A ranked list and how it was made.
public struct RecommendationResult: Sendable {
    public var items: [ScoredItem]
    /// `blended`, `popularity_freshness` (fallback), `similar`, `search`, `average_vector`, `best_score`.
    public var strategy: String
    public var fallback: Bool
    /// The embedding space it was ranked in (popularity-only lists too: their request took it).
    public var space: String

    public init(items: [ScoredItem], strategy: String, fallback: Bool, space: String = "default") {
        self.items = items
        self.strategy = strategy
        self.fallback = fallback
        self.space = space
    }
}
