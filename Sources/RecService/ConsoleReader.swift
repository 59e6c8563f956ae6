import Foundation
import Postgres
import Profiles
import RecCore

/// The web console's reads that the public API does not offer: users by prefix, a profile's terms with the
/// items closest to each, an item's activity over time, items by title, the vector index's size.
struct ConsoleReader: Sendable {
    let pool: PostgresPool
    let recommender: Recommender

    /// Users whose id starts with `prefix` (all when empty), most recently active first (their profiles in the live
    /// embedding space).
    func users(prefix: String, limit: Int) async throws -> JSONValue {
        let space = try await recommender.servingSpace()
        let rows = try await pool.query(
            "SELECT user_id, event_count, last_event_at FROM user_profiles WHERE space = \(bind: space.name.value) AND starts_with(user_id, \(bind: prefix)) "
                + "ORDER BY last_event_at DESC NULLS LAST, user_id LIMIT \(literal: limit)")
        return ["users": .array(try rows.map { r in [
            "userId": .string(try r.string(0)), "eventCount": .number(Double(try r.int(1))),
            "lastEventAt": r.isNull(2) ? .null : .string(RFC3339.format(try r.date(2))),
        ] })]
    }

    /// Live items whose id starts with `query` or whose title contains it (case-insensitive).
    func items(query: String, limit: Int) async throws -> JSONValue {
        let pattern = "%" + query.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        let rows = try await pool.query(
            "SELECT id, title, array_to_json(categories)::text, available FROM items WHERE deleted_at IS NULL "
                + "AND (starts_with(id, \(bind: query)) OR title ILIKE \(bind: pattern)) "
                + "ORDER BY starts_with(id, \(bind: query)) DESC, id LIMIT \(literal: limit)")
        return ["items": .array(try rows.map { r in [
            "id": .string(try r.string(0)), "title": .string(try r.string(1)),
            "categories": try JSONValue.parse(Array(try r.string(2).utf8)), "available": .bool(try r.bool(3)),
        ] })]
    }

