import BedrockClient
import Consumers
import Foundation
import Postgres
import RecCore

/// Builds Titan fine-tuning datasets (`train.jsonl`, `validation.jsonl`) from the live catalog.
///
/// Each live item with an image becomes one `{"image-ref": …, "caption": …}` line: the caption is the one catalog
/// ingest embeds (``CatalogCaption``: title and description, cut to the token budget), the image is fetched as
/// ingest fetches it (``ImageFetcher``: address policy, `REC_IMAGE_FILE_DIR`, signed S3 GETs), checked against
/// ``TitanFinetuningRules`` by its header, and stored content-addressed as `<sha256>.<png|jpg>` under `images/`
/// in the output directory or under an S3 prefix (signed PUT). The split is ``DatasetSplit`` (item id and seed).
///
/// Items are read in id order, in pages; images are fetched and stored concurrently, but every decision that
/// depends on order (an image already used by an earlier item, the limit) is taken in id order, so a run is
/// deterministic for a given catalog. Files are written as `*.partial` and renamed at the end.
public struct FinetuneDatasetExporter: Sendable {
    /// Where images go and what the refs say.
    public enum ImageRefs: Sendable, Equatable, CustomStringConvertible {
        /// `<out>/images/<sha256>.<ext>`, refs relative to the output directory (`images/…`).
        case local
        /// `s3://bucket/<prefix>/<sha256>.<ext>`.
        case s3(bucket: String, prefix: String)

        /// `local` or `s3://bucket[/prefix]`.
        ///
        /// - Throws: ``FinetuneError`` `usage`.
        public init(_ text: String) throws(FinetuneError) {
            if text == "local" { self = .local; return }
            guard text.hasPrefix("s3://") else { throw FinetuneError(.usage, "--image-refs must be local or s3://bucket/prefix") }
            let rest = text.dropFirst(5)
            let bucket = rest.prefix { $0 != "/" }
            guard !bucket.isEmpty else { throw FinetuneError(.usage, "--image-refs s3:// needs a bucket") }
            let prefix = rest.dropFirst(bucket.count).split(separator: "/").joined(separator: "/")
            self = .s3(bucket: String(bucket), prefix: prefix)
        }

        public var description: String {
            switch self {
            case .local: "local"
            case .s3(let bucket, let prefix): "s3://\(bucket)/\(prefix)"
            }
        }

        func key(_ name: String) -> String {
            guard case .s3(_, let prefix) = self else { return name }
            return prefix.isEmpty ? name : prefix + "/" + name
        }
    }

    public struct Options: Sendable {
        public var outputDirectory: String
        public var split: DatasetSplit
        public var imageRefs: ImageRefs
        /// Stop after this many records (training + validation). Default: nil, the whole catalog.
        public var limit: Int?
        /// Images fetched and stored at once. Default: 8.
        public var concurrency: Int
        /// Catalog rows per query. Default: 500.
        public var pageSize: Int

        public init(outputDirectory: String, split: DatasetSplit, imageRefs: ImageRefs = .local, limit: Int? = nil, concurrency: Int = 8, pageSize: Int = 500) {
            self.outputDirectory = outputDirectory
            self.split = split
            self.imageRefs = imageRefs
            self.limit = limit
            self.concurrency = max(1, concurrency)
            self.pageSize = max(1, pageSize)
        }
    }

    public static let noImageURL = "no image URL (inline imageBase64 images are not kept by the catalog)"
    public static let ingestImageError = "the image failed at ingest (items.image_error is set)"
    public static let emptyCaption = "empty caption"
    public static let duplicateImage = "the same image as an earlier item (a duplicate image-ref)"

    public let pool: PostgresPool
    public let fetcher: ImageFetcher
    /// Required for ``ImageRefs/s3(bucket:prefix:)``.
    public let s3: S3ObjectClient?
    public let options: Options
    public let progress: ProgressReporter?

    public init(pool: PostgresPool, fetcher: ImageFetcher, s3: S3ObjectClient? = nil, options: Options, progress: ProgressReporter? = nil) {
        self.pool = pool
        self.fetcher = fetcher
        self.s3 = s3
        self.options = options
        self.progress = progress
    }

    /// One catalog row.
    typealias Item = CatalogItemRow

    /// An item after its image was fetched and checked.
    enum Prepared: Sendable {
        case skip(String)
        case ready(id: String, caption: String, image: [UInt8], format: ImageHeader.Format, sha: String)
    }

