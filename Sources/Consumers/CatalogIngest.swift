import BedrockClient
import Foundation
import Kafka
import Logging
import Metrics
import Postgres

/// The catalog pipeline: a ``BatchHandler`` that turns `catalog.v1` events into item rows and Titan vectors.
///
/// Per batch: decode strictly (invalid → dead letter); drop events already applied (`processed_catalog_events`)
/// and, per product, all but the newest event of the batch (a delete wins a tie; if Titan rejects the newest,
/// the next newest is applied instead); drop events not newer than
/// the stored `version_at`; fetch images and embed with bounded concurrency, skipping Bedrock whenever the
/// content hash (caption bytes, image bytes, model, dimension, kind) matches the item's stored vector or the
/// shared `embedding_cache`; then write everything — items, vectors, cache entries, dedup records — in one
/// transaction. Transient failures (throttling, 5xx, image timeouts, database) come back as `retryLater`
/// (or a thrown error), so the runner pauses the partition and retries.
public final class CatalogIngest: BatchHandler {
    public let store: CatalogStore
    public let embedder: TitanEmbeddingClient
    public let fetcher: ImageFetcher
    public let configuration: CatalogIngestConfiguration
    private let logger: Logger
    /// Transient image failures per event, to give up on a URL after `maxImageAttempts`.
    private let imageAttempts = Locked([UUID: Int]())
    private let cacheHits: Counter
    private let cacheMisses: Counter
    private let embedTimer: Metrics.Timer
    private let imageFailures: Counter
    private let embedFailures: Counter

    public init(pool: PostgresPool, embedder: TitanEmbeddingClient, fetcher: ImageFetcher, configuration: CatalogIngestConfiguration,
                logger: Logger = Logger(label: "rec.catalog")) {
        self.store = CatalogStore(pool: pool, model: configuration.modelID, dimensions: configuration.dimensions)
        self.embedder = embedder
        self.fetcher = fetcher
        self.configuration = configuration
        self.logger = logger
        cacheHits = Counter(label: "rec_catalog_embedding_cache_hits_total")
        cacheMisses = Counter(label: "rec_catalog_embedding_cache_misses_total")
        embedTimer = Metrics.Timer(label: "rec_catalog_embed_duration")
        imageFailures = Counter(label: "rec_catalog_image_failures_total")
        embedFailures = Counter(label: "rec_catalog_embed_failures_total")
    }

    /// One Titan input of one item.
    private struct Piece: Sendable {
        var kind: String
        var text: String?
        var image: [UInt8]?
        var hash: [UInt8]
    }

    private struct Candidate: Sendable {
        var index: Int
        var eventID: UUID
        var occurredAt: Date
        var product: CatalogProduct
        var image: [UInt8]?
        var imageError: String?
        var pieces: [Piece] = []
    }

    public func handle(_ batch: [KafkaMessage]) async throws -> BatchOutcome {
        var results = [MessageOutcome](repeating: .done, count: batch.count)
        // Decoding (JSON with base64 images) is CPU-bound: spread it over the cores in slices.
        let slices = stride(from: 0, to: batch.count, by: 32).map { Array(batch.indices[$0..<min($0 + 32, batch.count)]) }
        let decodedSlices = await boundedMap(slices, limit: ProcessInfo.processInfo.activeProcessorCount) { indices in
            indices.map { i -> (Int, Result<CatalogEvent, CatalogEventError>) in
                do { return (i, .success(try CatalogEvent.decode(batch[i].value))) } catch { return (i, .failure(error as? CatalogEventError ?? CatalogEventError(.invalidJSON, "\(error)"))) }
            }
        }
        var decoded = [(index: Int, event: CatalogEvent)]()
        for (i, r) in decodedSlices.joined() {
            switch r {
            case .success(let e): decoded.append((i, e))
            case .failure(let error): results[i] = .deadLetter(reason: error.description)
            }
        }
        let already = try await store.processedEventIDs(Array(Set(decoded.map(\.event.eventID))))
        var seen = Set<UUID>()
        var live = [(index: Int, event: CatalogEvent)]()
        for d in decoded where !already.contains(d.event.eventID) && seen.insert(d.event.eventID).inserted { live.append(d) }

        // The newest event per product wins within the batch; the others are superseded once it is written.
        // When Titan rejects the winner for good, the next newest event of that product is tried, so a bad
        // update never hides an earlier good one of the same batch (and nothing is marked processed unapplied).
        var pending = live
        // Events whose image the endpoint rejected, with the reason: their next round is text-only.
        var imageErrors = [Int: String]()
        while !pending.isEmpty {
            var winners = [String: (index: Int, event: CatalogEvent)]()
            for d in pending {
                guard let cur = winners[d.event.productID] else { winners[d.event.productID] = d; continue }
                if Self.isNewer(d, than: cur) { winners[d.event.productID] = d }
            }
            let superseded = Dictionary(grouping: pending.filter { winners[$0.event.productID]?.index != $0.index }, by: \.event.productID)
            let round = try await ingest(winners: winners, superseded: superseded, imageErrors: imageErrors)
            for (i, outcome) in round.outcomes { results[i] = outcome }
            pending = round.rejected.flatMap { superseded[$0] ?? [] }
            for (i, reason) in round.imageRejected {
                guard let w = winners.values.first(where: { $0.index == i }) else { continue }
                imageErrors[i] = reason
                pending += [w] + (superseded[w.event.productID] ?? [])
            }
        }
        return BatchOutcome(results)
    }

