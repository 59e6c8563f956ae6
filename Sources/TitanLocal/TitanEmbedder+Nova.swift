import BedrockClient
import Foundation
import RecCore

/// Amazon Nova Multimodal Embeddings (`amazon.nova-2-multimodal-embeddings-v1:0`), synchronous `SINGLE_EMBEDDING`
/// requests, answered with the same local encoders as Titan's: MiniLM for text, the image descriptor for images, each
/// projected to the requested `embeddingDimension` (256, 384, 1024 or 3072; 3072 when absent, as Nova does).
///
/// What the stand-in does and does not do:
/// - `embeddingPurpose` is validated but does not change the vector: index and retrieval vectors are identical here
///   (Nova's differ), so a query finds the item it was indexed from exactly as with Titan.
/// - `truncationMode` applies at Nova's 8,192-token context: `NONE` refuses longer text with Bedrock's
///   "Too many input tokens" wording; `END` keeps the first 8,192 word pieces, `START` the last, and the answer carries
///   `truncatedCharLength`. MiniLM itself reads at most 254 word pieces, taken from the same end.
/// - Images: PNG and JPEG (`gif`/`webp` are valid Nova formats the stand-in cannot decode: a ValidationException says
///   so); the declared `format` must match the bytes. Inline bytes only (no `s3Location`); text and image only.
extension TitanEmbedder {
    /// One validated Nova request.
    public struct NovaJob: Sendable {
        public enum Content: Sendable {
            case text(pieces: [Int32], truncatedCharLength: Int?)
            case image([UInt8])
        }
        public var dimension: Int
        public var purpose: String
        public var content: Content
    }

    /// Word pieces MiniLM reads of one text (its 256 positions less `[CLS]` and `[SEP]`).
    static let miniLMPieces = MiniLMModel.maxSequenceLength - 2

    static let novaPurposes: Set<String> = ["GENERIC_INDEX", "GENERIC_RETRIEVAL", "TEXT_RETRIEVAL", "IMAGE_RETRIEVAL", "VIDEO_RETRIEVAL",
                                            "DOCUMENT_RETRIEVAL", "AUDIO_RETRIEVAL", "CLASSIFICATION", "CLUSTERING"]

    /// Parses, validates and answers a Nova InvokeModel body.
    ///
    /// - Throws: ``TitanLocalError`` `ValidationException` for malformed JSON or a request that breaks Nova's schema.
    public func embedNova(body: [UInt8]) async throws -> NovaEmbeddingResponse {
        try await embedNova(parseNova(body))
    }

    /// Answers a validated Nova request: one entry, `TEXT` or `IMAGE`.
    public func embedNova(_ job: NovaJob) async throws -> NovaEmbeddingResponse {
        switch job.content {
        case .text(let pieces, let truncatedCharLength):
            let ids = [model.tokenizer.clsID] + pieces + [model.tokenizer.sepID]
            let vector = try await textWorker.submit(TextJob(ids: ids, dimension: job.dimension))
            return NovaEmbeddingResponse(embeddings: [.init(embeddingType: "TEXT", embedding: vector, truncatedCharLength: truncatedCharLength)])
        case .image(let bytes):
            let vector = try await imageWorker.submit(ImageJob(bytes: bytes, dimension: job.dimension))
            return NovaEmbeddingResponse(embeddings: [.init(embeddingType: "IMAGE", embedding: vector)])
        }
    }

