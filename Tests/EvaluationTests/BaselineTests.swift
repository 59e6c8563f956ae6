import Foundation
import Testing
@testable import Evaluation

@Suite struct BaselineTests {
    /// u1 {a, b}, u2 {a, b}, u3 {a, b, c}, u4 {c, d}; e is in the catalog but never seen.
    /// Cosine: sim(a, b) = 3 / sqrt(3·3) = 1, sim(a, c) = 1 / sqrt(3·2) = 0.408, sim(c, d) = 1 / sqrt(2·1) = 0.707.
    private let training: EvalTraining = {
        let pairs = [("u1", "a"), ("u1", "b"), ("u2", "a"), ("u2", "b"), ("u3", "a"), ("u3", "b"), ("u3", "c"), ("u4", "c"), ("u4", "d")]
        let events = pairs.enumerated().map { EvalEvent(user: $1.0, item: $1.1, type: .view, time: Date(timeIntervalSince1970: Double($0)), index: $0) }
        return EvalTraining(train: events, catalog: EvalCatalog(ids: ["a", "b", "c", "d", "e"]))
    }()

    private func user(history items: [String]) -> EvalCase {
        EvalCase(user: "new", target: "?", asOf: Date(timeIntervalSince1970: 100), strict: true,
                 history: items.enumerated().map { EvalEvent(user: "new", item: $1, type: .view, time: Date(timeIntervalSince1970: Double($0)), index: $0) })
    }

    @Test func cosineSimilarities() throws {
        let sim = ItemSimilarity(training: training)
        #expect(abs(try #require(sim.similarity("a", "b")) - 1) < 1e-6)
        #expect(abs(try #require(sim.similarity("a", "c")) - 1 / Float(6).squareRoot()) < 1e-6)
        #expect(abs(try #require(sim.similarity("c", "d")) - 1 / Float(2).squareRoot()) < 1e-6)
        #expect(sim.similarity("a", "a") == 0)
        #expect(sim.similarity("a", "zzz") == nil)
    }

    @Test func itemKNNRecommendsTheCoRatedItemAndSkipsHistory() {
        let ranker = ItemKNNRanker(similarity: ItemSimilarity(training: training))
        // From a: b (1.0) > c (0.408) > d, e (0, ordered by the seeded tie-break).
        let ranked = ranker.rank(user(history: ["a"]), limit: 4)
        #expect(Array(ranked.prefix(2)) == ["b", "c"])
        #expect(Set(ranked) == ["b", "c", "d", "e"])
        #expect(ranker.rank(user(history: ["a"]), limit: 1) == ["b"])
    }

    @Test func recentItemKNNFollowsTheNewestItem() {
        let sim = ItemSimilarity(training: training)
        // History a (old), d (newest). Full history: c = 0.408 + 0.707 = 1.115 > b = 1.0.
        // Only the newest item: c = 0.707 and b = 0, so c leads; with decay 0.1 over both, b = 0.1 < c = 0.748.
        #expect(RecentItemKNNRanker(similarity: sim, recent: 1).rank(user(history: ["a", "d"]), limit: 1) == ["c"])
        // History d (old), a (newest), decay 0.1: b = 1.0, c = 0.408 + 0.1·0.707 = 0.479 → b first; full history: c = 1.115 first.
        #expect(RecentItemKNNRanker(similarity: sim, recent: 2, decay: 0.1).rank(user(history: ["d", "a"]), limit: 1) == ["b"])
        #expect(ItemKNNRanker(similarity: sim).rank(user(history: ["d", "a"]), limit: 1) == ["c"])
    }

    @Test func mostPopularByInteractionCount() {
        // Counts a 3, b 3, c 2, d 1, e 0; the user has a.
        let ranked = PopularityRanker(training: training).rank(user(history: ["a"]), limit: 3)
        #expect(ranked == ["b", "c", "d"])
    }

    @Test func randomIsSeededAndExcludesHistory() {
        let ranker = RandomRanker(training: training, seed: 3)
        let ranked = ranker.rank(user(history: ["a", "b"]), limit: 10)
        #expect(Set(ranked) == ["c", "d", "e"] && ranked.count == 3)
        #expect(ranker.rank(user(history: ["a", "b"]), limit: 10) == ranked)
    }

    @Test func runnerSeparatesStrictCases() async {
        let sim = ItemSimilarity(training: training)
        var hit = user(history: ["a"]); hit.target = "b"
        var miss = user(history: ["a"]); miss.target = "e"; miss.strict = false
        let row = await EvalRunner.evaluate(name: "knn", ranker: ItemKNNRanker(similarity: sim), cases: [hit, miss], training: training, k: 1, limit: 4)
        #expect(row.strict.cases == 1 && row.strict.hitRate == 1)
        #expect(row.all.cases == 2 && row.all.hitRate == 0.5)
    }
}
