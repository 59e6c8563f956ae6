import BedrockClient
import EmbeddingSpaces
import Foundation
import Logging
import Postgres

/// `rec models backfill NAME`: embeds every live item that has no vector in an embedding space, with that space's
/// model, dimension and mode, through the catalog's own caption rules, image fetch policy and embedding cache
/// (docs/models.md).
///
/// Resumable and idempotent: each page selects the items still missing (in id order) and is written in one
/// transaction; a vector is inserted only while the item's `version_at` is the one read and no vector of the
/// item and kind is there yet (`ON CONFLICT DO NOTHING`), so an update that ingest wrote meanwhile (ingest writes
/// every space) always wins. Failures are counted and skipped; a second run picks them up.
public struct SpaceBackfill: Sendable {
    /// What a run did so far.
    public struct Progress: Sendable, Equatable {
        /// Live items missing in the space when the run started.
        public var total = 0
        /// Items looked at (written, skipped or failed).
        public var done = 0
        /// Items written.
        public var written = 0
        /// Vectors computed by the endpoint.
        public var embedded = 0
        /// Vectors taken from the embedding cache.
        public var cacheHits = 0
        /// Items whose image could not be used any more (URL broken, image rejected by the model): embedded text-only.
        public var textOnly = 0
        /// Items whose live vector came from an inline image stored before migration 0010: the input cannot be
        /// reproduced; publish them again.
        public var needsRepublish: [String] = []
        /// Items that failed (transient errors, rejected input), with the reason; run again.
        public var failed: [String: String] = [:]
        public var seconds: Double = 0

        public init() {}
    }

    let pool: PostgresPool
    let embedder: TitanEmbeddingClient
    let fetcher: ImageFetcher
    let spaces: EmbeddingSpaceRegistry
    let logger: Logger

    public init(pool: PostgresPool, embedder: TitanEmbeddingClient, fetcher: ImageFetcher, spaces: EmbeddingSpaceRegistry,
                logger: Logger = Logger(label: "rec.models.backfill")) {
        self.pool = pool
        self.embedder = embedder
        self.fetcher = fetcher
        self.spaces = spaces
        self.logger = logger
    }

    /// One item as the backfill reads it.
    struct Row: Sendable {
        var id: String
        var title: String
        var description: String
        var imageURL: String?
        var imageError: String?
        var versionAt: Date
        var storedImage: [UInt8]?
        /// The content hash of the item's live vector of the live space's main kind, and whether the live space
        /// has an image vector of it.
        var liveHash: [UInt8]?
        var liveHasImage: Bool
    }

    /// The inputs of one item, decided.
    enum Input: Sendable {
        /// `caption` uncut (``CatalogCaption/full(title:description:)``): each space's model family cuts it.
        case embed(caption: String, image: [UInt8]?, imageLost: Bool)
        case needsRepublish
        case failed(String)
    }

    /// Runs the backfill of `name`.
    ///
    /// - Parameters:
    ///   - settle: how long after the space's creation to wait before starting, so that every consumer has
    ///     seen the space (and writes its updates to it) first: two refresh intervals and a second.
    ///   - progress: called after every page.
    /// - Throws: ``EmbeddingSpaceError`` for an unknown or retired space (also when it is retired meanwhile);
    ///   database errors.
    @discardableResult
    public func run(space name: PostgresIdentifierLiteral, concurrency: Int = 16, batchSize: Int = 256, settle: Duration,
                    progress: @Sendable (Progress) -> Void = { _ in }) async throws -> Progress {
        try await spaces.refresh()
        let set = spaces.current
        guard let space = set.named(name), space.isWritten else {
            throw EmbeddingSpaceError(.refused, "no embedding space \(name) to backfill (see rec models status)")
        }
        let live = set.live
        // Wait until the consumers have seen the space (they re-read the spaces every refresh interval).
        let age = try await pool.query("SELECT extract(epoch FROM now() - created_at)::float8 FROM embedding_spaces WHERE name = \(bind: name.value)" as PostgresQuery)
            .first.map { try $0.double(0) } ?? 0
        let wait = settle.seconds - age
        if wait > 0 {
            logger.info("waiting for the consumers to pick up the new space", metadata: ["seconds": "\(Int(wait.rounded(.up)))"])
            try await Task.sleep(for: .seconds(wait))
        }
        let started = ContinuousClock.now
        var p = Progress()
        p.total = try await pool.query("""
            SELECT count(*) FROM items i WHERE i.deleted_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM item_embeddings e WHERE e.item_id = i.id AND e.space = \(bind: space.name.value) AND e.dims = \(bind: space.dims))
            """ as PostgresQuery).first!.int(0)
        var after = ""
        while true {
            try Task.checkCancellation()
            let rows = try await page(after: after, space: space, live: live, limit: max(1, batchSize))
            guard let last = rows.last else { break }
            after = last.id
            try await backfill(rows, space: space, live: live, concurrency: max(1, concurrency), into: &p)
            p.done += rows.count
            p.seconds = (ContinuousClock.now - started).seconds
            progress(p)
        }
        p.seconds = (ContinuousClock.now - started).seconds
        return p
    }

