import Foundation
import Postgres

/// `embedding_spaces` and the space-wide operations on `item_embeddings` and `user_profiles` (coverage,
/// indexes, the contract step, deleting a retired space's rows): the SQL behind ``EmbeddingSpaceRegistry`` and
/// `rec models`. The decisions are ``EmbeddingSpaceRules``'.
public struct EmbeddingSpaceTable: Sendable {
    public init() {}

    static let columns = "name, model, dims, mode, state, created_at, activated_at, deactivated_at, retired_at"

    static func decode(_ r: PostgresRow) throws -> EmbeddingSpace {
        let text = try r.string(0)
        guard let name = PostgresIdentifierLiteral(text), let mode = EmbeddingSpace.Mode(rawValue: try r.string(3)),
              let state = EmbeddingSpace.State(rawValue: try r.string(4)) else {
            throw PostgresError(.decoding, "embedding space \(text): unexpected name, mode or state")
        }
        func date(_ i: Int) throws -> Date? { r.isNull(i) ? nil : try r.date(i) }
        return EmbeddingSpace(name: name, model: try r.string(1), dims: try r.int(2), mode: mode, state: state,
                              createdAt: try date(5), activatedAt: try date(6), deactivatedAt: try date(7), retiredAt: try date(8))
    }

    /// Every registered space, retired ones too.
    ///
    /// - Throws: ``PostgresError`` `migration`-coded when the table does not exist (migration 0010 not applied).
    public func all(on conn: PGConnection) throws -> [EmbeddingSpace] {
        do {
            return try conn.query(PostgresQuery(unescaped: "SELECT \(Self.columns) FROM embedding_spaces ORDER BY name"), resultFormat: .binary).map(Self.decode)
        } catch let e as PostgresError where e.sqlState == "42P01" {
            throw EmbeddingSpaceError(.schema, "table embedding_spaces does not exist: run rec migrate (migration 0010)")
        }
    }

    /// Registers `seed` as the live space when no space is live (an empty database after migration 0010);
    /// concurrent processes may race, the first one wins and the others read its space.
    public func bootstrap(_ seed: EmbeddingSpace, on conn: PGConnection) throws {
        try conn.query("""
            INSERT INTO embedding_spaces (name, model, dims, mode, state, activated_at)
            SELECT \(bind: seed.name.value), \(bind: seed.model), \(bind: seed.dims), \(bind: seed.mode.rawValue), 'live', now()
            WHERE NOT EXISTS (SELECT 1 FROM embedding_spaces WHERE state = 'live')
            ON CONFLICT DO NOTHING
            """)
    }

    /// Registers a new `building` space (or resets a retired one of the same name).
    public func insertBuilding(_ space: EmbeddingSpace, reuseRetired: Bool, on conn: PGConnection) throws {
        if reuseRetired {
            let n = try conn.query("""
                UPDATE embedding_spaces SET model = \(bind: space.model), dims = \(bind: space.dims), mode = \(bind: space.mode.rawValue),
                    state = 'building', created_at = now(), activated_at = NULL, deactivated_at = NULL, retired_at = NULL
                WHERE name = \(bind: space.name.value) AND state = 'retired'
                """).affectedRows
            guard n == 1 else { throw EmbeddingSpaceError(.conflict, "space \(space.name) changed meanwhile; try again") }
        } else {
            try conn.query("""
                INSERT INTO embedding_spaces (name, model, dims, mode, state)
                VALUES (\(bind: space.name.value), \(bind: space.model), \(bind: space.dims), \(bind: space.mode.rawValue), 'building')
                """)
        }
    }

    /// Locks the rows of `names` that are not retired, in name order, until the transaction ends (`FOR KEY
    /// SHARE`: retiring waits for this transaction, activating does not), and returns them: the spaces a
    /// write transaction may write. A space retired meanwhile is left out.
    public func lockForWriting(_ names: [PostgresIdentifierLiteral], on conn: PGConnection) throws -> Set<PostgresIdentifierLiteral> {
        guard !names.isEmpty else { return [] }
        let rows = try conn.query("""
            SELECT name FROM embedding_spaces WHERE name = ANY(\(bind: names.map(\.value))::text[]) AND state <> 'retired'
            ORDER BY name FOR KEY SHARE
            """, resultFormat: .binary)
        return Set(try rows.compactMap { PostgresIdentifierLiteral(try $0.string(0)) })
    }

