import RecApp
import ArgumentParser
import BedrockClient
import BedrockTestSupport
import Foundation
import Hummingbird
import Logging
import Postgres
import RecService
import ServiceLifecycle

/// `rec bench serve`: seeds a catalog and user profiles in its own schema, serves the API in-process on
/// loopback, and measures recommendations, similar items and search at 1 and N clients — and, in the same
/// run, the raw pgvector kNN (same k, same ef_search) through a plain libpq loop.
struct BenchServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Benchmark the recommendations API against raw pgvector kNN (loopback only).",
        discussion: "Reads DATABASE_URL. Seeds schema --schema (dropped and re-created unless --reuse finds it seeded)."
    )

    @Option(help: "Catalog items to seed.") var items = 100_000
    @Option(help: "Users with profiles to seed.") var users = 10_000
    @Option(help: "Vector dimension (256, 384, 1024).") var dims = 1024
    @Option(help: "Requests per measurement.") var requests = 2_000
    @Option(help: "Concurrent clients for the concurrent measurement.") var concurrency = 16
    @Option(help: "Schema for the benchmark data.") var schema = "bench_serve"
    @Flag(help: "Reuse the schema when it already holds the requested items and users.") var reuse = false
    @Flag(help: "Drop the schema afterwards (default: keep it for --reuse).") var drop = false
    @Option(help: "MMR diversity for recommendations.") var diversity: Double = 0.3
    @Option(help: "Server pool connections (default: the client count, 4...16).") var poolSize: Int?
    @Flag(help: "Serve without prepared statements (the previous behaviour, for before/after comparisons).") var unprepared = false
    @Option(help: "Scenarios to measure, comma-separated: raw, recommendations, similar, search, health (the HTTP floor: GET /health, no SQL).")
    var scenarios = "raw,recommendations,similar,search"
    @Option(help: "Rounds of every measurement (ratios are reported per round and as the median).") var rounds = 1
    @Flag(help: "Recommend without behavioural transitions (REC_W_COVISIT=0: no covisit branch in the candidate statement), for before/after comparisons.") var noCovisit = false
    @Flag(help: "Skip the item vector cache warm-up that `rec serve` runs at start (measures a cold cache).") var cold = false

    var selected: Set<String> { Set(scenarios.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }

    func run() async throws {
        guard [256, 384, 1024].contains(dims) else { throw ValidationError("--dims must be 256, 384 or 1024") }
        guard items >= 1000, users >= 10, requests >= 16, concurrency >= 1 else { throw ValidationError("--items ≥ 1000, --users ≥ 10, --requests ≥ 16") }
        guard (1...20).contains(rounds) else { throw ValidationError("--rounds must be 1...20") }
        let known = Set(["raw", "recommendations", "similar", "search", "health"])
        guard !selected.isEmpty, selected.isSubset(of: known) else {
            throw ValidationError("--scenarios takes a comma-separated list of raw, recommendations, similar, search, health")
        }
        guard schema.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), schema.first?.isLetter == true else {
            throw ValidationError("--schema must be a plain identifier")
        }
        let config = try AppConfiguration.fromEnvironment()
        let base = try config.requireDatabaseURL()
        let url = try config.databaseURL(schema: schema)
        let seeder = BenchSeeder(dims: dims, items: items, users: users)
        let admin = try PGConnection(url: base)
        var seeded = false
        if reuse, let c = try? PGConnection(url: url),
           let n = try? c.query("SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM user_profiles), (SELECT count(*) FROM item_embeddings WHERE dims = \(dims))"),
           let r = n.first, (try? r.int(0)) == items, (try? r.int(1)) == users, (try? r.int(2)) == items {
            seeded = true
            print("bench serve: reusing schema \(schema) (\(items) items, \(users) users)")
        }
        if !seeded {
            try admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema)")
            let conn = try PGConnection(url: url)
            _ = try Migrator(migrations: try Migration.load(from: config.migrationsDirectory)).migrate(conn)
            try seeder.seed(conn)
        }

        var recConfig = try RecommenderConfiguration(dimensions: dims)
        recConfig.preparedStatements = !unprepared
        if noCovisit { recConfig.weights.covisit = 0 }
        let k = recConfig.knnCandidates(limit: 20)
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: poolSize ?? max(4, min(concurrency, 16))))
        defer { pool.close() }
        let keys = APIKeyStore(pool: pool)
        let (_, secret) = try await keys.create(name: "bench-\(UUID().uuidString.prefix(8))", scopes: [.read])
        let fake = try FakeBedrockEndpoint()
        defer { fake.shutdown() }
        let titan = TitanEmbeddingClient(configuration: try BedrockClientConfiguration(endpoint: fake.endpoint, dimensions: dims, retryPolicy: .none),
                                         credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials))
        let recommender = Recommender(pool: pool, configuration: recConfig)
        if !cold {
            let started = ContinuousClock.now
            let n = try await recommender.warmVectorCache()
            print(String(format: "bench serve: item vector cache warmed with %d vectors in %.1f s (as `rec serve` does at start)", n, (ContinuousClock.now - started).seconds))
        }
        let deps = RecAPIDependencies(pool: pool, recommender: recommender,
                                      auth: .apiKeys(keys), embedder: TitanQueryEmbedder(client: titan))
        var logger = Logger(label: "rec.bench.serve")
        logger.logLevel = .warning
        let portBox = PortBox()
        let app = Application(router: RecAPI(deps).makeRouter(),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "rec-bench"),
                              onServerRunning: { channel in portBox.set(channel.localAddress?.port ?? 0) },
                              logger: logger)
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var port = 0
            for _ in 0..<200 where port == 0 { try await Task.sleep(for: .milliseconds(25)); port = portBox.get() }
            guard port > 0 else { throw ValidationError("the in-process server did not start") }
            try await measureAll(port: UInt16(port), secret: secret, k: k, efSearch: recConfig.efSearch, url: url, seeder: seeder)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        if drop { try admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
    }

    func measureAll(port: UInt16, secret: String, k: Int, efSearch: Int, url: String, seeder: BenchSeeder) async throws {
        let headers = [("x-api-key", secret)]
        let users = self.users, items = self.items, diversity = self.diversity
        let recs: @Sendable (Int, Int) -> (String, String, [UInt8]?) = { t, i in
            ("GET", "/v1/users/u\((t * 7919 + i * 104_729) % users)/recommendations?limit=20&diversity=\(diversity)", nil)
        }
        let similar: @Sendable (Int, Int) -> (String, String, [UInt8]?) = { t, i in
            ("GET", "/v1/items/i\((t * 7919 + i * 104_729) % items)/similar?limit=20", nil)
        }
        let search: @Sendable (Int, Int) -> (String, String, [UInt8]?) = { t, i in
            ("POST", "/v1/search", Array("{\"text\":\"bench query \((t * 31 + i) % 500)\",\"limit\":20}".utf8))
        }
        let health: @Sendable (Int, Int) -> (String, String, [UInt8]?) = { _, _ in ("GET", "/health", nil) }
        print("bench serve: \(items) items × \(dims)-d halfvec (HNSW m=16, ef_construction=64), \(users) users; k=\(k) ef_search=\(efSearch); loopback; "
            + "pool \(poolSize ?? max(4, min(concurrency, 16))), \(unprepared ? "unprepared" : "prepared") statements")
        print("scenario".padding(toLength: 34, withPad: " ", startingAt: 0) + " clients    p50 ms    p99 ms     req/s")
        var results = [String: [BenchMeasurement]]()  // by "<scenario>-<clients>", one per round
        let selected = self.selected
        for clients in [1, concurrency] {
            // The raw loops keep their connections across rounds, as the server's pool does: a new backend
            // first faults in the shared buffers it touches, which would handicap whichever side reconnects.
            var rawConnections = [Bool: RawConnections]()
            if selected.contains("raw") {
                for prepared in [false, true] { rawConnections[prepared] = try RawConnections(count: clients, url: url, efSearch: efSearch) }
            }
            for _ in 0..<rounds {
                // The issue's baseline: a plain libpq loop of the kNN query; and the same loop with a prepared
                // statement, the best a raw loop does.
                for (key, label, prepared) in [("raw", "raw pgvector kNN (libpq loop)", false), ("rawp", "raw kNN, prepared (libpq loop)", true)]
                where selected.contains("raw") {
                    let connections = rawConnections[prepared]!
                    let raw = try await BenchMeasurement.run(threads: clients, total: requests) { t in
                        let conn = connections.connections[t]
                        let queries = (0..<64).map { q in PGVector.halfvec(seeder.profileVector(user: (t * 64 + q) % max(users, 1))) }
                        var i = 0
                        return {
                            i += 1
                            _ = try conn.query("SELECT item_id FROM item_embeddings WHERE dims = \(seeder.dims) AND kind = 'fused' "
                                + "ORDER BY embedding::halfvec(\(seeder.dims)) <=> $1::halfvec(\(seeder.dims)) LIMIT \(k)", [queries[i % queries.count]],
                                resultFormat: .binary, prepared: prepared)
                        }
                    }
                    results["\(key)-\(clients)", default: []].append(raw)
                    raw.print(label, clients: clients)
                }
                for (key, name, make) in [("recommendations", "recommendations (limit 20, MMR)", recs), ("similar", "similar items", similar),
                                          ("search", "search (text, fake Titan)", search), ("health", "health (HTTP floor)", health)] where selected.contains(key) {
                    let m = try await BenchMeasurement.run(threads: clients, total: requests) { t in
                        let client = try BenchHTTPClient(port: port, headers: headers)
                        var i = 0
                        return {
                            i += 1
                            let (method, path, body) = make(t, i)
                            let status = try client.request(method: method, path: path, body: body)
                            guard status == 200 else { throw ValidationErrorMessage("\(method) \(path) answered \(status)") }
                        }
                    }
                    results["\(key)-\(clients)", default: []].append(m)
                    m.print(name, clients: clients)
                }
            }
        }
        guard let r1 = results["recommendations-1"], let rN = results["recommendations-\(concurrency)"] else { return }
        if let k1 = results["raw-1"], let kN = results["raw-\(concurrency)"], let p1 = results["rawp-1"], let pN = results["rawp-\(concurrency)"] {
            // Each round's recommendations against the raw loops measured just before them.
            func ratios(_ r: [BenchMeasurement], _ raw: [BenchMeasurement], _ prepared: [BenchMeasurement], best: Bool) -> [Double] {
                (0..<r.count).map { i in r[i].throughput / (best ? max(raw[i].throughput, prepared[i].throughput) : raw[i].throughput) }
            }
            func show(_ v: [Double]) -> String {
                let median = Self.median(v)
                return v.count == 1 ? String(format: "%.2fx", median)
                    : String(format: "%.2fx median (%@)", median, v.map { String(format: "%.2f", $0) }.joined(separator: ", "))
            }
            print("recommendations / raw kNN throughput: \(show(ratios(r1, k1, p1, best: false))) at 1 client, "
                + "\(show(ratios(rN, kN, pN, best: false))) at \(concurrency) clients (target ≥ 0.4x)")
            print("recommendations / best raw kNN (prepared or not) throughput: \(show(ratios(r1, k1, p1, best: true))) at 1 client, "
                + "\(show(ratios(rN, kN, pN, best: true))) at \(concurrency) clients")
        }
        let p50 = Self.median(r1.map(\.p50)), p99 = Self.median(r1.map(\.p99)), tput = Self.median(rN.map(\.throughput))
        print(String(format: "targets: p50 %.1f ms (≤ 15), p99 %.1f ms (≤ 40) at 1 client; %.0f req/s at %d clients (≥ 300)%@",
                     p50 * 1000, p99 * 1000, tput, concurrency, rounds > 1 ? " (medians of the rounds)" : ""))
    }
}