    /// Up to `limit` live items after `after` (id order) with no vector in `space`.
    func page(after: String, space: EmbeddingSpace, live: EmbeddingSpace, limit: Int) async throws -> [Row] {
        let liveKind = live.kinds[0]
        let rows = try await pool.query("""
            SELECT i.id, i.title, i.description, i.image_url, i.image_error, i.version_at, img.image,
                   (SELECT le.content_hash FROM item_embeddings le WHERE le.item_id = i.id AND le.space = \(bind: live.name.value) AND le.kind = \(bind: liveKind)),
                   EXISTS (SELECT 1 FROM item_embeddings li WHERE li.item_id = i.id AND li.space = \(bind: live.name.value) AND li.kind = 'image')
            FROM items i LEFT JOIN item_images img ON img.item_id = i.id
            WHERE i.deleted_at IS NULL AND i.id > \(bind: after)
              AND NOT EXISTS (SELECT 1 FROM item_embeddings e WHERE e.item_id = i.id AND e.space = \(bind: space.name.value) AND e.dims = \(bind: space.dims))
            ORDER BY i.id LIMIT \(literal: limit)
            """, resultFormat: .binary)
        return try rows.map { r in
            Row(id: try r.string(0), title: try r.string(1), description: try r.string(2), imageURL: try r.optionalString(3),
                imageError: try r.optionalString(4), versionAt: try r.date(5), storedImage: r.bytes(6), liveHash: r.bytes(7), liveHasImage: try r.bool(8))
        }
    }

    /// What `row` is embedded from: the caption, and the stored inline image, else the image URL fetched again,
    /// else no image when the item has none (or had an unusable one); an item whose live vector came from an
    /// image that is not stored anywhere cannot be reproduced.
    ///
    /// - Parameter liveModel: how the embedding client treats the live space's model (its captions' cut, its hashes).
    static func input(_ row: Row, live: EmbeddingSpace, liveModel: EmbeddingModelIdentity, fetched: Result<[UInt8], ImageFetchError>?) -> Input {
        let caption = CatalogCaption.full(title: row.title, description: row.description)
        if let image = row.storedImage { return .embed(caption: caption, image: image, imageLost: false) }
        if row.imageURL != nil, row.imageError == nil {
            switch fetched {
            case .success(let bytes)?: return .embed(caption: caption, image: bytes, imageLost: false)
            case .failure(let e)? where e.isRetriable: return .failed("image: \(e.message)")
            case .failure?: return .embed(caption: caption, image: nil, imageLost: true)
            case nil: return .failed("image not fetched")
            }
        }
        if row.imageURL != nil || row.imageError != nil { return .embed(caption: caption, image: nil, imageLost: false) }
        // No image known. Text-only for certain only if the live vector says so.
        switch live.mode {
        case .fused:
            guard let liveHash = row.liveHash else { return .embed(caption: caption, image: nil, imageLost: false) }
            let textOnly = ContentHash.of(model: liveModel.hashModel, dimensions: live.dims, kind: "fused",
                                          text: CatalogCaption.cut(caption, family: liveModel.family).text, image: nil)
            return textOnly == liveHash ? .embed(caption: caption, image: nil, imageLost: false) : .needsRepublish
        case .separate:
            return row.liveHasImage ? .needsRepublish : .embed(caption: caption, image: nil, imageLost: false)
        }
    }

