import Foundation
import Kafka
import Postgres
import Profiles
import RecCore
#if canImport(Glibc)
import Glibc
#endif

/// The local stack for the interaction pipeline's integration tests: a migrated
/// throw-away schema, unique topics, catalog rows, the reference computation and
/// `rec` subprocesses.
enum PipelineTestStack {
    static let env = ProcessInfo.processInfo.environment
    static var integration: Bool { env["REC_INTEGRATION"] == "1" }
    static var disruptive: Bool { integration && env["REC_DISRUPTIVE"] == "1" }
    static let dimension = 256
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func kafka() throws -> KafkaConfiguration {
        guard let brokers = env["KAFKA_BROKERS"], !brokers.isEmpty else {
            throw KafkaError(.configuration, "REC_INTEGRATION=1 but KAFKA_BROKERS is not set: eval \"$(deploy/local/stack env)\"")
        }
        return KafkaConfiguration(brokers: brokers, properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
    }

    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    static func withSchema<T>(_ body: (String) async throws -> T) async throws -> T {
        guard let base = env["DATABASE_URL"], !base.isEmpty else {
            throw PostgresError(.invalidConfiguration, "REC_INTEGRATION=1 but DATABASE_URL is not set")
        }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try PGConnection(url: base).execute("CREATE SCHEMA \(schema)")
        let url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)%2Cpublic"
        func drop() { _ = try? PGConnection(url: base).execute("DROP SCHEMA \(schema) CASCADE") }
        do {
            _ = try Migrator(migrations: try Migration.load(from: repository.appendingPathComponent("migrations"))).migrate(try PGConnection(url: url))
            let v = try await body(url)
            drop()
            return v
        } catch {
            drop()
            throw error
        }
    }

    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Items `p0…p{count-1}` with random vectors; returns vectors as stored (halfvec) and categories.
    static func seedItems(_ conn: PGConnection, count: Int, seed: UInt64) throws -> ([String: [Float]], [String: [String]]) {
        var g = SeededGenerator(seed: seed)
        var vectors = [String: [Float]](), categories = [String: [String]]()
        for k in 0..<count {
            let v = (0..<dimension).map { _ in Float.random(in: -1...1, using: &g) }
            try insertItem(conn, id: "p\(k)", categories: ["c\(k % 3)"], vector: v)
            vectors["p\(k)"] = v.map { Float(Float16($0)) }
            categories["p\(k)"] = ["c\(k % 3)"]
        }
        return (vectors, categories)
    }

    static func insertItem(_ conn: PGConnection, id: String, categories: [String], vector: [Float]) throws {
        try conn.query("INSERT INTO items (id, categories, version_at) VALUES ($1, $2, now()) ON CONFLICT (id) DO NOTHING", [id, categories])
        try conn.query("""
            INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding)
            VALUES ($1, 'fused', 'test', $2, '\\x00', $3::halfvec)
            """, [id, vector.count, PGVector.halfvec(vector)])
    }

    /// Events over `users` users and `items` items; one user's sessions do not overlap in time.
    static func events(count: Int, users: Int, items: [String], seed: UInt64) -> [Interaction] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { n in
            let type = EventType.allCases.randomElement(using: &g)!
            return Interaction(eventID: UUID(), occurredAt: t0 + Double(n) * 60 + Double.random(in: 0...50, using: &g),
                               userID: UserID("u\(Int.random(in: 0..<users, using: &g))"), itemID: ItemID(items.randomElement(using: &g)!),
                               type: type, value: type == .rating ? Double(Int.random(in: 1...5, using: &g)) : nil, sessionID: "s\(n / 25)")
        }
    }

    /// The reference: the pure rule over every event, in time order.
    static func direct(_ events: [Interaction], vectors: [String: [Float]], categories: [String: [String]]) throws -> [String: ProfileState] {
        let rule = ProfileUpdateRule(configuration: try ProfileConfiguration(dimension: dimension))
        var out = [String: ProfileState]()
        for e in events.sorted(by: { $0.occurredAt < $1.occurredAt }) {
            guard let v = vectors[e.itemID.rawValue] else { continue }
            rule.apply(e, item: ItemFeatures(vector: v, categories: categories[e.itemID.rawValue] ?? []),
                       to: &out[e.userID.rawValue, default: ProfileState(userID: e.userID, dimension: dimension)])
        }
        return out
    }

    /// Sends `events` keyed by user (per-user order), waiting for every ack.
    static func produce(_ events: [Interaction], to topic: String, producer: KafkaProducer) async throws {
        for chunk in stride(from: 0, to: events.count, by: 1000) {
            let records = events[chunk..<min(chunk + 1000, events.count)].map {
                KafkaProducerRecord(topic: topic, key: $0.userID.rawValue, value: InteractionEvent.encode($0))
            }
            for r in await producer.sendAll(Array(records)) { _ = try r.get() }
        }
    }

    static func count(_ url: String, _ sql: String) -> Int {
        (try? PGConnection(url: url).query(sql).first?.int(0)) ?? -1
    }

    static func eventually(within deadline: Duration = .seconds(90), _ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    // MARK: - subprocesses (posix_spawn + waitpid, never Foundation.Process)

    /// Starts `executable` with `arguments`; stdout/stderr go to `log`.
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw PostgresError(.invalidConfiguration, "posix_spawn \(executable) failed: \(rc)") }
        return pid
    }

    /// Waits for `pid` (blocking a dedicated thread, not the cooperative pool); returns the raw wait status.
    static func wait(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { cont in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                cont.resume(returning: status)
            }
        }
    }

    /// Runs `$REC_STACK_SCRIPT <arguments>` (e.g. `down pg`; a bash script, run by
    /// its shebang) and waits for it.
    ///
    /// - Throws: when the script cannot start or exits non-zero.
    static func stack(_ arguments: [String]) async throws {
        guard let script = env["REC_STACK_SCRIPT"], !script.isEmpty else {
            throw PostgresError(.invalidConfiguration, "REC_STACK_SCRIPT is not set: eval \"$(deploy/local/stack env)\"")
        }
        let log = "/tmp/rec-pipeline-tests-stack.log"
        let status = await wait(try spawn(script, arguments, environment: env, log: log))
        guard status == 0 else {
            throw PostgresError(.invalidConfiguration, "stack \(arguments.joined(separator: " ")) exited with status \(status) (see \(log))")
        }
    }

    static var recBinary: String { repository.appendingPathComponent(".build/debug/rec").path }
}


func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var d = 0.0, na = 0.0, nb = 0.0
    for i in 0..<a.count { d += Double(a[i]) * Double(b[i]); na += Double(a[i]) * Double(a[i]); nb += Double(b[i]) * Double(b[i]) }
    return na > 0 && nb > 0 ? d / (na.squareRoot() * nb.squareRoot()) : 0
}
