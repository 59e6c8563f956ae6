import Foundation
import Kafka
import Logging
import Postgres
import Profiles
import RecCore
import ServiceLifecycle
import Testing
@testable import Consumers
#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: PipelineTestStack.integration), .serialized)
struct InteractionPipelineTests {
    typealias S = PipelineTestStack

    @Test func foldsEventsExactlyOnceDeadLettersInvalidOnesAndFoldsLateItems() async throws {
        try await S.withSchema { url in
            let conn = try PGConnection(url: url)
            var (vectors, categories) = try S.seedItems(conn, count: 15, seed: 1)
            let config = try S.kafka()
            let topic = S.unique("it-interactions")
            let admin = try KafkaAdmin(configuration: config)
            _ = try await admin.createTopic(topic, partitions: 3)
            _ = try await admin.createTopic(Topics.deadLetter(of: topic), partitions: 1)
            let producer = try KafkaProducer(configuration: config)
            defer { producer.close() }

            // 400 events, 20 of them for an item whose vector is not there yet.
            let events = S.events(count: 400, users: 8, items: vectors.keys.sorted() + ["late"], seed: 2)
            let late = events.filter { $0.itemID == "late" }.count
            #expect(late > 0)
            try await S.produce(events, to: topic, producer: producer)
            // Redelivery: the first 100 once more.
            try await S.produce(Array(events[0..<100]), to: topic, producer: producer)
            let invalid = [
                #"{"eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"not a time","userId":"u1","productId":"p1","type":"view"}"#,
                #"{"eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445567","occurredAt":"2026-11-29T00:00:00Z","userId":"u1","productId":"p1","type":"like"}"#,
                #"{"eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445568","occurredAt":"2026-11-29T00:00:00Z","productId":"p1","type":"view"}"#,
                "garbage",
            ]
            for r in await producer.sendAll(invalid.map { KafkaProducerRecord(topic: topic, key: "u1", value: $0) }) { _ = try r.get() }

            try await runInteractionPipeline(url: url, topic: topic, group: S.unique("g")) {
                S.count(url, "SELECT count(*) FROM interactions") == 400
                    && S.count(url, "SELECT count(*) FROM interactions WHERE NOT folded") == late
            }
            try await expectProfiles(in: url, equal: try S.direct(events, vectors: vectors, categories: categories))
            #expect(S.count(url, "SELECT sum(event_count)::int8 FROM user_profiles") == 400 - late)
            #expect(S.count(url, "SELECT sum(events)::int8 FROM item_popularity") == 400)

            let dead = try await readAll(Topics.deadLetter(of: topic), count: invalid.count)
            #expect(Set(dead.map { String(decoding: $0.value, as: UTF8.self) }) == Set(invalid))
            let reasons = dead.compactMap { $0.header(DeadLetterPublisher.errorHeader).map { String(decoding: $0, as: UTF8.self) } }
            #expect(reasons.contains { $0.hasPrefix("invalidField") } && reasons.contains { $0.hasPrefix("unknownType") }
                    && reasons.contains { $0.hasPrefix("missingField") } && reasons.contains { $0.hasPrefix("malformedJSON") })

            // The product arrives: its interactions are folded in, once; the consumer group resumes from its commits.
            let v = (0..<S.dimension).map { Float(($0 % 7) - 3) / 3 }
            try S.insertItem(conn, id: "late", categories: ["c9"], vector: v)
            vectors["late"] = v.map { Float(Float16($0)) }
            categories["late"] = ["c9"]
            try await runInteractionPipeline(url: url, topic: topic, group: S.unique("g2")) {
                S.count(url, "SELECT count(*) FROM interactions WHERE NOT folded") == 0
            }
            try await expectProfiles(in: url, equal: try S.direct(events, vectors: vectors, categories: categories))
            #expect(S.count(url, "SELECT sum(event_count)::int8 FROM user_profiles") == 400)
            #expect(S.count(url, "SELECT count(*) FROM interactions") == 400)
        }
    }

    @Test func aConsumerKilledMidStreamAndRestartedEndsWithTheSameProfiles() async throws {
        guard FileManager.default.isExecutableFile(atPath: S.recBinary) else {
            Issue.record("build rec first (swift build): \(S.recBinary) is missing")
            return
        }
        try await S.withSchema { url in
            let conn = try PGConnection(url: url)
            let (vectors, categories) = try S.seedItems(conn, count: 20, seed: 3)
            let config = try S.kafka()
            let topic = S.unique("it-kill")
            let group = S.unique("g")
            _ = try await KafkaAdmin(configuration: config).createTopic(topic, partitions: 2)
            _ = try await KafkaAdmin(configuration: config).createTopic(Topics.deadLetter(of: topic), partitions: 1)
            let producer = try KafkaProducer(configuration: config)
            defer { producer.close() }
            let events = S.events(count: 6000, users: 12, items: vectors.keys.sorted(), seed: 4)
            try await S.produce(events, to: topic, producer: producer)

            var env = S.env
            env["DATABASE_URL"] = url
            env["BEDROCK_EMBEDDING_DIMENSIONS"] = "\(S.dimension)"
            env["KAFKA_SESSION_TIMEOUT_MS"] = "6000"
            env["KAFKA_HEARTBEAT_INTERVAL_MS"] = "500"
            let args = ["consume", "interactions", "--topic", topic, "--group", group, "--batch-size", "50", "--pending-interval", "1"]
            let log = "/tmp/rec-kill-test-\(topic).log"

            let first = try S.spawn(S.recBinary, args, environment: env, log: log)
            let started = try await S.eventually(within: .seconds(60)) { S.count(url, "SELECT count(*) FROM interactions") > 0 }
            kill(first, SIGKILL)
            _ = await S.wait(first)
            #expect(started, "the first consumer never wrote anything (see \(log))")
            let atKill = S.count(url, "SELECT count(*) FROM interactions")
            #expect(atKill < events.count, "the consumer finished before it was killed; the test proves nothing")

            let second = try S.spawn(S.recBinary, args, environment: env, log: log)
            let finished = try await S.eventually(within: .seconds(120)) { S.count(url, "SELECT count(*) FROM interactions") == events.count }
            kill(second, SIGTERM)
            let status = await S.wait(second)
            #expect(finished, "the restarted consumer did not catch up (see \(log))")
            #expect(status & 0x7f == 0 && (status >> 8) & 0xff == 0, "rec consume interactions did not exit cleanly on SIGTERM (status \(status))")

            try await expectProfiles(in: url, equal: try S.direct(events, vectors: vectors, categories: categories))
            #expect(S.count(url, "SELECT sum(event_count)::int8 FROM user_profiles") == events.count)
            #expect(S.count(url, "SELECT sum(events)::int8 FROM item_popularity") == events.count)
        }
    }

    func readAll(_ topic: String, count: Int) async throws -> [KafkaMessage] {
        let c = try KafkaConsumer(configuration: try S.kafka(), groupID: S.unique("reader"), topics: [topic])
        var out = [KafkaMessage]()
        let end = ContinuousClock.now + .seconds(30)
        while out.count < count, ContinuousClock.now < end { out += try await c.poll(maxMessages: 100, timeout: .milliseconds(200)) }
        await c.close()
        return out
    }
}
