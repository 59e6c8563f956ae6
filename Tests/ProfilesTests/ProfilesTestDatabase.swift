import Foundation
import IntegrationTestSupport
import Postgres
import Profiles
import RecCore

/// A migrated, throw-away PostgreSQL schema for the profile store's integration tests.
enum ProfilesTestDatabase {
    static var integration: Bool { IntegrationStack.enabled }
    static func withSchema<T>(_ body: (String) async throws -> T) async throws -> T { try await IntegrationStack.withSchema(body) }
    static var migrationsDirectory: URL { IntegrationStack.migrationsDirectory }

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
