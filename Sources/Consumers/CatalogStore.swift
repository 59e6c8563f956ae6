import Foundation
import Postgres

/// The catalog's SQL: reads that decide what to embed, and the write of one chunk of a batch (``apply(_:)``):
/// one transaction with the chunk's items, vectors, cache entries and dedup records together, so each
/// product's effects are exactly-once.
public struct CatalogStore: Sendable {
    /// One upsert that won within its batch and is newer than the stored state.
    struct ItemUpsert: Sendable {
        var product: CatalogProduct
        var occurredAt: Date
        var imageError: String?
        /// Vectors to (re)write: kind → (content hash, vector). Kinds whose stored hash is unchanged are absent.
        var embeddings: [(kind: String, hash: [UInt8], vector: [Float])]
        /// Every kind this item should have after the write (others are removed).
        var kinds: Set<String>
    }

    struct ItemDelete: Sendable {
        var id: String
        var occurredAt: Date
    }

    struct Writes: Sendable {
        var upserts: [ItemUpsert] = []
        var deletes: [ItemDelete] = []
        /// Newly computed vectors for the shared cache.
        var cache: [(hash: [UInt8], kind: String, vector: [Float])] = []
        /// Every settled event (applied, stale or superseded), with its product.
        var processed: [(eventID: UUID, itemID: String)] = []

        var isEmpty: Bool { upserts.isEmpty && deletes.isEmpty && cache.isEmpty && processed.isEmpty }
    }

    public let pool: PostgresPool
    public let model: String
    public let dimensions: Int

    public init(pool: PostgresPool, model: String, dimensions: Int) {
        self.pool = pool
        self.model = model
        self.dimensions = dimensions
    }