    /// Decodes a Nova body by the model's schema, with Bedrock's wording for what it refuses.
    func parseNova(_ body: [UInt8]) throws -> NovaJob {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body), options: [])
        } catch {
            throw TitanLocalError.validation("the body is not valid JSON")
        }
        guard let root = object as? [String: Any] else { throw TitanLocalError.validation("#: expected type: JSONObject") }
        try Self.onlyKeys(root, ["schemaVersion", "taskType", "singleEmbeddingParams", "segmentedEmbeddingParams"], at: "#")
        if let version = try Self.string(root, "schemaVersion", at: "#"), version != NovaModel.schemaVersion {
            throw TitanLocalError.validation("#/schemaVersion: \(version) is not a valid enum value")
        }
        guard let task = try Self.string(root, "taskType", at: "#") else {
            throw TitanLocalError.validation("#: required key [taskType] not found")
        }
        guard task == NovaModel.singleEmbeddingTask else {
            throw TitanLocalError.validation(task == "SEGMENTED_EMBEDDING"
                ? "#/taskType: SEGMENTED_EMBEDDING is only available through StartAsyncInvoke"
                : "#/taskType: \(task) is not a valid enum value")
        }
        guard let params = try Self.object(root, "singleEmbeddingParams", at: "#") else {
            throw TitanLocalError.validation("#: required key [singleEmbeddingParams] not found")
        }
        let at = "#/singleEmbeddingParams"
        try Self.onlyKeys(params, ["embeddingPurpose", "embeddingDimension", "text", "image", "audio", "video"], at: at)
        guard let purpose = try Self.string(params, "embeddingPurpose", at: at) else {
            throw TitanLocalError.validation("\(at): required key [embeddingPurpose] not found")
        }
        guard Self.novaPurposes.contains(purpose) else {
            throw TitanLocalError.validation("\(at)/embeddingPurpose: \(purpose) is not a valid enum value")
        }
        var dimension = 3072
        if let raw = params["embeddingDimension"], !(raw is NSNull) {
            guard !(raw is Bool), let number = raw as? NSNumber, let value = Int(exactly: number.doubleValue) else {
                throw TitanLocalError.validation("\(at)/embeddingDimension: expected type: Integer")
            }
            guard NovaModel.supportedDimensions.contains(value) else {
                throw TitanLocalError.validation("\(at)/embeddingDimension: \(value) is not a valid enum value (256, 384, 1024, 3072)")
            }
            dimension = value
        }
        let present = ["text", "image", "audio", "video"].filter { params[$0] != nil && !(params[$0] is NSNull) }
        guard present.count == 1 else {
            throw TitanLocalError.validation("\(at): exactly one of [text, image, video, audio] must be present, found \(present.count)")
        }
        switch present[0] {
        case "text":
            return NovaJob(dimension: dimension, purpose: purpose, content: try parseText(try Self.object(params, "text", at: at)!, at: at + "/text"))
        case "image":
            return NovaJob(dimension: dimension, purpose: purpose, content: try Self.parseImage(try Self.object(params, "image", at: at)!, at: at + "/image"))
        default:
            throw TitanLocalError.validation("\(at)/\(present[0]): rec titan-local embeds text and images only")
        }
    }

    private func parseText(_ text: [String: Any], at: String) throws -> NovaJob.Content {
        try Self.onlyKeys(text, ["truncationMode", "value", "source"], at: at)
        guard let mode = try Self.string(text, "truncationMode", at: at) else {
            throw TitanLocalError.validation("\(at): required key [truncationMode] not found")
        }
        guard ["START", "END", "NONE"].contains(mode) else {
            throw TitanLocalError.validation("\(at)/truncationMode: \(mode) is not a valid enum value")
        }
        if text["source"] != nil, !(text["source"] is NSNull) {
            throw TitanLocalError.validation("\(at)/source: text from S3 is not available in rec titan-local; send it as value")
        }
        guard let value = try Self.string(text, "value", at: at) else {
            throw TitanLocalError.validation("\(at): one of value or source is required")
        }
        guard !value.isEmpty else { throw TitanLocalError.validation("\(at)/value: expected minLength: 1, actual: 0") }
        let characters = value.count
        guard characters <= NovaModel.runtimeMaxTextCharacters else {
            throw TitanLocalError.validation("expected maxLength: \(NovaModel.runtimeMaxTextCharacters), actual: \(characters)")
        }
        let tokenizer = model.tokenizer
        var pieces = tokenizer.wordPieceIDs(value)
        var truncatedCharLength: Int?
        if pieces.count > NovaModel.maxTextTokens {
            switch mode {
            case "NONE":
                // Worded as Bedrock answers, so that clients recognise it.
                throw TitanLocalError(.validation, "400 Bad Request: Too many input tokens. Max input tokens: \(NovaModel.maxTextTokens), request input token count: \(pieces.count)")
            case "END":
                truncatedCharLength = Self.characterOffset(value, keepingPieces: NovaModel.maxTextTokens, fromStart: true, tokenizer: tokenizer)
                pieces = Array(pieces.prefix(NovaModel.maxTextTokens))
            default:
                truncatedCharLength = Self.characterOffset(value, keepingPieces: NovaModel.maxTextTokens, fromStart: false, tokenizer: tokenizer)
                pieces = Array(pieces.suffix(NovaModel.maxTextTokens))
            }
        }
        // MiniLM's own window, from the end the mode keeps.
        pieces = mode == "START" ? Array(pieces.suffix(Self.miniLMPieces)) : Array(pieces.prefix(Self.miniLMPieces))
        return .text(pieces: pieces, truncatedCharLength: truncatedCharLength)
    }

    /// `END`: the character offset after the last whole word whose pieces fit; `START`: the offset where the kept
    /// tail begins (the characters dropped from the start).
    static func characterOffset(_ text: String, keepingPieces limit: Int, fromStart: Bool, tokenizer: WordPieceTokenizer) -> Int {
        var words: [(range: Range<String.Index>, pieces: Int)] = []
        var start: String.Index?
        var i = text.startIndex
        while i < text.endIndex {
            if text[i].isWhitespace {
                if let s = start { words.append((s..<i, tokenizer.wordPieceIDs(String(text[s..<i])).count)); start = nil }
            } else if start == nil {
                start = i
            }
            i = text.index(after: i)
        }
        if let s = start { words.append((s..<text.endIndex, tokenizer.wordPieceIDs(String(text[s...])).count)) }
        var used = 0
        if fromStart {
            var end = text.startIndex
            for w in words {
                guard used + w.pieces <= limit else { break }
                used += w.pieces
                end = w.range.upperBound
            }
            return text.distance(from: text.startIndex, to: end)
        }
        var begin = text.endIndex
        for w in words.reversed() {
            guard used + w.pieces <= limit else { break }
            used += w.pieces
            begin = w.range.lowerBound
        }
        return text.distance(from: text.startIndex, to: begin)
    }

    private static func parseImage(_ image: [String: Any], at: String) throws -> NovaJob.Content {
        try onlyKeys(image, ["format", "source", "detailLevel"], at: at)
        if let detail = try string(image, "detailLevel", at: at), !["STANDARD_IMAGE", "DOCUMENT_IMAGE"].contains(detail) {
            throw TitanLocalError.validation("\(at)/detailLevel: \(detail) is not a valid enum value")
        }
        guard let format = try string(image, "format", at: at) else {
            throw TitanLocalError.validation("\(at): required key [format] not found")
        }
        guard ["png", "jpeg", "gif", "webp"].contains(format) else {
            throw TitanLocalError.validation("\(at)/format: \(format) is not a valid enum value")
        }
        guard let source = try object(image, "source", at: at) else {
            throw TitanLocalError.validation("\(at): required key [source] not found")
        }
        try onlyKeys(source, ["bytes", "s3Location"], at: at + "/source")
        if source["s3Location"] != nil {
            throw TitanLocalError.validation("\(at)/source/s3Location: images in S3 are not available in rec titan-local; send bytes")
        }
        guard let encoded = try string(source, "bytes", at: at + "/source") else {
            throw TitanLocalError.validation("\(at)/source: required key [bytes] not found")
        }
        guard let data = Data(base64Encoded: encoded), !data.isEmpty else {
            throw TitanLocalError.validation("\(at)/source/bytes: not valid base64")
        }
        guard format == "png" || format == "jpeg" else {
            throw TitanLocalError.validation("\(at)/format: rec titan-local decodes png and jpeg only, not \(format)")
        }
        let bytes = [UInt8](data)
        guard let sniffed = ImageCodec.sniff(bytes), sniffed.rawValue == format else {
            throw TitanLocalError.validation("\(at)/source/bytes: the bytes are not a \(format) image")
        }
        return .image(bytes)
    }

    private static func onlyKeys(_ object: [String: Any], _ allowed: Set<String>, at: String) throws {
        if let extra = object.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw TitanLocalError.validation("\(at): extraneous key [\(extra)] is not permitted")
        }
    }

    private static func string(_ object: [String: Any], _ key: String, at: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let s = value as? String else { throw TitanLocalError.validation("\(at)/\(key): expected type: String") }
        return s
    }

    private static func object(_ object: [String: Any], _ key: String, at: String) throws -> [String: Any]? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let o = value as? [String: Any] else { throw TitanLocalError.validation("\(at)/\(key): expected type: JSONObject") }
        return o
    }

    /// `{"embeddings":[{"embeddingType":"TEXT","embedding":[...],"truncatedCharLength":N}]}`, written directly as bytes.
    static func encode(_ response: NovaEmbeddingResponse) -> [UInt8] {
        var out = Array(#"{"embeddings":["#.utf8)
        for (k, entry) in response.embeddings.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(#"{"embeddingType":"\#(entry.embeddingType ?? "TEXT")","embedding":["#.utf8)
            let values = entry.embedding
            out += [UInt8](unsafeUninitializedCapacity: values.count * (JSONFloatWriter.maxLength + 1)) { buffer, count in
                let p = buffer.baseAddress!
                var n = 0
                for (i, value) in values.enumerated() {
                    if i > 0 { p[n] = UInt8(ascii: ","); n += 1 }
                    n += JSONFloatWriter.write(value, to: p + n)
                }
                count = n
            }
            out.append(UInt8(ascii: "]"))
            if let t = entry.truncatedCharLength { out += Array(#","truncatedCharLength":\#(t)"#.utf8) }
            out.append(UInt8(ascii: "}"))
        }
        out += Array("]}".utf8)
        return out
    }
}
