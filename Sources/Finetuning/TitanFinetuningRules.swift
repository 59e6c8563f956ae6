import BedrockClient

/// The dataset rules of Amazon Titan Multimodal Embeddings G1 fine-tuning, from the model card's "Finetuning"
/// section (Amazon Bedrock user guide, "Amazon Titan Multimodal Embeddings G1 model",
/// https://docs.aws.amazon.com/bedrock/latest/userguide/titan-multiemb-models.html) and "Prepare data for
/// fine-tuning image generation and embedding models" (one `{"image-ref": "s3://…", "caption": "…"}` per line,
/// PNG or JPEG).
public enum TitanFinetuningRules {
    /// What a dataset file is for.
    public enum Role: String, Sendable, CaseIterable, Codable {
        case training
        case validation

        /// Records a file of this role may hold: training 1,000–500,000, validation 8–50,000.
        public var recordRange: ClosedRange<Int> { self == .training ? 1_000...500_000 : 8...50_000 }
    }

    /// The line's two keys.
    public static let imageRefKey = "image-ref"
    public static let captionKey = "caption"
    /// Input image size limit: 5 MB (the same limit as inference, ``TitanModel/maxImageBytes``).
    public static let maxImageBytes = TitanModel.maxImageBytes
    /// Image dimensions: 128 to 4,096 px per side.
    public static let sideRange = 128...4_096
    /// Aspect ratio (width / height): 0.25 to 4.
    public static let aspectRatioRange = 0.25...4.0
    /// Maximum total pixels per image: 2048 × 2048 × 3 (read as pixel values: width × height × 3 channels).
    public static let maxPixelValues = 2_048 * 2_048 * 3
    /// Caption length: 0 to 2,560 characters (Unicode scalars, as Python's `len`).
    public static let maxCaptionCharacters = 2_560
    /// Max tokens in a caption: 128 (``TitanModel/maxTextTokens``), checked with the product's conservative
    /// ``TitanTokenEstimator`` against its budget (128 less an 8-token margin), so it is an estimate.
    public static let maxCaptionTokens = TitanModel.maxTextTokens

    /// The image rules a header breaks (``DatasetRule/imageBytes`` included when `byteCount` is known).
    public static func imageViolations(_ inspection: ImageInspection) -> [(DatasetRule, String)] {
        var out: [(DatasetRule, String)] = []
        let h = inspection.header
        if inspection.byteCount > maxImageBytes {
            out.append((.imageBytes, "the image is \(inspection.byteCount) bytes; the limit is \(maxImageBytes) (5 MB)"))
        }
        if !inspection.isComplete {
            out.append((.imageCorrupt, "the \(h.format == .png ? "PNG has no IEND chunk" : "JPEG has no end-of-image marker") at its end: cut short?"))
        }
        if !sideRange.contains(h.width) || !sideRange.contains(h.height) {
            out.append((.imageSide, "the image is \(h.width) × \(h.height) px; each side must be \(sideRange.lowerBound)–\(sideRange.upperBound) px"))
        }
        let ratio = Double(h.width) / Double(h.height)
        if !aspectRatioRange.contains(ratio) {
            out.append((.aspectRatio, "the aspect ratio (w/h) is \(format(ratio)) (\(h.width) × \(h.height)); it must be 0.25–4"))
        }
        if h.width * h.height * 3 > maxPixelValues {
            out.append((.pixelValues, "\(h.width) × \(h.height) × 3 = \(h.width * h.height * 3) pixel values; the limit is 2048 × 2048 × 3 = \(maxPixelValues)"))
        }
        if let p = h.jpegProcess, !p.isCommon {
            out.append((.jpegProcess, "a \(p.rawValue) JPEG: many decoders cannot read it; re-encode as baseline or progressive"))
        }
        return out
    }

    /// The caption rules `caption` breaks.
    public static func captionViolations(_ caption: String) -> [(DatasetRule, String)] {
        var out: [(DatasetRule, String)] = []
        let characters = caption.unicodeScalars.count
        if characters > maxCaptionCharacters {
            out.append((.captionCharacters, "the caption has \(characters) characters; the limit is \(maxCaptionCharacters)"))
        }
        let tokens = TitanTokenEstimator.estimate(caption)
        if tokens > TitanTokenEstimator.budget {
            out.append((.captionTokens, "the caption is estimated at \(tokens) tokens (an estimate: the product's conservative TitanTokenEstimator, budget \(TitanTokenEstimator.budget) = the limit \(maxCaptionTokens) less an 8-token margin)"))
        }
        return out
    }

    static func format(_ x: Double) -> String {
        let r = (x * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
