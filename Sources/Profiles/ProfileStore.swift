import Foundation
import Logging
import Postgres
import RecCore

/// Profiles, the interaction log and popularity counters in PostgreSQL.
///
/// Exactly-once effects under at-least-once delivery: ``record(_:)`` appends a
/// batch to `interactions` with `ON CONFLICT (event_id) DO NOTHING` and folds
/// only the events actually inserted, in the same transaction that writes the
/// profiles and the popularity counters; the caller commits Kafka offsets after
/// it returns. A redelivered batch therefore changes nothing.
///
/// Which item vector feeds profiles: the one of the configured dimension,
/// preferring kind `fused`, then `text`, then `image`. An interaction whose item
/// has no such vector yet is logged with `folded = false` and folded later by
/// ``foldPending(limit:)`` once the vector exists.
///
/// Every call is one transaction on one pooled connection: group by user → one
/// read (`FOR UPDATE`) and one multi-row write of all touched profiles; arrays
/// and vectors travel in PostgreSQL's binary format.
public final class ProfileStore: Sendable {
    public let pool: PostgresPool
    public let configuration: ProfileConfiguration
    let rule: ProfileUpdateRule
    let logger: Logger
    private let vectorOIDCache = OIDCache()
    private let itemCache: ItemFeatureCache
    private let profileCache: ProfileCache

    /// - Parameters:
    ///   - itemCacheCapacity: item vectors kept in memory between batches (floats:
    ///     ≈ capacity × dimension × 4 bytes). 0 disables the cache. Default: 50,000.
    ///   - itemCacheTTL: how long a cached item vector is used before it is read again,
    ///     i.e. how long after a re-embedding folds may still use the old vector. Default: 60 s.
    ///   - profileCacheCapacity: profiles this process wrote, kept to skip reading them
    ///     back while their stored version is unchanged (≈ capacity × up to 3 × dimension × 4
    ///     bytes). 0 disables it. Default: 10,000.
    public init(pool: PostgresPool, configuration: ProfileConfiguration = .default,
                itemCacheCapacity: Int = 50_000, itemCacheTTL: Duration = .seconds(60),
                profileCacheCapacity: Int = 10_000,
                logger: Logger = Logger(label: "rec.profiles")) {
        self.pool = pool
        self.configuration = configuration
        self.rule = ProfileUpdateRule(configuration: configuration)
        self.logger = logger
        self.itemCache = ItemFeatureCache(capacity: max(itemCacheCapacity, 0), timeToLive: itemCacheTTL)
        self.profileCache = ProfileCache(capacity: max(profileCacheCapacity, 0))
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
        return try await pool.transaction { conn in try self.record(interactions, on: conn) }
    }

    /// Folds up to `limit` logged interactions whose item has gained a vector
    /// since they arrived. Safe to run from several consumers at once (rows are
    /// claimed with `FOR UPDATE SKIP LOCKED`).
    ///
    /// - Returns: how many interactions were folded.
    @discardableResult
    public func foldPending(limit: Int = 5000) async throws -> Int {
        try await pool.transaction { conn in try self.foldPending(limit: limit, on: conn) }
    }

    /// The stored profile of `user`, or nil when the user has none.
    public func profile(for user: UserID) async throws -> ProfileState? {
        try await pool.withConnection { conn in try self.readProfiles([user.rawValue], lock: false, on: conn)[user.rawValue] }
    }

    /// Recomputes profiles from the `interactions` log with the current
    /// configuration (weights, half-lives, item vectors), replacing what is stored.
    ///
    /// - Parameters:
    ///   - user: one user, or nil for every user in the log.
    ///   - usersPerTransaction: how many users each transaction rebuilds. Default: 200.
    /// - Returns: the number of profiles rebuilt.
    @discardableResult
    public func rebuild(user: UserID? = nil, usersPerTransaction: Int = 200) async throws -> Int {
        if let user {
            return try await pool.transaction { conn in try self.rebuild(users: [user.rawValue], on: conn) }
        }
        var after = ""
        var total = 0
        while true {
            let start = after
            let users = try await pool.withConnection { conn in
                try conn.query("SELECT DISTINCT user_id FROM interactions WHERE user_id > $1 ORDER BY user_id LIMIT $2", [start, usersPerTransaction])
                    .map { try $0.string(0) }
            }
            guard let last = users.last else { return total }
            total += try await pool.transaction { conn in try self.rebuild(users: users, on: conn) }
            after = last
        }
    }

