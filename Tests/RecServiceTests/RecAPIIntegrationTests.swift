import RecCore
import BedrockTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kafka
import Postgres
import IntegrationTestSupport
import Testing
@testable import RecService

/// A small synthetic catalog: categories and colours are directions; items are noisy mixtures of them.
struct TestCatalog {
    var vectors: [String: [Float]] = [:]
    var categoryOf: [String: String] = [:]
    var colorOf: [String: String] = [:]
    static let categories = ["dresses", "shoes", "bags", "shirts"]
    static let colors = ["red", "blue"]
    static let caption = "linen summer hat with a wide brim"

    func ids(category: String, color: String? = nil) -> [String] {
        vectors.keys.filter { categoryOf[$0] == category && (color == nil || colorOf[$0] == color) }.sorted()
    }

    func sum(_ ids: [String]) -> [Float] {
        ids.map { vectors[$0]! }.reduce([Float](repeating: 0, count: ServiceTestStack.dims)) { ServiceTestStack.add($0, $1) }
    }

    /// 4 categories × 2 colours × 6 items, plus a near-duplicate of `dresses-red-0`, and a captioned hat
    /// whose vector is what the fake Titan endpoint returns for its caption.
    static func seed(_ conn: PGConnection) throws -> TestCatalog {
        var rng = ServiceTestStack.Directions(seed: 42)
        var cat = TestCatalog()
        let catDir = Dictionary(uniqueKeysWithValues: categories.map { ($0, rng.unit()) })
        let colorDir = Dictionary(uniqueKeysWithValues: colors.map { ($0, rng.unit()) })
        for c in categories {
            for color in colors {
                for i in 0..<6 {
                    let id = "\(c)-\(color)-\(i)"
                    let v = VectorMath.normalized(ServiceTestStack.add(ServiceTestStack.add(catDir[c]!, colorDir[color]!, 0.5), rng.unit(), 0.8))
                    try ServiceTestStack.insertItem(conn, id: id, title: "\(color) \(c) \(i)", categories: [c],
                                                    attributes: "{\"color\":\"\(color)\"}", available: i != 5, vector: v,
                                                    createdAgo: Double(i + 1) * 86_400)
                    cat.vectors[id] = v; cat.categoryOf[id] = c; cat.colorOf[id] = color
                }
            }
        }
        let dup = VectorMath.normalized(ServiceTestStack.add(cat.vectors["dresses-red-0"]!, rng.unit(), 0.05))
        try ServiceTestStack.insertItem(conn, id: "dresses-red-0-dup", title: "red dresses 0 (again)", categories: ["dresses"],
                                        attributes: "{\"color\":\"red\"}", vector: dup)
        cat.vectors["dresses-red-0-dup"] = dup; cat.categoryOf["dresses-red-0-dup"] = "dresses"; cat.colorOf["dresses-red-0-dup"] = "red"
        let hat = FakeBedrockEndpoint.expectedVector(text: caption, dimensions: ServiceTestStack.dims)
        try ServiceTestStack.insertItem(conn, id: "hat-1", title: caption, categories: ["hats"], vector: hat)
        cat.vectors["hat-1"] = VectorMath.normalized(hat); cat.categoryOf["hat-1"] = "hats"
        // Popularity: bags are popular, shoes-blue-0 the most.
        try conn.execute("""
            INSERT INTO item_popularity (item_id, score_log2, events) VALUES
              ('shoes-blue-0', log(2, 500) + extract(epoch FROM now()) / 604800, 500), ('bags-red-1', log(2, 200) + extract(epoch FROM now()) / 604800, 200),
              ('bags-blue-2', log(2, 100) + extract(epoch FROM now()) / 604800, 100), ('shirts-red-3', log(2, 5) + extract(epoch FROM now()) / 604800, 5);
            INSERT INTO category_popularity (category, score_log2, events) VALUES
              ('shoes', log(2, 500) + extract(epoch FROM now()) / 604800, 500), ('bags', log(2, 300) + extract(epoch FROM now()) / 604800, 300);
            """)
        return cat
    }
}

