import Foundation
import Testing
@testable import TitanLocal

/// titan-local's vector version follows its model files (and its algorithm constant), so the product never reuses
/// a vector an older build or other weights made.
@Suite struct TitanLocalVectorVersionTests {
    static func directory(weights: String, vocab: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tlvv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(weights.utf8).write(to: dir.appendingPathComponent("model.safetensors"))
        try Data(vocab.utf8).write(to: dir.appendingPathComponent("vocab.txt"))
        return dir
    }

    @Test func theVersionIsADigestOfTheModelFiles() throws {
        let a = try Self.directory(weights: "weights-1", vocab: "[PAD]\nhello")
        let same = try Self.directory(weights: "weights-1", vocab: "[PAD]\nhello")
        let otherWeights = try Self.directory(weights: "weights-2", vocab: "[PAD]\nhello")
        let otherVocab = try Self.directory(weights: "weights-1", vocab: "[PAD]\nhullo")
        defer { for d in [a, same, otherWeights, otherVocab] { try? FileManager.default.removeItem(at: d) } }
        let v = TitanLocalVectorVersion.of(modelDirectory: a)
        #expect(v.hasPrefix("titan-local-") && v.count == "titan-local-".count + 16)
        #expect(TitanLocalVectorVersion.of(modelDirectory: same) == v)
        #expect(TitanLocalVectorVersion.of(modelDirectory: otherWeights) != v)
        #expect(TitanLocalVectorVersion.of(modelDirectory: otherVocab) != v)
    }
}