    /// What ``deleteUser(_:)`` removed.
    public struct DeletedUser: Sendable, Equatable {
        public var profiles: Int
        public var interactions: Int
    }

    /// Removes `user`'s profile and logged interactions (popularity counters
    /// are aggregates and keep their contribution).
    public func deleteUser(_ user: UserID) async throws -> DeletedUser {
        try await pool.transaction { conn in
            let p = try conn.query("DELETE FROM user_profiles WHERE user_id = $1", [user.rawValue]).affectedRows
            let i = try conn.query("DELETE FROM interactions WHERE user_id = $1", [user.rawValue]).affectedRows
            return DeletedUser(profiles: p, interactions: i)
        }
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
        let items = try readItemsCached(Array(Set(batch.map(\.itemID.rawValue))), on: conn)
        lap("items")
        let tails = try loggedSequenceTails(Array(Set(batch.map(\.userID.rawValue))).sorted(), on: conn)
        lap("tails")
        let inserted = try insertLog(batch, items: items, on: conn)
        lap("insert")
        let fresh = batch.filter { inserted.contains($0.eventID) }
        var result = RecordResult(inserted: fresh.count, duplicates: interactions.count - fresh.count)
        guard !fresh.isEmpty else { return result }

        let foldable = fresh.filter { items[$0.itemID.rawValue]?.vector != nil }
        result.folded = foldable.count
        result.pending = fresh.count - foldable.count
        result.profilesWritten = try fold(foldable, items: items, on: conn)
        lap("fold")
        let edges = Self.transitions(new: fresh, tails: tails, configuration: configuration)
        lap("edges")
        try updateTransitions(edges, on: conn)
        lap("transitions")
        // Last: popularity rows are the ones concurrent consumers share most (every hot item, every
        // category), so they are locked for the shortest time before the commit.
        try updatePopularity(fresh, items: items, on: conn)
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
        let rows = try conn.query("""
            SELECT i.event_id, i.user_id, i.item_id, i.type, i.value, i.session_id, i.occurred_at
            FROM interactions i
            WHERE NOT i.folded
              AND EXISTS (SELECT 1 FROM item_embeddings e WHERE e.item_id = i.item_id AND e.dims = $1)
            ORDER BY i.user_id
            LIMIT $2
            FOR UPDATE OF i SKIP LOCKED
            """, [configuration.dimension, limit], resultFormat: .binary)
        let pending = try rows.map(Self.decodeInteraction)
        guard !pending.isEmpty else { return 0 }
        let items = try readItems(Array(Set(pending.map(\.itemID.rawValue))), on: conn)
        let foldable = pending.filter { items[$0.itemID.rawValue]?.vector != nil }
        _ = try fold(foldable, items: items, on: conn)
        try conn.query("UPDATE interactions SET folded = true WHERE event_id = ANY($1::uuid[])", [BinaryArray.uuids(foldable.map(\.eventID))])
        return foldable.count
    }

    /// Rebuilds `users` from the log on `conn` (inside a transaction).
    func rebuild(users: [String], on conn: PGConnection) throws -> Int {
        guard !users.isEmpty else { return 0 }
        // Lock existing profiles first so a concurrent consumer waits for the rebuild.
        let existing = Set(try readProfiles(users, lock: true, on: conn).keys)
        let rows = try conn.query("""
            SELECT event_id, user_id, item_id, type, value, session_id, occurred_at
            FROM interactions WHERE user_id = ANY($1::text[])
            ORDER BY user_id, occurred_at, event_id
            FOR UPDATE
            """, [BinaryArray.texts(users)], resultFormat: .binary)
        let log = try rows.map(Self.decodeInteraction)
        let items = try readItems(Array(Set(log.map(\.itemID.rawValue))), on: conn)
        var states = [String: ProfileState]()
        for u in users { states[u] = ProfileState(userID: UserID(u), dimension: configuration.dimension) }
        var folded = [UUID]()
        var foldedUser = [UUID: String]()
        for i in log {
            guard let item = items[i.itemID.rawValue], let vector = item.vector else { continue }
            rule.apply(i, item: ItemFeatures(vector: vector, categories: item.categories), to: &states[i.userID.rawValue]!)
            folded.append(i.eventID)
            foldedUser[i.eventID] = i.userID.rawValue
        }
        let withEvents = states.values.filter { $0.eventCount > 0 }
        let empty = states.values.filter { $0.eventCount == 0 }.map(\.userID.rawValue)
        // A user without a profile may get one from a consumer while this runs; then that
        // profile stays, and this user's unfolded events are left to the pending pass.
        let skipped = try writeProfiles(withEvents.map { ($0, ChangedParts.all) }, existing: existing, replace: true, on: conn).skipped
        if !skipped.isEmpty { folded = folded.filter { !skipped.contains(foldedUser[$0] ?? "") } }
        if !empty.isEmpty {
            try conn.query("DELETE FROM user_profiles WHERE user_id = ANY($1::text[])", [BinaryArray.texts(empty)])
        }
        try conn.query("UPDATE interactions SET folded = true WHERE event_id = ANY($1::uuid[]) AND NOT folded", [BinaryArray.uuids(folded)])
        return withEvents.count
    }

