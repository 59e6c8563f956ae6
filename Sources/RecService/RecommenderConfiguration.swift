import Foundation
import RecCore

/// Serving knobs of the recommender, validated at construction. Defaults suit the local stack.
public struct RecommenderConfiguration: Sendable, Equatable {
    public var weights: BlendWeights
    /// Item vector dimension served (must match ingest): 256, 384, 1024 or 3072 (Nova). Default: 1024.
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
    /// How many of the user's newest interactions (of ``seenEventTypes``) count as seen, whatever their
    /// age: sized for long real histories (MovieLens users have up to 2,314 ratings) while keeping one
    /// index range scan per request bounded. Default: 5,000.
    public var seenLimit: Int
    /// Behavioural candidates: how many of the user's newest engaged events are sources. Default: 20.
    public var covisitRecentItems: Int = 20
    /// Weight of the `k`-th newest source: `covisitRecentDecay^k`. Default: 0.7 (chosen on the MovieLens-1M
    /// validation split with `rec eval --grid`; 0.3–0.7 score within noise of each other, 0.8 lower).
    public var covisitRecentDecay: Double = 0.7
    /// Strongest transitions read out of each source. Default: 50.
    public var covisitPerSource: Int = 50
    /// Behavioural candidates kept after aggregation. Default: 100.
    public var covisitCandidates: Int = 100
    /// Transition weights are divided by `events(source)^covisitSourceNorm` (1: the conditional probability
    /// of going on to the item, so a source with many transitions does not drown the others). Default: 1.
    public var covisitSourceNorm: Double = 1
    /// ... and by `events(target)^covisitTargetNorm` (> 0: items that follow everything, the most popular,
    /// win fewer lists, at some accuracy: 0.3 and 0.6 scored lower on MovieLens-1M). Default: 0.
    public var covisitTargetNorm: Double = 0
    /// Half-life the transition edges were written with (``DecayedScore``; REC_TRANSITION_HALF_LIFE_DAYS),
    /// to put them on the scale of a request's "now". Default: 3,650 days.
    public var transitionHalfLife: TimeInterval = 3650 * 86_400
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
                seenLimit: Int = 5_000) throws {
        guard VectorDimensions.supported.contains(dimensions) else {
            throw RecServiceError(.configuration, "dimensions must be \(VectorDimensions.text), not \(dimensions)")
        }
        guard ["fused", "text", "image"].contains(embeddingKind) else {
            throw RecServiceError(.configuration, "embedding kind must be fused, text or image")
        }
        guard (1...1000).contains(efSearch), maxScanTuples >= 1, popularCandidates >= 0, freshCandidates >= 0, (0...100_000).contains(seenLimit) else {
            throw RecServiceError(.configuration, "efSearch must be 1...1000; candidate counts non-negative; the seen limit 0...100000")
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
        self.seenLimit = seenLimit
    }

    /// Checks the behavioural knobs (they are plain fields, set after construction).
    ///
    /// - Throws: ``RecServiceError`` `configuration` naming the bad value.
    public func validated() throws -> RecommenderConfiguration {
        guard (0...200).contains(covisitRecentItems), (0...1000).contains(covisitPerSource), (0...1000).contains(covisitCandidates) else {
            throw RecServiceError(.configuration, "covisit recent items must be 0...200, per source and candidates 0...1000")
        }
        guard covisitRecentDecay > 0, covisitRecentDecay <= 1 else { throw RecServiceError(.configuration, "covisit recent decay must be in (0, 1]") }
        guard (0...2).contains(covisitSourceNorm), (0...2).contains(covisitTargetNorm) else {
            throw RecServiceError(.configuration, "covisit normalization exponents must be 0...2")
        }
        guard transitionHalfLife > 0, transitionHalfLife.isFinite else { throw RecServiceError(.configuration, "transition half-life must be positive") }
        return self
    }

    /// Whether requests read behavioural candidates at all.
    var usesCovisit: Bool { weights.covisit > 0 && covisitRecentItems > 0 && covisitPerSource > 0 && covisitCandidates > 0 }

    /// kNN candidates fetched for a page of `limit`: enough headroom for rescoring and diversity to reorder.
    public func knnCandidates(limit: Int) -> Int { max(limit * 4, 60) }
}
