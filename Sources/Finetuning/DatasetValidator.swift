#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BedrockClient
import Foundation

/// Checks a fine-tuning dataset file against ``TitanFinetuningRules``: every violation with its line number.
///
/// The file is streamed line by line (``JSONLLineReader``), so its size does not matter; a bad line is reported
/// and the run goes on. Each distinct image is checked once, at the first line that names it: local files by
/// their headers (``ImageHeaderReader``: format, dimensions, size, whether the file is whole), `s3://` refs by a
/// signed `HEAD` (exists, size, `Content-Type`) when S3 access is given, else reported as not checked.
public struct DatasetValidator: Sendable {
    public var role: TitanFinetuningRules.Role
    /// Where relative local refs are resolved. Default (by the command): the file's directory.
    public var baseDirectory: String
    /// S3 access for `s3://` refs; nil: they are reported as not checked, with ``s3Unavailable``.
    public var s3: S3ObjectClient?
    public var s3Unavailable: String
    /// Default: 16.
    public var s3Concurrency: Int
    public var progress: ProgressReporter?

    public init(role: TitanFinetuningRules.Role, baseDirectory: String, s3: S3ObjectClient? = nil,
                s3Unavailable: String = "no S3 access configured", s3Concurrency: Int = 16, progress: ProgressReporter? = nil) {
        self.role = role
        self.baseDirectory = baseDirectory
        self.s3 = s3
        self.s3Unavailable = s3Unavailable
        self.s3Concurrency = max(1, s3Concurrency)
        self.progress = progress
    }

    /// - Throws: ``FinetuneError`` `io` when the file cannot be opened or read (not for anything it contains).
    public func validate(path: String) async throws(FinetuneError) -> DatasetValidationReport {
        let started = ContinuousClock.now
        let validator = self
        let local: Result<Scan, FinetuneError> = await withCheckedContinuation { continuation in
            // File reads block: a thread of their own, not the cooperative pool.
            Thread.detachNewThread { continuation.resume(returning: Result { () throws(FinetuneError) in try validator.scan(path: path) }) }
        }
        var scan = try local.get()
        var checked = 0
        if !scan.s3Refs.isEmpty {
            if let s3 {
                do {
                    _ = try await s3.access.credentials.credentials()
                    checked = await checkS3(&scan, client: s3)
                } catch {
                    scan.add(0, .notChecked, "\(scan.s3Refs.count.grouped) s3:// ref\(scan.s3Refs.count == 1 ? " was" : "s were") not checked: no AWS credentials (\(error.message))",
                             count: scan.s3Refs.count)
                }
            } else {
                scan.add(0, .notChecked, "\(scan.s3Refs.count.grouped) s3:// ref\(scan.s3Refs.count == 1 ? " was" : "s were") not checked: \(s3Unavailable)",
                         count: scan.s3Refs.count)
            }
            scan.notes.append("S3 objects are checked with a HEAD request (exists, size, Content-Type); their dimensions are not read")
        }
        if scan.localRefs > 0 {
            scan.add(0, .localRef, "\(scan.localRefs.grouped) image ref\(scan.localRefs == 1 ? " is a local path" : "s are local paths") (checked on this machine); Bedrock reads training images from S3 only: upload them and write s3:// refs, or export with --image-refs s3://bucket/prefix",
                     count: scan.localRefs)
        }
        let range = role.recordRange
        if !range.contains(scan.records) {
            scan.add(0, .recordCount, "\(scan.records.grouped) record\(scan.records == 1 ? "" : "s"); a \(role.rawValue) file needs \(range.lowerBound.grouped)–\(range.upperBound.grouped)")
        }
        scan.notes.append("caption token counts are estimates (the product's conservative TitanTokenEstimator against a budget of \(TitanTokenEstimator.budget) of Titan's \(TitanFinetuningRules.maxCaptionTokens) tokens)")
        // By line, the file as a whole (line 0) last.
        scan.violations.sort { ($0.line == 0 ? Int.max : $0.line, $0.rule) < ($1.line == 0 ? Int.max : $1.line, $1.rule) }
        return DatasetValidationReport(file: path, role: role, records: scan.records, lines: scan.lines, violations: scan.violations,
                                       counts: scan.counts, localRefs: scan.localRefs, s3Refs: scan.s3Refs.count, s3RefsChecked: checked,
                                       seconds: (ContinuousClock.now - started).seconds, notes: scan.notes)
    }

