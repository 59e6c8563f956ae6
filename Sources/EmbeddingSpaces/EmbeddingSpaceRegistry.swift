import Foundation
import Logging
import Metrics
import Postgres
import RecCore

/// The embedding spaces as this process knows them: a snapshot (``EmbeddingSpaceSet``) that requests and
/// batches read once each, re-read from `embedding_spaces` by ``EmbeddingSpaceMonitor`` every
/// ``refreshInterval`` (docs/models.md: why polling).
///
/// Two kinds: database-backed (`rec serve`, `rec consume`, `rec models`), and fixed (one space, never re-read:
/// library callers, tests and `rec eval`, which write and read the space `default` of their own settings).
///
/// A database-backed registry whose database does not answer at start (or lacks migration 0010) starts
/// *unconfirmed*: the process starts as before (its readiness probe says what is missing), and ``ready()``, which
/// every batch and request awaits before taking the spaces, reads them first; so nothing is ever written or
/// served in a space taken from the settings instead of the database.
public final class EmbeddingSpaceRegistry: Sendable {
    private let state: Locked<EmbeddingSpaceSet>
    /// Whether the spaces were read from the database (always true for a fixed registry).
    private let confirmed: Locked<Bool>
    private let seed: EmbeddingSpace?
    /// The database the spaces are read from; nil for a fixed registry.
    public let pool: PostgresPool?
    /// How often ``EmbeddingSpaceMonitor`` re-reads the spaces. Default: 2 s.
    public let refreshInterval: Duration
    private let logger: Logger
    private let coverageState = Locked([PostgresIdentifierLiteral: SpaceCoverage]())
    private let switches = Locked(0)

    /// A registry of one space that never changes (its state is taken as live).
    public init(fixed space: EmbeddingSpace) {
        state = Locked(EmbeddingSpaceSet(single: space))
        confirmed = Locked(true)
        seed = nil
        pool = nil
        refreshInterval = .seconds(3600)
        logger = Logger(label: "rec.spaces")
    }

    private init(seed: EmbeddingSpace, pool: PostgresPool, refreshInterval: Duration, logger: Logger) {
        state = Locked(EmbeddingSpaceSet(single: seed))
        confirmed = Locked(false)
        self.seed = seed
        self.pool = pool
        self.refreshInterval = refreshInterval
        self.logger = logger
    }

    /// A registry read from `pool`'s `embedding_spaces`; when no space is live yet (an empty database), `seed`
    /// (the process's settings, named `default`) is registered as the live one first. When the database does not
    /// answer or lacks migration 0010, the registry starts unconfirmed (see the type's notes) and reads the
    /// spaces on the first ``ready()`` or refresh that succeeds.
    ///
    /// - Throws: other database errors.
    public static func database(pool: PostgresPool, seed: EmbeddingSpace, refreshInterval: Duration = .seconds(2),
                                logger: Logger = Logger(label: "rec.spaces")) async throws -> EmbeddingSpaceRegistry {
        let registry = EmbeddingSpaceRegistry(seed: seed, pool: pool, refreshInterval: refreshInterval, logger: logger)
        do {
            try await registry.load()
        } catch let e as PostgresError where [.connectionFailed, .connectionLost, .poolTimeout].contains(e.code) {
            logger.warning("the database does not answer; the embedding spaces are read once it does", metadata: ["reason": "\(e)"])
        } catch let e as EmbeddingSpaceError where e.code == .schema {
            logger.warning("\(e.message); the embedding spaces are read once it is")
        }
        return registry
    }

    /// Reads the spaces (registering the seed as the live space when none is), and confirms them.
    private func load() async throws {
        guard let pool, let seed else { return }
        let table = EmbeddingSpaceTable()
        let spaces = try await pool.withConnection { conn -> [EmbeddingSpace] in
            var spaces = try table.all(on: conn)
            if !spaces.contains(where: { $0.state == .live }) {
                try table.bootstrap(seed, on: conn)
                spaces = try table.all(on: conn)
            }
            return spaces
        }
        guard let set = EmbeddingSpaceSet(spaces) else { throw EmbeddingSpaceError(.noLiveSpace, "no embedding space is live") }
        let live = set.live
        if live.model != seed.model || live.dims != seed.dims || live.mode != seed.mode {
            logger.notice("the live embedding space differs from this process's embedding settings; the registered spaces decide (docs/models.md)", metadata: [
                "space": "\(live.name)", "model": "\(live.model)", "dims": "\(live.dims)", "mode": "\(live.mode.rawValue)",
                "settings": "\(seed.model) \(seed.dims) \(seed.mode.rawValue)",
            ])
        }
        state.withLock { $0 = set }
        confirmed.withLock { $0 = true }
        recordGauges(set)
    }

