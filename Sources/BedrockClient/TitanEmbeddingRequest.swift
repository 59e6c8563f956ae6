/// The InvokeModel body for Titan Multimodal Embeddings G1.
///
/// Text only, image only, or both (one fused vector). Absent fields are omitted, not sent as `null`.
public struct TitanEmbeddingRequest: Codable, Sendable, Equatable {
    public struct EmbeddingConfig: Codable, Sendable, Equatable {
        /// 256, 384 or 1024.
        public var outputEmbeddingLength: Int
        public init(outputEmbeddingLength: Int) { self.outputEmbeddingLength = outputEmbeddingLength }
    }

    public var inputText: String?
    /// The image, base64-encoded (PNG or JPEG, at most 5 MB before encoding).
    public var inputImage: String?
    public var embeddingConfig: EmbeddingConfig?

    public init(inputText: String? = nil, inputImage: String? = nil, embeddingConfig: EmbeddingConfig? = nil) {
        self.inputText = inputText
        self.inputImage = inputImage
        self.embeddingConfig = embeddingConfig
    }
}
