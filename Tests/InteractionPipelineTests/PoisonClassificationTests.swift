import Postgres
import Profiles
import Testing
@testable import Consumers

/// Which database errors dead-letter an event and which retry it: a wrong answer
/// either loses valid events to the DLQ or stalls a partition forever.
@Suite struct PoisonClassificationTests {
    @Test func dataErrorsArePoisonTransientOnesAreNot() {
        #expect(FailureClass.of(PostgresError(.server, "value too long", sqlState: "22001")) == .permanent)
        #expect(FailureClass.of(PostgresError(.server, "check violation", sqlState: "23514")) == .permanent)
        #expect(FailureClass.of(ProfileStoreError(.corruptProfile, "bad counters")) == .permanent)
        #expect(FailureClass.of(PostgresError(.connectionLost, "server closed the connection")) == .transient)
        #expect(FailureClass.of(PostgresError(.server, "deadlock detected", sqlState: "40P01")) == .transient)
        #expect(FailureClass.of(PostgresError(.server, "too many connections", sqlState: "53300")) == .transient)
        #expect(FailureClass.of(PostgresError(.server, "canceling statement due to statement timeout", sqlState: "57014")) == .transient)
        #expect(FailureClass.of(ProfileStoreError(.schema, "pgvector missing")) == .transient)
    }
}
