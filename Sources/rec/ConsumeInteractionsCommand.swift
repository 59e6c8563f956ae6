import RecApp
import ArgumentParser
import Consumers
import EmbeddingSpaces
import Foundation
import Kafka
import Logging
import Postgres
import Profiles
import ServiceLifecycle

/// `rec consume interactions`: folds the events topic (`REC_EVENTS_TOPIC`) into user profiles, exactly once in effect.
struct ConsumeInteractionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interactions",
        abstract: "Consume interaction events into the interaction log, user profiles and popularity counters.",
        discussion: """
            Reads DATABASE_URL, KAFKA_BROKERS (KAFKA_* passthrough), REC_EVENTS_TOPIC, REC_INTERACTIONS_GROUP and the \
            profile settings (BEDROCK_EMBEDDING_DIMENSIONS, REC_EVENT_WEIGHTS, REC_*_HALF_LIFE_*; docs/configuration.md). \
            Creates the topic and its .dlq when missing (REC_EVENTS_PARTITIONS, REC_TOPIC_REPLICATION; REC_CREATE_TOPICS=off \
            only checks them). Scale out by starting more instances with the same group, up to the topic's partition \
            count. SIGTERM drains the batch in hand, commits and exits.
            """
    )

    @Option(help: "Topic to consume (default: $REC_EVENTS_TOPIC or interactions.v1).")
    var topic: String?

    @Option(help: "Consumer group id (default: $REC_INTERACTIONS_GROUP or rec-interactions).")
    var group: String?

    /// Under backlog, each profile is rewritten once per batch (three 4 KB vectors at 1024-d),
    /// so larger batches write fewer bytes per event; when caught up, a poll returns only what
    /// is there, so this bounds memory (≈ 2 KB per event in flight) rather than adding latency.
    @Option(help: "Most events per poll batch (one database transaction each; larger batches fold more events per profile write).")
    var batchSize: Int = 100_000

    @Option(help: "Seconds between passes that fold interactions whose item vector arrived late.")
    var pendingInterval: Double = 5

    @Option(help: "Minutes between passes that merge the appended rows of each transition edge (item_transitions).")
    var compactMinutes: Double = 60

    func validate() throws {
        guard compactMinutes > 0 else { throw ValidationError("--compact-minutes must be positive") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard pendingInterval > 0 else { throw ValidationError("--pending-interval must be positive") }
    }

    func run() async throws {
        AppMetrics.bootstrap()
        let config = try AppConfiguration.fromEnvironment()
        var logger = Logger(label: "rec.consume.interactions")
        logger.logLevel = .info
        let pool = try config.makePool()
        let producer = try KafkaProducer(configuration: try config.kafkaConfiguration())
        defer {
            producer.close()
            pool.close()
        }
        try await ensureTopics(config, logger: logger)
        let spaces = try await config.embeddingSpaces(pool: pool, logger: logger)
        var services = try makeServices(config, pool: pool, producer: producer, spaces: spaces, logger: logger)
        services.append(EmbeddingSpaceMonitor(registry: spaces, logger: logger))
        if let port = try config.metricsPort() { services.append(AppMetrics.endpoint(host: config.httpHost, port: port, logger: logger, ready: try AppMetrics.readiness(config, pool: pool))) }
        try await ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
    }

    /// Creates (or checks) the topic and its dead-letter topic (this command, `rec consume all`, `rec eval --through-kafka`).
    func ensureTopics(_ config: AppConfiguration, logger: Logger) async throws {
        try await config.ensureTopics(try config.eventsTopicSpecs(topic), logger: logger)
    }

    /// The interaction consumer and its pending-fold timer, for this command and for
    /// `rec consume all` (`services += try ConsumeInteractionsCommand().makeServices(...)`).
    func makeServices(_ config: AppConfiguration, pool: PostgresPool, producer: KafkaProducer, spaces: EmbeddingSpaceRegistry? = nil,
                      logger: Logger) throws -> [any Service] {
        let store = ProfileStore(pool: pool, configuration: try config.profileConfiguration(), spaces: spaces, logger: logger)
        let topic = self.topic ?? config.eventsTopic, group = self.group ?? config.interactionsGroup
        let consumer = try KafkaConsumer(configuration: try config.kafkaConfiguration(), groupID: group, topics: [topic], logger: logger)
        let interval = Duration.milliseconds(Int64(pendingInterval * 1000))
        let service = BatchConsumerService(
            consumer: consumer,
            handler: InteractionPipeline(store: store, pendingFoldInterval: interval, logger: logger),
            deadLetters: DeadLetterPublisher(producer: producer),
            configuration: BatchConsumerConfiguration(name: "interactions", maxBatchSize: batchSize),
            logger: logger)
        logger.info("interaction pipeline ready", metadata: ["topic": "\(topic)", "group": "\(group)",
                                                             "spaces": "\(store.spaces.current.writeTargets.map { "\($0.name) (\($0.dims))" }.joined(separator: ", "))"])
        return [service, PendingFoldService(store: store, interval: interval, logger: logger),
                TransitionCompactionService(store: store, interval: .seconds(Int64(compactMinutes * 60)), logger: logger)]
    }
}
