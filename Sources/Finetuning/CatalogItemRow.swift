import Consumers
import Foundation
import Postgres

/// One live catalog row as the offline tools read it (dataset export, batch embedding): what catalog ingest
/// embedded for it (title, description, image URL or why the image failed) and its version.
struct CatalogItemRow: Sendable {
    var id: String
    var title: String
    var description: String
    var imageURL: String?
    var imageError: String?
    var versionAt: Date

    private static let columns: PostgresQuery = "SELECT id, title, description, image_url, image_error, version_at FROM items WHERE deleted_at IS NULL"

    /// Live items after `after` in id order, at most `limit`.
    static func page(_ pool: PostgresPool, after: String?, limit: Int) async throws -> [CatalogItemRow] {
        var q = columns
        if let after { q += " AND id > \(bind: after)" }
        q += " ORDER BY id LIMIT \(bind: limit)::int8"
        return try await read(pool, q)
    }

    /// The live items among `ids`, by id.
    static func rows(_ pool: PostgresPool, ids: [String]) async throws -> [String: CatalogItemRow] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await read(pool, columns + " AND id = ANY(\(bind: ids)::text[])")
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    private static func read(_ pool: PostgresPool, _ q: PostgresQuery) async throws -> [CatalogItemRow] {
        try await pool.query(q, resultFormat: .binary).map { r in
            CatalogItemRow(id: try r.string(0), title: try r.string(1), description: try r.string(2), imageURL: try r.optionalString(3),
                           imageError: try r.optionalString(4), versionAt: try r.date(5))
        }
    }

    /// The caption catalog ingest embeds for this item (``CatalogCaption``).
    var caption: String { CatalogCaption.make(title: title, description: description).text }

    /// Fetches `url` as ingest does, retrying transient failures twice.
    static func fetchImage(_ url: String, fetcher: ImageFetcher) async -> Result<[UInt8], ImageFetchError> {
        for attempt in 1...3 {
            do {
                return .success(try await fetcher.fetch(url))
            } catch where error.isRetriable && attempt < 3 {
                try? await Task.sleep(for: .milliseconds(500 * attempt))
            } catch {
                return .failure(error)
            }
        }
        return .failure(ImageFetchError("unreachable", isRetriable: true))
    }
}
