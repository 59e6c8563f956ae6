import Foundation
import Kafka
import Postgres
import Profiles
import Testing
@testable import Consumers

/// Runs the pipeline in-process until `done` holds, then stops it gracefully.
func runInteractionPipeline(url: String, topic: String, group: String, batchSize: Int = 200, until done: @escaping @Sendable () async throws -> Bool) async throws {
    let config = try PipelineTestStack.kafka()
    let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 3))
    defer { pool.close() }
    let store = ProfileStore(pool: pool, configuration: try ProfileConfiguration(dimension: PipelineTestStack.dimension))
    let producer = try KafkaProducer(configuration: config)
    defer { producer.close() }
    let service = BatchConsumerService(
        consumer: try KafkaConsumer(configuration: config, groupID: group, topics: [topic]),
        handler: InteractionPipeline(store: store, pendingFoldInterval: .milliseconds(200)),
        deadLetters: DeadLetterPublisher(producer: producer),
        configuration: BatchConsumerConfiguration(name: "interactions-test", maxBatchSize: batchSize, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1)))
    let pending = PendingFoldService(store: store, interval: .milliseconds(200))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await service.run() }
        tasks.addTask { try await pending.run() }
        let ok = try await PipelineTestStack.eventually(within: .seconds(120), done)
        service.requestStop()
        tasks.cancelAll()
        try await tasks.waitForAll()
        #expect(ok, "the pipeline did not reach the expected state in time")
    }
}
