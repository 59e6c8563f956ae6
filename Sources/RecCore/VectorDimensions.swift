/// The vector dimensions the database schema stores and indexes: `item_embeddings` and `embedding_cache` accept
/// these `dims` (a CHECK), each with its own partial HNSW index on `embedding::halfvec(N)` (migrations 0001, 0002,
/// 0009), and profiles live in the same space. Which of them a model offers is its family's business (Titan: 256, 384,
/// 1024; Nova: also 3072); this is what every process accepts as `BEDROCK_EMBEDDING_DIMENSIONS`.
public enum VectorDimensions {
    public static let supported: Set<Int> = [256, 384, 1024, 3072]

    /// `256, 384, 1024 or 3072`, for error messages.
    public static let text = "256, 384, 1024 or 3072"
}
