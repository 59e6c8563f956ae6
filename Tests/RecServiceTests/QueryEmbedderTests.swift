import BedrockClient
import BedrockTestSupport
import Testing
@testable import RecService

/// How the embedding endpoint's answers to a search query become API errors: a query the endpoint
/// rejects (a corrupt or CMYK image, too many tokens) is the client's fault, a 400, never a 502.
@Suite struct QueryEmbedderTests {
    @Test func aQueryTheEndpointRejectsIsInvalidInput() async throws {
        let fake = try FakeBedrockEndpoint(faults: [.error(.validation)])
        let embedder = try ServiceTestStack.fakeEmbedder(fake)
        let e = await #expect(throws: RecServiceError.self) {
            _ = try await embedder.embed(text: nil, image: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3], dimensions: ServiceTestStack.dims)
        }
        #expect(e?.code == .invalidInput)
    }

    @Test func aFailingEndpointIsNotTheClientsFault() async throws {
        let fake = try FakeBedrockEndpoint(faults: [], thenAlways: .error(.modelError))
        let embedder = try ServiceTestStack.fakeEmbedder(fake)
        let e = await #expect(throws: RecServiceError.self) { _ = try await embedder.embed(text: "shoes", image: nil, dimensions: ServiceTestStack.dims) }
        #expect(e?.code != .invalidInput)
    }
}
