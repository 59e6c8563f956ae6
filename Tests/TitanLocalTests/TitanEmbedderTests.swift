import BedrockClient
import Foundation
import Testing
@testable import TitanLocal

@Suite("Titan embedder rules and vectors", .enabled(if: TestResources.modelTestsEnabled, "model files absent (set REC_INTEGRATION=1 to require them)"))
struct TitanEmbedderTests {
    static let embedder: Result<TitanEmbedder, any Error> = TestResources.model.map { TitanEmbedder(model: $0) }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    static func expectValidation(_ body: String, mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let embedder = try Self.embedder.get()
        do {
            _ = try await embedder.embed(body: Array(body.utf8))
            Issue.record("expected a ValidationException for \(body.prefix(80))", sourceLocation: sourceLocation)
        } catch let error as TitanLocalError {
            #expect(error.type == .validation, sourceLocation: sourceLocation)
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    @Test("a 384-d text vector is the MiniLM sentence embedding; 1024-d keeps its cosines")
    func textVectors() async throws {
        let embedder = try Self.embedder.get()
        let texts = ["red cotton summer dress", "a crimson dress for summer", "stainless steel kitchen knife"]
        let model = embedder.model
        let native = try await TestResources.onThread { model.embed(texts) }
        var r384: [[Float]] = [], r1024: [[Float]] = []
        for t in texts {
            let a = try await embedder.embed(TitanEmbeddingRequest(inputText: t, embeddingConfig: .init(outputEmbeddingLength: 384)))
            let b = try await embedder.embed(TitanEmbeddingRequest(inputText: t))
            #expect(a.inputTextTokenCount == embedder.model.tokenizer.wordPieceIDs(t).count)
            r384.append(a.embedding); r1024.append(b.embedding)
        }
        #expect(r1024.allSatisfy { $0.count == 1024 })
        for i in 0..<3 {
            #expect(Self.dot(r384[i], native[i]) > 0.9999)
            for j in 0..<3 {
                #expect(abs(Self.dot(r1024[i], r1024[j]) - Self.dot(native[i], native[j])) < 1e-4)
            }
        }
        // Meaning shows: the two dresses are closer than dress and knife.
        #expect(Self.dot(r1024[0], r1024[1]) > Self.dot(r1024[0], r1024[2]) + 0.2)
    }

    @Test("text and image together give the normalised average of the two")
    func fusion() async throws {
        let embedder = try Self.embedder.get()
        let image = try ImageCodec.encodePNG(TestPictures.discAndBar(width: 64, height: 64)).base64()
        let text = try await embedder.embed(TitanEmbeddingRequest(inputText: "red disc", embeddingConfig: .init(outputEmbeddingLength: 256)))
        let picture = try await embedder.embed(TitanEmbeddingRequest(inputImage: image, embeddingConfig: .init(outputEmbeddingLength: 256)))
        let both = try await embedder.embed(TitanEmbeddingRequest(inputText: "red disc", inputImage: image, embeddingConfig: .init(outputEmbeddingLength: 256)))
        #expect(picture.inputTextTokenCount == nil)
        #expect(both.inputTextTokenCount == 2)
        var mean = zip(text.embedding, picture.embedding).map { ($0 + $1) / 2 }
        let n = Self.dot(mean, mean).squareRoot()
        mean = mean.map { $0 / n }
        #expect(Self.dot(both.embedding, mean) > 0.9999)
        #expect(abs(Self.dot(both.embedding, both.embedding) - 1) < 1e-4)
    }

    @Test("vectors are identical across embedder instances (fixed seeds)")
    func deterministic() async throws {
        let model = try TestResources.model.get()
        let e1 = TitanEmbedder(model: model), e2 = TitanEmbedder(model: model)
        defer { e1.shutdown(); e2.shutdown() }
        let image = try ImageCodec.encodeJPEG(TestPictures.stripes(width: 80, height: 80)).base64()
        let request = TitanEmbeddingRequest(inputText: "blue jeans", inputImage: image)
        let a = try await e1.embed(request), b = try await e2.embed(request)
        #expect(a.embedding == b.embedding)
    }

    @Test("Titan's input rules are enforced")
    func inputRules() async throws {
        try await Self.expectValidation("{}", mentioning: "at least one of inputText and inputImage")
        try await Self.expectValidation(#"{"embeddingConfig":{"outputEmbeddingLength":1024}}"#, mentioning: "at least one")
        try await Self.expectValidation(#"{"inputText":"hi","embeddingConfig":{"outputEmbeddingLength":512}}"#, mentioning: "512")
        try await Self.expectValidation(#"{"inputText": "#, mentioning: "not valid JSON")
        try await Self.expectValidation(#"{"inputText": 3}"#, mentioning: "inputText")
        try await Self.expectValidation(#"{"inputText":"hi","color":"red"}"#, mentioning: "extraneous key [color]")
        try await Self.expectValidation(#"{"inputText":""}"#, mentioning: "minLength")
        let long = Array(repeating: "word", count: 129).joined(separator: " ")
        try await Self.expectValidation(#"{"inputText":"\#(long)"}"#, mentioning: "Too many input tokens. Max input tokens: 128, request input token count: 129")
        try await Self.expectValidation(#"{"inputImage":"R0lGODlhAQABAAAAACw="}"#, mentioning: "PNG or JPEG")
        try await Self.expectValidation(#"{"inputImage":"!!!"}"#, mentioning: "base64")
        let big = [UInt8](repeating: 0xFF, count: 5 * 1024 * 1024 + 1).base64()
        try await Self.expectValidation(#"{"inputImage":"\#(big)"}"#, mentioning: "5 MB")
        var broken = try ImageCodec.encodePNG(TestPictures.stripes(width: 30, height: 30))
        broken.removeLast(broken.count / 2)
        try await Self.expectValidation(#"{"inputImage":"\#(broken.base64())"}"#, mentioning: "could not be decoded")
    }

    @Test("exactly 128 word pieces is accepted")
    func limitIsInclusive() async throws {
        let embedder = try Self.embedder.get()
        let text = Array(repeating: "word", count: 128).joined(separator: " ")
        let answer = try await embedder.embed(TitanEmbeddingRequest(inputText: text))
        #expect(answer.inputTextTokenCount == 128)
    }
}

extension Array where Element == UInt8 {
    func base64() -> String { Data(self).base64EncodedString() }
}
