import BedrockTestSupport
import Foundation
import RecCore
import Testing
@testable import BedrockClient

/// The endpoint's vector version enters content hashes, so a cached vector is only reused from the very same model
/// (issue #15): `rec titan-local` names its build; Bedrock itself is asked nothing.
@Suite struct VectorVersionTests {
    static func client(_ endpoint: String) throws -> TitanEmbeddingClient {
        let config = try BedrockClientConfiguration(region: "us-east-1", endpoint: endpoint, modelID: TitanModel.multimodalEmbeddingsV1,
                                                    dimensions: 256, connectTimeout: 2, requestTimeout: 2)
        return TitanEmbeddingClient(configuration: config, credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials))
    }

    static func server(status: Int, body: String, hits: Locked<Int>) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in
            guard request.method == "GET", request.rawPath == "/health" else { return .respond(status: 404, headers: [], body: []) }
            hits.withLock { $0 += 1 }
            return .respond(status: status, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
        }
    }

    @Test func aStandInsVersionIsAskedOnceAndNamesTheModelInHashes() async throws {
        let hits = Locked(0)
        let server = try Self.server(status: 200, body: #"{"status":"ok","standIn":true,"vectorVersion":"titan-local-0123456789abcdef"}"#, hits: hits)
        defer { server.shutdown() }
        let client = try Self.client(server.baseURL)
        #expect(try await client.vectorVersion() == "titan-local-0123456789abcdef")
        #expect(try await client.vectorVersion() == "titan-local-0123456789abcdef")
        #expect(hits.withLock { $0 } == 1, "asked once per client")
        let identity = client.identity(ofModel: TitanModel.multimodalEmbeddingsV1, vectorVersion: "titan-local-0123456789abcdef")
        #expect(identity == EmbeddingModelIdentity(family: .titan, hashModel: "amazon.titan-embed-image-v1@titan-local-0123456789abcdef"))
        #expect(client.identity(ofModel: NovaModel.multimodalEmbeddingsV1, vectorVersion: "").family == .nova)
        #expect(client.identity(ofModel: NovaModel.multimodalEmbeddingsV1, vectorVersion: "").hashModel == NovaModel.multimodalEmbeddingsV1)
    }

    @Test func aStandInWithoutVersionsAndOtherEndpointsAreTold() async throws {
        let hits = Locked(0)
        let old = try Self.server(status: 200, body: #"{"status":"ok","standIn":true}"#, hits: hits)
        defer { old.shutdown() }
        #expect(try await Self.client(old.baseURL).vectorVersion() == "titan-local-unversioned")
        let proxy = try Self.server(status: 403, body: #"{"message":"Missing Authentication Token"}"#, hits: hits)
        defer { proxy.shutdown() }
        #expect(try await Self.client(proxy.baseURL).vectorVersion() == "", "a proxy in front of Bedrock is Bedrock")
        let fake = try FakeBedrockEndpoint()
        #expect(try await Self.client(fake.endpoint).vectorVersion() == "")
    }

    @Test func bedrockItselfIsNotAskedAndAnUnreachableStandInIsRetriable() async throws {
        #expect(TitanEmbeddingClient.isAWSEndpoint("https://bedrock-runtime.us-east-1.amazonaws.com"))
        #expect(TitanEmbeddingClient.isAWSEndpoint("https://vpce-0a1b-x.bedrock-runtime.eu-west-1.vpce.amazonaws.com"))
        #expect(TitanEmbeddingClient.isAWSEndpoint("https://bedrock-runtime.cn-north-1.amazonaws.com.cn"))
        #expect(!TitanEmbeddingClient.isAWSEndpoint("http://127.0.0.1:28087"))
        #expect(try await Self.client("https://bedrock-runtime.us-east-1.amazonaws.com").vectorVersion() == "")

        // Port 1 on loopback: nothing listens. The failure is thrown (retriable), and nothing is remembered.
        let down = try Self.client("http://127.0.0.1:1")
        await #expect(throws: BedrockError.self) { try await down.vectorVersion() }
        #expect(down.vectorVersionMemo.withLock { $0 } == nil)
    }
}
