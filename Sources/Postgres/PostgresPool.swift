import Foundation
import Logging

/// Pool settings. Validated at construction.
public struct PostgresPoolConfiguration: Sendable {
    /// A libpq connection string or `postgresql://` URL.
    public var url: String
    /// Most connections open at once. Default: 8.
    public var maxConnections: Int
    /// How long a caller waits for a free connection. Default: 10 s.
    public var acquireTimeout: TimeInterval

    public init(url: String, maxConnections: Int = 8, acquireTimeout: TimeInterval = 10) throws {
        guard !url.isEmpty else { throw PostgresError(.invalidConfiguration, "empty database URL (set DATABASE_URL)") }
        guard maxConnections >= 1 else { throw PostgresError(.invalidConfiguration, "maxConnections must be at least 1") }
        guard acquireTimeout > 0 else { throw PostgresError(.invalidConfiguration, "acquireTimeout must be positive") }
        self.url = url
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
    }
}

/// A small pool of libpq connections for async code.
///
/// Each connection lives on its own serial dispatch queue, so blocking libpq
/// calls never occupy Swift's cooperative threads. Broken connections (server
/// restart, network) are dropped: the statement in flight fails with
/// ``PostgresError/Code/connectionLost`` and the next use reconnects.
public final class PostgresPool: @unchecked Sendable {
    private final class Slot: @unchecked Sendable {
        let queue: DispatchQueue
        var connection: PGConnection?
        init(index: Int) { queue = DispatchQueue(label: "rec.postgres.\(index)") }
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Slot, Error>
    }

    public let configuration: PostgresPoolConfiguration
    private let logger: Logger
    private let lock = NSLock()
    private var idle: [Slot]
    private var waiters: [Waiter] = []
    private var nextWaiterID: UInt64 = 0
    private var closed = false
    private var inUse = 0

    public init(configuration: PostgresPoolConfiguration, logger: Logger = Logger(label: "rec.postgres")) {
        self.configuration = configuration
        self.logger = logger
        self.idle = (0..<configuration.maxConnections).map { Slot(index: $0) }
    }

    /// Connections checked out right now, and the pool size (for metrics).
    public var usage: (inUse: Int, size: Int) {
        lock.lock(); defer { lock.unlock() }
        return (inUse, configuration.maxConnections)
    }

    /// Runs `body` with a connection on that connection's own thread.
    ///
    /// - Throws: whatever `body` throws; ``PostgresError`` `poolTimeout` when no
    ///   connection frees up in time, `connectionFailed` when none can be opened.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        let slot = try await acquire()
        defer { release(slot) }
        return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, Error>) in
            slot.queue.async {
                do {
                    let conn = try self.connection(for: slot)
                    do {
                        let value = try body(conn)
                        cont.resume(returning: value)
                    } catch {
                        if !conn.isHealthy {
                            slot.connection = nil
                            self.logger.warning("dropping a broken PostgreSQL connection", metadata: ["error": "\(error)"])
                        }
                        cont.resume(throwing: Self.mapLost(error, conn))
                    }
                } catch {
                    cont.resume(throwing: error)
                }
            }
        }
    }

    /// One statement on any connection (`prepared`: see ``PGConnection/query(_:_:resultFormat:prepared:)``;
    /// each pool connection keeps its own cache, and a reconnect starts an empty one).
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = [], resultFormat: PostgresData.Format = .text,
                      prepared: Bool = false) async throws -> PostgresRows {
        try await withConnection { try $0.query(sql, parameters, resultFormat: resultFormat, prepared: prepared) }
    }

    /// One ``PostgresQuery`` on any connection (see ``PGConnection/query(_:resultFormat:prepared:)``).
    @discardableResult
    public func query(_ query: PostgresQuery, resultFormat: PostgresData.Format = .text, prepared: Bool = false) async throws -> PostgresRows {
        try await withConnection { try $0.query(query, resultFormat: resultFormat, prepared: prepared) }
    }

    /// `body` inside one transaction on one connection.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        try await withConnection { try $0.transaction(body) }
    }

    /// Closes idle connections and refuses new work; waiting callers fail.
    public func close() {
        lock.lock()
        closed = true
        let pending = waiters
        waiters.removeAll()
        let slots = idle
        lock.unlock()
        for w in pending { w.continuation.resume(throwing: PostgresError(.poolClosed, "the connection pool is closed")) }
        for s in slots { s.queue.sync { s.connection = nil } }
    }

    // MARK: - internals

    private func connection(for slot: Slot) throws -> PGConnection {
        if let c = slot.connection, c.isHealthy { return c }
        slot.connection = nil
        let c = try PGConnection(url: configuration.url)
        slot.connection = c
        return c
    }

    /// An error thrown while the connection broke means the outcome is unknown; say so.
    private static func mapLost(_ error: Error, _ conn: PGConnection) -> Error {
        guard !conn.isHealthy, let pg = error as? PostgresError, pg.code != .connectionLost else { return error }
        return PostgresError(.connectionLost, pg.message, sqlState: pg.sqlState, query: pg.query)
    }

    private func acquire() async throws -> Slot {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Slot, Error>) in
            lock.lock()
            if closed {
                lock.unlock()
                cont.resume(throwing: PostgresError(.poolClosed, "the connection pool is closed"))
                return
            }
            if let slot = idle.popLast() {
                inUse += 1
                lock.unlock()
                cont.resume(returning: slot)
                return
            }
            nextWaiterID += 1
            let id = nextWaiterID
            waiters.append(Waiter(id: id, continuation: cont))
            lock.unlock()
            let timeout = configuration.acquireTimeout
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak self] in
                guard let self else { return }
                self.lock.lock()
                guard let i = self.waiters.firstIndex(where: { $0.id == id }) else { self.lock.unlock(); return }
                let w = self.waiters.remove(at: i)
                self.lock.unlock()
                w.continuation.resume(throwing: PostgresError(.poolTimeout, "no database connection free within \(timeout) s"))
            }
        }
    }

    private func release(_ slot: Slot) {
        lock.lock()
        if !waiters.isEmpty {
            let w = waiters.removeFirst()
            lock.unlock()
            w.continuation.resume(returning: slot)
            return
        }
        inUse -= 1
        idle.append(slot)
        lock.unlock()
    }
}
