import Kafka
import Testing
@testable import Consumers

/// Every transition of the consumer loop's decisions, without a broker.
@Suite struct ConsumerLoopTests {
    static let p0 = KafkaTopicPartition(topic: "t", partition: 0)
    static let p1 = KafkaTopicPartition(topic: "t", partition: 1)
    static let config = BatchConsumerConfiguration(pollTimeout: .milliseconds(250), initialBackoff: .milliseconds(200), maxBackoff: .seconds(15), maxAttempts: 3)
    static let t0 = ContinuousClock.now

    static func m(_ tp: KafkaTopicPartition, _ offset: Int64) -> KafkaMessage {
        KafkaMessage(topic: tp.topic, partition: tp.partition, offset: offset, key: nil, value: Array("\(tp.partition):\(offset)".utf8))
    }

    static func names(_ ms: [KafkaMessage]) -> [String] { ms.map { String(decoding: $0.value, as: UTF8.self) } }

    /// One failed message on p0: p0 pauses until the backoff is due, p1 flows, the retry comes first, then p0 resumes.
    @Test func aFailedMessagePausesItsPartitionUntilItsRetryIsDueThenResumes() {
        var loop = ConsumerLoop(configuration: Self.config)
        let first = loop.batch(polled: [Self.m(Self.p0, 0), Self.m(Self.p0, 1), Self.m(Self.p1, 0)], now: Self.t0)
        #expect(Self.names(first.messages) == ["0:0", "0:1", "1:0"])
        let actions = loop.handled(first, failed: [Self.p0: ([Self.m(Self.p0, 0), Self.m(Self.p0, 1)], "throttled")], now: Self.t0, unit: { 0 })
        #expect(actions == [.pause(Self.p0, attempt: 1, delay: .milliseconds(100), reason: "throttled")])
        #expect(loop.pollTimeout(now: Self.t0) == .milliseconds(100), "the poll wakes up when the retry is due")

        // Polled before the pause took effect: p0's message queues behind the failed ones; p1's flows.
        let early = loop.batch(polled: [Self.m(Self.p0, 2), Self.m(Self.p1, 1)], now: Self.t0 + .milliseconds(50))
        #expect(Self.names(early.messages) == ["1:1"])
        #expect(early.retried.isEmpty)
        #expect(loop.handled(early, failed: [:], now: Self.t0 + .milliseconds(50), unit: { 0 }).isEmpty)

        let due = loop.batch(polled: [], now: Self.t0 + .milliseconds(100))
        #expect(Self.names(due.messages) == ["0:0", "0:1", "0:2"], "the retry in offset order, with what queued behind it")
        #expect(due.retried == [Self.p0: 1])
        #expect(loop.handled(due, failed: [:], now: Self.t0 + .milliseconds(120), unit: { 0 }) == [.resume(Self.p0)])
        #expect(loop.pending.isEmpty)
        #expect(loop.pollTimeout(now: Self.t0) == .milliseconds(250))
    }

    /// The backoff before attempt n: 200 ms doubling per attempt up to 15 s, jittered to 50–100 % of it.
    @Test(arguments: [(1, 200), (2, 400), (3, 800), (7, 12_800), (8, 15_000), (40, 15_000)])
    func backoffDoublesPerAttemptUpToTheCap(attempt: Int, millis: Int) {
        #expect(Self.config.backoff(attempt: attempt, unit: 0) == .milliseconds(millis) / 2)
        #expect(Self.config.backoff(attempt: attempt, unit: 0.5) == .milliseconds(millis) * 0.75)
    }

    @Test func aFailingRetryWaitsLongerEachTime() {
        var loop = ConsumerLoop(configuration: Self.config)
        var now = Self.t0
        var batch = loop.batch(polled: [Self.m(Self.p0, 0)], now: now)
        var delays = [Duration]()
        for _ in 0..<4 {
            let actions = loop.handled(batch, failed: [Self.p0: ([Self.m(Self.p0, 0)], "down")], now: now, unit: { 0.999_999 })
            guard case .pause(_, _, let delay, _)? = actions.first else { Issue.record("no pause"); return }
            delays.append(delay)
            now = now + delay
            batch = loop.batch(polled: [], now: now)
            #expect(Self.names(batch.messages) == ["0:0"])
        }
        #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 < $1 }, "\(delays)")
    }

    @Test func revokedPartitionsDropTheirRetriesAndAttemptCounts() {
        var loop = ConsumerLoop(configuration: Self.config)
        let b = loop.batch(polled: [Self.m(Self.p0, 0), Self.m(Self.p1, 0)], now: Self.t0)
        _ = loop.decide(b.messages, [BatchIsolation<NoHandler>.Result.struck(reason: "odd"), .struck(reason: "odd")])
        _ = loop.handled(b, failed: [Self.p0: ([Self.m(Self.p0, 0)], "odd"), Self.p1: ([Self.m(Self.p1, 0)], "odd")], now: Self.t0, unit: { 0 })
        #expect(loop.revoked([Self.p0]) == [Self.p0])
        #expect(loop.pending.keys.sorted { $0.partition < $1.partition } == [Self.p1])
        #expect(loop.strikes.keys.map(\.partition) == [1])
        #expect(loop.revoked([Self.p0]).isEmpty, "nothing left to drop")
        #expect(loop.assigned([Self.p0, Self.p1]) == [Self.p0], "a re-assigned partition without retries is resumed; p1 waits for its retry")
    }

    @Test(arguments: [
        (BatchIsolation<NoHandler>.Result.outcome(.done), [ConsumerLoop.Decision.outcome(.done)]),
        (.outcome(.deadLetter(reason: "bad json")), [.outcome(.deadLetter(reason: "bad json"))]),
        (.outcome(.retryLater(reason: "throttled")), [.outcome(.retryLater(reason: "throttled"))]),
        (.rejected(reason: "rejected: 22021"), [.rejected(reason: "rejected: 22021")]),
        (.struck(reason: "odd"), [.outcome(.retryLater(reason: "odd")), .outcome(.retryLater(reason: "odd")), .exhausted(reason: "odd", attempts: 3)]),
    ])
    func resultsBecomeDecisions(result: BatchIsolation<NoHandler>.Result, expected: [ConsumerLoop.Decision]) {
        var loop = ConsumerLoop(configuration: Self.config)
        let message = Self.m(Self.p0, 0)
        let decisions = expected.indices.map { _ in loop.decide([message], [result])[0] }
        #expect(decisions == expected)
        #expect(loop.strikes.isEmpty, "an exhausted or settled message leaves no count behind")
    }

    @Test func aSettledMessageForgetsItsAttempts() {
        var loop = ConsumerLoop(configuration: Self.config)
        let message = Self.m(Self.p0, 0)
        _ = loop.decide([message], [BatchIsolation<NoHandler>.Result.struck(reason: "odd")])
        #expect(loop.strikes.count == 1)
        loop.settled(message)
        #expect(loop.strikes.isEmpty)
    }

    @Test func exhaustedMessagesAreDeadLetteredWithTheirAttempts() {
        #expect(ConsumerLoop.Decision.exhausted(reason: "odd", attempts: 3).outcome == .deadLetter(reason: "failed 3 times: odd"))
        #expect(ConsumerLoop.Decision.rejected(reason: "r").outcome == .deadLetter(reason: "r"))
    }
}

/// A handler type for the generic results in these tests.
struct NoHandler: BatchHandler {
    func handle(_ batch: [KafkaMessage]) async throws -> BatchOutcome { .allDone(batch.count) }
}