    /// The coverage of each of `spaces`, measured against `live` (see ``SpaceCoverage``).
    public func coverage(of spaces: [EmbeddingSpace], live: EmbeddingSpace, on conn: PGConnection) throws -> [PostgresIdentifierLiteral: SpaceCoverage] {
        let base = try conn.query("""
            SELECT (SELECT count(*) FROM items WHERE deleted_at IS NULL),
                   (SELECT count(*) FROM items i WHERE i.deleted_at IS NULL
                      AND EXISTS (SELECT 1 FROM item_embeddings e WHERE e.item_id = i.id AND e.space = \(bind: live.name.value) AND e.dims = \(bind: live.dims))),
                   (SELECT count(*) FROM user_profiles WHERE space = \(bind: live.name.value))
            """).first!
        let liveItems = try base.int(0), liveSpaceItems = try base.int(1), liveProfiles = try base.int(2)
        var out = [PostgresIdentifierLiteral: SpaceCoverage]()
        for s in spaces {
            guard s.name != live.name else {
                out[s.name] = SpaceCoverage(liveItems: liveItems, liveSpaceItems: liveSpaceItems, itemsEmbedded: liveSpaceItems, missingItems: 0,
                                            liveProfiles: liveProfiles, profiles: liveProfiles, missingProfiles: 0)
                continue
            }
            let r = try conn.query("""
                SELECT (SELECT count(*) FROM items i WHERE i.deleted_at IS NULL
                          AND EXISTS (SELECT 1 FROM item_embeddings e WHERE e.item_id = i.id AND e.space = \(bind: s.name.value) AND e.dims = \(bind: s.dims))),
                       (SELECT count(*) FROM items i WHERE i.deleted_at IS NULL
                          AND EXISTS (SELECT 1 FROM item_embeddings e WHERE e.item_id = i.id AND e.space = \(bind: live.name.value) AND e.dims = \(bind: live.dims))
                          AND NOT EXISTS (SELECT 1 FROM item_embeddings e WHERE e.item_id = i.id AND e.space = \(bind: s.name.value) AND e.dims = \(bind: s.dims))),
                       (SELECT count(*) FROM user_profiles WHERE space = \(bind: s.name.value)),
                       (SELECT count(*) FROM user_profiles p WHERE p.space = \(bind: live.name.value)
                          AND NOT EXISTS (SELECT 1 FROM user_profiles q WHERE q.user_id = p.user_id AND q.space = \(bind: s.name.value)))
                """).first!
            out[s.name] = SpaceCoverage(liveItems: liveItems, liveSpaceItems: liveSpaceItems, itemsEmbedded: try r.int(0), missingItems: try r.int(1),
                                        liveProfiles: liveProfiles, profiles: try r.int(2), missingProfiles: try r.int(3))
        }
        return out
    }

    /// Activates `name` under ``EmbeddingSpaceRules/activation(of:live:coverage:force:)``, on `conn`, which must be
    /// inside a transaction: the rows are locked (`FOR NO KEY UPDATE`: concurrent activations and retirements
    /// wait, writers do not), the coverage is measured, and the live space becomes `previous` and `name` live.
    ///
    /// - Returns: the decision and the coverage it was made on.
    public func activate(_ name: PostgresIdentifierLiteral, force: Bool, on conn: PGConnection) throws -> (EmbeddingSpaceRules.Activation, SpaceCoverage?) {
        let rows = try conn.query("SELECT \(unescaped: Self.columns) FROM embedding_spaces WHERE state = 'live' OR name = \(bind: name.value) ORDER BY name FOR NO KEY UPDATE",
                                  resultFormat: .binary).map(Self.decode)
        guard let live = rows.first(where: { $0.state == .live }) else {
            throw EmbeddingSpaceError(.conflict, "no live space (another activation ran at the same time?); try again")
        }
        let target = rows.first { $0.name == name }
        var coverage: SpaceCoverage?
        if let target, target.state == .building || target.state == .previous {
            coverage = try self.coverage(of: [target], live: live, on: conn)[name]
        }
        let decision = EmbeddingSpaceRules.activation(of: target, live: live, coverage: coverage, force: force)
        if case .activate = decision {
            try conn.query("UPDATE embedding_spaces SET state = 'previous', deactivated_at = now() WHERE name = \(bind: live.name.value)")
            try conn.query("UPDATE embedding_spaces SET state = 'live', activated_at = now() WHERE name = \(bind: name.value)")
        }
        return (decision, coverage)
    }

