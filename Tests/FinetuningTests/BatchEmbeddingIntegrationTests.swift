import BedrockClient
import BedrockTestSupport
import Consumers
import EmbeddingSpaces
import Foundation
import IntegrationTestSupport
import Postgres
import Testing
@testable import Finetuning

/// `rec batch-embed` end to end against a fresh schema of the local stack's PostgreSQL: the catalog written as batch
/// input, a job run by the loopback control plane (which writes Bedrock's output files for `file://` locations), and
/// the output ingested through the content-hash cache. The vectors must be the ones streaming ingest gets for the same
/// items from the runtime fake (the same deterministic function of the request), under the same content hashes.
@Suite(.enabled(if: IntegrationStack.enabled), .serialized) struct BatchEmbeddingIntegrationTests {
    static let model = TitanModel.multimodalEmbeddingsV1
    static let dims = 256
    static let space = EmbeddingSpace(name: EmbeddingSpace.defaultName, model: model, dims: dims, mode: .fused)

    @Test func batchVectorsAreStreamingVectorsThroughTheCache() async throws {
        try await IntegrationStack.withSchema { url in
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 3))
            defer { pool.close() }
            let images = try Fixtures.directory(), work = try Fixtures.directory()
            defer { try? FileManager.default.removeItem(at: images); try? FileManager.default.removeItem(at: work) }
            var imageBytes: [String: [UInt8]] = [:]
            for n in 0..<104 {
                let id = String(format: "item-%03d", n)
                var imageURL: String?
                if n % 20 == 0 || n == 5 {
                    let bytes = try Fixtures.png(200 + n, 200)
                    imageURL = try Fixtures.write(bytes, "\(id).png", in: images).absoluteString
                    if n != 5 { imageBytes[id] = bytes }
                }
                _ = try await pool.query("""
                    INSERT INTO items (id, title, description, image_url, version_at, image_error)
                    VALUES (\(bind: id), \(bind: "Product \(n)"), \(bind: "Plain   product number \(n)."), \(bind: imageURL), now(), \(bind: n == 5 ? "HTTP 404" : nil))
                    """ as PostgresQuery)
            }
            _ = try await pool.query("INSERT INTO items (id, title, description, version_at, deleted_at) VALUES ('item-gone', 'Gone', 'Deleted.', now(), now())" as PostgresQuery)
            let fetcher = ImageFetcher(transport: CurlHTTPTransport(), fileDirectory: try ImageFileDirectory(images.path))

            // 1. The input: one record per live item, unique record ids, bodies as the client sends them.
            let writer = BatchEmbeddingInputWriter(pool: pool, fetcher: fetcher, s3: nil, space: Self.space, textPolicy: .truncate, concurrency: 4)
            let written = try await writer.write(to: .local(path: work.appendingPathComponent("in").path), name: "catalog")
            #expect(written.records == 104 && written.skippedTotal == 0 && written.input.hasSuffix("/in/catalog.jsonl"))
            let lines = try String(contentsOf: try #require(URL(string: written.input)), encoding: .utf8).split(separator: "\n")
            var bodies: [String: TitanEmbeddingRequest] = [:]
            for line in lines {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let id = try #require(object["recordId"] as? String)
                #expect(bodies[id] == nil, "record ids are unique")
                bodies[id] = try JSONDecoder().decode(TitanEmbeddingRequest.self, from: JSONSerialization.data(withJSONObject: try #require(object["modelInput"])))
            }
            #expect(bodies.count == 104 && bodies["item-gone"] == nil)
            #expect(bodies["item-005"]?.inputImage == nil, "ingest stored it text-only (image_error): so does the batch")

            // 2. Streaming: the runtime fake sees exactly these bodies and answers the vectors streaming ingest stores.
            let runtime = try FakeBedrockEndpoint()
            let embedder = TitanEmbeddingClient(configuration: try BedrockClientConfiguration(endpoint: runtime.endpoint, dimensions: Self.dims, retryPolicy: .none),
                                                credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials))
            var streamed: [String: (vector: [Float], hash: [UInt8])] = [:]
            for id in ["item-000", "item-001", "item-005", "item-020", "item-103"] {
                let n = Int(id.dropFirst(5))!
                let caption = CatalogCaption.make(title: "Product \(n)", description: "Plain   product number \(n).").text
                let e = try await embedder.embed(text: caption, image: imageBytes[id], dimensions: Self.dims)
                #expect(runtime.receivedRequests.last == bodies[id], "\(id): the batch body is the streaming body")
                streamed[id] = (e.vector, CatalogIngest.contentHash(model: Self.model, dimensions: Self.dims, kind: "fused", text: caption, image: imageBytes[id]))
            }

            // 3. The job, with one record failing.
            let plane = try FakeBedrockControlPlane()
            plane.failingRecordIDs = ["item-007"]
            let control = try plane.client()
            let arn = try await control.createModelInvocationJob(CreateModelInvocationJobRequest(
                jobName: "catalog", roleArn: "arn:aws:iam::123456789012:role/BedrockBatch", modelId: Self.model,
                inputS3Uri: written.input, outputS3Uri: work.appendingPathComponent("out").absoluteString))
            _ = try await control.getModelInvocationJob(arn)
            let job = try await control.getModelInvocationJob(arn)
            #expect(job.status == "Completed")

            // 4. Items changing after the input was written.
            _ = try await pool.query("UPDATE items SET title = 'Product 10 (new)', version_at = version_at + interval '1 second' WHERE id = 'item-010'" as PostgresQuery)
            _ = try await pool.query("UPDATE items SET deleted_at = now(), version_at = version_at + interval '1 second' WHERE id = 'item-011'" as PostgresQuery)

            // 5. Ingest.
            let store = CatalogStore(pool: pool, spaces: EmbeddingSpaceRegistry(fixed: Self.space))
            let ingest = BatchEmbeddingIngest(pool: pool, store: store, space: Self.space, fetcher: fetcher, s3: nil, textPolicy: .truncate, concurrency: 4)
            let files = try await BatchEmbeddingIngest.outputFiles(of: job, s3: nil)
            #expect(files.map(\.fileName) == ["catalog.jsonl.out"])
            let report = try await ingest.run(files)
            #expect(report.records == 104)
            #expect(report.errors.map(\.recordId) == ["item-007"] && report.errors.first?.errorCode == "400")
            #expect(Set(report.changed) == ["item-010", "item-011"])
            #expect(report.written == 101 && report.unchanged == 0 && report.unusable.isEmpty, "\(report.text())")

            for (id, expected) in streamed {
                let row = try #require(try await pool.query("SELECT embedding, content_hash, model, dims FROM item_embeddings WHERE item_id = \(bind: id) AND kind = 'fused' AND space = 'default'" as PostgresQuery,
                                                            resultFormat: .binary).first)
                let stored = try row.vector(0)
                #expect(stored.count == Self.dims && zip(stored, expected.vector).allSatisfy { abs($0 - $1) < 1e-3 }, "\(id): the streaming vector (halfvec precision)")
                #expect(row.bytes(1) == expected.hash, "\(id): streaming ingest's content hash")
                #expect(try row.string(2) == Self.model && row.int(3) == Self.dims)
                let cached = try await pool.query("SELECT count(*) FROM embedding_cache WHERE content_hash = \(bind: PostgresBytes(expected.hash))" as PostgresQuery).first?.int(0)
                #expect(cached == 1, "\(id): in the shared cache, so streaming ingest reuses it")
            }
            let missing = try await pool.query("SELECT count(*) FROM item_embeddings WHERE item_id IN ('item-007', 'item-010', 'item-011')" as PostgresQuery).first?.int(0)
            #expect(missing == 0, "failed and changed records are not stored")

            // 6. Ingesting again changes nothing.
            let again = try await ingest.run(files)
            #expect(again.written == 0 && again.unchanged == 101 && Set(again.changed) == ["item-010", "item-011"])

            // 7. A space of another dimension is refused, nothing stored.
            var other = Self.space
            other.dims = 384
            let wrongDims = await #expect(throws: FinetuneError.self) {
                try await BatchEmbeddingIngest(pool: pool, store: CatalogStore(pool: pool, spaces: EmbeddingSpaceRegistry(fixed: other)), space: other,
                                               fetcher: fetcher, s3: nil, textPolicy: .truncate).run(files)
            }
            #expect(wrongDims?.message.contains("256-d") == true && wrongDims?.message.contains("384-d") == true)

            // 8. Vectors of a job a stand-in ran are hashed under its vector version: other cache entries, no reuse
            // of Bedrock's (and the other way round).
            plane.vectorVersion = "stand-in-1"
            let standInHash = try await control.hashModel(of: Self.model)
            #expect(standInHash == Self.model + "@stand-in-1")
            let standIn = try await BatchEmbeddingIngest(pool: pool, store: store, space: Self.space, hashModel: standInHash, fetcher: fetcher, s3: nil,
                                                         textPolicy: .truncate).run(files)
            #expect(standIn.written == 101 && standIn.unchanged == 0, "another model identity: every vector rewritten under its own hash")
            let caption0 = CatalogCaption.make(title: "Product 0", description: "Plain   product number 0.").text
            let row0 = try #require(try await pool.query("SELECT content_hash FROM item_embeddings WHERE item_id = 'item-000' AND space = 'default'" as PostgresQuery,
                                                         resultFormat: .binary).first)
            #expect(row0.bytes(0) == CatalogIngest.contentHash(model: standInHash, dimensions: Self.dims, kind: "fused", text: caption0, image: imageBytes["item-000"]))
            plane.vectorVersion = nil
            _ = try await ingest.run(files)  // back to Bedrock's hashes for what follows

            // 9. An item whose live vector came from an inline image kept nowhere (before item_images) is skipped.
            _ = try await pool.query("INSERT INTO items (id, title, description, version_at) VALUES ('z-inline', 'Poster', 'Printed.', now())" as PostgresQuery)
            _ = try await pool.query("""
                INSERT INTO item_embeddings (item_id, kind, space, model, dims, content_hash, embedding)
                VALUES ('z-inline', 'fused', 'default', \(bind: Self.model), \(bind: Self.dims)::int4, \(bind: PostgresBytes(Array(repeating: 7, count: 32))),
                        \(bind: PGVector.halfvec(Array(repeating: 0.1, count: Self.dims)))::public.halfvec)
                """ as PostgresQuery)
            let again2 = try await writer.write(to: .local(path: work.appendingPathComponent("in2").path), name: "catalog")
            #expect(again2.records == 103 && again2.skipped == [BatchEmbeddingInputWriter.inlineImageNotKept: 1], "\(again2)")

            // 10. Through S3 (the signature-checking fake): the same input uploaded, the same output read back.
            let s3 = try FakeS3()
            let uploaded = try await BatchEmbeddingInputWriter(pool: pool, fetcher: fetcher, s3: s3.client(), space: Self.space, textPolicy: .truncate, concurrency: 4)
                .write(to: .s3(bucket: "shop-datasets", key: "batch"), name: "catalog")
            #expect(uploaded.input == "s3://shop-datasets/batch/catalog.jsonl" && uploaded.records == again2.records)
            let object = try #require(s3.objects.current["shop-datasets/batch/catalog.jsonl"])
            let localBytes = Array(try Data(contentsOf: try #require(URL(string: again2.input))))
            #expect(object.body == localBytes, "the same bytes as the local input: \(object.body.count) vs \(localBytes.count) bytes")
            let jobID = ModelInvocation.jobID(fromArn: job.jobArn)
            s3.put("shop-datasets/out/\(jobID)/catalog.jsonl.out", Array(try Data(contentsOf: try #require(files.first.map { URL(string: $0.uri)! }))))
            s3.put("shop-datasets/out/\(jobID)/manifest.json.out", Array("{}".utf8))
            var s3Job = job
            s3Job.outputDataConfig = .init(s3Uri: "s3://shop-datasets/out")
            let s3Files = try await BatchEmbeddingIngest.outputFiles(of: s3Job, s3: s3.client())
            #expect(s3Files.map(\.uri) == ["s3://shop-datasets/out/\(jobID)/catalog.jsonl.out"])
            let viaS3 = try await BatchEmbeddingIngest(pool: pool, store: store, space: Self.space, fetcher: fetcher, s3: s3.client(), textPolicy: .truncate).run(s3Files)
            #expect(viaS3.records == 104 && viaS3.unchanged == 101 && viaS3.errors.count == 1 && Set(viaS3.changed) == ["item-010", "item-011"])

            // 11. A record repeated in the output (two input files naming one item) is stored once, without an error.
            let outURL = try #require(URL(string: files[0].uri))
            let firstLine = try #require(try String(contentsOf: outURL, encoding: .utf8).split(separator: "\n").first)
            let twice = work.appendingPathComponent("twice/\(jobID)")
            try FileManager.default.createDirectory(at: twice, withIntermediateDirectories: true)
            try (firstLine + "\n" + firstLine + "\n").write(to: twice.appendingPathComponent("a.jsonl.out"), atomically: true, encoding: .utf8)
            _ = try await pool.query("DELETE FROM item_embeddings WHERE item_id = 'item-000'" as PostgresQuery)
            let repeated = try await ingest.run([.local(path: twice.appendingPathComponent("a.jsonl.out").path)])
            #expect(repeated.records == 2 && repeated.written == 1 && repeated.errors.isEmpty, "\(repeated)")

            // 12. Too small a catalog is refused before any job: Bedrock's minimum.
            let small = await #expect(throws: FinetuneError.self) {
                try await writer.write(to: .local(path: work.appendingPathComponent("small").path), name: "small", limit: 99)
            }
            #expect(small?.message.contains("at least 100") == true)
            #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("small/small.jsonl").path))
        }
    }
}
