import Foundation
import Postgres
import RecCore
import Testing
@testable import Profiles

/// Profiles in Nova's 3072-d space: the configuration accepts it and the store keeps and reads 3072-d sums.
@Suite(.enabled(if: ProfilesTestDatabase.integration), .serialized)
struct NovaProfileDimensionTests {
    @Test func configurationAcceptsTheSchemasDimensionsOnly() throws {
        for d in [256, 384, 1024, 3072] { #expect(try ProfileConfiguration(dimension: d).dimension == d) }
        #expect(throws: RecError.self) { try ProfileConfiguration(dimension: 2048) }
    }

    @Test func profilesOf3072DimensionsAreStoredAndRead() async throws {
        try await ProfilesTestDatabase.withSchema { url in
            var g = SeededGenerator(seed: 3072)
            let conn = try PGConnection(url: url)
            func vector() -> [Float] { (0..<3072).map { _ in Float.random(in: -1...1, using: &g) } }
            let liked = vector(), disliked = vector()
            try ProfilesTestDatabase.insertItem(conn, id: "liked", categories: ["a"], vector: liked)
            try ProfilesTestDatabase.insertItem(conn, id: "disliked", categories: ["b"], vector: disliked)
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let store = ProfileStore(pool: pool, configuration: try ProfileConfiguration(dimension: 3072))
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            let recorded = try await store.record([
                Interaction(eventID: UUID(), occurredAt: t0, userID: "u", itemID: "liked", type: .purchase, sessionID: "s"),
                Interaction(eventID: UUID(), occurredAt: t0 + 1, userID: "u", itemID: "disliked", type: .dismiss, sessionID: "s"),
            ])
            #expect(recorded.inserted == 2)
            let p = try #require(try await store.profile(for: "u"))
            #expect(p.dimension == 3072 && p.eventCount == 2)
            #expect(p.longTerm.sum.count == 3072 && cosine(p.longTerm.sum, ProfilesTestDatabase.stored(liked)) > 0.9999)
            #expect(p.negative.sum.count == 3072 && cosine(p.negative.sum, ProfilesTestDatabase.stored(disliked)) > 0.9999)
            let stored = try conn.query("SELECT dims, vector_dims(long_term), vector_dims(negative) FROM user_profiles WHERE user_id = 'u'").first!
            #expect(try stored.int(0) == 3072 && stored.int(1) == 3072 && stored.int(2) == 3072)
        }
    }
}
