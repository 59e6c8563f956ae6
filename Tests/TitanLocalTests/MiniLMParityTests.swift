import Foundation
import Testing
@testable import TitanLocal

/// The Swift MiniLM against vectors computed with the reference implementation.
@Suite("MiniLM parity", .enabled(if: TestResources.modelTestsEnabled, "model files absent (set REC_INTEGRATION=1 to require them)"))
struct MiniLMParityTests {
    struct Reference: Decodable, Sendable {
        struct Item: Decodable, Sendable {
            var text: String
            var token_ids: [Int32]
            var embedding: [Float]
        }
        var max_length: Int
        var dim: Int
        var items: [Item]
    }

    static func loadReference() throws -> Reference {
        let data = try Data(contentsOf: TestResources.referenceURL)
        return try JSONDecoder().decode(Reference.self, from: data)
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for i in 0..<min(a.count, b.count) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    @Test("token ids match the reference tokenizer for every sentence")
    func tokenIDsMatch() throws {
        let model = try TestResources.model.get()
        let reference = try Self.loadReference()
        #expect(!reference.items.isEmpty)
        #expect(reference.max_length == MiniLMModel.maxSequenceLength)
        for item in reference.items {
            #expect(model.tokenIDs(item.text) == item.token_ids, "\(item.text.prefix(60))")
        }
    }

    @Test("each sentence alone reaches cosine >= 0.999 to the reference vector")
    func embeddingsMatchAlone() async throws {
        let model = try TestResources.model.get()
        let reference = try Self.loadReference()
        let vectors = try await TestResources.onThread { reference.items.map { model.embed([$0.text])[0] } }
        for (item, vector) in zip(reference.items, vectors) {
            #expect(vector.count == reference.dim)
            let cos = Self.cosine(vector, item.embedding)
            #expect(cos >= 0.999, "cosine \(cos) for \(item.text.prefix(60))")
        }
    }

    @Test("a padded batch gives the same vectors as single sentences")
    func batchedMatchesReference() async throws {
        let model = try TestResources.model.get()
        let reference = try Self.loadReference()
        let vectors = try await TestResources.onThread { model.embed(reference.items.map(\.text)) }
        for (item, vector) in zip(reference.items, vectors) {
            let cos = Self.cosine(vector, item.embedding)
            #expect(cos >= 0.999, "batched cosine \(cos) for \(item.text.prefix(60))")
        }
    }

    @Test("a missing model directory names the path and the install command")
    func missingModelError() {
        let dir = URL(fileURLWithPath: "/nonexistent/titan-model-\(UInt32.random(in: 0...UInt32.max))")
        #expect {
            _ = try MiniLMModel(directory: dir)
        } throws: { error in
            let text = "\(error)"
            return text.contains(dir.path) && text.contains("deploy/local/stack install")
        }
    }
}

@Suite("MiniLM numerics")
struct MiniLMNumericsTests {
    @Test("the fast erf used by GELU stays within 1e-6 of libm's erff")
    func fastErfMatchesLibm() {
        var worst: Float = 0
        for i in -60_000...60_000 {
            let x = Float(i) / 10_000
            worst = max(worst, abs(MiniLMEncoder.fastErf(x) - erff(x)))
        }
        #expect(worst < 1e-6, "max error \(worst)")
    }
}
