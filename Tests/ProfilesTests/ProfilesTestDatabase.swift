import Foundation
import Postgres
import Profiles
import RecCore

/// A migrated, throw-away PostgreSQL schema for the profile store's integration tests.
enum ProfilesTestDatabase {
    static let env = ProcessInfo.processInfo.environment
    static var integration: Bool { env["REC_INTEGRATION"] == "1" }

    static func withSchema<T>(_ body: (String) async throws -> T) async throws -> T {
        guard let base = env["DATABASE_URL"], !base.isEmpty else {
            throw PostgresError(.invalidConfiguration, "REC_INTEGRATION=1 but DATABASE_URL is not set: eval \"$(deploy/local/stack env)\"")
        }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try PGConnection(url: base)
        try admin.execute("CREATE SCHEMA \(schema)")
        let url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)%2Cpublic"
        do {
            _ = try Migrator(migrations: try Migration.load(from: migrationsDirectory)).migrate(try PGConnection(url: url))
            let v = try await body(url)
            try admin.execute("DROP SCHEMA \(schema) CASCADE")
            return v
        } catch {
            _ = try? admin.execute("DROP SCHEMA \(schema) CASCADE")
            throw error
        }
    }

    static var migrationsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
    }

    /// Inserts (or replaces) a catalog item and one of its vectors, as catalog ingest would.
    static func insertItem(_ conn: PGConnection, id: String, categories: [String] = [], vector: [Float]?, kind: String = "fused") throws {
        try conn.query("""
            INSERT INTO items (id, categories, version_at) VALUES ($1, $2, now())
            ON CONFLICT (id) DO UPDATE SET categories = EXCLUDED.categories
            """, [id, categories])
        if let vector {
            try conn.query("""
                INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding)
                VALUES ($1, $2, 'test', $3, '\\x00', $4::halfvec)
                ON CONFLICT (item_id, kind) DO UPDATE SET embedding = EXCLUDED.embedding, dims = EXCLUDED.dims
                """, [id, kind, vector.count, PGVector.halfvec(vector)])
        }
    }

    /// The vector as stored (halfvec rounding), for computing expectations.
    static func stored(_ v: [Float]) -> [Float] { v.map { Float(Float16($0)) } }
}
