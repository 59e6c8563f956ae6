import RecApp
import ArgumentParser
import BedrockClient
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import TitanLocal

/// `rec bench titan-local`: captions/s and images/s of the local Titan stand-in, in process and
/// through its HTTP server on loopback (with the product's own SigV4 client), in the same run.
struct BenchTitanLocal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "titan-local",
        abstract: "Benchmark rec titan-local: captions/s, images/s, and HTTP overhead against in-process calls."
    )

    @Option(help: "Directory with model.safetensors and vocab.txt. Default: $REC_TITAN_MODEL_DIR, else ./.stack/models/all-MiniLM-L6-v2.")
    var modelDir: String?

    @Option(help: "Captions per measurement.")
    var captions = 640

    @Option(help: "512x512 JPEG images per measurement.")
    var images = 200

    @Option(help: "Requests in flight (and the model's batch size).")
    var concurrency = 32

    @Option(help: "Output dimensions (256, 384, 1024).")
    var dimensions = 1024

    @Option(help: "Threads running MiniLM batches.")
    var textThreads = TitanEmbedder.Configuration().textThreads

    @Option(help: "Interleaved measurement rounds (the best of each is reported).")
    var rounds = 3

    @Option(help: "Milliseconds a partial batch waits for the next expected request under load (restarted by each arrival, 4x in all).")
    var gatherMs = 10

    @Option(help: "OpenBLAS threads per matrix product.")
    var blasThreads = TitanEmbedder.Configuration().blasThreads

    func run() async throws {
        let directory = try AppConfiguration.fromEnvironment().titanModelDirectory(option: modelDir)
        let model = try MiniLMModel(directory: directory)
        let embedder = TitanEmbedder(model: model, configuration: .init(maxBatch: concurrency, textThreads: textThreads, blasThreads: blasThreads,
                                                                              batchGatherWindow: .milliseconds(gatherMs)))
        defer { embedder.shutdown() }
        let texts = Self.captions(captions)
        let pictures = try Self.jpegs(count: 8)
        print("rec titan-local benchmark (\(ProcessInfo.processInfo.activeProcessorCount) CPUs, \(dimensions)-d output, \(concurrency) in flight, \(textThreads) text thread(s) x \(blasThreads) BLAS thread(s), gather \(gatherMs) ms)")
        print(String(format: "  captions: %d, mean %.1f word pieces; images: 512x512 JPEG, mean %.0f KB",
                     texts.count, Double(texts.map { model.tokenizer.wordPieceIDs($0).count }.reduce(0, +)) / Double(texts.count),
                     Double(pictures.map(\.count).reduce(0, +)) / Double(pictures.count) / 1024))

        // Start the HTTP server on a free loopback port; the product's Bedrock client calls it, SigV4-signed.
        let credentials = AWSCredentials(accessKeyID: "AKIDBENCHTITAN", secretAccessKey: "bench-secret")
        let serverConfiguration = TitanLocalConfiguration(
            port: 0, modelDirectory: directory,
            authentication: .sigV4(SigV4Verifier(secretsByAccessKeyID: [credentials.accessKeyID: credentials.secretAccessKey],
                                                 region: "us-east-1", service: "bedrock")))
        var quiet = Logger(label: "rec.titan-local.bench")
        quiet.logLevel = .warning
        let server = TitanLocalServer(embedder: embedder, configuration: serverConfiguration, logger: quiet)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = server.makeApplication { port in portSink.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: quiet))
        let dims = dimensions
        let imageWidth = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        let encoded = pictures.map { Data($0).base64EncodedString() }

        let results = try await withThrowingTaskGroup(of: Measurements?.self) { tasks in
            tasks.addTask { try await group.run(); return nil }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw ValidationError("server did not start") }
            let clientConfiguration = try BedrockClientConfiguration(region: "us-east-1", endpoint: "http://127.0.0.1:\(port)",
                                                                     dimensions: dims, retryPolicy: .none, maxConcurrency: concurrency)
            let client = TitanEmbeddingClient(configuration: clientConfiguration, credentialProvider: StaticCredentialProvider(credentials))
            let inProcessText: @Sendable (Int) async throws -> Void = { i in
                _ = try await embedder.embed(TitanEmbeddingRequest(inputText: texts[i % texts.count], embeddingConfig: .init(outputEmbeddingLength: dims)))
            }
            let httpText: @Sendable (Int) async throws -> Void = { i in _ = try await client.embed(text: texts[i % texts.count]) }
            let inProcessImage: @Sendable (Int) async throws -> Void = { i in
                _ = try await embedder.embed(TitanEmbeddingRequest(inputImage: encoded[i % encoded.count], embeddingConfig: .init(outputEmbeddingLength: dims)))
            }
            let httpImage: @Sendable (Int) async throws -> Void = { i in _ = try await client.embed(image: pictures[i % pictures.count]) }

            // Warm up every path.
            _ = await Self.onThread { model.embed(Array(texts.prefix(concurrency))) }
            for op in [inProcessText, httpText] { _ = try await Self.concurrently(count: concurrency * 2, width: concurrency, op) }
            for op in [inProcessImage, httpImage] { _ = try await Self.concurrently(count: imageWidth * 4, width: imageWidth, op) }

            // Interleaved rounds, best of each: the machine is shared, and a burst of someone
            // else's load should not land on one side of the comparison only.
            var m = Measurements()
            for _ in 0..<rounds {
                m.model = max(m.model, Double(texts.count) / (await Self.onThread { () -> Double in
                    let start = ContinuousClock.now
                    for i in stride(from: 0, to: texts.count, by: concurrency) { _ = model.embed(Array(texts[i..<min(texts.count, i + concurrency)])) }
                    return (ContinuousClock.now - start).seconds
                }))
                var before = embedder.textBatchStatistics
                m.text = max(m.text, Double(texts.count) / (try await Self.concurrently(count: texts.count, width: concurrency, inProcessText)))
                m.textBatch = Self.meanBatch(before, embedder.textBatchStatistics)
                before = embedder.textBatchStatistics
                m.httpText = max(m.httpText, Double(texts.count) / (try await Self.concurrently(count: texts.count, width: concurrency, httpText)))
                m.httpTextBatch = Self.meanBatch(before, embedder.textBatchStatistics)
                m.image = max(m.image, Double(images) / (try await Self.concurrently(count: images, width: imageWidth, inProcessImage)))
                m.httpImage = max(m.httpImage, Double(images) / (try await Self.concurrently(count: images, width: imageWidth, httpImage)))
            }
            await group.triggerGracefulShutdown()
            return m
        }

        let ratio = results.text / results.httpText
        print("  best of \(rounds) interleaved rounds:")
        print(String(format: "  model only, batch %d:          %8.1f captions/s", concurrency, results.model))
        print(String(format: "  in process (batched):          %8.1f captions/s   target >= 200   %@  (mean batch %.1f)",
                     results.text, results.text >= 200 ? "OK" : "MISSED", results.textBatch))
        print(String(format: "  HTTP + SigV4 (loopback):       %8.1f captions/s                  (mean batch %.1f)", results.httpText, results.httpTextBatch))
        print(String(format: "  in process, images:            %8.1f images/s     target >= 100   %@", results.image, results.image >= 100 ? "OK" : "MISSED"))
        print(String(format: "  HTTP + SigV4, images:          %8.1f images/s", results.httpImage))
        print(String(format: "  HTTP overhead ratio (captions, in-process/HTTP): %.3f   target <= 1.15   %@", ratio, ratio <= 1.15 ? "OK" : "MISSED"))
        print(String(format: "  HTTP overhead ratio (images):                    %.3f", results.image / results.httpImage))
    }

    struct Measurements: Sendable {
        var model = 0.0, text = 0.0, textBatch = 0.0, httpText = 0.0, httpTextBatch = 0.0, image = 0.0, httpImage = 0.0
    }

    /// Runs `count` operations with `width` in flight; returns the elapsed seconds.
    static func concurrently(count: Int, width: Int, _ operation: @escaping @Sendable (Int) async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<width {
                group.addTask {
                    for i in stride(from: worker, to: count, by: width) { try await operation(i) }
                }
            }
            try await group.waitForAll()
        }
        return (ContinuousClock.now - start).seconds
    }

    /// Blocking work on a dedicated thread.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }

    /// Short product captions, varied and deterministic.
    static func captions(_ count: Int) -> [String] {
        let colours = ["red", "navy blue", "olive green", "charcoal", "ivory", "mustard yellow", "burgundy", "sky blue"]
        let materials = ["cotton", "leather", "wool", "linen", "stainless steel", "ceramic", "bamboo", "denim"]
        let items = ["summer dress", "running shoes", "winter scarf", "coffee mug", "backpack", "desk lamp", "chef's knife", "jacket"]
        let extras = ["", " with pockets", " for kids", ", slim fit", " (set of 2)", " with zip closure", ", handmade", " — 12 oz"]
        return (0..<count).map { i in
            "\(colours[i % 8]) \(materials[(i / 8) % 8]) \(items[(i / 64) % 8])\(extras[(i * 7 + i / 512) % 8])"
        }
    }

    /// 512x512 photo-like JPEGs: gradients, noise and a few shapes.
    static func jpegs(count: Int) throws -> [[UInt8]] {
        try (0..<count).map { seed in
            let picture = RGBImage(width: 512, height: 512) { x, y in
                let n = (x &* 73_856_093 ^ y &* 19_349_663 ^ seed &* 83_492_791) & 15
                let dx = x - 128 - seed * 30, dy = y - 256
                if dx * dx + dy * dy < 6400 { return (UInt8(200 - seed * 10), UInt8(40 + n), UInt8(30 + seed * 20)) }
                if x > 300, x < 460, y > 100 + seed * 10, y < 420 { return (UInt8(30 + n), UInt8(60 + seed * 15), 190) }
                return (UInt8((x / 2 + n) & 255), UInt8((y / 2 + seed * 20) & 255), UInt8((128 + n * 4) & 255))
            }
            return try ImageCodec.encodeJPEG(picture, quality: 88)
        }
    }

    static func meanBatch(_ before: (batches: Int, texts: Int), _ after: (batches: Int, texts: Int)) -> Double {
        Double(after.texts - before.texts) / Double(max(1, after.batches - before.batches))
    }

}
