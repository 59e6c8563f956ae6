/// The embedding model families the product speaks: each has its own InvokeModel request and response schema,
/// input rules and output dimensions. ``TitanEmbeddingClient`` builds the request and parses the response by the
/// family of ``BedrockClientConfiguration/family``; the rest of the product only says what to embed and what for
/// (``EmbeddingPurpose``).
public enum EmbeddingModelFamily: String, Sendable, CaseIterable, Codable {
    /// Amazon Titan Multimodal Embeddings G1 (`amazon.titan-embed-image-v1`): ``TitanEmbeddingRequest``; text and
    /// image in one request give one fused vector.
    case titan
    /// Amazon Nova Multimodal Embeddings (`amazon.nova-2-multimodal-embeddings-v1:0`): ``NovaEmbeddingRequest``;
    /// one modality per request, so a caption with an image is two requests fused by the client
    /// (see ``NovaModel/fuse(_:_:)``).
    case nova

    /// Output lengths the family accepts.
    public var supportedDimensions: Set<Int> {
        switch self {
        case .titan: TitanModel.supportedDimensions
        case .nova: NovaModel.supportedDimensions
        }
    }

    /// The base model id of the family.
    public var baseModelID: String {
        switch self {
        case .titan: TitanModel.multimodalEmbeddingsV1
        case .nova: NovaModel.multimodalEmbeddingsV1
        }
    }

    /// `256, 384 or 1024` (Titan) / `256, 384, 1024 or 3072` (Nova), for error messages.
    public var dimensionsText: String {
        let sorted = supportedDimensions.sorted().map(String.init)
        return sorted.dropLast().joined(separator: ", ") + " or " + sorted.last!
    }

    /// The family of a base model id, or `nil` when the id does not name one (custom and provisioned model ARNs,
    /// other models).
    ///
    /// Recognised: the base ids with or without a version suffix (`amazon.titan-embed-image-v1`,
    /// `amazon.titan-embed-image-v1:0`, `amazon.nova-2-multimodal-embeddings-v1:0`), the same behind a
    /// cross-region inference profile prefix (`us.amazon.nova-…`), and foundation-model ARNs
    /// (`arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-…`), whose last path component is the base id.
    public static func inferred(fromModelID modelID: String) -> EmbeddingModelFamily? {
        var id = Substring(modelID)
        if id.hasPrefix("arn:") {
            guard let slash = id.lastIndex(of: "/"), id.contains(":foundation-model/") || id.contains(":inference-profile/") else { return nil }
            id = id[id.index(after: slash)...]
        }
        // A cross-region inference profile id: `us.`, `eu.`, `apac.`, `global.` … before the provider.
        if let dot = id.firstIndex(of: "."), id[id.index(after: dot)...].hasPrefix("amazon."), !id.hasPrefix("amazon.") {
            id = id[id.index(after: dot)...]
        }
        for family in allCases {
            let base = family.baseModelID.split(separator: ":").first.map(String.init) ?? family.baseModelID
            if id == base || id.hasPrefix(base + ":") { return family }
        }
        return nil
    }

    /// The family of `modelID` as `BEDROCK_MODEL_FAMILY` and `BEDROCK_MODEL_ID` configure it.
    ///
    /// - Parameters:
    ///   - setting: `titan`, `nova` (any case), or `nil`/empty to infer it from the model id.
    /// - Throws: ``BedrockError`` `configuration` for an unknown family name, a family that contradicts a base model
    ///   id, or a model id the family cannot be inferred from (a custom or provisioned model ARN) without a setting.
    public static func resolve(modelID: String, setting: String?) throws(BedrockError) -> EmbeddingModelFamily {
        let inferred = inferred(fromModelID: modelID)
        guard let raw = setting?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            guard let inferred else {
                throw BedrockError(.configuration, "BEDROCK_MODEL_ID '\(modelID)' does not say which model family it is (a custom or provisioned model ARN, or another model): set BEDROCK_MODEL_FAMILY to titan or nova")
            }
            return inferred
        }
        guard let family = EmbeddingModelFamily(rawValue: raw.lowercased()) else {
            throw BedrockError(.configuration, "BEDROCK_MODEL_FAMILY must be titan or nova, not '\(raw)'")
        }
        if let inferred, inferred != family {
            throw BedrockError(.configuration, "BEDROCK_MODEL_FAMILY=\(family.rawValue) contradicts BEDROCK_MODEL_ID '\(modelID)', a \(inferred.rawValue) model")
        }
        return family
    }
}