@Suite("RecAPI integration", .enabled(if: ServiceTestStack.integration), .serialized)
struct RecAPIIntegrationTests {
    func withApp<T: Sendable>(auth: ((PostgresPool) -> AuthMode)? = nil, events: (any EventSink)? = nil,
                              _ body: @Sendable @escaping (any TestClientProtocol, PostgresPool, PGConnection, TestCatalog) async throws -> T) async throws -> T {
        let fake = try FakeBedrockEndpoint()
        defer { fake.shutdown() }
        return try await ServiceTestStack.withSchema { pool, conn in
            let catalog = try TestCatalog.seed(conn)
            let deps = RecAPIDependencies(pool: pool, recommender: try ServiceTestStack.recommender(pool),
                                          auth: auth?(pool) ?? .disabled, embedder: try ServiceTestStack.fakeEmbedder(fake), events: events)
            let app = Application(router: RecAPI(deps).makeRouter())
            nonisolated(unsafe) let c = conn
            return try await app.test(.router) { client in try await body(client, pool, c, catalog) }
        }
    }

    @Test func aUserWhoOnlyBuysRedDressesGetsDressesFirstAndNeverWhatTheyBought() async throws {
        try await withApp { client, _, conn, catalog in
            let bought = Array(catalog.ids(category: "dresses", color: "red").prefix(3))
            try ServiceTestStack.insertProfile(conn, user: "ann", longTerm: catalog.sum(bought))
            for id in bought { try ServiceTestStack.insertInteraction(conn, user: "ann", item: id, type: "purchase") }
            let r = try await client.call(.get, "/v1/users/ann/recommendations?limit=8&explain=true")
            #expect(r.status == 200)
            #expect(r["fallback"] == .bool(false))
            #expect(r.ids.count == 8)
            #expect(r.ids.prefix(6).allSatisfy { catalog.categoryOf[$0] == "dresses" }, "\(r.ids)")
            #expect(catalog.colorOf[r.ids[0]] == "red")
            #expect(Set(r.ids).isDisjoint(with: bought), "purchased items are seen and excluded")
            // Explanations add up to the score.
            for item in r.items {
                guard case .object(let e)? = item["explanation"], let score = item["score"]?.double else { Issue.record("no explanation"); continue }
                let sum = ["longTerm", "session", "context", "negative", "covisit", "popularity", "freshness", "query"].compactMap { e[$0]?.double }.reduce(0, +)
                #expect(abs(sum - score) < 1e-4)
            }
        }
    }

    @Test func dismissedItemsAndTheirNearDuplicatesSink() async throws {
        try await withApp { client, _, conn, catalog in
            let liked = ["dresses-red-1", "dresses-red-2", "dresses-blue-1"]
            try ServiceTestStack.insertProfile(conn, user: "control", longTerm: catalog.sum(liked))
            try ServiceTestStack.insertProfile(conn, user: "dismisser", longTerm: catalog.sum(liked), negative: catalog.vectors["dresses-red-0"]!)
            try ServiceTestStack.insertInteraction(conn, user: "dismisser", item: "dresses-red-0", type: "dismiss")
            let control = try await client.call(.get, "/v1/users/control/recommendations?limit=40&categories=dresses")
            let dismisser = try await client.call(.get, "/v1/users/dismisser/recommendations?limit=40&categories=dresses")
            #expect(!dismisser.ids.contains("dresses-red-0"))
            let before = try #require(control.ids.firstIndex(of: "dresses-red-0-dup"))
            let after = dismisser.ids.firstIndex(of: "dresses-red-0-dup") ?? dismisser.ids.count
            #expect(after > before + 3, "near-duplicate of a dismissed item moved from \(before) to \(after)")
            #expect(after >= dismisser.ids.count - 2, "it ends near the bottom of the dresses")
        }
    }

