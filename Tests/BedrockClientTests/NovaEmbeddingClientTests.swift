import BedrockTestSupport
import Foundation
import RecCore
import Testing
@testable import BedrockClient

/// The client with a Nova configuration, end to end against the loopback fake (which checks every signature).
@Suite struct NovaEmbeddingClientTests {
    static func client(_ fake: FakeBedrockEndpoint, dimensions: Int = 3072, retry: RetryPolicy = TitanEmbeddingClientTests.fastRetries,
                       textPolicy: TitanTextPolicy = .truncate) throws -> TitanEmbeddingClient {
        let config = try BedrockClientConfiguration(region: "us-east-1", endpoint: fake.endpoint, modelID: NovaModel.multimodalEmbeddingsV1,
                                                    dimensions: dimensions, textPolicy: textPolicy, connectTimeout: 10, requestTimeout: 10,
                                                    retryPolicy: retry)
        return TitanEmbeddingClient(configuration: config, credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials))
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 1, count: 64)

    @Test func textIsOneIndexRequestOfTheConfiguredDimension() async throws {
        let fake = try FakeBedrockEndpoint()
        let client = try Self.client(fake)
        #expect(client.configuration.family == .nova)
        let result = try await client.embed(text: "red running shoes")
        #expect(result.vector == FakeBedrockEndpoint.expectedNovaVector(text: "red running shoes", dimensions: 3072))
        #expect(result.attempts == 1)
        #expect(result.inputTextTokenCount == nil)
        #expect(fake.receivedModelIDs == [NovaModel.multimodalEmbeddingsV1])
        let sent = try #require(fake.receivedNovaRequests.first)
        #expect(sent.schemaVersion == "nova-multimodal-embed-v1")
        #expect(sent.taskType == "SINGLE_EMBEDDING")
        #expect(sent.singleEmbeddingParams.embeddingPurpose == "GENERIC_INDEX")
        #expect(sent.singleEmbeddingParams.embeddingDimension == 3072)
        #expect(sent.singleEmbeddingParams.text == .init(truncationMode: "END", value: "red running shoes"))
        #expect(fake.receivedRequests.isEmpty, "no Titan body was sent")
    }

    @Test func captionWithImageIsTwoRequestsFusedIntoOneVector() async throws {
        let fake = try FakeBedrockEndpoint()
        let client = try Self.client(fake, dimensions: 1024)
        let result = try await client.embed(text: "chair", image: Self.png)
        let expected = NovaModel.fuse(FakeBedrockEndpoint.expectedNovaVector(text: "chair", dimensions: 1024),
                                      FakeBedrockEndpoint.expectedNovaVector(text: nil, dimensions: 1024))
        #expect(result.vector == expected)
        #expect(abs(VectorMath.norm(result.vector) - 1) < 1e-5)
        #expect(result.attempts == 2)
        let sent = fake.receivedNovaRequests
        #expect(sent.count == 2)
        #expect(sent.filter { $0.singleEmbeddingParams.text != nil }.count == 1)
        #expect(sent.filter { $0.singleEmbeddingParams.image?.format == "png" }.count == 1)
        #expect(Set(sent.map(\.singleEmbeddingParams.embeddingPurpose)) == ["GENERIC_INDEX"])
    }

    /// One client serves every embedding space (docs/models.md): a request for another base model speaks that
    /// model's schema, whatever the client was configured with; a custom model ARN speaks the configured family.
    @Test func aRequestForAnotherBaseModelSpeaksThatModelsFamily() async throws {
        let fake = try FakeBedrockEndpoint()
        let config = try BedrockClientConfiguration(region: "us-east-1", endpoint: fake.endpoint, modelID: TitanModel.multimodalEmbeddingsV1,
                                                    dimensions: 1024, connectTimeout: 10, requestTimeout: 10, retryPolicy: TitanEmbeddingClientTests.fastRetries)
        let client = TitanEmbeddingClient(configuration: config, credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials))
        #expect(config.family(forModelID: nil) == .titan)
        #expect(config.family(forModelID: NovaModel.multimodalEmbeddingsV1) == .nova)
        #expect(config.family(forModelID: "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc") == .titan)

        let nova = try await client.embed(text: "desk lamp", dimensions: 3072, modelID: NovaModel.multimodalEmbeddingsV1)
        #expect(nova.vector == FakeBedrockEndpoint.expectedNovaVector(text: "desk lamp", dimensions: 3072))
        #expect(fake.receivedNovaRequests.count == 1)
        #expect(fake.receivedRequests.isEmpty, "no Titan body was sent to Nova")

        _ = try await client.embed(text: "desk lamp", dimensions: 256)
        #expect(fake.receivedRequests.count == 1, "the configured model still gets Titan's schema")
        #expect(fake.receivedModelIDs == [NovaModel.multimodalEmbeddingsV1, TitanModel.multimodalEmbeddingsV1])
    }

    @Test func queriesCarryTheirRetrievalPurpose() async throws {
        let fake = try FakeBedrockEndpoint()
        let client = try Self.client(fake, dimensions: 256)
        _ = try await client.embed(text: "lamp", purpose: .retrieval(searchingKind: "text"))
        _ = try await client.embed(image: Self.png, purpose: .retrieval(searchingKind: "fused"))
        #expect(fake.receivedNovaRequests.map(\.singleEmbeddingParams.embeddingPurpose) == ["TEXT_RETRIEVAL", "GENERIC_RETRIEVAL"])
    }

    @Test func failuresAreTypedAndRetriedLikeTitans() async throws {
        let throttled = try FakeBedrockEndpoint(faults: [.error(.throttling, retryAfter: "0")])
        let retried = try await Self.client(throttled, dimensions: 256).embed(text: "desk")
        #expect(retried.attempts == 2)
        let wrong = try FakeBedrockEndpoint(faults: [.wrongLength(12)])
        let e = await #expect(throws: BedrockError.self) { try await Self.client(wrong, dimensions: 256, retry: .none).embed(text: "desk") }
        #expect(e?.code == .invalidResponse)
        let malformed = try FakeBedrockEndpoint(faults: [.malformedJSON])
        let m = await #expect(throws: BedrockError.self) { try await Self.client(malformed, dimensions: 256, retry: .none).embed(text: "desk") }
        #expect(m?.code == .invalidResponse)
        #expect(m?.message.contains("Nova") == true)
        // A rejected image fails the fused embed with the image's error, so ingest can store the product text-only.
        let rejected = try FakeBedrockEndpoint(thenAlways: .error(.validation, message: "Malformed input request: image could not be decoded"))
        let r = await #expect(throws: BedrockError.self) { try await Self.client(rejected, dimensions: 256, retry: .none).embed(text: "desk", image: Self.png) }
        #expect(r?.code == .validation)
        // Invalid input never reaches the endpoint.
        let untouched = try FakeBedrockEndpoint()
        let i = await #expect(throws: BedrockError.self) { try await Self.client(untouched).embed(text: "x", dimensions: 512) }
        #expect(i?.code == .invalidInput)
        #expect(untouched.requestCount == 0)
    }
}
