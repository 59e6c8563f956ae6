import BedrockClient
import Foundation
import Postgres

/// API keys stored hashed (SHA-256) in `api_keys`; lookups are by hash, so no constant-time compare is needed.
///
/// Verified keys are cached for ``cacheTTL`` so authentication costs no round trip on the hot path;
/// a revocation takes effect within that time.
public final class APIKeyStore: Sendable {
    public struct Key: Sendable, Equatable {
        public var id: UUID
        public var name: String
        public var prefix: String
        public var scopes: Set<APIKeyScope>
        public var createdAt: Date
        public var revokedAt: Date?
    }

    let pool: PostgresPool
    /// Default: 10 s.
    public let cacheTTL: TimeInterval
    private let cache = APIKeyCache()

    public init(pool: PostgresPool, cacheTTL: TimeInterval = 10) {
        self.pool = pool
        self.cacheTTL = cacheTTL
    }

    /// Creates a key; the returned secret is shown once and never stored.
    public func create(name: String, scopes: Set<APIKeyScope>) async throws -> (key: Key, secret: String) {
        guard !name.isEmpty, name.count <= 128 else { throw RecServiceError(.invalidInput, "the key name must be 1 to 128 characters") }
        guard !scopes.isEmpty else { throw RecServiceError(.invalidInput, "a key needs at least one scope") }
        var bytes = [UInt8](repeating: 0, count: 24)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = rng.next() }
        let secret = "rk_" + bytes.map { String(format: "%02x", $0) }.joined()
        let id = UUID()
        let prefix = String(secret.prefix(11))
        let scopeList = APIKeyScope.allCases.filter(scopes.contains).map(\.rawValue)
        let rows = try await pool.query(
            "INSERT INTO api_keys (id, name, key_hash, key_prefix, scopes) "
                + "VALUES (\(bind: id), \(bind: name), \(bind: PostgresBytes(Self.hash(secret))), \(bind: prefix), \(bind: scopeList)::text[]) RETURNING created_at")
        return (Key(id: id, name: name, prefix: prefix, scopes: scopes, createdAt: try rows[0].date(0), revokedAt: nil), secret)
    }

    public func list() async throws -> [Key] {
        let rows = try await pool.query("SELECT id, name, key_prefix, array_to_string(scopes, ','), created_at, revoked_at FROM api_keys ORDER BY created_at")
        return try rows.map { r in
            Key(id: try r.uuid(0), name: try r.string(1), prefix: try r.string(2),
                scopes: Set(try r.string(3).split(separator: ",").compactMap { APIKeyScope(rawValue: String($0)) }),
                createdAt: try r.date(4), revokedAt: r.isNull(5) ? nil : try r.date(5))
        }
    }

    /// Revokes by id or by name; returns how many keys were revoked.
    public func revoke(idOrName: String) async throws -> Int {
        let key: PostgresQuery = UUID(uuidString: idOrName).map { "id = \(bind: $0)" } ?? "name = \(bind: idOrName)"
        let rows = try await pool.query("UPDATE api_keys SET revoked_at = now() WHERE \(fragment: key) AND revoked_at IS NULL")
        cache.removeAll()
        return rows.affectedRows
    }

    /// The scopes of a valid, unrevoked key, or nil.
    public func verify(_ secret: String, now: Date = Date()) async throws -> Set<APIKeyScope>? {
        guard secret.hasPrefix("rk_"), secret.utf8.count <= 128 else { return nil }
        // Keyed by the digest's hex (no per-byte formatting on the hot path: every request verifies).
        let hex = SigV4Canonical.hexSHA256(Array(secret.utf8))
        if let hit = cache.get(hex, now: now) { return hit }
        let hash = Self.bytes(hex: hex)
        let rows = try await pool.query(
            "SELECT array_to_string(scopes, ',') FROM api_keys WHERE key_hash = \(bind: PostgresBytes(hash)) AND revoked_at IS NULL")
        let scopes = try rows.first.map { r in Set(try r.string(0).split(separator: ",").compactMap { APIKeyScope(rawValue: String($0)) }) }
        cache.set(hex, scopes: scopes, expires: now.addingTimeInterval(cacheTTL))
        return scopes
    }

    static func hash(_ secret: String) -> [UInt8] { bytes(hex: SigV4Canonical.hexSHA256(Array(secret.utf8))) }

    /// Lower-case hex digits to bytes.
    static func bytes(hex: String) -> [UInt8] {
        var out = [UInt8]()
        var it = hex.utf8.makeIterator()
        func nib(_ c: UInt8) -> UInt8 { c >= 97 ? c - 87 : c - 48 }
        while let a = it.next(), let b = it.next() { out.append(nib(a) << 4 | nib(b)) }
        return out
    }
}

