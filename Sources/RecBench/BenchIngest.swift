import RecApp
import ArgumentParser
import BedrockClient
import BedrockTestSupport
import Consumers
import Foundation
import Kafka
import Logging
import Postgres

/// `rec bench ingest`: catalog ingest throughput from a pre-filled topic to durable vectors, next to the
/// embedding endpoint's own rate for the same inputs (target ratio >= 0.8), and the warm-cache re-publish
/// rate (target >= 2,000 products/s).
///
/// Endpoint: the environment's (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, e.g. `rec titan-local`) when set, else
/// (or with `--fake`) an in-process loopback fake with `--latency-ms` of simulated model latency.
/// Everything is written to a throwaway PostgreSQL schema and fresh topics.
struct BenchIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest", abstract: "Benchmark catalog ingest (products/s) against the embedder's own rate.")

    @Option(help: "Products in the pre-filled topic.")
    var products: Int = 2000
    @Option(help: "Topic partitions.")
    var partitions: Int = 6
    @Option(help: "Vector dimensions (256, 384, 1024).")
    var dimensions: Int = 1024
    @Option(help: "Embedding requests in flight (the pipeline's and the direct measurement's).")
    var concurrency: Int = 16
    @Option(help: "Most messages per poll batch.")
    var batchSize: Int = 512
    @Option(help: "Write transactions in flight per batch.")
    var writeConcurrency: Int = 4
    @Option(help: "Simulated model latency of the in-process fake endpoint, milliseconds.")
    var latencyMs: Double = 20
    @Flag(help: "Use the in-process fake endpoint even when AWS_ENDPOINT_URL_BEDROCK_RUNTIME is set.")
    var fake = false
    @Flag(help: "Products without images (text-only captions).")
    var textOnly = false

    /// Remembers when the first batch started and the last one ended (excludes the group join).
    final class TimedHandler: BatchHandler, @unchecked Sendable {
        let inner: CatalogIngest
        private let lock = NSLock()
        private var first: ContinuousClock.Instant?
        private var last: ContinuousClock.Instant?
        private(set) var handled = 0
        init(_ inner: CatalogIngest) { self.inner = inner }
        func handle(_ batch: [KafkaMessage]) async throws -> BatchOutcome {
            let start = ContinuousClock.now
            lock.withLock { if first == nil { first = start } }
            let out = try await inner.handle(batch)
            lock.withLock { last = .now; handled += batch.count }
            return out
        }
        var elapsed: Double { lock.withLock { (first.flatMap { f in last.map { $0 - f } }).map(\.seconds) ?? 0 } }
    }

    func run() async throws {
        guard products > 0, concurrency > 0 else { throw ValidationError("products and concurrency must be positive") }
        var app = try AppConfiguration.fromEnvironment()
        for (k, v) in ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"] where app.kafkaProperties[k] == nil { app.kafkaProperties[k] = v }
        var consumerKafka = try app.kafkaConfiguration()
        let kafka = KafkaConfiguration(brokers: consumerKafka["bootstrap.servers"] ?? "", properties: app.kafkaProperties.filter { !["session.timeout.ms", "heartbeat.interval.ms"].contains($0.key) })
        consumerKafka["fetch.max.bytes"] = consumerKafka["fetch.max.bytes"] ?? "104857600"
        let logger = Logger(label: "rec.bench.ingest")

        // Endpoint.
        var fakeEndpoint: FakeBedrockEndpoint?
        let client: TitanEmbeddingClient
        if !fake, app.bedrockEndpointOverride != nil {
            client = try app.embeddingClient(overrides: ["BEDROCK_MAX_CONCURRENCY": String(concurrency)])
        } else {
            let f = try FakeBedrockEndpoint(latency: latencyMs / 1000)
            fakeEndpoint = f
            client = TitanEmbeddingClient(configuration: try BedrockClientConfiguration(endpoint: f.endpoint, dimensions: dimensions, maxConcurrency: concurrency),
                                          credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials))
        }
        defer { fakeEndpoint?.shutdown() }

        // Throwaway schema.
        let base = try app.requireDatabaseURL()
        let schema = "bench_ingest_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        let admin = try PGConnection(url: base)
        try admin.execute("CREATE SCHEMA \(schema)")
        defer { _ = try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
        let url = try app.databaseURL(schema: schema)
        _ = try Migrator(migrations: try Migration.load(from: app.migrationsDirectory)).migrate(try PGConnection(url: url))
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: writeConcurrency + 2))
        defer { pool.close() }

        // Pre-filled topic.
        let topic = "bench-catalog-" + UUID().uuidString.prefix(8).lowercased()
        let kadmin = try KafkaAdmin(configuration: kafka)
        _ = try await kadmin.createTopic(topic, partitions: partitions)
        _ = try await kadmin.createTopic(Topics.deadLetter(of: topic), partitions: 1)
        let producer = try KafkaProducer(configuration: kafka)
        defer { producer.close() }
        var catalog = DemoCatalog.products(count: products, seed: UInt64.random(in: 0...UInt64.max))
        if textOnly { for i in catalog.indices { catalog[i].image = nil } }
        try await publish(DemoCatalog.events(catalog, occurredAt: Date(timeIntervalSinceNow: -60)), to: topic, producer)

        // The endpoint's own rate for the same inputs.
        let inputs = catalog.map { p -> TitanInput in
            var image: [UInt8]?
            if case .inline(let b)? = p.image { image = b }
            return TitanInput(text: CatalogCaption.make(title: p.title, description: p.description).text, image: image)
        }
        let dims = dimensions
        let directStart = ContinuousClock.now
        let direct = await boundedMap(inputs, limit: concurrency) { input in
            do { return Result<TitanEmbedding, any Error>.success(try await client.embed(input, dimensions: dims)) } catch { return .failure(error) }
        }
        let directSeconds = (ContinuousClock.now - directStart).seconds
        let directFailures = direct.filter { if case .failure = $0 { return true }; return false }.count
        if case .failure(let e)? = direct.first(where: { if case .failure = $0 { return true }; return false }) {
            throw ValidationError("\(directFailures) direct embed calls failed, e.g. \(e) (is the endpoint at \(client.configuration.endpoint) running? --fake uses an in-process one)")
        }
        let endpointRate = Double(products) / directSeconds
        let callsBefore = fakeEndpoint?.requestCount

        // Cold ingest.
        let ingestConfig = try CatalogIngestConfiguration(mode: .fused, dimensions: dims, modelID: client.configuration.modelID, embedConcurrency: concurrency,
                                                          writeConcurrency: writeConcurrency)
        let group = "bench-" + UUID().uuidString.prefix(8).lowercased()
        func runOnce() async throws -> Double {
            let handler = TimedHandler(CatalogIngest(pool: pool, embedder: client, fetcher: ImageFetcher(transport: CurlHTTPTransport()), configuration: ingestConfig, logger: logger))
            let service = BatchConsumerService(consumer: try KafkaConsumer(configuration: consumerKafka, groupID: group, topics: [topic], logger: logger),
                                               handler: handler, deadLetters: DeadLetterPublisher(producer: producer),
                                               configuration: BatchConsumerConfiguration(name: "bench", maxBatchSize: batchSize), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await service.run() }
                let deadline = ContinuousClock.now + .seconds(600)
                while handler.handled < products, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                service.requestStop()
                try await tasks.waitForAll()
            }
            guard handler.handled >= products else { throw ValidationError("only \(handler.handled) of \(products) messages were handled") }
            return Double(products) / handler.elapsed
        }
        let coldRate = try await runOnce()
        let stored = try await pool.query("SELECT count(*) FROM item_embeddings WHERE dims = $1", [dims]).first?.int(0) ?? 0
        guard stored == products else { throw ValidationError("expected \(products) vectors, found \(stored)") }

        // Warm: the same catalog re-published (new events, newer time): no embedding calls.
        let callsAfterCold = fakeEndpoint?.requestCount
        try await publish(DemoCatalog.events(catalog, occurredAt: Date()), to: topic, producer)
        let warmRate = try await runOnce()
        let callsAfterWarm = fakeEndpoint?.requestCount
        let processed = try await pool.query("SELECT count(*) FROM processed_catalog_events").first?.int(0) ?? 0

        let endpointName = fakeEndpoint.map { _ in "in-process fake endpoint, \(Int(latencyMs)) ms simulated latency" } ?? client.configuration.endpoint
        print("Catalog ingest benchmark (\(products) products\(textOnly ? "" : " with 64x64 PNG images"), \(dims)-d, fused, \(partitions) partitions, batch \(batchSize), \(concurrency) embeds and \(writeConcurrency) writes in flight; \(endpointName))")
        print(String(format: "  endpoint's own embed rate:       %8.1f products/s", endpointRate))
        print(String(format: "  ingest, topic → durable vectors: %8.1f products/s  (ratio %.2f, target >= 0.8)", coldRate, coldRate / endpointRate))
        print(String(format: "  warm-cache re-publish:           %8.1f products/s  (target >= 2000)", warmRate))
        if let callsBefore, let callsAfterCold, let callsAfterWarm {
            print("  embed calls: ingest \(callsAfterCold - callsBefore), re-publish \(callsAfterWarm - callsAfterCold); events applied \(processed)")
        }
    }

    private func publish(_ events: [CatalogEvent], to topic: String, _ producer: KafkaProducer) async throws {
        for start in stride(from: 0, to: events.count, by: 500) {
            let chunk = events[start..<min(start + 500, events.count)]
            for r in await producer.sendAll(chunk.map { KafkaProducerRecord(topic: topic, key: Array($0.productID.utf8), value: $0.jsonBytes) }) { _ = try r.get() }
        }
    }

}
