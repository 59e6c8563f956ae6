import EmbeddingSpaces
import Foundation
import Logging
import Postgres
import RecCore

/// Records interactions: the coordinator of one transaction over the tables' owners, the interaction log
/// (``InteractionLog``), the profiles (``ProfileTable``), the popularity counters (`PopularityTable`) and
/// the transition edges (`TransitionTable`).
///
/// Exactly-once effects under at-least-once delivery: ``record(_:)`` appends a
/// batch to `interactions` with `ON CONFLICT (event_id) DO NOTHING` and folds
/// only the events actually inserted, in the same transaction that writes the
/// profiles and the popularity counters; the caller commits Kafka offsets after
/// it returns. A redelivered batch therefore changes nothing.
///
/// Which item vector feeds profiles: each embedding space keeps its own profiles, built from the item
/// vectors of that space (preferring kind `fused`, then `text`, then `image`). A batch is folded into every
/// space that is written (``EmbeddingSpaceSet/writeTargets``: the live one, and those being built or kept
/// for a switch back). An interaction whose item has no vector in the live space yet is logged with
/// `folded = false` and folded later, into every space, by ``foldPending(limit:)`` once the vector exists.
///
/// Every call is one transaction on one pooled connection: group by user → one
/// read (`FOR UPDATE`) and one multi-row write of all touched profiles; arrays
/// and vectors travel in PostgreSQL's binary format.
public final class ProfileStore: Sendable {
    public let pool: PostgresPool
    public let configuration: ProfileConfiguration
    let rule: ProfileUpdateRule
    let logger: Logger
    let log = InteractionLog()
    let profiles = ProfileTable()
    let popularity = PopularityTable()
    let transitions = TransitionTable()
    /// The embedding spaces profiles are kept in.
    public let spaces: EmbeddingSpaceRegistry
    private let itemCacheCapacity: Int
    private let itemCacheTTL: Duration
    /// One item reader (with its cache) per space.
    private let readers = Locked([PostgresIdentifierLiteral: ItemFeatureReader]())
    private let profileCache: ProfileCache

    /// - Parameters:
    ///   - itemCacheCapacity: item vectors kept in memory between batches (floats:
    ///     ≈ capacity × dimension × 4 bytes). 0 disables the cache. Default: 50,000.
    ///   - itemCacheTTL: how long a cached item vector is used before it is read again,
    ///     i.e. how long after a re-embedding folds may still use the old vector. Default: 60 s.
    ///   - profileCacheCapacity: profiles this process wrote, kept to skip reading them
    ///     back while their stored version is unchanged (≈ capacity × up to 3 × dimension × 4
    ///     bytes). 0 disables it. Default: 10,000.
    ///   - spaces: the embedding spaces (`rec consume`: read from the database); default: the one space
    ///     `default` of ``ProfileConfiguration/dimension``.
    public init(pool: PostgresPool, configuration: ProfileConfiguration = .default, spaces: EmbeddingSpaceRegistry? = nil,
                itemCacheCapacity: Int = 50_000, itemCacheTTL: Duration = .seconds(60),
                profileCacheCapacity: Int = 10_000,
                logger: Logger = Logger(label: "rec.profiles")) {
        self.pool = pool
        self.configuration = configuration
        self.rule = ProfileUpdateRule(configuration: configuration)
        self.logger = logger
        self.spaces = spaces ?? EmbeddingSpaceRegistry(fixed: .default(model: "unspecified", dims: configuration.dimension, mode: .fused))
        self.itemCacheCapacity = max(itemCacheCapacity, 0)
        self.itemCacheTTL = itemCacheTTL
        self.profileCache = ProfileCache(capacity: max(profileCacheCapacity, 0))
    }

    /// The item reader of `space` (its cache lives as long as the space keeps its dimension).
    func reader(_ space: EmbeddingSpace) -> ItemFeatureReader {
        readers.withLock { readers in
            if let r = readers[space.name], r.dimension == space.dims { return r }
            let r = ItemFeatureReader(space: space.name, dimension: space.dims,
                                      cache: ItemFeatureCache(capacity: itemCacheCapacity, timeToLive: itemCacheTTL))
            readers[space.name] = r
            return r
        }
    }

