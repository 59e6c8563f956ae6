/// Reads a local fine-tuning dataset for a ``ModelCustomizationJobs`` job: checks it by the dataset rules and
/// returns its image–caption pairs. Implemented by the Finetuning module (`LocalTrainingDataReader`), which owns
/// those rules, and injected by `rec titan-local`, so that titan-local does not carry a second reader.
public protocol TrainingDataReader: Sendable {
    /// - Parameters:
    ///   - path: a local JSON Lines file of `{"image-ref", "caption"}` records.
    /// - Throws: ``TrainingDataError`` saying what is wrong (it becomes the job's `failureMessage`).
    func read(path: String, role: TrainingDataRole) async throws -> TrainingData
}

/// What a dataset file is for.
public enum TrainingDataRole: String, Sendable {
    case training
    case validation
}

/// One record: a local image file and its caption.
public struct TrainingPair: Sendable, Equatable {
    public var imagePath: String
    public var caption: String

    public init(imagePath: String, caption: String) {
        self.imagePath = imagePath
        self.caption = caption
    }
}

/// A dataset's records and what its check noted without refusing it (e.g. fewer records than Bedrock's minimum).
public struct TrainingData: Sendable {
    public var pairs: [TrainingPair]
    public var notes: [String]

    public init(pairs: [TrainingPair], notes: [String] = []) {
        self.pairs = pairs
        self.notes = notes
    }
}

/// A dataset the local trainer cannot use.
public struct TrainingDataError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
