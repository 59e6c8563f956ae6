import Foundation
import Testing
@testable import Evaluation

@Suite struct EvalReportTests {
    private let report = EvalReport(rows: [
        .init(name: "most-popular",
              strict: MetricSet(k: 10, cases: 3496, hitRate: 0.038, ndcg: 0.0191, mrr: 0.0186, coverage: 0.0512, novelty: 1.3),
              all: MetricSet(k: 10, cases: 6040, hitRate: 0.0368, ndcg: 0.0187, mrr: 0.0188, coverage: 0.0512, novelty: 1.28)),
        .init(name: "knn",
              strict: MetricSet(k: 10, cases: 3496, hitRate: 0.127, ndcg: 0.0698, mrr: 0.0613, coverage: 0.4471, novelty: 2.65),
              all: MetricSet(k: 10, cases: 6040, hitRate: 0.176, ndcg: 0.1, mrr: 0.0871, coverage: 0.5045, novelty: 2.62)),
    ])

    @Test func tableColumnsLineUp() {
        let lines = report.table().split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix("name          users   cases   HR@10"))
        #expect(lines[3] == "knn           strict   3496  0.1270   0.0698  0.0613  0.4471    2.65")
        #expect(Set(lines.map(\.count)).count == 1)
    }

    @Test func jsonRoundTrips() throws {
        let data = try report.json()
        #expect(try JSONDecoder().decode(EvalReport.self, from: data) == report)
        #expect(String(decoding: data, as: UTF8.self).contains("\"hitRate\" : 0.127"))
    }
}
