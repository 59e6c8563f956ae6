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
    var captions = 960

    @Option(help: "512x512 JPEG images per measurement.")
    var images = 300

    @Option(help: "Requests in flight (and the model's batch size).")
    var concurrency = 32

    @Option(help: "Output dimensions (256, 384, 1024).")
    var dimensions = 1024

    @Option(help: "Threads running MiniLM batches.")
    var textThreads = TitanEmbedder.Configuration().textThreads

    @Option(help: "Milliseconds a partial batch waits to fill up under load.")
    var gatherMs = 2

    @Option(help: "OpenBLAS threads per matrix product.")
    var blasThreads = TitanEmbedder.Configuration().blasThreads

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let directory = TitanLocalConfiguration.modelDirectory(option: modelDir, environment: env,
                                                               currentDirectory: FileManager.default.currentDirectoryPath)
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

        // Model alone, batches of 32 (on a dedicated thread, not the cooperative pool).
        _ = await Self.onThread { model.embed(Array(texts.prefix(concurrency))) }
        let modelSeconds = await Self.onThread { () -> Double in
            let start = ContinuousClock.now
            for i in stride(from: 0, to: texts.count, by: concurrency) { _ = model.embed(Array(texts[i..<min(texts.count, i + concurrency)])) }
            return Self.seconds(ContinuousClock.now - start)
        }

        // In process: the embedder with its dynamic batching, `concurrency` callers.
        let dims = dimensions
        _ = try await Self.concurrently(count: concurrency * 2, width: concurrency) { i in
            _ = try await embedder.embed(TitanEmbeddingRequest(inputText: texts[i % texts.count], embeddingConfig: .init(outputEmbeddingLength: dims)))
        }
        let before = embedder.textBatchStatistics
        let inProcessText = try await Self.concurrently(count: texts.count, width: concurrency) { i in
            _ = try await embedder.embed(TitanEmbeddingRequest(inputText: texts[i], embeddingConfig: .init(outputEmbeddingLength: dims)))
        }
        let inProcessBatch = Self.meanBatch(before, embedder.textBatchStatistics)
        let imageWidth = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        let encoded = pictures.map { Data($0).base64EncodedString() }
        let inProcessImages = try await Self.concurrently(count: images, width: imageWidth) { i in
            _ = try await embedder.embed(TitanEmbeddingRequest(inputImage: encoded[i % encoded.count], embeddingConfig: .init(outputEmbeddingLength: dims)))
        }

        // Through HTTP: the server on a free loopback port, called by the product's Bedrock client (SigV4-signed).
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
        let (httpText, httpImages, httpBatch) = try await withThrowingTaskGroup(of: (Double, Double, Double)?.self) { tasks in
            tasks.addTask { try await group.run(); return nil }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw ValidationError("server did not start") }
            let clientConfiguration = try BedrockClientConfiguration(region: "us-east-1", endpoint: "http://127.0.0.1:\(port)",
                                                                     dimensions: dims, retryPolicy: .none, maxConcurrency: concurrency)
            let client = TitanEmbeddingClient(configuration: clientConfiguration, credentialProvider: StaticCredentialProvider(credentials))
            _ = try await Self.concurrently(count: concurrency * 2, width: concurrency) { i in
                _ = try await client.embed(text: texts[i % texts.count])
            }
            let before = embedder.textBatchStatistics
            let text = try await Self.concurrently(count: texts.count, width: concurrency) { i in
                _ = try await client.embed(text: texts[i])
            }
            let batch = Self.meanBatch(before, embedder.textBatchStatistics)
            let image = try await Self.concurrently(count: images, width: imageWidth) { i in
                _ = try await client.embed(image: pictures[i % pictures.count])
            }
            await group.triggerGracefulShutdown()
            return (text, image, batch)
        }

        let modelRate = Double(texts.count) / modelSeconds
        let textRate = Double(texts.count) / inProcessText
        let imageRate = Double(images) / inProcessImages
        let httpTextRate = Double(texts.count) / httpText
        let httpImageRate = Double(images) / httpImages
        let ratio = textRate / httpTextRate
        print(String(format: "  model only, batch %d:          %8.1f captions/s", concurrency, modelRate))
        print(String(format: "  in process (batched):          %8.1f captions/s   target >= 200   %@  (mean batch %.1f)", textRate, textRate >= 200 ? "OK" : "MISSED", inProcessBatch))
        print(String(format: "  in process, images:            %8.1f images/s     target >= 100   %@", imageRate, imageRate >= 100 ? "OK" : "MISSED"))
        print(String(format: "  HTTP + SigV4 (loopback):       %8.1f captions/s                  (mean batch %.1f)", httpTextRate, httpBatch))
        print(String(format: "  HTTP + SigV4, images:          %8.1f images/s", httpImageRate))
        print(String(format: "  HTTP overhead ratio (captions, in-process/HTTP): %.3f   target <= 1.15   %@", ratio, ratio <= 1.15 ? "OK" : "MISSED"))
        print(String(format: "  HTTP overhead ratio (images):                    %.3f", imageRate / httpImageRate))
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
        return seconds(ContinuousClock.now - start)
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

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
