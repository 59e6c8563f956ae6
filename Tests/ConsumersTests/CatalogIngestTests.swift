import BedrockClient
import BedrockTestSupport
import Foundation
import Kafka
import Postgres
import Testing
@testable import Consumers

/// One catalog pipeline against the local stack and a fake Bedrock endpoint, with its own topic, group and schema.
struct CatalogHarness {
    let config: KafkaConfiguration
    let topic: String
    let group: String
    let url: String
    let fake: FakeBedrockEndpoint
    let producer: KafkaProducer
    let pool: PostgresPool

    static func make(url: String, fake: FakeBedrockEndpoint, partitions: Int = 2) async throws -> CatalogHarness {
        let config = try TestStack.kafka()
        let topic = TestStack.unique("it-catalog")
        let admin = try KafkaAdmin(configuration: config)
        _ = try await admin.createTopic(topic, partitions: partitions)
        _ = try await admin.createTopic(Topics.deadLetter(of: topic), partitions: 1)
        return CatalogHarness(config: config, topic: topic, group: TestStack.unique("g"), url: url, fake: fake,
                              producer: try KafkaProducer(configuration: config),
                              pool: PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 4)))
    }

    /// - Parameter imageDirectory: where `file://` image URLs may read (none: refused).
    func ingest(mode: CatalogIngestConfiguration.EmbeddingMode = .fused, dims: Int = 256, maxAttempts: Int = 3, imageDirectory: String? = nil,
                brokenImages: CatalogIngestConfiguration.BrokenImagePolicy = .textOnly) throws -> CatalogIngest {
        let client = TitanEmbeddingClient(
            configuration: try BedrockClientConfiguration(endpoint: fake.endpoint, dimensions: dims,
                                                          retryPolicy: RetryPolicy(maxAttempts: maxAttempts, baseDelay: 0.01, maxBackoff: 0.05)),
            credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials))
        return CatalogIngest(pool: pool, embedder: client, fetcher: ImageFetcher(transport: CurlHTTPTransport(), timeout: 5, fileDirectory: try imageDirectory.map { try ImageFileDirectory($0) }),
                             configuration: try CatalogIngestConfiguration(mode: mode, dimensions: dims, brokenImagePolicy: brokenImages))
    }

    func publish(_ events: [CatalogEvent]) async throws {
        for r in await producer.sendAll(events.map { KafkaProducerRecord(topic: topic, key: Array($0.productID.utf8), value: $0.jsonBytes) }) {
            _ = try r.get()
        }
    }

    func publishRaw(_ values: [String], key: String) async throws {
        for v in values { try await producer.send(KafkaProducerRecord(topic: topic, key: key, value: v)) }
    }

    /// Runs the pipeline until `done` holds (or a minute passes), then stops it gracefully.
    @discardableResult
    func run(_ handler: CatalogIngest, until done: @escaping () async throws -> Bool) async throws -> Bool {
        let service = BatchConsumerService(consumer: try KafkaConsumer(configuration: config, groupID: group, topics: [topic]), handler: handler,
                                           deadLetters: DeadLetterPublisher(producer: producer),
                                           configuration: BatchConsumerConfiguration(name: "products", initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(500)))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            let ok = try await TestStack.eventually(done)
            service.requestStop()
            try await group.waitForAll()
            return ok
        }
    }

    func count(_ sql: String, _ params: [any PostgresEncodable] = []) async throws -> Int {
        try await pool.query(sql, params).first?.int(0) ?? 0
    }

    func processed() async throws -> Int { try await count("SELECT count(*) FROM processed_catalog_events") }

    func close() {
        producer.close()
        pool.close()
    }
}

func upsert(_ id: String, _ title: String, at seconds: Double, description: String = "", image: CatalogImage? = nil,
            categories: [String] = ["test"]) -> CatalogEvent {
    .upserted(eventID: UUID(), occurredAt: Date(timeIntervalSince1970: 1_780_000_000 + seconds),
              product: CatalogProduct(id: id, title: title, description: description, categories: categories, image: image, price: 9.5))
}

