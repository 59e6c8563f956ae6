import Testing
import Foundation
@testable import RecCore

@Suite struct EmbeddingTests {
    @Test func cosineOfParallelAndOrthogonalVectors() {
        let a = Embedding([1, 0, 0])
        #expect(a.cosine(Embedding([2, 0, 0])) == 1)
        #expect(a.cosine(Embedding([0, 3, 0])) == 0)
        #expect(a.cosine(Embedding(zeros: 3)) == 0)
    }

    @Test func normalizedHasUnitNorm() {
        let v = Embedding([3, 4]).normalized()
        #expect(abs(v.norm - 1) < 1e-6)
        #expect(v.values == [0.6, 0.8])
    }

    @Test func scaleAndAdd() {
        var v = Embedding([1, 2])
        v.scale(by: 0.5, adding: Embedding([2, 2]), weight: 2)
        #expect(v.values == [4.5, 5])
    }
}

@Suite struct IdentifierTests {
    @Test func identifiersCodeAsBareStrings() throws {
        let data = try JSONEncoder().encode([ItemID("p-1")])
        #expect(String(decoding: data, as: UTF8.self) == "[\"p-1\"]")
        #expect(try JSONDecoder().decode([UserID].self, from: Data("[\"u\"]".utf8)) == ["u"])
    }
}
