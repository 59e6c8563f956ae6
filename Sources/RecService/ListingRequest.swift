/// What a listing request asks for, shared by every personalized or similarity listing.
public struct ListingRequest: Sendable {
    public var limit: Int = 20
    public var filters = ItemFilters()
    /// 0 keeps the score order; 1 is maximal diversity (MMR λ = 1 − diversity).
    public var diversity: Float = 0
    public init(limit: Int = 20, filters: ItemFilters = ItemFilters(), diversity: Float = 0) {
        self.limit = limit
        self.filters = filters
        self.diversity = diversity
    }
}