    /// The profile's terms (each vector's weight now and the catalog items nearest to it), category affinity, and
    /// the user's newest `events` interactions with item titles; nil when the user has neither. The profile and
    /// the nearest items are the live embedding space's.
    func profile(userID: String, events: Int, now: Date = Date()) async throws -> JSONValue? {
        let space = try await recommender.servingSpace()
        let (row, recent) = try await pool.withConnection { conn in
            (try ProfileTable().read(userID, space: space.name.value, parts: .all, on: conn), try InteractionLog().recent(userID, limit: events, on: conn))
        }
        if row == nil && recent.isEmpty { return nil }
        let ids = Array(Set(recent.map(\.itemID.rawValue)))
        var titles = [String: String]()
        if !ids.isEmpty {
            for r in try await pool.query("SELECT id, title FROM items WHERE id = ANY(\(bind: ids)::text[])") { titles[try r.string(0)] = try r.string(1) }
        }
        let config = recommender.configuration
        var out: [String: JSONValue] = ["userId": .string(userID), "hasProfile": .bool(row != nil)]
        let p = row?.state
        out["eventCount"] = .number(Double(p?.eventCount ?? 0))
        out["countsByType"] = .object(Dictionary(uniqueKeysWithValues: (p?.countsByType ?? [:]).map { ($0.key.rawValue, .number(Double($0.value))) }))
        out["categoryAffinity"] = .array((p?.categoryAffinity ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(20).map { ["category": .string($0.key), "affinity": .number(($0.value * 1e6).rounded() / 1e6)] })
        out["sessionId"] = p?.sessionID.map { .string($0) } ?? .null
        out["sessionAt"] = p?.session.referenceTime.map { .string(RFC3339.format($0)) } ?? .null
        out["lastEventAt"] = p?.lastEventAt.map { .string(RFC3339.format($0)) } ?? .null
        var terms = [JSONValue]()
        let w = config.weights
        let vectors: [(String, DecayedVector?, Float)] = [
            ("longTerm", p?.longTerm, w.longTerm),
            ("session", p?.session, w.sessionWeight(sessionAt: p?.session.referenceTime, now: now)),
            ("negative", p?.negative, -w.negative),
        ]
        for (name, v, weight) in vectors {
            var nearest = [JSONValue]()
            let present = v.map { !$0.isEmpty } ?? false
            if let v, present, v.sum.count == space.dims, v.sum.contains(where: { $0 != 0 }) {
                let result = try await recommender.search(vector: VectorMath.normalized(v.sum), request: ListingRequest(limit: 6),
                                                          userID: nil, personalization: 0, space: space, now: now)
                nearest = result.items.map { s in [
                    "id": .string(s.candidate.itemID), "title": .string(s.candidate.title), "categories": .strings(s.candidate.categories),
                    "similarity": .number(RecommendationsResponse.rounded(s.explanation.query)),
                ] }
            }
            terms.append([
                "term": .string(name), "present": .bool(present), "weightNow": .number(RecommendationsResponse.rounded(weight)),
                "referenceAt": v?.referenceTime.map { .string(RFC3339.format($0)) } ?? .null, "nearest": .array(nearest),
            ])
        }
        out["terms"] = .array(terms)
        out["recentEvents"] = .array(recent.map { e in [
            "eventId": .string(e.eventID.uuidString.lowercased()), "productId": .string(e.itemID.rawValue),
            "title": titles[e.itemID.rawValue].map { .string($0) } ?? .null, "type": .string(e.type.rawValue),
            "value": e.value.map { .number($0) } ?? .null, "occurredAt": .string(RFC3339.format(e.occurredAt)),
            "sessionId": e.sessionID.map { .string($0) } ?? .null,
        ] })
        return .object(out)
    }

    /// The item's interactions per bucket and type over `window` ending at `now` (event time), with its
    /// decayed popularity now; nil for an unknown item.
    func activity(itemID: String, window: ItemActivityWindow, now: Date = Date()) async throws -> JSONValue? {
        let exists = try await pool.query(
            "SELECT (SELECT score_log2 FROM item_popularity WHERE item_id = i.id) FROM items i WHERE id = \(bind: itemID) AND deleted_at IS NULL")
        guard let head = exists.first else { return nil }
        let bucket = Double(window.bucketSeconds)
        // Buckets end at `now`'s bucket boundary, so the last bucket holds the newest events.
        let end = (now.timeIntervalSince1970 / bucket).rounded(.up) * bucket
        let start = end - window.seconds
        let rows = try await pool.query(
            "SELECT floor((extract(epoch FROM occurred_at) - \(bind: start)) / \(bind: bucket))::int AS b, type, count(*)::int, count(DISTINCT user_id)::int "
                + "FROM interactions WHERE item_id = \(bind: itemID) AND occurred_at >= to_timestamp(\(bind: start)) AND occurred_at < to_timestamp(\(bind: end)) "
                + "GROUP BY 1, 2 ORDER BY 1, 2")
        let users = try await pool.query(
            "SELECT count(DISTINCT user_id)::int FROM interactions WHERE item_id = \(bind: itemID) "
                + "AND occurred_at >= to_timestamp(\(bind: start)) AND occurred_at < to_timestamp(\(bind: end))").first?.int(0) ?? 0
        let n = Int(window.seconds / bucket)
        var counts = [[String: Double]](repeating: [:], count: n)
        var totals = [String: Double]()
        for r in rows {
            let b = try r.int(0), type = try r.string(1), c = Double(try r.int(2))
            guard (0..<n).contains(b) else { continue }
            counts[b][type, default: 0] += c
            totals[type, default: 0] += c
        }
        let popularity: JSONValue = head.isNull(0) ? .null
            : .number(CatalogReader.rounded(recommender.configuration.weights.popularityNow(DecayedScore(log2: try head.double(0)), now: now)))
        return [
            "itemId": .string(itemID), "window": .string(window.rawValue), "bucketSeconds": .number(bucket),
            "from": .string(RFC3339.format(Date(timeIntervalSince1970: start))), "to": .string(RFC3339.format(Date(timeIntervalSince1970: end))),
            "buckets": .array(counts.enumerated().map { i, c in [
                "start": .string(RFC3339.format(Date(timeIntervalSince1970: start + Double(i) * bucket))),
                "counts": .object(c.mapValues { .number($0) }),
            ] }),
            "totals": .object(totals.mapValues { .number($0) }), "users": .number(Double(users)), "popularityNow": popularity,
        ]
    }

    /// Items, vectors by embedding space, kind and dimension, and the size of each HNSW index on `item_embeddings`.
    func index() async throws -> JSONValue {
        let items = try await pool.query("SELECT count(*)::bigint, count(*) FILTER (WHERE deleted_at IS NULL)::bigint FROM items").first
        let vectors = try await pool.query("SELECT kind, dims, count(*)::bigint, space FROM item_embeddings GROUP BY 4, 1, 2 ORDER BY 4, 1, 2")
        let hnsw = try await pool.query(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
                + "JOIN pg_am a ON a.oid = c.relam WHERE x.indrelid = 'item_embeddings'::regclass AND a.amname = 'hnsw' ORDER BY 1")
        return [
            "items": .number(Double(try items?.int(0) ?? 0)), "liveItems": .number(Double(try items?.int(1) ?? 0)),
            "vectors": .array(try vectors.map { r in ["space": .string(try r.string(3)), "kind": .string(try r.string(0)), "dims": .number(Double(try r.int(1))), "count": .number(Double(try r.int(2)))] }),
            "hnsw": .array(try hnsw.map { r in ["name": .string(try r.string(0)), "bytes": .number(Double(try r.int(1)))] }),
        ]
    }
}
