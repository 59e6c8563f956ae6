import Foundation

/// Bedrock batch inference's files for a job whose locations are local, shared by every local runner of batch jobs
/// (`rec titan-local`, the tests' `FakeBedrockControlPlane`) so that they read and write the same shapes:
///
/// - input: JSON Lines, one `{"recordId", "modelInput"}` per line (``records(in:)``);
/// - output: `<output>/<job id>/<input file name>.out`, one `{"recordId","modelInput","modelOutput"}` line per record,
///   or `{"recordId","modelInput","error":{"errorCode","errorMessage"}}` for a record that failed, and
///   `<output>/<job id>/manifest.json.out` with the counts (``finish()``); ``startFile(_:)`` before each input file's records.
///
/// The output lines are assembled from raw JSON bytes, so a `modelOutput` is written exactly as InvokeModel answered it.
public struct ModelInvocationOutputWriter: Sendable {
    /// One input line.
    public struct Record: Sendable, Equatable {
        /// The line's `recordId`, or one made up from its position as Bedrock does when it is missing.
        public var recordID: String
        /// The `modelInput` object as JSON (an InvokeModel body); nil when the line is not a record.
        public var modelInput: [UInt8]?
        /// Why the line is not a record (not JSON, no `modelInput` object).
        public var problem: String?
    }

    /// The counts of `manifest.json.out`.
    public struct Manifest: Codable, Sendable, Equatable {
        public var totalRecordCount = 0
        public var processedRecordCount = 0
        public var successRecordCount = 0
        public var errorRecordCount = 0
        public var inputTokenCount = 0
        public var outputTokenCount = 0
        public init() {}
    }

    /// `<output>/<job id>`.
    public let directory: URL
    public private(set) var manifest = Manifest()
    /// Output files (`<input file name>.out`) and their lines, in input order.
    private var files: [(name: String, lines: [UInt8])] = []

    /// - Parameters:
    ///   - outputDirectory: the job's `outputDataConfig` location as a directory.
    ///   - jobID: the job id (the ARN's last component): the output goes into a folder of that name.
    ///   - totalRecordCount: the records of the whole input.
    public init(outputDirectory: URL, jobID: String, totalRecordCount: Int) {
        directory = outputDirectory.appendingPathComponent(jobID)
        manifest.totalRecordCount = totalRecordCount
    }

    /// Starts the output of the input file `inputFileName` (its records are appended next).
    public mutating func startFile(_ inputFileName: String) {
        files.append((inputFileName + ".out", []))
    }

    /// The file path of a `file://` URI or an absolute path; nil for anything else (`s3://`).
    public static func localPath(_ uri: String) -> String? {
        if uri.lowercased().hasPrefix("file://") { return URL(string: uri)?.path ?? String(uri.dropFirst(7)) }
        return uri.hasPrefix("/") ? uri : nil
    }

    /// The input files at a local location: the file itself, or the `.jsonl` files of a directory (as Bedrock reads
    /// every object under an input prefix), by name.
    public static func inputFiles(atPath path: String) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [URL(fileURLWithPath: path)] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.sorted().map { URL(fileURLWithPath: path).appendingPathComponent($0) }
    }

    /// The records of a JSON Lines input (blank lines are not records).
    public static func records(in data: Data) -> [Record] {
        var out: [Record] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
            let fallbackID = String(format: "%011d", out.count + 1)
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                out.append(Record(recordID: fallbackID, modelInput: nil, problem: "Malformed input request: the line is not a JSON object"))
                continue
            }
            let recordID = object["recordId"] as? String ?? fallbackID
            guard let modelInput = object["modelInput"] as? [String: Any],
                  let bytes = try? JSONSerialization.data(withJSONObject: modelInput, options: [.sortedKeys, .withoutEscapingSlashes]) else {
                out.append(Record(recordID: recordID, modelInput: nil, problem: "Malformed input request: the record has no modelInput object"))
                continue
            }
            out.append(Record(recordID: recordID, modelInput: Array(bytes), problem: nil))
        }
        return out
    }

    /// Appends a record's answer.
    ///
    /// - Parameters:
    ///   - modelOutput: the InvokeModel answer, as JSON.
    ///   - inputTokens: the tokens it counted (the manifest's `inputTokenCount`).
    public mutating func append(_ record: Record, modelOutput: [UInt8], inputTokens: Int = 0) {
        appendLine(record, member: "modelOutput", value: modelOutput)
        manifest.successRecordCount += 1
        manifest.inputTokenCount += inputTokens
    }

    /// Appends a record that failed: `"error": {"errorCode", "errorMessage"}` instead of a `modelOutput`.
    public mutating func appendError(_ record: Record, code: Int, message: String) {
        let error = (try? JSONSerialization.data(withJSONObject: ["errorCode": code, "errorMessage": message] as [String: Any],
                                                 options: [.sortedKeys, .withoutEscapingSlashes])).map(Array.init) ?? Array("{}".utf8)
        appendLine(record, member: "error", value: error)
        manifest.errorRecordCount += 1
    }

    /// Writes the output file and `manifest.json.out` (creating the job's folder).
    ///
    /// - Throws: the file system's error.
    public func finish() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in files { try Data(file.lines).write(to: directory.appendingPathComponent(file.name), options: .atomic) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try encoder.encode(manifest).write(to: directory.appendingPathComponent("manifest.json.out"), options: .atomic)
    }

    private mutating func appendLine(_ record: Record, member: String, value: [UInt8]) {
        let id = (try? JSONSerialization.data(withJSONObject: record.recordID, options: .fragmentsAllowed)).map(Array.init) ?? Array("null".utf8)
        if files.isEmpty { files.append(("input.jsonl.out", [])) }
        var line = Array(#"{"recordId":"#.utf8) + id
        if let input = record.modelInput { line += Array(#","modelInput":"#.utf8) + input }
        line += Array(",\"\(member)\":".utf8) + value + Array("}\n".utf8)
        files[files.count - 1].lines += line
        manifest.processedRecordCount += 1
    }
}