    // MARK: - internals

    struct ItemRow {
        var vector: [Float]?
        var categories: [String]
    }

    /// Which vectors of a profile a fold changed; the others are not rewritten
    /// (their TOASTed values stay in place).
    struct ChangedParts: OptionSet {
        let rawValue: UInt8
        static let longTerm = ChangedParts(rawValue: 1)
        static let session = ChangedParts(rawValue: 2)
        static let negative = ChangedParts(rawValue: 4)
        static let all: ChangedParts = [.longTerm, .session, .negative]
    }

    /// ``readItems(_:on:)`` through the item cache (the streaming path; rebuilds
    /// and pending folds read fresh rows).
    func readItemsCached(_ ids: [String], on conn: PGConnection) throws -> [String: ItemRow] {
        var (rows, misses) = itemCache.lookup(ids)
        guard !misses.isEmpty else { return rows }
        let fetched = try readItems(misses, on: conn)
        itemCache.store(fetched)
        rows.merge(fetched) { a, _ in a }
        return rows
    }

    /// Item vectors (configured dimension, fused > text > image) and categories.
    func readItems(_ ids: [String], on conn: PGConnection) throws -> [String: ItemRow] {
        guard !ids.isEmpty else { return [:] }
        let rows = try conn.query("""
            SELECT q.id, it.categories,
                   (SELECT e.embedding FROM item_embeddings e
                     WHERE e.item_id = q.id AND e.dims = $2
                     ORDER BY CASE e.kind WHEN 'fused' THEN 0 WHEN 'text' THEN 1 ELSE 2 END
                     LIMIT 1)
            FROM unnest($1::text[]) AS q(id)
            LEFT JOIN items it ON it.id = q.id
            """, [BinaryArray.texts(ids), configuration.dimension], resultFormat: .binary)
        var out = [String: ItemRow]()
        out.reserveCapacity(rows.count)
        for row in rows {
            let id = try row.string(0)
            let categories = try row.bytes(1).map(BinaryArray.decodeTexts) ?? []
            let vector = try row.bytes(2).map { try PGVector.decodeHalfvec($0) }
            out[id] = ItemRow(vector: vector, categories: categories)
        }
        return out
    }

    /// Appends to the log; returns the ids actually inserted (not already there).
    func insertLog(_ batch: [Interaction], items: [String: ItemRow], on conn: PGConnection) throws -> Set<UUID> {
        // In (user, time) order: consecutive rows land on the same leaf of the user/time index and
        // the same heap pages, and a user's rows end up together for the readers of their history.
        let batch = batch.sorted { $0.userID.rawValue != $1.userID.rawValue ? $0.userID.rawValue < $1.userID.rawValue : $0.occurredAt < $1.occurredAt }
        let rows = try conn.query("""
            INSERT INTO interactions (event_id, user_id, item_id, type, value, session_id, occurred_at, folded)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::timestamptz[], $8::bool[])
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
            """, [
                BinaryArray.uuids(batch.map(\.eventID)),
                BinaryArray.texts(batch.map(\.userID.rawValue)),
                BinaryArray.texts(batch.map(\.itemID.rawValue)),
                BinaryArray.texts(batch.map(\.type.rawValue)),
                BinaryArray.doubles(batch.map(\.value)),
                BinaryArray.texts(batch.map(\.sessionID)),
                BinaryArray.dates(batch.map(\.occurredAt)),
                BinaryArray.bools(batch.map { items[$0.itemID.rawValue]?.vector != nil }),
            ], resultFormat: .binary)
        var ids = Set<UUID>()
        ids.reserveCapacity(rows.count)
        for row in rows { ids.insert(try row.uuid(0)) }
        return ids
    }

