/// One Titan input: text, an image (PNG/JPEG bytes), or both (one fused vector).
public struct TitanInput: Sendable {
    public var text: String?
    public var image: [UInt8]?

    public init(text: String? = nil, image: [UInt8]? = nil) {
        self.text = text
        self.image = image
    }

    /// The image format, by magic bytes.
    public enum ImageFormat: String, Sendable { case png, jpeg }

    /// `png` for `89 50 4E 47 0D 0A 1A 0A`, `jpeg` for `FF D8 FF`, else `nil`.
    public static func imageFormat(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// Applies the model card's certain limits and the text policy; nothing is sent when this throws.
    ///
    /// - Returns: the text to send (possibly truncated) and whether it was truncated.
    /// - Throws: ``BedrockError`` `invalidInput`: no input, empty image, image over 5 MB, not PNG/JPEG,
    ///   unsupported dimension, or (policy `reject`) text estimated over the token limit.
    public func validated(dimensions: Int, textPolicy: TitanTextPolicy) throws(BedrockError) -> (text: String?, truncated: Bool) {
        guard TitanModel.supportedDimensions.contains(dimensions) else {
            throw BedrockError(.invalidInput, "dimensions must be 256, 384 or 1024, not \(dimensions)")
        }
        var text = self.text
        if let t = text, t.allSatisfy(\.isWhitespace) { text = nil }
        guard text != nil || image != nil else {
            throw BedrockError(.invalidInput, "nothing to embed: give text, an image, or both")
        }
        if let image {
            guard !image.isEmpty else { throw BedrockError(.invalidInput, "the image is empty") }
            guard image.count <= TitanModel.maxImageBytes else {
                throw BedrockError(.invalidInput, "the image is \(image.count) bytes; Titan accepts at most \(TitanModel.maxImageBytes) (5 MB)")
            }
            guard Self.imageFormat(image) != nil else {
                throw BedrockError(.invalidInput, "the image is neither PNG nor JPEG (by its first bytes)")
            }
        }
        guard let t = text else { return (nil, false) }
        switch textPolicy {
        case .passThrough:
            return (t, false)
        case .reject:
            let estimate = TitanTokenEstimator.estimate(t)
            guard estimate <= TitanTokenEstimator.budget else {
                throw BedrockError(.invalidInput, "the text is estimated at \(estimate) tokens; the limit is \(TitanModel.maxTextTokens) (estimate budget \(TitanTokenEstimator.budget))")
            }
            return (t, false)
        case .truncate:
            let (cut, truncated) = TitanTokenEstimator.truncate(t)
            return (cut, truncated)
        }
    }
}

/// A Titan embedding as returned to callers.
public struct TitanEmbedding: Sendable, Equatable {
    /// The vector (length = the requested dimensions).
    public var vector: [Float]
    /// Tokens Bedrock counted in the text; `nil` for image-only input.
    public var inputTextTokenCount: Int?
    /// Whether the text was cut by ``TitanTextPolicy/truncate`` (by the estimate, or after Bedrock refused it).
    public var textWasTruncated: Bool
    /// Requests it took, over all texts sent (1 = no retry).
    public var attempts: Int
    /// How many times Bedrock refused the text as too long and it was sent again cut harder (0 = never).
    public var tokenLimitRetries: Int

    public init(vector: [Float], inputTextTokenCount: Int?, textWasTruncated: Bool = false, attempts: Int = 1,
                tokenLimitRetries: Int = 0) {
        self.vector = vector
        self.inputTextTokenCount = inputTextTokenCount
        self.textWasTruncated = textWasTruncated
        self.attempts = attempts
        self.tokenLimitRetries = tokenLimitRetries
    }
}

import RecCore

extension TitanEmbedding {
    /// The vector as a RecCore ``Embedding``.
    public var embedding: Embedding { Embedding(vector) }
}
