import RecApp
import BedrockClient
import Consumers
import Evaluation
import Foundation
import Kafka
import Logging
import Postgres
import Profiles
import RecCore

/// Loads an evaluation's training data into a schema of its own through the product's own code: the
/// catalog through ``CatalogIngest`` (the configured embedding endpoint, content-hash cache, the same
/// caption rules), the interactions in event-time order through ``ProfileStore/record(_:)`` (the
/// interaction consumer's exactly-once transaction: log, profiles, popularity, transitions).
struct EvalReplay {
    let app: AppConfiguration
    let schema: String
    let logger: Logger

    /// The schema's libpq URL (`search_path` = the schema, then `public` for pgvector).
    var url: String {
        get throws { try app.databaseURL(schema: schema) }
    }

    /// Whether the schema exists and holds a replay (a previous run with `--keep`).
    func exists() throws -> Bool {
        let admin = try PGConnection(url: try app.requireDatabaseURL())
        return try admin.query("SELECT 1 FROM information_schema.tables WHERE table_schema = \(bind: schema) AND table_name = 'interactions'" as PostgresQuery).count > 0
    }

    /// Creates the schema afresh and applies the migrations.
    func create() throws {
        let admin = try PGConnection(url: try app.requireDatabaseURL())
        try admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema)")
        _ = try Migrator(migrations: try Migration.load(from: app.migrationsDirectory)).migrate(try PGConnection(url: try url))
    }

    func drop() throws {
        try PGConnection(url: try app.requireDatabaseURL()).execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
    }

    /// Publishes the catalog through catalog ingest, in batches as the consumer would receive them.
    ///
    /// - Returns: items stored, and items dead-lettered with their reasons (first few).
    func ingestCatalog(_ items: [EvalItem], pool: PostgresPool, progress: (String) -> Void) async throws -> (stored: Int, rejected: [String]) {
        let embedder = try app.embeddingClient()
        guard let mode = CatalogIngestConfiguration.EmbeddingMode(rawValue: app.embeddingMode) else {
            throw ConfigurationError("REC_EMBEDDING_MODE must be fused or separate")
        }
        guard let dims = Int(app.embeddingDimensions) else { throw ConfigurationError("BEDROCK_EMBEDDING_DIMENSIONS must be 256, 384, 1024 or 3072") }
        let config = try CatalogIngestConfiguration(mode: mode, dimensions: dims, modelID: embedder.configuration.modelID,
                                                    family: embedder.configuration.family, embedConcurrency: 16)
        let transport = CurlHTTPTransport()
        let ingest = CatalogIngest(pool: pool, embedder: embedder, fetcher: try app.imageFetcher(transport: transport), configuration: config, logger: logger)
        var rejected = [String]()
        var done = 0
        let start = ContinuousClock.now
        for chunk in stride(from: 0, to: items.count, by: 256).map({ items[$0..<min($0 + 256, items.count)] }) {
            var messages = chunk.enumerated().map { k, item in
                KafkaMessage(topic: "eval.catalog", partition: 0, offset: Int64(done + k), key: Array(item.id.utf8), value: Self.catalogEvent(item).jsonBytes)
            }
            // A transient failure (throttling) is retried, as the consumer's paused partition would be.
            for attempt in 1...20 where !messages.isEmpty {
                let outcome = try await ingest.handle(messages)
                var retry = [KafkaMessage]()
                for (m, r) in zip(messages, outcome.results) {
                    switch r {
                    case .done: break
                    case .deadLetter(let reason): rejected.append("\(String(decoding: m.key ?? [], as: UTF8.self)): \(reason)")
                    default: retry.append(m)
                    }
                }
                messages = retry
                if !retry.isEmpty { try await Task.sleep(for: .milliseconds(200 * attempt)) }
            }
            guard messages.isEmpty else { throw ConfigurationError("catalog ingest kept failing for \(messages.count) items") }
            done += chunk.count
            progress("catalog: \(done)/\(items.count) items embedded and stored (\(ContinuousClock.now - start))")
        }
        return (items.count - rejected.count, rejected)
    }

    /// An item as a `product.upserted` event (an image path becomes a `file://` URL).
    static func catalogEvent(_ item: EvalItem) -> CatalogEvent {
        let image: CatalogImage? = item.image.map { $0.contains("://") ? .url($0) : .url(URL(fileURLWithPath: $0).absoluteString) }
        let product = CatalogProduct(id: item.id, title: item.text, categories: item.categories, image: image, publishedAt: item.publishedAt)
        return .upserted(eventID: uuid("catalog", item.id), occurredAt: Date(timeIntervalSince1970: 946_684_800), product: product)
    }

    /// Copies the catalog another replay of the same dataset already ingested (items and vectors), instead
    /// of embedding it again: grid points that change what is stored replay only the interactions.
    func copyCatalog(from other: EvalReplay) throws {
        let conn = try PGConnection(url: try url)
        try conn.execute("""
            INSERT INTO items SELECT * FROM \(other.schema).items;
            INSERT INTO item_embeddings SELECT * FROM \(other.schema).item_embeddings;
            INSERT INTO embedding_cache SELECT * FROM \(other.schema).embedding_cache;
            """)
    }

    /// The events as the product's interactions, in the same order: deterministic event ids, and a session
    /// id derived from gaps (a user's session ends after `sessionGap` without events: what a client's
    /// session would be; rating datasets carry none).
    static func interactions(_ events: [EvalEvent], sessionGap: TimeInterval) -> [Interaction] {
        var lastAt = [String: (time: Date, session: Int)]()
        return events.map { e in
            var s = lastAt[e.user] ?? (e.time, 0)
            if e.time.timeIntervalSince(s.time) > sessionGap { s.session += 1 }
            s.time = e.time
            lastAt[e.user] = s
            return Interaction(eventID: uuid(e.user, e.item, String(e.index)), occurredAt: e.time, userID: UserID(e.user),
                               itemID: ItemID(e.item), type: e.type, value: e.value, sessionID: "\(e.user)-s\(s.session)")
        }
    }

    /// Replays interactions (already in time order) through the interaction consumer's transaction, in
    /// batches of `batchSize`.
    func replayInteractions(_ events: [EvalEvent], store: ProfileStore, batchSize: Int, sessionGap: TimeInterval,
                            progress: (String) -> Void) async throws {
        let all = Self.interactions(events, sessionGap: sessionGap)
        let start = ContinuousClock.now
        for from in stride(from: 0, to: all.count, by: batchSize) {
            try await store.record(Array(all[from..<min(from + batchSize, all.count)]))
            progress("interactions: \(min(from + batchSize, all.count))/\(all.count) replayed (\(ContinuousClock.now - start))")
        }
        while try await store.foldPending(limit: 50_000) > 0 {}
        let (read, written) = try await store.compactTransitions()
        progress("transitions: \(read) rows compacted into \(written) edges")
    }

    /// A deterministic UUID (SHA-256 of the parts, version 8 layout): the same data gives the same event ids.
    static func uuid(_ parts: String...) -> UUID {
        let digest = SigV4Canonical.sha256(Array(parts.joined(separator: "\u{1F}").utf8))
        var b = Array(digest.prefix(16))
        b[6] = (b[6] & 0x0F) | 0x80
        b[8] = (b[8] & 0x3F) | 0x80
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}