    /// Marks `name` retired under ``EmbeddingSpaceRules/retirement(of:now:grace:force:)``, on `conn` inside a
    /// transaction: `FOR UPDATE` waits for write transactions that locked the row (``lockForWriting(_:on:)``),
    /// so none writes to the space after this commits.
    public func markRetired(_ name: PostgresIdentifierLiteral, force: Bool, on conn: PGConnection) throws -> EmbeddingSpaceRules.Retirement {
        let rows = try conn.query("SELECT \(unescaped: Self.columns), now() FROM embedding_spaces WHERE name = \(bind: name.value) FOR UPDATE",
                                  resultFormat: .binary)
        let target = try rows.first.map(Self.decode)
        let now = try rows.first.map { try $0.date(9) } ?? Date()
        let decision = EmbeddingSpaceRules.retirement(of: target, now: now, force: force)
        if case .retire = decision {
            try conn.query("UPDATE embedding_spaces SET state = 'retired', retired_at = now() WHERE name = \(bind: name.value)")
        }
        return decision
    }

    /// Deletes a retired space's vectors and profiles.
    ///
    /// - Returns: vectors and profiles deleted.
    public func deleteRows(of name: PostgresIdentifierLiteral, on conn: PGConnection) throws -> (vectors: Int, profiles: Int) {
        let v = try conn.query("DELETE FROM item_embeddings WHERE space = \(bind: name.value)").affectedRows
        let p = try conn.query("DELETE FROM user_profiles WHERE space = \(bind: name.value)").affectedRows
        return (v, p)
    }

    /// The contract step of migration 0010 (docs/models.md): the primary keys of `item_embeddings` and
    /// `user_profiles` become `(item_id, kind, space)` and `(user_id, space)`, from the unique indexes the
    /// migration built. Catalog-only, under a brief exclusive lock (waiting at most 10 s for it).
    ///
    /// - Returns: whether anything changed (false once done).
    @discardableResult
    public func contract(on conn: PGConnection) throws -> Bool {
        func keyHasSpace(_ table: String) throws -> Bool {
            try conn.query(PostgresQuery(unescaped: """
                SELECT count(*) FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
                WHERE c.conrelid = '\(table)'::regclass AND c.contype = 'p' AND a.attname = 'space'
                """)).first!.int(0) > 0
        }
        let pending = try [("item_embeddings", "item_embeddings_item_kind_space_key"), ("user_profiles", "user_profiles_user_space_key")]
            .filter { try !keyHasSpace($0.0) }
        guard !pending.isEmpty else { return false }
        try conn.transaction { c in
            try c.execute("SET LOCAL lock_timeout = '10s'")
            for (table, index) in pending {
                try c.execute("ALTER TABLE \(table) DROP CONSTRAINT \(table)_pkey, ADD CONSTRAINT \(table)_pkey PRIMARY KEY USING INDEX \(index)")
            }
        }
        return true
    }

    /// The vector indexes on `item_embeddings` (legacy and own; see ``EmbeddingSpaceIndexes``).
    public func indexes(on conn: PGConnection) throws -> [EmbeddingSpaceRules.VectorIndex] {
        try conn.query("""
            SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'item_embeddings'::regclass ORDER BY c.relname
            """).compactMap { r in
            let name = try r.string(0)
            return EmbeddingSpaceIndexes.scope(ofIndexNamed: name).map { .init(name: name, scope: $0, valid: (try? r.bool(1)) ?? false) }
        }
    }

    /// Builds a space's own index with `CREATE INDEX CONCURRENTLY` (ingest and serving go on; it waits for
    /// transactions that started before it). `conn` must not be inside a transaction.
    public func createOwnIndex(_ space: EmbeddingSpace, on conn: PGConnection) throws {
        try conn.execute(EmbeddingSpaceIndexes.createOwnIndexSQL(space))
    }

    /// `DROP INDEX CONCURRENTLY IF EXISTS` one of the vector indexes. `conn` must not be inside a transaction.
    public func dropIndex(_ name: String, on conn: PGConnection) throws {
        guard EmbeddingSpaceIndexes.scope(ofIndexNamed: name) != nil else { throw EmbeddingSpaceError(.invalidName, "\(name) is not a vector index") }
        try conn.execute("DROP INDEX CONCURRENTLY IF EXISTS \(name)")
    }
}
