import Foundation
import Postgres
import Profiles
import RecCore
import Testing

/// Compares every stored profile with the reference computation.
func expectProfiles(in url: String, equal expected: [String: ProfileState], sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 1))
    defer { pool.close() }
    let store = ProfileStore(pool: pool, configuration: try ProfileConfiguration(dimension: PipelineTestStack.dimension))
    for (user, e) in expected {
        guard let s = try await store.profile(for: UserID(user)) else {
            Issue.record("no profile for \(user)", sourceLocation: sourceLocation)
            continue
        }
        for (a, b, name) in [(s.longTerm, e.longTerm, "long-term"), (s.session, e.session, "session"), (s.negative, e.negative, "negative")]
            where b.sum.contains(where: { $0 != 0 }) {
            #expect(cosine(a.sum, b.sum) > 0.9999, "\(name) of \(user)", sourceLocation: sourceLocation)
        }
        #expect(s.eventCount == e.eventCount, "event count of \(user)", sourceLocation: sourceLocation)
        #expect(s.countsByType == e.countsByType, "counts of \(user)", sourceLocation: sourceLocation)
        #expect(s.sessionID == e.sessionID, "session of \(user)", sourceLocation: sourceLocation)
    }
}
