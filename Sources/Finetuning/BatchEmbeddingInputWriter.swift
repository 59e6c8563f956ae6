import BedrockClient
import Consumers
import EmbeddingSpaces
import Foundation
import Postgres
import RecCore

/// Writes the catalog as a Bedrock batch inference input: one `{"recordId": <item id>, "modelInput": <body>}` line
/// per live item, where the body is exactly the `InvokeModel` body streaming ingest sends for the item
/// (``TitanEmbeddingRequest/make(_:dimensions:textPolicy:)`` of its ``CatalogCaption`` and image, fetched as
/// ingest fetches it), so the batch vector is the vector streaming ingest would store.
///
/// The records are for one embedding space (its model and dimension): the image is the inline image ingest keeps
/// (`item_images`), else the URL's. Items whose image cannot be fetched now, or whose input the model's rules
/// refuse, are skipped and counted by reason (streaming ingest would retry or dead-letter them); so are items whose
/// inline image predates `item_images` (their stored vector is not of their text alone). Titan spaces in fused mode
/// only: a Nova caption with an image is two requests, and separate mode two vectors per item, neither of which
/// fits one record per item.
public struct BatchEmbeddingInputWriter: Sendable {
    public struct Report: Codable, Sendable, Equatable {
        /// The input's URI (what CreateModelInvocationJob is given).
        public var input: String = ""
        public var records = 0
        public var bytes = 0
        public var itemsRead = 0
        /// Skipped items by reason.
        public var skipped: [String: Int] = [:]
        /// The first skipped items with their reason.
        public var skippedItems: [String] = []
        /// The last item written (the next job's `--after`).
        public var lastItemID: String?

        public var skippedTotal: Int { skipped.values.reduce(0, +) }

        mutating func skip(_ id: String, _ reason: String) {
            skipped[reason, default: 0] += 1
            if skippedItems.count < 50 { skippedItems.append("\(id): \(reason)") }
        }
    }

    public static let inlineImageNotKept = "had an inline image stored before migration 0010, which the catalog does not keep (publish it again)"

    public let pool: PostgresPool
    public let fetcher: ImageFetcher
    public let s3: S3ObjectClient?
    /// The space the vectors are for: its model and dimension (stored with them; part of the content hash).
    public let space: EmbeddingSpace
    /// The live space and how the embedding client treats its model (caption cut, hash name): an item without a
    /// known image whose live vector was not made from its text alone had an inline image that predates
    /// `item_images` (as ``SpaceBackfill`` decides it).
    public let live: EmbeddingSpace
    public let liveModel: EmbeddingModelIdentity
    public let textPolicy: TitanTextPolicy
    public let concurrency: Int
    public let progress: ProgressReporter?

    /// - Parameters:
    ///   - live: default: `space`.
    ///   - liveModel: default: Titan, hashed under the live model's id (Bedrock's own endpoint).
    public init(pool: PostgresPool, fetcher: ImageFetcher, s3: S3ObjectClient?, space: EmbeddingSpace, live: EmbeddingSpace? = nil,
                liveModel: EmbeddingModelIdentity? = nil, textPolicy: TitanTextPolicy, concurrency: Int = 8, progress: ProgressReporter? = nil) {
        self.pool = pool
        self.fetcher = fetcher
        self.s3 = s3
        self.space = space
        self.live = live ?? space
        self.liveModel = liveModel ?? EmbeddingModelIdentity(family: .titan, hashModel: (live ?? space).model)
        self.textPolicy = textPolicy
        self.concurrency = max(1, concurrency)
        self.progress = progress
    }

