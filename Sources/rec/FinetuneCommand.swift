import RecApp
import ArgumentParser
import BedrockClient
import Finetuning
import Foundation

/// `rec finetune …`: customizing Titan Multimodal Embeddings G1 on the shop's own images and captions.
struct FinetuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tuning Titan Multimodal Embeddings G1 on the catalog (docs/finetuning.md).",
        subcommands: [FinetuneDatasetCommand.self, FinetuneStartCommand.self, FinetuneStatusCommand.self, FinetuneListCommand.self,
                      FinetuneStopCommand.self, FinetuneProvisionCommand.self, FinetuneRecallCommand.self]
    )
}

struct FinetuneDatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Build and check image–caption datasets for Bedrock model customization.",
        subcommands: [FinetuneDatasetExportCommand.self, FinetuneDatasetValidateCommand.self, FinetuneDatasetDemoCommand.self]
    )
}

/// Prints `message` on stderr and exits 2 (usage or I/O error).
func usageFailure(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(2)
}

/// `rec finetune dataset export`.
struct FinetuneDatasetExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write train.jsonl and validation.jsonl ({\"image-ref\", \"caption\"} per line) from the live catalog.",
        discussion: """
            Captions are the ones catalog ingest embeds (title and description, cut to Titan's token limit by the product's \
            estimate). Images are fetched as ingest fetches them (REC_IMAGE_ALLOW_CIDRS, REC_IMAGE_FILE_DIR, s3:// through \
            AWS_ENDPOINT_URL_S3), checked against the fine-tuning rules by their headers, and stored as <sha256>.<ext>: under \
            DIR/images/ (--image-refs local, refs relative to DIR) or uploaded with a SigV4-signed PUT (--image-refs \
            s3://bucket/prefix). Items without a usable image are skipped and counted by reason. The split is a hash of the \
            item id and the seed. Exit codes: 0 done, 1 failed, 2 usage or I/O error.
            """
    )

    @Option(help: "Output directory (created): train.jsonl, validation.jsonl, images/, export.json.")
    var out: String
    @Option(help: "Share of items for validation.jsonl, 0...1 (0: no validation file).")
    var validationFraction: Double = 0.1
    @Option(help: "Seed of the train/validation split (a hash of item id and seed).")
    var seed: UInt64 = 0
    @Option(help: "Where images go: local (DIR/images, local paths) or s3://bucket/prefix (signed PUT, s3:// refs).")
    var imageRefs: String = "local"
    @Option(help: "Stop after this many records.")
    var limit: Int?
    @Option(help: "Images fetched and stored at once.")
    var concurrency: Int = 8
    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func run() async throws {
        let split: DatasetSplit, refs: FinetuneDatasetExporter.ImageRefs
        do {
            split = try DatasetSplit(validationFraction: validationFraction, seed: seed)
            refs = try FinetuneDatasetExporter.ImageRefs(imageRefs)
        } catch { throw usageFailure(error.message) }
        if let limit, limit < 1 { throw usageFailure("--limit must be at least 1") }
        guard (1...256).contains(concurrency) else { throw usageFailure("--concurrency must be 1...256") }
        do {
            let app = try AppConfiguration.fromEnvironment()
            let pool = try app.makePool()
            defer { pool.close() }
            let transport = CurlHTTPTransport()
            let access = try app.s3Access(transport: transport)
            let exporter = FinetuneDatasetExporter(
                pool: pool, fetcher: try app.imageFetcher(transport: transport, s3: access),
                s3: S3ObjectClient(transport: transport, access: access),
                options: .init(outputDirectory: out, split: split, imageRefs: refs, limit: limit, concurrency: concurrency),
                progress: quiet ? nil : ProgressReporter())
            let report = try await exporter.run()
            print(report.text(), terminator: "")
        } catch let e as FinetuneError where e.code == .usage || e.code == .io {
            throw usageFailure(e.message)
        } catch let e as ConfigurationError {
            throw usageFailure(e.description)
        }
    }
}

/// `rec finetune dataset validate`.
struct FinetuneDatasetValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a dataset file against Titan Multimodal Embeddings G1's fine-tuning rules; print every violation with its line.",
        discussion: """
            Rules (the model card's Finetuning section): PNG or JPEG, at most 5 MB, each side 128–4,096 px, aspect ratio \
            (w/h) 0.25–4, at most 2048×2048×3 pixel values; captions of at most 2,560 characters and 128 tokens (an estimate \
            by the product's conservative token estimator); 1,000–500,000 training or 8–50,000 validation records; no \
            duplicate records or image refs; exactly the keys "image-ref" and "caption". Local refs are read from disk \
            (headers only); s3:// refs get a signed HEAD when AWS credentials are available, else they are reported as not \
            checked. Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage or I/O error.
            """
    )

    @Argument(help: "The JSON Lines file (e.g. train.jsonl).")
    var file: String
    @Option(help: "training or validation (default: validation when the file name contains \"validation\", else training).")
    var role: String?
    @Option(help: "Directory that relative local refs are resolved against (default: the file's directory).")
    var baseDir: String?
    @Flag(help: "One JSON document on stdout instead of text.")
    var json = false
    @Option(help: "S3 HEAD requests in flight.")
    var s3Concurrency: Int = 16
    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    func run() async throws {
        let name = URL(fileURLWithPath: file).lastPathComponent.lowercased()
        let roleText = role ?? (name.contains("validation") ? "validation" : "training")
        guard let role = TitanFinetuningRules.Role(rawValue: roleText) else { throw usageFailure("--role must be training or validation") }
        guard (1...256).contains(s3Concurrency) else { throw usageFailure("--s3-concurrency must be 1...256") }
        let report: DatasetValidationReport
        do {
            let app = try AppConfiguration.fromEnvironment()
            let transport = CurlHTTPTransport(maxConnections: s3Concurrency)
            let validator = DatasetValidator(
                role: role, baseDirectory: baseDir ?? URL(fileURLWithPath: file).deletingLastPathComponent().path,
                s3: S3ObjectClient(transport: transport, access: try app.s3Access(transport: transport), timeout: 15),
                s3Concurrency: s3Concurrency, progress: quiet ? nil : ProgressReporter())
            report = try await validator.validate(path: file)
        } catch let e as FinetuneError {
            throw usageFailure(e.message)
        } catch let e as ConfigurationError {
            throw usageFailure(e.description)
        }
        print(json ? report.json() : report.text(), terminator: json ? "\n" : "")
        if !report.isValid { throw ExitCode(1) }
    }
}
