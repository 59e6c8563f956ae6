import RecApp
import ArgumentParser
import Foundation
import Postgres
import RecService

/// `rec apikeys create|list|revoke`: API keys for `rec serve` (stored as SHA-256 hashes).
struct APIKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikeys",
        abstract: "Manage API keys for the HTTP API.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    static func store() throws -> (APIKeyStore, PostgresPool) {
        let config = try AppConfiguration.fromEnvironment()
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: try config.requireDatabaseURL(), maxConnections: 1))
        return (APIKeyStore(pool: pool), pool)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it once.")
        @Option(help: "A name to recognise the key by.") var name: String
        @Option(help: "Comma-separated scopes: read, events, admin.") var scopes: String = "read"

        func run() async throws {
            var set = Set<APIKeyScope>()
            for s in scopes.split(separator: ",") {
                guard let scope = APIKeyScope(rawValue: s.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("unknown scope '\(s)': use read, events, admin")
                }
                set.insert(scope)
            }
            let (store, pool) = try APIKeysCommand.store()
            defer { pool.close() }
            let (key, secret) = try await store.create(name: name, scopes: set)
            print(secret)
            FileHandle.standardError.write(Data("created key \(key.id) '\(key.name)' scopes \(APIKeyScope.allCases.filter(set.contains).map(\.rawValue).joined(separator: ",")); it is not shown again\n".utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (prefixes only).")
        func run() async throws {
            let (store, pool) = try APIKeysCommand.store()
            defer { pool.close() }
            for k in try await store.list() {
                let scopes = APIKeyScope.allCases.filter(k.scopes.contains).map(\.rawValue).joined(separator: ",")
                print("\(k.id)  \(k.prefix)…  \(k.name)  [\(scopes)]  created \(k.createdAt.formatted(.iso8601))\(k.revokedAt.map { "  REVOKED \($0.formatted(.iso8601))" } ?? "")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id or name.")
        @Argument(help: "Key id or name.") var key: String
        func run() async throws {
            let (store, pool) = try APIKeysCommand.store()
            defer { pool.close() }
            let n = try await store.revoke(idOrName: key)
            guard n > 0 else { throw ValidationError("no active key with id or name '\(key)'") }
            print("revoked \(n) key(s)")
        }
    }
}
