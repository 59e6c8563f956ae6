import EmbeddingSpaces
import RecCore
import Foundation
import Postgres
import Profiles

/// The embedding space one request is served from, taken once at its start (``Recommender/servingSpace()``)
/// and used for everything in it: profile, kNN, item vectors, the search query's embedding.
public struct ServingSpace: Sendable, Equatable {
    /// Written into statements as a constant, so the planner can use the space's partial HNSW index.
    public var name: PostgresIdentifierLiteral
    public var dims: Int
    /// The vector kind compared (`fused`, `text`, `image`).
    public var kind: String
    /// The model search queries are embedded with; nil: the embedding client's own (a fixed space).
    public var modelID: String?

    public init(name: PostgresIdentifierLiteral, dims: Int, kind: String, modelID: String?) {
        self.name = name
        self.dims = dims
        self.kind = kind
        self.modelID = modelID
    }
}

/// The recommender's SQL: profile lookup and the candidate query, run synchronously on one connection
/// (inside ``PostgresPool/withConnection(_:)``, i.e. on that connection's own thread).
struct RecommendationStore: Sendable {
    let configuration: RecommenderConfiguration
    let configured = ConfiguredConnections()
    let profiles = ProfileTable()
    /// One item vector cache per space (the live one and the last one).
    let vectorCaches: ItemVectorCaches
    /// The space of plans that name none: `default`, of the configuration's dimension and kind.
    let defaultSpace: ServingSpace

    init(configuration: RecommenderConfiguration) {
        self.configuration = configuration
        self.vectorCaches = ItemVectorCaches(capacity: configuration.cachedVectors)
        self.defaultSpace = ServingSpace(name: EmbeddingSpace.defaultName, dims: configuration.dimensions, kind: configuration.embeddingKind, modelID: nil)
    }

    /// The vector cache of the default space (tests, the bench's warm-up count).
    var vectorCache: ItemVectorCache { vectorCaches.cache(for: defaultSpace.name) }

    /// One candidate request: a kNN per vector (usually one), behavioural transitions, popular and fresh items.
    struct Plan: Sendable {
        /// The request's space (nil: ``defaultSpace``).
        var space: ServingSpace?
        var vectors: [[Float]] = []
        var knn: Int = 0
        var popular: Int = 0
        var fresh: Int = 0
        var filters = ItemFilters()
        var seen: SeenExclusion?
        /// Where behavioural candidates start from; nil: none.
        var covisit: CovisitSources?
        /// The request's instant: items published later are left out, transitions are weighed at it.
        var now: Date?
    }

    /// The items behavioural candidates follow from.
    enum CovisitSources: Sendable {
        /// The user's newest engaged events up to `now` (read in the candidate statement), position-decayed.
        case user(String)
        /// Given items with weights (similar items, examples).
        case items([String], weights: [Double])
    }

    func profile(_ conn: PGConnection, userID: String, space: ServingSpace) throws -> UserProfileVectors? {
        guard let row = try profiles.read(userID, space: space.name.value, parts: .vectors, on: conn, prepared: configuration.preparedStatements) else { return nil }
        guard row.state.dimension == space.dims else { return UserProfileVectors(longTerm: nil, session: nil, sessionAt: nil, negative: nil) }
        return UserProfileVectors(row.state)
    }

    /// Unit vectors of the given items (live, of the space's kind and dimension), by id.
    func itemVectors(_ conn: PGConnection, ids: [String], space: ServingSpace) throws -> [String: [Float]] {
        let rows = try conn.query(
            "SELECT e.item_id, e.embedding FROM item_embeddings e JOIN items i ON i.id = e.item_id "
                + "WHERE e.item_id = ANY(\(bind: ids)::text[]) AND e.space = \(literal: space.name) AND e.kind = \(bind: space.kind) "
                + "AND e.dims = \(literal: space.dims) AND i.deleted_at IS NULL",
            resultFormat: .binary, prepared: configuration.preparedStatements)
        var out = [String: [Float]]()
        for r in rows { out[try r.string(0)] = VectorMath.normalized(try r.vector(1)) }
        return out
    }

    /// A vector row's fingerprint: its content hash (model, dimension, kind and inputs, written by the
    /// catalog with the vector) and `updated_at` (set by every write), so a rewritten vector never matches.
    static func fingerprint(_ alias: String) -> String { "\(alias)content_hash || timestamptz_send(\(alias)updated_at)" }

