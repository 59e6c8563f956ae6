import BedrockClient
import Foundation
import RecCore

/// The in-process Titan Multimodal Embeddings G1 stand-in (and Nova Multimodal Embeddings', see
/// `TitanEmbedder+Nova.swift`): validates a request by the model's rules, embeds text with MiniLM and images with ``ImageDescriptor`` on
/// dedicated threads, maps both to the requested length and fuses them.
///
/// Text requests from all callers queue into one ``BatchWorker`` that runs up to
/// `maxBatch` texts per model call; images are decoded and described on their own threads.
public final class TitanEmbedder: Sendable {
    public struct Configuration: Sendable {
        /// Most texts per model call. Default: 32.
        public var maxBatch: Int
        /// Threads for MiniLM (each runs whole batches; OpenBLAS parallelises inside). Default: 1.
        public var textThreads: Int
        /// Threads decoding and describing images. Default: the number of CPUs.
        public var imageThreads: Int
        /// OpenBLAS threads per matrix product. Default: the number of CPUs.
        public var blasThreads: Int
        /// Under load, how long a partial batch waits for the next caller expected back; each
        /// arrival restarts it, and the wait ends after 4 windows in all (see ``BatchWorker``). Default: 10 ms.
        public var batchGatherWindow: Duration

        public init(maxBatch: Int = 32, textThreads: Int = 1,
                    imageThreads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    blasThreads: Int = ProcessInfo.processInfo.activeProcessorCount,
                    batchGatherWindow: Duration = .milliseconds(10)) {
            self.maxBatch = max(1, maxBatch)
            self.textThreads = max(1, textThreads)
            self.imageThreads = max(1, imageThreads)
            self.blasThreads = max(1, blasThreads)
            self.batchGatherWindow = max(.zero, batchGatherWindow)
        }
    }

    struct TextJob: Sendable { var ids: [Int32]; var dimension: Int }
    struct ImageJob: Sendable {
        var bytes: [UInt8]
        var dimension: Int
        /// A custom model's adapter: the descriptor is mapped into MiniLM's space and takes the text projection.
        var adapter: ImageAdapter? = nil
    }

    public let model: MiniLMModel
    public let configuration: Configuration
    let textWorker: BatchWorker<TextJob, [Float]>
    let imageWorker: BatchWorker<ImageJob, [Float]>

    /// Seeds of the fixed projections (changing them changes every vector).
    static let textSeed: UInt64 = 0x7469_7461_6E2D_7478 // "titan-tx"
    static let imageSeed: UInt64 = 0x7469_7461_6E2D_696D // "titan-im"

    /// Every output length served: Titan's, and Nova's 3072 too.
    static let servedDimensions = TitanModel.supportedDimensions.union(NovaModel.supportedDimensions)

    /// Projections are built once per process, on first use. Titan and Nova requests of the same length share them,
    /// so both families get the same local vectors.
    static let textProjectors: [Int: DimensionProjector] = Dictionary(uniqueKeysWithValues: servedDimensions.map {
        ($0, DimensionProjector(inputDimension: MiniLMModel.dimension, outputDimension: $0, seed: textSeed))
    })
    static let imageProjectors: [Int: DimensionProjector] = Dictionary(uniqueKeysWithValues: servedDimensions.map {
        ($0, DimensionProjector(inputDimension: ImageDescriptor.dimension, outputDimension: $0, seed: imageSeed))
    })

