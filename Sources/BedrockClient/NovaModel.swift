import RecCore

/// Amazon Nova Multimodal Embeddings: identifiers and input rules from the model's request schema
/// (docs.aws.amazon.com/nova/latest/userguide/embeddings-schema.html; what was checked and where is in docs/bedrock.md).
public enum NovaModel {
    /// The base model id.
    public static let multimodalEmbeddingsV1 = "amazon.nova-2-multimodal-embeddings-v1:0"
    /// `schemaVersion` of the requests.
    public static let schemaVersion = "nova-multimodal-embed-v1"
    /// `taskType` of synchronous InvokeModel requests.
    public static let singleEmbeddingTask = "SINGLE_EMBEDDING"
    /// `embeddingDimension` values the model accepts (it defaults to 3072 when absent; the product always sends one).
    public static let supportedDimensions: Set<Int> = [256, 384, 1024, 3072]
    /// The product's default dimension: the same as Titan's, so switching the model id alone never changes the schema's
    /// vector space size. Default: 1024.
    public static let defaultDimension = 1024
    /// The documented maximum length of `text.value`, in characters. (Bedrock's runtime check is looser, 50,000
    /// characters, answered with `ValidationException: … expected maxLength: 50000, actual: N`.)
    public static let maxTextCharacters = 8_192
    /// The runtime's hard limit on `text.value`, in characters.
    public static let runtimeMaxTextCharacters = 50_000
    /// The model's context, in tokens: text whose tokens exceed it is cut by `truncationMode` (`NONE`: refused).
    public static let maxTextTokens = 8_192
    /// The product's image limit, in bytes before base64: the catalog's 5 MB rule (PNG/JPEG), far inside what
    /// InvokeModel carries inline (about 25 MB of base64 body).
    public static let maxImageBytes = TitanModel.maxImageBytes

    /// One vector for a caption and an image: Nova embeds one modality per request, so the client embeds both and
    /// takes the normalised mean of the two unit vectors (the direction halfway between them; with Titan's
    /// stand-in fusion the same rule).
    public static func fuse(_ text: [Float], _ image: [Float]) -> [Float] {
        precondition(text.count == image.count, "dimension mismatch \(text.count) vs \(image.count)")
        let t = VectorMath.normalized(text), i = VectorMath.normalized(image)
        return VectorMath.normalized(zip(t, i).map { $0 + $1 })
    }
}
