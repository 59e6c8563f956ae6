import RecApp
import ArgumentParser
import BedrockClient
import Consumers
import EmbeddingSpaces
import Foundation
import Logging
import Postgres

/// `rec models …`: embedding spaces and the switch from one model to another (docs/models.md).
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Embedding spaces (model, dimension, mode): create, backfill, status, activate, retire.",
        discussion: """
            A model change re-embeds the catalog into a new space while the live one keeps serving: \
            rec models create NAME --model-id ID --dimensions N; rec models backfill NAME; rec profiles rebuild --space NAME; \
            rec models status; rec models activate NAME (atomic; rec models activate <previous> switches back); \
            rec models retire <old>. See docs/models.md.
            """,
        subcommands: [ModelsCreate.self, ModelsBackfill.self, ModelsStatus.self, ModelsActivate.self, ModelsRetire.self, ModelsIndex.self]
    )

    /// The name argument, validated.
    static func name(_ text: String) throws -> PostgresIdentifierLiteral {
        guard let n = EmbeddingSpace.validName(text) else {
            throw ValidationError("a space name is a lower-case letter followed by up to 39 lower-case letters, digits or underscores")
        }
        return n
    }

    /// Gives spaces their own HNSW index (`ensure`, and spaces sharing a dimension), then drops the legacy
    /// per-dimension indexes no space needs and the indexes of retired spaces (``EmbeddingSpaceRules/indexPlan(spaces:indexes:ensure:)``).
    static func applyIndexPlan(_ conn: PGConnection, ensure: Set<PostgresIdentifierLiteral>, say: (String) -> Void) throws {
        let table = EmbeddingSpaceTable()
        let spaces = try table.all(on: conn)
        let plan = EmbeddingSpaceRules.indexPlan(spaces: spaces, indexes: try table.indexes(on: conn), ensure: ensure)
        for name in plan.dropInvalid {
            say("dropping the invalid index \(name) (an interrupted build)")
            try table.dropIndex(name, on: conn)
        }
        for space in plan.build {
            say("building index \(space.ownIndexName) of space \(space.name) (\(space.dims)-d, CREATE INDEX CONCURRENTLY: ingest and serving go on)")
            let started = ContinuousClock.now
            try table.createOwnIndex(space, on: conn)
            say("  built in \(ContinuousClock.now - started)")
        }
        // Legacy indexes are dropped only once the own indexes built above are valid.
        let after = try table.indexes(on: conn)
        let remaining = EmbeddingSpaceRules.indexPlan(spaces: spaces, indexes: after, ensure: [])
        for name in remaining.dropLegacy + EmbeddingSpaceRules.orphanIndexes(spaces: spaces, indexes: after) {
            say("dropping index \(name) (no space needs it)")
            try table.dropIndex(name, on: conn)
        }
    }

    /// A connection for DDL outside transactions, and the spaces (registering `default` from the settings on
    /// an empty database, as every process does).
    static func open() async throws -> (AppConfiguration, PostgresPool, EmbeddingSpaceRegistry) {
        let config = try AppConfiguration.fromEnvironment()
        let pool = try config.makePool()
        var logger = Logger(label: "rec.models")
        logger.logLevel = .warning  // not the notice that the live space differs from this shell's BEDROCK_* settings
        do {
            let spaces = try await config.embeddingSpaces(pool: pool, logger: logger)
            _ = try await spaces.ready()  // the commands need the registered spaces, not the settings'
            return (config, pool, spaces)
        } catch {
            pool.close()
            throw error
        }
    }

    static func describeIndex(_ space: EmbeddingSpace, _ indexes: [EmbeddingSpaceRules.VectorIndex]) -> String {
        if let own = indexes.first(where: { $0.scope == .own(space.name) }) {
            return own.valid ? "own (\(own.name))" : "own, INVALID (rec models index \(space.name))"
        }
        if let legacy = indexes.first(where: { $0.scope == .legacy(dims: space.dims) && $0.valid }) { return "shared per-dimension (\(legacy.name))" }
        return space.isWritten ? "NONE (rec models index \(space.name))" : "-"
    }
}

