import Testing
@testable import Finetuning

/// The train/validation split is a function of item id and seed only.
@Suite struct DatasetSplitTests {
    static let ids = (0..<20_000).map { "sku-\($0)" }

    @Test func sameIdsSameSidesInAnyOrder() throws {
        let split = try DatasetSplit(validationFraction: 0.1, seed: 7)
        let forward = Dictionary(uniqueKeysWithValues: Self.ids.map { ($0, split.role(of: $0)) })
        let again = try DatasetSplit(validationFraction: 0.1, seed: 7)
        for id in Self.ids.reversed() { #expect(again.role(of: id) == forward[id]) }
        // Adding items never moves the old ones.
        let more = Self.ids + (0..<1_000).map { "new-\($0)" }
        #expect(more.prefix(Self.ids.count).allSatisfy { again.role(of: $0) == forward[$0] })
    }

    @Test func theFractionIsRespected() throws {
        for fraction in [0.05, 0.1, 0.5] {
            let split = try DatasetSplit(validationFraction: fraction, seed: 0)
            let share = Double(Self.ids.filter { split.role(of: $0) == .validation }.count) / Double(Self.ids.count)
            #expect(abs(share - fraction) < 0.01, "\(fraction): \(share)")
        }
        #expect(Self.ids.allSatisfy { (try! DatasetSplit(validationFraction: 0, seed: 3)).role(of: $0) == .training })
        #expect(Self.ids.allSatisfy { (try! DatasetSplit(validationFraction: 1, seed: 3)).role(of: $0) == .validation })
    }

    @Test func seedsGiveDifferentSplits() throws {
        let a = try DatasetSplit(validationFraction: 0.1, seed: 1), b = try DatasetSplit(validationFraction: 0.1, seed: 2)
        let differ = Self.ids.filter { a.role(of: $0) != b.role(of: $0) }.count
        #expect(differ > 2_000, "independent 10 % draws differ on ~18 % of items: \(differ)")
    }

    /// Pinned values: a change of the rule (which would reshuffle every customer's datasets) fails here.
    @Test func theRuleIsStable() throws {
        let split = try DatasetSplit(validationFraction: 0.1, seed: 0)
        let pinned = ["sku-0", "sku-1", "sku-2", "sku-3", "sku-4"].map { (split.unit($0) * 1e6).rounded() / 1e6 }
        #expect(pinned == Self.expected, "\(pinned)")
    }

    /// Computed independently: Python's hashlib.sha256(b"rec-finetune-split\x000\x00sku-N"), first 8 bytes, >> 11, / 2**53.
    static let expected: [Double] = [0.668584, 0.019208, 0.933886, 0.497518, 0.697982]

    @Test func fractionsOutsideZeroToOneAreRefused() {
        #expect(throws: FinetuneError.self) { try DatasetSplit(validationFraction: 1.5) }
        #expect(throws: FinetuneError.self) { try DatasetSplit(validationFraction: -0.1) }
        #expect(throws: FinetuneError.self) { try DatasetSplit(validationFraction: .nan) }
    }
}
