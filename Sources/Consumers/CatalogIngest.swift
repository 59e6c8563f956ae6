import BedrockClient
import EmbeddingSpaces
import Foundation
import Kafka
import RecCore
import Logging
import Metrics
import Postgres

/// The catalog pipeline: a ``BatchHandler`` that turns `catalog.v1` events into item rows and Titan vectors.
///
/// Per batch: decode strictly (invalid → dead letter); drop events already applied (`processed_catalog_events`);
/// then, in rounds, an ``IngestPlan`` (a value) picks the newest event per product (a delete wins a tie; if Titan
/// rejects the newest, the next round applies the next newest; if it rejects the image, the next round embeds the
/// product text-only), drops events not newer than the stored `version_at`, and lists the Titan inputs whose
/// content hash (caption bytes, image bytes, model, dimension, kind) differs from the stored vector's; this type
/// executes it: fetches images, takes vectors from the shared `embedding_cache` or embeds them with bounded
/// concurrency, and writes while embeds are still in flight. Every product is embedded and written in every
/// embedding space that is written (``EmbeddingSpaceSet/writeTargets``: the live one, and those being built or kept
/// for a switch back), each with its own model, dimension and mode; the batch takes the spaces once, at its start. Writes go in chunks of ``writeChunkSize`` items,
/// each one transaction holding its items, vectors, new cache entries and the dedup records of their events
/// (and of the events they supersede), so every product's effects are atomic; offsets are committed after the
/// batch. Transient failures (throttling, 5xx, image timeouts, database) come back as `retryLater` (or a thrown
/// error), so the runner pauses the partition and retries.
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

    /// - Parameter spaces: the embedding spaces (`rec consume`: read from the database); default: the one space
    ///   `default` of the configuration's model, dimension and mode.
    public init(pool: PostgresPool, embedder: TitanEmbeddingClient, fetcher: ImageFetcher, configuration: CatalogIngestConfiguration,
                spaces: EmbeddingSpaceRegistry? = nil, logger: Logger = Logger(label: "rec.catalog")) {
        self.store = CatalogStore(pool: pool, spaces: spaces ?? EmbeddingSpaceRegistry(fixed: configuration.space))
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
        let targets = try await store.spaces.ready().writeTargets
        let vectorVersion = try await embedder.vectorVersion()
        while !pending.isEmpty {
            let (winners, superseded) = IngestPlan.winners(pending)
            let round = try await ingest(winners: winners, superseded: superseded, imageErrors: imageErrors, targets: targets,
                                         vectorVersion: vectorVersion)
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
                        superseded: [String: [(index: Int, event: CatalogEvent)]], imageErrors: [Int: String],
                        targets: [EmbeddingSpace], vectorVersion: String) async throws -> Round {
        var results = [Int: MessageOutcome]()
        var imageRejected = [Int: String]()
        let state = try await store.state(Array(winners.keys), targets: targets)
        let plan = IngestPlan(winners: winners, superseded: superseded, versions: state.versions, imageErrors: imageErrors)
        var candidates = plan.candidates

        // Images.
        let fetcher = self.fetcher
        let toFetch = candidates.indices.compactMap { i in candidates[i].imageURL.map { (i, $0) } }
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

        // Titan inputs (per space) and their content hashes; unchanged vectors need nothing, the rest come from
        // the cache or from Bedrock (once per distinct hash: two spaces of one model and dimension share them).
        for i in candidates.indices where !dropped.contains(i) {
            let caption = CatalogCaption.full(title: candidates[i].product.title, description: candidates[i].product.description)
            candidates[i].pieces = IngestPlan.pieces(caption: caption, image: candidates[i].image, targets: targets) { [client = self.embedder] in
                client.identity(ofModel: $0, vectorVersion: vectorVersion)
            }
        }
        candidates = candidates.enumerated().filter { !dropped.contains($0.offset) }.map(\.element)
        let (needed, unchangedCount) = IngestPlan.changedPieces(candidates, stored: state.hashes)
        var vectors = try await store.cached(Array(needed.keys))
        cacheHits.increment(by: unchangedCount + vectors.count)
        let toEmbed = needed.values.filter { vectors[$0.hash] == nil }
        cacheMisses.increment(by: toEmbed.count)
        // Embedding and writing overlap: items are written in chunks as soon as their vectors are in, by one
        // writer, while the remaining embeds are still in flight (so the database never idles the endpoint).
        let embedder = self.embedder, timer = embedTimer
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
        var (ready, waiting, remaining) = IngestPlan.schedule(candidates, stored: state.hashes, have: Set(vectors.keys))
        var failures = [[UInt8]: BedrockError]()
        var newCacheEntries = [CatalogStore.CacheEntry]()

        func makeWrites(_ indices: [Int]) -> CatalogStore.Writes {
            var w = CatalogStore.Writes()
            w.targets = targets
            w.cache = newCacheEntries
            newCacheEntries = []
            let liveSpace = targets.first?.name  // writeTargets: the live space first
            for i in indices {
                let c = candidates[i]
                if let e = c.pieces.filter({ $0.space == liveSpace }).compactMap({ failures[$0.hash] }).first {
                    if Self.permanent(e), c.image != nil, configuration.brokenImagePolicy == .textOnly {
                        // A product is never lost because of its image: store it text-only, with the reason.
                        imageRejected[c.index] = "the embedding endpoint rejected the image: \(e.message)"
                        logger.info("image rejected by the endpoint, storing text-only", metadata: ["product": "\(c.product.id)", "reason": "\(e.message)"])
                        continue
                    }
                    results[c.index] = Self.permanent(e) ? .deadLetter(reason: "embedding rejected: \(e)") : .retryLater(reason: "\(e)")
                    continue
                }
                // A space being built or kept for a switch back never holds up the live one: when its model fails
                // this product, the product goes without a vector there (its old one, now stale, is removed), which
                // its coverage shows and `rec models backfill` fills.
                let failedSpaces = Set(c.pieces.filter { failures[$0.hash] != nil }.map(\.space))
                if !failedSpaces.isEmpty {
                    logger.warning("embedding failed in a space that is not live; the product has no vector there for now", metadata: [
                        "product": "\(c.product.id)", "spaces": "\(failedSpaces.map(\.value).sorted().joined(separator: ","))",
                    ])
                }
                let pieces = c.pieces.filter { !failedSpaces.contains($0.space) }
                let fresh = pieces.filter { state.hashes[c.product.id]?[$0.slot] != $0.hash }.compactMap { p in
                    targets.first { $0.name == p.space }.map { CatalogStore.Vector(space: $0, kind: p.kind, hash: p.hash, vector: vectors[p.hash]!) }
                }
                var kinds = Dictionary(grouping: pieces, by: \.space).mapValues { Set($0.map(\.kind)) }
                for s in failedSpaces { kinds[s] = [] }
                var upsert = CatalogStore.ItemUpsert(product: c.product, occurredAt: c.occurredAt, imageError: c.imageError, embeddings: fresh, kinds: kinds)
                if case .inline(let bytes)? = c.product.image {
                    if state.images[c.product.id] != SHA256Digest.hash(bytes) { upsert.storeImage = bytes }
                } else {
                    upsert.dropImage = state.images[c.product.id] != nil
                }
                w.upserts.append(upsert)
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
                        let e = try await embedder.embed(text: p.text, image: p.image, dimensions: p.dims, modelID: p.model)
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
            first.deletes = plan.settled.deletes
            first.processed += plan.settled.processed
            send(first)
            for await (hash, result) in embeds {
                switch result {
                case .success(let v):
                    vectors[hash] = v
                    if let p = needed[hash] { newCacheEntries.append(.init(hash: hash, model: p.model, dims: p.dims, kind: p.kind, vector: v)) }
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
        for c in plan.candidates {  // dropped ones too: their superseded events wait or get the next round
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

    /// The catalog's content hash (see ``ContentHash``).
    public static func contentHash(model: String, dimensions: Int, kind: String, text: String?, image: [UInt8]?) -> [UInt8] {
        ContentHash.of(model: model, dimensions: dimensions, kind: kind, text: text, image: image)
    }
}
