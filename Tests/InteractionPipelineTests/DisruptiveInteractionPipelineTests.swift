import Foundation
import Kafka
import Postgres
import Profiles
import RecCore
import Testing
@testable import Consumers

/// Restarts the stack's PostgreSQL under a running interaction consumer, so it
/// runs alone in the second test pass (`REC_DISRUPTIVE=1 swift test --filter Disruptive`).
@Suite(.enabled(if: PipelineTestStack.disruptive), .serialized)
struct DisruptiveInteractionPipelineTests {
    typealias S = PipelineTestStack

    @Test func postgresRestartDuringConsumptionLosesNothingAndCountsNothingTwice() async throws {
        try await S.withSchema { url in
            let conn = try PGConnection(url: url)
            let (vectors, categories) = try S.seedItems(conn, count: 20, seed: 5)
            let config = try S.kafka()
            let topic = S.unique("it-pgrestart")
            _ = try await KafkaAdmin(configuration: config).createTopic(topic, partitions: 2)
            _ = try await KafkaAdmin(configuration: config).createTopic(Topics.deadLetter(of: topic), partitions: 1)
            let producer = try KafkaProducer(configuration: config)
            defer { producer.close() }
            let events = S.events(count: 6000, users: 10, items: vectors.keys.sorted(), seed: 6)
            try await S.produce(events, to: topic, producer: producer)

            let startedAt = try PGConnection(url: url).query("SELECT pg_postmaster_start_time()").first!.date(0)
            let restarted = Restarted()
            try await runInteractionPipeline(url: url, topic: topic, group: S.unique("g"), batchSize: 50) {
                let n = S.count(url, "SELECT count(*) FROM interactions")
                if await restarted.shouldRestart(seen: n) {
                    // Mid-stream: stop the server under the consumer, bring it back quickly (always).
                    do {
                        try await S.stack(["down", "pg"])
                        try await Task.sleep(for: .seconds(1))
                    } catch {
                        try? await S.stack(["up", "pg"])
                        throw error
                    }
                    try await S.stack(["up", "pg"])
                    await restarted.done()
                    return false
                }
                return n == events.count
            }
            #expect(await restarted.didRestart)
            let restartedAt = try PGConnection(url: url).query("SELECT pg_postmaster_start_time()").first!.date(0)
            #expect(restartedAt > startedAt, "PostgreSQL was not restarted; the test proves nothing")
            #expect(await restarted.seenBefore < events.count, "consumption finished before the restart; the test proves nothing")
            try await expectProfiles(in: url, equal: try S.direct(events, vectors: vectors, categories: categories))
            #expect(S.count(url, "SELECT sum(event_count)::int8 FROM user_profiles") == events.count)
            #expect(S.count(url, "SELECT sum(events)::int8 FROM item_popularity") == events.count)
        }
    }
}

/// Restart once, after the consumer wrote something.
actor Restarted {
    private(set) var didRestart = false
    private(set) var seenBefore = 0
    func shouldRestart(seen: Int) -> Bool {
        guard !didRestart, seen > 0 else { return false }
        seenBefore = seen
        didRestart = true
        return true
    }
    func done() {}
}