    /// The spaces, read from the database first if they were not yet (an unconfirmed registry). Batches and
    /// requests await this once and use the value throughout.
    ///
    /// - Throws: while the database does not answer or lacks migration 0010.
    public func ready() async throws -> EmbeddingSpaceSet {
        if !confirmed.current { try await load() }
        return state.current
    }

    /// Whether the spaces were read from the database (a fixed registry: always).
    public var isConfirmed: Bool { confirmed.current }

    /// The spaces now (for an unconfirmed registry, the settings' space: await ``ready()`` instead wherever
    /// something is written or served).
    public var current: EmbeddingSpaceSet { state.current }

    /// The live space now (``current``'s).
    public var live: EmbeddingSpace { state.current.live }

    public var isDatabaseBacked: Bool { pool != nil }

    /// Live-space changes this process has seen.
    public var switchCount: Int { switches.current }

    /// Re-reads the spaces (a fixed registry keeps its own).
    ///
    /// - Returns: the set before and after.
    @discardableResult
    public func refresh() async throws -> (before: EmbeddingSpaceSet, after: EmbeddingSpaceSet) {
        guard let pool else { let s = current; return (s, s) }
        guard confirmed.current else {
            let before = current
            try await load()
            return (before, current)
        }
        let table = EmbeddingSpaceTable()
        let spaces = try await pool.withConnection { conn in try table.all(on: conn) }
        guard let set = EmbeddingSpaceSet(spaces) else {
            // Between two statements of a concurrent activation nothing is live to a reader outside it: keep the last set.
            throw EmbeddingSpaceError(.noLiveSpace, "no embedding space is live")
        }
        let before = state.withLock { s -> EmbeddingSpaceSet in let b = s; s = set; return b }
        if before != set {
            if before.live.name != set.live.name {
                switches.withLock { $0 += 1 }
                Counter(label: "rec_embedding_space_switches_total").increment()
                logger.notice("live embedding space changed", metadata: [
                    "from": "\(before.live.name)", "to": "\(set.live.name)", "model": "\(set.live.model)", "dims": "\(set.live.dims)",
                ])
            } else {
                logger.info("embedding spaces changed", metadata: ["spaces": "\(set.all.map { "\($0.name):\($0.state.rawValue)" }.joined(separator: ","))"])
            }
            recordGauges(set)
        }
        return (before, set)
    }

    /// The spaces of `targets` a write transaction on `conn` may write: for a database-backed registry, those
    /// not retired, locked until the transaction ends (``EmbeddingSpaceTable/lockForWriting(_:on:)``), so a
    /// retirement cannot delete rows this transaction then adds; for a fixed registry, all of them.
    public func lockForWriting(_ targets: [EmbeddingSpace], on conn: PGConnection) throws -> [EmbeddingSpace] {
        guard pool != nil else { return targets }
        let writable = try EmbeddingSpaceTable().lockForWriting(targets.map(\.name), on: conn)
        return targets.filter { writable.contains($0.name) }
    }

    /// Measures every non-retired space's coverage and records the `rec_embedding_space_*` gauges.
    ///
    /// - Returns: the coverage by space.
    @discardableResult
    public func refreshCoverage() async throws -> [PostgresIdentifierLiteral: SpaceCoverage] {
        guard let pool, isConfirmed else { return [:] }
        let set = current
        let table = EmbeddingSpaceTable()
        let coverage = try await pool.withConnection { conn in try table.coverage(of: set.all.filter(\.isWritten), live: set.live, on: conn) }
        coverageState.withLock { $0 = coverage }
        for (name, c) in coverage {
            let d = [("space", name.value)]
            Gauge(label: "rec_embedding_space_items", dimensions: d).record(c.itemsEmbedded)
            Gauge(label: "rec_embedding_space_profiles", dimensions: d).record(c.profiles)
            Gauge(label: "rec_embedding_space_item_coverage", dimensions: d).record(c.itemFraction)
            Gauge(label: "rec_embedding_space_profile_coverage", dimensions: d).record(c.profileFraction)
        }
        return coverage
    }

    /// The coverage last measured by ``refreshCoverage()``.
    public var lastCoverage: [PostgresIdentifierLiteral: SpaceCoverage] { coverageState.current }

    private func recordGauges(_ set: EmbeddingSpaceSet) {
        for s in set.all {
            Gauge(label: "rec_embedding_space_live", dimensions: [("space", s.name.value)]).record(s.state == .live ? 1 : 0)
            if s.state == .retired {
                for label in ["rec_embedding_space_items", "rec_embedding_space_profiles"] {
                    Gauge(label: label, dimensions: [("space", s.name.value)]).record(0)
                }
            }
        }
    }
}
