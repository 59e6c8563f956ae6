import Foundation
import IntegrationTestSupport
import Testing
@testable import Kafka

enum TestKafka {
    static var integration: Bool { IntegrationStack.enabled }
    static func configuration() throws -> KafkaConfiguration { try IntegrationStack.kafka() }
    static func unique(_ prefix: String) -> String { IntegrationStack.unique(prefix) }

    /// Polls until `count` messages arrived or `deadline` passed.
    static func consume(_ consumer: KafkaConsumer, count: Int, within deadline: Duration = .seconds(30)) async throws -> [KafkaMessage] {
        var out = [KafkaMessage]()
        let end = ContinuousClock.now + deadline
        while out.count < count, ContinuousClock.now < end {
            out += try await consumer.poll(maxMessages: count - out.count, timeout: .milliseconds(200))
        }
        return out
    }
}

@Suite(.enabled(if: TestKafka.integration)) struct KafkaIntegrationTests {
    @Test func runsWithLibrdkafkaAtLeast2_3() {
        #expect(KafkaLibrary.versionNumber >= 0x0203_00ff, "librdkafka \(KafkaLibrary.version): put .stack/lib first on LD_LIBRARY_PATH")
    }

    @Test func groupResumesAfterTheCommittedOffsetWithoutLossOrRepeat() async throws {
        let config = try TestKafka.configuration()
        let topic = TestKafka.unique("it-commit")
        let group = TestKafka.unique("g")
        let admin = try KafkaAdmin(configuration: config)
        #expect(try await admin.createTopic(topic, partitions: 1))
        #expect(try await admin.createTopic(topic, partitions: 1) == false)

        let producer = try KafkaProducer(configuration: config)
        defer { producer.close() }
        for i in 0..<5 {
            let report = try await producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "m\(i)", headers: [("n", Array("\(i)".utf8))]))
            #expect(report.offset == Int64(i))
        }

        // First member reads everything but commits only after the third message.
        let first = try KafkaConsumer(configuration: config, groupID: group, topics: [topic])
        let got = try await TestKafka.consume(first, count: 5)
        #expect(got.map { String(decoding: $0.value, as: UTF8.self) } == ["m0", "m1", "m2", "m3", "m4"])
        #expect(got[1].header("n") == Array("1".utf8))
        #expect(got[0].keyString == "k")
        try await first.commit(got[2])
        let committed = try await first.committed([KafkaTopicPartition(topic: topic, partition: 0)])
        #expect(committed[KafkaTopicPartition(topic: topic, partition: 0)] == 3)
        await first.close()

        // A new member of the same group resumes right after the committed message.
        try await producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "m5"))
        let second = try KafkaConsumer(configuration: config, groupID: group, topics: [topic])
        let rest = try await TestKafka.consume(second, count: 3)
        #expect(rest.map { String(decoding: $0.value, as: UTF8.self) } == ["m3", "m4", "m5"])
        #expect(rest.first?.offset == 3)
        // Nothing more arrives: no repeats.
        let extra = try await second.poll(maxMessages: 10, timeout: .seconds(1))
        #expect(extra.isEmpty)
        await second.close()
    }

    @Test func invalidPropertyIsAClearConfigurationError() throws {
        var config = try TestKafka.configuration()
        config["no.such.property"] = "secret-value"
        let e = #expect(throws: KafkaError.self) { try KafkaProducer(configuration: config) }
        #expect(e?.code == .configuration)
        #expect(e?.description.contains("no.such.property") == true)
        #expect(e?.description.contains("secret-value") == false)
    }
}
