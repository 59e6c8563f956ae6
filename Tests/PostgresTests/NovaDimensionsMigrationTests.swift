import Foundation
import Testing
@testable import Postgres

/// Migration 0009: 3072-d vectors (Amazon Nova Multimodal Embeddings) beside 256/384/1024, each with its own
/// partial HNSW index.
@Suite(.enabled(if: TestDatabase.integration)) struct NovaDimensionsMigrationTests {
    static func vector(_ n: Int, hot: Int) -> String {
        "[" + (0..<n).map { $0 == hot ? "1" : "0" }.joined(separator: ",") + "]"
    }

    @Test func upgradesAnExistingSchemaAndStores3072DimensionalVectorsWithTheirOwnIndex() async throws {
        try TestDatabase.ensureVector()
        let all = try Migration.load(from: TestDatabase.migrationsDirectory)
        let nova = try #require(all.first { $0.version == 9 })
        #expect(nova.name.contains("nova"))
        try await TestDatabase.withSchema { url in
            let c = try PGConnection(url: url)
            // A schema from before the migration, with a 1024-d vector in it.
            try Migrator(migrations: all.filter { $0.version < 9 }).migrate(c)
            try c.execute("INSERT INTO items (id, title, version_at) VALUES ('old', 'Old', now()), ('new', 'New', now()), ('other', 'Other', now())")
            try c.execute("INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding) VALUES ('old', 'fused', 'amazon.titan-embed-image-v1', 1024, '\\x01', '\(Self.vector(1024, hot: 0))'::halfvec)")
            #expect(throws: PostgresError.self) {
                try c.execute("INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding) VALUES ('new', 'fused', 'm', 3072, '\\x02', '\(Self.vector(3072, hot: 0))'::halfvec)")
            }
            // Up to 0009 only: this test is about that migration, later ones have their own.
            let report = try Migrator(migrations: all.filter { $0.version <= 9 }).migrate(c)
            #expect(report.applied == [9])
            #expect(try c.query("SELECT count(*) FROM item_embeddings WHERE item_id = 'old' AND dims = 1024").first!.int(0) == 1)

            try c.execute("INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding) VALUES ('new', 'fused', 'amazon.nova-2-multimodal-embeddings-v1:0', 3072, '\\x02', '\(Self.vector(3072, hot: 5))'::halfvec)")
            try c.execute("INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding) VALUES ('other', 'fused', 'amazon.nova-2-multimodal-embeddings-v1:0', 3072, '\\x03', '\(Self.vector(3072, hot: 9))'::halfvec)")
            try c.execute("INSERT INTO embedding_cache (content_hash, model, dims, kind, embedding) VALUES ('\\x02', 'amazon.nova-2-multimodal-embeddings-v1:0', 3072, 'fused', '\(Self.vector(3072, hot: 5))'::halfvec)")
            // Other dimensions stay refused, and a vector must have the dimension its row says.
            #expect(throws: PostgresError.self) {
                try c.execute("INSERT INTO embedding_cache (content_hash, model, dims, kind, embedding) VALUES ('\\x04', 'm', 2048, 'fused', '\(Self.vector(2048, hot: 0))'::halfvec)")
            }
            #expect(throws: PostgresError.self) {
                try c.execute("INSERT INTO embedding_cache (content_hash, model, dims, kind, embedding) VALUES ('\\x05', 'm', 3072, 'fused', '\(Self.vector(1024, hot: 0))'::halfvec)")
            }
            // The serving query's shape uses the 3072-d partial HNSW index and finds the nearest vector.
            let knn = "SELECT item_id FROM item_embeddings WHERE dims = 3072 AND kind = 'fused' ORDER BY embedding::halfvec(3072) <=> '\(Self.vector(3072, hot: 5))'::halfvec(3072) LIMIT 1"
            try c.execute("SET enable_seqscan = off")
            let plan = try c.query("EXPLAIN " + knn).map { try $0.string(0) }.joined(separator: "\n")
            #expect(plan.contains("item_embeddings_hnsw_3072"), "\(plan)")
            #expect(try c.query(knn).first!.string(0) == "new")
            // Profiles at 3072-d: unsized float4 vectors, no index, nothing to migrate.
            try c.execute("INSERT INTO user_profiles (user_id, dims, long_term, long_term_ref_at) VALUES ('u', 3072, '\(Self.vector(3072, hot: 5))'::vector, now())")
            #expect(try c.query("SELECT vector_dims(long_term) FROM user_profiles WHERE user_id = 'u'").first!.int(0) == 3072)
        }
    }
}
