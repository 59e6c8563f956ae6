import BedrockClient
import BedrockTestSupport
import Foundation
import IntegrationTestSupport
import Kafka
import Postgres
import Testing
@testable import Consumers
#if canImport(Glibc)
import Glibc
#endif

/// Nova Multimodal Embeddings at 3072 dimensions, end to end on a fresh schema: `rec titan-local` (a real process,
/// answering Nova's schema) embeds a catalog through catalog ingest, the vectors land in the 3072-d HNSW index, and
/// `rec serve` (a real process configured for Nova) answers a text search from them.
@Suite(.enabled(if: TestStack.integration), .serialized) struct NovaEndToEndTests {
    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var modelDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["REC_TITAN_MODEL_DIR"], !dir.isEmpty { return dir }
        return repoRoot.appendingPathComponent(".stack/models/all-MiniLM-L6-v2").path
    }


    static func get(_ url: String) async -> HTTPTransportResponse? {
        try? await CurlHTTPTransport().send(HTTPTransportRequest(method: "GET", url: url, timeout: 2, connectTimeout: 1))
    }

    @Test func catalogIngestAndSearchAt3072DimensionsThroughTitanLocal() async throws {
        let rec = CatalogConsumerProcessTests.recBinary
        try #require(FileManager.default.isExecutableFile(atPath: rec), "build the rec executable first (swift build)")
        try #require(FileManager.default.fileExists(atPath: Self.modelDirectory + "/model.safetensors"), "MiniLM weights missing: deploy/local/stack install")
        try await TestStack.withSchema { url in
            let titanPort = try IntegrationStack.freePort()
            let titanURL = "http://127.0.0.1:\(titanPort)"
            var env = TestStack.recProcessEnvironment(url: url, bedrockEndpoint: titanURL)
            env["REC_TITAN_MODEL_DIR"] = Self.modelDirectory
            let log = FileManager.default.temporaryDirectory.appendingPathComponent(TestStack.unique("nova-e2e") + ".log").path
            let titan = try ChildProcess.spawn(rec, ["titan-local", "--port", "\(titanPort)", "--max-batch", "8"], environment: env, logPath: log)
            defer { titan.signal(SIGTERM) }
            let up = try await TestStack.eventually(within: .seconds(60)) { await Self.get(titanURL + "/health")?.status == 200 }
            try #require(up, "titan-local answers /health (log: \(log))")

            // Catalog ingest with the Nova family at 3072-d: fused caption+image vectors (two requests each).
            let client = TitanEmbeddingClient(
                configuration: try BedrockClientConfiguration(endpoint: titanURL, modelID: NovaModel.multimodalEmbeddingsV1, dimensions: 3072),
                credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials))
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 4))
            defer { pool.close() }
            let config = try CatalogIngestConfiguration(dimensions: 3072, modelID: NovaModel.multimodalEmbeddingsV1, family: .nova)
            let ingest = CatalogIngest(pool: pool, embedder: client, fetcher: ImageFetcher(transport: CurlHTTPTransport()), configuration: config)
            let products = DemoCatalog.products(count: 24, seed: 15)
            let messages = DemoCatalog.events(products).enumerated().map { i, e in
                KafkaMessage(topic: "nova-e2e", partition: 0, offset: Int64(i), key: Array(e.productID.utf8), value: e.jsonBytes)
            }
            let outcome = try await ingest.handle(messages)
            #expect(outcome.results.allSatisfy { if case .done = $0 { true } else { false } }, "\(outcome.results)")
            func count(_ sql: String) async throws -> Int { try await pool.query(sql).first?.int(0) ?? 0 }
            #expect(try await count("SELECT count(*) FROM item_embeddings WHERE dims = 3072 AND kind = 'fused' AND model = 'amazon.nova-2-multimodal-embeddings-v1:0' AND vector_dims(embedding) = 3072") == 24)
            #expect(try await count("SELECT count(*) FROM embedding_cache WHERE dims = 3072 AND model = 'amazon.nova-2-multimodal-embeddings-v1:0'") == 24)
            #expect(try await count("SELECT count(*) FROM items WHERE image_error IS NOT NULL") == 0, "every image was embedded")
            // The hashes name titan-local's vector version: a vector of another build or other weights never matches.
            let health = try #require(await Self.get(titanURL + "/health"))
            let version = try #require((try JSONSerialization.jsonObject(with: Data(health.body)) as? [String: Any])?["vectorVersion"] as? String)
            #expect(try await client.vectorVersion() == version)
            let first = products[0]
            guard case .inline(let png)? = first.image else { Issue.record("demo products have inline images"); return }
            let firstCaption = CatalogCaption.make(title: first.title, description: first.description, family: .nova).text
            let stored = try #require(try await pool.query("SELECT encode(content_hash, 'hex') FROM item_embeddings WHERE item_id = \(bind: first.id)").first).string(0)
            func hex(_ model: String) -> String {
                CatalogIngest.contentHash(model: model, dimensions: 3072, kind: "fused", text: firstCaption, image: png).map { String(format: "%02x", $0) }.joined()
            }
            #expect(stored == hex(NovaModel.multimodalEmbeddingsV1 + "@" + version))
            #expect(stored != hex(NovaModel.multimodalEmbeddingsV1))

            // A second pass over the same content embeds nothing (the cache key is model, dimension, kind and content).
            let again = DemoCatalog.events(products, occurredAt: Date().addingTimeInterval(60)).enumerated().map { i, e in
                KafkaMessage(topic: "nova-e2e", partition: 0, offset: Int64(100 + i), key: Array(e.productID.utf8), value: e.jsonBytes)
            }
            _ = try await ingest.handle(again)
            #expect(try await count("SELECT count(*) FROM embedding_cache") == 24)

            // rec serve, configured for Nova at 3072, answers a text search with the product whose caption it is.
            let servePort = try IntegrationStack.freePort()
            var serveEnv = env
            serveEnv["KAFKA_BROKERS"] = nil
            serveEnv["BEDROCK_MODEL_ID"] = NovaModel.multimodalEmbeddingsV1
            serveEnv["BEDROCK_EMBEDDING_DIMENSIONS"] = "3072"
            serveEnv["REC_AUTH"] = "off"
            serveEnv["REC_HTTP_PORT"] = "\(servePort)"
            let serve = try ChildProcess.spawn(rec, ["serve"], environment: serveEnv, logPath: log)
            defer { serve.signal(SIGTERM) }
            let serveURL = "http://127.0.0.1:\(servePort)"
            let ready = try await TestStack.eventually(within: .seconds(60)) { await Self.get(serveURL + "/health")?.status == 200 }
            try #require(ready, "rec serve answers /health (log: \(log))")
            let target = products[7]
            let caption = CatalogCaption.make(title: target.title, description: target.description).text
            let body = try JSONSerialization.data(withJSONObject: ["text": caption, "limit": 5])
            let response = try await CurlHTTPTransport().send(HTTPTransportRequest(
                method: "POST", url: serveURL + "/v1/search", headers: [("Content-Type", "application/json")], body: Array(body), timeout: 30))
            #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self).prefix(300)) (log: \(log))")
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            let ids = (answer["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids.first == target.id, "\(ids) (log: \(log))")
            serve.signal(SIGTERM)
            #expect(await serve.wait() == 0)
            titan.signal(SIGTERM)
            #expect(await titan.wait() == 0)
        }
    }
}
