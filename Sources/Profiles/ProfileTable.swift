import Foundation
import Postgres
import RecCore

/// `user_profiles`: one row per user and embedding space with the profile vectors, their reference times and
/// the counters of a ``ProfileState`` (every space keeps its own, built from its own item vectors). The only code that reads or writes the table: its row codec (the select list,
/// ``decode(_:parts:)``, and the parameters of ``write(_:existing:replace:on:)``) serves the profile store,
/// the recommender and the profile summary alike.
///
/// Vectors travel as binary pgvector `vector`s; a vector and its reference time are NULL together.
public struct ProfileTable: Sendable {
    /// The vector type's OID, looked up once (the extension lives in `public`, shared by all schemas).
    private let vectorOIDCache = Locked<UInt32?>(nil)

    public init() {}

    /// Which columns a read returns (`user_id` and `dims` always).
    public struct Parts: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The three vectors with their reference times, and the session id.
        public static let vectors = Parts(rawValue: 1)
        /// The event count, counts by type, category affinity and the newest event's time.
        public static let counters = Parts(rawValue: 2)
        /// `updated_at` and `version`.
        public static let bookkeeping = Parts(rawValue: 4)
        /// What a ``ProfileState`` holds.
        public static let state: Parts = [.vectors, .counters]
        public static let all: Parts = [.vectors, .counters, .bookkeeping]
    }

    /// One decoded row. Parts that were not read keep a new profile's values in ``state``.
    public struct Row: Sendable, Equatable {
        public var state: ProfileState
        /// With ``Parts/bookkeeping``: when the row was last written.
        public var updatedAt: Date?
        /// With ``Parts/bookkeeping``: the row's version (a fresh number per write).
        public var version: Int?
    }

    /// Which vectors of a profile a fold changed; the others are not rewritten (their TOASTed values stay in place).
    struct ChangedParts: OptionSet {
        let rawValue: UInt8
        static let longTerm = ChangedParts(rawValue: 1)
        static let session = ChangedParts(rawValue: 2)
        static let negative = ChangedParts(rawValue: 4)
        static let all: ChangedParts = [.longTerm, .session, .negative]
    }

    // MARK: - Row codec

    /// The select list for `parts`, in the order ``decode(_:parts:)`` reads.
    static func columns(_ parts: Parts) -> String {
        var list = "user_id, dims"
        if parts.contains(.vectors) { list += ", long_term, long_term_ref_at, session, session_id, session_ref_at, negative, negative_ref_at" }
        if parts.contains(.counters) { list += ", event_count, counts_by_type::text, category_affinity::text, last_event_at" }
        if parts.contains(.bookkeeping) { list += ", updated_at, version" }
        return list
    }

    /// One row selected with ``columns(_:)`` of the same `parts` (binary results).
    ///
    /// - Throws: ``PostgresError`` `decoding`, or ``ProfileStoreError`` `corruptProfile` for counters that are not the expected JSON.
    public static func decode(_ row: PostgresRow, parts: Parts) throws -> Row {
        var state = ProfileState(userID: UserID(try row.string(0)), dimension: try row.int(1))
        var c = 2
        func decayed(_ v: Int, _ t: Int) throws -> DecayedVector {
            row.isNull(v) || row.isNull(t) ? .empty : DecayedVector(sum: try PGVector.decodeVector(row.bytes(v)!), referenceTime: try row.date(t))
        }
        if parts.contains(.vectors) {
            state.longTerm = try decayed(c, c + 1)
            state.session = try decayed(c + 2, c + 4)
            state.sessionID = try row.optionalString(c + 3)
            state.negative = try decayed(c + 5, c + 6)
            c += 7
        }
        if parts.contains(.counters) {
            state.eventCount = try row.int(c)
            for (k, v) in try decodeJSON([String: Int].self, try row.string(c + 1)) {
                if let t = EventType(rawValue: k) { state.countsByType[t] = v }
            }
            state.categoryAffinity = try decodeJSON([String: Double].self, try row.string(c + 2))
            state.lastEventAt = row.isNull(c + 3) ? nil : try row.date(c + 3)
            c += 4
        }
        var out = Row(state: state)
        if parts.contains(.bookkeeping) {
            out.updatedAt = try row.date(c)
            out.version = try row.int(c + 1)
        }
        return out
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

    // MARK: - Reads

    /// The stored profile of `user` in `space`, or nil.
    ///
    /// - Parameter prepared: run it as a prepared statement (one text per `parts`).
    public func read(_ user: String, space: String, parts: Parts, on conn: PGConnection, prepared: Bool = false) throws -> Row? {
        try conn.query("SELECT \(unescaped: Self.columns(parts)) FROM user_profiles WHERE user_id = \(bind: user) AND space = \(bind: space)",
                       resultFormat: .binary, prepared: prepared).first.map { try Self.decode($0, parts: parts) }
    }

    /// The stored profiles of `users` in `space`, by user id; `lock` takes row locks (in user order) until the transaction ends.
    public func read(_ users: [String], space: String, parts: Parts = .state, lock: Bool = false, on conn: PGConnection) throws -> [String: ProfileState] {
        guard !users.isEmpty else { return [:] }
        let rows = try conn.query("""
            SELECT \(unescaped: Self.columns(parts)) FROM user_profiles WHERE user_id = ANY(\(bind: BinaryArray.texts(users))::text[]) AND space = \(bind: space)
            ORDER BY user_id\(unescaped: lock ? " FOR UPDATE" : "")
            """, resultFormat: .binary)
        var out = [String: ProfileState]()
        out.reserveCapacity(rows.count)
        for row in rows {
            let state = try Self.decode(row, parts: parts).state
            out[state.userID.rawValue] = state
        }
        return out
    }

    /// Locks the rows of `users` in `space` (in user order) and returns their versions, without reading the vectors.
    func lockVersions(_ users: [String], space: String, on conn: PGConnection) throws -> [String: Int] {
        var versions = [String: Int]()
        for row in try conn.query("""
            SELECT user_id, version FROM user_profiles WHERE user_id = ANY(\(bind: BinaryArray.texts(users))::text[]) AND space = \(bind: space)
            ORDER BY user_id FOR UPDATE
            """, resultFormat: .binary) {
            versions[try row.string(0)] = try row.int(1)
        }
        return versions
    }

    // MARK: - Writes

    /// Removes the profiles of `users` in `space` (nil: in every space); returns how many there were.
    @discardableResult
    func delete(_ users: [String], space: String?, on conn: PGConnection) throws -> Int {
        guard !users.isEmpty else { return 0 }
        if let space {
            return try conn.query("DELETE FROM user_profiles WHERE user_id = ANY(\(bind: BinaryArray.texts(users))::text[]) AND space = \(bind: space)").affectedRows
        }
        return try conn.query("DELETE FROM user_profiles WHERE user_id = ANY(\(bind: BinaryArray.texts(users))::text[])").affectedRows
    }

    /// Inserts empty profiles (no vectors, no events) in `space` for the `users` who have none there, and returns
    /// how many: a rebuild commits them before it locks the rows, so that a consumer folding a concurrent event
    /// into one of these users either commits first (its event is then in the history the rebuild reads) or
    /// waits for the rebuilt row (docs/models.md).
    @discardableResult
    func insertPlaceholders(_ users: [String], space: String, dimension: Int, on conn: PGConnection) throws -> Int {
        guard !users.isEmpty else { return 0 }
        return try conn.query("""
            INSERT INTO user_profiles (user_id, space, dims) SELECT u, \(bind: space), \(bind: dimension) FROM unnest(\(bind: BinaryArray.texts(users))::text[]) AS u
            ON CONFLICT (user_id, space) DO NOTHING
            """).affectedRows
    }

    /// Writes profiles of `space` in at most two statements: one `UPDATE … FROM unnest(…)`
    /// for the rows `existing` says are there (locked by the caller's read; about
    /// twice as fast as an upsert on TOASTed rows), one upsert for the others.
    /// Without `replace`, vectors not in `changed` are sent as NULL and keep
    /// their stored value, so their TOAST chunks are not rewritten.
    ///
    /// - Returns: the version each written profile got, and, with `replace`, the
    ///   users whose profile appeared meanwhile and was left alone (a rebuild must
    ///   not overwrite a consumer's fresh profile).
    @discardableResult
    func write(_ profiles: [(ProfileState, ChangedParts)], space: String, existing: Set<String>, replace: Bool, on conn: PGConnection) throws
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
        // `x`: the rows to write, one array per column.
        func source(_ ps: ArraySlice<(ProfileState, ChangedParts)>) -> PostgresQuery {
            """
            unnest(\(bind: BinaryArray.texts(ps.map { $0.0.userID.rawValue }))::text[], \(bind: BinaryArray.int64s(ps.map { $0.0.dimension }))::int8[],
                   \(bind: BinaryArray.vectors(ps.map { vec($0.0.longTerm, .longTerm, $0.1) }, oid: oid))::vector[],
                   \(bind: BinaryArray.dates(ps.map { ref($0.0.longTerm, .longTerm, $0.1) }))::timestamptz[],
                   \(bind: BinaryArray.vectors(ps.map { vec($0.0.session, .session, $0.1) }, oid: oid))::vector[],
                   \(bind: BinaryArray.texts(ps.map { $0.0.sessionID }))::text[],
                   \(bind: BinaryArray.dates(ps.map { ref($0.0.session, .session, $0.1) }))::timestamptz[],
                   \(bind: BinaryArray.vectors(ps.map { vec($0.0.negative, .negative, $0.1) }, oid: oid))::vector[],
                   \(bind: BinaryArray.dates(ps.map { ref($0.0.negative, .negative, $0.1) }))::timestamptz[],
                   \(bind: BinaryArray.int64s(ps.map { $0.0.eventCount }))::int8[],
                   \(bind: BinaryArray.texts(ps.map { Self.encodeCounts($0.0.countsByType) }))::text[],
                   \(bind: BinaryArray.texts(ps.map { Self.encodeAffinity($0.0.categoryAffinity) }))::text[],
                   \(bind: BinaryArray.dates(ps.map { $0.0.lastEventAt }))::timestamptz[])
                AS x(u, d, lt, ltr, s, sid, sr, n, nr, c, cbt, ca, le)
            """
        }
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
        let insertColumns = """
            (user_id, space, dims, long_term, long_term_ref_at, session, session_id, session_ref_at,
             negative, negative_ref_at, event_count, counts_by_type, category_affinity, last_event_at, updated_at)
            SELECT u, \(bind: space), d, lt, ltr, s, sid, sr, n, nr, c, cbt::jsonb, ca::jsonb, le, now()
            """ as PostgresQuery
        let sorted = profiles.sorted { $0.0.userID.rawValue < $1.0.userID.rawValue }
        let updates = sorted.filter { existing.contains($0.0.userID.rawValue) }
        let inserts = sorted.filter { !existing.contains($0.0.userID.rawValue) }
        for chunk in Self.chunks(updates) {
            try collect(try conn.query(
                "UPDATE user_profiles AS t SET \(unescaped: assignments("x", "t")) FROM \(fragment: source(chunk)) WHERE t.user_id = x.u AND t.space = \(bind: space) RETURNING t.user_id, t.version",
                resultFormat: .binary))
        }
        if !inserts.isEmpty, replace {
            for chunk in Self.chunks(inserts) {
                try collect(try conn.query("""
                    INSERT INTO user_profiles \(fragment: insertColumns) FROM \(fragment: source(chunk))
                    ON CONFLICT (user_id, space) DO NOTHING
                    RETURNING user_id, version
                    """, resultFormat: .binary))
            }
            return (versions, Set(inserts.map(\.0.userID.rawValue)).subtracting(versions.keys))
        }
        for chunk in Self.chunks(inserts) {
            try collect(try conn.query("""
                INSERT INTO user_profiles AS t \(fragment: insertColumns) FROM \(fragment: source(chunk))
                ON CONFLICT (user_id, space) DO UPDATE SET
                    dims = EXCLUDED.dims,
                    long_term = COALESCE(EXCLUDED.long_term, t.long_term), long_term_ref_at = COALESCE(EXCLUDED.long_term_ref_at, t.long_term_ref_at),
                    session = COALESCE(EXCLUDED.session, t.session), session_id = COALESCE(EXCLUDED.session_id, t.session_id),
                    session_ref_at = COALESCE(EXCLUDED.session_ref_at, t.session_ref_at),
                    negative = COALESCE(EXCLUDED.negative, t.negative), negative_ref_at = COALESCE(EXCLUDED.negative_ref_at, t.negative_ref_at),
                    event_count = EXCLUDED.event_count, counts_by_type = EXCLUDED.counts_by_type,
                    category_affinity = EXCLUDED.category_affinity, last_event_at = EXCLUDED.last_event_at, updated_at = now(),
                    version = nextval('user_profile_version_seq')
                RETURNING user_id, version
                """, resultFormat: .binary))
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

    /// pgvector's `vector` type OID in this database, looked up once.
    private func vectorOID(_ conn: PGConnection) throws -> UInt32 {
        if let oid = vectorOIDCache.current { return oid }
        guard let row = try conn.query("SELECT 'vector'::regtype::oid::int8").first, let oid = UInt32(exactly: try row.int(0)) else {
            throw ProfileStoreError(.schema, "pgvector's vector type is not installed")
        }
        vectorOIDCache.withLock { $0 = oid }
        return oid
    }
}