    @Test func filtersAndExclusionsHold() async throws {
        try await withApp { client, _, conn, catalog in
            try ServiceTestStack.insertProfile(conn, user: "bo", longTerm: catalog.sum(catalog.ids(category: "dresses")))
            let r = try await client.call(.get, "/v1/users/bo/recommendations?limit=10&categories=shoes,bags&attr.color=blue&available=true&exclude=shoes-blue-1&diversity=0.3")
            #expect(r.status == 200)
            // shoes and bags in blue, available: 2 × 5 = 10, minus the excluded one.
            #expect(r.ids.count == 9)
            for id in r.ids {
                #expect(["shoes", "bags"].contains(catalog.categoryOf[id]) && catalog.colorOf[id] == "blue" && !id.hasSuffix("-5"), "\(id)")
            }
            #expect(!r.ids.contains("shoes-blue-1"))
            let similar = try await client.call(.get, "/v1/items/dresses-red-0/similar?limit=3")
            #expect(similar.ids.first == "dresses-red-0-dup")
            #expect(!similar.ids.contains("dresses-red-0"))
            let filtered = try await client.call(.get, "/v1/items/dresses-red-0/similar?limit=5&attr.color=blue")
            #expect(filtered.ids.count == 5 && filtered.ids.allSatisfy { catalog.colorOf[$0] == "blue" })
        }
    }

