import RecApp
import ArgumentParser
import BedrockClient
import Finetuning
import Foundation
import TitanLocal

/// `rec finetune recall`: text-to-image recall@k of a model on a held-out dataset, through the embedding endpoint.
struct FinetuneRecallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recall",
        abstract: "Measure text-to-image recall@k of a model on a dataset file through InvokeModel (base or custom model).",
        discussion: """
            Embeds every caption as text and every image as image with the configured endpoint (Bedrock or rec \
            titan-local; AWS_*/BEDROCK_* as for ingest), ranks all images by cosine for each caption and prints the \
            share of captions whose own image is among the first k. The file is checked and read as the local trainer \
            reads it (local image refs). Exit codes: 0 measured, 2 usage or I/O error.
            """
    )

    @Option(help: "Dataset file of {\"image-ref\", \"caption\"} lines with local image refs (e.g. validation.jsonl).")
    var data: String
    @Option(help: "Model id: amazon.titan-embed-image-v1 or a custom/provisioned model ARN. Default: the configured model.")
    var modelId: String?
    @Option(help: "Output length (256, 384 or 1024). Default: the configured length.")
    var dimensions: Int?
    @Option(help: "Rank cut-off.")
    var k: Int = 10
    @Option(help: "InvokeModel requests in flight.")
    var concurrency: Int = 4
    @Flag(help: "One JSON object on stdout instead of text.")
    var json = false

    func run() async throws {
        guard k >= 1 else { throw usageFailure("--k must be at least 1") }
        guard (1...64).contains(concurrency) else { throw usageFailure("--concurrency must be 1...64") }
        let pairs: [TrainingPair]
        do {
            pairs = try await LocalTrainingDataReader().read(path: data, role: .validation).pairs
        } catch {
            throw usageFailure("\(error)")
        }
        guard pairs.count >= 2 else { throw usageFailure("\(data) has \(pairs.count) record(s); recall needs at least 2") }
        let client: TitanEmbeddingClient
        do { client = try AppConfiguration.fromEnvironment().embeddingClient() } catch { throw usageFailure("\(error)") }
        let model = modelId
        let dimensions = self.dimensions
        let started = ContinuousClock.now
        // Index 2i is caption i (text), 2i+1 its image.
        var vectors = [[Float]](repeating: [], count: pairs.count * 2)
        try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            var next = 0
            func start() throws {
                let index = next
                next += 1
                let pair = pairs[index / 2]
                group.addTask {
                    if index % 2 == 0 {
                        return (index, try await client.embed(text: pair.caption, dimensions: dimensions, modelID: model).vector)
                    }
                    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: pair.imagePath)))
                    return (index, try await client.embed(image: bytes, dimensions: dimensions, modelID: model).vector)
                }
            }
            while next < vectors.count, next < concurrency { try start() }
            var done = 0
            for try await (index, vector) in group {
                vectors[index] = vector
                done += 1
                if done % 200 == 0, !json { FileHandle.standardError.write(Data("recall: \(done)/\(vectors.count) embedded\n".utf8)) }
                if next < vectors.count { try start() }
            }
        }
        let texts = stride(from: 0, to: vectors.count, by: 2).map { vectors[$0] }
        let images = stride(from: 1, to: vectors.count, by: 2).map { vectors[$0] }
        let recall = RetrievalRecall.textToImage(texts: texts, images: images, k: k)
        let name = model ?? "the configured model"
        let length = texts.first?.count ?? 0
        let seconds = (ContinuousClock.now - started).components.seconds
        if json {
            let object: [String: Any] = ["recall": recall, "k": k, "pairs": pairs.count, "model": name, "dimensions": length, "seconds": seconds]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "text-to-image recall@%d = %.3f (%d caption-image pairs, %@, %d dimensions, %d s)", k, recall, pairs.count, name, length, Int(seconds)))
        }
    }
}

/// `rec finetune dataset demo`: the generated demo catalog as a local fine-tuning dataset.
struct FinetuneDatasetDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Write the generated demo catalog (rec demo publish-catalog's captions and PNGs) as train.jsonl/validation.jsonl with local image refs.",
        discussion: """
            Needs no database or broker: the products are generated from --seed exactly as rec demo publish-catalog \
            generates them, with images drawn at --image-size (the dataset rules need 128 px or more). The split is \
            rec finetune dataset export's (a hash of the product id and --split-seed).
            """
    )

    @Option(help: "Output directory (created): train.jsonl, validation.jsonl, images/.")
    var out: String
    @Option(help: "Number of products.")
    var count: Int = 2_000
    @Option(help: "Catalog generator seed (rec demo publish-catalog's default is 42).")
    var seed: UInt64 = 42
    @Option(help: "Side of the PNG images in pixels, 128...4096.")
    var imageSize: Int = 128
    @Option(help: "Share of products for validation.jsonl, 0...1.")
    var validationFraction: Double = 0.2
    @Option(help: "Seed of the train/validation split.")
    var splitSeed: UInt64 = 0

    func run() async throws {
        do {
            let writer = try DemoDatasetWriter(count: count, seed: seed, imageSize: imageSize,
                                               split: try DatasetSplit(validationFraction: validationFraction, seed: splitSeed))
            let counts = try writer.write(to: out)
            print("wrote \(counts.training) training and \(counts.validation) validation records to \(out) (train.jsonl, validation.jsonl, images/)")
        } catch {
            throw usageFailure(error.message)
        }
    }
}
