import Hummingbird
import NIOCore
import RecCore

/// The API's response encoder: compact JSON with sorted keys (``CompactJSONEncoder``), `application/json`.
public struct CompactJSONResponseEncoder: ResponseEncoder, Sendable {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        try Self.response(value)
    }

    /// `value` as a JSON response with `status`, outside a request (errors the middleware writes).
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try CompactJSONEncoder().encode(value))))
    }
}