    /// Which of `ids` were already applied.
    func processedEventIDs(_ ids: [UUID]) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = try await pool.query("SELECT event_id::text FROM processed_catalog_events WHERE event_id = ANY(\(bind: ids.map { $0.uuidString.lowercased() })::text[]::uuid[])" as PostgresQuery)
        return Set(try rows.map { try UUID(uuidString: $0.string(0))! })
    }

    /// Stored versions and vector hashes (for this model and dimension) of `ids`.
    func state(_ ids: [String]) async throws -> (versions: [String: Date], hashes: [String: [String: [UInt8]]]) {
        guard !ids.isEmpty else { return ([:], [:]) }
        let model = self.model, dims = self.dimensions
        return try await pool.withConnection { c in
            var versions = [String: Date]()
            for r in try c.query("SELECT id, version_at FROM items WHERE id = ANY(\(bind: ids)::text[])" as PostgresQuery, resultFormat: .binary) {
                versions[try r.string(0)] = try r.date(1)
            }
            var hashes = [String: [String: [UInt8]]]()
            let q: PostgresQuery = "SELECT item_id, kind, content_hash FROM item_embeddings WHERE item_id = ANY(\(bind: ids)::text[]) AND model = \(bind: model) AND dims = \(bind: dims)"
            for r in try c.query(q, resultFormat: .binary) {
                hashes[try r.string(0), default: [:]][try r.string(1)] = r.bytes(2) ?? []
            }
            return (versions, hashes)
        }
    }

    /// Cached vectors by content hash.
    func cached(_ hashes: [[UInt8]]) async throws -> [[UInt8]: [Float]] {
        guard !hashes.isEmpty else { return [:] }
        let hex = hashes.map(SHA256Digest.hex)
        let rows = try await pool.query("SELECT content_hash, embedding FROM embedding_cache WHERE content_hash IN (SELECT decode(h, 'hex') FROM unnest(\(bind: hex)::text[]) h)" as PostgresQuery,
                                        resultFormat: .binary)
        var out = [[UInt8]: [Float]]()
        for r in rows { out[r.bytes(0) ?? []] = try r.vector(1) }
        return out
    }

    /// Applies one chunk's writes in one transaction.
    ///
    /// Upserts apply only over older state (`version_at <` the event's time); deletes apply over older or
    /// equal state, so a delete wins over an upsert of the same instant. Vectors are written only for
    /// upserts that applied.
    /// - Returns: the ids whose upsert applied.
    @discardableResult
    func apply(_ w: Writes) async throws -> Set<String> {
        let model = self.model, dims = self.dimensions
        return try await pool.transaction { c in
            var applied = Set<String>()
            for chunk in w.upserts.chunked(200) {
                let rows = chunk.map { u -> PostgresQuery in
                    var imageURL: String?
                    if case .url(let s)? = u.product.image { imageURL = s }
                    return """
                        (\(bind: u.product.id),\(bind: u.product.title),\(bind: u.product.description),\(bind: u.product.categories)::text[],\
                        \(bind: u.product.attributesJSON)::jsonb,\(bind: imageURL),\(bind: u.product.price)::float8,\(bind: u.product.available),\
                        \(bind: u.occurredAt),NULL,\(bind: u.imageError),\(bind: u.product.publishedAt)::timestamptz)
                        """
                }
                var sql: PostgresQuery = "INSERT INTO items (id, title, description, categories, attributes, image_url, price, available, version_at, deleted_at, image_error, published_at) VALUES "
                sql += rows.joined(separator: ",")
                sql += """
                     ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description,
                     categories = EXCLUDED.categories, attributes = EXCLUDED.attributes, image_url = EXCLUDED.image_url,
                     price = EXCLUDED.price, available = EXCLUDED.available, version_at = EXCLUDED.version_at,
                     deleted_at = NULL, image_error = EXCLUDED.image_error, published_at = EXCLUDED.published_at, updated_at = now()
                     WHERE items.version_at < EXCLUDED.version_at RETURNING id
                    """
                for r in try c.query(sql) { applied.insert(try r.string(0)) }
            }
            let winners = w.upserts.filter { applied.contains($0.product.id) }
            try Self.writeVectors(winners.flatMap { u in u.embeddings.map { (u.product.id, $0.kind, $0.hash, $0.vector) } },
                                  kinds: winners.map { ($0.product.id, $0.kinds) }, model: model, dims: dims, on: c)
            var deleted = [String]()
            for chunk in w.deletes.chunked(500) {
                var sql: PostgresQuery = "INSERT INTO items (id, version_at, deleted_at) VALUES "
                sql += chunk.map { d -> PostgresQuery in "(\(bind: d.id),\(bind: d.occurredAt),\(bind: d.occurredAt))" }.joined(separator: ",")
                sql += " ON CONFLICT (id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at, version_at = EXCLUDED.version_at, updated_at = now() WHERE items.version_at <= EXCLUDED.version_at RETURNING id"
                for r in try c.query(sql) { deleted.append(try r.string(0)) }
            }
            if !deleted.isEmpty { _ = try c.query("DELETE FROM item_embeddings WHERE item_id = ANY(\(bind: deleted)::text[])" as PostgresQuery) }
            try Self.writeCache(w.cache, model: model, dims: dims, on: c)
            for chunk in w.processed.chunked(1000) {
                var sql: PostgresQuery = "INSERT INTO processed_catalog_events (event_id, item_id) VALUES "
                sql += chunk.map { p -> PostgresQuery in "(\(bind: p.eventID)::uuid,\(bind: p.itemID))" }.joined(separator: ",")
                _ = try c.query(sql + " ON CONFLICT (event_id) DO NOTHING")
            }
            return applied
        }
    }

    /// Upserts item vectors and removes the kinds each item no longer has (mode changed, image gone): the one write
    /// of `item_embeddings`, shared by streaming ingest (``apply(_:)``) and batch results (``storeComputedVectors(_:kinds:)``).
    static func writeVectors(_ vectors: [(itemID: String, kind: String, hash: [UInt8], vector: [Float])], kinds: [(itemID: String, kinds: Set<String>)],
                             model: String, dims: Int, on c: PGConnection) throws {
        for chunk in vectors.chunked(200) {
            let rows = chunk.map { v -> PostgresQuery in
                "(\(bind: v.itemID),\(bind: v.kind),\(bind: model),\(bind: dims)::int4,\(bind: PostgresBytes(v.hash)),\(bind: PGVector.halfvec(v.vector))::public.halfvec)"
            }
            var sql: PostgresQuery = "INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding) VALUES "
            sql += rows.joined(separator: ",")
            sql += " ON CONFLICT (item_id, kind) DO UPDATE SET model = EXCLUDED.model, dims = EXCLUDED.dims, content_hash = EXCLUDED.content_hash, embedding = EXCLUDED.embedding, updated_at = now()"
            _ = try c.query(sql)
        }
        for kind in ["fused", "text", "image"] {
            let ids = kinds.filter { !$0.kinds.contains(kind) }.map(\.itemID)
            if !ids.isEmpty { _ = try c.query("DELETE FROM item_embeddings WHERE item_id = ANY(\(bind: ids)::text[]) AND kind = \(bind: kind)" as PostgresQuery) }
        }
    }

    /// Adds vectors to the shared content-hash cache (first writer wins).
    static func writeCache(_ entries: [(hash: [UInt8], kind: String, vector: [Float])], model: String, dims: Int, on c: PGConnection) throws {
        for chunk in entries.chunked(200) {
            var sql: PostgresQuery = "INSERT INTO embedding_cache (content_hash, model, dims, kind, embedding) VALUES "
            sql += chunk.map { e -> PostgresQuery in
                "(\(bind: PostgresBytes(e.hash)),\(bind: model),\(bind: dims)::int4,\(bind: e.kind),\(bind: PGVector.halfvec(e.vector))::public.halfvec)"
            }.joined(separator: ",")
            _ = try c.query(sql + " ON CONFLICT (content_hash) DO NOTHING")
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
