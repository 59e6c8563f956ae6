import BedrockClient
import Foundation
import Hummingbird
import NIOCore
import Postgres
import RecCore

/// `GET /console/api/items/{itemId}/image`: a known item's image, proxied. Only the image stored for that item
/// is ever read: the inline image catalog ingest kept (table `item_images`, when the schema has it) or the
/// stored `image_url`, downloaded with catalog ingest's fetch policy (``ConsoleDependencies/fetchImage``).
/// PNG or JPEG only, at most Titan's 5 MB; cached in process (``ProductImageCache``) and by the browser for
/// five minutes, revalidated by ETag.
public struct ProductImage: APIResponseBody, Sendable {
    var bytes: [UInt8]
    var contentType: String
    var etag: String
    var notModified: Bool

    public static let mediaType = "image/*"
    public static let jsonSchema = JSONSchema(["type": "string", "format": "binary", "description": "PNG or JPEG."])

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = ConsoleSecurityHeaders.common
        headers[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        headers[.eTag] = etag
        headers[.cacheControl] = "private, max-age=300"
        if notModified { return Response(status: .notModified, headers: headers) }
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The image of `itemID`.
    ///
    /// - Throws: ``RecServiceError`` `notFound` (no such live item, or it has no image), `upstream` (the
    ///   download failed or is not a PNG/JPEG), `unavailable` (image downloads are not configured).
    static func load(itemID: String, ifNoneMatch: String?, pool: PostgresPool, console: ConsoleDependencies) async throws -> ProductImage {
        // One round trip: the item's URL and version, and whether this schema keeps inline images at all.
        let rows = try await pool.query(
            "SELECT image_url, version_at, to_regclass('item_images') IS NOT NULL FROM items WHERE id = \(bind: itemID) AND deleted_at IS NULL")
        guard let row = rows.first else { throw RecServiceError(.notFound, "item \(itemID) does not exist") }
        let url = try row.optionalString(0)
        let version = try row.date(1)
        var inline: (sha: String, bytes: [UInt8]?)?
        if try row.bool(2) {
            let r = try await pool.query("SELECT encode(sha256, 'hex') FROM item_images WHERE item_id = \(bind: itemID)")
            if let first = r.first { inline = (try first.string(0), nil) }
        }
        let source: String
        if let inline { source = "inline:" + inline.sha } else if let url { source = "url:\(url)@\(version.timeIntervalSince1970)" } else {
            throw RecServiceError(.notFound, "item \(itemID) has no image")
        }
        let key = itemID + "\n" + source
        let etag = "\"" + SigV4Canonical.hexSHA256(Array(key.utf8)).prefix(32) + "\""
        if let ifNoneMatch, ifNoneMatch.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
            return ProductImage(bytes: [], contentType: "", etag: etag, notModified: true)
        }
        if let hit = console.runtime.images.get(key) {
            return ProductImage(bytes: hit.bytes, contentType: hit.mediaType, etag: etag, notModified: false)
        }
        let bytes: [UInt8]
        if inline != nil {
            let r = try await pool.query("SELECT image FROM item_images WHERE item_id = \(bind: itemID)", resultFormat: .binary)
            guard let b = r.first?.bytes(0) else { throw RecServiceError(.notFound, "item \(itemID) has no image") }
            bytes = b
        } else {
            guard let fetch = console.fetchImage else { throw RecServiceError(.unavailable, "image downloads are not configured on this server") }
            do {
                bytes = try await fetch(url!)
            } catch {
                throw RecServiceError(.upstream, "the image of \(itemID) could not be fetched: \(Self.reason(error))")
            }
        }
        guard bytes.count <= RecAPI.maxImageBytes, let format = TitanInput.imageFormat(bytes) else {
            throw RecServiceError(.upstream, "the image of \(itemID) is not a PNG or JPEG of at most 5 MB")
        }
        let mediaType = format == .png ? "image/png" : "image/jpeg"
        console.runtime.images.put(key, bytes: bytes, mediaType: mediaType)
        return ProductImage(bytes: bytes, contentType: mediaType, etag: etag, notModified: false)
    }

    /// A short reason without the URL (it may carry a signed query).
    static func reason(_ error: any Error) -> String {
        let text = (error as? CustomStringConvertible)?.description ?? "\(type(of: error))"
        return String(text.prefix(200))
    }
}