    /// Exports the catalog.
    ///
    /// - Throws: ``FinetuneError`` (`io` for the output directory, `s3` when S3 refuses uploads for good, e.g.
    ///   access denied or no such bucket), or the database's error.
    public func run() async throws -> FinetuneExportReport {
        let started = ContinuousClock.now
        let out = URL(fileURLWithPath: options.outputDirectory)
        let images = out.appendingPathComponent("images")
        if case .s3 = options.imageRefs, s3 == nil { throw FinetuneError(.usage, "--image-refs s3://… needs S3 access") }
        do {
            try FileManager.default.createDirectory(at: options.imageRefs == .local ? images : out, withIntermediateDirectories: true)
        } catch {
            throw FinetuneError(.io, "cannot create \(out.path): \(error.localizedDescription)")
        }
        var report = FinetuneExportReport(validationFraction: options.split.validationFraction, seed: options.split.seed, imageRefs: options.imageRefs.description)
        let writeValidation = options.split.validationFraction > 0
        let trainURL = out.appendingPathComponent("train.jsonl"), validationURL = out.appendingPathComponent("validation.jsonl")
        let train = try PartialFile(trainURL)
        let validation = writeValidation ? try PartialFile(validationURL) : nil
        let total = try await pool.query("SELECT count(*) FROM items WHERE deleted_at IS NULL").first?.int(0) ?? 0
        var seenImages = Set<String>()
        var after: String?
        let chunkSize = options.concurrency * 4
        paging: while true {
            let page = try await readPage(after: after)
            guard let last = page.last else { break }
            after = last.id
            for start in stride(from: 0, to: page.count, by: chunkSize) {
                let chunk = Array(page[start..<min(page.count, start + chunkSize)])
                let prepared = await prepare(chunk, report: &report)
                // In id order: drop images already used, apply the limit, pick each record's file.
                var selected: [(id: String, caption: String, image: [UInt8], format: ImageHeader.Format, sha: String, role: TitanFinetuningRules.Role)] = []
                var reachedLimit = false
                for p in prepared {
                    if let limit = options.limit, report.written + selected.count >= limit { reachedLimit = true; break }
                    report.itemsRead += 1
                    switch p {
                    case .skip(let reason):
                        report.skip(reason)
                    case .ready(let id, let caption, let image, let format, let sha):
                        guard seenImages.insert(sha).inserted else { report.skip(Self.duplicateImage); continue }
                        selected.append((id, caption, image, format, sha, options.split.role(of: id)))
                    }
                }
                let stored = try await store(selected.map { ($0.image, $0.format, $0.sha) }, report: &report)
                var trainLines = [UInt8](), validationLines = [UInt8]()
                for (s, result) in zip(selected, stored) {
                    switch result {
                    case .failure(let failure):
                        report.skip(failure.reason)
                    case .success(let ref):
                        let line = Self.line(imageRef: ref, caption: s.caption)
                        if s.role == .training {
                            trainLines += line
                            report.training += 1
                        } else {
                            validationLines += line
                            report.validation += 1
                        }
                    }
                }
                try await train.append(trainLines)
                try await validation?.append(validationLines)
                let r = report
                progress?.tick {
                    "export: \(r.itemsRead.grouped) of \(total.grouped) items read, \(r.written.grouped) written (\(r.training.grouped) training, \(r.validation.grouped) validation), \(r.skippedTotal.grouped) skipped, \(progress!.rate(r.itemsRead)) items/s"
                }
                if reachedLimit { break paging }
            }
        }
        try await train.finish()
        report.files.append(trainURL.path)
        if let validation {
            try await validation.finish()
            report.files.append(validationURL.path)
        } else {
            // A validation file from an earlier run would not match this split.
            try? FileManager.default.removeItem(at: validationURL)
        }
        report.warnings = Self.countWarnings(report)
        report.seconds = (ContinuousClock.now - started).seconds
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let json = try? encoder.encode(report) {
            try? json.write(to: out.appendingPathComponent("export.json"))
        }
        return report
    }

