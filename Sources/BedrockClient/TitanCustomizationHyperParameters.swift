/// The hyperparameters of a Titan Multimodal Embeddings G1 customization job, checked against the model's ranges
/// before anything is sent.
///
/// Ranges from the Bedrock user guide ("Amazon Titan Multimodal Embeddings G1 customization hyperparameters"):
/// `epochCount` 1...100 or `Auto` (no default: it must be given), `batchSize` 256...9,216 (default 576),
/// `learningRate` 5e-8...1 (default 5e-5). The API takes every value as a string.
public struct TitanCustomizationHyperParameters: Sendable, Equatable {
    /// Passes over the training set; `nil` sends `Auto` (Bedrock picks a number from the dataset's size).
    public var epochCount: Int?
    /// Samples per parameter update. Default: 576.
    public var batchSize: Int
    /// Default: 5e-5.
    public var learningRate: Double

    public static let epochCountRange = 1...100
    public static let batchSizeRange = 256...9_216
    public static let learningRateRange = 5e-8...1.0
    public static let defaultBatchSize = 576
    public static let defaultLearningRate = 5e-5

    /// - Throws: ``BedrockError`` `invalidInput` naming the hyperparameter and the bound it crosses.
    public init(epochCount: Int?, batchSize: Int = defaultBatchSize, learningRate: Double = defaultLearningRate) throws(BedrockError) {
        if let epochCount, !Self.epochCountRange.contains(epochCount) {
            let bound = epochCount < Self.epochCountRange.lowerBound ? "at least \(Self.epochCountRange.lowerBound)" : "at most \(Self.epochCountRange.upperBound)"
            throw BedrockError(.invalidInput, "epochCount must be \(bound) (1...100, or Auto), not \(epochCount)")
        }
        guard Self.batchSizeRange.contains(batchSize) else {
            let bound = batchSize < Self.batchSizeRange.lowerBound ? "at least 256" : "at most 9216"
            throw BedrockError(.invalidInput, "batchSize must be \(bound) (256...9216), not \(batchSize)")
        }
        guard learningRate.isFinite, Self.learningRateRange.contains(learningRate) else {
            let bound = learningRate.isNaN ? "a number" : learningRate < Self.learningRateRange.lowerBound ? "at least 5e-8" : "at most 1"
            throw BedrockError(.invalidInput, "learningRate must be \(bound) (5e-8...1), not \(learningRate)")
        }
        self.epochCount = epochCount
        self.batchSize = batchSize
        self.learningRate = learningRate
    }

    /// Parses `--epochs`: an integer or `Auto` (any case).
    ///
    /// - Throws: ``BedrockError`` `invalidInput`.
    public static func epochCount(parsing text: String) throws(BedrockError) -> Int? {
        if text.lowercased() == "auto" { return nil }
        guard let n = Int(text) else { throw BedrockError(.invalidInput, "epochCount must be an integer 1...100 or Auto, not '\(text)'") }
        return n
    }

    /// The `hyperParameters` map as the API takes it (values are strings).
    public var wireValues: [String: String] {
        ["epochCount": epochCount.map(String.init) ?? "Auto", "batchSize": String(batchSize), "learningRate": Self.format(learningRate)]
    }

    /// `5e-05` style without trailing noise: Swift's shortest round-tripping description.
    static func format(_ value: Double) -> String { "\(value)" }
}
