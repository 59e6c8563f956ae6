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
        let rows = try await pool.query("SELECT event_id::text FROM processed_catalog_events WHERE event_id = ANY($1::text[]::uuid[])",
                                        [ids.map { $0.uuidString.lowercased() }])
        return Set(try rows.map { try UUID(uuidString: $0.string(0))! })
    }

    /// Stored versions and vector hashes (for this model and dimension) of `ids`.
    func state(_ ids: [String]) async throws -> (versions: [String: Date], hashes: [String: [String: [UInt8]]]) {
        guard !ids.isEmpty else { return ([:], [:]) }
        let model = self.model, dims = self.dimensions
        return try await pool.withConnection { c in
            var versions = [String: Date]()
            for r in try c.query("SELECT id, version_at FROM items WHERE id = ANY($1::text[])", [ids], resultFormat: .binary) {
                versions[try r.string(0)] = try r.date(1)
            }
            var hashes = [String: [String: [UInt8]]]()
            for r in try c.query("SELECT item_id, kind, content_hash FROM item_embeddings WHERE item_id = ANY($1::text[]) AND model = $2 AND dims = $3",
                                 [ids, model, dims], resultFormat: .binary) {
                hashes[try r.string(0), default: [:]][try r.string(1)] = r.bytes(2) ?? []
            }
            return (versions, hashes)
        }
    }

    /// Cached vectors by content hash.
    func cached(_ hashes: [[UInt8]]) async throws -> [[UInt8]: [Float]] {
        guard !hashes.isEmpty else { return [:] }
        let hex = hashes.map { $0.map { String(format: "%02x", $0) }.joined() }
        let rows = try await pool.query("SELECT content_hash, embedding FROM embedding_cache WHERE content_hash IN (SELECT decode(h, 'hex') FROM unnest($1::text[]) h)",
                                        [hex], resultFormat: .binary)
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
                var sql = "INSERT INTO items (id, title, description, categories, attributes, image_url, price, available, version_at, deleted_at, image_error, published_at) VALUES "
                var params = [any PostgresEncodable]()
                for (i, u) in chunk.enumerated() {
                    let b = i * 11
                    sql += (i == 0 ? "" : ",") + "($\(b + 1),$\(b + 2),$\(b + 3),$\(b + 4)::text[],$\(b + 5)::jsonb,$\(b + 6),$\(b + 7)::float8,$\(b + 8),$\(b + 9),NULL,$\(b + 10),$\(b + 11)::timestamptz)"
                    var imageURL: String?
                    if case .url(let s)? = u.product.image { imageURL = s }
                    params += [u.product.id, u.product.title, u.product.description, u.product.categories, u.product.attributesJSON,
                               imageURL, u.product.price, u.product.available, u.occurredAt, u.imageError, u.product.publishedAt] as [any PostgresEncodable]
                }
                sql += """
                     ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description,
                     categories = EXCLUDED.categories, attributes = EXCLUDED.attributes, image_url = EXCLUDED.image_url,
                     price = EXCLUDED.price, available = EXCLUDED.available, version_at = EXCLUDED.version_at,
                     deleted_at = NULL, image_error = EXCLUDED.image_error, published_at = EXCLUDED.published_at, updated_at = now()
                     WHERE items.version_at < EXCLUDED.version_at RETURNING id
                    """
                for r in try c.query(sql, params) { applied.insert(try r.string(0)) }
            }
            let winners = w.upserts.filter { applied.contains($0.product.id) }
            let vectors = winners.flatMap { u in u.embeddings.map { (u.product.id, $0.kind, $0.hash, $0.vector) } }
            for chunk in vectors.chunked(200) {
                var sql = "INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding) VALUES "
                var params = [any PostgresEncodable]()
                for (i, v) in chunk.enumerated() {
                    let b = i * 6
                    sql += (i == 0 ? "" : ",") + "($\(b + 1),$\(b + 2),$\(b + 3),$\(b + 4)::int4,$\(b + 5),$\(b + 6)::public.halfvec)"
                    params += [v.0, v.1, model, dims, PostgresBytes(v.2), PGVector.halfvec(v.3)] as [any PostgresEncodable]
                }
                sql += " ON CONFLICT (item_id, kind) DO UPDATE SET model = EXCLUDED.model, dims = EXCLUDED.dims, content_hash = EXCLUDED.content_hash, embedding = EXCLUDED.embedding, updated_at = now()"
                _ = try c.query(sql, params)
            }
            // Kinds an item no longer has (mode changed, image gone).
            for kind in ["fused", "text", "image"] {
                let ids = winners.filter { !$0.kinds.contains(kind) }.map(\.product.id)
                if !ids.isEmpty { _ = try c.query("DELETE FROM item_embeddings WHERE item_id = ANY($1::text[]) AND kind = $2", [ids, kind]) }
            }
            var deleted = [String]()
            for chunk in w.deletes.chunked(500) {
                var sql = "INSERT INTO items (id, version_at, deleted_at) VALUES "
                var params = [any PostgresEncodable]()
                for (i, d) in chunk.enumerated() {
                    sql += (i == 0 ? "" : ",") + "($\(i * 2 + 1),$\(i * 2 + 2),$\(i * 2 + 2))"
                    params += [d.id, d.occurredAt] as [any PostgresEncodable]
                }
                sql += " ON CONFLICT (id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at, version_at = EXCLUDED.version_at, updated_at = now() WHERE items.version_at <= EXCLUDED.version_at RETURNING id"
                for r in try c.query(sql, params) { deleted.append(try r.string(0)) }
            }
            if !deleted.isEmpty { _ = try c.query("DELETE FROM item_embeddings WHERE item_id = ANY($1::text[])", [deleted]) }
            for chunk in w.cache.chunked(200) {
                var sql = "INSERT INTO embedding_cache (content_hash, model, dims, kind, embedding) VALUES "
                var params = [any PostgresEncodable]()
                for (i, e) in chunk.enumerated() {
                    let b = i * 5
                    sql += (i == 0 ? "" : ",") + "($\(b + 1),$\(b + 2),$\(b + 3)::int4,$\(b + 4),$\(b + 5)::public.halfvec)"
                    params += [PostgresBytes(e.hash), model, dims, e.kind, PGVector.halfvec(e.vector)] as [any PostgresEncodable]
                }
                _ = try c.query(sql + " ON CONFLICT (content_hash) DO NOTHING", params)
            }
            for chunk in w.processed.chunked(1000) {
                var sql = "INSERT INTO processed_catalog_events (event_id, item_id) VALUES "
                var params = [any PostgresEncodable]()
                for (i, p) in chunk.enumerated() {
                    sql += (i == 0 ? "" : ",") + "($\(i * 2 + 1)::uuid,$\(i * 2 + 2))"
                    params += [p.eventID, p.itemID] as [any PostgresEncodable]
                }
                _ = try c.query(sql + " ON CONFLICT (event_id) DO NOTHING", params)
            }
            return applied
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
