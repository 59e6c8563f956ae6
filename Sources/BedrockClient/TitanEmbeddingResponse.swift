/// The InvokeModel response body for Titan Multimodal Embeddings G1.
public struct TitanEmbeddingResponse: Codable, Sendable, Equatable {
    public var embedding: [Float]
    /// Tokens counted in `inputText`; absent for image-only requests.
    public var inputTextTokenCount: Int?
    /// Titan may return a message alongside the vector (e.g. a warning); usually absent.
    public var message: String?

    public init(embedding: [Float], inputTextTokenCount: Int? = nil, message: String? = nil) {
        self.embedding = embedding
        self.inputTextTokenCount = inputTextTokenCount
        self.message = message
    }
}