    /// What one ``record(_:)`` call did.
    public struct RecordResult: Sendable, Equatable {
        /// Events new to the log.
        public var inserted: Int
        /// Events already in the log (redeliveries), which changed nothing.
        public var duplicates: Int
        /// Inserted events folded into profiles now.
        public var folded: Int
        /// Inserted events kept for later: their item has no vector yet.
        public var pending: Int
        /// Profiles written.
        public var profilesWritten: Int

        public init(inserted: Int = 0, duplicates: Int = 0, folded: Int = 0, pending: Int = 0, profilesWritten: Int = 0) {
            self.inserted = inserted
            self.duplicates = duplicates
            self.folded = folded
            self.pending = pending
            self.profilesWritten = profilesWritten
        }
    }

    // MARK: - Public API

    /// Appends `interactions` to the log and folds the new ones into profiles
    /// and popularity, all in one transaction.
    ///
    /// - Throws: ``PostgresError`` (retriable ones: retry the whole batch; nothing was written).
    @discardableResult
    public func record(_ interactions: [Interaction]) async throws -> RecordResult {
        guard !interactions.isEmpty else { return RecordResult() }
        _ = try await spaces.ready()
        return try await pool.transaction { conn in try self.record(interactions, on: conn) }
    }

    /// Folds up to `limit` logged interactions whose item has gained a vector
    /// since they arrived. Safe to run from several consumers at once (rows are
    /// claimed with `FOR UPDATE SKIP LOCKED`).
    ///
    /// - Returns: how many interactions were folded.
    @discardableResult
    public func foldPending(limit: Int = 5000) async throws -> Int {
        _ = try await spaces.ready()
        return try await pool.transaction { conn in try self.foldPending(limit: limit, on: conn) }
    }

    /// The stored profile of `user` in `space` (default: the live space), or nil when the user has none there.
    public func profile(for user: UserID, space: PostgresIdentifierLiteral? = nil) async throws -> ProfileState? {
        let profiles = self.profiles
        let live = try await spaces.ready().live.name
        let name = (space ?? live).value
        return try await pool.withConnection { conn in try profiles.read(user.rawValue, space: name, parts: .state, on: conn)?.state }
    }

    /// Recomputes profiles of one embedding space from the `interactions` log with the current configuration
    /// (weights, half-lives) and that space's item vectors, replacing what is stored there.
    ///
    /// The live space replays every event and marks those it folded; another space replays the events the live
    /// profiles hold (`folded`), since the pending pass folds the others into every space later (so none is
    /// folded twice). Safe while consumers run (see ``ProfileTable/insertPlaceholders(_:space:dimension:on:)``).
    ///
    /// - Parameters:
    ///   - user: one user, or nil for every user in the log.
    ///   - space: the space (default: the live one).
    ///   - usersPerTransaction: how many users each transaction rebuilds. Default: 200.
    ///   - progress: called after each transaction with the profiles rebuilt so far.
    /// - Returns: the number of profiles rebuilt.
    /// - Throws: ``EmbeddingSpaceError`` for an unknown or retired space.
    @discardableResult
    public func rebuild(user: UserID? = nil, space name: PostgresIdentifierLiteral? = nil, usersPerTransaction: Int = 200,
                        progress: (@Sendable (Int) -> Void)? = nil) async throws -> Int {
        let set = try await spaces.ready()
        let name = name ?? set.live.name
        guard let space = set.named(name), space.isWritten else {
            throw EmbeddingSpaceError(.refused, "no embedding space \(name) to rebuild profiles in (see rec models status)")
        }
        let isLive = space.name == set.live.name
        let profiles = self.profiles
        func page(_ users: [String]) async throws -> Int {
            _ = try await pool.transaction { conn in try profiles.insertPlaceholders(users, space: space.name.value, dimension: space.dims, on: conn) }
            // The pending pass locks a user's log rows before the profile, this transaction the profile first: a
            // deadlock between them is possible (PostgreSQL aborts one); the page is simply done again.
            var attempt = 1
            while true {
                do {
                    return try await pool.transaction { conn in try self.rebuild(users: users, space: space, isLive: isLive, on: conn) }
                } catch let e as PostgresError where e.isRetriable && attempt < 5 {
                    logger.info("profile rebuild page failed, trying again", metadata: ["reason": "\(e)", "attempt": "\(attempt)"])
                    try await Task.sleep(for: .milliseconds(100 * attempt))
                    attempt += 1
                }
            }
        }
        if let user { return try await page([user.rawValue]) }
        var after = ""
        var total = 0
        let log = self.log
        while true {
            let start = after
            let users = try await pool.withConnection { conn in try log.users(after: start, limit: usersPerTransaction, on: conn) }
            guard let last = users.last else { return total }
            total += try await page(users)
            progress?(total)
            after = last
        }
    }

