import EmbeddingSpaces
import Foundation
import Postgres

extension CatalogStore {
    /// A vector computed outside the streaming path (a Bedrock batch inference job's output), for an item as it was
    /// when its input was read.
    public struct ComputedVector: Sendable {
        public var itemID: String
        /// The item's `version_at` when its input (caption, image) was read: the vector is stored only if the item is
        /// still at this version.
        public var versionAt: Date
        public var kind: String
        /// ``CatalogIngest/contentHash(model:dimensions:kind:text:image:)`` of the input, as streaming ingest computes
        /// it for the space's model and dimension.
        public var hash: [UInt8]
        public var vector: [Float]

        public init(itemID: String, versionAt: Date, kind: String, hash: [UInt8], vector: [Float]) {
            self.itemID = itemID
            self.versionAt = versionAt
            self.kind = kind
            self.hash = hash
            self.vector = vector
        }
    }

    /// What ``storeComputedVectors(_:in:)`` did.
    public struct ComputedVectorResult: Sendable, Equatable {
        /// Items whose vector was written.
        public var written: Set<String> = []
        /// Items already holding a vector of that content hash in the space (nothing to write).
        public var unchanged: Set<String> = []
        /// Items that changed (another `version_at`) or were deleted since their input was read: not written.
        public var changed: Set<String> = []
    }

    /// Stores computed vectors in `space` through streaming ingest's writes (``writeVectors(_:kinds:spaces:on:)`` and
    /// the shared content-hash cache), in one transaction that locks the space against retirement and the items' rows
    /// against concurrent events, so an event applied meanwhile is never overwritten by an older input's vector.
    ///
    /// - Throws: ``EmbeddingSpaceError`` `refused` when the space is retired; the database's errors.
    public func storeComputedVectors(_ vectors: [ComputedVector], in space: EmbeddingSpace) async throws -> ComputedVectorResult {
        guard !vectors.isEmpty else { return ComputedVectorResult() }
        let spaces = self.spaces
        return try await pool.transaction { c in
            guard try !spaces.lockForWriting([space], on: c).isEmpty else {
                throw EmbeddingSpaceError(.refused, "embedding space \(space.name) is retired: nothing is written to it")
            }
            let ids = Array(Set(vectors.map(\.itemID))).sorted()
            var versions = [String: Date]()
            for r in try c.query("SELECT id, version_at FROM items WHERE id = ANY(\(bind: ids)::text[]) AND deleted_at IS NULL ORDER BY id FOR UPDATE" as PostgresQuery,
                                 resultFormat: .binary) {
                versions[try r.string(0)] = try r.date(1)
            }
            var stored = [String: [UInt8]]()
            let q: PostgresQuery = "SELECT item_id, kind, content_hash FROM item_embeddings WHERE item_id = ANY(\(bind: ids)::text[]) AND space = \(bind: space.name.value)"
            for r in try c.query(q, resultFormat: .binary) { stored[try r.string(0) + "/" + r.string(1)] = r.bytes(2) ?? [] }
            var result = ComputedVectorResult()
            var fresh = [ComputedVector]()
            var seen = Set<String>()
            // One vector per item and kind (one upsert cannot touch a row twice); the first wins.
            for v in vectors where seen.insert(v.itemID + "/" + v.kind).inserted {
                guard let version = versions[v.itemID], version == v.versionAt else { result.changed.insert(v.itemID); continue }
                if stored[v.itemID + "/" + v.kind] == v.hash {
                    result.unchanged.insert(v.itemID)
                } else {
                    fresh.append(v)
                    result.written.insert(v.itemID)
                }
            }
            let kinds = Set(space.kinds)
            try Self.writeVectors(fresh.map { ($0.itemID, Vector(space: space, kind: $0.kind, hash: $0.hash, vector: $0.vector)) },
                                  kinds: result.written.sorted().map { ($0, [space.name: kinds]) }, spaces: [space], on: c)
            try Self.writeCache(fresh.map { CacheEntry(hash: $0.hash, model: space.model, dims: space.dims, kind: $0.kind, vector: $0.vector) }, on: c)
            return result
        }
    }
}
