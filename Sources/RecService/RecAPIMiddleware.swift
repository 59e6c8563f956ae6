import RecCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Postgres

/// Outermost middleware: request ids, JSON errors for everything thrown (an unmapped error would be a
/// bare 500), and per-route metrics.
struct RecAPIMiddleware: RouterMiddleware {
    typealias Context = RecRequestContext
    let metrics: ServiceMetrics
    static let requestIDHeader = HTTPField.Name("x-request-id")!

    func handle(_ request: Request, context: RecRequestContext,
                next: (Request, RecRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        let rid = request.headers[Self.requestIDHeader].flatMap(Self.acceptableRequestID) ?? UUID().uuidString.lowercased()
        context.requestID = rid
        context.logger[metadataKey: "request_id"] = .string(rid)
        let start = ContinuousClock.now
        var response: Response
        var errorCode: String?
        do {
            response = try await next(request, context)
        } catch {
            let (status, code, message) = Self.map(error, logger: context.logger)
            errorCode = code
            response = Self.errorResponse(status: status, code: code, message: message)
        }
        response.headers[Self.requestIDHeader] = rid
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let route = context.endpointPath ?? "unmatched"
        metrics.record(method: request.method.rawValue, route: route, status: Int(response.status.code), seconds: seconds, errorCode: errorCode)
        // Route templates, not raw paths: ids and query strings stay out of the access log.
        context.logger.debug("request", metadata: ["method": "\(request.method.rawValue)", "route": "\(route)",
                                                   "status": "\(response.status.code)", "ms": "\(Int(seconds * 1000))"])
        return response
    }

    /// Client-supplied ids are echoed only when short and printable (they end up in logs).
    static func acceptableRequestID(_ s: String) -> String? {
        guard (1...128).contains(s.utf8.count), s.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }
        return s
    }

    static func errorResponse(status: Int, code: String, message: String) -> Response {
        let body: JSONValue = ["error": ["code": .string(code), "message": .string(message)]]
        return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }

    /// Maps any error to (status, code, message) without leaking internals.
    static func map(_ error: Error, logger: Logger) -> (Int, String, String) {
        switch error {
        case let e as RecServiceError:
            if e.code.status >= 500 { logger.error("request failed", metadata: ["error": "\(e)"]) }
            return (e.code.status, e.code.description, e.message)
        case let e as PostgresError:
            switch e.code {
            case .poolTimeout, .connectionFailed, .connectionLost, .poolClosed:
                logger.warning("database unavailable", metadata: ["error": "\(e)"])
                return (503, RecServiceError.Code.unavailable.description, "the database is unavailable; retry shortly")
            default:
                logger.error("database error", metadata: ["error": "\(e)"])
                return (500, RecServiceError.Code.internal.description, "internal error")
            }
        case let e as any HTTPResponseError:
            let status = Int(e.status.code)
            switch status {
            case 404: return (404, RecServiceError.Code.routeNotFound.description, "no such route")
            case 405: return (405, RecServiceError.Code.methodNotAllowed.description, "method not allowed on this route")
            case 413: return (413, RecServiceError.Code.payloadTooLarge.description, "the request body is too large")
            case 400..<500: return (status, RecServiceError.Code.invalidInput.description, e.status.reasonPhrase)
            default:
                logger.error("request failed", metadata: ["error": "\(e)"])
                return (status, RecServiceError.Code.internal.description, "internal error")
            }
        default:
            logger.error("request failed", metadata: ["error": "\(String(describing: type(of: error)))"])
            return (500, RecServiceError.Code.internal.description, "internal error")
        }
    }
}