    /// Record counts outside Titan's ranges.
    static func countWarnings(_ r: FinetuneExportReport) -> [String] {
        var out: [String] = []
        let t = TitanFinetuningRules.Role.training.recordRange, v = TitanFinetuningRules.Role.validation.recordRange
        if !t.contains(r.training) {
            out.append("\(r.training.grouped) training records; Titan fine-tuning needs \(t.lowerBound.grouped)–\(t.upperBound.grouped)")
        }
        if r.validationFraction > 0, !v.contains(r.validation) {
            out.append("\(r.validation.grouped) validation records; Titan fine-tuning needs \(v.lowerBound.grouped)–\(v.upperBound.grouped) (or none: --validation-fraction 0)")
        }
        return out
    }

    private func readPage(after: String?) async throws -> [Item] {
        try await CatalogItemRow.page(pool, after: after, limit: options.pageSize)
    }

    /// Captions, image fetches and header checks of `chunk`, concurrently; results in the chunk's order.
    private func prepare(_ chunk: [Item], report: inout FinetuneExportReport) async -> [Prepared] {
        var captions: [(text: String, cutTokens: Bool, cutCharacters: Bool)] = []
        for item in chunk {
            var (text, cutTokens) = CatalogCaption.make(title: item.title, description: item.description)
            var cutCharacters = false
            if text.unicodeScalars.count > TitanFinetuningRules.maxCaptionCharacters {
                text = TitanTokenEstimator.prefix(text, characters: TitanFinetuningRules.maxCaptionCharacters)
                cutCharacters = true
            }
            captions.append((text, cutTokens, cutCharacters))
        }
        let fetcher = self.fetcher
        let results = await withTaskGroup(of: (Int, Prepared).self) { group in
            for (i, item) in chunk.enumerated() {
                let caption = captions[i].text
                group.addTask { (i, await Self.prepareItem(item, caption: caption, fetcher: fetcher)) }
            }
            var out = [Prepared?](repeating: nil, count: chunk.count)
            for await (i, p) in group { out[i] = p }
            return out.map { $0! }
        }
        // Count cut captions only for items that made it this far.
        for (i, p) in results.enumerated() {
            if case .ready = p {
                if captions[i].cutTokens { report.captionsCutToTokenLimit += 1 }
                if captions[i].cutCharacters { report.captionsCutToCharacterLimit += 1 }
            }
        }
        return results
    }

    static func prepareItem(_ item: Item, caption: String, fetcher: ImageFetcher) async -> Prepared {
        guard let url = item.imageURL, !url.isEmpty else { return .skip(noImageURL) }
        guard item.imageError == nil else { return .skip(ingestImageError) }
        guard !caption.isEmpty else { return .skip(emptyCaption) }
        let bytes: [UInt8]
        switch await CatalogItemRow.fetchImage(url, fetcher: fetcher) {
        case .success(let b): bytes = b
        case .failure(let error): return .skip("image fetch failed: \(error.message)")
        }
        let inspection: ImageInspection
        do { inspection = try ImageHeaderReader.inspect(bytes) } catch {
            return .skip(error.code == .unsupportedFormat ? "image-format: not PNG or JPEG" : "image-corrupt: the header is damaged or cut short")
        }
        if let (rule, _) = TitanFinetuningRules.imageViolations(inspection).first(where: { !$0.0.isWarning }) {
            return .skip(rule.rawValue + ": " + Self.ruleSummary[rule, default: rule.rawValue])
        }
        let sha = SigV4Canonical.hexSHA256(bytes)
        return .ready(id: item.id, caption: caption, image: bytes, format: inspection.header.format, sha: sha)
    }

    /// Skip reasons by rule (one key per rule, whatever the image's own numbers).
    static let ruleSummary: [DatasetRule: String] = [
        .imageBytes: "over 5 MB",
        .imageCorrupt: "the image ends before its end marker (cut short)",
        .imageSide: "a side under 128 or over 4,096 px",
        .aspectRatio: "aspect ratio (w/h) outside 0.25–4",
        .pixelValues: "more than 2048 × 2048 × 3 pixel values",
    ]

