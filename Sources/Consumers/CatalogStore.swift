import EmbeddingSpaces
import Foundation
import Postgres

/// The catalog's SQL: reads that decide what to embed, and the write of one chunk of a batch (``apply(_:)``):
/// one transaction with the chunk's items, vectors (in every embedding space written), inline images, cache
/// entries and dedup records together, so each product's effects are exactly-once.
public struct CatalogStore: Sendable {
    /// One vector to (re)write.
    struct Vector: Sendable {
        var space: EmbeddingSpace
        var kind: String
        var hash: [UInt8]
        var vector: [Float]
    }

    /// One upsert that won within its batch and is newer than the stored state.
    struct ItemUpsert: Sendable {
        var product: CatalogProduct
        var occurredAt: Date
        var imageError: String?
        /// Vectors to (re)write, per space and kind. Those whose stored hash is unchanged are absent.
        var embeddings: [Vector]
        /// Every kind each space should hold for this item after the write (others are removed).
        var kinds: [PostgresIdentifierLiteral: Set<String>]
        /// An inline image to keep in `item_images` (nil: the stored one, if any, is still the product's).
        var storeImage: [UInt8]? = nil
        /// Whether the stored inline image goes (the product has none any more).
        var dropImage = false
    }

    struct ItemDelete: Sendable {
        var id: String
        var occurredAt: Date
    }

    /// One new entry of the shared embedding cache.
    struct CacheEntry: Sendable {
        var hash: [UInt8]
        var model: String
        var dims: Int
        var kind: String
        var vector: [Float]
    }

    struct Writes: Sendable {
        /// The spaces this batch writes (those retired meanwhile are skipped by ``apply(_:)``).
        var targets: [EmbeddingSpace] = []
        var upserts: [ItemUpsert] = []
        var deletes: [ItemDelete] = []
        /// Newly computed vectors for the shared cache.
        var cache: [CacheEntry] = []
        /// Every settled event (applied, stale or superseded), with its product.
        var processed: [(eventID: UUID, itemID: String)] = []

        var isEmpty: Bool { upserts.isEmpty && deletes.isEmpty && cache.isEmpty && processed.isEmpty }
    }

    public let pool: PostgresPool
    /// The embedding spaces written; a database-backed registry also guards each write against retirement.
    public let spaces: EmbeddingSpaceRegistry

    public init(pool: PostgresPool, spaces: EmbeddingSpaceRegistry) {
        self.pool = pool
        self.spaces = spaces
    }

    /// A store writing the one space `default` of `model`, `dimensions` and `mode`.
    public init(pool: PostgresPool, model: String, dimensions: Int, mode: EmbeddingSpace.Mode = .fused) {
        self.init(pool: pool, spaces: EmbeddingSpaceRegistry(fixed: .default(model: model, dims: dimensions, mode: mode)))
    }