    public init(model: MiniLMModel, configuration: Configuration = Configuration()) {
        self.model = model
        self.configuration = configuration
        MiniLMModel.setBLASThreads(configuration.blasThreads)
        // Build the projections now, so that the first request does not pay for them.
        _ = (Self.textProjectors.count, Self.imageProjectors.count)
        let encoder = model.encoder
        textWorker = BatchWorker(name: "titan-text", threads: configuration.textThreads, maxBatch: configuration.maxBatch,
                                 gatherWindow: configuration.batchGatherWindow) { jobs in
            let vectors = encoder.embed(jobs.map(\.ids))
            // Project each requested length as one matrix product.
            var results = [Result<[Float], any Error>](repeating: .failure(BatchWorker<TextJob, [Float]>.Stopped()), count: jobs.count)
            for dimension in Set(jobs.map(\.dimension)) {
                let indices = jobs.indices.filter { jobs[$0].dimension == dimension }
                let projected = TitanEmbedder.textProjectors[dimension]!.project(indices.map { vectors[$0] })
                for (i, v) in zip(indices, projected) { results[i] = .success(v) }
            }
            return results
        }
        imageWorker = BatchWorker(name: "titan-image", threads: configuration.imageThreads, maxBatch: 1) { jobs in
            jobs.map { job in
                Result {
                    let image: RGBImage
                    do {
                        image = try ImageCodec.decode(job.bytes, minSide: ImageDescriptor.decodeMinSide)
                    } catch {
                        throw TitanLocalError.validation("inputImage could not be decoded (\(error))")
                    }
                    let descriptor = ImageDescriptor.describe(image)
                    if let adapter = job.adapter {
                        // Adapted images live in the text space, so they share the text projection at every length.
                        return TitanEmbedder.textProjectors[job.dimension]!.project(adapter.apply([descriptor])[0])
                    }
                    return TitanEmbedder.imageProjectors[job.dimension]!.project(descriptor)
                }
            }
        }
    }

    deinit { shutdown() }

    /// Stops the worker threads; pending and later requests fail.
    public func shutdown() {
        textWorker.stop()
        imageWorker.stop()
    }

    /// Texts waiting for the model (for health output and tests of batching).
    public var pendingTexts: Int { textWorker.pendingCount }

    /// Model calls and texts embedded so far; texts/calls is the mean batch size.
    public var textBatchStatistics: (batches: Int, texts: Int) {
        let s = textWorker.statistics
        return (s.batches, s.inputs)
    }

    /// Parses and answers an InvokeModel body.
    ///
    /// - Parameters:
    ///   - adapter: a custom model's image adapter (``ModelCustomizationJobs``); nil for the base model.
    /// - Throws: ``TitanLocalError`` (`ValidationException`) for malformed JSON or input that breaks Titan's rules.
    public func embed(body: [UInt8], adapter: ImageAdapter? = nil) async throws -> TitanEmbeddingResponse {
        try await embed(Self.parse(body), adapter: adapter)
    }

    /// Answers a request. With a custom model's `adapter`, images are embedded through it into the text space;
    /// text is embedded exactly as by the base model.
    ///
    /// - Throws: ``TitanLocalError``: `ValidationException` when no input is given, the text
    ///   is over 128 tokens, the image is over 5 MB or neither PNG nor JPEG, or the length
    ///   is not 256/384/1024.
    public func embed(_ request: TitanEmbeddingRequest, adapter: ImageAdapter? = nil) async throws -> TitanEmbeddingResponse {
        let dimension = request.embeddingConfig?.outputEmbeddingLength ?? TitanModel.defaultDimension
        guard TitanModel.supportedDimensions.contains(dimension) else {
            throw TitanLocalError.validation("#/embeddingConfig/outputEmbeddingLength: \(dimension) is not a valid enum value (256, 384, 1024)")
        }
        guard request.inputText != nil || request.inputImage != nil else {
            throw TitanLocalError.validation("at least one of inputText and inputImage is required")
        }
        var textJob: TextJob?
        var tokenCount: Int?
        if let text = request.inputText {
            guard !text.isEmpty else { throw TitanLocalError.validation("#/inputText: expected minLength: 1, actual: 0") }
            let pieces = model.tokenizer.wordPieceIDs(text)
            guard pieces.count <= TitanModel.maxTextTokens else {
                // Worded as Bedrock's Titan models answer, so that clients recognise it (and can cut harder).
                throw TitanLocalError(.validation, "400 Bad Request: Too many input tokens. Max input tokens: \(TitanModel.maxTextTokens), request input token count: \(pieces.count)")
            }
            tokenCount = pieces.count
            textJob = TextJob(ids: [model.tokenizer.clsID] + pieces + [model.tokenizer.sepID], dimension: dimension)
        }
        var imageJob: ImageJob?
        if let encoded = request.inputImage {
            // Refuse oversized payloads before decoding base64 (4 characters carry 3 bytes).
            guard encoded.utf8.count <= (TitanModel.maxImageBytes + 2) / 3 * 4 + 4 else {
                throw TitanLocalError.validation("#/inputImage: the image is larger than 5 MB")
            }
            guard let data = Data(base64Encoded: encoded), !data.isEmpty else {
                throw TitanLocalError.validation("#/inputImage: not valid base64")
            }
            guard data.count <= TitanModel.maxImageBytes else {
                throw TitanLocalError.validation("#/inputImage: the image is larger than 5 MB")
            }
            let bytes = [UInt8](data)
            guard ImageCodec.sniff(bytes) != nil else {
                throw TitanLocalError.validation("#/inputImage: the image must be PNG or JPEG")
            }
            imageJob = ImageJob(bytes: bytes, dimension: dimension, adapter: adapter)
        }

        // Text and image run concurrently on their own workers.
        async let textVector: [Float]? = { [textWorker] in
            if let textJob { return try await textWorker.submit(textJob) }
            return nil
        }()
        async let imageVector: [Float]? = { [imageWorker] in
            if let imageJob { return try await imageWorker.submit(imageJob) }
            return nil
        }()
        let (t, i) = try await (textVector, imageVector)
        let embedding: [Float]
        switch (t, i) {
        case let (t?, i?):
            // Titan fuses text and image into one vector: the normalised average.
            embedding = Embedding(zip(t, i).map { ($0 + $1) / 2 }).normalized().values
        case let (t?, nil): embedding = t
        case let (nil, i?): embedding = i
        case (nil, nil): throw TitanLocalError(.internalServer, "no vector computed")
        }
        return TitanEmbeddingResponse(embedding: embedding, inputTextTokenCount: tokenCount)
    }

