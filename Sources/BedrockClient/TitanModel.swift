import RecCore

/// Amazon Titan Multimodal Embeddings G1: identifiers and input rules from the model card.
public enum TitanModel {
    /// The base model id.
    public static let multimodalEmbeddingsV1 = "amazon.titan-embed-image-v1"
    /// Output lengths the model accepts. Default: 1024.
    public static let supportedDimensions: Set<Int> = [256, 384, 1024]
    public static let defaultDimension = 1024
    /// Text limit, in the model's tokens.
    public static let maxTextTokens = 128
    /// Image limit, in bytes (before base64).
    public static let maxImageBytes = 5 * 1024 * 1024
}
