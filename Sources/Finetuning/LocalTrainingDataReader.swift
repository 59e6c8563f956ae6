#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TitanLocal

/// The dataset reader of `rec titan-local`'s local trainer: checks a file with ``DatasetValidator`` (the same rules
/// as `rec finetune dataset validate`) and reads its records with the same line parser.
///
/// Differences from Bedrock, on purpose: the record-count bounds (training 1,000–500,000, validation 8–50,000)
/// are reported as a note instead of refusing the file, so that a small demo catalog can be trained on; local
/// image refs are required (an `s3://` ref is refused: titan-local has no S3). Every other rule refuses the file,
/// with the first violations and their line numbers in the message.
public struct LocalTrainingDataReader: TrainingDataReader {
    /// Violations quoted in a refusal. Default: 5.
    public var quotedViolations: Int
    public var progress: ProgressReporter?

    public init(quotedViolations: Int = 5, progress: ProgressReporter? = nil) {
        self.quotedViolations = quotedViolations
        self.progress = progress
    }

    public func read(path: String, role: TrainingDataRole) async throws -> TrainingData {
        let baseDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let rulesRole: TitanFinetuningRules.Role = role == .training ? .training : .validation
        let report: DatasetValidationReport
        do {
            report = try await DatasetValidator(role: rulesRole, baseDirectory: baseDirectory,
                                                s3Unavailable: "rec titan-local trains on local files", progress: progress).validate(path: path)
        } catch {
            throw TrainingDataError(error.message)
        }
        let refusing = report.violations.filter { !$0.isWarning && $0.rule != .recordCount }
        guard refusing.isEmpty else {
            let quoted = refusing.prefix(quotedViolations).map { "line \($0.line): \($0.rule.rawValue): \($0.message)" }
            throw TrainingDataError("\(URL(fileURLWithPath: path).lastPathComponent) breaks the dataset rules (\(refusing.count) error\(refusing.count == 1 ? "" : "s"); rec finetune dataset validate \(path) lists them all): "
                                    + quoted.joined(separator: "; ") + (refusing.count > quotedViolations ? "; …" : ""))
        }
        guard report.s3Refs == 0 else {
            throw TrainingDataError("\(URL(fileURLWithPath: path).lastPathComponent) has \(report.s3Refs) s3:// image ref(s): rec titan-local trains on local image files (export with --image-refs local)")
        }
        var notes: [String] = []
        if let count = report.violations.first(where: { $0.rule == .recordCount }) {
            notes.append(count.message + " on Bedrock; the local trainer accepts it")
        }
        return TrainingData(pairs: try Self.records(path: path, baseDirectory: baseDirectory), notes: notes)
    }

    /// The records of a file the validator accepted: local image paths (relative refs resolved against
    /// `baseDirectory`) and captions, in file order.
    static func records(path: String, baseDirectory: String) throws -> [TrainingPair] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TrainingDataError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var reader = JSONLLineReader(fd: fd)
        var pairs: [TrainingPair] = []
        var n = 0
        do {
            while let line = try reader.next() {
                n += 1
                guard case .text(let bytes) = line else { continue }
                let parsed = DatasetLine(bytes, lineNumber: n)
                guard parsed.isRecord, let ref = parsed.imageRef, let caption = parsed.caption else { continue }
                guard case .local(let imagePath) = ImageRef(ref, baseDirectory: baseDirectory) else {
                    throw TrainingDataError("line \(n): \(ref) is not a local image (rec titan-local trains on local files)")
                }
                pairs.append(TrainingPair(imagePath: imagePath, caption: caption))
            }
        } catch let error as FinetuneError {
            throw TrainingDataError(error.message)
        }
        return pairs
    }
}
