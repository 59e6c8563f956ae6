import Foundation
import Kafka
import Logging
import ServiceLifecycle
import Testing
@testable import Consumers

/// Records what a test handler saw; `flaky` values fail `failures` times before succeeding.
final class RecordingHandler: BatchHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var attempts: [String: Int] = [:]
    private(set) var doneValues: [String] = []
    let failures: Int

    init(failures: Int = 2) { self.failures = failures }

    var done: [String] { lock.withLock { doneValues } }
    func attemptCount(_ v: String) -> Int { lock.withLock { attempts[v] ?? 0 } }

    func handle(_ batch: [KafkaMessage]) async throws -> BatchOutcome {
        lock.withLock {
            BatchOutcome(batch.map { m in
                let v = String(decoding: m.value, as: UTF8.self)
                attempts[v, default: 0] += 1
                if v.hasPrefix("poison") { return .deadLetter(reason: "cannot parse \(v)") }
                if v.hasPrefix("flaky"), attempts[v]! <= failures { return .retryLater(reason: "throttled") }
                doneValues.append(v)
                return .done
            })
        }
    }
}

@Suite(.enabled(if: TestStack.integration), .serialized) struct BatchConsumerServiceTests {
    @Test func deadLettersPoisonRetriesTransientFailuresAndCommitsEverything() async throws {
        let config = try TestStack.kafka()
        let topic = TestStack.unique("it-batch")
        let group = TestStack.unique("g")
        let admin = try KafkaAdmin(configuration: config)
        _ = try await admin.createTopic(topic, partitions: 3)
        _ = try await admin.createTopic(Topics.deadLetter(of: topic), partitions: 1)
        let producer = try KafkaProducer(configuration: config)
        defer { producer.close() }
        var values = (0..<30).map { "m\($0)" }
        values.insert("poison-1", at: 5)
        values.insert("flaky-1", at: 10)
        values.insert("flaky-2", at: 20)
        let reports = await producer.sendAll(values.enumerated().map { i, v in
            KafkaProducerRecord(topic: topic, key: "k\(i % 7)", value: v, headers: [("trace", Array("t\(i)".utf8))])
        })
        var ends = [Int32: Int64]()
        for r in reports { let r = try r.get(); ends[r.partition] = max(ends[r.partition] ?? 0, r.offset + 1) }

        let handler = RecordingHandler()
        let consumer = try KafkaConsumer(configuration: config, groupID: group, topics: [topic])
        let service = BatchConsumerService(consumer: consumer, handler: handler, deadLetters: DeadLetterPublisher(producer: producer),
                                           configuration: BatchConsumerConfiguration(name: "test", initialBackoff: .milliseconds(100)))
        let expected = values.filter { !$0.hasPrefix("poison") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            let ok = try await TestStack.eventually { handler.done.count >= expected.count }
            service.requestStop()
            try await group.waitForAll()
            #expect(ok)
        }
        #expect(handler.done.sorted() == expected.sorted(), "every good message exactly once")
        #expect(handler.attemptCount("flaky-1") == 3)
        #expect(handler.attemptCount("poison-1") == 1)

        let dlq = try await TestStack.readAll(Topics.deadLetter(of: topic), count: 1)
        #expect(dlq.count == 1)
        let d = try #require(dlq.first)
        #expect(String(decoding: d.value, as: UTF8.self) == "poison-1")
        #expect(d.keyString == "k5")
        #expect(d.header(DeadLetterPublisher.errorHeader).map { String(decoding: $0, as: UTF8.self) } == "cannot parse poison-1")
        #expect(d.header(DeadLetterPublisher.sourceTopicHeader).map { String(decoding: $0, as: UTF8.self) } == topic)
        #expect(d.header("trace") == Array("t5".utf8))
        let srcPartition = Int32(String(decoding: d.header(DeadLetterPublisher.sourcePartitionHeader) ?? [], as: UTF8.self))
        let srcOffset = Int64(String(decoding: d.header(DeadLetterPublisher.sourceOffsetHeader) ?? [], as: UTF8.self))
        let original = try reports[5].get()
        #expect(srcPartition == original.partition && srcOffset == original.offset)

        // Everything was committed: a new member of the group gets nothing.
        let check = try KafkaConsumer(configuration: config, groupID: group, topics: [topic])
        let committed = try await check.committed(ends.keys.map { KafkaTopicPartition(topic: topic, partition: $0) })
        for (p, end) in ends { #expect(committed[KafkaTopicPartition(topic: topic, partition: p)] == end) }
        await check.close()
    }

    @Test func twoMembersShareThePartitionsAndTogetherProcessEverything() async throws {
        let config = try TestStack.kafka()
        let topic = TestStack.unique("it-share")
        let group = TestStack.unique("g")
        _ = try await KafkaAdmin(configuration: config).createTopic(topic, partitions: 4)
        let producer = try KafkaProducer(configuration: config)
        defer { producer.close() }
        let values = (0..<80).map { "v\($0)" }
        for r in await producer.sendAll(values.map { KafkaProducerRecord(topic: topic, key: $0, value: $0) }) { _ = try r.get() }

        let h1 = RecordingHandler(), h2 = RecordingHandler()
        let s1 = BatchConsumerService(consumer: try KafkaConsumer(configuration: config, groupID: group, topics: [topic]), handler: h1,
                                      deadLetters: DeadLetterPublisher(producer: producer), configuration: BatchConsumerConfiguration(maxBatchSize: 5))
        let s2 = BatchConsumerService(consumer: try KafkaConsumer(configuration: config, groupID: group, topics: [topic]), handler: h2,
                                      deadLetters: DeadLetterPublisher(producer: producer), configuration: BatchConsumerConfiguration(maxBatchSize: 5))
        var assignedToSecond: Set<Int32> = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await s1.run() }
            group.addTask { try await s2.run() }
            // Both members end up owning partitions (the group rebalanced) ...
            let shared = try await TestStack.eventually {
                let a = try await s1.consumer.assignment(), b = try await s2.consumer.assignment()
                assignedToSecond = Set(b.map(\.partition))
                return !a.isEmpty && !b.isEmpty && a.count + b.count == 4
            }
            #expect(shared, "both members own partitions")
            // ... and together they process every message.
            let ok = try await TestStack.eventually { Set(h1.done + h2.done).count == values.count }
            #expect(ok)
            s1.requestStop()
            s2.requestStop()
            try await group.waitForAll()
        }
        #expect(Set(h1.done + h2.done) == Set(values))
        #expect(!assignedToSecond.isEmpty)
    }
}