    /// What one round of ``ingest(winners:superseded:)`` decided.
    private struct Round {
        /// Outcomes of the events that are not simply done.
        var outcomes: [Int: MessageOutcome] = [:]
        /// Products whose winning event was dead-lettered: their superseded events get the next round.
        var rejected: [String] = []
        /// Events (by batch index) whose image the endpoint rejected for good: retried text-only next round.
        var imageRejected: [Int: String] = [:]
    }

    /// Applies one event per product (`winners`); `superseded` are older events of the same products in the batch,
    /// marked processed in the same transaction as their winner, retried with it, or left for the next round.
    private func ingest(winners: [String: (index: Int, event: CatalogEvent)],
                        superseded: [String: [(index: Int, event: CatalogEvent)]], imageErrors: [Int: String]) async throws -> Round {
        var results = [Int: MessageOutcome]()
        var imageRejected = [Int: String]()
        var writes = CatalogStore.Writes()  // deletes and settled events; upserts are written in chunks below
        func settle(_ id: String) {
            for s in superseded[id] ?? [] { writes.processed.append((s.event.eventID, id)) }
        }
        let state = try await store.state(Array(winners.keys))
        var candidates = [Candidate]()
        for (id, w) in winners {
            if let stored = state.versions[id] {
                let stale: Bool
                if case .deleted = w.event { stale = w.event.occurredAt < stored } else { stale = w.event.occurredAt <= stored }
                if stale {
                    writes.processed.append((w.event.eventID, id))
                    settle(id)
                    continue
                }
            }
            switch w.event {
            case .deleted(let eventID, let at, _):
                writes.deletes.append(.init(id: id, occurredAt: at))
                writes.processed.append((eventID, id))
                settle(id)
            case .upserted(let eventID, let at, let product):
                var c = Candidate(index: w.index, eventID: eventID, occurredAt: at, product: product)
                if let reason = imageErrors[w.index] {
                    c.product.image = nil  // the endpoint rejected it: text-only, with the reason stored
                    c.imageError = reason
                } else if case .inline(let bytes)? = product.image {
                    c.image = bytes
                }
                candidates.append(c)
            }
        }

        // Images.
        let fetcher = self.fetcher
        let toFetch = candidates.indices.compactMap { i -> (Int, String)? in
            if case .url(let u)? = candidates[i].product.image { return (i, u) }
            return nil
        }
        let fetched = await boundedMap(toFetch, limit: configuration.fetchConcurrency) { (i, url) in
            do { return (i, Result<[UInt8], ImageFetchError>.success(try await fetcher.fetch(url))) } catch { return (i, .failure(error as? ImageFetchError ?? ImageFetchError("\(error)", isRetriable: true))) }
        }
        var dropped = Set<Int>()  // candidate indices that will not be written this time
        for (i, r) in fetched {
            switch r {
            case .success(let bytes):
                candidates[i].image = bytes
                imageAttempts.withLock { $0[candidates[i].eventID] = nil }
            case .failure(let e):
                imageFailures.increment()
                let attempts = imageAttempts.withLock { a -> Int in a[candidates[i].eventID, default: 0] += 1; return a[candidates[i].eventID]! }
                if e.isRetriable && attempts < configuration.maxImageAttempts {
                    results[candidates[i].index] = .retryLater(reason: e.description)
                    dropped.insert(i)
                    continue
                }
                imageAttempts.withLock { $0[candidates[i].eventID] = nil }
                switch configuration.brokenImagePolicy {
                case .textOnly:
                    candidates[i].imageError = e.message
                    logger.info("image unusable, storing text-only", metadata: ["product": "\(candidates[i].product.id)", "reason": "\(e.message)"])
                case .deadLetter:
                    results[candidates[i].index] = .deadLetter(reason: e.description)
                    dropped.insert(i)
                }
            }
        }

        // Titan inputs and their content hashes.
        for i in candidates.indices where !dropped.contains(i) {
            let caption = CatalogCaption.make(title: candidates[i].product.title, description: candidates[i].product.description).text
            let image = candidates[i].image
            switch configuration.mode {
            case .fused:
                candidates[i].pieces = [piece("fused", caption, image)]
            case .separate:
                candidates[i].pieces = [piece("text", caption, nil)] + (image.map { [piece("image", nil, $0)] } ?? [])
            }
        }
        // Unchanged vectors need nothing; the rest come from the cache or from Bedrock (once per distinct hash).
        var needed = [[UInt8]: Piece]()
        for i in candidates.indices where !dropped.contains(i) {
            for p in candidates[i].pieces where state.hashes[candidates[i].product.id]?[p.kind] != p.hash {
                needed[p.hash] = p
            }
        }
        let unchangedCount = candidates.indices.filter { !dropped.contains($0) }.reduce(0) { $0 + candidates[$1].pieces.count } - needed.count
        var vectors = try await store.cached(Array(needed.keys))
        cacheHits.increment(by: max(0, unchangedCount) + vectors.count)
        let toEmbed = needed.values.filter { vectors[$0.hash] == nil }
        cacheMisses.increment(by: toEmbed.count)
        // Embedding and writing overlap: items are written in chunks as soon as their vectors are in, by one
        // writer, while the remaining embeds are still in flight (so the database never idles the endpoint).
        let embedder = self.embedder, dims = configuration.dimensions, model = configuration.modelID, timer = embedTimer
        let limit = configuration.embedConcurrency, store = self.store, chunkSize = Self.writeChunkSize
        let (embeds, embedSink) = AsyncStream.makeStream(of: ([UInt8], Result<[Float], BedrockError>).self)
        // Several writers, each with its own stream (one iterator per AsyncStream): vector index inserts
        // are CPU-heavy on the server, so two transactions in parallel keep up with the endpoint better.
        let writerCount = configuration.writeConcurrency
        let writerStreams = (0..<writerCount).map { _ in AsyncStream.makeStream(of: CatalogStore.Writes.self) }
        var nextWriter = 0
        func send(_ w: CatalogStore.Writes) {
            guard !w.isEmpty else { return }
            writerStreams[nextWriter % writerCount].continuation.yield(w)
            nextWriter += 1
        }
        var waiting = [[UInt8]: [Int]]()
        var remaining = [Int: Int]()
        var ready = [Int]()
        for i in candidates.indices where !dropped.contains(i) {
            let id = candidates[i].product.id
            let missing = Set(candidates[i].pieces.filter { state.hashes[id]?[$0.kind] != $0.hash && vectors[$0.hash] == nil }.map(\.hash))
            if missing.isEmpty {
                ready.append(i)
            } else {
                remaining[i] = missing.count
                for h in missing { waiting[h, default: []].append(i) }
            }
        }
        var failures = [[UInt8]: BedrockError]()
        var newCacheEntries = [(hash: [UInt8], kind: String, vector: [Float])]()

        func makeWrites(_ indices: [Int]) -> CatalogStore.Writes {
            var w = CatalogStore.Writes()
            w.cache = newCacheEntries
            newCacheEntries = []
            for i in indices {
                let c = candidates[i]
                if let e = c.pieces.compactMap({ failures[$0.hash] }).first {
                    if Self.permanent(e), c.image != nil, configuration.brokenImagePolicy == .textOnly {
                        // A product is never lost because of its image: store it text-only, with the reason.
                        imageRejected[c.index] = "the embedding endpoint rejected the image: \(e.message)"
                        logger.info("image rejected by the endpoint, storing text-only", metadata: ["product": "\(c.product.id)", "reason": "\(e.message)"])
                        continue
                    }
                    results[c.index] = Self.permanent(e) ? .deadLetter(reason: "embedding rejected: \(e)") : .retryLater(reason: "\(e)")
                    continue
                }
                let fresh = c.pieces.filter { state.hashes[c.product.id]?[$0.kind] != $0.hash }.map { ($0.kind, $0.hash, vectors[$0.hash]!) }
                w.upserts.append(.init(product: c.product, occurredAt: c.occurredAt, imageError: c.imageError,
                                       embeddings: fresh, kinds: Set(c.pieces.map(\.kind))))
                w.processed.append((c.eventID, c.product.id))
                for sup in superseded[c.product.id] ?? [] { w.processed.append((sup.event.eventID, c.product.id)) }
            }
            return w
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                _ = await boundedMap(toEmbed, limit: limit) { p in
                    let start = ContinuousClock.now
                    do {
                        let e = try await embedder.embed(text: p.text, image: p.image, dimensions: dims, modelID: model)
                        timer.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
                        embedSink.yield((p.hash, .success(e.vector)))
                    } catch {
                        embedSink.yield((p.hash, .failure(error as? BedrockError ?? BedrockError(.transport, "\(error)"))))
                    }
                }
                embedSink.finish()
            }
            for (stream, _) in writerStreams {
                group.addTask {
                    for await w in stream { try await store.apply(w) }
                }
            }
            // First chunk: everything settled without Bedrock (deletes, stale and superseded events, unchanged or cached vectors).
            var first = makeWrites(ready)
            ready = []
            first.deletes = writes.deletes
            first.processed += writes.processed
            send(first)
            for await (hash, result) in embeds {
                switch result {
                case .success(let v):
                    vectors[hash] = v
                    if let p = needed[hash] { newCacheEntries.append((hash, p.kind, v)) }
                case .failure(let e):
                    failures[hash] = e
                    embedFailures.increment()
                }
                for i in waiting[hash] ?? [] {
                    remaining[i]! -= 1
                    if remaining[i] == 0 { ready.append(i) }
                }
                if ready.count >= chunkSize {
                    send(makeWrites(ready))
                    ready = []
                }
            }
            send(makeWrites(ready))
            for (_, continuation) in writerStreams { continuation.finish() }
            try await group.waitForAll()
        }
        var round = Round()
        for c in candidates {
            switch results[c.index] {
            case .deadLetter?:
                round.rejected.append(c.product.id)
            case .retryLater?:
                for sup in superseded[c.product.id] ?? [] { results[sup.index] = .retryLater(reason: "waits for the newer event \(c.eventID) of the same product") }
            case .done?, nil:
                break
            }
        }
        round.outcomes = results
        round.imageRejected = imageRejected
        return round
    }

    /// Items per write transaction while embeds are still in flight.
    static let writeChunkSize = 48

    /// Errors caused by the input itself: retrying cannot help, so the event is dead-lettered.
    static func permanent(_ e: BedrockError) -> Bool {
        e.code == .invalidInput || e.code == .validation || e.code == .modelError
    }

    static func isNewer(_ a: (index: Int, event: CatalogEvent), than b: (index: Int, event: CatalogEvent)) -> Bool {
        if a.event.occurredAt != b.event.occurredAt { return a.event.occurredAt > b.event.occurredAt }
        let aDelete: Bool = { if case .deleted = a.event { return true }; return false }()
        let bDelete: Bool = { if case .deleted = b.event { return true }; return false }()
        if aDelete != bDelete { return aDelete }
        return a.index > b.index
    }

    private func piece(_ kind: String, _ text: String?, _ image: [UInt8]?) -> Piece {
        Piece(kind: kind, text: text, image: image,
              hash: Self.contentHash(model: configuration.modelID, dimensions: configuration.dimensions, kind: kind, text: text, image: image))
    }

    /// SHA-256 over a versioned, length-prefixed encoding of model, dimension, kind, caption bytes and image bytes.
    public static func contentHash(model: String, dimensions: Int, kind: String, text: String?, image: [UInt8]?) -> [UInt8] {
        var b = [UInt8]()
        b.reserveCapacity(64 + (text?.utf8.count ?? 0) + (image?.count ?? 0))
        func field(_ bytes: some Collection<UInt8>) {
            withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { b += $0 }
            b += bytes
        }
        field(Array("rec.catalog.v1".utf8))
        field(Array(model.utf8))
        field(Array(String(dimensions).utf8))
        field(Array(kind.utf8))
        b.append(text == nil ? 0 : 1)
        field(Array((text ?? "").utf8))
        b.append(image == nil ? 0 : 1)
        field(image ?? [])
        return SigV4Canonical.sha256(b)
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
