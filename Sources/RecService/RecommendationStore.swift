import Foundation
import Postgres

/// The recommender's SQL: profile lookup and the candidate query, run synchronously on one connection
/// (inside ``PostgresPool/withConnection(_:)``, i.e. on that connection's own thread).
struct RecommendationStore: Sendable {
    let configuration: RecommenderConfiguration

    /// One candidate request: a kNN per vector (usually one), plus popular and fresh items.
    struct Plan: Sendable {
        var vectors: [[Float]] = []
        var knn: Int = 0
        var popular: Int = 0
        var fresh: Int = 0
        var filters = ItemFilters()
        var seen: SeenExclusion?
    }

    func profile(_ conn: PGConnection, userID: String) throws -> UserProfileVectors? {
        let rows = try conn.query(
            "SELECT long_term, session, session_ref_at, negative, dims FROM user_profiles WHERE user_id = $1",
            [userID], resultFormat: .binary)
        guard let r = rows.first else { return nil }
        guard try r.int(4) == configuration.dimensions else { return UserProfileVectors(longTerm: nil, session: nil, sessionAt: nil, negative: nil) }
        return UserProfileVectors(longTerm: r.isNull(0) ? nil : try r.vector(0),
                                  session: r.isNull(1) ? nil : try r.vector(1),
                                  sessionAt: r.isNull(2) ? nil : try r.date(2),
                                  negative: r.isNull(3) ? nil : try r.vector(3))
    }

    /// Unit vectors of the given items (live, of the served kind and dimension), by id.
    func itemVectors(_ conn: PGConnection, ids: [String]) throws -> [String: [Float]] {
        let d = configuration.dimensions
        let rows = try conn.query(
            "SELECT e.item_id, e.embedding FROM item_embeddings e JOIN items i ON i.id = e.item_id "
                + "WHERE e.item_id = ANY($1::text[]) AND e.kind = $2 AND e.dims = \(d) AND i.deleted_at IS NULL",
            [ids, configuration.embeddingKind], resultFormat: .binary)
        var out = [String: [Float]]()
        for r in rows { out[try r.string(0)] = VectorMath.normalized(try r.vector(1)) }
        return out
    }

    /// Runs the candidate plan in one statement (one transaction when a kNN sets HNSW options).
    ///
    /// - Returns: the de-duplicated candidates and the largest stored popularity counter.
    func candidates(_ conn: PGConnection, plan: Plan) throws -> (candidates: [Candidate], maxPopularity: Double) {
        let d = configuration.dimensions
        var p = SQLParameters()
        let kind = p.add(configuration.embeddingKind)
        var parts = [String]()
        for v in plan.vectors where plan.knn > 0 {
            let cond = p.conditions(plan.filters, seen: plan.seen)
            parts.append("(SELECT e.item_id AS id, 'knn' AS src FROM item_embeddings e JOIN items i ON i.id = e.item_id"
                + " WHERE e.dims = \(d) AND e.kind = \(kind)\(cond)"
                + " ORDER BY e.embedding::halfvec(\(d)) <=> \(p.add(PGVector.halfvec(v)))::halfvec(\(d)) LIMIT \(plan.knn))")
        }
        if plan.popular > 0 {
            let cond = p.conditions(plan.filters, seen: plan.seen)
            parts.append("(SELECT i.id AS id, 'popular' AS src FROM item_popularity pp JOIN items i ON i.id = pp.item_id WHERE true\(cond)"
                + " ORDER BY pp.score DESC LIMIT \(plan.popular))")
        }
        if plan.fresh > 0 {
            let cond = p.conditions(plan.filters, seen: plan.seen)
            parts.append("(SELECT i.id AS id, 'fresh' AS src FROM items i WHERE true\(cond) ORDER BY i.created_at DESC LIMIT \(plan.fresh))")
        }
        guard !parts.isEmpty else { return ([], 0) }
        let sql = "WITH c AS (" + parts.joined(separator: " UNION ALL ") + "), u AS (SELECT id, string_agg(src, ',') AS srcs FROM c GROUP BY id) "
            + "SELECT u.id, u.srcs, e.embedding, i.title, array_to_json(i.categories)::text, i.created_at, "
            + "coalesce(pp.score, 0)::float8, pp.ref_at, i.available, i.price, (SELECT max(score) FROM item_popularity)::float8 "
            + "FROM u JOIN items i ON i.id = u.id "
            + "LEFT JOIN item_embeddings e ON e.item_id = u.id AND e.kind = \(kind) AND e.dims = \(d) "
            + "LEFT JOIN item_popularity pp ON pp.item_id = u.id"
        let run = { (conn: PGConnection) throws -> PostgresRows in try conn.query(sql, p.values, resultFormat: .binary) }
        let rows: PostgresRows
        if plan.vectors.isEmpty || plan.knn == 0 {
            rows = try run(conn)
        } else {
            // SET LOCAL-style options (is_local = true) die with the transaction: pooled connections stay clean.
            // is_local = true: the options die with the transaction, so pooled connections stay clean.
            // BEGIN and the options travel in one round trip.
            try conn.execute("BEGIN; SELECT set_config('hnsw.ef_search', '\(max(configuration.efSearch, plan.knn))', true), "
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
        var maxPop = 0.0
        for r in rows {
            let cats = (try? JSONDecoder().decode([String].self, from: Data(try r.string(4).utf8))) ?? []
            out.append(Candidate(
                itemID: try r.string(0), vector: r.isNull(2) ? nil : try r.vector(2), title: try r.string(3), categories: cats,
                createdAt: try r.date(5), popularity: try r.double(6), popularityRefAt: r.isNull(7) ? nil : try r.date(7),
                available: try r.bool(8), price: r.isNull(9) ? nil : try r.double(9),
                sources: Set(try r.string(1).split(separator: ",").map(String.init))))
            if !r.isNull(10) { maxPop = try r.double(10) }
        }
        return (out, maxPop)
    }
}