    /// Folds `events` (all with vectors in `items`) into their users' profiles: one read, one write.
    func fold(_ events: [Interaction], items: [String: ItemRow], on conn: PGConnection) throws -> Int {
        guard !events.isEmpty else { return 0 }
        let users = Array(Set(events.map(\.userID.rawValue))).sorted()
        // Lock the rows and learn their versions (no vectors), then read only what the cache lacks.
        var versions = [String: Int]()
        for row in try conn.query("SELECT user_id, version FROM user_profiles WHERE user_id = ANY($1::text[]) ORDER BY user_id FOR UPDATE",
                                  [BinaryArray.texts(users)], resultFormat: .binary) {
            versions[try row.string(0)] = try row.int(1)
        }
        var states = [String: ProfileState]()
        var misses = [String]()
        for (u, v) in versions {
            if let cached = profileCache.state(u, version: v) { states[u] = cached } else { misses.append(u) }
        }
        for (u, state) in try readProfiles(misses, lock: false, on: conn) { states[u] = state }
        var existing = Set(states.keys)
        // Profiles stored in another dimension: old vectors cannot mix with new ones,
        // so they start afresh (replaced whole, not merged column by column).
        let stale = states.values.filter { $0.dimension != configuration.dimension }.map(\.userID.rawValue)
        if !stale.isEmpty {
            logger.warning("profile dimension changed; these profiles start afresh (run rec profiles rebuild)", metadata: ["users": "\(stale.count)"])
            try conn.query("DELETE FROM user_profiles WHERE user_id = ANY($1::text[])", [BinaryArray.texts(stale)])
            for u in stale { states[u] = nil; existing.remove(u) }
        }
        // One pass per user over that user's events (in batch order), with the state held locally:
        // no dictionary traffic per event.
        var eventsByUser = [String: [Int]](minimumCapacity: users.count)
        for (k, e) in events.enumerated() { eventsByUser[e.userID.rawValue, default: []].append(k) }
        var folded = [(ProfileState, ChangedParts)]()
        folded.reserveCapacity(users.count)
        for u in users {
            // Take the state out of the dictionary so mutating it does not copy its vectors.
            var state = states.removeValue(forKey: u) ?? ProfileState(userID: UserID(u), dimension: configuration.dimension)
            var parts: ChangedParts = []
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
        let written = try writeProfiles(folded, existing: existing, replace: false, on: conn)
        // Safe even if the transaction later rolls back: that version never becomes visible.
        profileCache.store(folded.compactMap { state, _ in written.versions[state.userID.rawValue].map { (state, $0) } })
        return users.count
    }

    /// Reads profiles (binary); `lock` takes row locks until the transaction ends.
    func readProfiles(_ users: [String], lock: Bool, on conn: PGConnection) throws -> [String: ProfileState] {
        guard !users.isEmpty else { return [:] }
        let rows = try conn.query("""
            SELECT user_id, dims, long_term, long_term_ref_at, session, session_id, session_ref_at, negative, negative_ref_at,
                   event_count, counts_by_type::text, category_affinity::text, last_event_at
            FROM user_profiles WHERE user_id = ANY($1::text[])
            ORDER BY user_id
            \(lock ? "FOR UPDATE" : "")
            """, [BinaryArray.texts(users)], resultFormat: .binary)
        var out = [String: ProfileState]()
        out.reserveCapacity(rows.count)
        for row in rows {
            let user = try row.string(0)
            func decayed(_ v: Int, _ t: Int) throws -> DecayedVector {
                row.isNull(v) || row.isNull(t) ? .empty : DecayedVector(sum: try PGVector.decodeVector(row.bytes(v)!), referenceTime: try row.date(t))
            }
            var counts = [EventType: Int]()
            for (k, v) in try Self.decodeJSON([String: Int].self, try row.string(10)) {
                if let t = EventType(rawValue: k) { counts[t] = v }
            }
            out[user] = ProfileState(
                userID: UserID(user), dimension: try row.int(1),
                longTerm: try decayed(2, 3), session: try decayed(4, 6), sessionID: try row.optionalString(5), negative: try decayed(7, 8),
                eventCount: try row.int(9), countsByType: counts,
                categoryAffinity: try Self.decodeJSON([String: Double].self, try row.string(11)),
                lastEventAt: row.isNull(12) ? nil : try row.date(12))
        }
        return out
    }

    /// Writes profiles in at most two statements: one `UPDATE … FROM unnest(…)`
    /// for the rows `existing` says are there (locked by the caller's read; about
    /// twice as fast as an upsert on TOASTed rows), one upsert for the others.
    /// Without `replace`, vectors not in `changed` are sent as NULL and keep
    /// their stored value, so their TOAST chunks are not rewritten.
    ///
    /// - Returns: the version each written profile got, and, with `replace`, the
    ///   users whose profile appeared meanwhile and was left alone (a rebuild must
    ///   not overwrite a consumer's fresh profile).
    @discardableResult
    func writeProfiles(_ profiles: [(ProfileState, ChangedParts)], existing: Set<String>, replace: Bool, on conn: PGConnection) throws
        -> (versions: [String: Int], skipped: Set<String>) {
        guard !profiles.isEmpty else { return ([:], []) }
        var versions = [String: Int]()
        func collect(_ rows: PostgresRows) throws {
            for row in rows { versions[try row.string(0)] = try row.int(1) }
        }
        let oid = try vectorOID(conn)
        func vec(_ d: DecayedVector, _ part: ChangedParts, _ c: ChangedParts) -> [Float]? {
            (replace || c.contains(part)) && !d.isEmpty ? d.sum : nil
        }
        func ref(_ d: DecayedVector, _ part: ChangedParts, _ c: ChangedParts) -> Date? {
            (replace || c.contains(part)) ? d.referenceTime : nil
        }
        func parameters(_ ps: ArraySlice<(ProfileState, ChangedParts)>) -> [any PostgresEncodable] {
            [
                BinaryArray.texts(ps.map { $0.0.userID.rawValue }),
                BinaryArray.int64s(ps.map { $0.0.dimension }),
                BinaryArray.vectors(ps.map { vec($0.0.longTerm, .longTerm, $0.1) }, oid: oid),
                BinaryArray.dates(ps.map { ref($0.0.longTerm, .longTerm, $0.1) }),
                BinaryArray.vectors(ps.map { vec($0.0.session, .session, $0.1) }, oid: oid),
                BinaryArray.texts(ps.map { $0.0.sessionID }),
                BinaryArray.dates(ps.map { ref($0.0.session, .session, $0.1) }),
                BinaryArray.vectors(ps.map { vec($0.0.negative, .negative, $0.1) }, oid: oid),
                BinaryArray.dates(ps.map { ref($0.0.negative, .negative, $0.1) }),
                BinaryArray.int64s(ps.map { $0.0.eventCount }),
                BinaryArray.texts(ps.map { Self.encodeCounts($0.0.countsByType) }),
                BinaryArray.texts(ps.map { Self.encodeAffinity($0.0.categoryAffinity) }),
                BinaryArray.dates(ps.map { $0.0.lastEventAt }),
            ]
        }
        let source = """
            unnest($1::text[], $2::int8[], $3::vector[], $4::timestamptz[], $5::vector[], $6::text[], $7::timestamptz[],
                   $8::vector[], $9::timestamptz[], $10::int8[], $11::text[], $12::text[], $13::timestamptz[])
                AS x(u, d, lt, ltr, s, sid, sr, n, nr, c, cbt, ca, le)
            """
        // `x` is the new row (unnest alias in UPDATE, EXCLUDED in the upsert); `t` the stored one.
        func assignments(_ x: String, _ t: String) -> String {
            func keep(_ new: String, _ col: String) -> String { replace ? "\(x).\(new)" : "COALESCE(\(x).\(new), \(t).\(col))" }
            return """
                dims = \(x).d, long_term = \(keep("lt", "long_term")), long_term_ref_at = \(keep("ltr", "long_term_ref_at")),
                session = \(keep("s", "session")), session_id = \(keep("sid", "session_id")), session_ref_at = \(keep("sr", "session_ref_at")),
                negative = \(keep("n", "negative")), negative_ref_at = \(keep("nr", "negative_ref_at")),
                event_count = \(x).c, counts_by_type = \(x).cbt::jsonb, category_affinity = \(x).ca::jsonb,
                last_event_at = \(x).le, updated_at = now(), version = nextval('user_profile_version_seq')
                """
        }
        let sorted = profiles.sorted { $0.0.userID.rawValue < $1.0.userID.rawValue }
        let updates = sorted.filter { existing.contains($0.0.userID.rawValue) }
        let inserts = sorted.filter { !existing.contains($0.0.userID.rawValue) }
        for chunk in Self.chunks(updates) {
            try collect(try conn.query("UPDATE user_profiles AS t SET \(assignments("x", "t")) FROM \(source) WHERE t.user_id = x.u RETURNING t.user_id, t.version",
                                       parameters(chunk), resultFormat: .binary))
        }
        if !inserts.isEmpty, replace {
            for chunk in Self.chunks(inserts) {
                let written = try conn.query("""
                    INSERT INTO user_profiles (user_id, dims, long_term, long_term_ref_at, session, session_id, session_ref_at,
                                               negative, negative_ref_at, event_count, counts_by_type, category_affinity, last_event_at, updated_at)
                    SELECT u, d, lt, ltr, s, sid, sr, n, nr, c, cbt::jsonb, ca::jsonb, le, now() FROM \(source)
                    ON CONFLICT (user_id) DO NOTHING
                    RETURNING user_id, version
                    """, parameters(chunk), resultFormat: .binary)
                try collect(written)
            }
            return (versions, Set(inserts.map(\.0.userID.rawValue)).subtracting(versions.keys))
        }
        for chunk in Self.chunks(inserts) {
            let written = try conn.query("""
                INSERT INTO user_profiles AS t (user_id, dims, long_term, long_term_ref_at, session, session_id, session_ref_at,
                                                negative, negative_ref_at, event_count, counts_by_type, category_affinity, last_event_at, updated_at)
                SELECT u, d, lt, ltr, s, sid, sr, n, nr, c, cbt::jsonb, ca::jsonb, le, now() FROM \(source)
                ON CONFLICT (user_id) DO UPDATE SET
                    dims = EXCLUDED.dims,
                    long_term = COALESCE(EXCLUDED.long_term, t.long_term), long_term_ref_at = COALESCE(EXCLUDED.long_term_ref_at, t.long_term_ref_at),
                    session = COALESCE(EXCLUDED.session, t.session), session_id = COALESCE(EXCLUDED.session_id, t.session_id),
                    session_ref_at = COALESCE(EXCLUDED.session_ref_at, t.session_ref_at),
                    negative = COALESCE(EXCLUDED.negative, t.negative), negative_ref_at = COALESCE(EXCLUDED.negative_ref_at, t.negative_ref_at),
                    event_count = EXCLUDED.event_count, counts_by_type = EXCLUDED.counts_by_type,
                    category_affinity = EXCLUDED.category_affinity, last_event_at = EXCLUDED.last_event_at, updated_at = now(),
                    version = nextval('user_profile_version_seq')
                RETURNING user_id, version
                """, parameters(chunk), resultFormat: .binary)
            try collect(written)
        }
        return (versions, [])
    }

    /// Most profiles per write statement. A whole batch in one statement meant a Bind
    /// message of tens of MB (three 4 KB vectors per profile) that the server buffers,
    /// parses and materializes (past `work_mem`, to a temporary file) before writing;
    /// slices of this size stay in memory at a few round trips' cost.
    static let profilesPerStatement = 500

    static func chunks<T>(_ rows: [T]) -> [ArraySlice<T>] {
        stride(from: 0, to: rows.count, by: profilesPerStatement).map { rows[$0..<min($0 + profilesPerStatement, rows.count)] }
    }

    /// Decayed popularity per item and per category for newly logged events (engagement weights, see
    /// ``EventWeights/engagementWeight(for:value:)``), merged in SQL by a log-add (order-independent; any
    /// event time, however old, merges without underflow).
    func updatePopularity(_ events: [Interaction], items: [String: ItemRow], on conn: PGConnection) throws {
        let h = configuration.popularityHalfLife
        var byItem = [String: PopularityCounter]()
        var byCategory = [String: PopularityCounter]()
        for e in events {
            let w = Double(configuration.weights.engagementWeight(for: e.type, value: e.value))
            byItem[e.itemID.rawValue, default: PopularityCounter()].add(weight: w, at: e.occurredAt, halfLife: h)
        }
        // A category's counter is the merge of its items' counters (merging is order-independent).
        for (item, counter) in byItem {
            guard let categories = items[item]?.categories, !categories.isEmpty else { continue }
            for c in ItemFeatures.distinct(categories) { byCategory[c, default: PopularityCounter()].merge(counter) }
        }
        for (table, key, counters) in [("item_popularity", "item_id", byItem), ("category_popularity", "category", byCategory)] where !counters.isEmpty {
            // Sorted keys: concurrent consumers lock rows in the same order (no deadlocks).
            let keys = counters.keys.sorted()
            try conn.query("""
                INSERT INTO \(table) AS p (\(key), score_log2, events, last_event_at)
                SELECT * FROM unnest($1::text[], $2::float8[], $3::int8[], $4::timestamptz[])
                ON CONFLICT (\(key)) DO UPDATE SET
                    score_log2 = log2_add(p.score_log2, EXCLUDED.score_log2),
                    events = p.events + EXCLUDED.events,
                    last_event_at = greatest(p.last_event_at, EXCLUDED.last_event_at)
                """, [
                    BinaryArray.texts(keys),
                    BinaryArray.doubles(keys.map { counters[$0]!.score.log2 }),
                    BinaryArray.int64s(keys.map { counters[$0]!.events }),
                    BinaryArray.dates(keys.map { counters[$0]!.lastEventAt }),
                ])
        }
    }

    /// One event of a user's sequence, as transitions see it.
    struct SequenceEvent {
        var item: String
        var time: Date
        /// False for events already in the log before this batch.
        var isNew: Bool
    }

    /// The newest ``ProfileConfiguration/transitionWindow`` engaged events (not dismissals) of each user
    /// already in the log, oldest first: what this batch's events follow. Read before the batch is logged.
    func loggedSequenceTails(_ users: [String], on conn: PGConnection) throws -> [String: [SequenceEvent]] {
        let window = configuration.transitionWindow
        guard window > 0, !users.isEmpty else { return [:] }
        let rows = try conn.query("""
            SELECT u.id, x.item_id, x.occurred_at FROM unnest($1::text[]) AS u(id)
            CROSS JOIN LATERAL (SELECT item_id, occurred_at FROM interactions
                                WHERE user_id = u.id AND type <> 'dismiss' ORDER BY occurred_at DESC LIMIT $2) x
            """, [BinaryArray.texts(users), window], resultFormat: .binary)
        var out = [String: [SequenceEvent]]()
        for row in rows {
            out[try row.string(0), default: []].append(SequenceEvent(item: try row.string(1), time: try row.date(2), isNew: false))
        }
        for k in out.keys { out[k]!.reverse() }
        return out
    }

    /// A directed edge between two items.
    struct TransitionKey: Hashable, Comparable {
        var src: String
        var dst: String
        static func < (a: TransitionKey, b: TransitionKey) -> Bool { a.src != b.src ? a.src < b.src : a.dst < b.dst }
    }

    /// The edges this batch adds (pure): per user, the logged tail and the new events in time order (the
    /// batch's order among equal times); every pair `a → b` at most `window` positions apart of which at
    /// least one event is new adds `decay^(distance−1)` at `b`'s time (and `b → a` that times the reverse
    /// weight). Pairs of two logged events were counted when the later one arrived. A late event older than
    /// the whole logged tail links only to the tail (what is known without reading the user's whole history).
    static func transitions(new events: [Interaction], tails: [String: [SequenceEvent]], configuration c: ProfileConfiguration)
        -> [TransitionKey: PopularityCounter] {
        guard c.transitionWindow > 0 else { return [:] }
        var byUser = [String: [SequenceEvent]]()
        for e in events where c.weights.engagementWeight(for: e.type, value: e.value) > 0 {
            byUser[e.userID.rawValue, default: []].append(SequenceEvent(item: e.itemID.rawValue, time: e.occurredAt, isNew: true))
        }
        var out = [TransitionKey: PopularityCounter]()
        for (user, new) in byUser {
            // Stable: logged events first at equal times, then the batch's own order.
            var seq = tails[user] ?? []
            seq.append(contentsOf: new)
            let order = seq.indices.sorted { seq[$0].time != seq[$1].time ? seq[$0].time < seq[$1].time : $0 < $1 }
            let s = order.map { seq[$0] }
            for b in s.indices {
                for d in 1...c.transitionWindow {
                    let a = b - d
                    guard a >= 0 else { break }
                    guard s[a].isNew || s[b].isNew, s[a].item != s[b].item else { continue }
                    let w = pow(c.transitionPositionDecay, Double(d - 1))
                    out[TransitionKey(src: s[a].item, dst: s[b].item), default: PopularityCounter()]
                        .add(weight: w, at: s[b].time, halfLife: c.transitionHalfLife)
                    if c.transitionReverseWeight > 0 {
                        out[TransitionKey(src: s[b].item, dst: s[a].item), default: PopularityCounter()]
                            .add(weight: w * c.transitionReverseWeight, at: s[b].time, halfLife: c.transitionHalfLife)
                    }
                }
            }
        }
        return out
    }

    /// Appends this batch's transition edges (each merged within the batch) with COPY, in (source, target)
    /// order so consecutive rows land on the same index pages. COPY parses about twice as fast as the same
    /// rows through `INSERT … SELECT unnest(…)`, and edges are most of what a batch writes.
    func updateTransitions(_ edges: [TransitionKey: PopularityCounter], on conn: PGConnection) throws {
        guard !edges.isEmpty else { return }
        let keys = edges.keys.sorted()
        try conn.copyIn("COPY item_transitions (src_item, dst_item, score_log2, events) FROM STDIN",
                        lines: keys.lazy.map { k in
                            let e = edges[k]!
                            return "\(PGConnection.copyEscape(k.src))\t\(PGConnection.copyEscape(k.dst))\t\(e.score.log2)\t\(e.events)"
                        })
    }

    /// Merges the appended rows of each transition edge into one, over every source item, `sourcesPerTransaction`
    /// source items per transaction (see ``compactTransitions(after:sources:)``).
    ///
    /// - Returns: rows read and edges written.
    @discardableResult
    public func compactTransitions(sourcesPerTransaction: Int = 500) async throws -> (read: Int, written: Int) {
        var after = ""
        var read = 0, written = 0
        while !Task.isCancelled {
            let r = try await compactTransitions(after: after, sources: max(sourcesPerTransaction, 1))
            read += r.read
            written += r.written
            guard let last = r.last else { break }
            after = last
        }
        return (read, written)
    }

    /// Merges the rows of each edge into one (the log-sum of their weights, the sum of their events), for
    /// up to `sources` source items after `after`, in one transaction. Rows appended meanwhile by consumers
    /// are not in this transaction's snapshot and stay as they are, so no weight is lost or counted twice.
    ///
    /// - Returns: rows read and written, and the last source compacted (nil when there are no more).
    func compactTransitions(after: String, sources: Int) async throws -> (read: Int, written: Int, last: String?) {
        try await pool.transaction { conn in
            let range = try conn.query(
                "SELECT max(src_item) FROM (SELECT DISTINCT src_item FROM item_transitions WHERE src_item > $1 ORDER BY src_item LIMIT $2) s",
                [after, sources])
            guard let first = range.first, !first.isNull(0) else { return (0, 0, nil) }
            let last = try first.string(0)
            let rows = try conn.query(
                "DELETE FROM item_transitions WHERE src_item > $1 AND src_item <= $2 RETURNING src_item, dst_item, score_log2, events",
                [after, last], resultFormat: .binary)
            var merged = [TransitionKey: PopularityCounter]()
            for r in rows {
                merged[TransitionKey(src: try r.string(0), dst: try r.string(1)), default: PopularityCounter()]
                    .merge(PopularityCounter(score: DecayedScore(log2: try r.double(2)), events: try r.int(3)))
            }
            try self.updateTransitions(merged, on: conn)
            return (rows.count, merged.count, last)
        }
    }

    private func vectorOID(_ conn: PGConnection) throws -> UInt32 {
        if let oid = vectorOIDCache.value { return oid }
        guard let row = try conn.query("SELECT 'vector'::regtype::oid::int8").first, let oid = UInt32(exactly: try row.int(0)) else {
            throw ProfileStoreError(.schema, "pgvector's vector type is not installed")
        }
        vectorOIDCache.value = oid
        return oid
    }

    static func decodeInteraction(_ row: PostgresRow) throws -> Interaction {
        guard let type = EventType(rawValue: try row.string(3)) else { throw ProfileStoreError(.corruptProfile, "unknown event type in the log") }
        return Interaction(eventID: try row.uuid(0), occurredAt: try row.date(6), userID: UserID(try row.string(1)), itemID: ItemID(try row.string(2)),
                           type: type, value: row.isNull(4) ? nil : try row.double(4), sessionID: try row.optionalString(5))
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
            throw ProfileStoreError(.corruptProfile, "profile counters are not the expected JSON")
        }
    }

    static func encodeCounts(_ counts: [EventType: Int]) -> String {
        "{" + counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\"\($0.key.rawValue)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    /// The affinity map as a JSON object, through ``JSONValue``'s hand serializer: `JSONEncoder` per
    /// profile was a visible share of a batch's CPU. Sums of finite weights are finite; a non-finite
    /// entry (which JSON cannot hold) is left out.
    static func encodeAffinity(_ affinity: [String: Double]) -> String {
        JSONValue.object(affinity.compactMapValues { $0.isFinite ? .number($0) : nil }).jsonText
    }
}

/// The vector type's OID, looked up once (the extension lives in `public`, shared by all schemas).
private final class OIDCache: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: UInt32?
    var value: UInt32? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
