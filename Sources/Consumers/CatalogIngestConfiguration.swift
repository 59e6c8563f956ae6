import BedrockClient
import EmbeddingSpaces
import RecCore

/// How products become vectors.
public struct CatalogIngestConfiguration: Sendable {
    /// `fused`: one Titan call with caption and image, one vector (kind `fused`).
    /// `separate`: a text vector and (when there is an image) an image vector, so text→image and
    /// image→image search both work (kinds `text`, `image`).
    public enum EmbeddingMode: String, Sendable, CaseIterable { case fused, separate }

    /// What to do with a product whose image URL is permanently broken.
    public enum BrokenImagePolicy: String, Sendable, CaseIterable {
        /// Store it text-only, recording the reason in `items.image_error`.
        case textOnly = "text-only"
        /// Dead-letter the event.
        case deadLetter = "dead-letter"
    }

    /// Default: `fused`.
    public var mode: EmbeddingMode
    /// 256, 384 or 1024 (Nova: also 3072). Default: 1024.
    public var dimensions: Int
    /// Stored with each vector and part of the content hash (with the dimension: vectors of different models or
    /// dimensions never share a cache entry). Default: `amazon.titan-embed-image-v1`.
    public var modelID: String
    /// The model's family, which decides the dimensions it offers. Default: inferred from ``modelID``, else Titan.
    public var family: EmbeddingModelFamily
    /// Embedding requests in flight across one poll batch. Default: 16.
    public var embedConcurrency: Int
    /// Image downloads in flight across one poll batch. Default: 16.
    public var fetchConcurrency: Int
    /// Write transactions in flight while a batch is embedded (vector index inserts are CPU-heavy and parallelize on the server). Default: 4.
    public var writeConcurrency: Int
    /// Default: `textOnly`.
    public var brokenImagePolicy: BrokenImagePolicy
    /// Transient image failures of one event (timeouts, 5xx) after which the URL counts as broken. Default: 5.
    public var maxImageAttempts: Int

    /// - Throws: ``CatalogEventError`` `invalidField` for a dimension the schema or the family does not offer, or
    ///   non-positive limits.
    public init(mode: EmbeddingMode = .fused, dimensions: Int = TitanModel.defaultDimension, modelID: String = TitanModel.multimodalEmbeddingsV1,
                family: EmbeddingModelFamily? = nil, embedConcurrency: Int = 16, fetchConcurrency: Int = 16, writeConcurrency: Int = 4, brokenImagePolicy: BrokenImagePolicy = .textOnly, maxImageAttempts: Int = 5) throws {
        let family = family ?? EmbeddingModelFamily.inferred(fromModelID: modelID) ?? .titan
        guard VectorDimensions.supported.contains(dimensions), family.supportedDimensions.contains(dimensions) else {
            throw CatalogEventError(.invalidField, "embedding dimensions must be \(family.dimensionsText) for \(family.rawValue) models, not \(dimensions)")
        }
        guard embedConcurrency > 0, fetchConcurrency > 0, writeConcurrency > 0, maxImageAttempts > 0 else {
            throw CatalogEventError(.invalidField, "concurrency limits and maxImageAttempts must be positive")
        }
        self.mode = mode
        self.dimensions = dimensions
        self.modelID = modelID
        self.family = family
        self.embedConcurrency = embedConcurrency
        self.fetchConcurrency = fetchConcurrency
        self.writeConcurrency = writeConcurrency
        self.brokenImagePolicy = brokenImagePolicy
        self.maxImageAttempts = maxImageAttempts
    }

    /// The embedding space these settings describe (`default`): what a fixed-space ingest writes, and what a
    /// process registers on an empty database.
    public var space: EmbeddingSpace {
        .default(model: modelID, dims: dimensions, mode: mode == .fused ? .fused : .separate)
    }
}