    /// The candidate plan as one statement (nil when the plan asks for nothing). Every source carries what
    /// rescoring needs, so the rows are final: the item's columns, its popularity counter and its vector's
    /// fingerprint (the vectors themselves come from ``ItemVectorCache`` or the follow-up fetch in
    /// ``candidates(_:plan:)``). The kNN rows read the fingerprint from the row the index scan fetches
    /// anyway; popular and fresh rows probe item_embeddings for it. An item several sources produce comes
    /// once per source and is merged in Swift (``Candidate/merging(_:)``): merging in SQL (DISTINCT ON, a
    /// window for the source list, a lateral popularity probe per merged row) was ~10% of the statement
    /// (pgbench on bench_serve).
    ///
    /// The text depends only on the plan's shape (which sources, how many vectors, which filters, the
    /// sizes), so the prepared statement cache holds one statement per shape.
    func candidateQuery(_ plan: Plan) -> PostgresQuery? {
        let space = plan.space ?? defaultSpace
        let d = space.dims
        let kind = space.kind
        var parts = [PostgresQuery]()
        let itemColumns = "i.title, array_to_string(i.categories, chr(31)) AS cats, coalesce(i.published_at, i.created_at), i.available, i.price"
        let fingerprintProbe: PostgresQuery =
            "(SELECT \(unescaped: Self.fingerprint("e.")) FROM item_embeddings e WHERE e.item_id = i.id AND e.space = \(literal: space.name) AND e.kind = \(bind: kind) AND e.dims = \(literal: d))"
        let now = plan.now ?? Date()
        // Built once, bound once per source that applies it.
        let conditions = plan.filters.conditions(seen: plan.seen, publishedBy: now)
        var query = PostgresQuery()
        for v in plan.vectors where plan.knn > 0 {
            parts.append("""
                (SELECT e.item_id AS id, 'knn' AS src, \(unescaped: Self.fingerprint("e.")) AS fp, \(unescaped: itemColumns), pp.score_log2, \
                NULL::float8 AS cv, NULL::float8 AS cvn \
                FROM item_embeddings e JOIN items i ON i.id = e.item_id LEFT JOIN item_popularity pp ON pp.item_id = e.item_id \
                WHERE e.space = \(literal: space.name) AND e.dims = \(literal: d) AND e.kind = \(bind: kind)\(fragment: conditions) \
                ORDER BY e.embedding::halfvec(\(literal: d)) <=> \(bind: PGVector.halfvec(v))::halfvec(\(literal: d)) LIMIT \(literal: plan.knn))
                """)
        }
        if let sources = plan.covisit, configuration.usesCovisit {
            // Behavioural candidates: the strongest transitions out of each source item (index range scan on
            // (src_item, score_log2 DESC)), each weighed at `now` (2^(log2 − now/h); clamped far below any
            // real weight so power() never underflows), times the source's weight, divided by
            // events(source)^α; summed per target, then divided by events(target)^β.
            let c = configuration
            let src: PostgresQuery
            switch sources {
            case .user(let user):
                src = """
                    SELECT r.item_id, power(\(bind: c.covisitRecentDecay)::float8, min(r.pos)::float8) AS w FROM (\
                    SELECT x.item_id, row_number() OVER (ORDER BY x.occurred_at DESC) - 1 AS pos FROM interactions x \
                    WHERE x.user_id = \(bind: user) AND x.type <> 'dismiss' AND x.occurred_at <= \(bind: now) \
                    ORDER BY x.occurred_at DESC LIMIT \(bind: c.covisitRecentItems)) r GROUP BY r.item_id
                    """
            case .items(let ids, let weights):
                src = "SELECT * FROM unnest(\(bind: ids)::text[], \(bind: weights.map { String($0) })::text[]::float8[])"
            }
            query = """
                WITH src(item_id, w) AS (\(fragment: src)), cv AS (SELECT t.dst_item AS id, \
                sum(src.w * power(2::float8, greatest(t.score_log2 - \(bind: now.timeIntervalSince1970 / c.transitionHalfLife)::float8, -1000)) \
                / power(greatest(ps.events, 1)::float8, \(bind: c.covisitSourceNorm)::float8)) AS s, \
                sum(t.events) AS n \
                FROM src LEFT JOIN item_popularity ps ON ps.item_id = src.item_id CROSS JOIN LATERAL (\
                SELECT dst_item, score_log2, events FROM item_transitions WHERE src_item = src.item_id ORDER BY score_log2 DESC \
                LIMIT \(bind: c.covisitPerSource)) t \
                GROUP BY t.dst_item)
                """
            query.append(unescaped: " ")
            parts.append("""
                (SELECT i.id, 'covisit', \(fragment: fingerprintProbe), \(unescaped: itemColumns), pp.score_log2, \
                cv.s / power(greatest(pp.events, 1)::float8, \(bind: c.covisitTargetNorm)::float8) AS cvs, cv.n::float8 \
                FROM cv JOIN items i ON i.id = cv.id LEFT JOIN item_popularity pp ON pp.item_id = i.id \
                WHERE true\(fragment: conditions) ORDER BY cvs DESC LIMIT \(literal: c.covisitCandidates))
                """)
        }
        if plan.popular > 0 {
            parts.append("""
                (SELECT i.id, 'popular', \(fragment: fingerprintProbe), \(unescaped: itemColumns), pp.score_log2, NULL::float8, NULL::float8 \
                FROM item_popularity pp JOIN items i ON i.id = pp.item_id \
                WHERE true\(fragment: conditions) ORDER BY pp.score_log2 DESC LIMIT \(literal: plan.popular))
                """)
        }
        if plan.fresh > 0 {
            parts.append("""
                (SELECT i.id, 'fresh', \(fragment: fingerprintProbe), \(unescaped: itemColumns), pp.score_log2, NULL::float8, NULL::float8 \
                FROM items i LEFT JOIN item_popularity pp ON pp.item_id = i.id \
                WHERE true\(fragment: conditions) ORDER BY coalesce(i.published_at, i.created_at) DESC LIMIT \(literal: plan.fresh))
                """)
        }
        guard !parts.isEmpty else { return nil }
        query.append("SELECT c.*, (SELECT max(score_log2) FROM item_popularity)::float8 FROM (")
        query.append(parts.joined(separator: " UNION ALL "))
        query.append(unescaped: ") c")
        return query
    }

