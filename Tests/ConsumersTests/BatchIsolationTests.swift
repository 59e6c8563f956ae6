import Foundation
import Kafka
import Postgres
import Testing
@testable import Consumers

/// A handler over an all-or-nothing store: a batch holding a bad value throws and applies nothing,
/// like one database transaction.
final class TransactionalHandler: BatchHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var appliedValues: [String] = []
    private(set) var calls = 0
    let failure: (String) -> (any Error)?

    init(failure: @escaping (String) -> (any Error)?) { self.failure = failure }

    var applied: [String] { lock.withLock { appliedValues } }

    func handle(_ batch: [KafkaMessage]) async throws -> BatchOutcome {
        try lock.withLock {
            calls += 1
            let values = batch.map { String(decoding: $0.value, as: UTF8.self) }
            if let e = values.lazy.compactMap(failure).first { throw e }
            appliedValues += values
            return BatchOutcome.allDone(batch.count)
        }
    }
}


@Suite struct BatchIsolationTests {
    static func messages(_ values: [String], partitions: Int32 = 1) -> [KafkaMessage] {
        values.enumerated().map { i, v in
            KafkaMessage(topic: "t", partition: Int32(i) % partitions, offset: Int64(i) / Int64(partitions), key: nil, value: Array(v.utf8))
        }
    }

    static let dataError = PostgresError(.server, "invalid byte sequence for encoding \"UTF8\": 0x00", sqlState: "22021")

    @Test func onePoisonInABigBatchIsFoundInLogarithmicCallsAndTheRestApplied() async {
        var values = (0..<10_000).map { "m\($0)" }
        values[6_789] = "poison"
        let handler = TransactionalHandler { $0 == "poison" ? Self.dataError : nil }
        let isolation = BatchIsolation(handler: handler, classify: FailureClass.of)
        let (results, calls) = await isolation.handle(Self.messages(values))
        #expect(results[6_789] == .rejected(reason: "rejected: \(Self.dataError)"))
        #expect(results.enumerated().allSatisfy { $0.offset == 6_789 || $0.element == .outcome(.done) })
        #expect(handler.applied == values.filter { $0 != "poison" }, "every good message once, in order")
        // 1 + 2 per level of a binary search over 10,000 messages (14 levels); a serial replay made 10,001.
        #expect(calls <= 1 + 2 * 14)
    }

    @Test func poisonsInBothHalvesAreAllFound() async {
        var values = (0..<64).map { "m\($0)" }
        for i in [3, 40, 41, 63] { values[i] = "poison\(i)" }
        let handler = TransactionalHandler { $0.hasPrefix("poison") ? Self.dataError : nil }
        let (results, _) = await BatchIsolation(handler: handler, classify: FailureClass.of).handle(Self.messages(values, partitions: 3))
        for (i, r) in results.enumerated() {
            if values[i].hasPrefix("poison") {
                guard case .rejected = r else { Issue.record("\(values[i]) was \(r)"); continue }
            } else {
                #expect(r == .outcome(.done), "\(values[i])")
            }
        }
        #expect(Set(handler.applied) == Set(values.filter { !$0.hasPrefix("poison") }))
    }

    @Test func aTransientFailureRetriesTheWholeBatchWithoutSplitting() async {
        let handler = TransactionalHandler { _ in PostgresError(.connectionLost, "server closed the connection unexpectedly") }
        let (results, calls) = await BatchIsolation(handler: handler, classify: FailureClass.of).handle(Self.messages(["a", "b", "c"]))
        #expect(calls == 1)
        #expect(results.allSatisfy { if case .outcome(.retryLater) = $0 { return true } else { return false } })
    }

    @Test func anUnknownFailureIsNarrowedDownAndStrikesOnlyItsMessageAndThoseBehindItInItsPartition() async {
        struct Odd: Error {}
        // Partition p = i % 2: "odd3" sits in partition 1, at offset 1.
        let values = ["a0", "b1", "c2", "odd3", "e4", "f5", "g6", "h7"]
        let handler = TransactionalHandler { $0 == "odd3" ? Odd() : nil }
        let (results, _) = await BatchIsolation(handler: handler, classify: FailureClass.of).handle(Self.messages(values, partitions: 2))
        #expect(results[3] == .struck(reason: "\(Odd())"))
        for i in [0, 1, 2, 4, 6] { #expect(results[i] == .outcome(.done), "\(values[i])") }
        // f5 and h7 are in partition 1 behind odd3: they wait for it instead of overtaking it.
        for i in [5, 7] {
            guard case .outcome(.retryLater) = results[i] else { Issue.record("\(values[i]) was \(results[i])"); continue }
        }
        #expect(!handler.applied.contains("f5") && !handler.applied.contains("h7"))
    }

    @Test func classification() {
        #expect(FailureClass.of(PostgresError(.server, "serialization failure", sqlState: "40001")) == .transient)
        #expect(FailureClass.of(PostgresError(.server, "connection failure", sqlState: "08006")) == .transient)
        #expect(FailureClass.of(PostgresError(.server, "relation does not exist", sqlState: "42P01")) == .transient)
        #expect(FailureClass.of(PostgresError(.server, "untranslatable character", sqlState: "22P05")) == .permanent)
        #expect(FailureClass.of(PostgresError(.server, "raise exception", sqlState: "P0001")) == .unknown)
        #expect(FailureClass.of(PostgresError(.poolTimeout, "no connection")) == .transient)
        #expect(FailureClass.of(KafkaError(.produce, "queue full")) == .transient)
        struct Other: Error {}
        #expect(FailureClass.of(Other()) == .unknown)
    }
}
