import Foundation
import Testing
import Postgres
import RecCore
@testable import Profiles

@Suite(.enabled(if: ProfilesTestDatabase.integration), .serialized)
struct ProfileStoreTests {
    let dim = 256
    let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    func config(weights: EventWeights = .default) throws -> ProfileConfiguration { try ProfileConfiguration(dimension: dim, weights: weights) }

    func randomVector(_ g: inout SeededGenerator) -> [Float] { (0..<dim).map { _ in Float.random(in: -1...1, using: &g) } }

    /// `count` random events over `users` users and `items` items, with sessions and negative feedback.
    func randomEvents(_ g: inout SeededGenerator, count: Int, users: Int, items: Int) -> [Interaction] {
        (0..<count).map { n in
            let type = EventType.allCases.randomElement(using: &g)!
            // Jitter below the spacing: one user's sessions do not overlap in time (see ProfileUpdateRule).
            let t = t0 + Double(n) * 60 + Double.random(in: 0...50, using: &g)
            return Interaction(eventID: UUID(), occurredAt: t, userID: UserID("u\(Int.random(in: 0..<users, using: &g))"),
                               itemID: ItemID("p\(Int.random(in: 0..<items, using: &g))"), type: type,
                               value: type == .rating ? Double(Int.random(in: 1...5, using: &g)) : nil,
                               sessionID: "s\(n / 40)")
        }
    }

    /// The profiles computed in memory by the pure rule (the reference).
    func direct(_ events: [Interaction], vectors: [String: [Float]], categories: [String: [String]], config: ProfileConfiguration) -> [String: ProfileState] {
        let rule = ProfileUpdateRule(configuration: config)
        var out = [String: ProfileState]()
        for e in events.sorted(by: { $0.occurredAt < $1.occurredAt }) {
            guard let v = vectors[e.itemID.rawValue] else { continue }
            rule.apply(e, item: ItemFeatures(vector: ProfilesTestDatabase.stored(v), categories: categories[e.itemID.rawValue] ?? []),
                       to: &out[e.userID.rawValue, default: ProfileState(userID: e.userID, dimension: dim)])
        }
        return out
    }

