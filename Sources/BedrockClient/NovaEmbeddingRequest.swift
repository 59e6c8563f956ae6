/// The InvokeModel body for Amazon Nova Multimodal Embeddings, synchronous form:
///
/// ```json
/// {"schemaVersion": "nova-multimodal-embed-v1", "taskType": "SINGLE_EMBEDDING",
///  "singleEmbeddingParams": {"embeddingPurpose": "GENERIC_INDEX", "embeddingDimension": 1024,
///                            "text": {"truncationMode": "END", "value": "..."}}}
/// ```
///
/// Exactly one of `text` and `image` per request (the model's rule; audio and video are not used here). Absent
/// fields are omitted, not sent as `null`.
public struct NovaEmbeddingRequest: Codable, Sendable, Equatable {
    public struct Text: Codable, Sendable, Equatable {
        /// `END`, `START` or `NONE`: which end is dropped when the tokens exceed the model's context (`NONE`: refuse).
        public var truncationMode: String
        public var value: String
        public init(truncationMode: String, value: String) {
            self.truncationMode = truncationMode
            self.value = value
        }
    }

    public struct Source: Codable, Sendable, Equatable {
        /// The content, base64-encoded.
        public var bytes: String
        public init(bytes: String) { self.bytes = bytes }
    }

    public struct Image: Codable, Sendable, Equatable {
        /// `png`, `jpeg`, `gif` or `webp` (the product sends PNG and JPEG only).
        public var format: String
        public var source: Source
        public init(format: String, source: Source) {
            self.format = format
            self.source = source
        }
    }

    public struct Params: Codable, Sendable, Equatable {
        /// `GENERIC_INDEX`, `GENERIC_RETRIEVAL`, `TEXT_RETRIEVAL`, `IMAGE_RETRIEVAL`, … (``EmbeddingPurpose/novaValue``).
        public var embeddingPurpose: String
        /// 256, 384, 1024 or 3072.
        public var embeddingDimension: Int?
        public var text: Text?
        public var image: Image?
        public init(embeddingPurpose: String, embeddingDimension: Int?, text: Text? = nil, image: Image? = nil) {
            self.embeddingPurpose = embeddingPurpose
            self.embeddingDimension = embeddingDimension
            self.text = text
            self.image = image
        }
    }

    public var schemaVersion: String?
    public var taskType: String
    public var singleEmbeddingParams: Params

    public init(schemaVersion: String? = NovaModel.schemaVersion, taskType: String = NovaModel.singleEmbeddingTask, singleEmbeddingParams: Params) {
        self.schemaVersion = schemaVersion
        self.taskType = taskType
        self.singleEmbeddingParams = singleEmbeddingParams
    }

    /// A text request.
    public static func text(_ value: String, truncationMode: String, purpose: EmbeddingPurpose, dimensions: Int) -> NovaEmbeddingRequest {
        NovaEmbeddingRequest(singleEmbeddingParams: Params(embeddingPurpose: purpose.novaValue, embeddingDimension: dimensions,
                                                           text: Text(truncationMode: truncationMode, value: value)))
    }

    /// An image request with inline bytes (already base64).
    public static func image(base64 bytes: String, format: String, purpose: EmbeddingPurpose, dimensions: Int) -> NovaEmbeddingRequest {
        NovaEmbeddingRequest(singleEmbeddingParams: Params(embeddingPurpose: purpose.novaValue, embeddingDimension: dimensions,
                                                           image: Image(format: format, source: Source(bytes: bytes))))
    }
}