    /// What ``deleteUser(_:in:)`` removed.
    public struct DeletedUser: Sendable, Equatable {
        public var profiles: Int
        public var interactions: Int
    }

    /// Removes `user`'s profile and logged interactions in one transaction (popularity counters and
    /// transition edges are aggregates and keep their contribution). The one deletion of a user's data,
    /// for the admin API and `rec users delete`.
    public static func deleteUser(_ user: UserID, in pool: PostgresPool) async throws -> DeletedUser {
        try await pool.transaction { conn in
            let p = try ProfileTable().delete([user.rawValue], space: nil, on: conn)
            let i = try InteractionLog().delete(user.rawValue, on: conn)
            return DeletedUser(profiles: p, interactions: i)
        }
    }

    /// ``deleteUser(_:in:)`` on this store's pool.
    public func deleteUser(_ user: UserID) async throws -> DeletedUser {
        try await Self.deleteUser(user, in: pool)
    }

    /// Merges the appended rows of each transition edge into one, over every source item, `sourcesPerTransaction`
    /// source items per transaction (each transaction sees a snapshot: rows consumers append meanwhile stay
    /// as they are, so no weight is lost or counted twice).
    ///
    /// - Returns: rows read and edges written.
    @discardableResult
    public func compactTransitions(sourcesPerTransaction: Int = 500) async throws -> (read: Int, written: Int) {
        var after = ""
        var read = 0, written = 0
        let transitions = self.transitions
        let sources = max(sourcesPerTransaction, 1)
        while !Task.isCancelled {
            let from = after
            let r = try await pool.transaction { conn in try transitions.compact(after: from, sources: sources, on: conn) }
            read += r.read
            written += r.written
            guard let last = r.last else { break }
            after = last
        }
        return (read, written)
    }

    // MARK: - Synchronous building blocks (on a connection inside a transaction)

