import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text exposition.
public struct PrometheusText: Sendable, APIResponseBody {
    public var text: String

    public static let mediaType = "text/plain; version=0.0.4"
    public static let jsonSchema = JSONSchema.string

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .ok, headers: [.contentType: Self.mediaType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
