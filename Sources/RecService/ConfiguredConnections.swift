import Foundation
import Postgres
import RecCore

/// The pool connections that already carry the HNSW session options.
///
/// Connections are held strongly so an identifier is never reused by a new connection after a reconnect;
/// the set is bounded (cleared past 256 entries, which only costs re-sending the options).
final class ConfiguredConnections: Sendable {
    private let connections = Locked<[ObjectIdentifier: PGConnection]>([:])

    func contains(_ c: PGConnection) -> Bool {
        connections.withLock { $0[ObjectIdentifier(c)] != nil }
    }

    func insert(_ c: PGConnection) {
        connections.withLock { connections in
            if connections.count >= 256 { connections.removeAll() }
            connections[ObjectIdentifier(c)] = c
        }
    }
}
