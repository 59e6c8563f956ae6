import EmbeddingSpaces
import RecCore
import Foundation
import Postgres
import Synchronization

/// Candidate generation, blending and diversity for every listing endpoint.
///
/// Cost model (DESIGN.md): ONE HNSW kNN on a blended query vector, and popular and fresh candidates in one
/// statement on a second connection at the same time while cores are spare (in the kNN statement when
/// more recommendations are in flight than cores); the candidates' vectors from ``ItemVectorCache``
/// (checked by content hash; misses in one binary follow-up), then exact per-signal rescoring here. A
/// recommendation costs the profile lookup and the kNN statement on one connection, and the popular/fresh
/// statement on another in parallel or none (plus the follow-up while the cache lacks some vector).
///
/// Every request reads the live embedding space once, at its start (``servingSpace()``), and uses it for
/// everything it does, so a switch-over in between cannot mix two models' vectors in one answer.
public final class Recommender: Sendable {
    public let configuration: RecommenderConfiguration
    /// The embedding spaces; requests are served from the live one.
    public let spaces: EmbeddingSpaceRegistry
    let pool: PostgresPool
    let store: RecommendationStore

    /// Recommendations being computed now, and up to how many of them the popular/fresh statement runs on a
    /// connection of its own (see ``recommend(userID:request:contextItems:now:)``).
    private let inFlight = Atomic<Int>(0)
    let parallelSourcesUpTo: Int

    /// - Parameters:
    ///   - parallelSourcesUpTo: while at most this many recommendations are in flight, popular and
    ///     fresh candidates come from a second connection in parallel; above it, from the kNN statement.
    ///     Default: the cores of this machine.
    ///   - spaces: the embedding spaces (`rec serve`: read from the database); default: the one space
    ///     `default` of the configuration's dimension and kind.
    public init(pool: PostgresPool, configuration: RecommenderConfiguration, spaces: EmbeddingSpaceRegistry? = nil,
                parallelSourcesUpTo: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.parallelSourcesUpTo = parallelSourcesUpTo
        self.pool = pool
        self.configuration = configuration
        self.store = RecommendationStore(configuration: configuration)
        self.spaces = spaces ?? EmbeddingSpaceRegistry(fixed: .default(model: "unspecified", dims: configuration.dimensions,
                                                                       mode: configuration.embeddingKind == "fused" ? .fused : .separate))
    }

    private var seenTypes: [String] { configuration.seenEventTypes }

    /// The space a request is served from: the live one, now. Take it once per request.
    ///
    /// - Throws: while the spaces cannot be read (the database does not answer at start).
    public func servingSpace() async throws -> ServingSpace {
        let live = try await spaces.ready().live
        return ServingSpace(name: live.name, dims: live.dims, kind: live.servedKind(preferred: configuration.embeddingKind),
                            modelID: spaces.isDatabaseBacked ? live.model : nil)
    }

    /// `space`, or the space to serve now.
    private func resolved(_ space: ServingSpace?) async throws -> ServingSpace {
        if let space { return space }
        return try await servingSpace()
    }

    /// Fills the item vector cache of `space` (default: the live one) from `item_embeddings` (id order,
    /// `pageSize` rows a statement, each on a pool connection of its own so requests interleave) until the
    /// cache is full or every vector is in; run at start (and after a switch-over) so a warm service answers
    /// recommendations without the follow-up vector statement.
    ///
    /// - Returns: the number of vectors cached afterwards.
    @discardableResult
    public func warmVectorCache(space: ServingSpace? = nil, pageSize: Int = 2_000) async throws -> Int {
        let store = self.store
        let space = try await resolved(space)
        let cache = store.vectorCaches.cache(for: space.name)
        var after = ""
        while !cache.isFull {
            try Task.checkCancellation()
            let from = after
            let page = try await pool.withConnection { conn in try store.warmVectorCache(conn, space: space, after: from, limit: max(1, pageSize)) }
            guard let last = page.last else { break }
            after = last
        }
        return cache.count
    }

