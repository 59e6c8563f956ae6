import Foundation
import Testing
@testable import Evaluation

@Suite struct EvalGridTests {
    @Test func cartesianProductInNameOrderLastVaryingFastest() throws {
        let grid = try EvalGrid.parse(Data(#"{"recent": [5, 10], "decay": [0.5, 0.9], "name": ["knn"]}"#.utf8))
        #expect(grid.parameters.map(\.name) == ["decay", "name", "recent"])
        #expect(try grid.configurations() == [
            ["decay": "0.5", "name": "knn", "recent": "5"],
            ["decay": "0.5", "name": "knn", "recent": "10"],
            ["decay": "0.9", "name": "knn", "recent": "5"],
            ["decay": "0.9", "name": "knn", "recent": "10"],
        ])
    }

    @Test func tooManyCombinationsAndBadShapesAreErrors() {
        let big = #"{"a": [\#((1...30).map(String.init).joined(separator: ","))], "b": [\#((1...20).map(String.init).joined(separator: ","))]}"#
        let tooLarge = #expect(throws: EvalError.self) { try EvalGrid.parse(Data(big.utf8)) }
        #expect(tooLarge?.code == .gridTooLarge)   // 30 × 20 = 600 > 500
        for bad in [#"{"a": 1}"#, #"{"a": []}"#, #"[1, 2]"#, #"{"a": [{"b": 1}]}"#] {
            let error = #expect(throws: EvalError.self) { try EvalGrid.parse(Data(bad.utf8)) }
            #expect(error?.code == .invalidGrid)
        }
    }
}
