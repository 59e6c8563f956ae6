import BedrockClient

/// Turns a search query (text, image or both) into a vector; production uses Titan through ``TitanEmbeddingClient``.
public protocol QueryEmbedder: Sendable {
    func embed(text: String?, image: [UInt8]?, dimensions: Int) async throws -> [Float]
}

/// The same embedding path as ingest: BedrockClient's Titan client.
public struct TitanQueryEmbedder: QueryEmbedder {
    public let client: TitanEmbeddingClient
    public init(client: TitanEmbeddingClient) { self.client = client }

    /// - Throws: ``RecServiceError``: `invalidInput` for input Titan would reject, `unavailable` when
    ///   throttled or retriable, `upstream` otherwise.
    public func embed(text: String?, image: [UInt8]?, dimensions: Int) async throws -> [Float] {
        do {
            return try await client.embed(text: text, image: image, dimensions: dimensions).vector
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
