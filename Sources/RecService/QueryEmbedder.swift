import BedrockClient

/// Turns a search query (text, image or both) into a vector; production uses Bedrock (Titan or Nova) through ``TitanEmbeddingClient``.
public protocol QueryEmbedder: Sendable {
    func embed(text: String?, image: [UInt8]?, dimensions: Int) async throws -> [Float]
    /// With the model of the request's embedding space (nil: the embedder's own).
    func embed(text: String?, image: [UInt8]?, dimensions: Int, modelID: String?) async throws -> [Float]
}

extension QueryEmbedder {
    /// Embedders of one model (test doubles) ignore the model id.
    public func embed(text: String?, image: [UInt8]?, dimensions: Int, modelID: String?) async throws -> [Float] {
        try await embed(text: text, image: image, dimensions: dimensions)
    }
}

/// The same embedding path as ingest: BedrockClient's client, of the model family ingest used.
///
/// Queries are embedded for retrieval: with Nova, the purpose matches the kind of stored vector searched
/// (`fused`: `GENERIC_RETRIEVAL`, `text`: `TEXT_RETRIEVAL`, `image`: `IMAGE_RETRIEVAL`; items are indexed with
/// `GENERIC_INDEX`); Titan ignores it.
public struct TitanQueryEmbedder: QueryEmbedder {
    public let client: TitanEmbeddingClient
    /// The purpose queries are embedded for.
    public let purpose: EmbeddingPurpose

    /// - Parameter searchingKind: the stored kind searched (``RecommenderConfiguration/embeddingKind``). Default: `fused`.
    public init(client: TitanEmbeddingClient, searchingKind: String = "fused") {
        self.client = client
        self.purpose = .retrieval(searchingKind: searchingKind)
    }

    /// - Throws: ``RecServiceError``: `invalidInput` for input Titan would reject, `unavailable` when
    ///   throttled or retriable, `upstream` otherwise.
    public func embed(text: String?, image: [UInt8]?, dimensions: Int) async throws -> [Float] {
        try await embed(text: text, image: image, dimensions: dimensions, modelID: nil)
    }

    public func embed(text: String?, image: [UInt8]?, dimensions: Int, modelID: String?) async throws -> [Float] {
        do {
            return try await client.embed(text: text, image: image, dimensions: dimensions, modelID: modelID, purpose: purpose).vector
        } catch {
            // The endpoint's 400 (ValidationException: a corrupt image, too many tokens) is the input's fault too.
            if error.code == .invalidInput || error.code == .validation { throw RecServiceError(.invalidInput, error.message) }
            if error.isThrottle || error.isRetriable {
                throw RecServiceError(.unavailable, "the embedding service is busy; retry shortly", isRetriable: true)
            }
            throw RecServiceError(.upstream, "the embedding service failed (\(error.code))")
        }
    }
}