    @Test func contextItemsSteerRecommendations() async throws {
        try await withApp { client, _, conn, catalog in
            try ServiceTestStack.insertProfile(conn, user: "cy", longTerm: catalog.sum(catalog.ids(category: "shirts", color: "red")))
            let plain = try await client.call(.post, "/v1/users/cy/recommendations", body: #"{"limit":40}"#)
            let withCart = try await client.call(.post, "/v1/users/cy/recommendations",
                                                 body: #"{"limit":40,"context":["bags-blue-0","bags-blue-1","bags-blue-3"],"explain":true}"#)
            #expect(plain.status == 200 && withCart.status == 200)
            let bagPlain = try #require(plain.ids.firstIndex { catalog.categoryOf[$0] == "bags" })
            let bagCart = try #require(withCart.ids.firstIndex { catalog.categoryOf[$0] == "bags" })
            #expect(bagCart + 5 < bagPlain, "a cart of bags moves bags up: plain \(plain.ids) cart \(withCart.ids)")
            #expect(withCart.items.first { $0["id"]?.string == withCart.ids[bagCart] }.map { item in
                if case .object(let e)? = item["explanation"] { return (e["context"]?.double ?? 0) > 0.3 } else { return false }
            } == true)
            #expect(!withCart.ids.contains("bags-blue-0"), "context items themselves are not recommended")
            let unknown = try await client.call(.post, "/v1/users/cy/recommendations", body: #"{"context":["nope-1"]}"#)
            #expect(unknown.status == 404 && unknown.text.contains("nope-1"))
        }
    }

    /// Item vectors are kept in process; one whose row was re-embedded (new vector and content hash) must be
    /// scored with its new vector on the very next request, in every source (kNN, popular) and route.
    @Test func aReembeddedItemIsScoredWithItsNewVectorOnTheNextRequest() async throws {
        try await withApp { client, _, conn, catalog in
            let taste = catalog.sum(catalog.ids(category: "shirts", color: "red"))
            try ServiceTestStack.insertProfile(conn, user: "dee", longTerm: taste)
            func longTerm(_ r: HTTPResult, _ id: String) -> Double? {
                guard let item = r.items.first(where: { $0["id"]?.string == id }), case .object(let e)? = item["explanation"] else { return nil }
                return e["longTerm"]?.double
            }
            // bags-blue-2 is popular, so it is a candidate whatever its vector; two requests cache its vector.
            _ = try await client.call(.get, "/v1/users/dee/recommendations?limit=40&explain=true")
            let before = try await client.call(.get, "/v1/users/dee/recommendations?limit=40&explain=true")
            let old = try #require(longTerm(before, "bags-blue-2"))
            #expect(old < 0.8 && before.ids.first != "bags-blue-2")
            let similarBefore = try await client.call(.get, "/v1/items/shirts-red-0/similar?limit=3")
            #expect(!similarBefore.ids.contains("bags-blue-2"))
            // The catalog re-embeds it into the user's taste (a plain UPDATE: updated_at stays, the hash changes).
            try conn.query("UPDATE item_embeddings SET embedding = $1::halfvec, content_hash = '\\x01' WHERE item_id = 'bags-blue-2'",
                           [PGVector.halfvec(VectorMath.normalized(taste))])
            let after = try await client.call(.get, "/v1/users/dee/recommendations?limit=40&explain=true")
            #expect(after.ids.first == "bags-blue-2", "\(after.ids)")
            #expect((longTerm(after, "bags-blue-2") ?? 0) > 0.99, "scored with the new vector, not the cached one (was \(old))")
            let similarAfter = try await client.call(.get, "/v1/items/shirts-red-0/similar?limit=3")
            #expect(similarAfter.ids.contains("bags-blue-2"), "\(similarAfter.ids)")
        }
    }

    /// Popular and fresh candidates come from a parallel statement while cores are spare and from the kNN
    /// statement under load: both ways must give the very same page, for a profiled and a new user.
    @Test func parallelAndSingleStatementCandidatesGiveTheSamePage() async throws {
        try await withApp { _, pool, conn, catalog in
            let liked = Array(catalog.ids(category: "dresses", color: "red").prefix(2))
            try ServiceTestStack.insertProfile(conn, user: "pat", longTerm: catalog.sum(liked))
            try ServiceTestStack.insertInteraction(conn, user: "pat", item: liked[0], type: "purchase")
            let config = try RecommenderConfiguration(dimensions: ServiceTestStack.dims, popularCandidates: 10, freshCandidates: 5)
            let parallel = Recommender(pool: pool, configuration: config, parallelSourcesUpTo: .max)
            let single = Recommender(pool: pool, configuration: config, parallelSourcesUpTo: 0)
            let now = Date()
            for user in ["pat", "nobody-yet"] {
                var request = ListingRequest()
                request.limit = 8
                let a = try await parallel.recommend(userID: user, request: request, now: now)
                let b = try await single.recommend(userID: user, request: request, now: now)
                #expect(a.fallback == (user != "pat") && b.fallback == a.fallback)
                #expect(a.items.map(\.candidate.itemID) == b.items.map(\.candidate.itemID), "\(user)")
                #expect(a.items.map(\.candidate.sources) == b.items.map(\.candidate.sources), "\(user)")
                #expect(zip(a.items, b.items).allSatisfy { abs($0.score - $1.score) < 1e-6 }, "\(user)")
                #expect(a.items.count == 8)
            }
        }
    }

    /// The start-up warm-up pages through every vector of the served kind (pages smaller than the catalog
    /// here) and stops at the cache's capacity.
    @Test func theVectorCacheWarmUpLoadsEveryVectorPageByPage() async throws {
        try await withApp { _, pool, conn, catalog in
            let stored = try conn.query("SELECT count(*) FROM item_embeddings WHERE kind = 'fused' AND dims = \(ServiceTestStack.dims)").first!.int(0)
            #expect(stored == catalog.vectors.count)
            let config = try RecommenderConfiguration(dimensions: ServiceTestStack.dims)
            #expect(try await Recommender(pool: pool, configuration: config).warmVectorCache(pageSize: 7) == stored)
            var small = config
            small.cachedVectors = 10
            #expect(try await Recommender(pool: pool, configuration: small).warmVectorCache(pageSize: 7) == 10)
        }
    }

    @Test func newUsersGetThePopularityFallbackMarkedAsSuch() async throws {
        try await withApp { client, _, _, _ in
            let r = try await client.call(.get, "/v1/users/newbie/recommendations?limit=5&explain=true")
            #expect(r.status == 200)
            #expect(r["fallback"] == .bool(true))
            #expect(r["strategy"] == .string("popularity_freshness"))
            #expect(r.ids.first == "shoes-blue-0")
            #expect(Array(r.ids.prefix(3)) == ["shoes-blue-0", "bags-red-1", "bags-blue-2"])
            let pop = try await client.call(.get, "/v1/popular?limit=2")
            #expect(pop.ids == ["shoes-blue-0", "bags-red-1"])
            let popBags = try await client.call(.get, "/v1/popular?limit=5&category=bags")
            #expect(popBags.ids == ["bags-red-1", "bags-blue-2"])
        }
    }

    @Test func exampleBasedRecommendMovesTowardPositivesAndAwayFromNegatives() async throws {
        try await withApp { client, _, _, catalog in
            let pos = try await client.call(.post, "/v1/recommend", body: #"{"positive":["dresses-red-1"],"limit":10}"#)
            #expect(pos.status == 200)
            #expect(pos.ids.prefix(5).allSatisfy { catalog.categoryOf[$0] == "dresses" }, "\(pos.ids)")
            let both = try await client.call(.post, "/v1/recommend",
                                             body: #"{"positive":["dresses-red-1"],"negative":[{"id":"dresses-blue-1","weight":1}],"limit":10}"#)
            func blueRank(_ ids: [String]) -> Double {
                let ranks = ids.enumerated().filter { catalog.colorOf[$0.element] == "blue" && catalog.categoryOf[$0.element] == "dresses" }.map { Double($0.offset) }
                return ranks.isEmpty ? 99 : ranks.reduce(0, +) / Double(ranks.count)
            }
            #expect(blueRank(both.ids) > blueRank(pos.ids), "pos \(pos.ids) both \(both.ids)")
            let best = try await client.call(.post, "/v1/recommend",
                                             body: #"{"positive":["dresses-red-1"],"negative":["dresses-blue-1"],"strategy":"best_score","limit":40,"explain":true}"#)
            #expect(best.status == 200)
            #expect(catalog.categoryOf[best.ids[0]] == "dresses" && catalog.colorOf[best.ids[0]] == "red")
            let negScore = best.items.first { $0["id"]?.string == "dresses-red-0-dup" }
            #expect(negScore != nil)
            let missing = try await client.call(.post, "/v1/recommend", body: #"{"positive":["dresses-red-1","ghost-1","ghost-2"]}"#)
            #expect(missing.status == 404)
            #expect(missing.text.contains("ghost-1") && missing.text.contains("ghost-2"))
            let ignored = try await client.call(.post, "/v1/recommend", body: #"{"positive":["dresses-red-1","ghost-1"],"ignoreMissing":true}"#)
            #expect(ignored.status == 200 && !ignored.ids.isEmpty)
        }
    }

    @Test func textSearchForACaptionFindsThatProductFirst() async throws {
        try await withApp { client, _, conn, catalog in
            let r = try await client.call(.post, "/v1/search", body: "{\"text\":\"\(TestCatalog.caption)\",\"limit\":3}")
            #expect(r.status == 200, "\(r.text)")
            #expect(r.ids.first == "hat-1")
            // Personalization blends in the profile.
            try ServiceTestStack.insertProfile(conn, user: "dee", longTerm: catalog.sum(catalog.ids(category: "bags")))
            let p = try await client.call(.post, "/v1/search", body: "{\"text\":\"\(TestCatalog.caption)\",\"limit\":3,\"userId\":\"dee\",\"personalization\":0.9}")
            #expect(p.ids.filter { catalog.categoryOf[$0] == "bags" }.count >= 2, "\(p.ids)")
        }
    }

    @Test func profileItemAndDeletion() async throws {
        try await withApp { client, _, conn, catalog in
            try ServiceTestStack.insertProfile(conn, user: "eve", longTerm: catalog.sum(["bags-red-1"]), categories: #"{"bags":3.5,"shoes":1}"#)
            try ServiceTestStack.insertInteraction(conn, user: "eve", item: "bags-red-1", type: "purchase")
            let p = try await client.call(.get, "/v1/users/eve/profile")
            #expect(p.status == 200)
            #expect(p.text.contains("bags-red-1") && p.text.contains("\"category\":\"bags\""))
            let item = try await client.call(.get, "/v1/items/bags-red-1")
            #expect(item.status == 200 && item["title"] == .string("red bags 1"))
            #expect(try await client.call(.get, "/v1/items/nope").status == 404)
            let d = try await client.call(.delete, "/v1/users/eve")
            #expect(d.status == 200 && d["deletedProfile"] == .bool(true) && d["deletedInteractions"] == .number(1))
            let gone = try await client.call(.get, "/v1/users/eve/profile")
            #expect(gone.status == 404 && gone.errorCode == "not_found")
            let trending = try await client.call(.get, "/v1/trending?limit=5")
            #expect(trending.status == 200)
        }
    }

    @Test func apiKeysGuardRoutesByScope() async throws {
        try await withApp(auth: { .apiKeys(APIKeyStore(pool: $0, cacheTTL: 0)) }) { client, pool, _, _ in
            let store = APIKeyStore(pool: pool, cacheTTL: 0)
            let (_, reader) = try await store.create(name: "reader", scopes: [.read])
            let (_, admin) = try await store.create(name: "ops", scopes: [.admin])
            #expect(try await client.call(.get, "/health").status == 200)
            let none = try await client.call(.get, "/v1/popular")
            #expect(none.status == 401 && none.errorCode == "unauthorized")
            #expect(try await client.call(.get, "/v1/popular", headers: [HTTPField.Name("x-api-key")!: "rk_wrong"]).status == 401)
            #expect(try await client.call(.get, "/v1/popular", headers: [.authorization: "Bearer \(reader)"]).status == 200)
            let forbidden = try await client.call(.delete, "/v1/users/x", headers: [HTTPField.Name("x-api-key")!: reader])
            #expect(forbidden.status == 403 && forbidden.errorCode == "forbidden")
            #expect(try await client.call(.delete, "/v1/users/x", headers: [HTTPField.Name("x-api-key")!: admin]).status == 200)
            let listed = try await store.list()
            #expect(listed.map(\.name).sorted() == ["ops", "reader"])
            let readerKey = try #require(listed.first { $0.name == "reader" })
            #expect(reader.hasPrefix(readerKey.prefix) && readerKey.prefix.count < 16, "only a short prefix is kept for display")
            #expect(readerKey.scopes == [.read])
            #expect(try await store.revoke(idOrName: "reader") == 1)
            #expect(try await client.call(.get, "/v1/popular", headers: [.authorization: "Bearer \(reader)"]).status == 401)
            // The key itself is never stored.
            let stored = try await pool.query("SELECT count(*) FROM api_keys WHERE key_prefix = $1 OR encode(key_hash, 'escape') LIKE '%' || $1 || '%'", [reader])
            #expect(try stored[0].int(0) == 0)
        }
    }

    @Test func openAPIMatchesTheRegisteredRoutesAndMetricsAreExposed() async throws {
        try await withApp { client, _, _, _ in
            let doc = try await client.call(.get, "/openapi.json")
            #expect(doc.status == 200)
            guard case .object(let paths)? = doc["paths"] else { Issue.record("no paths"); return }
            for spec in RouteTable.all {
                guard case .object(let ops)? = paths[spec.path] else { Issue.record("\(spec.path) undocumented"); continue }
                #expect(ops[spec.method.lowercased()] != nil)
                // The route is registered: the router answers it with something other than "no such route".
                let uri = spec.path.replacingOccurrences(of: "{userId}", with: "u-route").replacingOccurrences(of: "{itemId}", with: "dresses-red-1")
                let r = try await client.call(HTTPRequest.Method(spec.method)!, uri, body: spec.body == .none ? nil : "{}")
                #expect(r.errorCode != "route_not_found", "\(spec.method) \(spec.path)")
            }
            let unknown = try await client.call(.get, "/v1/nothing-here")
            #expect(unknown.status == 404 && unknown.errorCode == "route_not_found")
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.text.contains("rec_http_request_duration_seconds_bucket{method=\"GET\",route=\"/openapi.json\""))
            #expect(metrics.text.contains("rec_db_pool_connections_max 4"))
            let rid = try await client.call(.get, "/health", headers: [HTTPField.Name("x-request-id")!: "abc-123"])
            #expect(rid.headers[HTTPField.Name("x-request-id")!] == "abc-123")
            let generated = try await client.call(.get, "/health")
            #expect((generated.headers[HTTPField.Name("x-request-id")!]?.count ?? 0) >= 16)
            let ready = try await client.call(.get, "/ready")
            #expect(ready.status == 200 && ready.text.contains("\"database\":\"ok\""))
        }
    }

    @Test func badInputIsAnswered4xxWithJSONErrorsNeverA500() async throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let bigImage = Data(png + [UInt8](repeating: 0, count: 5 * 1024 * 1024 + 100_000)).base64EncodedString()
        let event = #"{"eventId":"6f1c8e0e-3a3b-4a4f-9b0e-1d2c3b4a5f60","occurredAt":"2026-01-15T08:00:00Z","userId":"u","productId":"p","type":"view"}"#
        let cases: [(HTTPRequest.Method, String, String?, Int)] = [
            (.get, "/v1/users/u/recommendations?limit=0", nil, 400),
            (.get, "/v1/users/u/recommendations?limit=101", nil, 400),
            (.get, "/v1/users/u/recommendations?limit=ten", nil, 400),
            (.get, "/v1/users/u/recommendations?diversity=2", nil, 400),
            (.get, "/v1/users/u/recommendations?available=maybe", nil, 400),
            (.get, "/v1/users/u/recommendations?colour=red", nil, 400),
            (.get, "/v1/users/\(String(repeating: "x", count: 300))/recommendations", nil, 400),
            (.get, "/v1/items/dresses-red-1/similar?explain=perhaps", nil, 400),
            (.get, "/v1/items/ghost/similar", nil, 404),
            (.get, "/v1/popular?limit=-1", nil, 400),
            (.get, "/v1/trending?windowHours=0", nil, 400),
            (.post, "/v1/users/u/recommendations", "{", 400),
            (.post, "/v1/users/u/recommendations", #"{"limit":"10"}"#, 400),
            (.post, "/v1/users/u/recommendations", #"{"limit":10.5}"#, 400),
            (.post, "/v1/users/u/recommendations", #"{"filters":{"categories":"dresses"}}"#, 400),
            (.post, "/v1/users/u/recommendations", #"{"filters":{"attributes":{"color":1}}}"#, 400),
            (.post, "/v1/users/u/recommendations", #"{"surprise":true}"#, 400),
            (.post, "/v1/users/u/recommendations", "[1,2]", 400),
            (.post, "/v1/search", "{}", 400),
            (.post, "/v1/search", #"{"text":5}"#, 400),
            (.post, "/v1/search", #"{"text":"x","bogus":1}"#, 400),
            (.post, "/v1/search", #"{"imageBase64":"!!notbase64!!"}"#, 400),
            (.post, "/v1/search", #"{"imageBase64":"aGVsbG8="}"#, 400),
            (.post, "/v1/search", "{\"imageBase64\":\"\(bigImage)\"}", 413),
            (.post, "/v1/search", "{\"text\":\"" + String(repeating: "a", count: 8 * 1024 * 1024) + "\"}", 413),
            (.post, "/v1/search", #"{"text":"x","personalization":3}"#, 400),
            (.post, "/v1/recommend", #"{"positive":[],"negative":[]}"#, 400),
            (.post, "/v1/recommend", #"{"positive":[5]}"#, 400),
            (.post, "/v1/recommend", #"{"positive":["dresses-red-1"],"strategy":"magic"}"#, 400),
            (.post, "/v1/recommend", #"{"positive":[{"id":"dresses-red-1","weight":-1}]}"#, 400),
            (.post, "/v1/events", #"{"events":[]}"#, 400),
            (.post, "/v1/events", "{\"events\":[" + Array(repeating: event, count: 501).joined(separator: ",") + "]}", 400),
            (.post, "/v1/events", event.replacingOccurrences(of: "6f1c8e0e", with: "zz"), 400),
            (.post, "/v1/events", "{\"events\":[" + event.replacingOccurrences(of: "\"view\"", with: "\"like\"") + "]}", 400),
            (.post, "/v1/events", "{\"events\":[" + event.replacingOccurrences(of: "2026-01-15T08:00:00Z", with: "soon") + "]}", 400),
            (.get, "/v1/no-such-route", nil, 404),
            // NUL would cut the id in libpq (aliasing another id); control characters are no part of an id.
            (.get, "/v1/items/dresses-red-1%00x", nil, 400),
            (.get, "/v1/items/dresses-red-1%00x/similar", nil, 400),
            (.get, "/v1/users/u%00zz/profile", nil, 400),
            (.delete, "/v1/users/u%00zz", nil, 400),
            (.get, "/v1/users/u/recommendations?exclude=a%00b", nil, 400),
            (.get, "/v1/users/u/recommendations?categories=dresses%0A", nil, 400),
            (.post, "/v1/users/u/recommendations", #"{"filters":{"exclude":["a\u0000b"]}}"#, 400),
            (.post, "/v1/recommend", #"{"positive":["dresses-red-1\u0000"]}"#, 400),
            (.post, "/v1/events", "{\"events\":[" + event.replacingOccurrences(of: #""userId":"u""#, with: #""userId":"u\u0000zz""#) + "]}", 400),
            (.post, "/v1/events", "{\"events\":[" + event.replacingOccurrences(of: #""productId":"p""#, with: #""productId":"p\u0000","sessionId":"s""#) + "]}", 400),
        ]
        try await withApp { client, _, _, _ in
            for (method, uri, body, expected) in cases {
                let r = try await client.call(method, uri, body: body)
                #expect(r.status == expected, "\(method) \(uri.prefix(80)) \(body?.prefix(80) ?? "") → \(r.status) \(r.text.prefix(200))")
                #expect(r.errorCode != nil, "error body must be {\"error\":{\"code\",\"message\"}}: \(r.text.prefix(200))")
                if case .object(let e)? = r["error"] { #expect(e["message"]?.string?.isEmpty == false) }
            }
        }
    }

    @Test func postedEventsReachKafkaKeyedByUser() async throws {
        let config = try IntegrationStack.kafka()
        let topic = IntegrationStack.unique("it-events")
        _ = try await KafkaAdmin(configuration: config).createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: config)
        defer { producer.close() }
        let ids = (0..<3).map { _ in UUID().uuidString.lowercased() }
        let body = "{\"events\":[" + ids.enumerated().map { i, id in
            "{\"eventId\":\"\(id)\",\"occurredAt\":\"2026-11-01T10:00:0\(i)Z\",\"userId\":\"user-\(i % 2)\",\"productId\":\"p\(i)\",\"type\":\"click\",\"sessionId\":\"s\"}"
        }.joined(separator: ",") + "]}"
        let accepted = try await withApp(events: KafkaEventSink(producer: producer, topic: topic)) { client, _, _, _ in
            try await client.call(.post, "/v1/events", body: body)
        }
        #expect(accepted.status == 202 && accepted["accepted"] == .number(3))
        let consumer = try KafkaConsumer(configuration: config, groupID: "g-\(topic)", topics: [topic])
        var got = [KafkaMessage]()
        let end = ContinuousClock.now + .seconds(30)
        while got.count < 3, ContinuousClock.now < end { got += try await consumer.poll(maxMessages: 10, timeout: .milliseconds(200)) }
        await consumer.close()
        #expect(got.count == 3)
        let decoded = try got.map { try JSONObjectReader(try JSONValue.parse($0.value)) }
        #expect(Set(decoded.compactMap { $0.fields["eventId"]?.string }) == Set(ids))
        #expect(got.map(\.keyString) == decoded.map { $0.fields["userId"]?.string })
        #expect(decoded.allSatisfy { $0.fields["type"] == .string("click") && $0.fields["sessionId"] == .string("s") })
    }
}
