import Postgres
import Profiles
import Testing
@testable import Consumers

/// Which database errors dead-letter an event and which retry it: a wrong answer
/// either loses valid events to the DLQ or stalls a partition forever.
@Suite struct PoisonClassificationTests {
    @Test func dataErrorsArePoisonTransientOnesAreNot() {
        #expect(InteractionPipeline.isPoison(PostgresError(.server, "value too long", sqlState: "22001")))
        #expect(InteractionPipeline.isPoison(PostgresError(.server, "check violation", sqlState: "23514")))
        #expect(InteractionPipeline.isPoison(ProfileStoreError(.corruptProfile, "bad counters")))
        #expect(!InteractionPipeline.isPoison(PostgresError(.connectionLost, "server closed the connection")))
        #expect(!InteractionPipeline.isPoison(PostgresError(.server, "deadlock detected", sqlState: "40P01")))
        #expect(!InteractionPipeline.isPoison(PostgresError(.server, "too many connections", sqlState: "53300")))
        #expect(!InteractionPipeline.isPoison(PostgresError(.server, "canceling statement due to statement timeout", sqlState: "57014")))
        #expect(!InteractionPipeline.isPoison(ProfileStoreError(.schema, "pgvector missing")))
    }
}