    func expectSame(_ stored: ProfileState?, _ expected: ProfileState, _ context: String = "") {
        guard let stored else { Issue.record("no stored profile for \(expected.userID) \(context)"); return }
        for (a, b, name) in [(stored.longTerm, expected.longTerm, "long-term"), (stored.session, expected.session, "session"), (stored.negative, expected.negative, "negative")] {
            #expect(a.isEmpty == b.isEmpty, "\(name) emptiness \(context)")
            if !b.isEmpty, b.sum.contains(where: { $0 != 0 }) {
                #expect(cosine(a.sum, b.sum) > 0.9999, "\(name) direction \(context)")
                #expect(maxRelativeDifference(a.sum, b.sum) < 1e-3, "\(name) magnitude \(context)")
                #expect(abs(a.referenceTime!.timeIntervalSince(b.referenceTime!)) < 1e-5, "\(name) reference time \(context)")
            }
        }
        #expect(stored.sessionID == expected.sessionID, "session id \(context)")
        #expect(stored.eventCount == expected.eventCount, "event count \(context)")
        #expect(stored.countsByType == expected.countsByType, "counts \(context)")
        for (k, v) in expected.categoryAffinity { #expect(abs((stored.categoryAffinity[k] ?? .nan) - v) < 1e-6, "affinity \(k) \(context)") }
    }

    func seedItems(_ conn: PGConnection, _ g: inout SeededGenerator, count: Int) throws -> ([String: [Float]], [String: [String]]) {
        var vectors = [String: [Float]](), categories = [String: [String]]()
        for k in 0..<count {
            let v = randomVector(&g)
            let cats = ["c\(k % 4)", "all"]
            try ProfilesTestDatabase.insertItem(conn, id: "p\(k)", categories: cats, vector: v)
            vectors["p\(k)"] = v
            categories["p\(k)"] = cats
        }
        return (vectors, categories)
    }

    @Test func storedProfilesEqualTheDirectComputation() async throws {
        try await ProfilesTestDatabase.withSchema { url in
            var g = SeededGenerator(seed: 11)
            let conn = try PGConnection(url: url)
            let (vectors, categories) = try seedItems(conn, &g, count: 30)
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let store = ProfileStore(pool: pool, configuration: try config())
            let events = randomEvents(&g, count: 600, users: 5, items: 30)
            // Batches in a scrambled order: out-of-order arrival across batches.
            var batches = stride(from: 0, to: events.count, by: 50).map { Array(events[$0..<min($0 + 50, events.count)]) }
            batches.shuffle(using: &g)
            var inserted = 0
            for b in batches { inserted += try await store.record(b).inserted }
            #expect(inserted == 600)
            let expected = direct(events, vectors: vectors, categories: categories, config: try config())
            for (u, e) in expected { expectSame(try await store.profile(for: UserID(u)), e, u) }

            // Popularity: decayed per item, order-independent.
            let pop = try conn.query("SELECT item_id, score_log2, events FROM item_popularity WHERE item_id = 'p3'")
            var counter = PopularityCounter()
            for e in events where e.itemID == "p3" {
                let w = Double(EventWeights.default.engagementWeight(for: e.type, value: e.value))
                counter.add(weight: w, at: e.occurredAt, halfLife: 7 * 86_400)
            }
            #expect(try pop.first!.int(2) == counter.events)
            #expect(abs(try pop.first!.double(1) - counter.score.log2) < 1e-9)
            let all = try conn.query("SELECT events FROM category_popularity WHERE category = 'all'")
            #expect(try all.first!.int(0) == 600)
        }
    }

    @Test func redeliveredEventsChangeNothing() async throws {
        try await ProfilesTestDatabase.withSchema { url in
            var g = SeededGenerator(seed: 12)
            let conn = try PGConnection(url: url)
            _ = try seedItems(conn, &g, count: 20)
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let store = ProfileStore(pool: pool, configuration: try config())
            let events = randomEvents(&g, count: 300, users: 4, items: 20)
            try await store.record(events)
            var before = [String: ProfileState]()
            for u in 0..<4 { before["u\(u)"] = try await store.profile(for: UserID("u\(u)")) }
            let popBefore = try conn.query("SELECT item_id, score_log2, events FROM item_popularity ORDER BY item_id").map { try "\($0.string(0)) \($0.double(1)) \($0.int(2))" }

            // The same events again, in other batches and with a duplicate inside one batch.
            let again = try await store.record(Array(events[100..<200]) + Array(events[150..<160]))
            #expect(again.inserted == 0 && again.duplicates == 110)
            for chunk in stride(from: 0, to: 300, by: 70) { try await store.record(Array(events[chunk..<min(chunk + 70, 300)]).shuffled(using: &g)) }

            for u in 0..<4 { #expect(try await store.profile(for: UserID("u\(u)")) == before["u\(u)"]) }
            let popAfter = try conn.query("SELECT item_id, score_log2, events FROM item_popularity ORDER BY item_id").map { try "\($0.string(0)) \($0.double(1)) \($0.int(2))" }
            #expect(popAfter == popBefore)
            #expect(try conn.query("SELECT count(*), count(DISTINCT event_id) FROM interactions").first!.int(0) == 300)
        }
    }

    @Test func interactionsBeforeTheItemVectorAreFoldedWhenItArrives() async throws {
        try await ProfilesTestDatabase.withSchema { url in
            var g = SeededGenerator(seed: 13)
            let conn = try PGConnection(url: url)
            var (vectors, categories) = try seedItems(conn, &g, count: 10)
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let store = ProfileStore(pool: pool, configuration: try config())
            // p10 and p11 are unknown to the catalog for now; p12 exists but only with another dimension.
            try ProfilesTestDatabase.insertItem(conn, id: "p12", categories: ["late"], vector: (0..<384).map { _ in 0.1 })
            let events = randomEvents(&g, count: 200, users: 3, items: 13)
            let result = try await store.record(events)
            let late = events.filter { ["p10", "p11", "p12"].contains($0.itemID.rawValue) }
            #expect(result.pending == late.count && late.count > 0)
            #expect(try await store.foldPending() == 0)
            for (u, e) in direct(events, vectors: vectors, categories: categories, config: try config()) {
                expectSame(try await store.profile(for: UserID(u)), e, "before \(u)")
            }

            for id in ["p10", "p11", "p12"] {
                let v = randomVector(&g)
                try ProfilesTestDatabase.insertItem(conn, id: id, categories: ["late"], vector: v, kind: id == "p11" ? "image" : "fused")
                vectors[id] = v
                categories[id] = ["late"]
            }
            // p12's 256-d vector comes as `text` next to an `image` one: fused > text > image.
            let textVector = randomVector(&g)
            try ProfilesTestDatabase.insertItem(conn, id: "p12", categories: ["late"], vector: randomVector(&g), kind: "image")
            try ProfilesTestDatabase.insertItem(conn, id: "p12", categories: ["late"], vector: textVector, kind: "text")
            try conn.query("DELETE FROM item_embeddings WHERE item_id = 'p12' AND kind = 'fused'")
            vectors["p12"] = textVector

            #expect(try await store.foldPending() == late.count)
            #expect(try await store.foldPending() == 0)
            for (u, e) in direct(events, vectors: vectors, categories: categories, config: try config()) {
                expectSame(try await store.profile(for: UserID(u)), e, "after \(u)")
            }
            #expect(try conn.query("SELECT count(*) FROM interactions WHERE NOT folded").first!.int(0) == 0)
        }
    }

    @Test func rebuildEqualsStreamingAndFollowsNewWeights() async throws {
        try await ProfilesTestDatabase.withSchema { url in
            var g = SeededGenerator(seed: 14)
            let conn = try PGConnection(url: url)
            let (vectors, categories) = try seedItems(conn, &g, count: 25)
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let store = ProfileStore(pool: pool, configuration: try config())
            let events = randomEvents(&g, count: 400, users: 6, items: 25)
            for chunk in stride(from: 0, to: 400, by: 37) { try await store.record(Array(events[chunk..<min(chunk + 37, 400)])) }
            var streamed = [String: ProfileState]()
            for u in 0..<6 { streamed["u\(u)"] = try await store.profile(for: UserID("u\(u)")) }

            #expect(try await store.rebuild(user: "u2") == 1)
            #expect(try await store.rebuild(usersPerTransaction: 4) == 6)
            for u in 0..<6 { expectSame(try await store.profile(for: UserID("u\(u)")), streamed["u\(u)"]!, "rebuilt u\(u)") }

            // New weights: views only. The rebuilt profile follows them.
            let viewsOnly = try config(weights: EventWeights(weights: [.view: 1]))
            let rebuilt = ProfileStore(pool: pool, configuration: viewsOnly)
            try await rebuilt.rebuild()
            for (u, e) in direct(events, vectors: vectors, categories: categories, config: viewsOnly) {
                expectSame(try await store.profile(for: UserID(u)), e, "views-only \(u)")
            }
        }
    }

    @Test func aRebuildDoesNotOverwriteAProfileCreatedMeanwhile() async throws {
        try await ProfilesTestDatabase.withSchema { url in
            var g = SeededGenerator(seed: 16)
            let conn = try PGConnection(url: url)
            _ = try seedItems(conn, &g, count: 5)
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let store = ProfileStore(pool: pool, configuration: try config())
            try await store.record(randomEvents(&g, count: 20, users: 1, items: 5))
            let streamed = try #require(try await store.profile(for: "u0"))
            // A rebuild that read "no profile" writes after a consumer created one: it must leave it alone.
            var stale = ProfileState(userID: "u0", dimension: dim)
            stale.eventCount = 1
            let skipped = try conn.transaction { c in try store.profiles.write([(stale, .all)], space: "default", existing: [], replace: true, on: c).skipped }
            #expect(skipped == ["u0"])
            #expect(try await store.profile(for: "u0") == streamed)
        }
    }

    @Test func aNewDimensionStartsProfilesAfresh() async throws {
        try await ProfilesTestDatabase.withSchema { url in
            var g = SeededGenerator(seed: 17)
            let conn = try PGConnection(url: url)
            _ = try seedItems(conn, &g, count: 3)
            let wide = (0..<384).map { _ in Float.random(in: -1...1, using: &g) }
            try ProfilesTestDatabase.insertItem(conn, id: "p0", categories: ["c0", "all"], vector: wide, kind: "text")
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let old = ProfileStore(pool: pool, configuration: try config())
            try await old.record([
                Interaction(eventID: UUID(), occurredAt: t0, userID: "u", itemID: "p1", type: .purchase),
                Interaction(eventID: UUID(), occurredAt: t0 + 1, userID: "u", itemID: "p2", type: .dismiss),
            ])
            #expect(try await old.profile(for: "u")?.negative.isEmpty == false)

            let new = ProfileStore(pool: pool, configuration: try ProfileConfiguration(dimension: 384))
            try await new.record([Interaction(eventID: UUID(), occurredAt: t0 + 2, userID: "u", itemID: "p0", type: .view)])
            let p = try #require(try await new.profile(for: "u"))
            #expect(p.dimension == 384 && p.eventCount == 1)
            #expect(p.longTerm.sum.count == 384 && cosine(p.longTerm.sum, ProfilesTestDatabase.stored(wide)) > 0.9999)
            #expect(p.negative.isEmpty, "a 256-d dislike vector must not survive in a 384-d profile")
        }
    }

    @Test func cachedProfilesNeverHideAnotherWritersChanges() async throws {
        try await ProfilesTestDatabase.withSchema { url in
            var g = SeededGenerator(seed: 18)
            let conn = try PGConnection(url: url)
            let (vectors, categories) = try seedItems(conn, &g, count: 6)
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            // Two stores = two consumer processes with their own caches.
            let a = ProfileStore(pool: pool, configuration: try config())
            let b = ProfileStore(pool: pool, configuration: try config())
            let events = randomEvents(&g, count: 90, users: 1, items: 6)
            try await a.record(Array(events[0..<30]))
            try await b.record(Array(events[30..<60]))     // a's cached u0 is now stale
            try await a.record(Array(events[60..<90]))
            expectSame(try await a.profile(for: "u0"), direct(events, vectors: vectors, categories: categories, config: try config())["u0"]!, "two writers")

            // A rebuild elsewhere, then a delete: a's cache must not resurrect old state.
            try await b.rebuild()
            let more = randomEvents(&g, count: 10, users: 1, items: 6).map {
                Interaction(eventID: $0.eventID, occurredAt: $0.occurredAt + 90 * 60, userID: $0.userID, itemID: $0.itemID, type: $0.type, value: $0.value, sessionID: "late")
            }
            try await a.record(Array(more[0..<5]))
            expectSame(try await a.profile(for: "u0"), direct(events + Array(more[0..<5]), vectors: vectors, categories: categories, config: try config())["u0"]!, "after rebuild")
            _ = try await b.deleteUser("u0")
            try await a.record(Array(more[5..<10]))
            expectSame(try await a.profile(for: "u0"), direct(Array(more[5..<10]), vectors: vectors, categories: categories, config: try config())["u0"]!, "after delete")
        }
    }

    @Test func deletingAUserRemovesProfileAndLog() async throws {
        try await ProfilesTestDatabase.withSchema { url in
            var g = SeededGenerator(seed: 15)
            let conn = try PGConnection(url: url)
            _ = try seedItems(conn, &g, count: 5)
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let store = ProfileStore(pool: pool, configuration: try config())
            let events = randomEvents(&g, count: 60, users: 2, items: 5)
            try await store.record(events)
            let u0Events = events.filter { $0.userID == "u0" }.count
            let deleted = try await store.deleteUser("u0")
            #expect(deleted == ProfileStore.DeletedUser(profiles: 1, interactions: u0Events))
            #expect(try await store.profile(for: "u0") == nil)
            #expect(try await store.profile(for: "u1") != nil)
            #expect(try conn.query("SELECT count(*) FROM interactions WHERE user_id = 'u0'").first!.int(0) == 0)
        }
    }
}
