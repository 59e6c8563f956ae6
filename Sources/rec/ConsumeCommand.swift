import RecApp
import ArgumentParser
import BedrockClient
import Consumers
import EmbeddingSpaces
import Foundation
import Kafka
import Logging
import Postgres
import ServiceLifecycle

/// `rec consume …`: the Kafka consumer pipelines. Start more instances to scale out (same group).
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Run Kafka consumer pipelines until SIGTERM/SIGINT (drain, commit, exit 0).",
        subcommands: [ConsumeProducts.self, ConsumeInteractionsCommand.self, ConsumeAll.self]
    )
}

/// Options of the catalog pipeline; each falls back to the environment (see `AppConfiguration+Catalog.swift`).
struct CatalogOptions: ParsableArguments {
    /// What the catalog pipeline's image URLs may reach (the `--help` of the commands that run it).
    static let imageDiscussion = """
        Image URLs come from catalog events, so http(s):// and s3:// downloads connect only to public addresses: \
        loopback, private, link-local (instance metadata), CGNAT, multicast and reserved addresses are refused after DNS \
        and on every redirect, no proxy is used, redirects stay on http(s). REC_IMAGE_ALLOW_CIDRS (comma-separated \
        blocks, e.g. 127.0.0.0/8,::1) allows ranges anyway. file:// is refused unless REC_IMAGE_FILE_DIR names the \
        directory it may read (symlinks and .. resolved; nothing outside it).
        """

    @Option(help: "Catalog topic. Env REC_CATALOG_TOPIC; default catalog.v1.")
    var topic: String?
    @Option(help: "Consumer group. Env REC_CATALOG_GROUP; default rec-products.")
    var group: String?
    @Option(help: "Embedding mode: fused (one vector from caption+image) or separate (text and image vectors). Env REC_EMBEDDING_MODE.")
    var mode: String?
    @Option(help: "Vector dimensions: 256, 384 or 1024 (Nova: also 3072). Env BEDROCK_EMBEDDING_DIMENSIONS; default 1024.")
    var dimensions: Int?
    @Option(help: "Broken image URLs: text-only (store the product without its image, with the reason) or dead-letter. Env REC_BROKEN_IMAGES.")
    var brokenImages: String?
    @Option(help: "Most messages per poll batch.")
    var batchSize: Int = 512
    @Option(help: "Embedding requests in flight across a batch.")
    var embedConcurrency: Int = 16