    /// Personalized recommendations; `contextItems` (cart, viewed page) act as extra positives.
    ///
    /// - Throws: ``RecServiceError`` `notFound` naming context items that do not exist.
    public func recommend(userID: String, request: ListingRequest, contextItems: [String] = [], now: Date = Date()) async throws -> RecommendationResult {
        let config = configuration
        let store = self.store
        let space = try await servingSpace()
        let seen = SeenExclusion(userID: userID, eventTypes: seenTypes, limit: config.seenLimit)
        var excluding = request.filters
        excluding.exclude += contextItems
        let filters = excluding
        // Without a vector signal the page is popular and fresh items only: a page more of each.
        let lists: @Sendable (Bool) -> RecommendationStore.Plan = { fallback in
            RecommendationStore.Plan(space: space, popular: config.popularCandidates + (fallback ? request.limit : 0),
                                     fresh: config.freshCandidates + (fallback ? request.limit : 0), filters: filters, seen: seen, now: now)
        }
        // Popular and fresh candidates do not depend on the profile: while a core is spare, their statement
        // runs on a second pool connection beside the profile read and the kNN (one round trip per source, in
        // parallel; −1 ms at 1 client). With more recommendations in flight than cores, parallelism buys no
        // latency and a separate statement costs its own round trip, so they join the kNN statement.
        let parallel = inFlight.add(1, ordering: .relaxed).newValue <= parallelSourcesUpTo
        defer { inFlight.subtract(1, ordering: .relaxed) }
        async let listed = parallel ? pool.withConnection { conn in try store.candidates(conn, plan: lists(false)) } : nil
        let personal = try await pool.withConnection { conn -> (query: BlendQuery, candidates: [Candidate], maxPopularity: DecayedScore) in
            let profile = try store.profile(conn, userID: userID, space: space)
            var context: [Float]?
            if !contextItems.isEmpty {
                let vectors = try store.itemVectors(conn, ids: contextItems, space: space)
                let missing = contextItems.filter { vectors[$0] == nil }
                if !missing.isEmpty { throw RecServiceError(.notFound, "unknown context items: \(missing.prefix(20).joined(separator: ", "))") }
                context = VectorMath.weightedSum(contextItems.compactMap { vectors[$0] }.map { ($0, 1) })
            }
            let query = BlendQuery(longTerm: profile?.longTerm, session: profile?.session,
                                   sessionWeight: config.weights.sessionWeight(sessionAt: profile?.sessionAt, now: now),
                                   negative: profile?.negative, context: context)
            var plan = RecommendationStore.Plan(space: space, knn: config.knnCandidates(limit: request.limit), filters: filters, seen: seen,
                                                covisit: config.usesCovisit ? .user(userID) : nil, now: now)
            if let v = query.candidateVector(weights: config.weights) { plan.vectors = [v] }
            if !parallel {
                let sources = lists(query.isFallback)
                (plan.popular, plan.fresh) = (sources.popular, sources.fresh)
            } else if plan.vectors.isEmpty && plan.covisit == nil {
                return (query, [], .empty)
            }
            let (candidates, maxPop) = try store.candidates(conn, plan: plan)
            return (query, candidates, maxPop)
        }
        var (others, maxPop) = try await listed ?? ([], .empty)
        let query = personal.query
        // No vector signal and no behavioural one (a new user): popularity and freshness only.
        let fallback = query.isFallback && !personal.candidates.contains { $0.covisit > 0 }
        if parallel, fallback {
            (others, maxPop) = try await pool.withConnection { conn in try store.candidates(conn, plan: lists(true)) }
        }
        let candidates = Candidate.merging(personal.candidates, others)
        let top = personal.maxPopularity.log2 > maxPop.log2 ? personal.maxPopularity : maxPop
        let scored = Blender(weights: config.weights).score(candidates, query: query, maxPopularity: top, now: now)
        let ranked = DiversityReranker(lambda: 1 - request.diversity).rerank(scored, limit: request.limit)
        return RecommendationResult(items: ranked, strategy: fallback ? "popularity_freshness" : "blended", fallback: fallback, space: space.name.value)
    }