    /// Runs the candidate plan in one statement (one transaction when a kNN sets HNSW options), plus one
    /// statement for the candidates' vectors that ``ItemVectorCache`` lacks (none once warm).
    ///
    /// - Returns: the de-duplicated candidates and the largest stored popularity counter.
    func candidates(_ conn: PGConnection, plan: Plan) throws -> (candidates: [Candidate], maxPopularity: DecayedScore) {
        let space = plan.space ?? defaultSpace
        let vectorCache = vectorCaches.cache(for: space.name)
        guard let query = candidateQuery(plan) else { return ([], .empty) }
        let run = { (conn: PGConnection) throws -> PostgresRows in try conn.query(query, resultFormat: .binary, prepared: configuration.preparedStatements) }
        let rows: PostgresRows
        if plan.vectors.isEmpty || plan.knn == 0 {
            rows = try run(conn)
        } else if plan.knn <= configuration.efSearch {
            // The usual case: the connection already carries the HNSW options (set once per connection),
            // so the candidates cost one round trip.
            try configureOnce(conn)
            rows = try run(conn)
        } else {
            // A page that needs a larger ef_search: transaction-local options (is_local = true die with
            // the transaction), BEGIN and the options in one round trip.
            try conn.execute("BEGIN; SELECT set_config('hnsw.ef_search', '\(plan.knn)', true), "
                + "set_config('hnsw.iterative_scan', 'relaxed_order', true), "
                + "set_config('hnsw.max_scan_tuples', '\(configuration.maxScanTuples)', true)")
            do {
                rows = try run(conn)
                try conn.execute("COMMIT")
            } catch {
                if conn.isHealthy { _ = try? conn.execute("ROLLBACK") }
                throw error
            }
        }
        var out = [Candidate]()
        out.reserveCapacity(rows.count)
        var maxPop = DecayedScore.empty
        var fingerprints = [String: [UInt8]]()  // item id → its vector's fingerprint (no entry: no vector)
        for r in rows {
            let id = try r.string(0)
            if !r.isNull(11) { maxPop = DecayedScore(log2: try r.double(11)) }
            if fingerprints[id] == nil, let fp = r.bytes(2) { fingerprints[id] = fp }
            let catText = try r.string(4)
            let cats = catText.isEmpty ? [] : catText.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
            out.append(Candidate(
                itemID: id, vector: nil, title: try r.string(3), categories: cats,
                publishedAt: try r.date(5), popularity: r.isNull(8) ? .empty : DecayedScore(log2: try r.double(8)), covisit: r.isNull(9) ? 0 : try r.double(9), covisitSupport: r.isNull(10) ? 0 : try r.double(10),
                available: try r.bool(6), price: r.isNull(7) ? nil : try r.double(7), sources: [try r.string(1)]))
        }
        // An item several sources produced comes once per source: one candidate each, in id order.
        out = Candidate.merging(out)
        let keyed = out.indices.filter { fingerprints[out[$0].itemID] != nil }  // index in `out` of each key
        let keys = keyed.map { (id: out[$0].itemID, fingerprint: fingerprints[out[$0].itemID]!) }
        var missing = [String: Int]()  // item id → index in `out`
        for (k, v) in zip(keyed, vectorCache.vectors(keys)) {
            if let v { out[k].vector = v } else { missing[out[k].itemID] = k }
        }
        if !missing.isEmpty {
            // Missing or re-embedded since cached: one statement for all of them, stored with the fingerprint
            // read together with the vector (a write in between only makes the next request fetch again).
            let fetched = try conn.query(
                "SELECT item_id, \(unescaped: Self.fingerprint("")), embedding FROM item_embeddings "
                    + "WHERE item_id = ANY(\(bind: Array(missing.keys))::text[]) AND space = \(literal: space.name) AND kind = \(bind: space.kind) AND dims = \(literal: space.dims)",
                resultFormat: .binary, prepared: configuration.preparedStatements)
            var entries = [(id: String, fingerprint: [UInt8], halfvec: [UInt8], norm: Float)]()
            entries.reserveCapacity(fetched.count)
            for r in fetched {
                let id = try r.string(0)
                guard let k = missing[id] else { continue }
                let stored = r.bytes(2) ?? []
                guard let unit = ItemVectorCache.unitVector(stored) else {
                    throw PostgresError(.decoding, "item \(id): embedding is not a binary halfvec")
                }
                out[k].vector = unit.vector[...]
                entries.append((id, r.bytes(1) ?? [], stored, unit.norm))
            }
            vectorCache.insert(entries)
        }
        return (out, maxPop)
    }