    /// One JSONL line: `{"recordId":…,"modelInput":…}` and a newline; the body's keys sorted, so the same catalog
    /// always gives the same bytes (Foundation's encoder does not keep an order).
    public static func line(recordID: String, modelInput: TitanEmbeddingRequest) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var out = Array(#"{"recordId":"#.utf8)
        out += JSONValue.string(recordID).encoded()
        out += Array(#","modelInput":"#.utf8)
        out += Array(try encoder.encode(modelInput))
        out += Array("}\n".utf8)
        return out
    }

    /// The record of one item, or why it has none.
    static func record(_ item: CatalogItemRow, fetcher: ImageFetcher, dimensions: Int, textPolicy: TitanTextPolicy) async -> Result<TitanEmbeddingRequest, BatchSkip> {
        let image: [UInt8]?
        switch await item.image(fetcher: fetcher) {
        case .success(let bytes): image = bytes
        case .failure(let e): return .failure(BatchSkip("image fetch failed: \(e.message)"))
        }
        do { return .success(try TitanEmbeddingRequest.make(TitanInput(text: item.caption, image: image), dimensions: dimensions, textPolicy: textPolicy).request) } catch {
            return .failure(BatchSkip("refused by the model's input rules: \(error.message)"))
        }
    }

    struct BatchSkip: Error, Sendable {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Writes the input to `destination` (a `.jsonl` file or object; a directory or prefix gets `<name>.jsonl`).
    ///
    /// - Parameters:
    ///   - limit: stop after this many records.
    ///   - after: start after this item id (a large catalog split over several jobs: the report's ``Report/lastItemID``
    ///     of one run is the next run's `after`).
    /// - Throws: ``FinetuneError`` `usage` when fewer than ``ModelInvocation/minimumRecords`` records result (Bedrock
    ///   would refuse the job; nothing is left behind), `io`/`s3` for the destination, or the database's error.
    public func write(to destination: BatchLocation, name: String, limit: Int? = nil, after first: String? = nil) async throws -> Report {
        let target = destination.fileName.hasSuffix(".jsonl") ? destination : destination.appending(name + ".jsonl")
        var report = Report(input: target.uri)
        let localPath: String
        switch target {
        case .local(let path):
            try? FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
            localPath = path
        case .s3:
            localPath = FileManager.default.temporaryDirectory.appendingPathComponent("rec-batch-\(UUID().uuidString).jsonl").path
        }
        let file = try PartialFile(URL(fileURLWithPath: localPath))
        var after = first
        var seen = Set<String>()
        paging: while true {
            let page = try await CatalogItemRow.page(pool, after: after, limit: 200, images: true)
            guard let last = page.last else { break }
            after = last.id
            let liveVectors = try await liveHashes(page.map(\.id))
            for start in stride(from: 0, to: page.count, by: concurrency * 2) {
                let chunk = Array(page[start..<min(page.count, start + concurrency * 2)])
                let fetcher = self.fetcher, dims = space.dims, policy = textPolicy
                let results = await withTaskGroup(of: (Int, Result<TitanEmbeddingRequest, BatchSkip>).self) { group in
                    for (i, item) in chunk.enumerated() { group.addTask { (i, await Self.record(item, fetcher: fetcher, dimensions: dims, textPolicy: policy)) } }
                    var out = [Result<TitanEmbeddingRequest, BatchSkip>?](repeating: nil, count: chunk.count)
                    for await (i, r) in group { out[i] = r }
                    return out.map { $0! }
                }
                var lines = [UInt8]()
                for (item, result) in zip(chunk, results) {
                    if let limit, report.records >= limit { break }
                    report.itemsRead += 1
                    switch result {
                    case .failure(let skip):
                        report.skip(item.id, skip.reason)
                    case .success(let request):
                        if request.inputImage == nil, item.imageURL == nil, item.imageError == nil, hadLostImage(item, live: liveVectors[item.id] ?? [:]) {
                            report.skip(item.id, Self.inlineImageNotKept)
                            continue
                        }
                        guard seen.insert(item.id).inserted else { continue }
                        lines += try Self.line(recordID: item.id, modelInput: request)
                        report.records += 1
                        report.lastItemID = item.id
                    }
                }
                report.bytes += lines.count
                try await file.append(lines)
                let r = report
                progress?.tick { "batch input: \(r.itemsRead) items read, \(r.records) records, \(r.skippedTotal) skipped" }
                if let limit, report.records >= limit { break paging }
            }
        }
        guard report.records >= ModelInvocation.minimumRecords else {
            file.abandon()
            throw FinetuneError(.usage, "the catalog gave \(report.records) records (\(report.skippedTotal) items skipped); Bedrock batch inference needs at least \(ModelInvocation.minimumRecords) per job: embed a catalog this small with streaming ingest")
        }
        try await file.finish()
        if case .s3(let bucket, let key) = target {
            defer { try? FileManager.default.removeItem(atPath: localPath) }
            guard let s3 else { throw FinetuneError(.usage, "writing \(target.uri) needs S3 access") }
            guard let data = FileManager.default.contents(atPath: localPath) else { throw FinetuneError(.io, "cannot read \(localPath)") }
            try await s3.put(bucket: bucket, key: key, body: Array(data), contentType: "application/jsonl")
        }
        return report
    }

    /// The live space's vectors of `ids`: item → kind → content hash.
    private func liveHashes(_ ids: [String]) async throws -> [String: [String: [UInt8]]] {
        let q: PostgresQuery = "SELECT item_id, kind, content_hash FROM item_embeddings WHERE item_id = ANY(\(bind: ids)::text[]) AND space = \(bind: live.name.value) AND dims = \(bind: live.dims)"
        var out = [String: [String: [UInt8]]]()
        for r in try await pool.query(q, resultFormat: .binary) { out[try r.string(0), default: [:]][try r.string(1)] = r.bytes(2) ?? [] }
        return out
    }

    /// Whether an item without a known image has a live vector made with an image (an inline one kept nowhere).
    func hadLostImage(_ item: CatalogItemRow, live vectors: [String: [UInt8]]) -> Bool {
        switch live.mode {
        case .fused:
            guard let hash = vectors["fused"] else { return false }
            let text = CatalogCaption.make(title: item.title, description: item.description, family: liveModel.family).text
            return hash != CatalogIngest.contentHash(model: liveModel.hashModel, dimensions: live.dims, kind: "fused", text: text, image: nil)
        case .separate:
            return vectors["image"] != nil
        }
    }
}