extension BenchServe {
    /// The middle value (the upper one of an even count); `v` is not empty.
    static func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
}

/// One raw-loop connection per client thread (thread `t` alone uses `connections[t]`), HNSW options set.
final class RawConnections: @unchecked Sendable {
    let connections: [PGConnection]

    init(count: Int, url: String, efSearch: Int) throws {
        connections = try (0..<count).map { _ in
            let c = try PGConnection(url: url)
            try c.execute("SET hnsw.ef_search = \(efSearch)")
            return c
        }
    }
}

/// The port the in-process server bound (set from `onServerRunning`).
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    func set(_ p: Int) { lock.lock(); port = p; lock.unlock() }
    func get() -> Int { lock.lock(); defer { lock.unlock() }; return port }
}

/// Latencies of one measurement on dedicated threads (blocking clients never occupy the cooperative pool).
struct BenchMeasurement: Sendable {
    var latencies: [Double]
    var seconds: Double

    var throughput: Double { Double(latencies.count) / seconds }
    var p50: Double { percentile(0.5) }
    var p99: Double { percentile(0.99) }

    func percentile(_ q: Double) -> Double {
        let s = latencies.sorted()
        return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * q))]
    }

    func print(_ name: String, clients: Int) {
        Swift.print(name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: " %7d %9.2f %9.2f %9.0f", clients, p50 * 1000, p99 * 1000, throughput))
    }

    /// Runs `total` calls split over `threads` threads; each thread builds its worker first (connections),
    /// warms up, then all start together.
    static func run(threads: Int, total: Int, _ make: @escaping @Sendable (Int) throws -> () throws -> Void) async throws -> BenchMeasurement {
        try await withCheckedThrowingContinuation { cont in
            let box = Collector()
            let ready = DispatchGroup(), done = DispatchGroup()
            let start = DispatchSemaphore(value: 0)
            let per = max(1, total / threads)
            for t in 0..<threads {
                ready.enter(); done.enter()
                let thread = Thread {
                    var local = [Double]()
                    var readied = false
                    do {
                        let work = try make(t)
                        for _ in 0..<3 { try work() }
                        readied = true
                        ready.leave()
                        start.wait()
                        for _ in 0..<per {
                            let t0 = DispatchTime.now().uptimeNanoseconds
                            try work()
                            local.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                        }
                    } catch {
                        box.fail(error)
                        if !readied { ready.leave(); start.wait() }
                    }
                    box.add(local)
                    done.leave()
                }
                thread.stackSize = 1 << 20
                thread.start()
            }
            DispatchQueue.global().async {
                ready.wait()
                let t0 = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<threads { start.signal() }
                done.wait()
                let secs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                let (all, failure) = box.result()
                if let failure { cont.resume(throwing: failure) } else { cont.resume(returning: BenchMeasurement(latencies: all, seconds: secs)) }
            }
        }
    }
}

/// Thread-safe sink for the measuring threads' latencies and first failure.
final class Collector: @unchecked Sendable {
    private let lock = NSLock()
    private var all = [Double]()
    private var failure: Error?
    func add(_ xs: [Double]) { lock.lock(); all += xs; lock.unlock() }
    func fail(_ e: Error) { lock.lock(); if failure == nil { failure = e }; lock.unlock() }
    func result() -> ([Double], Error?) { lock.lock(); defer { lock.unlock() }; return (all, failure) }
}