    /// Builds the catalog consumer service and the resources it needs (closed by the caller after the run).
    /// - Parameter spaces: the embedding spaces to write (nil: the one space `default` of these options, as `rec eval` runs it).
    func makeService(_ app: AppConfiguration, pool: PostgresPool, producer: KafkaProducer, spaces: EmbeddingSpaceRegistry? = nil,
                     logger: Logger) async throws -> BatchConsumerService<CatalogIngest> {
        let kafka = try app.kafkaConfiguration()
        let topic = self.topic ?? app.catalogTopic
        guard let mode = CatalogIngestConfiguration.EmbeddingMode(rawValue: self.mode ?? app.embeddingMode) else {
            throw ValidationError("embedding mode must be fused or separate")
        }
        guard let dims = self.dimensions ?? Int(app.embeddingDimensions) else { throw ValidationError("dimensions must be 256, 384, 1024 or 3072") }
        guard let broken = CatalogIngestConfiguration.BrokenImagePolicy(rawValue: brokenImages ?? app.brokenImages) else {
            throw ValidationError("broken-images must be text-only or dead-letter")
        }
        let embedder = try app.embeddingClient()
        let ingestConfig = try CatalogIngestConfiguration(mode: mode, dimensions: dims, modelID: embedder.configuration.modelID,
                                                          family: embedder.configuration.family, embedConcurrency: embedConcurrency, brokenImagePolicy: broken)
        let transport = CurlHTTPTransport()
        let s3 = ImageFetcher.S3(credentials: app.awsCredentials(transport: transport),
                                 region: embedder.configuration.region, endpoint: app.s3Endpoint)
        let fetcher = try app.imageFetcher(transport: transport, s3: s3)
        try await app.ensureTopics(try app.catalogTopicSpecs(topic), logger: logger)
        let spaces = spaces ?? EmbeddingSpaceRegistry(fixed: ingestConfig.space)
        let handler = CatalogIngest(pool: pool, embedder: embedder, fetcher: fetcher,
                                    configuration: ingestConfig, spaces: spaces, logger: logger)
        let consumer = try KafkaConsumer(configuration: kafka, groupID: group ?? app.catalogGroup, topics: [topic], logger: logger)
        logger.info("catalog pipeline ready", metadata: [
            "topic": "\(topic)", "family": "\(ingestConfig.family.rawValue)", "spaces": "\(spaces.current.writeTargets.map { "\($0.name) (\($0.model), \($0.dims), \($0.mode.rawValue))" }.joined(separator: ", "))",
            "endpoint": "\(embedder.configuration.endpoint)",
            "imageAllowCIDRs": "\(fetcher.addressPolicy.allowed.map(\.description).joined(separator: ","))",
            "imageFileDir": "\(fetcher.fileDirectory?.path ?? "off")",
        ])
        return BatchConsumerService(consumer: consumer, handler: handler, deadLetters: DeadLetterPublisher(producer: producer),
                                    configuration: BatchConsumerConfiguration(name: "products", maxBatchSize: batchSize), logger: logger)
    }
}

/// `rec consume products`: catalog events → items and Titan vectors in PostgreSQL.
struct ConsumeProducts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "products", abstract: "Ingest catalog events: embed products with Titan and keep pgvector current.",
                                                    discussion: CatalogOptions.imageDiscussion)

    @OptionGroup var catalog: CatalogOptions

    func run() async throws {
        try await ConsumeAll.runPipelines(catalog: catalog)
    }
}

/// `rec consume all`: every pipeline in one process (one ServiceGroup).
struct ConsumeAll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "all", abstract: "Run every consumer pipeline in one process: products and interactions.",
                                                    discussion: CatalogOptions.imageDiscussion)

    @OptionGroup var catalog: CatalogOptions

    func run() async throws {
        try await Self.runPipelines(catalog: catalog, interactions: try ConsumeInteractionsCommand.parse([]))
    }

    static func runPipelines(catalog: CatalogOptions?, interactions: ConsumeInteractionsCommand? = nil) async throws {
        AppMetrics.bootstrap()
        let app = try AppConfiguration.fromEnvironment()
        let logger = Logger(label: "rec.consume")
        let pool = try app.makePool()
        let producer = try KafkaProducer(configuration: try app.kafkaConfiguration())
        defer {
            producer.close()
            pool.close()
        }
        // The embedding spaces every pipeline writes (registering `default` from the catalog options or the
        // settings on an empty database), re-read every REC_EMBEDDING_SPACE_REFRESH_S.
        let seed = try app.embeddingSpaceSeed(dimensions: catalog?.dimensions, mode: catalog?.mode)
        let spaces = try await app.embeddingSpaces(pool: pool, seed: seed, logger: logger)
        var services: [any Service] = [EmbeddingSpaceMonitor(registry: spaces, logger: logger)]
        if let catalog { services.append(try await catalog.makeService(app, pool: pool, producer: producer, spaces: spaces, logger: logger)) }
        if let interactions {
            try await interactions.ensureTopics(app, logger: logger)
            services += try interactions.makeServices(app, pool: pool, producer: producer, spaces: spaces, logger: logger)
        }
        if let port = try app.metricsPort() {
            services.append(AppMetrics.endpoint(host: app.httpHost, port: port, logger: logger, ready: try AppMetrics.readiness(app, pool: pool)))
            logger.info("metrics at http://\(app.httpHost):\(port)/metrics")
        }
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
