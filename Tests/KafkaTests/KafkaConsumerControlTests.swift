import RecCore
import Foundation
import Testing
@testable import Kafka

@Suite(.enabled(if: TestKafka.integration), .serialized) struct KafkaConsumerControlTests {
    @Test(arguments: ["range", "cooperative-sticky"])
    func rebalanceEventsPauseResumeAndLag(strategy: String) async throws {
        var config = try TestKafka.configuration()
        config["partition.assignment.strategy"] = strategy
        let topic = TestKafka.unique("it-control")
        let group = TestKafka.unique("g")
        #expect(try await KafkaAdmin(configuration: config).createTopic(topic, partitions: 2))
        let producer = try KafkaProducer(configuration: try TestKafka.configuration())
        defer { producer.close() }
        for i in 0..<10 {
            try await producer.send(KafkaProducerRecord(topic: topic, key: nil, value: Array("m\(i)".utf8), partition: Int32(i % 2)))
        }
        let p0 = KafkaTopicPartition(topic: topic, partition: 0), p1 = KafkaTopicPartition(topic: topic, partition: 1)

        let consumer = try KafkaConsumer(configuration: config, groupID: group, topics: [topic])
        // Commit-on-revoke asks for offsets; here: "everything before offset 2".
        let asked = LockedList()
        consumer.setRevokeCommitter { revoked in
            asked.append(revoked)
            return Dictionary(uniqueKeysWithValues: revoked.map { ($0, Int64(2)) })
        }
        // Poll until the group assigned both partitions, then pause partition 0 at once.
        var got = [KafkaMessage]()
        var events = [KafkaRebalanceEvent]()
        let end = ContinuousClock.now + .seconds(30)
        while events.isEmpty, ContinuousClock.now < end {
            got += try await consumer.poll(maxMessages: 1, timeout: .milliseconds(100))
            events += consumer.drainRebalanceEvents()
        }
        #expect(events.first == .assigned([p0, p1]) || events.first == .assigned([p1, p0]), "\(events)")
        #expect(consumer.drainRebalanceEvents().isEmpty, "drained")

        try consumer.pause([p0])
        var afterPause = [KafkaMessage]()
        let end2 = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < end2 { afterPause += try await consumer.poll(maxMessages: 100, timeout: .milliseconds(100)) }
        #expect(afterPause.allSatisfy { $0.partition == 1 }, "nothing from a paused partition")
        let lag = try await consumer.lag()
        #expect(lag[p1] == 0, "partition 1 fully consumed: \(lag)")
        #expect((lag[p0] ?? 0) > 0, "partition 0 paused behind its end: \(lag)")

        try consumer.resume([p0])
        var afterResume = [KafkaMessage]()
        let end3 = ContinuousClock.now + .seconds(15)
        while afterResume.filter({ $0.partition == 0 }).count < 5 - Int((got.filter { $0.partition == 0 }.map(\.offset).max() ?? -1) + 1), ContinuousClock.now < end3 { afterResume += try await consumer.poll(maxMessages: 100, timeout: .milliseconds(100)) }
        let firstP0 = got.filter { $0.partition == 0 }.map(\.offset)
        let from = (firstP0.max() ?? -1) + 1
        #expect(afterResume.filter { $0.partition == 0 }.map(\.offset) == Array(from..<5), "resumes right after the last polled message")

        // Closing revokes: the committer's offsets are committed before the partitions go.
        await consumer.close()
        #expect(Set(asked.all.flatMap { $0 }) == [p0, p1])
        let check = try KafkaConsumer(configuration: try TestKafka.configuration(), groupID: group, topics: [topic])
        let committed = try await check.committed([p0, p1])
        #expect(committed[p0] == 2 && committed[p1] == 2)
        await check.close()
    }
}

final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [[KafkaTopicPartition]] = []
    func append(_ x: [KafkaTopicPartition]) { lock.withLock { items.append(x) } }
    var all: [[KafkaTopicPartition]] { lock.withLock { items } }
}

/// Properties reach only the clients librdkafka documents them for (no CONFWARN).
@Suite struct KafkaPropertyRoutingTests {
    @Test func eachPropertyGoesToItsClients() throws {
        let config = KafkaConfiguration(brokers: "127.0.0.1:1", properties: [
            "session.timeout.ms": "6000", "max.poll.interval.ms": "60000", "linger.ms": "10", "acks": "all",
            "security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "not.a.property": "1",
        ])
        let consumer = config.properties(for: .consumer), producer = config.properties(for: .producer)
        #expect(Set(consumer.keys) == ["bootstrap.servers", "session.timeout.ms", "max.poll.interval.ms", "security.protocol", "sasl.mechanism", "not.a.property"])
        #expect(Set(producer.keys) == ["bootstrap.servers", "linger.ms", "acks", "security.protocol", "sasl.mechanism", "not.a.property"])
        #expect(KafkaPropertyScope.table.count > 150)
        #expect(KafkaPropertyScope.of("group.id") == .consumer && KafkaPropertyScope.of("enable.idempotence") == .producer && KafkaPropertyScope.of("client.id") == .both)
        // An unknown property is refused by name, never with its value.
        #expect { try config.validate() } throws: { "\($0)".contains("not.a.property") }
        var ok = config
        ok["not.a.property"] = nil
        ok["sasl.password"] = "secret-value"
        try ok.validate()
        ok["session.timeout.ms"] = "not-a-number"
        #expect { try ok.validate() } throws: { "\($0)".contains("session.timeout.ms") && !"\($0)".contains("secret-value") }
    }
}

/// librdkafka asks the application for OAUTHBEARER tokens on its background thread, for every kind of client
/// (admin clients never poll), and a failing provider is reported to librdkafka rather than crashing.
@Suite struct KafkaOAuthBearerTests {
    @Test func everyClientAsksTheProviderForATokenAtStart() async throws {
        let calls = Locked(0)
        var config = KafkaConfiguration(brokers: "127.0.0.1:1", properties: ["security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "OAUTHBEARER"])
        config.oauthBearer = KafkaOAuthBearer {
            calls.withLock { $0 += 1 }
            return .init(value: "header.payload.signature", expiresAt: Date().addingTimeInterval(900), principal: "test")
        }
        let producer = try KafkaProducer(configuration: config)
        let admin = try KafkaAdmin(configuration: config)
        let consumer = try KafkaConsumer(configuration: config, groupID: "oauth-test", topics: ["t"])
        let end = ContinuousClock.now + .seconds(10)
        while calls.current < 3, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(50)) }
        #expect(calls.current >= 3, "token requests: \(calls.current)")
        await consumer.close()
        producer.close()
        _ = admin
    }

    @Test func aFailingProviderIsReportedNotFatal() async throws {
        let calls = Locked(0)
        var config = KafkaConfiguration(brokers: "127.0.0.1:1", properties: ["security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "OAUTHBEARER"])
        config.oauthBearer = KafkaOAuthBearer {
            calls.withLock { $0 += 1 }
            throw KafkaError(.configuration, "no credentials")
        }
        let admin = try KafkaAdmin(configuration: config)
        let end = ContinuousClock.now + .seconds(10)
        while calls.current < 1, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(50)) }
        #expect(calls.current >= 1)
        _ = admin
    }
}
