import Foundation
import Kafka
import Postgres
#if canImport(Glibc)
import Glibc
#endif

/// The local stack (`deploy/local/stack`) as integration tests see it: one place
/// for the environment, throw-away migrated schemas, unique topic names, Kafka
/// settings for the local broker, and running the stack script.
///
/// Integration tests run when `REC_INTEGRATION=1` (the README's test command sets
/// it); then missing environment is a failure, not a skip. Tests that stop and
/// start stack services also need `REC_DISRUPTIVE=1` and run alone.
public enum IntegrationStack {
    public static let environment = ProcessInfo.processInfo.environment
    public static var enabled: Bool { environment["REC_INTEGRATION"] == "1" }
    public static var disruptive: Bool { enabled && environment["REC_DISRUPTIVE"] == "1" }

    /// The repository root (this file is `Sources/IntegrationTestSupport/IntegrationStack.swift`).
    public static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static var migrationsDirectory: URL { repository.appendingPathComponent("migrations") }

    public static func databaseURL() throws -> String {
        guard let u = environment["DATABASE_URL"], !u.isEmpty else {
            throw PostgresError(.invalidConfiguration, "REC_INTEGRATION=1 but DATABASE_URL is not set: run the tests through deploy/local/stack test")
        }
        return u
    }

    /// The local CA that signed the stack PostgreSQL's TLS certificate (`REC_PG_CA`, exported by `stack env`).
    public static func postgresCA() throws -> String {
        guard let ca = environment["REC_PG_CA"], !ca.isEmpty else {
            throw PostgresError(.invalidConfiguration, "REC_INTEGRATION=1 but REC_PG_CA is not set: eval \"$(deploy/local/stack env)\"")
        }
        return ca
    }

    /// `base` with `parameters` (`name=value`, already percent-encoded) added to its query.
    public static func url(_ base: String, adding parameters: [String]) -> String {
        guard !parameters.isEmpty else { return base }
        return base + (base.contains("?") ? "&" : "?") + parameters.joined(separator: "&")
    }

    /// `base` with sessions that look in `schema` first, then `public` (where pgvector lives).
    public static func url(_ base: String, schema: String) -> String {
        base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)%2Cpublic"
    }

    /// Librdkafka settings for the local broker: group joins take about half of `session.timeout.ms`.
    public static func kafka() throws -> KafkaConfiguration {
        guard let brokers = environment["KAFKA_BROKERS"], !brokers.isEmpty else {
            throw KafkaError(.configuration, "REC_INTEGRATION=1 but KAFKA_BROKERS is not set: run the tests through deploy/local/stack test")
        }
        return KafkaConfiguration(brokers: brokers, properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
    }

    public static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// Makes sure pgvector is installed in the test database (in `public`).
    public static func ensureVector() throws {
        let c = try PGConnection(url: try databaseURL())
        // Concurrent CREATE EXTENSION can race on the catalog's unique index; once is enough.
        for attempt in 0..<5 {
            do {
                try c.execute("CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public")
                return
            } catch let e as PostgresError where e.sqlState == "23505" && attempt < 4 {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// Creates a fresh schema (migrated unless `migrated` is false), runs `body`
    /// with a URL bound to it, then drops it — also when `body` throws.
    public static func withSchema<T>(migrated: Bool = true, _ body: (String) async throws -> T) async throws -> T {
        let base = try databaseURL()
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try PGConnection(url: base).execute("CREATE SCHEMA \(schema)")
        // A fresh connection for the drop: disruptive tests restart the server meanwhile.
        func drop() throws { try PGConnection(url: base).execute("DROP SCHEMA \(schema) CASCADE") }
        let url = url(base, schema: schema)
        do {
            if migrated {
                _ = try Migrator(migrations: try Migration.load(from: migrationsDirectory)).migrate(try PGConnection(url: url))
            }
            let v = try await body(url)
            try drop()
            return v
        } catch {
            try? drop()
            throw error
        }
    }

    // MARK: - subprocesses (posix_spawn + waitpid: Foundation's Process can miss
    // the exit of a child whose grandchildren live on)

    /// Starts `executable` with `arguments`; stdout/stderr go to `log`.
    public static func spawn(_ executable: String, _ arguments: [String], environment: [String: String], log: String) throws -> pid_t {
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

    /// Waits for `pid` on a dedicated thread (not the cooperative pool); returns the raw wait status.
    public static func wait(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { cont in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                cont.resume(returning: status)
            }
        }
    }

    /// Runs `$REC_STACK_SCRIPT <arguments>` (e.g. `down pg`) and waits for it.
    ///
    /// - Throws: when the script cannot start or exits non-zero.
    public static func stack(_ arguments: [String]) async throws {
        guard let script = environment["REC_STACK_SCRIPT"], !script.isEmpty else {
            throw PostgresError(.invalidConfiguration, "REC_STACK_SCRIPT is not set: eval \"$(deploy/local/stack env)\"")
        }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rec-tests-stack.log").path
        let status = await wait(try spawn(script, arguments, environment: environment, log: log))
        guard status == 0 else {
            throw PostgresError(.invalidConfiguration, "stack \(arguments.joined(separator: " ")) exited with status \(status) (see \(log))")
        }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released), for a child process to
    /// listen on.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
