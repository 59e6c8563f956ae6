#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where ``ModelCustomizationJobs`` keeps jobs, trained adapters and provisioned throughputs, so that a restarted
/// `rec titan-local` still lists its jobs and serves its custom models:
///
/// ```
/// <directory>/jobs/<jobID>.json                  the job (``LocalCustomizationJob``), rewritten on each change
/// <directory>/models/<modelID>/model.json        the model (``CustomModelRecord``): dimensions, hyperparameters, losses
/// <directory>/models/<modelID>/weights.f32       the adapter: weights then bias, little-endian float32
/// <directory>/provisioned/<id>.json              a provisioned throughput (``ProvisionedModel``)
/// <directory>/invocation-jobs/<jobID>.json       a batch inference job (``LocalInvocationJob``)
/// ```
///
/// Files are written to a temporary name and renamed, so a crash never leaves half a file. A nil directory keeps
/// everything in memory (tests).
struct CustomModelStore: Sendable {
    let directory: URL?

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    private static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    func save(_ job: LocalCustomizationJob) throws {
        guard let directory else { return }
        try write(Self.encoder.encode(job), to: directory.appendingPathComponent("jobs/\(job.jobID).json"))
    }

    func save(_ model: CustomModelRecord, adapter: ImageAdapter) throws {
        guard let directory else { return }
        let folder = directory.appendingPathComponent("models/\(model.modelID)")
        var bytes = [UInt8]()
        bytes.reserveCapacity((adapter.weights.count + adapter.bias.count) * 4)
        for value in adapter.weights + adapter.bias { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        // Weights first: a model.json always has its weights beside it.
        try write(Data(bytes), to: folder.appendingPathComponent("weights.f32"))
        try write(Self.encoder.encode(model), to: folder.appendingPathComponent("model.json"))
    }

    func save(_ provisioned: ProvisionedModel) throws {
        guard let directory else { return }
        try write(Self.encoder.encode(provisioned), to: directory.appendingPathComponent("provisioned/\(provisioned.id).json"))
    }

    func save(_ job: LocalInvocationJob) throws {
        guard let directory else { return }
        try write(Self.encoder.encode(job), to: directory.appendingPathComponent("invocation-jobs/\(job.jobID).json"))
    }

    /// The batch inference jobs stored; what cannot be read is skipped and described in `problems`.
    func loadInvocationJobs() -> (jobs: [LocalInvocationJob], problems: [String]) {
        guard let directory else { return ([], []) }
        var problems: [String] = []
        let jobs = Self.documents(directory, "invocation-jobs", LocalInvocationJob.self, problems: &problems)
        return (jobs, problems)
    }

    private static func documents<T: Decodable>(_ directory: URL, _ folder: String, _ type: T.Type, problems: inout [String]) -> [T] {
        let url = directory.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            do { return try decoder.decode(T.self, from: Data(contentsOf: url.appendingPathComponent(name))) } catch {
                problems.append("\(folder)/\(name): \(error)")
                return nil
            }
        }
    }

    /// Everything stored; what cannot be read is skipped and described in `problems`.
    func load() -> (jobs: [LocalCustomizationJob], models: [(CustomModelRecord, ImageAdapter)], provisioned: [ProvisionedModel], problems: [String]) {
        guard let directory else { return ([], [], [], []) }
        var problems: [String] = []
        let jobs = Self.documents(directory, "jobs", LocalCustomizationJob.self, problems: &problems)
        let provisioned = Self.documents(directory, "provisioned", ProvisionedModel.self, problems: &problems)
        var models: [(CustomModelRecord, ImageAdapter)] = []
        let modelsURL = directory.appendingPathComponent("models")
        for id in ((try? FileManager.default.contentsOfDirectory(atPath: modelsURL.path)) ?? []).sorted() {
            let folder = modelsURL.appendingPathComponent(id)
            do {
                let record = try Self.decoder.decode(CustomModelRecord.self, from: Data(contentsOf: folder.appendingPathComponent("model.json")))
                let data = try Data(contentsOf: folder.appendingPathComponent("weights.f32"))
                let weightCount = record.inputDimension * record.outputDimension
                guard data.count == (weightCount + record.outputDimension) * 4 else {
                    problems.append("models/\(id): weights.f32 has \(data.count) bytes, expected \((weightCount + record.outputDimension) * 4)")
                    continue
                }
                guard record.inputDimension == ImageDescriptor.dimension, record.outputDimension == MiniLMModel.dimension else {
                    problems.append("models/\(id): trained on \(record.inputDimension)-d descriptors into \(record.outputDimension)-d; this build has \(ImageDescriptor.dimension) into \(MiniLMModel.dimension): train it again")
                    continue
                }
                let values: [Float] = data.withUnsafeBytes { raw in
                    (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
                }
                let adapter = ImageAdapter(inputDimension: record.inputDimension, outputDimension: record.outputDimension,
                                           weights: Array(values[..<weightCount]), bias: Array(values[weightCount...]))
                models.append((record, adapter))
            } catch {
                problems.append("models/\(id): \(error)")
            }
        }
        return (jobs, models, provisioned, problems)
    }

    private func write(_ data: Data, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        try data.write(to: temporary)
        // rename(2) replaces the old file atomically.
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw TrainingDataError("cannot write \(url.path): \(reason)")
        }
    }
}
