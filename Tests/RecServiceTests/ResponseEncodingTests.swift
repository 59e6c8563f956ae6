import Foundation
import RecCore
import Testing
@testable import RecService

/// Response types write the very bytes the API wrote when its bodies were `JSONValue` trees: member
/// names, number formatting, `null` versus absent, key order.
@Suite("Response encoding")
struct ResponseEncodingTests {
    /// How ranked listings were rendered before they were types: the reference.
    static func reference(_ result: RecommendationResult, explain: Bool, extra: [String: JSONValue], requestID: String) -> [UInt8] {
        var out = extra
        out["strategy"] = .string(result.strategy)
        out["fallback"] = .bool(result.fallback)
        out["requestId"] = .string(requestID)
        // Added with embedding spaces (issue #15): the space that ranked the list, with explain=true.
        if explain { out["embeddingSpace"] = .string(result.space) }
        out["items"] = .array(result.items.enumerated().map { rank, s in
            var o: [String: JSONValue] = [
                "id": .string(s.candidate.itemID), "title": .string(s.candidate.title),
                "categories": .strings(s.candidate.categories), "score": .float(s.score), "rank": .number(Double(rank + 1)),
                "available": .bool(s.candidate.available), "price": s.candidate.price.map { .number($0) } ?? .null,
            ]
            if explain {
                let e = s.explanation
                o["explanation"] = [
                    "longTerm": .float(e.longTerm), "session": .float(e.session), "context": .float(e.context),
                    "negative": .float(e.negative), "covisit": .float(e.covisit), "popularity": .float(e.popularity), "freshness": .float(e.freshness),
                    "query": .float(e.query), "sources": .strings(s.candidate.sources.sorted()),
                ]
            }
            return .object(o)
        })
        return JSONValue.object(out).encoded()
    }

    static func item(_ id: String, title: String, price: Double?, sources: Set<String>, _ parts: [Float]) -> ScoredItem {
        var e = ScoreExplanation()
        (e.longTerm, e.session, e.context, e.negative) = (parts[0], parts[1], parts[2], parts[3])
        (e.covisit, e.popularity, e.freshness, e.query) = (parts[4], parts[5], parts[6], parts[7])
        return ScoredItem(candidate: Candidate(itemID: id, vector: nil, title: title, categories: id.hasPrefix("a") ? [] : ["x", "y \"z\""],
                                               available: price != nil, price: price, sources: sources), explanation: e)
    }

    static let result = RecommendationResult(items: [
        item("a1", title: "plain", price: nil, sources: ["knn"], [0.1234567, 0, 0, -0.25, 0, 0.0000004, 0.00002, 0]),
        item("b2", title: "ünïcode \n\t\u{01} \\ / \"", price: 19.99, sources: ["popular", "knn", "fresh"], [1, 0.5, 0.3333333, -1e-7, 2, 0, 0, 12345.678]),
        item("c3", title: "", price: 20, sources: [], [0, 0, 0, 0, 0, 0, 0, 0]),
        item("d4", title: "big", price: 1e16, sources: ["covisit"], [3.4e38, -3.4e38, .nan, .infinity, 0, 0, 0, 0]),
    ], strategy: "blended", fallback: false)

    @Test(arguments: [false, true])
    func rankedListingsAreTheBytesTheyWere(explain: Bool) throws {
        let encoder = CompactJSONEncoder()
        for (extra, user, item) in [([String: JSONValue](), nil, nil), (["userId": "u \"1\""], "u \"1\"", nil), (["itemId": "i1"], nil, "i1")] as [([String: JSONValue], String?, String?)] {
            let typed = try encoder.encode(RecommendationsResponse(Self.result, explain: explain, requestID: "r-1", userID: user, itemID: item))
            let before = Self.reference(Self.result, explain: explain, extra: extra, requestID: "r-1")
            #expect(String(decoding: typed, as: UTF8.self) == String(decoding: before, as: UTF8.self))
        }
        let empty = RecommendationResult(items: [], strategy: "popularity_freshness", fallback: true)
        #expect(try encoder.encode(RecommendationsResponse(empty, explain: explain, requestID: "r")) == Self.reference(empty, explain: explain, extra: [:], requestID: "r"))
    }