    /// Stores the selected images (concurrently); each result is the ref or why it failed.
    private func store(_ images: [([UInt8], ImageHeader.Format, String)], report: inout FinetuneExportReport) async throws -> [Result<String, StoreFailure>] {
        let refs = options.imageRefs, directory = options.outputDirectory, s3 = self.s3
        let results = try await withThrowingTaskGroup(of: (Int, Result<String, StoreFailure>, Bool).self) { group in
            var next = 0
            var out = [(Result<String, StoreFailure>, Bool)?](repeating: nil, count: images.count)
            func start() {
                let i = next
                let (bytes, format, sha) = images[i]
                next += 1
                group.addTask {
                    let name = sha + "." + format.fileExtension
                    switch refs {
                    case .local:
                        let (result, stored) = await Self.writeLocal(bytes, to: URL(fileURLWithPath: directory).appendingPathComponent("images").appendingPathComponent(name))
                        return (i, result.map { _ in "images/" + name }, stored)
                    case .s3(let bucket, _):
                        let key = refs.key(name)
                        do throws(FinetuneError) {
                            let existing = try await s3!.head(bucket: bucket, key: key)
                            if existing?.contentLength == bytes.count { return (i, .success("s3://\(bucket)/\(key)"), false) }
                        } catch {
                            // Unknown (transient), or 403, which is also S3's answer for a missing key without
                            // s3:ListBucket: upload, and let the PUT say whether access is refused.
                            guard error.isRetriable || error.message.contains("HTTP 403") else { throw error }
                        }
                        do throws(FinetuneError) {
                            try await s3!.put(bucket: bucket, key: key, body: bytes, contentType: format.mediaType)
                            return (i, .success("s3://\(bucket)/\(key)"), true)
                        } catch {
                            // Refusals no retry fixes (access denied, no such bucket) stop the export.
                            guard error.isRetriable else { throw error }
                            return (i, .failure(StoreFailure("upload failed: \(error.message)")), false)
                        }
                    }
                }
            }
            while next < images.count, next < options.concurrency { start() }
            for try await (i, result, stored) in group {
                out[i] = (result, stored)
                if next < images.count { start() }
            }
            return out.map { $0! }
        }
        for (result, stored) in results {
            if case .success = result { if stored { report.imagesStored += 1 } else { report.imagesAlreadyPresent += 1 } }
        }
        return results.map(\.0)
    }

    struct StoreFailure: Error, Sendable {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Writes `bytes` to `url` unless a file of that size is there (names are content hashes); off the cooperative pool.
    static func writeLocal(_ bytes: [UInt8], to url: URL) async -> (Result<Void, StoreFailure>, Bool) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size == bytes.count {
                    continuation.resume(returning: (.success(()), false))
                    return
                }
                do {
                    try Data(bytes).write(to: url, options: .atomic)
                    continuation.resume(returning: (.success(()), true))
                } catch {
                    continuation.resume(returning: (.failure(StoreFailure("writing the image failed: \(error.localizedDescription)")), false))
                }
            }
        }
    }

    /// `{"image-ref":"…","caption":"…"}` and a newline (the keys in the order of Bedrock's examples).
    static func line(imageRef: String, caption: String) -> [UInt8] {
        var out = Array(#"{"image-ref":"#.utf8)
        out += JSONValue.string(imageRef).encoded()
        out += Array(#","caption":"#.utf8)
        out += JSONValue.string(caption).encoded()
        out += Array("}\n".utf8)
        return out
    }
}

/// An output file written as `<name>.partial` and renamed when complete, so a failed run leaves no file that
/// looks finished.
final class PartialFile: @unchecked Sendable {
    let url: URL
    let partial: URL
    private let handle: FileHandle

    init(_ url: URL) throws(FinetuneError) {
        self.url = url
        self.partial = url.appendingPathExtension("partial")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
            throw FinetuneError(.io, "cannot create \(partial.path)")
        }
        do { handle = try FileHandle(forWritingTo: partial) } catch { throw FinetuneError(.io, "cannot open \(partial.path): \(error.localizedDescription)") }
    }

    func append(_ bytes: [UInt8]) async throws(FinetuneError) {
        guard !bytes.isEmpty else { return }
        let handle = self.handle, path = partial.path
        let result: Result<Void, FinetuneError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    try handle.write(contentsOf: Data(bytes))
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(FinetuneError(.io, "writing \(path) failed: \(error.localizedDescription)")))
                }
            }
        }
        try result.get()
    }

    func finish() async throws(FinetuneError) {
        do {
            try handle.synchronize()
            try handle.close()
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: partial, to: url)
        } catch {
            throw FinetuneError(.io, "finishing \(url.path) failed: \(error.localizedDescription)")
        }
    }

    /// Closes and removes the partial file (a run that must not leave a result).
    func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(at: partial)
    }
}
