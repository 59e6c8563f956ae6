/// The InvokeModel response body for Amazon Nova Multimodal Embeddings:
/// `{"embeddings": [{"embeddingType": "TEXT", "embedding": [...], "truncatedCharLength": N?}]}`.
///
/// A single-modality request answers one entry (two only for video with `AUDIO_VIDEO_SEPARATE`, unused here).
public struct NovaEmbeddingResponse: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        /// `TEXT`, `IMAGE`, `VIDEO`, `AUDIO` or `AUDIO_VIDEO_COMBINED`.
        public var embeddingType: String?
        public var embedding: [Float]
        /// Present only when the text's tokens exceeded the model's context: the character after which the text was
        /// cut before embedding.
        public var truncatedCharLength: Int?

        public init(embeddingType: String?, embedding: [Float], truncatedCharLength: Int? = nil) {
            self.embeddingType = embeddingType
            self.embedding = embedding
            self.truncatedCharLength = truncatedCharLength
        }
    }

    public var embeddings: [Entry]

    public init(embeddings: [Entry]) { self.embeddings = embeddings }
}