    /// ``record(_:)`` on `conn`, which must be inside a transaction.
    public func record(_ interactions: [Interaction], on conn: PGConnection) throws -> RecordResult {
        // Within one batch the same event id may appear twice (producer retry): keep the first.
        var seen = Set<UUID>()
        let batch = interactions.filter { seen.insert($0.eventID).inserted }
        // Phase timings at debug level: where a slow batch spends its time.
        var timings = Logger.Metadata()
        var clk = ContinuousClock.now
        func lap(_ name: String) {
            guard logger.logLevel <= .debug else { return }
            timings[name] = "\(ContinuousClock.now - clk)"
            clk = .now
        }
        // Every space written now (locked against retirement until the commit); the live one decides what is folded.
        let set = spaces.current
        let targets = try spaces.lockForWriting(set.writeTargets, on: conn)
        let itemIDs = Array(Set(batch.map(\.itemID.rawValue)))
        let items = try reader(set.live).readCached(itemIDs, on: conn)
        lap("items")
        let tails = try log.sequenceTails(Array(Set(batch.map(\.userID.rawValue))).sorted(), window: configuration.transitionWindow, on: conn)
        lap("tails")
        let inserted = try log.append(batch, folded: { items[$0.itemID.rawValue]?.vector != nil }, on: conn)
        lap("insert")
        let fresh = batch.filter { inserted.contains($0.eventID) }
        var result = RecordResult(inserted: fresh.count, duplicates: interactions.count - fresh.count)
        guard !fresh.isEmpty else { return result }

        let foldable = fresh.filter { items[$0.itemID.rawValue]?.vector != nil }
        result.folded = foldable.count
        result.pending = fresh.count - foldable.count
        for space in targets {
            if space.name == set.live.name {
                result.profilesWritten = try fold(foldable, items: items, space: space, on: conn)
            } else {
                // Only events the live profiles take now: the others are folded into every space by the pending pass.
                let own = try reader(space).readCached(itemIDs, on: conn)
                _ = try fold(foldable.filter { own[$0.itemID.rawValue]?.vector != nil }, items: own, space: space, on: conn)
            }
        }
        lap("fold")
        let edges = TransitionTable.transitions(new: fresh, tails: tails, configuration: configuration)
        lap("edges")
        try transitions.append(edges, on: conn)
        lap("transitions")
        // Last: popularity rows are the ones concurrent consumers share most (every hot item, every
        // category), so they are locked for the shortest time before the commit.
        let counters = PopularityTable.counters(for: fresh, categories: { items[$0]?.categories }, configuration: configuration)
        try popularity.merge(items: counters.items, categories: counters.categories, on: conn)
        lap("popularity")
        if logger.logLevel <= .debug {
            timings["events"] = "\(batch.count)"
            timings["profiles"] = "\(result.profilesWritten)"
            logger.debug("batch recorded", metadata: timings)
        }
        return result
    }

    /// ``foldPending(limit:)`` on `conn`, which must be inside a transaction.
    public func foldPending(limit: Int, on conn: PGConnection) throws -> Int {
        let set = spaces.current
        let targets = try spaces.lockForWriting(set.writeTargets, on: conn)
        let pending = try log.claimPending(space: set.live.name.value, dimension: set.live.dims, limit: limit, on: conn)
        guard !pending.isEmpty else { return 0 }
        let itemIDs = Array(Set(pending.map(\.itemID.rawValue)))
        let items = try reader(set.live).read(itemIDs, on: conn)
        let foldable = pending.filter { items[$0.itemID.rawValue]?.vector != nil }
        for space in targets {
            let own = space.name == set.live.name ? items : try reader(space).read(itemIDs, on: conn)
            _ = try fold(foldable.filter { own[$0.itemID.rawValue]?.vector != nil }, items: own, space: space, on: conn)
        }
        try log.markFolded(foldable.map(\.eventID), on: conn)
        return foldable.count
    }

    /// Rebuilds `users` in `space` from the log on `conn` (inside a transaction); `isLive`: replay every event
    /// and mark the folded ones, else replay the folded ones only.
    func rebuild(users: [String], space: EmbeddingSpace, isLive: Bool, on conn: PGConnection) throws -> Int {
        guard !users.isEmpty else { return 0 }
        guard try !spaces.lockForWriting([space], on: conn).isEmpty else {
            throw EmbeddingSpaceError(.refused, "embedding space \(space.name) was retired during the rebuild")
        }
        let name = space.name.value
        // Lock existing profiles first so a concurrent consumer waits for the rebuild.
        let existing = Set(try profiles.read(users, space: name, lock: true, on: conn).keys)
        let history = try log.history(users, onlyFolded: !isLive, on: conn)
        let items = try reader(space).read(Array(Set(history.map(\.itemID.rawValue))), on: conn)
        var states = [String: ProfileState]()
        for u in users { states[u] = ProfileState(userID: UserID(u), dimension: space.dims) }
        var folded = [UUID]()
        var foldedUser = [UUID: String]()
        for i in history {
            guard let item = items[i.itemID.rawValue], let vector = item.vector else { continue }
            rule.apply(i, item: ItemFeatures(vector: vector, categories: item.categories), to: &states[i.userID.rawValue]!)
            folded.append(i.eventID)
            foldedUser[i.eventID] = i.userID.rawValue
        }
        let withEvents = states.values.filter { $0.eventCount > 0 }
        let empty = states.values.filter { $0.eventCount == 0 }.map(\.userID.rawValue)
        // A user without a profile may get one from a consumer while this runs; then that
        // profile stays, and this user's unfolded events are left to the pending pass.
        let skipped = try profiles.write(withEvents.map { ($0, ProfileTable.ChangedParts.all) }, space: name, existing: existing, replace: true, on: conn).skipped
        if !skipped.isEmpty { folded = folded.filter { !skipped.contains(foldedUser[$0] ?? "") } }
        try profiles.delete(empty, space: name, on: conn)
        if isLive { try log.markFolded(folded, on: conn) }
        return withEvents.count
    }

