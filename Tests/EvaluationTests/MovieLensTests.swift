import Foundation
import Testing
@testable import Evaluation

/// The baselines on real MovieLens-1M, when `REC_EVAL_DATA` names the directory that
/// `deploy/local/datasets ml-1m` fills (`.stack/datasets/ml-1m`). Meant for release builds:
/// `REC_EVAL_DATA=$PWD/.stack/datasets/ml-1m swift test -c release --filter MovieLensTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["REC_EVAL_DATA"] != nil))
struct MovieLensTests {
    @Test func baselinesOnLeaveLastOut() async throws {
        let dir = URL(fileURLWithPath: ProcessInfo.processInfo.environment["REC_EVAL_DATA"]!)
        let ds = try EvalDataset.load(items: dir.appendingPathComponent("items.tsv"), interactions: dir.appendingPathComponent("interactions.tsv"))
        #expect(ds.events.count == 1_000_209 && ds.userCount == 6040 && ds.interactedItemCount == 3706)
        let split = try EvalSplit(ds.events, protocol: .leaveLastOut)
        let training = EvalTraining(train: split.train, catalog: ds.catalog)
        let sim = ItemSimilarity(training: training)
        var report = EvalReport()
        report.rows.append(await EvalRunner.evaluate(name: "random", ranker: RandomRanker(training: training), cases: split.cases, training: training))
        report.rows.append(await EvalRunner.evaluate(name: "most-popular", ranker: PopularityRanker(training: training), cases: split.cases, training: training))
        report.rows.append(await EvalRunner.evaluate(name: "item-knn", ranker: ItemKNNRanker(similarity: sim), cases: split.cases, training: training))
        report.rows.append(await EvalRunner.evaluate(name: "recent-item-knn", ranker: RecentItemKNNRanker(similarity: sim), cases: split.cases, training: training))
        print(report.table())
        let hr = report.rows.map(\.strict.hitRate)
        #expect(hr[0] < hr[1] && hr[1] < hr[2] && hr[2] < hr[3])
        #expect(hr[3] > 0.10)
    }
}
