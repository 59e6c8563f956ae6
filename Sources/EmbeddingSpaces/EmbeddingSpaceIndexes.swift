import Postgres

/// Names and DDL of the HNSW indexes on `item_embeddings`: migration 0001's per-dimension ones
/// (`item_embeddings_hnsw_<dims>`, `WHERE dims = N`) and each space's own (`item_embeddings_space_<name>`,
/// `WHERE space = 'name' AND dims = N`).
public enum EmbeddingSpaceIndexes {
    static let legacyPrefix = "item_embeddings_hnsw_"
    static let ownPrefix = "item_embeddings_space_"

    public static func ownIndexName(_ space: PostgresIdentifierLiteral) -> String { ownPrefix + space.value }

    /// The scope an index name stands for, or nil for other indexes (keys).
    public static func scope(ofIndexNamed name: String) -> EmbeddingSpaceRules.VectorIndex.Scope? {
        if name.hasPrefix(legacyPrefix), let dims = Int(name.dropFirst(legacyPrefix.count)) { return .legacy(dims: dims) }
        if name.hasPrefix(ownPrefix), let space = PostgresIdentifierLiteral(String(name.dropFirst(ownPrefix.count))) { return .own(space) }
        return nil
    }

    /// `CREATE INDEX CONCURRENTLY` of a space's own index: HNSW with the parameters of migration 0001, on the
    /// sized cast that queries order by, for the space's rows of its dimension only.
    public static func createOwnIndexSQL(_ space: EmbeddingSpace) -> String {
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS \(ownIndexName(space.name)) ON item_embeddings "
            + "USING hnsw ((embedding::public.halfvec(\(space.dims))) public.halfvec_cosine_ops) WITH (m = 16, ef_construction = 64) "
            + "WHERE space = \(space.name.sqlString) AND dims = \(space.dims)"
    }
}