func delete(_ id: String, at seconds: Double) -> CatalogEvent {
    .deleted(eventID: UUID(), occurredAt: Date(timeIntervalSince1970: 1_780_000_000 + seconds), productID: id)
}

@Suite(.enabled(if: TestStack.integration), .serialized) struct CatalogIngestTests {
    @Test func upsertedProductsAreFindableByNearestNeighbour() async throws {
        try await TestStack.withSchema { url in
            let fake = try FakeBedrockEndpoint()
            let h = try await CatalogHarness.make(url: url, fake: fake)
            defer { h.close() }
            let png = PNGEncoder.encode(width: 4, height: 4, rgb: [UInt8](repeating: 200, count: 48))
            try await h.publish([
                upsert("mug", "Red mug", at: 1, description: "Stoneware", image: .inline(png), categories: ["kitchen"]),
                upsert("lamp", "Desk lamp", at: 1, description: "Brass"),
                upsert("sofa", "Green sofa", at: 1, description: "Velvet"),
            ])
            #expect(try await h.run(try h.ingest()) { try await h.processed() == 3 })
            // The query vector for the lamp's caption finds the lamp first.
            let query = FakeBedrockEndpoint.expectedVector(text: "Desk lamp. Brass", dimensions: 256)
            let rows = try await h.pool.query("""
                SELECT e.item_id FROM item_embeddings e JOIN items i ON i.id = e.item_id
                WHERE e.dims = 256 AND i.deleted_at IS NULL
                ORDER BY e.embedding::public.halfvec(256) <=> $1::public.halfvec(256) LIMIT 3
                """, [PGVector.halfvec(query)])
            #expect(try rows.map { try $0.string(0) }.first == "lamp")
            #expect(rows.count == 3)
            let mug = try #require(try await h.pool.query("SELECT categories::text, price, available, image_error FROM items WHERE id = 'mug'").first)
            #expect(try mug.string(0) == "{kitchen}")
            #expect(try mug.double(1) == 9.5)
            #expect(mug.isNull(3))
            #expect(fake.requestCount == 3)
        }
    }

    @Test func unchangedContentIsNeverEmbeddedTwice() async throws {
        try await TestStack.withSchema { url in
            let fake = try FakeBedrockEndpoint()
            let h = try await CatalogHarness.make(url: url, fake: fake)
            defer { h.close() }
            let ingest = try h.ingest()
            try await h.publish([upsert("a", "Blue scarf", at: 1, description: "Wool")])
            #expect(try await h.run(ingest) { try await h.processed() == 1 })
            #expect(fake.requestCount == 1)
            // Re-published (new event, newer time) with the same content, and the same content under another id.
            try await h.publish([upsert("a", "Blue scarf", at: 2, description: "Wool"), upsert("b", "Blue scarf", at: 2, description: "Wool")])
            #expect(try await h.run(ingest) { try await h.processed() == 3 })
            #expect(fake.requestCount == 1, "identical content must come from the item's vector or the cache")
            #expect(try await h.count("SELECT count(*) FROM item_embeddings WHERE item_id IN ('a','b')") == 2)
            // A real change is embedded.
            try await h.publish([upsert("a", "Blue scarf", at: 3, description: "Cashmere")])
            #expect(try await h.run(ingest) { try await h.processed() == 4 })
            #expect(fake.requestCount == 2)
        }
    }

    @Test func olderEventsNeverOverwriteNewerStateAndDeletesWin() async throws {
        try await TestStack.withSchema { url in
            let fake = try FakeBedrockEndpoint()
            let h = try await CatalogHarness.make(url: url, fake: fake)
            defer { h.close() }
            let ingest = try h.ingest()
            try await h.publish([upsert("p", "Newer title", at: 20), delete("gone", at: 20)])
            #expect(try await h.run(ingest) { try await h.processed() == 2 })
            // Stale events arriving later: an older update and an older upsert of a deleted product.
            try await h.publish([upsert("p", "Older title", at: 10), upsert("gone", "Resurrected?", at: 10)])
            #expect(try await h.run(ingest) { try await h.processed() == 4 })
            #expect(try await h.pool.query("SELECT title FROM items WHERE id = 'p'").first?.string(0) == "Newer title")
            #expect(try await h.count("SELECT count(*) FROM items WHERE id = 'gone' AND deleted_at IS NOT NULL") == 1)
            #expect(try await h.count("SELECT count(*) FROM item_embeddings WHERE item_id = 'gone'") == 0)
            // In one batch, a delete beats an upsert of the same instant; a newer upsert then revives it.
            try await h.publish([upsert("q", "Q", at: 30), delete("q", at: 30)])
            #expect(try await h.run(ingest) { try await h.processed() == 6 })
            #expect(try await h.count("SELECT count(*) FROM items WHERE id = 'q' AND deleted_at IS NOT NULL") == 1)
            try await h.publish([upsert("q", "Q again", at: 31)])
            #expect(try await h.run(ingest) { try await h.processed() == 7 })
            #expect(try await h.count("SELECT count(*) FROM items i JOIN item_embeddings e ON e.item_id = i.id WHERE i.id = 'q' AND i.deleted_at IS NULL") == 1)
            #expect(fake.requestCount == 2, "stale events are not embedded")
        }
    }

    @Test func aRejectedUpdateDoesNotHideAnEarlierGoodOneOfTheSameBatch() async throws {
        try await TestStack.withSchema { url in
            // The first embed call (the newest event of "p") is rejected as invalid input.
            let fake = try FakeBedrockEndpoint(faults: [.error(.validation)])
            let h = try await CatalogHarness.make(url: url, fake: fake, partitions: 1)
            defer { h.close() }
            try await h.publish([upsert("p", "Good title", at: 1), upsert("p", "Rejected title", at: 2)])
            #expect(try await h.run(try h.ingest()) { try await h.processed() == 1 })
            #expect(try await h.pool.query("SELECT title FROM items WHERE id = 'p'").first?.string(0) == "Good title")
            #expect(try await h.count("SELECT count(*) FROM item_embeddings WHERE item_id = 'p'") == 1)
            let dlq = try await TestStack.readAll(Topics.deadLetter(of: h.topic), count: 1)
            #expect(dlq.first.map { String(decoding: $0.value, as: UTF8.self).contains("Rejected title") } == true)
            #expect(dlq.first?.header(DeadLetterPublisher.errorHeader).map { String(decoding: $0, as: UTF8.self).contains("rejected") } == true)
        }
    }

    /// A product is never lost because of its image: when the endpoint rejects the image (a CMYK JPEG on a
    /// model that cannot decode it), the product is embedded again without it and stored text-only.
    @Test func anImageTheEndpointRejectsLeavesTheProductTextOnly() async throws {
        try await TestStack.withSchema { url in
            let fake = try FakeBedrockEndpoint(faults: [.error(.validation)])
            let h = try await CatalogHarness.make(url: url, fake: fake, partitions: 1)
            defer { h.close() }
            let png = PNGEncoder.encode(width: 4, height: 4, rgb: [UInt8](repeating: 120, count: 48))
            try await h.publish([upsert("p", "Kept without its image", at: 1, image: .inline(png))])
            #expect(try await h.run(try h.ingest()) { try await h.processed() == 1 })
            let row = try await h.pool.query("SELECT title, image_error FROM items WHERE id = 'p'").first
            #expect(try row?.string(0) == "Kept without its image")
            #expect(try row?.string(1).contains("the embedding endpoint rejected the image") == true)
            #expect(try await h.count("SELECT count(*) FROM item_embeddings WHERE item_id = 'p'") == 1)
            #expect(fake.requestCount == 2, "the rejected call and the text-only one")
        }
    }

    /// With `REC_BROKEN_IMAGES=dead-letter`, an update whose image cannot be fetched is dead-lettered, and an
    /// earlier update of the same product in the same batch is applied instead of being skipped with it.
    @Test func aDeadLetteredImageDoesNotHideAnEarlierGoodUpdateOfTheSameBatch() async throws {
        try await TestStack.withSchema { url in
            let fake = try FakeBedrockEndpoint()
            let h = try await CatalogHarness.make(url: url, fake: fake, partitions: 1)
            defer { h.close() }
            // A loopback address: refused by the fetch policy before any connection (a permanent failure).
            try await h.publish([upsert("p", "Good title", at: 1), upsert("p", "Broken image", at: 2, image: .url("http://127.0.0.1:9/a.png"))])
            #expect(try await h.run(try h.ingest(brokenImages: .deadLetter)) { try await h.processed() == 1 })
            #expect(try await h.pool.query("SELECT title FROM items WHERE id = 'p'").first?.string(0) == "Good title")
            let dlq = try await TestStack.readAll(Topics.deadLetter(of: h.topic), count: 1)
            #expect(dlq.first.map { String(decoding: $0.value, as: UTF8.self).contains("Broken image") } == true)
        }
    }

    @Test func poisonMessagesAreDeadLetteredAndConsumptionContinues() async throws {
        try await TestStack.withSchema { url in
            let fake = try FakeBedrockEndpoint()
            let h = try await CatalogHarness.make(url: url, fake: fake, partitions: 1)
            defer { h.close() }
            try await h.publishRaw(["{not json", #"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f01","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"x"}}"#], key: "x")
            try await h.publish([upsert("good", "Good product", at: 1)])
            #expect(try await h.run(try h.ingest()) { try await h.processed() == 1 })
            let dlq = try await TestStack.readAll(Topics.deadLetter(of: h.topic), count: 2)
            #expect(dlq.map { String(decoding: $0.value, as: UTF8.self) }.first == "{not json")
            let reasons = dlq.compactMap { $0.header(DeadLetterPublisher.errorHeader).map { String(decoding: $0, as: UTF8.self) } }
            #expect(reasons.count == 2)
            #expect(reasons.last?.contains("product.title") == true, "\(reasons)")
            #expect(try await h.count("SELECT count(*) FROM items WHERE id = 'good'") == 1)
        }
    }

    @Test func halfOfTheEmbedCallsThrottledStillIngestsEveryProductOnce() async throws {
        try await TestStack.withSchema { url in
            // Every other request is throttled, and the client does not retry itself: the pipeline must pause and retry.
            let faults = (0..<200).flatMap { _ in [FakeBedrockEndpoint.Fault.error(.throttling), .delay(0)] }
            let fake = try FakeBedrockEndpoint(faults: faults)
            let h = try await CatalogHarness.make(url: url, fake: fake, partitions: 3)
            defer { h.close() }
            let n = 40
            try await h.publish((0..<n).map { upsert("p\($0)", "Product number \($0)", at: 1) })
            #expect(try await h.run(try h.ingest(maxAttempts: 1)) { try await h.processed() == n })
            #expect(try await h.count("SELECT count(*) FROM items") == n)
            #expect(try await h.count("SELECT count(DISTINCT item_id) FROM item_embeddings WHERE kind = 'fused'") == n)
            #expect(fake.requestCount >= n + 1, "throttled calls were retried")
        }
    }

    @Test func separateModeStoresTextAndImageVectorsAndBrokenImagesFallBackToText() async throws {
        try await TestStack.withSchema { url in
            let fake = try FakeBedrockEndpoint()
            let h = try await CatalogHarness.make(url: url, fake: fake)
            defer { h.close() }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(TestStack.unique("img"))
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let file = dir.appendingPathComponent("chair.png")
            try Data(PNGEncoder.encode(width: 8, height: 8, rgb: [UInt8](repeating: 90, count: 192))).write(to: file)
            try await h.publish([
                upsert("chair", "Oak chair", at: 1, image: .url(file.absoluteString)),
                upsert("broken", "Broken image", at: 1, image: .url("file://\(dir.path)/missing.png")),
            ])
            #expect(try await h.run(try h.ingest(mode: .separate, dims: 384, imageDirectory: dir.path)) { try await h.processed() == 2 })
            let kinds = try await h.pool.query("SELECT item_id || ':' || kind FROM item_embeddings WHERE dims = 384 ORDER BY 1").map { try $0.string(0) }
            #expect(kinds == ["broken:text", "chair:image", "chair:text"])
            let err = try await h.pool.query("SELECT image_error FROM items WHERE id = 'broken'").first?.optionalString(0)
            #expect(err == "no readable file at this path in the image directory")
        }
    }
}
