import BedrockClient
import Consumers
import EmbeddingSpaces
import Foundation
import Postgres

/// Stores a Bedrock batch inference job's output as item vectors of one embedding space, through streaming ingest's
/// content-hash cache and write (``CatalogStore/storeComputedVectors(_:in:)``).
///
/// Bedrock writes one `<input file>.out` per input file under `<output>/<job id>/`, one line per record:
/// `{"recordId", "modelInput", "modelOutput"}`, or `error` (`{"errorCode", "errorMessage"}`) instead of
/// `modelOutput`. For each record, the item is read again and its input rebuilt as streaming ingest would build it
/// now (caption, image fetched again); a record whose `modelInput` differs was written for an older version of the
/// item and is skipped (reported), as is a record for a deleted item. The others are stored with the content hash of
/// that input, and their vectors enter the shared cache, so streaming ingest reuses them. Records with errors are
/// listed and counted, never dropped silently.
public struct BatchEmbeddingIngest: Sendable {
    /// One record the job could not embed.
    public struct RecordError: Codable, Sendable, Equatable {
        public var recordId: String
        public var errorCode: String
        public var errorMessage: String
    }

    public struct Report: Codable, Sendable, Equatable {
        public var files: [String] = []
        public var records = 0
        public var written = 0
        /// Items already holding this vector.
        public var unchanged = 0
        /// Items that changed or were deleted since the job's input was written: skipped.
        public var changed: [String] = []
        /// Records the job answered with an error.
        public var errors: [RecordError] = []
        /// Records whose output could not be used (unparsable line, wrong vector length, unknown item, image fetch failure now).
        public var unusable: [String] = []

        public func text() -> String {
            var s = "records \(records): \(written) written, \(unchanged) unchanged, \(changed.count) skipped (item changed or deleted since the job was written), \(errors.count) failed in the job, \(unusable.count) unusable\n"
            for e in errors.prefix(50) { s += "  error  \(e.recordId): \(e.errorCode) \(e.errorMessage)\n" }
            if errors.count > 50 { s += "  … \(errors.count - 50) more errors (--json lists all)\n" }
            for id in changed.prefix(50) { s += "  changed  \(id)\n" }
            if changed.count > 50 { s += "  … \(changed.count - 50) more changed (--json lists all)\n" }
            for u in unusable.prefix(50) { s += "  unusable  \(u)\n" }
            return s
        }
    }

    /// One output line.
    struct OutputRecord: Decodable {
        var recordId: String?
        var modelInput: TitanEmbeddingRequest?
        var modelOutput: TitanEmbeddingResponse?
        var error: OutputError?
    }

    /// `{"errorCode": 400, "errorMessage": "…"}` (the code a number or a string).
    struct OutputError: Decodable {
        var errorCode: String
        var errorMessage: String