    /// Which of `ids` were already applied.
    func processedEventIDs(_ ids: [UUID]) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = try await pool.query("SELECT event_id::text FROM processed_catalog_events WHERE event_id = ANY(\(bind: ids.map { $0.uuidString.lowercased() })::text[]::uuid[])" as PostgresQuery)
        return Set(try rows.map { try UUID(uuidString: $0.string(0))! })
    }

    /// What is stored of the items a round writes.
    struct StoredState: Sendable {
        var versions: [String: Date] = [:]
        /// item → `space/kind` → content hash (the hash covers model and dimension, so a vector of another model
        /// never matches).
        var hashes: [String: [String: [UInt8]]] = [:]
        /// item → SHA-256 of its stored inline image.
        var images: [String: [UInt8]] = [:]
    }

    /// Stored versions of `ids`, the content hashes of their vectors in `targets`, and their stored images' hashes.
    func state(_ ids: [String], targets: [EmbeddingSpace]) async throws -> StoredState {
        guard !ids.isEmpty else { return StoredState() }
        let names = targets.map(\.name.value)
        return try await pool.withConnection { c in
            var state = StoredState()
            for r in try c.query("""
                SELECT i.id, i.version_at, img.sha256 FROM items i LEFT JOIN item_images img ON img.item_id = i.id
                WHERE i.id = ANY(\(bind: ids)::text[])
                """ as PostgresQuery, resultFormat: .binary) {
                let id = try r.string(0)
                state.versions[id] = try r.date(1)
                if let sha = r.bytes(2) { state.images[id] = sha }
            }
            let q: PostgresQuery = "SELECT item_id, space, kind, content_hash FROM item_embeddings WHERE item_id = ANY(\(bind: ids)::text[]) AND space = ANY(\(bind: names)::text[])"
            for r in try c.query(q, resultFormat: .binary) {
                state.hashes[try r.string(0), default: [:]][IngestPlan.Piece.slot(space: try r.string(1), kind: try r.string(2))] = r.bytes(3) ?? []
            }
            return state
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
    /// upserts that applied, and only to spaces not retired by then (locked until the commit).
    /// - Returns: the ids whose upsert applied.
    @discardableResult
    func apply(_ w: Writes) async throws -> Set<String> {
        let spaces = self.spaces
        return try await pool.transaction { c in
            let writable = Set(try spaces.lockForWriting(w.targets, on: c).map(\.name))
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
            try Self.writeVectors(winners.flatMap { u in u.embeddings.filter { writable.contains($0.space.name) }.map { (u.product.id, $0) } },
                                  kinds: winners.map { ($0.product.id, $0.kinds) }, spaces: w.targets.filter { writable.contains($0.name) }, on: c)
            // Inline images, kept for re-embedding with another model (sent only when new or changed); a product
            // without one has none stored.
            let images = winners.compactMap { u in u.storeImage.map { (u.product.id, $0) } }
            for chunk in images.chunked(50) {
                var sql: PostgresQuery = "INSERT INTO item_images (item_id, sha256, image) VALUES "
                sql += chunk.map { "(\(bind: $0.0),\(bind: PostgresBytes(SHA256Digest.hash($0.1))),\(bind: PostgresBytes($0.1)))" as PostgresQuery }.joined(separator: ",")
                sql += " ON CONFLICT (item_id) DO UPDATE SET sha256 = EXCLUDED.sha256, image = EXCLUDED.image, updated_at = now()"
                _ = try c.query(sql)
            }
            let dropped = winners.filter(\.dropImage).map(\.product.id)
            if !dropped.isEmpty { _ = try c.query("DELETE FROM item_images WHERE item_id = ANY(\(bind: dropped)::text[])" as PostgresQuery) }
            var deleted = [String]()
            for chunk in w.deletes.chunked(500) {
                var sql: PostgresQuery = "INSERT INTO items (id, version_at, deleted_at) VALUES "
                sql += chunk.map { d -> PostgresQuery in "(\(bind: d.id),\(bind: d.occurredAt),\(bind: d.occurredAt))" }.joined(separator: ",")
                sql += " ON CONFLICT (id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at, version_at = EXCLUDED.version_at, updated_at = now() WHERE items.version_at <= EXCLUDED.version_at RETURNING id"
                for r in try c.query(sql) { deleted.append(try r.string(0)) }
            }
            if !deleted.isEmpty {
                _ = try c.query("DELETE FROM item_embeddings WHERE item_id = ANY(\(bind: deleted)::text[])" as PostgresQuery)
                _ = try c.query("DELETE FROM item_images WHERE item_id = ANY(\(bind: deleted)::text[])" as PostgresQuery)
            }
            try Self.writeCache(w.cache, on: c)
            for chunk in w.processed.chunked(1000) {
                var sql: PostgresQuery = "INSERT INTO processed_catalog_events (event_id, item_id) VALUES "
                sql += chunk.map { p -> PostgresQuery in "(\(bind: p.eventID)::uuid,\(bind: p.itemID))" }.joined(separator: ",")
                _ = try c.query(sql + " ON CONFLICT (event_id) DO NOTHING")
            }
            return applied
        }
    }

    /// Upserts item vectors and removes the kinds an item no longer has in a space (mode changed, image gone): the
    /// one write of `item_embeddings` for new vectors, shared by streaming ingest (``apply(_:)``) and batch results
    /// (``storeComputedVectors(_:in:)``).
    ///
    /// - Parameters:
    ///   - kinds: item → space → the kinds it has there after the write.
    ///   - spaces: the spaces whose other kinds are removed (the writable targets).
    static func writeVectors(_ vectors: [(itemID: String, vector: Vector)], kinds: [(itemID: String, kinds: [PostgresIdentifierLiteral: Set<String>])],
                             spaces: [EmbeddingSpace], on c: PGConnection) throws {
        for chunk in vectors.chunked(200) {
            let rows = chunk.map { (id, v) -> PostgresQuery in
                """
                (\(bind: id),\(bind: v.kind),\(bind: v.space.name.value),\(bind: v.space.model),\(bind: v.space.dims)::int4,\
                \(bind: PostgresBytes(v.hash)),\(bind: PGVector.halfvec(v.vector))::public.halfvec)
                """
            }
            var sql: PostgresQuery = "INSERT INTO item_embeddings (item_id, kind, space, model, dims, content_hash, embedding) VALUES "
            sql += rows.joined(separator: ",")
            sql += " ON CONFLICT (item_id, kind, space) DO UPDATE SET model = EXCLUDED.model, dims = EXCLUDED.dims, content_hash = EXCLUDED.content_hash, embedding = EXCLUDED.embedding, updated_at = now()"
            _ = try c.query(sql)
        }
        for space in spaces {
            for kind in ["fused", "text", "image"] {
                let ids = kinds.filter { !($0.kinds[space.name]?.contains(kind) ?? false) }.map(\.itemID)
                if !ids.isEmpty {
                    _ = try c.query("DELETE FROM item_embeddings WHERE item_id = ANY(\(bind: ids)::text[]) AND space = \(bind: space.name.value) AND kind = \(bind: kind)" as PostgresQuery)
                }
            }
        }
    }

    /// Adds vectors to the shared content-hash cache (the first writer of a hash wins).
    static func writeCache(_ entries: [CacheEntry], on c: PGConnection) throws {
        for chunk in entries.chunked(200) {
            var sql: PostgresQuery = "INSERT INTO embedding_cache (content_hash, model, dims, kind, embedding) VALUES "
            sql += chunk.map { e -> PostgresQuery in
                "(\(bind: PostgresBytes(e.hash)),\(bind: e.model),\(bind: e.dims)::int4,\(bind: e.kind),\(bind: PGVector.halfvec(e.vector))::public.halfvec)"
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
