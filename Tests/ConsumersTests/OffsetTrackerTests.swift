import Kafka
import Testing
@testable import Consumers

@Suite struct OffsetTrackerTests {
    let p0 = KafkaTopicPartition(topic: "t", partition: 0)
    let p1 = KafkaTopicPartition(topic: "t", partition: 1)

    @Test func commitsOnlyUpToTheFirstUnfinishedOffset() {
        var t = OffsetTracker()
        for o in Int64(10)...14 { t.started(p0, offset: o) }
        t.finished(p0, offset: 11)
        t.finished(p0, offset: 12)
        #expect(t.committable().isEmpty, "offset 10 is still in flight")
        t.finished(p0, offset: 10)
        #expect(t.committable() == [p0: 13])
        t.finished(p0, offset: 14)
        #expect(t.committable() == [p0: 13], "13 is unfinished, 14 must wait")
        t.finished(p0, offset: 13)
        #expect(t.committable() == [p0: 15])
        #expect(t.inFlight(p0) == 0)
    }

    @Test func partitionsAreIndependentAndCommittedOnesAreNotRepeated() {
        var t = OffsetTracker()
        t.started(p0, offset: 0)
        t.started(p1, offset: 7)
        t.started(p1, offset: 8)
        t.finished(p1, offset: 7)
        #expect(t.committable() == [p1: 8])
        t.markCommitted([p1: 8])
        #expect(t.committable().isEmpty)
        t.finished(p1, offset: 8)
        t.finished(p0, offset: 0)
        #expect(t.committable() == [p0: 1, p1: 9])
        #expect(t.committable(only: [p0]) == [p0: 1])
    }

    @Test func gapsInOffsetsAreFine() {
        // Compacted topics and transaction markers leave offset gaps.
        var t = OffsetTracker()
        t.started(p0, offset: 3)
        t.started(p0, offset: 9)
        t.finished(p0, offset: 9)
        t.finished(p0, offset: 3)
        #expect(t.committable() == [p0: 10])
    }

    @Test func revokedPartitionsAreForgottenAndRedeliveriesIgnored() {
        var t = OffsetTracker()
        t.started(p0, offset: 0)
        t.started(p0, offset: 1)
        t.started(p0, offset: 1)
        #expect(t.inFlight(p0) == 2)
        t.finished(p0, offset: 0)
        t.forget([p0])
        #expect(t.committable().isEmpty)
        t.finished(p0, offset: 1)
        #expect(t.committable().isEmpty, "a finish after revoke does not resurrect the partition")
        t.started(p0, offset: 1)
        t.finished(p0, offset: 1)
        #expect(t.committable() == [p0: 2], "a re-assigned partition starts afresh")
    }

    @Test func longRunsCompactWithoutLosingPosition() {
        var t = OffsetTracker()
        for o in Int64(0)..<2000 { t.started(p0, offset: o) }
        for o in Int64(0)..<1500 { t.finished(p0, offset: o) }
        #expect(t.committable() == [p0: 1500])
        for o in Int64(1500)..<2000 { t.finished(p0, offset: o) }
        #expect(t.committable() == [p0: 2000])
    }

    @Test func backoffGrowsWithJitterAndIsCapped() {
        let c = BatchConsumerConfiguration(initialBackoff: .milliseconds(100), maxBackoff: .seconds(1))
        #expect(c.backoff(attempt: 1, unit: 0) == .milliseconds(50))
        #expect(c.backoff(attempt: 1, unit: 0.999) < .milliseconds(100))
        #expect(c.backoff(attempt: 3, unit: 0) == .milliseconds(200))
        #expect(c.backoff(attempt: 30, unit: 0.999) <= .seconds(1))
        #expect(c.backoff(attempt: 30, unit: 0) == .milliseconds(500))
    }
}
