import Foundation
import Postgres

/// The pool connections that already carry the HNSW session options.
///
/// Connections are held strongly so an identifier is never reused by a new connection after a reconnect;
/// the set is bounded (cleared past 256 entries, which only costs re-sending the options).
final class ConfiguredConnections: @unchecked Sendable {
    private let lock = NSLock()
    private var connections: [ObjectIdentifier: PGConnection] = [:]

    func contains(_ c: PGConnection) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return connections[ObjectIdentifier(c)] != nil
    }

    func insert(_ c: PGConnection) {
        lock.lock(); defer { lock.unlock() }
        if connections.count >= 256 { connections.removeAll() }
        connections[ObjectIdentifier(c)] = c
    }
}
