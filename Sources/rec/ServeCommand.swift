import RecApp
import ArgumentParser
import BedrockClient
import Consumers
import EmbeddingSpaces
import Foundation
import Hummingbird
import Kafka
import Logging
import Postgres
import RecService
import ServiceLifecycle

/// `rec serve`: the recommendations HTTP API (Hummingbird 2), until SIGTERM/SIGINT drains it.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the recommendations HTTP API.",
        discussion: """
            Reads DATABASE_URL, KAFKA_BROKERS (for POST /v1/events and /ready), the Bedrock/Titan settings (search),
            REC_HTTP_HOST/REC_HTTP_PORT, REC_DB_POOL_SIZE, REC_AUTH, REC_EVENTS_TOPIC and the REC_W_* weights.
            API keys: rec apikeys create --name NAME --scopes read,events

            Slow and hostile clients: a request head must arrive within the header timeout (from accept or from its first byte), its body within the body timeout (from the head); both answer 408 and close. An idle keep-alive connection closes after the idle timeout. A client is an IPv4 address or an IPv6 /64; at its own limit, or at the server's, a new connection replaces the longest-idle connection of that client (of the client holding the most), and is closed at once only when every such connection is being answered.
            Environment: REC_HTTP_HEADER_TIMEOUT_S, REC_HTTP_BODY_TIMEOUT_S, REC_HTTP_IDLE_TIMEOUT_S, REC_HTTP_MAX_CONNECTIONS, REC_HTTP_MAX_CONNECTIONS_PER_CLIENT (the options below override them).
            """
    )

    @Option(help: "Address to bind (default: $REC_HTTP_HOST or 127.0.0.1).")
    var host: String?

    @Option(help: "Port (default: $REC_HTTP_PORT or 28080).")
    var port: Int?

    @Option(help: "Database connections (default: $REC_DB_POOL_SIZE or 8).")
    var poolSize: Int?

    @Flag(help: "Serve without API keys (local use only; same as REC_AUTH=off).")
    var noAuth = false

    @Option(help: "Seconds for a whole request head (default: $REC_HTTP_HEADER_TIMEOUT_S or 10).")
    var headerTimeout: Double?

    @Option(help: "Seconds for a whole request body after its head (default: $REC_HTTP_BODY_TIMEOUT_S or 30).")
    var bodyTimeout: Double?

    @Option(help: "Seconds an idle keep-alive connection stays open (default: $REC_HTTP_IDLE_TIMEOUT_S or 75).")
    var idleTimeout: Double?

    @Option(help: "Open connections at most (default: $REC_HTTP_MAX_CONNECTIONS or half the open-file limit, 16 to 4096).")
    var maxConnections: Int?

    @Option(help: "Open connections per client address at most (default: $REC_HTTP_MAX_CONNECTIONS_PER_CLIENT or an eighth of the limit).")
    var maxConnectionsPerClient: Int?

    func run() async throws {
        AppMetrics.bootstrap()
        let config = try AppConfiguration.fromEnvironment()
        var logger = Logger(label: "rec.serve")
        logger.logLevel = .info
        let url = try config.requireDatabaseURL()
        let size = poolSize ?? config.databasePoolSize
        guard size >= 1 else { throw ValidationError("--pool-size must be at least 1") }
        let connections: HTTPConnectionSettings
        do {
            connections = try config.httpConnectionSettings(headerTimeout: headerTimeout, bodyTimeout: bodyTimeout, idleTimeout: idleTimeout,
                                                            maxConnections: maxConnections, maxConnectionsPerClient: maxConnectionsPerClient)
        } catch let e as RecServiceError {
            throw ValidationError(e.message)
        }
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: size))
        defer { pool.close() }
        // The embedding spaces: every request is served from the live one, re-read every REC_EMBEDDING_SPACE_REFRESH_S.
        let spaces = try await config.embeddingSpaces(pool: pool, logger: logger)
        let recommender = Recommender(pool: pool, configuration: try config.recommenderConfiguration(), spaces: spaces)

        let auth: AuthMode
        let authOn = try config.authEnabled()
        if noAuth || !authOn {
            logger.warning("authentication is OFF: every route is open; use only on a trusted machine")
            auth = .disabled
        } else {
            auth = .apiKeys(APIKeyStore(pool: pool))
        }

        var embedder: (any QueryEmbedder)?
        var region: String?
        do {
            let client = try config.embeddingClient()
            region = client.configuration.region
            embedder = TitanQueryEmbedder(client: client, searchingKind: recommender.configuration.embeddingKind)
        } catch {
            logger.warning("search is disabled: the embedding client is not configured", metadata: ["reason": "\((error as? BedrockError)?.message ?? "\(error)")"])
        }

        var producer: KafkaProducer?
        var brokerCheck: (@Sendable () async throws -> Void)?
        if config.kafkaBrokers != nil {
            let kafka = try config.kafkaConfiguration()
            producer = try KafkaProducer(configuration: kafka)
            let admin = try KafkaAdmin(configuration: kafka)
            brokerCheck = { _ = try await admin.brokers(timeout: .seconds(2)) }
        } else {
            logger.warning("KAFKA_BROKERS is not set: POST /v1/events answers 503")
        }
        defer { producer?.close() }

        var deps = RecAPIDependencies(pool: pool, recommender: recommender, auth: auth, embedder: embedder,
                                      events: producer.map { KafkaEventSink(producer: $0, topic: config.eventsTopic) },
                                      brokerCheck: brokerCheck)
        deps.moreMetrics = { AppMetrics.exposition() }
        if try config.consoleEnabled() {
            deps.console = try Self.console(config, region: region, logger: logger)
        }
        let bindHost = host ?? config.httpHost
        let bindPort = try port ?? config.httpPort()
        let app = Application(router: RecAPI(deps).makeRouter(), server: .guardedHTTP1(connections, metrics: deps.metrics),
                              configuration: .init(address: .hostname(bindHost, port: bindPort), serverName: "rec"),
                              logger: logger)
        logger.info("serving", metadata: ["host": "\(bindHost)", "port": "\(bindPort)", "pool": "\(size)",
                                          "space": "\(spaces.live.name)", "model": "\(spaces.live.model)", "dims": "\(spaces.live.dims)",
                                          "eventsTopic": "\(config.eventsTopic)",
                                          "maxConnections": "\(connections.maxConnections)",
                                          "maxConnectionsPerClient": "\(connections.maxConnectionsPerClient)",
                                          "timeouts": "header \(connections.headerTimeout.seconds) s, body \(connections.bodyTimeout.seconds) s, idle \(connections.idleTimeout.seconds) s"])
        // The cache warms while the server already answers; SIGTERM/SIGINT drain the server and cancel a
        // warm-up still running.
        let warmer = ItemVectorCacheWarmer(recommender: recommender, logger: logger)
        let monitor = EmbeddingSpaceMonitor(registry: spaces, coverageInterval: .seconds(30), logger: logger)
        let services = ServiceGroup(configuration: .init(services: [.init(service: app), warmer.serviceConfiguration, .init(service: monitor)],
                                                         gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
        logger.info("stopped")
    }

    /// The web console's sources: the configured metrics endpoints, product images through catalog ingest's
    /// fetcher and policy, and the dead-letter topics through `rec dlq inspect`'s reader.
    static func console(_ config: AppConfiguration, region: String?, logger: Logger) throws -> ConsoleDependencies {
        let transport = CurlHTTPTransport(maxConnections: 16)
        let s3 = region.map { ImageFetcher.S3(credentials: config.awsCredentials(transport: transport), region: $0, endpoint: config.s3Endpoint) }
        let fetcher = try config.imageFetcher(transport: transport, s3: s3)
        let topics = Array(Set([config.catalogTopic, config.eventsTopic])).sorted()
        var deadLetters: (@Sendable () async throws -> [DeadLetterSummary])?
        if config.kafkaBrokers != nil {
            let inspector = DeadLetterInspector(kafka: try config.kafkaConfiguration(), replayLog: nil, logger: DLQCommand.logger)
            deadLetters = {
                var out = [DeadLetterSummary]()
                for topic in topics.map(Topics.deadLetter(of:)) {
                    let r = try await inspector.inspect(dlqTopic: topic, limit: 1)
                    out.append(DeadLetterSummary(topic: topic, exists: r.exists, total: r.matched, byReason: r.byReason.map { ($0.reason, $0.count) }))
                }
                return out
            }
        }
        let sources = try config.consoleMetricsSources()
        logger.info("web console at /console", metadata: ["metricsSources": "\(sources.map(\.name))"])
        return ConsoleDependencies(metricsSources: sources, metricsTransport: transport, fetchImage: { url in try await fetcher.fetch(url) },
                                   deadLetters: deadLetters, topics: topics)
    }
}