    // MARK: - internals

    /// Folds `events` (all with vectors in `items`, the item vectors of `space`) into their users' profiles in
    /// `space`: one read, one write.
    func fold(_ events: [Interaction], items: [String: ItemFeatureReader.Row], space: EmbeddingSpace, on conn: PGConnection) throws -> Int {
        guard !events.isEmpty else { return 0 }
        let name = space.name.value
        let users = Array(Set(events.map(\.userID.rawValue))).sorted()
        // Lock the rows and learn their versions (no vectors), then read only what the cache lacks.
        let versions = try profiles.lockVersions(users, space: name, on: conn)
        var states = [String: ProfileState]()
        var misses = [String]()
        for (u, v) in versions {
            if let cached = profileCache.state(ProfileCache.key(space: name, user: u), version: v) { states[u] = cached } else { misses.append(u) }
        }
        for (u, state) in try profiles.read(misses, space: name, lock: false, on: conn) { states[u] = state }
        var existing = Set(states.keys)
        // Profiles stored in another dimension (the space was created again with another one): old vectors
        // cannot mix with new ones, so they start afresh (replaced whole, not merged column by column).
        let stale = states.values.filter { $0.dimension != space.dims }.map(\.userID.rawValue)
        if !stale.isEmpty {
            logger.warning("profile dimension changed; these profiles start afresh (run rec profiles rebuild)", metadata: ["users": "\(stale.count)", "space": "\(name)"])
            try profiles.delete(stale, space: name, on: conn)
            for u in stale { states[u] = nil; existing.remove(u) }
        }
        // One pass per user over that user's events (in batch order), with the state held locally:
        // no dictionary traffic per event.
        var eventsByUser = [String: [Int]](minimumCapacity: users.count)
        for (k, e) in events.enumerated() { eventsByUser[e.userID.rawValue, default: []].append(k) }
        var folded = [(ProfileState, ProfileTable.ChangedParts)]()
        folded.reserveCapacity(users.count)
        for u in users {
            // Take the state out of the dictionary so mutating it does not copy its vectors.
            var state = states.removeValue(forKey: u) ?? ProfileState(userID: UserID(u), dimension: space.dims)
            var parts: ProfileTable.ChangedParts = []
            for k in eventsByUser[u] ?? [] {
                let e = events[k]
                let item = items[e.itemID.rawValue]!
                let before = (state.session.referenceTime, state.sessionID)
                let w = configuration.weights.signedWeight(for: e.type, value: e.value)
                rule.apply(e, item: ItemFeatures(vector: item.vector!, categories: item.categories), to: &state)
                if w > 0 { parts.insert(.longTerm) }
                if w < 0 { parts.insert(.negative) }
                if e.sessionID != nil, before.0 != state.session.referenceTime || before.1 != state.sessionID || w > 0 { parts.insert(.session) }
            }
            folded.append((state, parts))
        }
        let written = try profiles.write(folded, space: name, existing: existing, replace: false, on: conn)
        // Safe even if the transaction later rolls back: that version never becomes visible.
        profileCache.store(folded.compactMap { state, _ in
            written.versions[state.userID.rawValue].map { (ProfileCache.key(space: name, user: state.userID.rawValue), state, $0) }
        })
        return users.count
    }
}