struct ModelsCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Register a new embedding space (state building) and build its HNSW index concurrently.",
        discussion: "From then on catalog ingest and the interaction consumer write it too (within REC_EMBEDDING_SPACE_REFRESH_S). Next: rec models backfill NAME."
    )

    @Argument(help: "The space's name: a lower-case letter, then up to 39 lower-case letters, digits or underscores.") var name: String
    @Option(help: "The embedding model id (or custom/provisioned model ARN).") var modelId: String
    @Option(help: "Vector dimension.") var dimensions: Int
    @Option(help: "fused (one vector from caption and image) or separate (text and image vectors).") var mode: String = "fused"

    func run() async throws {
        let name = try ModelsCommand.name(self.name)
        guard let mode = EmbeddingSpace.Mode(rawValue: mode) else { throw ValidationError("--mode must be fused or separate") }
        let (app, pool, _) = try await ModelsCommand.open()
        defer { pool.close() }
        let (modelId, dimensions) = (self.modelId, self.dimensions)
        // The family the model speaks decides its dimensions: a base model id names it; a custom or provisioned
        // model ARN speaks BEDROCK_MODEL_FAMILY's (what the embedding client sends it).
        let family = EmbeddingModelFamily.inferred(fromModelID: modelId) ?? (try? app.embeddingClient().configuration.family) ?? .titan
        let space = EmbeddingSpace(name: name, model: modelId, dims: dimensions, mode: mode, state: .building)
        try await pool.withConnection { conn in
            let table = EmbeddingSpaceTable()
            let decision = EmbeddingSpaceRules.creation(name: name, model: modelId, dims: dimensions, existing: try table.all(on: conn),
                                                        supportedDimensions: family.supportedDimensions)
            if case .refuse(let why) = decision { throw EmbeddingSpaceError(.refused, why) }
            if try table.contract(on: conn) {
                print("primary keys of item_embeddings and user_profiles now include the space (contract step of migration 0010)")
            }
            try table.insertBuilding(space, reuseRetired: decision == .reuseRetired, on: conn)
            print("space \(name) created: \(modelId), \(dimensions)-d, \(mode.rawValue), building")
            try ModelsCommand.applyIndexPlan(conn, ensure: [name]) { print($0) }
        }
        print("next: rec models backfill \(name); rec profiles rebuild --space \(name); rec models status; rec models activate \(name)")
    }
}

struct ModelsBackfill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Embed every live item that has no vector in the space (resumable, idempotent).",
        discussion: """
            Same captions, image fetch policy and embedding cache as catalog ingest (BEDROCK_*, AWS_*, REC_IMAGE_*). Waits until \
            the consumers have seen the space, then goes through the catalog in id order; run it again after an interruption \
            or failures. Exit status 1 while some item failed.
            """
    )

    @Argument(help: "The space.") var name: String
    @Option(help: "Embedding calls (and image downloads) in flight.") var concurrency: Int = 16
    @Option(help: "Items per page (one transaction each).") var batchSize: Int = 256

    func run() async throws {
        let name = try ModelsCommand.name(self.name)
        guard concurrency >= 1, batchSize >= 1 else { throw ValidationError("--concurrency and --batch-size must be positive") }
        let (config, pool, spaces) = try await ModelsCommand.open()
        defer { pool.close() }
        let embedder = try config.embeddingClient(overrides: ["BEDROCK_MAX_CONCURRENCY": String(concurrency)])
        let transport = CurlHTTPTransport()
        let s3 = ImageFetcher.S3(credentials: config.awsCredentials(transport: transport), region: embedder.configuration.region, endpoint: config.s3Endpoint)
        let fetcher = try config.imageFetcher(transport: transport, s3: s3)
        let backfill = SpaceBackfill(pool: pool, embedder: embedder, fetcher: fetcher, spaces: spaces)
        let settle = spaces.refreshInterval * 2 + .seconds(1)
        @Sendable func line(_ p: SpaceBackfill.Progress) -> String {
            let rate = p.seconds > 0 ? Double(p.done) / p.seconds : 0
            return String(format: "backfill %@: %d/%d items (%.1f%%), %.1f items/s, written %d, embedded %d, cache hits %d, text-only %d, needs re-publish %d, failed %d",
                          name.value, p.done, p.total, p.total == 0 ? 100 : 100 * Double(p.done) / Double(p.total), rate, p.written, p.embedded, p.cacheHits,
                          p.textOnly, p.needsRepublish.count, p.failed.count)
        }
        let result = try await backfill.run(space: name, concurrency: concurrency, batchSize: batchSize, settle: settle) { print(line($0)) }
        print(line(result) + String(format: " — done in %.1f s", result.seconds))
        if !result.needsRepublish.isEmpty {
            print("needs re-publish (the live vector came from an inline image stored before migration 0010): \(result.needsRepublish.prefix(20).joined(separator: ", "))\(result.needsRepublish.count > 20 ? ", …" : "")")
        }
        if !result.failed.isEmpty {
            for (id, why) in result.failed.sorted(by: { $0.key < $1.key }).prefix(20) { print("failed: \(id): \(why)") }
            print("some items failed: run rec models backfill \(name) again")
            throw ExitCode(1)
        }
    }
}

