import ArgumentParser
import Consumers
import Foundation
import Kafka
import Logging
import Profiles
import ServiceLifecycle

/// `rec consume interactions`: folds `interactions.v1` into user profiles, exactly once in effect.
struct ConsumeInteractionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interactions",
        abstract: "Consume interaction events into the interaction log, user profiles and popularity counters.",
        discussion: """
            Reads DATABASE_URL, KAFKA_BROKERS (KAFKA_* passthrough) and the profile settings \
            (REC_EMBEDDING_DIMENSION, REC_EVENT_WEIGHTS, REC_*_HALF_LIFE_*). Scale out by starting more \
            instances with the same --group. SIGTERM drains the batch in hand, commits and exits.
            """
    )

    @Option(help: "Topic to consume.")
    var topic: String = Topics.interactions

    @Option(help: "Consumer group id.")
    var group: String = "rec-interactions"

    @Option(help: "Most events per poll batch (one database transaction each).")
    var batchSize: Int = 5000

    @Option(help: "Seconds between passes that fold interactions whose item vector arrived late.")
    var pendingInterval: Double = 5

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard pendingInterval > 0 else { throw ValidationError("--pending-interval must be positive") }
    }

    func run() async throws {
        let config = try AppConfiguration.fromEnvironment()
        var logger = Logger(label: "rec.consume.interactions")
        logger.logLevel = .info
        let pool = try config.makePool()
        defer { pool.close() }
        let store = ProfileStore(pool: pool, configuration: try config.profileConfiguration(), logger: logger)
        let kafka = try config.kafkaConfiguration()
        let producer = try KafkaProducer(configuration: kafka)
        defer { producer.close() }
        let consumer = try KafkaConsumer(configuration: kafka, groupID: group, topics: [topic])
        let interval = Duration.milliseconds(Int64(pendingInterval * 1000))
        let service = BatchConsumerService(
            consumer: consumer,
            handler: InteractionPipeline(store: store, pendingFoldInterval: interval, logger: logger),
            deadLetters: DeadLetterPublisher(producer: producer),
            configuration: BatchConsumerConfiguration(name: "interactions", maxBatchSize: batchSize),
            logger: logger)
        let group = ServiceGroup(
            services: [service, PendingFoldService(store: store, interval: interval, logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        logger.info("consuming interactions", metadata: ["topic": "\(topic)", "group": "\(self.group)"])
        try await group.run()
    }
}
