import Foundation
import Postgres
import Profiles
import RecCore
import Testing
@testable import RecService

/// A replay on historical time: events of 2001 recorded through the interaction consumer's transaction,
/// then recommendations "as of" 2001. Session, popularity, trending and transition terms work exactly as
/// they would have live; at today's wall clock the same session has long faded.
@Suite("Event-time replay", .enabled(if: ServiceTestStack.integration), .serialized)
struct EventTimeReplayTests {
    @Test func sessionPopularityTrendingAndTransitionsWorkOnHistoricalTime() async throws {
        try await ServiceTestStack.withSchema { pool, conn in
            var rng = ServiceTestStack.Directions(seed: 77)
            let dims = ServiceTestStack.dims
            var vectors = [String: [Float]]()
            for k in 0..<24 {
                let id = "m\(k)"
                vectors[id] = rng.unit()
                try ServiceTestStack.insertItem(conn, id: id, title: "film \(k)", categories: ["g\(k % 3)"], vector: vectors[id]!)
            }
            // Announced for 2030: not recommended in 2001, nor today.
            try ServiceTestStack.insertItem(conn, id: "future", title: "sequel", categories: ["g0"], vector: vectors["m1"]!)
            try conn.execute("UPDATE items SET published_at = '2030-01-01Z' WHERE id = 'future'")
            let t0 = Date(timeIntervalSince1970: 983_404_800)  // 2001-03-01
            var events = [Interaction]()
            func add(_ user: String, _ item: String, _ at: Date, session: String? = nil) {
                events.append(Interaction(eventID: UUID(), occurredAt: at, userID: UserID(user), itemID: ItemID(item), type: .view, sessionID: session))
            }
            // 30 viewers went from m0 to m1 (in that order), m5 is everyone's favourite that week.
            for u in 0..<30 {
                let at = t0.addingTimeInterval(Double(u) * 3600)
                add("v\(u)", "m0", at); add("v\(u)", "m1", at.addingTimeInterval(60)); add("v\(u)", "m5", at.addingTimeInterval(120))
            }
            // The replayed user: a long history of m10–m13, then a session on m0 just now (in 2001).
            for k in 10..<14 { add("me", "m\(k)", t0.addingTimeInterval(-Double(k) * 86_400)) }
            let now = t0.addingTimeInterval(40 * 3600)
            add("me", "m0", now.addingTimeInterval(-300), session: "s1")
            let store = ProfileStore(pool: pool, configuration: try ProfileConfiguration(dimension: dims))
            try await store.record(events)

            let recommender = try ServiceTestStack.recommender(pool)
            let asOf = try await recommender.recommend(userID: "me", request: ListingRequest(limit: 10), now: now)
            let top = try #require(asOf.items.first)
            #expect(top.candidate.itemID == "m1", "what people watched after m0 comes first")
            #expect(top.explanation.covisit > 0 && top.candidate.sources.contains("covisit"))
            #expect(asOf.items.contains { $0.explanation.session > 0 }, "the 2001 session steers the 2001 list")
            #expect(asOf.items.contains { $0.candidate.itemID == "m5" && $0.explanation.popularity > 0.1 }, "that week's favourite is popular then")
            #expect(!asOf.items.contains { ["m0", "m10", "m11", "m12", "m13", "future"].contains($0.candidate.itemID) }, "seen and unpublished items never come back")

            let today = try await recommender.recommend(userID: "me", request: ListingRequest(limit: 10))
            #expect(today.items.allSatisfy { $0.explanation.session == 0 }, "25 years later the session has faded")
            #expect(!today.items.contains { $0.candidate.itemID == "future" })

            let catalog = CatalogReader(pool: pool, weights: recommender.configuration.weights)
            let trending = try await catalog.trending(limit: 5, category: nil, window: 48 * 3600, now: now)
            guard case .object(let t) = trending, case .array(let items)? = t["items"] else { Issue.record("trending is not an object"); return }
            func field(_ v: JSONValue?, _ k: String) -> JSONValue? { if case .object(let o)? = v { o[k] } else { nil } }
            #expect(["m0", "m1", "m5"].contains(field(items.first, "id")?.string ?? ""), "the window ending at the replay's instant")
            #expect(items.count == 3)
            let popular = try await catalog.popular(limit: 3, category: nil, available: nil, now: now)
            #expect(popular.count == 3 && popular.allSatisfy { (field($0, "score")?.double ?? 0) > 0 }, "scores at the replay's instant are not 0")
        }
    }
}