struct ModelsStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Every embedding space: state, model, coverage, index.")

    @Flag(help: "JSON instead of a table.") var json = false

    struct Row: Codable {
        var name: String
        var state: String
        var model: String
        var dims: Int
        var mode: String
        var createdAt: Date?
        var activatedAt: Date?
        var coverage: SpaceCoverage?
        var complete: Bool?
        var index: String
    }

    func run() async throws {
        let (_, pool, spaces) = try await ModelsCommand.open()
        defer { pool.close() }
        let set = spaces.current
        let (coverage, indexes) = try await pool.withConnection { conn in
            let table = EmbeddingSpaceTable()
            return (try table.coverage(of: set.all.filter(\.isWritten), live: set.live, on: conn), try table.indexes(on: conn))
        }
        let rows = set.all.map { s in
            Row(name: s.name.value, state: s.state.rawValue, model: s.model, dims: s.dims, mode: s.mode.rawValue, createdAt: s.createdAt,
                activatedAt: s.activatedAt, coverage: coverage[s.name], complete: coverage[s.name]?.isComplete, index: ModelsCommand.describeIndex(s, indexes))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        func pct(_ f: Double) -> String { String(format: "%.1f%%", 100 * f) }
        for r in rows {
            print("\(r.name)  \(r.state)  \(r.model)  \(r.dims)-d  \(r.mode)")
            if let c = r.coverage {
                print("  items:    \(c.itemsEmbedded) embedded of \(c.liveItems) live items; \(pct(c.itemFraction)) of the live space's \(c.liveSpaceItems) (missing \(c.missingItems))")
                print("  profiles: \(c.profiles) of the live space's \(c.liveProfiles) users; \(pct(c.profileFraction)) (missing \(c.missingProfiles))")
                if r.state != "live" { print("  activate: \(c.isComplete ? "ready" : "refused until complete (or --force)")") }
            }
            print("  index:    \(r.index)")
        }
    }
}

struct ModelsActivate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate",
        abstract: "Make a space live, atomically; the live one becomes previous (activate it again to switch back).",
        discussion: "Refused unless the space has every item vector and every profile the live space has (--force skips the check). Processes follow within REC_EMBEDDING_SPACE_REFRESH_S."
    )

    @Argument(help: "The space.") var name: String
    @Flag(help: "Activate even if the space lacks items or profiles the live space has.") var force = false

    func run() async throws {
        let name = try ModelsCommand.name(self.name)
        let (_, pool, _) = try await ModelsCommand.open()
        defer { pool.close() }
        let force = self.force
        let (decision, coverage) = try await pool.transaction { conn in try EmbeddingSpaceTable().activate(name, force: force, on: conn) }
        switch decision {
        case .activate(let previous):
            var note = ""
            if let c = coverage, !c.isComplete { note = " (forced: \(c.missingItems) item vectors and \(c.missingProfiles) profiles missing)" }
            print("space \(name) is live\(note); \(previous) is previous (rec models activate \(previous) switches back)")
        case .alreadyLive:
            print("space \(name) is already live")
        case .refuse(let why):
            throw EmbeddingSpaceError(.refused, why)
        }
    }
}

struct ModelsRetire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire",
        abstract: "Drop a space that is not live: its vectors, profiles and index.",
        discussion: "Refused for the live space, and (without --force) for a space that was live less than 60 s ago."
    )

    @Argument(help: "The space.") var name: String
    @Flag(help: "Retire even if it was live moments ago.") var force = false

    func run() async throws {
        let name = try ModelsCommand.name(self.name)
        let (_, pool, _) = try await ModelsCommand.open()
        defer { pool.close() }
        let force = self.force
        let decision = try await pool.transaction { conn in try EmbeddingSpaceTable().markRetired(name, force: force, on: conn) }
        if case .refuse(let why) = decision { throw EmbeddingSpaceError(.refused, why) }
        print("space \(name) is retired; removing its index and rows")
        try await pool.withConnection { conn in
            let table = EmbeddingSpaceTable()
            try table.dropIndex(EmbeddingSpaceIndexes.ownIndexName(name), on: conn)
            let (vectors, profiles) = try table.deleteRows(of: name, on: conn)
            print("deleted \(vectors) item vectors and \(profiles) profiles")
            try ModelsCommand.applyIndexPlan(conn, ensure: []) { print($0) }
        }
    }
}

struct ModelsIndex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "(Re)build a space's own HNSW index (default: every space's), then drop indexes no space needs.",
        discussion: "For an interrupted CREATE INDEX CONCURRENTLY (an invalid index), or to give the default space its own index."
    )

    @Argument(help: "The space (default: every space that is not retired).") var name: String?

    func run() async throws {
        let only = try name.map(ModelsCommand.name)
        let (_, pool, spaces) = try await ModelsCommand.open()
        defer { pool.close() }
        let ensure = only.map { Set([$0]) } ?? Set(spaces.current.all.filter(\.isWritten).map(\.name))
        if let only, spaces.current.named(only)?.isWritten != true { throw EmbeddingSpaceError(.refused, "no space \(only) that is not retired") }
        try await pool.withConnection { conn in try ModelsCommand.applyIndexPlan(conn, ensure: ensure) { print($0) } }
    }
}
