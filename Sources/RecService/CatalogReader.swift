import EmbeddingSpaces
import RecCore
import Foundation
import Postgres
import Profiles

/// Read-side queries other than ranking: items, popularity, trending, profile summaries.
public struct CatalogReader: Sendable {
    let pool: PostgresPool
    let weights: BlendWeights
    /// Profile summaries describe the live space's profile.
    let spaces: EmbeddingSpaceRegistry

    /// - Parameter spaces: default: the one space `default`.
    public init(pool: PostgresPool, weights: BlendWeights, spaces: EmbeddingSpaceRegistry? = nil) {
        self.pool = pool
        self.weights = weights
        self.spaces = spaces ?? EmbeddingSpaceRegistry(fixed: .default(model: "unspecified", dims: 1024, mode: .fused))
    }

    /// One live item with its vector kinds in the live embedding space, or nil.
    public func item(id: String) async throws -> JSONValue? {
        let space = try await spaces.ready().live.name.value
        let rows = try await pool.query(
            "SELECT id, title, description, array_to_json(categories)::text, attributes::text, image_url, price, available, "
                + "created_at, updated_at, version_at, "
                + "(SELECT coalesce(json_agg(json_build_object('kind', kind, 'dims', dims, 'model', model) ORDER BY kind), '[]') FROM item_embeddings "
                + "WHERE item_id = i.id AND space = \(bind: space))::text "
                + "FROM items i WHERE id = \(bind: id) AND deleted_at IS NULL")
        guard let r = rows.first else { return nil }
        func json(_ i: Int) throws -> JSONValue { try JSONValue.parse(Array(try r.string(i).utf8)) }
        return [
            "id": .string(try r.string(0)), "title": .string(try r.string(1)), "description": .string(try r.string(2)),
            "categories": try json(3), "attributes": try json(4),
            "imageUrl": r.isNull(5) ? .null : .string(try r.string(5)),
            "price": r.isNull(6) ? .null : .number(try r.double(6)),
            "available": .bool(try r.bool(7)),
            "createdAt": .string(Self.iso(try r.date(8))), "updatedAt": .string(Self.iso(try r.date(9))),
            "versionAt": .string(Self.iso(try r.date(10))),
            "embeddings": try json(11),
        ]
    }

    /// Items by decayed popularity as of `now`, optionally in one category. Counters compare at one instant
    /// by their stored log₂ (``DecayedScore``), so the index order is the order at any `now`.
    public func popular(limit: Int, category: String?, available: Bool?, now: Date = Date()) async throws -> [JSONValue] {
        let filters = ItemFilters(categories: category.map { [$0] } ?? [], available: available)
        let rows = try await pool.query(
            "SELECT i.id, i.title, array_to_json(i.categories)::text, pp.score_log2, pp.events FROM item_popularity pp "
                + "JOIN items i ON i.id = pp.item_id WHERE true\(fragment: filters.conditions(seen: nil, publishedBy: now)) "
                + "ORDER BY pp.score_log2 DESC, i.id LIMIT \(literal: limit)")
        return try rows.map { r in
            let s = weights.popularityNow(DecayedScore(log2: try r.double(3)), now: now)
            return [
                "id": .string(try r.string(0)), "title": .string(try r.string(1)),
                "categories": try JSONValue.parse(Array(try r.string(2).utf8)),
                "score": .number(Self.rounded(s)), "events": .number(Double(try r.int(4))),
            ]
        }
    }

    /// `value` to 6 significant digits: scores at a replay's instant can be far from 1.
    static func rounded(_ value: Double) -> Double {
        guard value != 0, value.isFinite else { return value }
        return Double(String(format: "%.6g", value)) ?? value
    }

    /// Items with the most interactions in the window ending at `now` (event time; dismissals excluded),
    /// and the top categories by decayed counters as of `now`.
    public func trending(limit: Int, category: String?, window: TimeInterval, now: Date = Date()) async throws -> JSONValue {
        let filters = ItemFilters(categories: category.map { [$0] } ?? [])
        let items = try await pool.query(
            "SELECT i.id, i.title, array_to_json(i.categories)::text, count(*) AS n, count(DISTINCT x.user_id) AS users "
                + "FROM interactions x JOIN items i ON i.id = x.item_id "
                + "WHERE x.occurred_at >= \(bind: now.addingTimeInterval(-window)) AND x.occurred_at <= \(bind: now) AND x.type <> 'dismiss'"
                + "\(fragment: filters.conditions(seen: nil)) "
                + "GROUP BY i.id, i.title, i.categories ORDER BY n DESC, users DESC, i.id LIMIT \(literal: limit)")
        let cats = try await pool.query("SELECT category, score_log2 FROM category_popularity ORDER BY score_log2 DESC, category LIMIT 10")
        let categoryList = try cats.map { r -> JSONValue in
            let s = weights.popularityNow(DecayedScore(log2: try r.double(1)), now: now)
            return ["category": .string(try r.string(0)), "score": .number(Self.rounded(s))]
        }
        return [
            "windowHours": .number(window / 3600),
            "items": .array(try items.map { r in [
                "id": .string(try r.string(0)), "title": .string(try r.string(1)),
                "categories": try JSONValue.parse(Array(try r.string(2).utf8)),
                "interactions": .number(Double(try r.int(3))), "users": .number(Double(try r.int(4))),
            ] }),
            "categories": .array(categoryList),
        ]
    }

    /// A user's profile summary (in the live embedding space), or nil when the user has neither a profile nor interactions.
    public func profile(userID: String) async throws -> JSONValue? {
        let space = try await spaces.ready().live.name.value
        return try await pool.withConnection { conn in
            let profile = try ProfileTable().read(userID, space: space, parts: .all, on: conn)
            let events = try InteractionLog().recent(userID, limit: 10, on: conn)
            if profile == nil && events.isEmpty { return nil }
            var out: [String: JSONValue] = ["userId": .string(userID), "hasProfile": .bool(profile != nil)]
            if let profile {
                let p = profile.state
                out["eventCount"] = .number(Double(p.eventCount))
                out["countsByType"] = .object(Dictionary(uniqueKeysWithValues: p.countsByType.map { ($0.key.rawValue, .number(Double($0.value))) }))
                out["topCategories"] = .array(p.categoryAffinity.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5).map {
                    ["category": .string($0.key), "affinity": .number(($0.value * 1e6).rounded() / 1e6)]
                })
                out["lastEventAt"] = p.lastEventAt.map { .string(Self.iso($0)) } ?? .null
                out["sessionId"] = p.sessionID.map { .string($0) } ?? .null
                out["sessionAt"] = p.session.referenceTime.map { .string(Self.iso($0)) } ?? .null
                out["vectors"] = ["longTerm": .bool(!p.longTerm.isEmpty), "session": .bool(!p.session.isEmpty), "negative": .bool(!p.negative.isEmpty),
                                  "dims": .number(Double(p.dimension))]
                out["updatedAt"] = profile.updatedAt.map { .string(Self.iso($0)) } ?? .null
            }
            out["lastEvents"] = .array(events.map { e in [
                "eventId": .string(e.eventID.uuidString.lowercased()), "productId": .string(e.itemID.rawValue), "type": .string(e.type.rawValue),
                "value": e.value.map { .number($0) } ?? .null,
                "sessionId": e.sessionID.map { .string($0) } ?? .null,
                "occurredAt": .string(Self.iso(e.occurredAt)),
            ] })
            return .object(out)
        }
    }

    static func iso(_ d: Date) -> String {
        d.formatted(.iso8601)
    }
}
