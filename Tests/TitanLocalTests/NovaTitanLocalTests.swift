import BedrockClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RecCore
import Testing
@testable import TitanLocal

/// `rec titan-local` answering Amazon Nova Multimodal Embeddings' schema.
@Suite("rec titan-local as Nova Multimodal Embeddings", .enabled(if: TestResources.modelTestsEnabled, "model files absent (set REC_INTEGRATION=1 to require them)"))
struct NovaTitanLocalTests {
    static let novaPath = "/model/amazon.nova-2-multimodal-embeddings-v1%3A0/invoke"
    static let titanPath = "/model/amazon.titan-embed-image-v1/invoke"

    static func server() throws -> TitanLocalServer { try TitanLocalServerTests.server() }

    static func textBody(_ value: String, mode: String = "END", purpose: String = "GENERIC_INDEX", dimension: Int? = 3072) -> String {
        let dim = dimension.map { #","embeddingDimension":\#($0)"# } ?? ""
        let escaped = String(data: try! JSONSerialization.data(withJSONObject: [value], options: .fragmentsAllowed), encoding: .utf8)!.dropFirst().dropLast()
        return #"{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"\#(purpose)"\#(dim),"text":{"truncationMode":"\#(mode)","value":\#(escaped)}}}"#
    }

    static func imageBody(_ bytes: [UInt8], format: String = "png", purpose: String = "GENERIC_INDEX", dimension: Int = 1024) -> String {
        #"{"schemaVersion":"nova-multimodal-embed-v1","taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"\#(purpose)","embeddingDimension":\#(dimension),"image":{"format":"\#(format)","source":{"bytes":"\#(bytes.base64())"}}}}"#
    }

    static func decode(_ response: TestResponse) throws -> NovaEmbeddingResponse {
        try JSONDecoder().decode(NovaEmbeddingResponse.self, from: Data(buffer: response.body))
    }

    @Test("text at 3072 dimensions: one TEXT embedding, unit length; index and retrieval vectors are identical here; same space as Titan's text")
    func textRoundTrip() async throws {
        let app = Application(router: try Self.server().makeRouter())
        try await app.test(.router) { client in
            var index: [Float] = []
            try await client.execute(uri: Self.novaPath, method: .post, body: ByteBuffer(string: Self.textBody("red cotton summer dress"))) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name(TitanLocalInfo.standInHeader)!] == TitanLocalInfo.standInDescription)
                let answer = try Self.decode(response)
                #expect(answer.embeddings.count == 1)
                #expect(answer.embeddings[0].embeddingType == "TEXT")
                #expect(answer.embeddings[0].embedding.count == 3072)
                #expect(answer.embeddings[0].truncatedCharLength == nil)
                #expect(abs(VectorMath.norm(answer.embeddings[0].embedding) - 1) < 1e-4)
                index = answer.embeddings[0].embedding
            }
            try await client.execute(uri: Self.novaPath, method: .post,
                                     body: ByteBuffer(string: Self.textBody("red cotton summer dress", purpose: "TEXT_RETRIEVAL"))) { response in
                let decoded = try Self.decode(response)
                // Identical up to float rounding (a batch's composition changes the last bits of MiniLM's matrix products).
                #expect(VectorMath.cosine(decoded.embeddings[0].embedding, index) > 0.99999)
            }
            // No embeddingDimension: Nova's default, 3072.
            try await client.execute(uri: Self.novaPath, method: .post, body: ByteBuffer(string: Self.textBody("a lamp", dimension: nil))) { response in
                let decoded = try Self.decode(response)
                #expect(decoded.embeddings[0].embedding.count == 3072)
            }
            // At 1024 the stand-in's Nova text vector is its Titan text vector: one local space for both families.
            var nova1024: [Float] = []
            try await client.execute(uri: Self.novaPath, method: .post, body: ByteBuffer(string: Self.textBody("wool scarf", dimension: 1024))) { response in
                nova1024 = try Self.decode(response).embeddings[0].embedding
            }
            try await client.execute(uri: Self.titanPath, method: .post,
                                     body: ByteBuffer(string: #"{"inputText":"wool scarf","embeddingConfig":{"outputEmbeddingLength":1024}}"#)) { response in
                let titan = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(buffer: response.body))
                #expect(VectorMath.cosine(titan.embedding, nova1024) > 0.99999)
            }
        }
    }

    @Test("an image: one IMAGE embedding")
    func imageRoundTrip() async throws {
        let app = Application(router: try Self.server().makeRouter())
        let png = try ImageCodec.encodePNG(TestPictures.discAndBar(width: 96, height: 96))
        let jpeg = try ImageCodec.encodeJPEG(TestPictures.discAndBar(width: 96, height: 96))
        try await app.test(.router) { client in
            try await client.execute(uri: Self.novaPath, method: .post, body: ByteBuffer(string: Self.imageBody(png, dimension: 3072))) { response in
                #expect(response.status == .ok)
                let answer = try Self.decode(response)
                #expect(answer.embeddings.map(\.embeddingType) == ["IMAGE"])
                #expect(answer.embeddings[0].embedding.count == 3072)
            }
            try await client.execute(uri: Self.novaPath, method: .post, body: ByteBuffer(string: Self.imageBody(jpeg, format: "jpeg", purpose: "IMAGE_RETRIEVAL"))) { response in
                #expect(response.status == .ok)
                let decoded = try Self.decode(response)
                #expect(decoded.embeddings[0].embedding.count == 1024)
            }
        }
    }

    @Test("truncationMode at the 8,192-token context: NONE is refused in Bedrock's words, END and START cut and say where")
    func truncation() async throws {
        let app = Application(router: try Self.server().makeRouter())
        let long = Array(repeating: "alpha", count: 8_300).joined(separator: " ")  // 8,300 word pieces, 49,799 characters
        try await app.test(.router) { client in
            try await client.execute(uri: Self.novaPath, method: .post, body: ByteBuffer(string: Self.textBody(long, mode: "NONE", dimension: 256))) { response in
                #expect(response.status == .badRequest)
                #expect(TitanLocalServerTests.errorType(response) == "ValidationException")
                let message = try TitanLocalServerTests.message(response)
                #expect(message == "400 Bad Request: Too many input tokens. Max input tokens: 8192, request input token count: 8300")
            }
            try await client.execute(uri: Self.novaPath, method: .post, body: ByteBuffer(string: Self.textBody(long, mode: "END", dimension: 256))) { response in
                #expect(response.status == .ok)
                let entry = try Self.decode(response).embeddings[0]
                #expect(entry.truncatedCharLength == 8_192 * 6 - 1, "after the 8,192nd word")
            }
            try await client.execute(uri: Self.novaPath, method: .post, body: ByteBuffer(string: Self.textBody(long, mode: "START", dimension: 256))) { response in
                #expect(response.status == .ok)
                let decoded = try Self.decode(response)
                #expect(decoded.embeddings[0].truncatedCharLength == 108 * 6, "the kept tail starts after 108 words")
            }
        }
    }

    @Test("requests Nova refuses come back as ValidationException 400 with Bedrock's schema wording")
    func validationErrors() async throws {
        let app = Application(router: try Self.server().makeRouter())
        let png = try ImageCodec.encodePNG(TestPictures.stripes(width: 32, height: 32))
        let both = #"{"taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"GENERIC_INDEX","text":{"truncationMode":"END","value":"x"},"image":{"format":"png","source":{"bytes":"\#(png.base64())"}}}}"#
        let cases: [(body: String, contains: String)] = [
            ("not json", "Malformed input request: the body is not valid JSON"),
            (#"{"singleEmbeddingParams":{}}"#, "required key [taskType] not found"),
            (#"{"taskType":"SEGMENTED_EMBEDDING","singleEmbeddingParams":{}}"#, "StartAsyncInvoke"),
            (#"{"taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"text":{"truncationMode":"END","value":"x"}}}"#, "required key [embeddingPurpose] not found"),
            (#"{"taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"SEARCH","text":{"truncationMode":"END","value":"x"}}}"#, "SEARCH is not a valid enum value"),
            (Self.textBody("x", dimension: 512), "#/singleEmbeddingParams/embeddingDimension: 512 is not a valid enum value"),
            (Self.textBody(""), "#/singleEmbeddingParams/text/value: expected minLength: 1, actual: 0"),
            (Self.textBody(String(repeating: "a", count: 50_001)), "expected maxLength: 50000, actual: 50001"),
            (#"{"taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"GENERIC_INDEX","text":{"value":"x"}}}"#, "required key [truncationMode] not found"),
            (both, "exactly one of [text, image, video, audio] must be present"),
            (#"{"taskType":"SINGLE_EMBEDDING","singleEmbeddingParams":{"embeddingPurpose":"GENERIC_INDEX"}}"#, "exactly one of"),
            (Self.imageBody(png, format: "jpeg"), "the bytes are not a jpeg image"),
            (Self.imageBody(Array("GIF89a-a-gif".utf8), format: "gif"), "decodes png and jpeg only"),
            (Self.imageBody(png, format: "bmp"), "bmp is not a valid enum value"),
            (#"{"taskType":"SINGLE_EMBEDDING","inputText":"titan style"}"#, "extraneous key [inputText] is not permitted"),
        ]
        try await app.test(.router) { client in
            for c in cases {
                try await client.execute(uri: Self.novaPath, method: .post, body: ByteBuffer(string: c.body)) { response in
                    #expect(response.status == .badRequest, "\(c.body.prefix(80))")
                    #expect(TitanLocalServerTests.errorType(response) == "ValidationException")
                    let message = try TitanLocalServerTests.message(response)
                    #expect(message.hasPrefix("Malformed input request: "), "\(message)")
                    #expect(message.contains(c.contains), "\(message)")
                }
            }
        }
    }

    @Test("the product's Nova client embeds a caption with an image over real HTTP, signed, and fuses the two vectors")
    func clientRoundTrip() async throws {
        let app = try TitanLocalServerTests.server(auth: true).makeApplication()
        let png = try ImageCodec.encodePNG(TestPictures.stripes(width: 64, height: 64))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            func nova(_ dimensions: Int) throws -> TitanEmbeddingClient {
                let config = try BedrockClientConfiguration(region: "us-east-1", endpoint: "http://127.0.0.1:\(port)",
                                                            modelID: NovaModel.multimodalEmbeddingsV1, dimensions: dimensions,
                                                            retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 0.01))
                return TitanEmbeddingClient(configuration: config, credentialProvider: StaticCredentialProvider(
                    AWSCredentials(accessKeyID: TitanLocalServerTests.accessKey, secretAccessKey: TitanLocalServerTests.secret)))
            }
            let client3072 = try nova(3072)
            let text = try await client3072.embed(text: "striped cotton shirt")
            let image = try await client3072.embed(image: png)
            let fused = try await client3072.embed(text: "striped cotton shirt", image: png)
            #expect(fused.vector.count == 3072)
            #expect(fused.attempts == 2)
            let expected = NovaModel.fuse(text.vector, image.vector)
            #expect(VectorMath.cosine(fused.vector, expected) > 0.99999)
            // A query for retrieval gets the same local vector as the indexed text.
            let query = try await client3072.embed(text: "striped cotton shirt", purpose: .genericRetrieval)
            #expect(VectorMath.cosine(query.vector, text.vector) > 0.99999)
            // With the stand-in, Nova's client-side fusion equals Titan's fused vector at a shared dimension.
            let titanConfig = try BedrockClientConfiguration(region: "us-east-1", endpoint: "http://127.0.0.1:\(port)", dimensions: 1024)
            let titan = TitanEmbeddingClient(configuration: titanConfig, credentialProvider: StaticCredentialProvider(
                AWSCredentials(accessKeyID: TitanLocalServerTests.accessKey, secretAccessKey: TitanLocalServerTests.secret)))
            let titanFused = try await titan.embed(text: "striped cotton shirt", image: png)
            let novaFused = try await nova(1024).embed(text: "striped cotton shirt", image: png)
            #expect(VectorMath.cosine(titanFused.vector, novaFused.vector) > 0.9999)
            // A bad dimension is refused by the client before sending.
            let e = await #expect(throws: BedrockError.self) { try await client3072.embed(text: "x", dimensions: 2048) }
            #expect(e?.code == .invalidInput)
        }
    }

    @Test("GET /health lists the Nova model and its dimensions")
    func health() async throws {
        let app = Application(router: try Self.server().makeRouter())
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                let info = try JSONDecoder().decode(TitanLocalHealth.self, from: Data(buffer: response.body))
                #expect(info.novaModelId == NovaModel.multimodalEmbeddingsV1)
                #expect(info.novaDimensions == [256, 384, 1024, 3072])
            }
        }
    }
}
