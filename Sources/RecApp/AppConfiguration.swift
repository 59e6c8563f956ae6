import Foundation
import Kafka
import Consumers
import Postgres
import RecService

/// The one place that reads the process environment for `rec`.
///
/// Every value has a documented default for the local stack (`deploy/local/stack env`).
public struct AppConfiguration: Sendable {
    /// `DATABASE_URL`: libpq URL. Default: none (required by database commands).
    public var databaseURL: String?
    /// `KAFKA_BROKERS`: bootstrap servers. Default: none (required by Kafka commands).
    public var kafkaBrokers: String?
    /// `REC_MIGRATIONS_DIR`. Default: `./migrations`, else next to the repository the binary was built in.
    public var migrationsDirectory: URL
    /// `REC_DB_POOL_SIZE`. Default: 8.
    public var databasePoolSize: Int
    /// `KAFKA_<PROPERTY>` passthrough: `KAFKA_SESSION_TIMEOUT_MS=6000` → `session.timeout.ms=6000`.
    public var kafkaProperties: [String: String]
    let environment: [String: String]

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        if let old = Settings.retired.first(where: { env[$0.name] != nil }) {
            throw ConfigurationError("\(old.name) was renamed \(old.replacement) (\(old.note)): set \(old.replacement) instead and remove \(old.name)")
        }
        var props = [String: String]()
        for (k, v) in env where k.hasPrefix("KAFKA_") && k != "KAFKA_BROKERS" {
            props[k.dropFirst(6).lowercased().replacingOccurrences(of: "_", with: ".")] = v
        }
        let poolSize = Int(env["REC_DB_POOL_SIZE"] ?? "8") ?? -1
        guard poolSize >= 1 else { throw ConfigurationError("REC_DB_POOL_SIZE must be a positive integer") }
        return AppConfiguration(
            databaseURL: env["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 },
            kafkaBrokers: env["KAFKA_BROKERS"].flatMap { $0.isEmpty ? nil : $0 },
            migrationsDirectory: env["REC_MIGRATIONS_DIR"].map { URL(fileURLWithPath: $0) } ?? defaultMigrationsDirectory(),
            databasePoolSize: poolSize,
            kafkaProperties: props,
            environment: env
        )
    }

    // MARK: - rec serve

    /// `REC_HTTP_HOST`. Default: 127.0.0.1 (loopback; put a proxy in front for other hosts).
    /// `REC_METRICS_PORT`: where `rec consume` serves `GET /metrics` (Prometheus). Default: none (off).
    /// The same configuration with some environment variables replaced (eval's grid points and variants).
    public func overriding(_ values: [String: String]) throws -> AppConfiguration {
        guard !values.isEmpty else { return self }
        return try AppConfiguration.fromEnvironment(environment.merging(values) { _, new in new })
    }

    public func metricsPort() throws -> Int? {
        guard let text = environment["REC_METRICS_PORT"], !text.isEmpty else { return nil }
        guard let p = Int(text), (1...65535).contains(p) else { throw ConfigurationError("REC_METRICS_PORT must be a port number") }
        return p
    }

