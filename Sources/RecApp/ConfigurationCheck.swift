import BedrockClient
import Consumers
import Foundation
import RecCore
import Kafka
import Postgres

/// `rec config check`: the effective configuration of a process, validated by the same code that reads it at
/// start, with secrets redacted, plus what no single process can see (settings two processes must agree on).
public struct ConfigurationCheck: Sendable {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Severity: String, Sendable { case error, warning }
        public let severity: Severity
        public let message: String
        public var description: String { "\(severity.rawValue): \(message)" }
    }

    /// One line of the effective configuration.
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// Redacted when the setting is secret.
        public let value: String
        /// Whether the environment sets it (else the default applies).
        public let isSet: Bool
    }

    public let environment: [String: String]
    /// The processes checked (all when empty).
    public let processes: [Setting.Process]

    public init(environment: [String: String], processes: [Setting.Process] = []) {
        self.environment = environment
        self.processes = processes.isEmpty ? Setting.Process.allCases.filter { $0 != .tests } : processes
    }

    /// The settings the processes read, with their effective values (set ones first within each section).
    public var entries: [Entry] {
        var out = [Entry]()
        for setting in Settings.all where !Set(setting.processes).isDisjoint(with: processes) {
            if setting.name == "KAFKA_<PROPERTY>" {
                for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("KAFKA_") && name != "KAFKA_BROKERS" {
                    out.append(Entry(name: name, value: Self.isSecretKafkaVariable(name) ? "***" : value, isSet: true))
                }
                continue
            }
            if let value = environment[setting.name], !value.trimmingCharacters(in: .whitespaces).isEmpty {
                out.append(Entry(name: setting.name, value: Self.display(value, setting.secrecy), isSet: true))
            } else {
                out.append(Entry(name: setting.name, value: setting.defaultValue.isEmpty ? "(unset)" : "(default) \(setting.defaultValue)", isSet: false))
            }
        }
        return out
    }

    /// Everything wrong with the configuration, errors first.
    public func problems() -> [Problem] {
        var found = [Problem]()
        func error(_ m: String) { found.append(Problem(severity: .error, message: m)) }
        func warning(_ m: String) { found.append(Problem(severity: .warning, message: m)) }
        func attempt(_ body: () throws -> Void) {
            do { try body() } catch { found.append(Problem(severity: .error, message: "\(error)")) }
        }

        for old in Settings.retired where environment[old.name] != nil {
            error("\(old.name) was renamed \(old.replacement) (\(old.note))")
        }
        for name in environment.keys.sorted() where Self.ownPrefixes.contains(where: name.hasPrefix) {
            guard Settings.named(name) == nil, !Settings.retired.contains(where: { $0.name == name }), !Self.stackVariables.contains(name) else { continue }
            let near = Settings.all.map(\.name).min { Self.distance(name, $0) < Self.distance(name, $1) }
            warning("\(name) is not a setting of rec (ignored)" + (near.map { Self.distance(name, $0) <= 4 ? "; did you mean \($0)?" : "" } ?? ""))
        }
        guard found.allSatisfy({ $0.severity != .error }) else { return found }

        let app: AppConfiguration
        do { app = try AppConfiguration.fromEnvironment(environment) } catch {
            return found + [Problem(severity: .error, message: "\(error)")]
        }
        let reads = { (p: Setting.Process) in processes.contains(p) }
        let workers = reads(.serve) || reads(.products) || reads(.interactions)

        if workers || reads(.tools) {
            if let url = app.databaseURL {
                do {
                    let parsed = try PostgresConnectionString(url)
                    if !parsed.verifiesServer && !parsed.isLocal {
                        warning("DATABASE_URL: sslmode=\(parsed.options["sslmode"] ?? "prefer") does not verify the server; use sslmode=verify-full&sslrootcert=<CA file>")
                    }
                } catch { self.append(&found, error) }
            } else if workers {
                error("DATABASE_URL is not set")
            }
        }
        if workers {
            if app.kafkaBrokers == nil {
                error("KAFKA_BROKERS is not set")
            } else {
                attempt { try app.kafkaConfiguration().validate() }
                if let protocolName = app.kafkaProperties["security.protocol"]?.uppercased(), protocolName.hasPrefix("SASL"),
                   app.kafkaProperties["sasl.mechanism"] == nil, (try? app.kafkaAuthentication()) != .mskIAM {
                    warning("KAFKA_SECURITY_PROTOCOL=\(protocolName) without KAFKA_SASL_MECHANISM: librdkafka defaults to GSSAPI")
                }
            }
            attempt { _ = try app.createTopics(); _ = try app.topicReplication(); _ = try app.catalogPartitionCount(); _ = try app.eventsPartitionCount() }
        }
        if reads(.serve) || reads(.interactions) || reads(.tools) { attempt { _ = try app.profileConfiguration() } }
        if reads(.serve) || reads(.tools) { attempt { _ = try app.recommenderConfiguration() } }
        if reads(.serve) {
            attempt { _ = try app.httpPort(); _ = try app.authEnabled(); _ = try app.httpConnectionSettings() }
            attempt { _ = try app.consoleEnabled(); _ = try app.consoleMetricsSources(); _ = try app.imageFetcher(transport: NoTransport()) }
            if (try? app.authEnabled()) == false && !LoopbackHost.isLoopback(app.httpHost) {
                warning("REC_AUTH=off while REC_HTTP_HOST=\(app.httpHost) accepts other hosts: anyone reaching it can write events and delete users")
            }
        }
        if reads(.products) || reads(.interactions) { attempt { _ = try app.metricsPort() } }
        if reads(.serve) || reads(.products) || reads(.interactions) || reads(.tools) { attempt { _ = try app.embeddingSpaceRefreshInterval() } }
        if reads(.serve) || reads(.products) || reads(.tools) {
            do { _ = try BedrockClientConfiguration.fromEnvironment(environment) } catch { self.append(&found, error) }
        }
        if reads(.products) {
            attempt { _ = try app.imageFetcher(transport: NoTransport()) }
            if CatalogIngestConfiguration.EmbeddingMode(rawValue: app.embeddingMode) == nil { error("REC_EMBEDDING_MODE must be fused or separate") }
            if CatalogIngestConfiguration.BrokenImagePolicy(rawValue: app.brokenImages) == nil { error("REC_BROKEN_IMAGES must be text-only or dead-letter") }
        }
        // Serve compares the vectors ingest stores: `fused` mode stores kind fused, `separate` text and image (in a
        // space of the other mode, serve falls back to its main kind, which is not what the setting asks for).
        if let mode = CatalogIngestConfiguration.EmbeddingMode(rawValue: app.embeddingMode), let config = try? app.recommenderConfiguration() {
            let stored = mode == .fused ? ["fused"] : ["text", "image"]
            if !stored.contains(config.embeddingKind) {
                error("REC_EMBEDDING_KIND=\(config.embeddingKind) but REC_EMBEDDING_MODE=\(mode.rawValue) stores \(stored.joined(separator: " and ")) vectors: serve would compare the space's main kind instead")
            }
        }
        return found.sorted { ($0.severity == .error ? 0 : 1) < ($1.severity == .error ? 0 : 1) }
    }

    /// The shared settings (``Setting/shared``) whose effective values differ between this environment and
    /// `other`'s: processes started with them would write and read different models.
    public func differences(from other: [String: String], label: String) -> [Problem] {
        Settings.all.filter(\.shared).compactMap { setting in
            let a = effective(setting, environment), b = effective(setting, other)
            guard a != b else { return nil }
            return Problem(severity: .error, message: "\(setting.name) differs: \(Self.display(a, setting.secrecy)) here, \(Self.display(b, setting.secrecy)) in \(label) (one value for every process)")
        }
    }

    private func effective(_ setting: Setting, _ env: [String: String]) -> String {
        env[setting.name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) } ?? setting.defaultValue
    }

    private func append(_ found: inout [Problem], _ error: any Error) {
        found.append(Problem(severity: .error, message: "\(error)"))
    }

    static let ownPrefixes = ["REC_", "BEDROCK_"]
    /// Variables of the local stack script and the shell around it, not read by `rec`.
    static let stackVariables: Set<String> = ["REC_STACK_DIR", "REC_PG_PORT", "REC_KAFKA_PORT", "REC_TITAN_PORT", "REC_PG_CA", "REC_STACK_BUILD"]

    static func display(_ value: String, _ secrecy: Setting.Secrecy) -> String {
        switch secrecy {
        case .plain: return value
        case .secret: return "***"
        case .urlWithPassword: return PostgresConnectionString.redacted(value)
        }
    }

    /// `KAFKA_SASL_PASSWORD`, `KAFKA_SSL_KEY_PEM`, `KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET`, ...
    static func isSecretKafkaVariable(_ name: String) -> Bool {
        let n = name.uppercased()
        return ["PASSWORD", "SECRET", "TOKEN", "JAAS", "OAUTHBEARER_CONFIG", "KEY_PEM", "CERTIFICATE_PEM"].contains { n.contains($0) }
    }


    /// Edit distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

/// A transport for building the image fetcher without network access (its policy is what the check validates).
private struct NoTransport: HTTPTransport {
    func send(_ request: HTTPTransportRequest) async throws(BedrockError) -> HTTPTransportResponse {
        throw BedrockError(.transport, "no network in rec config check")
    }
}
