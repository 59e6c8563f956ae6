import BedrockClient
import Hummingbird
import NIOCore
import RecCore

/// A file of the console compiled into the binary (``ConsoleAssets``): served with its ETag, revalidated on every
/// load (`no-cache`), 304 when unchanged, and the console's security headers.
public protocol ConsoleStaticFile: APIResponseBody, Sendable {
    static var bytes: [UInt8] { get }
    static var etag: String { get }
}

extension ConsoleStaticFile {
    public static var jsonSchema: JSONSchema { JSONSchema(["type": "string"]) }

    /// A strong ETag from the content.
    static func tag(_ bytes: [UInt8]) -> String { "\"" + SigV4Canonical.hexSHA256(bytes).prefix(32) + "\"" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = ConsoleSecurityHeaders.common
        headers[.eTag] = Self.etag
        headers[.cacheControl] = "no-cache"
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == Self.etag }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = Self.mediaType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: Self.bytes)))
    }
}

/// `GET /console`: the page.
public struct ConsolePage: ConsoleStaticFile {
    public static let mediaType = "text/html; charset=utf-8"
    public static let bytes = Array(ConsoleAssets.html.utf8)
    public static let etag = tag(bytes)
}

/// `GET /console/app.js`: the console's script, one ES module.
public struct ConsoleScript: ConsoleStaticFile {
    public static let mediaType = "text/javascript; charset=utf-8"
    public static let bytes = Array(ConsoleAssets.script.utf8)
    public static let etag = tag(bytes)
}

/// `GET /console/app.css`.
public struct ConsoleStylesheet: ConsoleStaticFile {
    public static let mediaType = "text/css; charset=utf-8"
    public static let bytes = Array(ConsoleAssets.stylesheet.utf8)
    public static let etag = tag(bytes)
}

/// `GET /console/icon.svg`.
public struct ConsoleIcon: ConsoleStaticFile {
    public static let mediaType = "image/svg+xml"
    public static let bytes = Array(ConsoleAssets.icon.utf8)
    public static let etag = tag(bytes)
}