    public var httpHost: String { environment["REC_HTTP_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1" }

    /// `REC_HTTP_PORT`. Default: 28080.
    public func httpPort() throws -> Int {
        guard let p = Int(environment["REC_HTTP_PORT"] ?? "28080"), (0...65535).contains(p) else {
            throw ConfigurationError("REC_HTTP_PORT must be a port number (0-65535)")
        }
        return p
    }

    /// `REC_AUTH`: `on` (default) or `off` (no API keys; local use only).
    public func authEnabled() throws -> Bool {
        switch (environment["REC_AUTH"] ?? "on").lowercased() {
        case "on", "true", "1", "": return true
        case "off", "false", "0": return false
        default: throw ConfigurationError("REC_AUTH must be on or off")
        }
    }

    /// `REC_EVENTS_TOPIC`: where `POST /v1/events` produces and the interaction consumer reads. Default: interactions.v1.
    public var eventsTopic: String { environment["REC_EVENTS_TOPIC"].flatMap { $0.isEmpty ? nil : $0 } ?? Topics.interactions }

    /// `REC_INTERACTIONS_GROUP`: the interaction consumer group. Default: rec-interactions.
    public var interactionsGroup: String { environment["REC_INTERACTIONS_GROUP"].flatMap { $0.isEmpty ? nil : $0 } ?? "rec-interactions" }

    /// The recommender's knobs (docs/configuration.md):
    /// `BEDROCK_EMBEDDING_DIMENSIONS` (1024, shared with ingest and profiles), `REC_EMBEDDING_KIND` (fused), `REC_HNSW_EF_SEARCH` (100),
    /// `REC_HNSW_MAX_SCAN_TUPLES` (20000), `REC_POPULAR_CANDIDATES` (30), `REC_FRESH_CANDIDATES` (20),
    /// `REC_SEEN_EVENT_TYPES` (all types, comma-separated; empty: none), `REC_SEEN_LIMIT` (5000 newest events),
    /// weights `REC_W_LONG` (1), `REC_W_SESSION` (0.6), `REC_W_NEGATIVE` (0.5), `REC_W_POPULARITY` (0.15),
    /// `REC_W_FRESHNESS` (0.05), `REC_W_CONTEXT` (0.8), `REC_W_COVISIT` (2), `REC_COVISIT_PRIOR` (5 events), half-lives in hours `REC_SESSION_FADE_HALF_LIFE_H` (1),
    /// `REC_FRESHNESS_HALF_LIFE_H` (336); the popularity and transition half-lives are the writers'
    /// (`REC_POPULARITY_HALF_LIFE_DAYS`, `REC_TRANSITION_HALF_LIFE_DAYS`);
    /// behavioural candidates `REC_COVISIT_RECENT_ITEMS` (20), `REC_COVISIT_RECENT_DECAY` (0.7), `REC_COVISIT_PER_SOURCE` (50),
    /// `REC_COVISIT_CANDIDATES` (100), `REC_COVISIT_SOURCE_NORM` (1), `REC_COVISIT_TARGET_NORM` (0);
    /// `REC_VECTOR_CACHE_ITEMS` (100000 item vectors kept in process at half precision, warmed at start, checked by content hash; 0 disables).
    public func recommenderConfiguration() throws -> RecommenderConfiguration {
        func num(_ k: String, _ d: Double) throws -> Double {
            guard let s = environment[k], !s.isEmpty else { return d }
            guard let v = Double(s), v.isFinite else { throw ConfigurationError("\(k) must be a number") }
            return v
        }
        var w = BlendWeights()
        w.longTerm = Float(try num("REC_W_LONG", Double(w.longTerm)))
        w.session = Float(try num("REC_W_SESSION", Double(w.session)))
        w.negative = Float(try num("REC_W_NEGATIVE", Double(w.negative)))
        w.popularity = Float(try num("REC_W_POPULARITY", Double(w.popularity)))
        w.freshness = Float(try num("REC_W_FRESHNESS", Double(w.freshness)))
        w.context = Float(try num("REC_W_CONTEXT", Double(w.context)))
        w.covisit = Float(try num("REC_W_COVISIT", Double(w.covisit)))
        w.covisitPrior = try num("REC_COVISIT_PRIOR", w.covisitPrior)
        w.sessionHalfLife = try num("REC_SESSION_FADE_HALF_LIFE_H", w.sessionHalfLife / 3600) * 3600
        w.freshnessHalfLife = try num("REC_FRESHNESS_HALF_LIFE_H", w.freshnessHalfLife / 3600) * 3600
        // The counters' own half-lives (written by the interaction consumer): one variable for writer and reader.
        let profiles = try profileConfiguration()
        w.popularityHalfLife = profiles.popularityHalfLife
        let seen = environment["REC_SEEN_EVENT_TYPES"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let cachedVectors = try num("REC_VECTOR_CACHE_ITEMS", 100_000)
        guard cachedVectors >= 0, cachedVectors <= 10_000_000 else { throw ConfigurationError("REC_VECTOR_CACHE_ITEMS must be 0...10000000") }
        do {
            var config = try RecommenderConfiguration(
                weights: w, dimensions: profiles.dimension,
                embeddingKind: environment["REC_EMBEDDING_KIND"].flatMap { $0.isEmpty ? nil : $0 } ?? "fused",
                efSearch: Int(try num("REC_HNSW_EF_SEARCH", 100)), maxScanTuples: Int(try num("REC_HNSW_MAX_SCAN_TUPLES", 20_000)),
                popularCandidates: Int(try num("REC_POPULAR_CANDIDATES", 30)), freshCandidates: Int(try num("REC_FRESH_CANDIDATES", 20)),
                seenEventTypes: seen ?? ["view", "click", "add_to_cart", "purchase", "rating", "dismiss"],
                seenLimit: Int(try num("REC_SEEN_LIMIT", 5_000)))
            config.cachedVectors = Int(cachedVectors)
            config.transitionHalfLife = profiles.transitionHalfLife
            config.covisitRecentItems = Int(try num("REC_COVISIT_RECENT_ITEMS", Double(config.covisitRecentItems)))
            config.covisitRecentDecay = try num("REC_COVISIT_RECENT_DECAY", config.covisitRecentDecay)
            config.covisitPerSource = Int(try num("REC_COVISIT_PER_SOURCE", Double(config.covisitPerSource)))
            config.covisitCandidates = Int(try num("REC_COVISIT_CANDIDATES", Double(config.covisitCandidates)))
            config.covisitSourceNorm = try num("REC_COVISIT_SOURCE_NORM", config.covisitSourceNorm)
            config.covisitTargetNorm = try num("REC_COVISIT_TARGET_NORM", config.covisitTargetNorm)
            return try config.validated()
        } catch let e as RecServiceError {
            throw ConfigurationError(e.message)
        }
    }

    /// `DATABASE_URL` with `search_path` set to `schema`, then `public` (where pgvector lives): the
    /// benchmarks' and evaluations' own schemas.
    public func databaseURL(schema: String) throws -> String {
        let base = try requireDatabaseURL()
        return base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)%2Cpublic"
    }

    public func requireDatabaseURL() throws -> String {
        guard let databaseURL else { throw ConfigurationError("DATABASE_URL is not set (for the local stack: eval \"$(deploy/local/stack env)\")") }
        return databaseURL
    }

    public func kafkaConfiguration() throws -> KafkaConfiguration {
        guard let kafkaBrokers else { throw ConfigurationError("KAFKA_BROKERS is not set (for the local stack: eval \"$(deploy/local/stack env)\")") }
        var config = KafkaConfiguration(brokers: kafkaBrokers, properties: kafkaProperties)
        try configureKafkaAuthentication(&config)
        return config
    }

    public func makePool() throws -> PostgresPool {
        PostgresPool(configuration: try PostgresPoolConfiguration(url: try requireDatabaseURL(), maxConnections: databasePoolSize))
    }

    private static func defaultMigrationsDirectory() -> URL {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("migrations")
        if FileManager.default.fileExists(atPath: cwd.path) { return cwd }
        // .build/<config>/rec → the repository root's migrations/
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("migrations")
    }
}

/// A configuration problem, reported as one clear line.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
