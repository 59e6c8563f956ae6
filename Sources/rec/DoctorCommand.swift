import RecApp
import ArgumentParser
import BedrockClient
import Foundation
import Kafka
import Postgres
import TitanLocal

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check PostgreSQL, Kafka and the embedding endpoint; print versions; exit non-zero on a problem."
    )

    /// librdkafka older than this fails Tansu's (and newer brokers') ApiVersions handshake.
    static let minimumLibrdkafka = 0x0203_00ff

    func run() async throws {
        let config = try AppConfiguration.fromEnvironment()
        var problems = [String]()
        func ok(_ s: String) { print("ok    \(s)") }
        func bad(_ s: String) { print("FAIL  \(s)"); problems.append(s) }

        // PostgreSQL
        if let url = config.databaseURL {
            do {
                let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 1, acquireTimeout: 5))
                defer { pool.close() }
                let server = try await pool.query("SHOW server_version").first!.string(0)
                let tls = try await pool.withConnection { $0.tlsProtocol }
                ok("postgresql \(server), \(tls.map { "encrypted (\($0))" } ?? "not encrypted (sslmode=verify-full in DATABASE_URL to require TLS)")")
                let vec = try await pool.query("SELECT default_version, installed_version FROM pg_available_extensions WHERE name = 'vector'")
                if let row = vec.first {
                    if let installed = try row.optionalString(1) {
                        ok("pgvector \(installed)")
                    } else {
                        ok("pgvector \(try row.string(0)) available, not installed yet (rec migrate installs it)")
                    }
                } else {
                    bad("pgvector is not available in this PostgreSQL")
                }
                let hasTable = try await pool.query("SELECT to_regclass('schema_migrations') IS NOT NULL").first!.bool(0)
                if hasTable {
                    let n = try await pool.query("SELECT count(*), coalesce(max(version), 0) FROM schema_migrations").first!
                    let onDisk = (try? Migration.load(from: config.migrationsDirectory).count) ?? 0
                    let applied = try n.int(0)
                    if onDisk > 0 && applied < onDisk { bad("migrations: \(applied) of \(onDisk) applied (run rec migrate)") }
                    else { ok("migrations: \(applied) applied, latest \(try n.int(1))") }
                } else {
                    bad("migrations: none applied (run rec migrate)")
                }
            } catch {
                bad("postgresql: \(error)")
            }
        } else {
            bad("DATABASE_URL is not set")
        }

        // Kafka
        let lib = KafkaLibrary.version
        if KafkaLibrary.versionNumber < Self.minimumLibrdkafka {
            bad("librdkafka \(lib) is older than 2.3 (put the stack's .stack/lib first on LD_LIBRARY_PATH)")
        } else {
            ok("librdkafka \(lib)")
        }
        if config.kafkaBrokers != nil {
            do {
                let admin = try KafkaAdmin(configuration: try config.kafkaConfiguration())
                let brokers = try await admin.brokers()
                ok("kafka brokers: \(brokers.joined(separator: ", "))")
            } catch {
                bad("kafka: \(error)")
            }
        } else {
            bad("KAFKA_BROKERS is not set")
        }

        // Embedding endpoint (Bedrock, or the local stand-in), when configured.
        if config.embeddingEndpointConfigured {
            let d = await config.diagnoseEmbeddingEndpoint()
            for line in d.description.split(separator: "\n") {
                if d.isHealthy { ok(String(line)) } else { print("      \(line)") }
            }
            if !d.isHealthy { bad("embedding endpoint is not usable (see above)") }
            if let endpoint = d.endpoint, let health = await Self.titanLocalHealth(endpoint: endpoint) {
                print("note  the endpoint is rec titan-local, a LOCAL STAND-IN for Titan and Nova: \(health.textModel) text vectors, image descriptor (not aligned with text), auth \(health.authentication)")
            }
        } else {
            print("skip  embedding endpoint: not configured (set AWS_REGION, or AWS_ENDPOINT_URL_BEDROCK_RUNTIME for rec titan-local)")
        }

        if problems.isEmpty {
            print("doctor: all good")
        } else {
            print("doctor: \(problems.count) problem(s): \(problems.joined(separator: "; "))")
            throw ExitCode.failure
        }
    }

    /// `GET /health` of `rec titan-local`; nil when the endpoint is something else (e.g. Bedrock).
    static func titanLocalHealth(endpoint: String) async -> TitanLocalHealth? {
        let transport = CurlHTTPTransport(maxConnections: 1)
        let url = endpoint.hasSuffix("/") ? endpoint + "health" : endpoint + "/health"
        guard let response = try? await transport.send(HTTPTransportRequest(method: "GET", url: url, timeout: 3, connectTimeout: 2)),
              response.status == 200 else { return nil }
        return try? JSONDecoder().decode(TitanLocalHealth.self, from: Data(response.body))
    }
}
