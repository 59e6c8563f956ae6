import Foundation
import Testing
@testable import Evaluation

/// The curves the web console charts: the same metrics at several cut-offs, the report's `k` among them.
@Suite struct RowAccumulatorTests {
    private let training = EvalTraining(
        train: [("u1", "a"), ("u1", "b"), ("u2", "a")].enumerated().map {
            EvalEvent(user: $1.0, item: $1.1, type: .view, time: Date(timeIntervalSince1970: Double($0)), index: $0)
        },
        catalog: EvalCatalog(ids: ["a", "b", "c", "d", "e", "f", "g"]))

    @Test func cutoffsStopAtTheListAndIncludeK() {
        #expect(EvalReport.curveCutoffs(k: 10, limit: 100) == [1, 5, 10, 20, 50, 100])
        #expect(EvalReport.curveCutoffs(k: 3, limit: 30) == [1, 3, 5, 10, 20])
    }

    @Test func theCurveAtKIsTheRowAndHitRateGrowsWithK() {
        var acc = RowAccumulator(k: 5, limit: 20, training: training)
        var half = RowAccumulator(k: 5, limit: 20, training: training)
        let ranked = ["b", "c", "d", "e", "f", "g", "a"]
        acc.add(ranked: ranked, target: "b", strict: true)     // rank 1
        acc.add(ranked: ranked, target: "f", strict: false)    // rank 5
        half.add(ranked: ranked, target: "a", strict: true)    // rank 7
        acc.merge(half)
        let row = acc.row(name: "x")
        let curve = try! #require(row.curve)
        #expect(curve.all.map(\.k) == [1, 5, 10, 20])
        #expect(curve.all[1] == row.all && curve.strict[1] == row.strict)
        let expected: [Double] = [1.0 / 3, 2.0 / 3, 1, 1]
        #expect(curve.all.map(\.hitRate) == expected)
        #expect(curve.strict.map(\.cases) == [2, 2, 2, 2])
        let plain = MetricAccumulator(k: 5, training: training)
        #expect(row.all.k == plain.k)
    }

    @Test func reportsWithoutCurvesStillDecode() throws {
        let old = #"{"rows":[{"name":"random","strict":{"k":10,"cases":1,"hitRate":0,"ndcg":0,"mrr":0,"coverage":0,"novelty":0},"all":{"k":10,"cases":1,"hitRate":0,"ndcg":0,"mrr":0,"coverage":0,"novelty":0}}]}"#
        let report = try JSONDecoder().decode(EvalReport.self, from: Data(old.utf8))
        #expect(report.rows[0].curve == nil)
    }
}