    /// Loads up to `limit` item vectors (of the space's kind and dimension) with ids after `after`, in id
    /// order, into the space's vector cache; one page of the start-up warm-up.
    ///
    /// - Returns: rows read and the last id (nil when there are no more).
    func warmVectorCache(_ conn: PGConnection, space: ServingSpace, after: String, limit: Int) throws -> (rows: Int, last: String?) {
        let vectorCache = vectorCaches.cache(for: space.name)
        let rows = try conn.query(
            "SELECT item_id, \(unescaped: Self.fingerprint("")), embedding FROM item_embeddings "
                + "WHERE item_id > \(bind: after) AND space = \(literal: space.name) AND kind = \(bind: space.kind) AND dims = \(literal: space.dims) "
                + "ORDER BY item_id LIMIT \(literal: limit)",
            resultFormat: .binary)
        var entries = [(id: String, fingerprint: [UInt8], halfvec: [UInt8], norm: Float)]()
        entries.reserveCapacity(rows.count)
        var last: String?  // of every row read, cached or not, so the next page starts after all of them
        for r in rows {
            let id = try r.string(0)
            last = id
            let stored = r.bytes(2) ?? []
            guard let unit = ItemVectorCache.unitVector(stored) else { continue }  // not a halfvec: fetched per request instead
            entries.append((id, r.bytes(1) ?? [], stored, unit.norm))
        }
        vectorCache.insert(entries)
        return (rows.count, rows.count < limit ? nil : last)
    }

    /// Session-level HNSW options on a pool connection, once: every statement this service runs wants the
    /// same ef_search and iterative scan, and the pool's connections are the service's own.
    func configureOnce(_ conn: PGConnection) throws {
        guard !configured.contains(conn) else { return }
        try conn.execute("SET hnsw.ef_search = \(configuration.efSearch); SET hnsw.iterative_scan = relaxed_order; "
            + "SET hnsw.max_scan_tuples = \(configuration.maxScanTuples)")
        configured.insert(conn)
    }
}