    /// What streaming the file found; S3 refs wait for their HEADs.
    struct Scan {
        var lines = 0
        var records = 0
        var violations: [DatasetViolation] = []
        var counts: [String: Int] = [:]
        var refLines: [String: Int] = [:]
        var recordLines: [Digest: Int] = [:]
        var localRefs = 0
        var s3Refs: [(line: Int, ref: String, bucket: String, key: String)] = []
        var notes: [String] = []
        var errors = 0

        mutating func add(_ line: Int, _ rule: DatasetRule, _ message: String, count: Int = 1) {
            violations.append(DatasetViolation(line: line, rule: rule, message: message))
            counts[rule.rawValue, default: 0] += count
            if !rule.isWarning { errors += count }
        }
    }

    /// A SHA-256 as a hashable value (records are deduplicated by the hash of ref and caption, not kept whole).
    struct Digest: Hashable {
        var a, b, c, d: UInt64
        init(_ bytes: [UInt8]) {
            func word(_ i: Int) -> UInt64 { bytes[i..<(i + 8)].reduce(0) { $0 << 8 | UInt64($1) } }
            a = word(0); b = word(8); c = word(16); d = word(24)
        }
    }

    func scan(path: String) throws(FinetuneError) -> Scan {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FinetuneError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw FinetuneError(.io, "\(path) is not a regular file") }
        let fileSize = Int(info.st_size)
        var reader = JSONLLineReader(fd: fd)
        var scan = Scan()
        while let line = try reader.next() {
            scan.lines += 1
            let n = scan.lines
            switch line {
            case .tooLong(let length):
                scan.records += 1
                scan.add(n, .json, "the line is \(length) bytes; records are at most \(reader.maxLineBytes) here (an S3 URI and 2,560 characters fit many times)")
            case .text(let bytes):
                check(DatasetLine(bytes, lineNumber: n), line: n, into: &scan)
            }
            if n & 1023 == 0, let progress {
                let errors = scan.errors
                progress.tick {
                    "validate: \(n.grouped) lines (\(Self.megabytes(reader.bytesRead)) of \(Self.megabytes(fileSize))), \(errors.grouped) errors so far, \(progress.rate(n)) lines/s"
                }
            }
        }
        return scan
    }

    private func check(_ parsed: DatasetLine, line n: Int, into scan: inout Scan) {
        if parsed.isRecord { scan.records += 1 }
        for (rule, message) in parsed.problems { scan.add(n, rule, message) }
        if let caption = parsed.caption {
            for (rule, message) in TitanFinetuningRules.captionViolations(caption) { scan.add(n, rule, message) }
        }
        guard let ref = parsed.imageRef else { return }
        guard !ref.isEmpty else { scan.add(n, .unreadableRef, "\"image-ref\" is empty"); return }
        if let caption = parsed.caption {
            let key = Digest(SigV4Canonical.sha256(Array(ref.utf8) + [0] + Array(caption.utf8)))
            if let first = scan.recordLines[key] {
                scan.add(n, .duplicateRecord, "the same image-ref and caption as line \(first)")
                return
            }
            scan.recordLines[key] = n
        }
        if let first = scan.refLines[ref] {
            scan.add(n, .duplicateImage, "the image-ref of line \(first) again, with another caption")
            return
        }
        scan.refLines[ref] = n
        switch ImageRef(ref, baseDirectory: baseDirectory) {
        case .s3(let bucket, let key):
            scan.s3Refs.append((n, ref, bucket, key))
        case .malformedS3:
            scan.add(n, .unreadableRef, "not an S3 URI of the form s3://bucket/key")
        case .unsupportedScheme(let scheme):
            scan.add(n, .unreadableRef, "Bedrock reads images from Amazon S3 (s3://bucket/key), not \(scheme):// URLs")
        case .local(let path):
            scan.localRefs += 1
            checkLocal(path: path, ref: ref, line: n, into: &scan)
        }
    }

    private func checkLocal(path: String, ref: String, line n: Int, into scan: inout Scan) {
        let inspection: ImageInspection
        do {
            inspection = try ImageHeaderReader.inspect(path: path)
        } catch {
            switch error.code {
            case .unreadable: scan.add(n, .unreadableRef, "no readable file at \(path): \(error.message)")
            case .unsupportedFormat: scan.add(n, .imageFormat, error.message)
            default: scan.add(n, .imageCorrupt, error.message)
            }
            return
        }
        for (rule, message) in TitanFinetuningRules.imageViolations(inspection) { scan.add(n, rule, message) }
        if let message = ImageRef.extensionMismatch(ref, content: inspection.header.format) { scan.add(n, .extensionMismatch, message) }
    }

    private func checkS3(_ scan: inout Scan, client: S3ObjectClient) async -> Int {
        let refs = scan.s3Refs
        let concurrency = s3Concurrency
        let progress = self.progress
        var results: [(line: Int, found: [(DatasetRule, String)], answered: Bool)] = []
        await withTaskGroup(of: (Int, [(DatasetRule, String)], Bool).self) { group in
            var next = 0
            func start() {
                let r = refs[next]
                next += 1
                group.addTask {
                    let (found, answered) = await Self.checkS3(r.ref, bucket: r.bucket, key: r.key, client: client)
                    return (r.line, found, answered)
                }
            }
            while next < refs.count, next < concurrency { start() }
            for await result in group {
                results.append((result.0, result.1, result.2))
                let done = results.count
                progress?.tick { "validate: \(done.grouped) of \(refs.count.grouped) s3:// refs checked, \(progress!.rate(done))/s" }
                if next < refs.count { start() }
            }
        }
        var answered = 0
        for r in results {
            if r.answered { answered += 1 }
            for (rule, message) in r.found { scan.add(r.line, rule, message) }
        }
        return answered
    }

    /// The violations of one S3 object and whether S3 answered.
    static func checkS3(_ ref: String, bucket: String, key: String, client: S3ObjectClient) async -> ([(DatasetRule, String)], Bool) {
        do {
            guard let info = try await client.head(bucket: bucket, key: key) else {
                return ([(.unreadableRef, "no such object: \(ref) (HTTP 404)")], true)
            }
            var out: [(DatasetRule, String)] = []
            if let size = info.contentLength, size > TitanFinetuningRules.maxImageBytes {
                out.append((.imageBytes, "the object is \(size) bytes; the limit is \(TitanFinetuningRules.maxImageBytes) (5 MB)"))
            }
            let type = info.contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let declared: ImageHeader.Format? = type == "image/png" ? .png : type == "image/jpeg" || type == "image/jpg" ? .jpeg : nil
            if let declared {
                if let message = ImageRef.extensionMismatch(ref, content: declared) { out.append((.extensionMismatch, message + " (by its S3 Content-Type)")) }
            } else if let type, type.hasPrefix("image/") {
                out.append((.extensionMismatch, "S3 stores it as \(type); Titan takes PNG or JPEG only"))
            } else if ImageRef.declaredFormat(ref) == nil {
                out.append((.extensionMismatch, "neither its name nor its S3 Content-Type (\(type ?? "none")) says PNG or JPEG"))
            }
            return (out, true)
        } catch where !error.isRetriable {
            return ([(.unreadableRef, error.message)], true)
        } catch {
            return ([(.notChecked, "\(ref) not checked: \(error.message)")], false)
        }
    }

    static func megabytes(_ n: Int) -> String { String(format: "%.1f MB", Double(n) / 1_000_000) }
}

extension Duration {
    /// In seconds, as a `Double`.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension Int {
    /// `12,345`.
    var grouped: String {
        let digits = String(magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (self < 0 ? "-" : "") + out
    }
}