    /// Items like `itemID` (cosine to its vector), with the same filters and diversity.
    ///
    /// - Parameter signals: both kinds of evidence (default), or only one: content (kNN on the item's vector) or
    ///   behaviour (what people went on to after the item).
    /// - Throws: ``RecServiceError`` `notFound` for an unknown item or one without a vector.
    public func similar(itemID: String, request: ListingRequest, signals: SimilaritySignals = .all, now: Date = Date()) async throws -> RecommendationResult {
        let config = configuration
        let store = self.store
        let space = try await servingSpace()
        return try await pool.withConnection { conn in
            guard let v = try store.itemVectors(conn, ids: [itemID], space: space)[itemID] else {
                throw RecServiceError(.notFound, "item \(itemID) does not exist or has no \(space.kind) vector of dimension \(space.dims)")
            }
            var filters = request.filters
            filters.exclude.append(itemID)
            let plan = RecommendationStore.Plan(space: space, vectors: signals.usesContent ? [v] : [], knn: config.knnCandidates(limit: request.limit), filters: filters,
                                                covisit: signals.usesBehaviour ? .items([itemID], weights: [1]) : nil, now: now)
            let (candidates, _) = try store.candidates(conn, plan: plan)
            let scored = Self.queryScores(candidates, query: signals.usesContent ? v : [], weights: config.weights)
            return RecommendationResult(items: DiversityReranker(lambda: 1 - request.diversity).rerank(scored, limit: request.limit),
                                        strategy: "similar", fallback: false, space: space.name.value)
        }
    }

    /// kNN for an embedded query, optionally personalized: `(1 − w)·cos(query) + w·cos(long-term)`.
    ///
    /// - Parameter space: the space `vector` was embedded for (with its model and dimension; default: the live
    ///   one now). The search route takes the space first, embeds the query for it, then passes it here.
    public func search(vector: [Float], request: ListingRequest, userID: String?, personalization: Float, space: ServingSpace? = nil,
                       now: Date = Date()) async throws -> RecommendationResult {
        let config = configuration
        let store = self.store
        let space = try await resolved(space)
        guard vector.count == space.dims else {
            throw RecServiceError(.upstream, "the embedding endpoint returned \(vector.count) dimensions, expected \(space.dims)")
        }
        return try await pool.withConnection { conn in
            var profile: UserProfileVectors?
            if let userID, personalization > 0 { profile = try store.profile(conn, userID: userID, space: space) }
            var weights = BlendWeights()
            weights.longTerm = personalization
            weights.session = 0; weights.negative = 0; weights.popularity = 0; weights.freshness = 0; weights.context = 0; weights.covisit = 0
            let query = BlendQuery(longTerm: profile?.longTerm, query: vector, queryWeight: 1 - personalization)
            let plan = RecommendationStore.Plan(space: space, vectors: [query.candidateVector(weights: weights) ?? vector],
                                                knn: config.knnCandidates(limit: request.limit), filters: request.filters, now: now)
            let (candidates, _) = try store.candidates(conn, plan: plan)
            let scored = Blender(weights: weights).score(candidates, query: query, maxPopularity: .empty, now: now)
            return RecommendationResult(items: DiversityReranker(lambda: 1 - request.diversity).rerank(scored, limit: request.limit),
                                        strategy: "search", fallback: false, space: space.name.value)
        }
    }

    /// One example: an item id and its weight (default 1).
    public struct Example: Sendable, Equatable {
        public var id: String
        public var weight: Float
        public init(id: String, weight: Float = 1) { self.id = id; self.weight = weight }
    }

