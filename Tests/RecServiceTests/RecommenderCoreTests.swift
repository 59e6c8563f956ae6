import RecCore
import Postgres
import Foundation
import Testing
@testable import RecService

@Suite("Recommender core")
struct RecommenderCoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func unit(_ xs: [Float]) -> [Float] { VectorMath.normalized(xs) }

    @Test func explanationAddsUpToTheScoreAndEachSignalPullsItsWay() {
        var w = BlendWeights()
        w.popularity = 0.2
        w.freshness = 0.1
        let query = BlendQuery(longTerm: [1, 0, 0], session: [0, 1, 0], sessionWeight: 0.5, negative: [0, 0, 1], context: [1, 1, 0])
        let pop = DecayedScore(weight: 10, at: now, halfLife: w.popularityHalfLife)
        let liked = Candidate(itemID: "liked", vector: [1, 0.2, 0], publishedAt: now, popularity: pop, covisit: 3, covisitSupport: 45)
        let disliked = Candidate(itemID: "disliked", vector: [0.2, 0, 1], publishedAt: now.addingTimeInterval(-90 * 86_400), covisit: 1, covisitSupport: 5)
        let scored = Blender(weights: w).score([liked, disliked], query: query, maxPopularity: pop, now: now)
        for s in scored {
            let e = s.explanation
            #expect(abs(e.longTerm + e.session + e.context + e.negative + e.covisit + e.popularity + e.freshness + e.query - s.score) < 1e-5)
        }
        #expect(scored[0].score > scored[1].score)
        #expect(scored[1].explanation.negative < -0.4)
        #expect(abs(scored[0].explanation.popularity - 0.2) < 1e-5, "the most popular item gets the full popularity weight")
        #expect(abs(scored[0].explanation.freshness - 0.1) < 1e-5, "an item published now is fully fresh")
        #expect(abs(scored[0].explanation.covisit - w.covisit * 0.9) < 1e-6, "the strongest transition: the weight, shrunk by 45 / (45 + 5) events")
        #expect(abs(scored[1].explanation.covisit - w.covisit / 3 * 0.5) < 1e-6, "others in proportion, 5 events: half")
        #expect(scored[1].explanation.freshness < 0.1 * 0.02)
    }

    @Test func sessionWeightFadesWithTheSessionsAge() {
        var w = BlendWeights()
        w.session = 0.6
        w.sessionHalfLife = 3600
        #expect(abs(w.sessionWeight(sessionAt: now, now: now) - 0.6) < 1e-6)
        #expect(abs(w.sessionWeight(sessionAt: now.addingTimeInterval(-3600), now: now) - 0.3) < 1e-5)
        #expect(w.sessionWeight(sessionAt: now.addingTimeInterval(-86_400), now: now) < 0.001)
        #expect(w.sessionWeight(sessionAt: nil, now: now) == 0)
    }

    @Test func popularityIsLogNormalizedAndDecayedToNow() {
        #expect(BlendWeights.normalizedPopularity(100, max: 100) == 1)
        #expect(BlendWeights.normalizedPopularity(0, max: 100) == 0)
        let mid = BlendWeights.normalizedPopularity(10, max: 100)
        #expect(mid > 0.4 && mid < 0.6, "log scale keeps a 10x-less popular item visible")
        var w = BlendWeights()
        w.popularityHalfLife = 86_400
        let eight = DecayedScore(weight: 8, at: now.addingTimeInterval(-2 * 86_400), halfLife: 86_400)
        #expect(abs(w.popularityNow(eight, now: now) - 2) < 1e-9)
        #expect(abs(w.freshness(publishedAt: now.addingTimeInterval(-w.freshnessHalfLife), now: now) - 0.5) < 1e-6)
    }

    /// Log-space counters: a counter decades old merges and compares like a fresh one (no underflow, no 0),
    /// and two items compare the same at every instant.
    @Test func decayedScoresNeverUnderflowAndCompareAtOneInstant() {
        let week = 7 * 86_400.0
        let ancient = DecayedScore(weight: 1, at: Date(timeIntervalSince1970: -2_000_000_000), halfLife: week)
        var live = DecayedScore(weight: 1, at: now, halfLife: week)
        live.add(ancient)
        #expect(live.log2.isFinite)
        #expect(abs(live.value(at: now, halfLife: week) - 1) < 1e-12, "a 80-year-old event adds nothing measurable, and no error")
        var a = DecayedScore.empty, b = DecayedScore.empty
        for d in 0..<193 { a.add(weight: 1, at: now.addingTimeInterval(-Double(d) * 3600), halfLife: week) }
        for d in 0..<504 { b.add(weight: 1, at: now.addingTimeInterval(-30 * 86_400 - Double(d) * 3600), halfLife: week) }
        for t in [now, now.addingTimeInterval(-40 * 86_400), now.addingTimeInterval(400 * 86_400)] {
            #expect((a.value(at: t, halfLife: week) > b.value(at: t, halfLife: week)) == (a.log2 > b.log2))
        }
        #expect(DecayedScore.empty.value(at: now, halfLife: week) == 0)
        #expect(DecayedScore.logAdd(-.infinity, -.infinity) == -.infinity)
    }

    @Test func candidateVectorBlendsNormalizedLongTermAndSession() throws {
        var w = BlendWeights()
        w.longTerm = 1
        let q = BlendQuery(longTerm: [100, 0], session: [0, 0.01], sessionWeight: 1)
        let v = try #require(q.candidateVector(weights: w))
        #expect(abs(v[0] - v[1]) < 1e-6, "magnitudes of the stored sums must not matter, only directions and weights")
        #expect(BlendQuery().candidateVector(weights: w) == nil)
        #expect(BlendQuery().isFallback)
    }

    func item(_ id: String, _ v: [Float], score: Float) -> ScoredItem {
        var e = ScoreExplanation()
        e.query = score
        return ScoredItem(candidate: Candidate(itemID: id, vector: v), explanation: e)
    }

    @Test func mmrKeepsScoreOrderAtLambdaOneAndBreaksUpNearDuplicates() {
        let items = [
            item("a", [1, 0, 0], score: 1.0),
            item("a-dup", [0.999, 0.01, 0], score: 0.99),
            item("a-dup2", [0.998, 0.02, 0], score: 0.98),
            item("b", [0, 1, 0], score: 0.7),
        ]
        #expect(DiversityReranker(lambda: 1).rerank(items.shuffled(), limit: 4).map(\.candidate.itemID) == ["a", "a-dup", "a-dup2", "b"])
        let diverse = DiversityReranker(lambda: 0.5).rerank(items, limit: 2).map(\.candidate.itemID)
        #expect(diverse == ["a", "b"])
        #expect(DiversityReranker(lambda: 0.5).rerank(items, limit: 10).count == 4)
    }

    /// The plain MMR loop (every similarity computed eagerly): what the lazy reranker must reproduce.
    static func eagerMMR(_ items: [ScoredItem], lambda: Float, limit: Int) -> [String] {
        var remaining = items.indices.sorted { items[$0].score != items[$1].score ? items[$0].score > items[$1].score : $0 < $1 }
        var maxSim = [Float](repeating: -Float.infinity, count: remaining.count)
        var chosen = [String]()
        while chosen.count < limit, !remaining.isEmpty {
            var best = 0, bestValue = -Float.infinity
            for i in remaining.indices {
                let value = lambda * items[remaining[i]].score - (1 - lambda) * (chosen.isEmpty ? 0 : max(0, maxSim[i]))
                if value > bestValue { bestValue = value; best = i }
            }
            let pick = items[remaining.remove(at: best)]
            maxSim.remove(at: best)
            chosen.append(pick.candidate.itemID)
            for i in remaining.indices {
                guard let v = items[remaining[i]].candidate.vector, let pv = pick.candidate.vector else { continue }
                maxSim[i] = max(maxSim[i], VectorMath.dot(v, pv))
            }
        }
        return chosen
    }

    @Test(arguments: [0.0 as Float, 0.3, 0.5, 0.7, 0.95])
    func lazyMMRPicksWhatTheEagerLoopPicks(lambda: Float) {
        var rng = SeededGenerator(seed: 42 &+ UInt64(lambda * 100))
        for round in 0..<20 {
            // Clustered vectors (near-duplicates), tied scores, and a few items without a vector.
            let centers = (0..<4).map { _ in (0..<32).map { _ in rng.nextSymmetricFloat() } }
            let items = (0..<(40 + round * 3)).map { i -> ScoredItem in
                let c = centers[i % centers.count]
                let v: [Float]? = i % 17 == 5 ? nil : c.map { $0 + 0.3 * rng.nextSymmetricFloat() }
                var e = ScoreExplanation()
                e.query = i % 9 == 0 ? 0.5 : (rng.nextSymmetricFloat() + 1) / 2
                return ScoredItem(candidate: Candidate(itemID: "i\(i)", vector: v), explanation: e)
            }
            let lazy = DiversityReranker(lambda: lambda).rerank(items, limit: 20).map(\.candidate.itemID)
            #expect(lazy == Self.eagerMMR(items, lambda: lambda, limit: 20), "round \(round)")
        }
    }

    @Test func candidateStatementsOfOneShapeHaveOneTextWhateverTheValues() throws {
        // The prepared statement cache keys on the text: requests of one shape must share one statement.
        let store = RecommendationStore(configuration: try RecommenderConfiguration(dimensions: 256))
        func plan(_ user: String, _ v: [Float], _ at: Date, _ cats: [String]) -> RecommendationStore.Plan {
            .init(vectors: [v], knn: 40, popular: 20, fresh: 10, filters: ItemFilters(categories: cats, exclude: ["x-\(user)"]),
                  seen: SeenExclusion(userID: user, eventTypes: ["purchase"], limit: 100), covisit: .user(user), now: at)
        }
        let a = try #require(store.candidateQuery(plan("ann", [Float](repeating: 0.5, count: 256), now, ["shoes"])))
        let b = try #require(store.candidateQuery(plan("bo", [Float](repeating: -0.5, count: 256), now.addingTimeInterval(60), ["bags"])))
        #expect(a.sql == b.sql)
        #expect(a.binds != b.binds)
        #expect(!a.sql.contains("ann") && !a.sql.contains("shoes"), "values travel as parameters")
        let c = try #require(store.candidateQuery(plan("ann", [Float](repeating: 0.5, count: 256), now, [])))
        #expect(c.sql != a.sql, "another filter set is another shape")
        #expect(store.candidateQuery(RecommendationStore.Plan()) == nil)
    }

    @Test func candidateStatementsNameTheirSpaceAndDimensionAsConstants() throws {
        // The planner matches a space's partial HNSW index (WHERE space = 'b' AND dims = 384) only against
        // constants; every other value stays a parameter. A request of another space is another statement.
        let store = RecommendationStore(configuration: try RecommenderConfiguration(dimensions: 256))
        let b = ServingSpace(name: PostgresIdentifierLiteral("b")!, dims: 384, kind: "fused", modelID: "m")
        func plan(_ space: ServingSpace?) -> RecommendationStore.Plan {
            .init(space: space, vectors: [[Float](repeating: 0.5, count: space?.dims ?? 256)], knn: 40, popular: 20, fresh: 10, now: now)
        }
        let inB = try #require(store.candidateQuery(plan(b))).sql
        #expect(inB.contains("e.space = 'b' AND e.dims = 384 AND e.kind = $"), "the kNN names space and dimension: \(inB)")
        #expect(inB.contains("halfvec(384)") && !inB.contains("256"))
        #expect(inB.components(separatedBy: "e.space = 'b'").count - 1 == 3, "the kNN and both fingerprint probes stay in the space")
        let inDefault = try #require(store.candidateQuery(plan(nil))).sql
        #expect(inDefault.contains("e.space = 'default' AND e.dims = 256") && !inDefault.contains("'b'"))
        #expect(inDefault != inB)
    }

    @Test func itemVectorCachesAreOnePerSpaceAndKeepTheLastTwo() {
        let caches = ItemVectorCaches(capacity: 10)
        let (a, b, c) = (PostgresIdentifierLiteral("a")!, PostgresIdentifierLiteral("b")!, PostgresIdentifierLiteral("c")!)
        let first = caches.cache(for: a)
        #expect(caches.cache(for: a) === first)
        #expect(caches.cache(for: b) !== first)
        #expect(caches.cache(for: a) === first, "switching back finds the previous space's cache")
        _ = caches.cache(for: c)
        #expect(caches.spaces == [c, a], "the least recently used space's cache is dropped")
    }

    @Test func itemVectorCacheAnswersOnlyMatchingFingerprintsAndStaysBounded() {
        func entry(_ id: String, _ fp: [UInt8], _ v: [Float]) -> (id: String, fingerprint: [UInt8], halfvec: [UInt8], norm: Float) {
            let wire = PGVector.halfvec(v).bytes ?? []
            return (id, fp, wire, ItemVectorCache.unitVector(wire)?.norm ?? 0)
        }
        let cache = ItemVectorCache(capacity: 3)
        cache.insert([entry("a", [1], [1, 0]), entry("b", [1], [0, 1]), entry("c", [1], [3, 4])])
        #expect(cache.vectors([("a", [1]), ("b", [2]), ("x", [1])]) == [[1, 0], nil, nil],
                "a changed content hash (b) and an unknown item are misses")
        #expect(cache.vectors([("c", [1])]) == [[0.6, 0.8]], "vectors come back normalized")
        #expect(cache.vectors([("c", [1]), ("x", [1]), ("a", [1])]) == [[0.6, 0.8], nil, [1, 0]], "hits share one buffer, each its own slice")
        cache.insert([entry("b", [2], [0, -1])])
        #expect(cache.vectors([("b", [2])]) == [[0, -1]], "a refetched vector replaces the stale one")
        // Full: a, b and c were used since inserted; the hand clears them all and evicts a, the oldest.
        cache.insert([entry("d", [1], [2, 2])])
        #expect(cache.count == 3)
        #expect(cache.vectors([("a", [1]), ("b", [2]), ("c", [1]), ("d", [1])]).map { $0 != nil } == [false, true, true, true])
        cache.insert([("e", [1], [0, 9, 0, 0], 1)])
        #expect(cache.vectors([("e", [1])]) == [nil], "bytes that are not a halfvec are not stored")
        let off = ItemVectorCache(capacity: 0)
        off.insert([entry("a", [1], [1])])
        #expect(off.vectors([("a", [1])]) == [nil])
    }

    /// Half precision is what the column stores, so the cache loses nothing: its vectors equal the ones
    /// decoded from the wire directly.
    @Test func itemVectorCacheKeepsTheStoredPrecision() throws {
        var rng = SeededGenerator(seed: 7)
        let v = (0..<1024).map { _ in rng.nextSymmetricFloat() }
        let wire = try #require(PGVector.halfvec(v).bytes)
        let cache = ItemVectorCache(capacity: 1)
        cache.insert([("a", [1], wire, try #require(ItemVectorCache.unitVector(wire)).norm)])
        var direct = try PGVector.decodeHalfvec(wire)
        VectorMath.normalize(&direct)
        #expect(cache.vectors([("a", [1])]) == [direct[...]])
    }

    /// The kNN and the popular/fresh statements run in parallel; an item both produced is one candidate
    /// with both sources, and the list is in id order whichever statement answered first.
    @Test func candidatesOfParallelStatementsMergeByItem() {
        let knn = [Candidate(itemID: "b", vector: [1, 0], title: "B", sources: ["knn"]), Candidate(itemID: "d", vector: [0, 1], sources: ["knn"])]
        let lists = [Candidate(itemID: "a", vector: nil, sources: ["fresh"]), Candidate(itemID: "b", vector: [1, 0], title: "B", sources: ["popular", "fresh"])]
        let merged = Candidate.merging(knn, lists)
        #expect(merged.map(\.itemID) == ["a", "b", "d"])
        #expect(merged[1].sources == ["knn", "popular", "fresh"])
        #expect(merged[1].title == "B" && merged[1].vector == [1, 0])
        #expect(Candidate.merging([], lists).map(\.itemID) == ["a", "b"])
        #expect(Candidate.merging(lists, knn).map(\.sources) == Candidate.merging(knn, lists).map(\.sources))
    }

    @Test func averageVectorFollowsQdrant() throws {
        let p: [(vector: [Float], weight: Float)] = [([1, 0], 1), ([0, 1], 1)]
        let n: [(vector: [Float], weight: Float)] = [([1, 0], 1)]
        let onlyPos = try #require(ExampleStrategy.averageVector(positive: p, negative: []))
        #expect(abs(onlyPos[0] - onlyPos[1]) < 1e-6)
        // avg(p) + (avg(p) − avg(n)) = 2·(0.5, 0.5) − (1, 0) = (0, 1)
        let both = try #require(ExampleStrategy.averageVector(positive: p, negative: n))
        #expect(abs(both[0]) < 1e-6 && abs(both[1] - 1) < 1e-6)
        let away = try #require(ExampleStrategy.averageVector(positive: [], negative: n))
        #expect(away[0] < 0)
    }

    @Test func bestScoreFollowsQdrant() {
        let pos: [[Float]] = [[1, 0]], neg: [[Float]] = [[0, 1]]
        #expect(abs(ExampleStrategy.bestScore(unit([1, 0.1]), positive: pos, negative: neg) - unit([1, 0.1])[0]) < 1e-6)
        let nearNeg = unit([0.1, 1])
        #expect(abs(ExampleStrategy.bestScore(nearNeg, positive: pos, negative: neg) - (-(nearNeg[1] * nearNeg[1]))) < 1e-6)
        #expect(ExampleStrategy.bestScore(nearNeg, positive: pos, negative: neg) < ExampleStrategy.bestScore(unit([1, 0.1]), positive: pos, negative: neg))
    }

    @Test(arguments: [0, 1, 31, 32, 33, 256, 1024, 1029])
    func simdDotMatchesTheNaiveSum(_ n: Int) {
        let a = (0..<n).map { Float(($0 * 37) % 11) - 5 }, b = (0..<n).map { Float(($0 * 53) % 7) - 3 }
        let naive = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        #expect(VectorMath.dot(a, b) == naive)
    }

    @Test(arguments: [0, 3, 1024])
    func normalizingInPlaceGivesTheNormalizedVector(_ n: Int) {
        var rng = SeededGenerator(seed: UInt64(n) + 5)
        let a = (0..<n).map { _ in rng.nextSymmetricFloat() * 3 }
        var b = a
        VectorMath.normalize(&b)
        #expect(b == VectorMath.normalized(a), "candidates are rescored with exactly the vector Candidate.init would store")
        var zero = [Float](repeating: 0, count: n)
        VectorMath.normalize(&zero)
        #expect(zero.allSatisfy { $0 == 0 })
    }

    @Test func configurationRejectsNonsense() {
        #expect(throws: RecServiceError.self) { try RecommenderConfiguration(dimensions: 512) }
        #expect(throws: RecServiceError.self) { try RecommenderConfiguration(embeddingKind: "audio") }
        #expect(throws: RecServiceError.self) { try RecommenderConfiguration(seenEventTypes: ["like"]) }
        var w = BlendWeights()
        w.negative = -1
        #expect(throws: RecServiceError.self) { try RecommenderConfiguration(weights: w) }
    }
}
