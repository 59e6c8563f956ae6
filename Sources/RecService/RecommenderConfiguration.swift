import Foundation

/// Serving knobs of the recommender, validated at construction. Defaults suit the local stack.
public struct RecommenderConfiguration: Sendable {
    public var weights: BlendWeights
    /// Item vector dimension served (must match ingest). Default: 1024.
    public var dimensions: Int
    /// Which item vector kind is searched (`fused`, `text`, `image`). Default: `fused`.
    public var embeddingKind: String
    /// `hnsw.ef_search` per kNN. Default: 100.
    public var efSearch: Int
    /// `hnsw.max_scan_tuples` bound for iterative scans under selective filters. Default: 20,000.
    public var maxScanTuples: Int
    /// Popular and fresh candidates added to the kNN ones. Default: 30 and 20.
    public var popularCandidates: Int
    public var freshCandidates: Int
    /// Event types whose items count as seen and are excluded. Default: all types.
    public var seenEventTypes: [String]
    /// How far back seen items are excluded. Default: 90 days.
    public var seenWindow: TimeInterval
    /// Run the hot statements (profile, item vectors, candidates) as per-connection prepared statements,
    /// which saves their parse and, once the server uses a generic plan, planning. Default: true.
    public var preparedStatements: Bool = true
    /// How many item vectors are kept in process instead of received with every request (as stored,
    /// half precision: 2 KB each at 1024-d, ~200 MB at the default), filled at start by
    /// ``Recommender/warmVectorCache(pageSize:)``. Each is checked against its row's content hash per
    /// request, so a re-embedded item is scored with its new vector at once. 0 disables (every candidate
    /// vector is then fetched per request). Default: 100,000.
    public var cachedVectors: Int = 100_000

    public init(weights: BlendWeights = BlendWeights(), dimensions: Int = 1024, embeddingKind: String = "fused",
                efSearch: Int = 100, maxScanTuples: Int = 20_000, popularCandidates: Int = 30, freshCandidates: Int = 20,
                seenEventTypes: [String] = ["view", "click", "add_to_cart", "purchase", "rating", "dismiss"],
                seenWindow: TimeInterval = 90 * 86_400) throws {
        guard [256, 384, 1024].contains(dimensions) else {
            throw RecServiceError(.configuration, "dimensions must be 256, 384 or 1024, not \(dimensions)")
        }
        guard ["fused", "text", "image"].contains(embeddingKind) else {
            throw RecServiceError(.configuration, "embedding kind must be fused, text or image")
        }
        guard (1...1000).contains(efSearch), maxScanTuples >= 1, popularCandidates >= 0, freshCandidates >= 0, seenWindow >= 0 else {
            throw RecServiceError(.configuration, "efSearch must be 1...1000; candidate counts and windows non-negative")
        }
        let known = Set(["view", "click", "add_to_cart", "purchase", "rating", "dismiss"])
        if let bad = seenEventTypes.first(where: { !known.contains($0) }) {
            throw RecServiceError(.configuration, "unknown seen event type \(bad)")
        }
        self.weights = try weights.validated()
        self.dimensions = dimensions
        self.embeddingKind = embeddingKind
        self.efSearch = efSearch
        self.maxScanTuples = maxScanTuples
        self.popularCandidates = popularCandidates
        self.freshCandidates = freshCandidates
        self.seenEventTypes = seenEventTypes
        self.seenWindow = seenWindow
    }

    /// kNN candidates fetched for a page of `limit`: enough headroom for rescoring and diversity to reorder.
    public func knnCandidates(limit: Int) -> Int { max(limit * 4, 60) }
}
