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

import Foundation

extension TitanEmbeddingRequest {
    /// The body ``TitanEmbeddingClient`` sends (first) for `input`: the input rules and the text policy applied
    /// (``TitanInput/validated(dimensions:textPolicy:)``), the image base64-encoded. Batch inference records carry
    /// exactly this as their `modelInput`, so a batch vector is the vector streaming ingest would get.
    ///
    /// - Returns: the body and whether the text was cut by the policy.
    /// - Throws: ``BedrockError`` `invalidInput`, as ``TitanInput/validated(dimensions:textPolicy:)``.
    public static func make(_ input: TitanInput, dimensions: Int, textPolicy: TitanTextPolicy) throws(BedrockError) -> (request: TitanEmbeddingRequest, truncated: Bool) {
        let (text, truncated) = try input.validated(dimensions: dimensions, textPolicy: textPolicy)
        return (TitanEmbeddingRequest(inputText: text, inputImage: input.image.map { Data($0).base64EncodedString() },
                                      embeddingConfig: .init(outputEmbeddingLength: dimensions)), truncated)
    }
}