        private enum Keys: String, CodingKey { case errorCode, errorMessage }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            if let n = try? c.decode(Int.self, forKey: .errorCode) { errorCode = String(n) } else { errorCode = (try? c.decode(String.self, forKey: .errorCode)) ?? "?" }
            errorMessage = (try? c.decode(String.self, forKey: .errorMessage)) ?? ""
        }
    }

    public let pool: PostgresPool
    public let store: CatalogStore
    /// The space the vectors go to; its model and dimension must be the job's.
    public let space: EmbeddingSpace
    /// The model's name in content hashes: the space's model id, with the vector version of the endpoint that ran the
    /// job when it is not Bedrock's own (``TitanEmbeddingClient/identity(ofModel:vectorVersion:)``), so these vectors
    /// share cache entries only with vectors of the very same model.
    public let hashModel: String
    public let fetcher: ImageFetcher
    public let s3: S3ObjectClient?
    public let textPolicy: TitanTextPolicy
    public let concurrency: Int
    public let progress: ProgressReporter?

    /// - Parameter hashModel: default: the space's model id (a job Bedrock ran).
    public init(pool: PostgresPool, store: CatalogStore, space: EmbeddingSpace, hashModel: String? = nil, fetcher: ImageFetcher, s3: S3ObjectClient?,
                textPolicy: TitanTextPolicy, concurrency: Int = 8, progress: ProgressReporter? = nil) {
        self.pool = pool
        self.store = store
        self.space = space
        self.hashModel = hashModel ?? space.model
        self.fetcher = fetcher
        self.s3 = s3
        self.textPolicy = textPolicy
        self.concurrency = max(1, concurrency)
        self.progress = progress
    }

    /// The output files of a job: `*.out` under `<output>/<job id>/`, without `manifest.json.out`.
    public static func outputFiles(of job: ModelInvocationJob, s3: S3ObjectClient?) async throws(FinetuneError) -> [BatchLocation] {
        guard let output = job.outputDataConfig?.s3OutputDataConfig.s3Uri else { throw FinetuneError(.usage, "the job names no output location") }
        let directory = try BatchLocation(output).appending(ModelInvocation.jobID(fromArn: job.jobArn))
        let files = try await directory.list(s3: s3).filter { $0.fileName.hasSuffix(".out") && $0.fileName != "manifest.json.out" }
        guard !files.isEmpty else { throw FinetuneError(.io, "no output files (*.out) under \(directory.uri)") }
        return files
    }

    /// Ingests the output files.
    ///
    /// - Throws: ``FinetuneError`` `usage` when the job's vectors are not of the space's dimension (nothing of that
    ///   file is stored), `io`/`s3` for unreadable files, or the database's error (already written chunks stay: a
    ///   second run finds them unchanged).
    public func run(_ files: [BatchLocation]) async throws -> Report {
        var report = Report()
        for file in files {
            report.files.append(file.uri)
            let bytes = try await file.read(s3: s3)
            var chunk: [OutputRecord] = []
            var dimensionChecked = false
            for line in bytes.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
                report.records += 1
                guard let record = try? JSONDecoder().decode(OutputRecord.self, from: Data(line)), let id = record.recordId else {
                    report.unusable.append("line \(report.records) of \(file.fileName): not a batch output record")
                    continue
                }
                if !dimensionChecked, let length = record.modelInput?.embeddingConfig?.outputEmbeddingLength {
                    guard length == space.dims else {
                        throw FinetuneError(.usage, "the job embedded \(length)-d vectors, but space \(space.name) stores \(space.dims)-d ones: refusing (\(file.fileName))")
                    }
                    dimensionChecked = true
                }
                if let e = record.error {
                    report.errors.append(RecordError(recordId: id, errorCode: e.errorCode, errorMessage: e.errorMessage))
                    continue
                }
                chunk.append(record)
                if chunk.count == 100 {
                    try await ingest(chunk, into: &report)
                    chunk = []
                }
            }
            try await ingest(chunk, into: &report)
        }
        return report
    }

    /// What one record amounts to after comparing it with the item now.
    enum Check: Sendable {
        case store(CatalogStore.ComputedVector)
        case changed
        case unusable(String)
    }

    private func ingest(_ records: [OutputRecord], into report: inout Report) async throws {
        guard !records.isEmpty else { return }
        let items = try await CatalogItemRow.rows(pool, ids: records.compactMap(\.recordId))
        let fetcher = self.fetcher, policy = textPolicy, model = hashModel, dims = space.dims
        var checks = [Check]()
        for start in stride(from: 0, to: records.count, by: concurrency) {
            let slice = Array(records[start..<min(records.count, start + concurrency)])
            checks += await withTaskGroup(of: (Int, Check).self) { group in
                for (i, r) in slice.enumerated() {
                    group.addTask { (i, await Self.check(r, item: items[r.recordId ?? ""], fetcher: fetcher, textPolicy: policy, model: model, dimensions: dims)) }
                }
                var out = [Check?](repeating: nil, count: slice.count)
                for await (i, c) in group { out[i] = c }
                return out.map { $0! }
            }
        }
        var vectors = [CatalogStore.ComputedVector]()
        for (record, check) in zip(records, checks) {
            switch check {
            case .store(let v): vectors.append(v)
            case .changed: report.changed.append(record.recordId ?? "")
            case .unusable(let why): report.unusable.append("\(record.recordId ?? ""): \(why)")
            }
        }
        let result = try await store.storeComputedVectors(vectors, in: space)
        report.written += result.written.count
        report.unchanged += result.unchanged.count
        report.changed += result.changed.sorted()
        let r = report
        progress?.tick { "batch ingest: \(r.records) records, \(r.written) written, \(r.unchanged) unchanged, \(r.changed.count) changed, \(r.errors.count) errors" }
    }

    /// Compares a record with the item's current input (as streaming ingest would build it).
    static func check(_ record: OutputRecord, item: CatalogItemRow?, fetcher: ImageFetcher, textPolicy: TitanTextPolicy,
                      model: String, dimensions: Int) async -> Check {
        guard let item else { return .changed }  // deleted (or never known: an input from another catalog)
        guard let input = record.modelInput, let output = record.modelOutput else { return .unusable("no modelInput or modelOutput") }
        guard output.embedding.count == dimensions else {
            return .unusable("the vector has \(output.embedding.count) components; the catalog stores \(dimensions)")
        }
        let caption = item.caption
        // Cheap first: an image that came or went needs no download.
        let hasImage = item.storedImage != nil || (item.imageURL != nil && item.imageError == nil)
        guard hasImage == (input.inputImage != nil) else { return .changed }
        let image: [UInt8]?
        switch await item.image(fetcher: fetcher) {
        case .success(let bytes): image = bytes
        case .failure(let e): return .unusable("the item's image cannot be fetched to check it: \(e.message)")
        }
        guard let now = try? TitanEmbeddingRequest.make(TitanInput(text: caption, image: image), dimensions: dimensions, textPolicy: textPolicy).request,
              now == input else { return .changed }
        return .store(CatalogStore.ComputedVector(
            itemID: item.id, versionAt: item.versionAt, kind: "fused",
            hash: CatalogIngest.contentHash(model: model, dimensions: dimensions, kind: "fused", text: caption, image: image), vector: output.embedding))
    }
}
