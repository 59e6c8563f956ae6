import RecCore
import BedrockClient
import Foundation
import Testing
@testable import TitanLocal

@Suite("Dimension projections")
struct DimensionProjectorTests {
    static func randomUnit(_ n: Int, _ g: inout SeededGenerator) -> [Float] {
        let v = (0..<n).map { _ in Float(g.nextSymmetricUnit()) }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / norm }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test("widening keeps cosine similarity exactly", arguments: [(384, 1024), (152, 256), (152, 384)])
    func wideningPreservesCosine(input: Int, output: Int) {
        let p = DimensionProjector(inputDimension: input, outputDimension: output, seed: 42)
        var g = SeededGenerator(seed: 7)
        for _ in 0..<20 {
            let a = Self.randomUnit(input, &g), b = Self.randomUnit(input, &g)
            let pa = p.project(a), pb = p.project(b)
            #expect(pa.count == output)
            #expect(abs(Self.dot(pa, pb) - Self.dot(a, b)) < 1e-4)
        }
    }

    @Test("384 to 384 is the identity, so the text vector is the MiniLM vector")
    func identity() {
        var g = SeededGenerator(seed: 9)
        let a = Self.randomUnit(384, &g)
        let p = DimensionProjector(inputDimension: 384, outputDimension: 384, seed: 1)
        #expect(zip(p.project(a), a).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test("narrowing to 256 gives unit vectors and keeps cosines roughly")
    func narrowing() {
        let p = DimensionProjector(inputDimension: 384, outputDimension: 256, seed: 42)
        var g = SeededGenerator(seed: 11)
        let a = Self.randomUnit(384, &g)
        var b = Self.randomUnit(384, &g)
        // b close to a: cosine about 0.9.
        b = zip(a, b).map { 0.9 * $0 + 0.436 * $1 }
        let pa = p.project(a), pb = p.project(b)
        #expect(abs(Self.dot(pa, pa) - 1) < 1e-4)
        let original = Self.dot(a, b) / Self.dot(b, b).squareRoot()
        #expect(abs(Self.dot(pa, pb) - original) < 0.1)
    }

    @Test("projections are the same for the same seed and differ across seeds")
    func seeded() {
        var g = SeededGenerator(seed: 5)
        let a = Self.randomUnit(384, &g)
        let p1 = DimensionProjector(inputDimension: 384, outputDimension: 1024, seed: 42).project(a)
        let p2 = DimensionProjector(inputDimension: 384, outputDimension: 1024, seed: 42).project(a)
        let p3 = DimensionProjector(inputDimension: 384, outputDimension: 1024, seed: 43).project(a)
        #expect(p1 == p2)
        #expect(p1 != p3)
    }
}

@Suite("Titan request and response JSON")
struct TitanJSONTests {
    @Test("the hand-written response JSON decodes to the same vector")
    func responseRoundTrip() throws {
        let vector: [Float] = [0.1, -0.25, 1e-7, -0.0, 0.33333334, 3.4e38]
        let bytes = TitanEmbedder.encode(.init(embedding: vector, inputTextTokenCount: 7))
        let decoded = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(bytes))
        #expect(decoded.embedding == vector)
        #expect(decoded.inputTextTokenCount == 7)
        let imageOnly = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(TitanEmbedder.encode(.init(embedding: [1]))))
        #expect(imageOnly.inputTextTokenCount == nil)
    }

    @Test("request parsing accepts Titan's fields and refuses wrong types")
    func requestParsing() throws {
        let ok = try TitanEmbedder.parse(Array(#"{"inputText":"a","inputImage":null,"embeddingConfig":{"outputEmbeddingLength":384}}"#.utf8))
        #expect(ok == TitanEmbeddingRequest(inputText: "a", embeddingConfig: .init(outputEmbeddingLength: 384)))
        for bad in [#"{"inputText":1}"#, #"{"embeddingConfig":{"outputEmbeddingLength":"384"}}"#,
                    #"{"embeddingConfig":{"outputEmbeddingLength":true}}"#, #"{"embeddingConfig":{"outputEmbeddingLength":38.5}}"#,
                    #"{"embeddingConfig":{}}"#, #"{"embeddingConfig":{"outputEmbeddingLength":256,"normalize":true}}"#, "[1]"] {
            #expect(throws: TitanLocalError.self, "\(bad)") { try TitanEmbedder.parse(Array(bad.utf8)) }
        }
    }
}