    /// Recommendations from example items (Qdrant's recommend API semantics).
    ///
    /// - Throws: ``RecServiceError`` `notFound` naming unknown examples unless `ignoreMissing`;
    ///   `invalidInput` when no usable example remains.
    public func recommend(positive: [Example], negative: [Example], strategy: ExampleStrategy, ignoreMissing: Bool,
                          request: ListingRequest, now: Date = Date()) async throws -> RecommendationResult {
        let config = configuration
        let store = self.store
        let space = try await servingSpace()
        return try await pool.withConnection { conn in
            let ids = Array(Set((positive + negative).map(\.id)))
            let vectors = try store.itemVectors(conn, ids: ids, space: space)
            let missing = ids.filter { vectors[$0] == nil }.sorted()
            if !missing.isEmpty && !ignoreMissing {
                throw RecServiceError(.notFound, "unknown example items: \(missing.prefix(20).joined(separator: ", "))")
            }
            let pos = positive.compactMap { e in vectors[e.id].map { (vector: $0, weight: e.weight) } }
            let neg = negative.compactMap { e in vectors[e.id].map { (vector: $0, weight: e.weight) } }
            guard !pos.isEmpty || !neg.isEmpty else { throw RecServiceError(.invalidInput, "none of the examples has a vector") }
            var filters = request.filters
            filters.exclude += ids
            let knn = config.knnCandidates(limit: request.limit)
            // What people went on to after the positive examples (those with vectors), by example weight.
            let known = positive.filter { vectors[$0.id] != nil }
            let behaviour: RecommendationStore.CovisitSources? = known.isEmpty ? nil : .items(known.map(\.id), weights: known.map { Double($0.weight) })
            switch strategy {
            case .averageVector:
                guard let q = ExampleStrategy.averageVector(positive: pos, negative: neg) else {
                    throw RecServiceError(.invalidInput, "the examples cancel out")
                }
                let (candidates, _) = try store.candidates(conn, plan: .init(space: space, vectors: [q], knn: knn, filters: filters, covisit: behaviour, now: now))
                let scored = Self.queryScores(candidates, query: VectorMath.normalized(q), weights: config.weights)
                return RecommendationResult(items: DiversityReranker(lambda: 1 - request.diversity).rerank(scored, limit: request.limit),
                                            strategy: strategy.rawValue, fallback: false, space: space.name.value)
            case .bestScore:
                // One kNN per positive (the candidates best_score can rank high); negatives only: away from them.
                var seeds = pos.sorted { $0.weight > $1.weight }.prefix(16).map(\.vector)
                if seeds.isEmpty, let away = ExampleStrategy.averageVector(positive: [], negative: neg) { seeds = [away] }
                let (candidates, _) = try store.candidates(conn, plan: .init(space: space, vectors: seeds, knn: knn, filters: filters, covisit: behaviour, now: now))
                let pv = pos.map(\.vector), nv = neg.map(\.vector)
                let maxCovisit = Candidate.strongestCovisit(candidates)
                let scored = candidates.map { c -> ScoredItem in
                    var e = ScoreExplanation()
                    if let v = c.vector { e.query = ExampleStrategy.bestScore(v, positive: pv, negative: nv) }
                    e.covisit = config.weights.covisitTerm(c, maxCovisit: maxCovisit)
                    return ScoredItem(candidate: c, explanation: e)
                }
                return RecommendationResult(items: DiversityReranker(lambda: 1 - request.diversity).rerank(scored, limit: request.limit),
                                            strategy: strategy.rawValue, fallback: false, space: space.name.value)
            }
        }
    }

    /// Cosine to `query` plus, when some candidate has one, the behavioural term on the request's scale.
    static func queryScores(_ candidates: [Candidate], query: [Float], weights: BlendWeights) -> [ScoredItem] {
        let maxCovisit = Candidate.strongestCovisit(candidates)
        return candidates.map { c in
            var e = ScoreExplanation()
            if let v = c.vector, v.count == query.count { e.query = VectorMath.dot(v, query) }
            e.covisit = weights.covisitTerm(c, maxCovisit: maxCovisit)
            return ScoredItem(candidate: c, explanation: e)
        }
    }
}