    static let allowedKeys: Set<String> = ["inputText", "inputImage", "embeddingConfig"]

    /// Decodes the JSON body in one pass, rejecting malformed JSON, wrong types and
    /// unknown keys as Titan does.
    static func parse(_ body: [UInt8]) throws -> TitanEmbeddingRequest {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body), options: [])
        } catch {
            throw TitanLocalError.validation("the body is not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw TitanLocalError.validation("#: expected type: JSONObject")
        }
        if let extra = dictionary.keys.filter({ !allowedKeys.contains($0) }).sorted().first {
            throw TitanLocalError.validation("#: extraneous key [\(extra)] is not permitted")
        }
        func string(_ key: String) throws -> String? {
            guard let value = dictionary[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else { throw TitanLocalError.validation("#/\(key): expected type: String") }
            return text
        }
        var request = TitanEmbeddingRequest(inputText: try string("inputText"), inputImage: try string("inputImage"))
        if let value = dictionary["embeddingConfig"], !(value is NSNull) {
            guard let config = value as? [String: Any] else {
                throw TitanLocalError.validation("#/embeddingConfig: expected type: JSONObject")
            }
            if let extra = config.keys.filter({ $0 != "outputEmbeddingLength" }).sorted().first {
                throw TitanLocalError.validation("#/embeddingConfig: extraneous key [\(extra)] is not permitted")
            }
            guard let raw = config["outputEmbeddingLength"] else {
                throw TitanLocalError.validation("#/embeddingConfig: required key [outputEmbeddingLength] not found")
            }
            guard !(raw is Bool), let number = raw as? NSNumber, let length = Int(exactly: number.doubleValue) else {
                throw TitanLocalError.validation("#/embeddingConfig/outputEmbeddingLength: expected type: Integer")
            }
            request.embeddingConfig = .init(outputEmbeddingLength: length)
        }
        return request
    }

    /// `{"embedding":[...],"inputTextTokenCount":N}`, written directly as bytes:
    /// JSONEncoder, or even `Float.description` appended to a `String`, costs more than
    /// the HTTP exchange itself for a 1024-float array (see ``JSONFloatWriter``).
    static func encode(_ response: TitanEmbeddingResponse) -> [UInt8] {
        let head = Array(#"{"embedding":["#.utf8)
        let tail = Array((response.inputTextTokenCount.map { #"],"inputTextTokenCount":\#($0)}"# } ?? "]}").utf8)
        let capacity = head.count + response.embedding.count * (JSONFloatWriter.maxLength + 1) + tail.count
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            let p = buffer.baseAddress!
            var n = 0
            for b in head { p[n] = b; n += 1 }
            for (i, value) in response.embedding.enumerated() {
                if i > 0 { p[n] = UInt8(ascii: ","); n += 1 }
                n += JSONFloatWriter.write(value, to: p + n)
            }
            for b in tail { p[n] = b; n += 1 }
            count = n
        }
    }
}