    /// What the catalog reader returns, as each route's type reads and writes it.
    @Test func catalogBodiesKeepTheirBytes() throws {
        let item: JSONValue = [
            "id": "i1", "title": "t", "description": "d", "categories": ["a"], "attributes": ["color": "red", "n": 1, "nested": ["x": nil]],
            "imageUrl": nil, "price": nil, "available": true, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-02T00:00:00Z",
            "versionAt": "2026-01-02T00:00:00Z", "embeddings": [["kind": "fused", "dims": 256, "model": "m"]],
        ]
        var priced = item
        if case .object(var o) = priced { o["price"] = .number(12.5); o["imageUrl"] = "https://x/y.png"; priced = .object(o) }
        let event: JSONValue = ["eventId": "e", "productId": "p", "type": "view", "value": nil, "sessionId": nil, "occurredAt": "2026-01-01T00:00:00Z"]
        let bare: JSONValue = ["userId": "u", "hasProfile": false, "lastEvents": [event]]
        let profile: JSONValue = [
            "userId": "u", "hasProfile": true, "eventCount": 3, "countsByType": ["view": 2, "rating": 1],
            "topCategories": [["category": "a", "affinity": .number(0.123457)]], "lastEventAt": nil, "sessionId": "s", "sessionAt": nil,
            "vectors": ["longTerm": true, "session": false, "negative": false, "dims": 256], "updatedAt": "2026-01-01T00:00:00Z",
            "lastEvents": [event, ["eventId": "f", "productId": "q", "type": "rating", "value": .number(4.5), "sessionId": "s", "occurredAt": "2026-01-01T00:00:00Z"]],
        ]
        let popular: JSONValue = ["items": [["id": "i", "title": "t", "categories": [], "score": .number(0.000123457), "events": 5]], "requestId": "r"]
        let trending: JSONValue = [
            "windowHours": 24, "items": [["id": "i", "title": "t", "categories": ["c"], "interactions": 7, "users": 2]],
            "categories": [["category": "c", "score": .number(1234.57)]], "requestId": "r",
        ]
        func roundTrip<T: Codable>(_ v: JSONValue, _ type: T.Type) throws {
            #expect(try CompactJSONEncoder().encode(try v.decoded(as: type)) == v.encoded(), "\(type)")
        }
        try roundTrip(item, CatalogItem.self)
        try roundTrip(priced, CatalogItem.self)
        try roundTrip(bare, UserProfileSummary.self)
        try roundTrip(profile, UserProfileSummary.self)
        try roundTrip(popular, PopularItems.self)
        try roundTrip(trending, TrendingItems.self)
    }

    @Test func smallBodiesKeepTheirBytes() throws {
        let encoder = CompactJSONEncoder()
        func text(_ v: some Encodable) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
        #expect(try text(APIErrorBody(code: "not_found", message: "item \"x\" does not exist")) == #"{"error":{"code":"not_found","message":"item \"x\" does not exist"}}"#)
        #expect(try text(HealthStatus()) == #"{"status":"ok"}"#)
        #expect(try text(AcceptedEvents(accepted: 3, requestId: "r")) == #"{"accepted":3,"requestId":"r"}"#)
        #expect(try text(DeletedUser(deletedInteractions: 0, deletedProfile: false, userId: "u")) == #"{"deletedInteractions":0,"deletedProfile":false,"userId":"u"}"#)
        #expect(try text(Readiness(checks: ["database": "ok", "broker": "not configured"], ready: true))
            == #"{"checks":{"broker":"not configured","database":"ok"},"status":"ready"}"#)
        #expect(try text(Readiness(checks: ["database": "unreachable"], ready: false))
            == #"{"checks":{"database":"unreachable"},"error":{"code":"unavailable","message":"a dependency is unreachable"}}"#)
    }
}
