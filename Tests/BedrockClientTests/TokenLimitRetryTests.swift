import BedrockTestSupport
import Foundation
import MetricsTestKit
import Testing
@testable import BedrockClient

/// A text the token estimate lets through but Bedrock refuses as too long is cut harder and sent again.
@Suite struct TokenLimitRetryTests {
    /// 60 short words: estimated at 60 tokens (under the 120 budget), but the fake allows only 20.
    static let text = (0..<60).map { "p\($0 % 10)" }.joined(separator: " ")
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 32)

    static func client(_ fake: FakeBedrockEndpoint, textPolicy: TitanTextPolicy = .truncate,
                       metrics: TestMetrics? = nil) throws -> TitanEmbeddingClient {
        let config = try BedrockClientConfiguration(region: "us-east-1", endpoint: fake.endpoint, textPolicy: textPolicy,
                                                    connectTimeout: 10, requestTimeout: 10,
                                                    retryPolicy: TitanEmbeddingClientTests.fastRetries)
        return TitanEmbeddingClient(configuration: config, credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials),
                                    metricsFactory: metrics)
    }

    @Test func refusedAsTooManyTokensIsCutByTheStatedRatioAndEmbedded() async throws {
        #expect(TitanTokenEstimator.estimate(Self.text) <= TitanTokenEstimator.budget)
        let metrics = TestMetrics()
        let fake = try FakeBedrockEndpoint(maxTextTokens: 20)
        let client = try Self.client(fake, metrics: metrics)
        let result = try await client.embed(text: Self.text, image: Self.png, dimensions: 256)
        let sent = fake.receivedRequests
        #expect(sent.count == 2)
        #expect(sent.first?.inputText == Self.text)
        let cut = try #require(sent.last?.inputText)
        #expect(Self.text.hasPrefix(cut))
        #expect(FakeBedrockEndpoint.tokenCount(cut) <= 20)
        #expect(FakeBedrockEndpoint.tokenCount(cut) >= 15, "the stated 20/60 ratio keeps most of what fits: \(cut)")
        #expect(sent.allSatisfy { $0.inputImage == Data(Self.png).base64EncodedString() }, "the image is kept")
        #expect(result.vector == FakeBedrockEndpoint.expectedVector(text: cut, dimensions: 256))
        #expect(result.textWasTruncated)
        #expect(result.tokenLimitRetries == 1)
        #expect(result.attempts == 2)
        #expect(client.budget.available == 500, "a harder cut is not a retry of the same request")
        let model = [("model", TitanModel.multimodalEmbeddingsV1)]
        #expect(metrics.counterTotal(label: "bedrock_token_limit_retries_total", dimensions: model) == 1)
        #expect(metrics.counterTotal(label: "bedrock_retries_total", dimensions: model) == 0)
    }

    @Test func refusalWithoutCountsHalvesTheTextEachTime() async throws {
        let refusal = FakeBedrockEndpoint.Fault.error(.validation, message: "Malformed input request: #/inputText: expected maxLength: 50, actual: 179")
        let fake = try FakeBedrockEndpoint(faults: [refusal, refusal])
        let client = try Self.client(fake)
        let result = try await client.embed(text: Self.text, dimensions: 256)
        let lengths = fake.receivedRequests.compactMap { $0.inputText?.count }
        #expect(lengths.count == 3)
        #expect(lengths[1] <= lengths[0] / 2 && lengths[2] <= lengths[1] / 2, "\(lengths)")
        #expect(result.tokenLimitRetries == 2)
        #expect(result.textWasTruncated)
        #expect(result.attempts == 3)
    }

    @Test func givesUpAfterThreeHarderCuts() async throws {
        let fake = try FakeBedrockEndpoint(maxTextTokens: 0)
        let client = try Self.client(fake)
        let error = await #expect(throws: BedrockError.self) { try await client.embed(text: Self.text, dimensions: 256) }
        #expect(error?.code == .validation)
        #expect(error?.isTextTooLong == true)
        #expect(error?.attempts == 1 + TitanTokenEstimator.maxTokenLimitRetries)
        #expect(fake.requestCount == 1 + TitanTokenEstimator.maxTokenLimitRetries)
    }

    @Test func rejectAndPassThroughPoliciesDoNotCut() async throws {
        for policy in [TitanTextPolicy.reject, .passThrough] {
            let fake = try FakeBedrockEndpoint(maxTextTokens: 20)
            let client = try Self.client(fake, textPolicy: policy)
            let error = await #expect(throws: BedrockError.self) { try await client.embed(text: Self.text, dimensions: 256) }
            #expect(error?.code == .validation, "\(policy)")
            #expect(fake.requestCount == 1, "\(policy)")
        }
    }

    @Test func otherValidationErrorsAreNotCut() async throws {
        let fake = try FakeBedrockEndpoint(faults: [.error(.validation, message: "Malformed input request: #/inputImage: unable to process the image")])
        let client = try Self.client(fake)
        let error = await #expect(throws: BedrockError.self) { try await client.embed(text: Self.text, image: Self.png, dimensions: 256) }
        #expect(error?.code == .validation)
        #expect(fake.requestCount == 1)
    }

    @Test func recognisingAndCuttingTooLongText() {
        let bedrock = BedrockError(.validation, "400 Bad Request: Too many input tokens. Max input tokens: 128, request input token count: 280 ")
        #expect(bedrock.isTextTooLong)
        #expect(bedrock.textTokenLimit.map { [$0.limit, $0.count] } == [128, 280])
        #expect(BedrockError(.validation, "Malformed input request: #/inputText: expected maxLength: 2560, actual: 3000").isTextTooLong)
        #expect(!BedrockError(.validation, "Malformed input request: #/embeddingConfig/outputEmbeddingLength: 512 is not a valid enum value").isTextTooLong)
        #expect(!BedrockError(.throttling, "Too many input tokens").isTextTooLong)
        // 280 tokens for a limit of 128: keep 128/280 of the characters, less 10 %, on a word boundary.
        let text = (0..<100).map { "w\($0 % 10)xx" }.joined(separator: " ") // 499 characters
        let cut = try? #require(TitanTokenEstimator.cutHarder(text, after: bedrock))
        #expect(cut.map { text.hasPrefix($0) && $0.count <= 499 * 128 * 9 / 2800 && $0.count > 190 } == true, "\(cut?.count ?? -1)")
        #expect(TitanTokenEstimator.prefix("alpha beta gamma", characters: 10) == "alpha beta")
        #expect(TitanTokenEstimator.prefix("supercalifragilistic word", characters: 5) == "super")
        #expect(TitanTokenEstimator.cutHarder("x", after: bedrock) == nil)
    }
}