    private func backfill(_ rows: [Row], space: EmbeddingSpace, live: EmbeddingSpace, concurrency: Int, into p: inout Progress) async throws {
        // Images to fetch again.
        let fetcher = self.fetcher
        let urls = rows.compactMap { r -> (String, String)? in
            guard r.storedImage == nil, r.imageError == nil, let u = r.imageURL else { return nil }
            return (r.id, u)
        }
        let fetchedList = await boundedMap(urls, limit: concurrency) { (id, url) -> (String, Result<[UInt8], ImageFetchError>) in
            do { return (id, .success(try await fetcher.fetch(url))) } catch { return (id, .failure(error as? ImageFetchError ?? ImageFetchError("\(error)", isRetriable: true))) }
        }
        let fetched = Dictionary(fetchedList, uniquingKeysWith: { a, _ in a })
        var pieces = [String: [IngestPlan.Piece]]()  // item → its pieces in the space
        var lost = Set<String>()
        let vectorVersion = try await embedder.vectorVersion()
        let identity = { [embedder] (model: String) in embedder.identity(ofModel: model, vectorVersion: vectorVersion) }
        for r in rows {
            switch Self.input(r, live: live, liveModel: identity(live.model), fetched: fetched[r.id]) {
            case .embed(let caption, let image, let imageLost):
                pieces[r.id] = IngestPlan.pieces(caption: caption, image: image, targets: [space], identity: identity)
                if imageLost { lost.insert(r.id) }
            case .needsRepublish: p.needsRepublish.append(r.id)
            case .failed(let reason): p.failed[r.id] = reason
            }
        }
        // Vectors: the cache first, then the endpoint (once per distinct hash).
        let store = CatalogStore(pool: pool, spaces: spaces)
        let allPieces = pieces.values.flatMap { $0 }
        var vectors = try await store.cached(Array(Set(allPieces.map(\.hash))))
        p.cacheHits += allPieces.filter { vectors[$0.hash] != nil }.count
        var distinct = [[UInt8]: IngestPlan.Piece]()
        for piece in allPieces where vectors[piece.hash] == nil { distinct[piece.hash] = piece }
        let embedder = self.embedder
        let results = await boundedMap(Array(distinct.values), limit: concurrency) { piece -> ([UInt8], Result<[Float], BedrockError>) in
            do { return (piece.hash, .success(try await embedder.embed(text: piece.text, image: piece.image, dimensions: piece.dims, modelID: piece.model).vector)) }
            catch { return (piece.hash, .failure(error as? BedrockError ?? BedrockError(.transport, "\(error)"))) }
        }
        var failures = [[UInt8]: BedrockError]()
        var newCache = [CatalogStore.CacheEntry]()
        for (hash, r) in results {
            switch r {
            case .success(let v):
                vectors[hash] = v
                p.embedded += 1
                if let piece = distinct[hash] { newCache.append(.init(hash: hash, model: piece.model, dims: piece.dims, kind: piece.kind, vector: v)) }
            case .failure(let e): failures[hash] = e
            }
        }
        // The model rejected an image (for good): text-only, as ingest does.
        for (id, ps) in pieces where ps.contains(where: { failures[$0.hash].map(CatalogIngest.permanent) == true && $0.image != nil }) {
            guard let r = rows.first(where: { $0.id == id }) else { continue }
            let textOnly = IngestPlan.pieces(caption: CatalogCaption.full(title: r.title, description: r.description), image: nil, targets: [space],
                                             identity: identity)
            pieces[id] = textOnly
            lost.insert(id)
            for piece in textOnly where vectors[piece.hash] == nil {
                do {
                    let v = try await embedder.embed(text: piece.text, image: nil, dimensions: piece.dims, modelID: piece.model).vector
                    vectors[piece.hash] = v
                    p.embedded += 1
                    newCache.append(.init(hash: piece.hash, model: piece.model, dims: piece.dims, kind: piece.kind, vector: v))
                } catch {
                    failures[piece.hash] = error
                }
            }
        }
        var writes = [(id: String, version: Date, piece: IngestPlan.Piece, vector: [Float])]()
        for r in rows {
            guard let ps = pieces[r.id] else { continue }
            if let e = ps.compactMap({ failures[$0.hash] }).first {
                p.failed[r.id] = "\(e)"
                continue
            }
            for piece in ps { writes.append((r.id, r.versionAt, piece, vectors[piece.hash]!)) }
            if lost.contains(r.id) { p.textOnly += 1 }
        }
        let registry = spaces
        let (vectorRows, cacheRows) = (writes, newCache)
        let written = try await pool.transaction { c -> Int in
            guard try !registry.lockForWriting([space], on: c).isEmpty else {
                throw EmbeddingSpaceError(.refused, "embedding space \(space.name) was retired during the backfill")
            }
            var items = Set<String>()
            for chunk in vectorRows.chunked(200) {
                var sql: PostgresQuery = """
                    INSERT INTO item_embeddings (item_id, kind, space, model, dims, content_hash, embedding)
                    SELECT v.id, v.kind, v.space, v.model, v.dims, v.hash, v.embedding FROM (VALUES 
                    """
                sql += chunk.map { w -> PostgresQuery in
                    """
                    (\(bind: w.id),\(bind: w.piece.kind),\(bind: space.name.value),\(bind: space.model),\(bind: space.dims)::int4,\
                    \(bind: PostgresBytes(w.piece.hash)),\(bind: PGVector.halfvec(w.vector))::public.halfvec,\(bind: w.version)::timestamptz)
                    """
                }.joined(separator: ",")
                sql += """
                    ) AS v(id, kind, space, model, dims, hash, embedding, version)
                    WHERE EXISTS (SELECT 1 FROM items i WHERE i.id = v.id AND i.version_at = v.version AND i.deleted_at IS NULL)
                    ON CONFLICT (item_id, kind, space) DO NOTHING RETURNING item_id
                    """
                for r in try c.query(sql) { items.insert(try r.string(0)) }
            }
            try CatalogStore.writeCache(cacheRows, on: c)
            return items.count
        }
        p.written += written
    }
}
