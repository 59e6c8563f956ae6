import Consumers
import Foundation
import Postgres

/// One live catalog row as the offline tools read it (dataset export, batch embedding): what catalog ingest
/// embedded for it (title, description, image URL or why the image failed, the inline image it keeps) and its
/// version.
struct CatalogItemRow: Sendable {
    var id: String
    var title: String
    var description: String
    var imageURL: String?
    var imageError: String?
    var versionAt: Date
    /// The inline image ingest keeps in `item_images` (read only when asked for).
    var storedImage: [UInt8]? = nil

    private static func select(images: Bool) -> PostgresQuery {
        images
            ? "SELECT i.id, i.title, i.description, i.image_url, i.image_error, i.version_at, img.image FROM items i LEFT JOIN item_images img ON img.item_id = i.id WHERE i.deleted_at IS NULL"
            : "SELECT i.id, i.title, i.description, i.image_url, i.image_error, i.version_at FROM items i WHERE i.deleted_at IS NULL"
    }

    /// Live items after `after` in id order, at most `limit`.
    ///
    /// - Parameter images: also read the stored inline images.
    static func page(_ pool: PostgresPool, after: String?, limit: Int, images: Bool = false) async throws -> [CatalogItemRow] {
        var q = select(images: images)
        if let after { q += " AND i.id > \(bind: after)" }
        q += " ORDER BY i.id LIMIT \(bind: limit)::int8"
        return try await read(pool, q, images: images)
    }

    /// The live items among `ids`, by id, with their stored inline images.
    static func rows(_ pool: PostgresPool, ids: [String]) async throws -> [String: CatalogItemRow] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await read(pool, select(images: true) + " AND i.id = ANY(\(bind: ids)::text[])", images: true)
        return Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    private static func read(_ pool: PostgresPool, _ q: PostgresQuery, images: Bool) async throws -> [CatalogItemRow] {
        try await pool.query(q, resultFormat: .binary).map { r in
            CatalogItemRow(id: try r.string(0), title: try r.string(1), description: try r.string(2), imageURL: try r.optionalString(3),
                           imageError: try r.optionalString(4), versionAt: try r.date(5), storedImage: images ? r.bytes(6) : nil)
        }
    }

    /// The caption catalog ingest embeds for this item with a Titan model (``CatalogCaption``, cut to Titan's limit).
    var caption: String { CatalogCaption.make(title: title, description: description, family: .titan).text }

    /// The image ingest embeds: the stored inline image, else the URL's (fetched again), else none (no image, or one
    /// ingest gave up on and stored the item text-only).
    func image(fetcher: ImageFetcher) async -> Result<[UInt8]?, ImageFetchError> {
        if let storedImage { return .success(storedImage) }
        guard let url = imageURL, imageError == nil else { return .success(nil) }
        return await Self.fetchImage(url, fetcher: fetcher).map { $0 }
    }

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
