/// A rule of Titan Multimodal Embeddings G1 fine-tuning datasets that a record or a file can break
/// (``DatasetValidator``). The raw values are stable: they appear in `--json` output and the summary.
public enum DatasetRule: String, Sendable, CaseIterable, Codable, Comparable {
    // Errors: the dataset would be refused (or train on garbage).
    /// The line is not a JSON object (invalid JSON or UTF-8, empty line, byte order mark, over the line limit).
    case json
    /// Keys other than exactly `image-ref` and `caption`, or values that are not strings.
    case keys
    /// The image is not PNG or JPEG (by its content).
    case imageFormat = "image-format"
    /// The image's header is damaged, or the file ends before its end marker.
    case imageCorrupt = "image-corrupt"
    /// Over 5 MB.
    case imageBytes = "image-bytes"
    /// A side under 128 or over 4,096 pixels.
    case imageSide = "image-side"
    /// Width / height under 0.25 or over 4.
    case aspectRatio = "aspect-ratio"
    /// More than 2048 × 2048 × 3 pixel values (width × height × 3).
    case pixelValues = "pixel-values"
    /// Over 2,560 characters.
    case captionCharacters = "caption-characters"
    /// Over the token limit by the product's conservative estimate.
    case captionTokens = "caption-tokens"
    /// Too few or too many records for the file's role.
    case recordCount = "record-count"
    /// The same image ref and caption as an earlier line.
    case duplicateRecord = "duplicate-record"
    /// The same image ref as an earlier line, with another caption.
    case duplicateImage = "duplicate-image"
    /// The ref names nothing readable (missing file, S3 404/403, not an `s3://` or local ref).
    case unreadableRef = "unreadable-ref"

    // Warnings: reported, but the file stays valid.
    /// An S3 ref that was not checked (no credentials, or the check failed transiently).
    case notChecked = "not-checked"
    /// The extension (or S3 `Content-Type`) disagrees with the content.
    case extensionMismatch = "extension-mismatch"
    /// A local path: fine for checking, but Bedrock reads images from S3 only.
    case localRef = "local-ref"
    /// A JPEG coded in a rare process (lossless, hierarchical, arithmetic) many decoders refuse.
    case jpegProcess = "jpeg-process"

    public var isWarning: Bool {
        switch self {
        case .notChecked, .extensionMismatch, .localRef, .jpegProcess: true
        default: false
        }
    }

    public static func < (a: DatasetRule, b: DatasetRule) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One broken rule: where and why. Line 0 is the file as a whole (record counts).
public struct DatasetViolation: Sendable, Equatable, Codable {
    public var line: Int
    public var rule: DatasetRule
    public var message: String

    public init(line: Int, rule: DatasetRule, message: String) {
        self.line = line
        self.rule = rule
        self.message = message
    }

    public var isWarning: Bool { rule.isWarning }
}
