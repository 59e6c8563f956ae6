import RecCore
import BedrockClient
import BedrockTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntegrationTestSupport
import Postgres
import Testing
@testable import RecService

/// A schema of the local stack's PostgreSQL with a synthetic catalog, and the API wired to it.
///
/// Integration tests run when `REC_INTEGRATION=1`; then a missing `DATABASE_URL` is a failure.
enum ServiceTestStack {
    static var integration: Bool { IntegrationStack.enabled }
    static let dims = 256

    static func baseURL() throws -> String { try IntegrationStack.databaseURL() }
    static var migrationsDirectory: URL { IntegrationStack.migrationsDirectory }

    /// Creates a fresh migrated schema, runs `body` with a pool bound to it, then drops it.
    static func withSchema<T>(_ body: (PostgresPool, PGConnection) async throws -> T) async throws -> T {
        try IntegrationStack.ensureVector()
        return try await IntegrationStack.withSchema { url in
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 4))
            defer { pool.close() }
            return try await body(pool, try PGConnection(url: url))
        }
    }

    /// Deterministic pseudo-random unit directions (SplitMix64), so test catalogs are reproducible.
    struct Directions {
        var generator: SeededGenerator
        init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
        mutating func next() -> Float { generator.nextSymmetricFloat() }
        mutating func unit(_ n: Int = ServiceTestStack.dims) -> [Float] { VectorMath.normalized((0..<n).map { _ in next() }) }
    }

    static func add(_ a: [Float], _ b: [Float], _ w: Float = 1) -> [Float] { zip(a, b).map { $0 + w * $1 } }

    static func vectorLiteral(_ v: [Float]) -> String { "[" + v.map { "\($0)" }.joined(separator: ",") + "]" }

    /// Inserts an item and its fused vector.
    static func insertItem(_ conn: PGConnection, id: String, title: String, categories: [String], attributes: String = "{}",
                           available: Bool = true, vector: [Float], createdAgo: TimeInterval = 86_400) throws {
        try conn.query(
            "INSERT INTO items (id, title, categories, attributes, available, version_at, created_at) "
                + "VALUES ($1, $2, $3::text[], $4::jsonb, $5, now(), now() - make_interval(secs => $6))",
            [id, title, categories, PostgresJSON(attributes), available, createdAgo])
        try conn.query(
            "INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding) VALUES ($1, 'fused', 'test', \(dims), '\\x00', $2::halfvec)",
            [id, PGVector.halfvec(vector)])
    }

    /// A profile whose long-term vector is the sum of `liked` and negative vector the sum of `disliked`.
    static func insertProfile(_ conn: PGConnection, user: String, longTerm: [Float]?, session: [Float]? = nil,
                              negative: [Float]? = nil, categories: String = "{}") throws {
        try conn.query(
            "INSERT INTO user_profiles (user_id, dims, long_term, long_term_ref_at, session, session_id, session_ref_at, negative, negative_ref_at, "
                + "event_count, counts_by_type, category_affinity, last_event_at) "
                + "VALUES ($1, \(dims), $2::vector, now(), $3::vector, CASE WHEN $3::vector IS NULL THEN NULL ELSE 's1' END, "
                + "CASE WHEN $3::vector IS NULL THEN NULL ELSE now() END, $4::vector, now(), 3, '{\"purchase\":3}', $5::jsonb, now())",
            [user, longTerm.map { PGVector.vector($0) } ?? .null, session.map { PGVector.vector($0) } ?? .null,
             negative.map { PGVector.vector($0) } ?? .null, PostgresJSON(categories)])
    }

    static func insertInteraction(_ conn: PGConnection, user: String, item: String, type: String, ago: TimeInterval = 3600) throws {
        try conn.query(
            "INSERT INTO interactions (event_id, user_id, item_id, type, occurred_at, folded) VALUES ($1, $2, $3, $4, now() - make_interval(secs => $5), true)",
            [UUID(), user, item, type, ago])
    }

    static func recommender(_ pool: PostgresPool) throws -> Recommender {
        Recommender(pool: pool, configuration: try RecommenderConfiguration(dimensions: dims, popularCandidates: 10, freshCandidates: 5))
    }

    /// A Titan client talking to the loopback fake endpoint.
    static func fakeEmbedder(_ fake: FakeBedrockEndpoint) throws -> TitanQueryEmbedder {
        let config = try BedrockClientConfiguration(endpoint: fake.endpoint, dimensions: dims)
        return TitanQueryEmbedder(client: TitanEmbeddingClient(configuration: config,
                                                               credentialProvider: StaticCredentialProvider(FakeBedrockEndpoint.credentials)))
    }
}

/// One HTTP exchange's outcome, decoded.
struct HTTPResult {
    var status: Int
    var json: JSONValue?
    var headers: HTTPFields
    var text: String

    subscript(_ key: String) -> JSONValue? { if case .object(let o)? = json { o[key] } else { nil } }

    var items: [[String: JSONValue]] {
        guard case .array(let a)? = self["items"] else { return [] }
        return a.compactMap { if case .object(let o) = $0 { o } else { nil } }
    }
    var ids: [String] { items.compactMap { if case .string(let s)? = $0["id"] { s } else { nil } } }
    var errorCode: String? {
        if case .object(let e)? = self["error"], case .string(let c)? = e["code"] { return c }
        return nil
    }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, headers: HTTPFields = [:]) async throws -> HTTPResult {
        try await call(method, uri, bytes: body.map { Array($0.utf8) }, headers: headers)
    }

    func call(_ method: HTTPRequest.Method, _ uri: String, bytes: [UInt8]?, headers: HTTPFields = [:]) async throws -> HTTPResult {
        var h = headers
        if bytes != nil { h[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: h, body: bytes.map { ByteBuffer(bytes: $0) }) { r in
            let bytes = r.body.readableBytesView.map { $0 }
            return HTTPResult(status: Int(r.status.code), json: try? JSONValue.parse(bytes), headers: r.headers,
                              text: String(decoding: bytes, as: UTF8.self))
        }
    }
}

extension JSONValue {
    var double: Double? { if case .number(let n) = self { n } else { nil } }
    var string: String? { if case .string(let s) = self { s } else { nil } }
    var strings: [String] { if case .array(let a) = self { a.compactMap(\.string) } else { [] } }
}
