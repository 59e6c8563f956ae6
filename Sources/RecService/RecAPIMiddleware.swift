import RecCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Postgres

/// Outermost middleware: request ids, JSON errors for everything thrown (an unmapped error would be a
/// bare 500), 405 with `Allow` for a known path and another method, and per-route metrics (a client that
/// went away mid-body is counted apart, never as a 500).
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
        var route: String?
        let method = Self.methodLabel(request.method)
        do {
            response = try await next(request, context)
        } catch let error where Self.isClientDisconnect(error) {
            // Nobody reads this response; the request is not a server error either.
            let route = context.endpointPath ?? "unmatched"
            metrics.recordClientDisconnect(method: method, route: route)
            context.logger.debug("client disconnected", metadata: ["method": "\(method)", "route": "\(route)"])
            return Self.errorResponse(status: 400, code: RecServiceError.Code.invalidInput.description, message: "the connection closed")
        } catch let error as any HTTPResponseError where error.status == .notFound && context.endpointPath == "NotFound" {
            let allowed = Self.allowedMethods(request.uri.path)
            if allowed.isEmpty || allowed.contains(request.method.rawValue) {
                errorCode = RecServiceError.Code.routeNotFound.description
                response = Self.errorResponse(status: 404, code: errorCode!, message: "no such route")
            } else {
                let template = RouteTable.routes(matching: request.uri.path)[0].path
                route = template
                errorCode = RecServiceError.Code.methodNotAllowed.description
                response = Self.errorResponse(status: 405, code: errorCode!,
                                              message: "\(template) allows \(allowed.joined(separator: ", ")) only")
                response.headers[.allow] = allowed.joined(separator: ", ")
            }
        } catch let error as RecServiceError {
            if error.code.status >= 500 { context.logger.error("request failed", metadata: ["error": "\(error)"]) }
            errorCode = error.code.description
            response = try error.response(from: request, context: context)
        } catch {
            let (status, code, message) = Self.map(error, logger: context.logger)
            errorCode = code
            response = Self.errorResponse(status: status, code: code, message: message)
        }
        response.headers[Self.requestIDHeader] = rid
        let elapsed = ContinuousClock.now - start
        let seconds = elapsed.seconds
        let label = route ?? context.endpointPath ?? "unmatched"
        metrics.record(method: method, route: label, status: Int(response.status.code), seconds: seconds, errorCode: errorCode)
        // Route templates, not raw paths: ids and query strings stay out of the access log.
        context.logger.debug("request", metadata: ["method": "\(method)", "route": "\(label)",
                                                   "status": "\(response.status.code)", "ms": "\(Int(seconds * 1000))"])
        return response
    }

    /// The methods registered for `path`'s route template, in a stable order (empty: unknown path).
    static func allowedMethods(_ path: String) -> [String] {
        Array(Set(RouteTable.routes(matching: path).map(\.method))).sorted()
    }

    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"]

    /// The method as a metric label: any other token a client sends is `other` (bounded cardinality).
    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        knownMethods.contains(method.rawValue) ? method.rawValue : "other"
    }

    /// Whether `error` means the connection ended under the request (reading its body): the client
    /// disconnected, or the server closed it at the body timeout.
    static func isClientDisconnect(_ error: any Error) -> Bool {
        switch error {
        case HTTPParserError.invalidEOFState: return true
        case let e as ChannelError:
            switch e {
            case .ioOnClosedChannel, .eof, .inputClosed, .outputClosed, .alreadyClosed: return true
            default: return false
            }
        case let e as IOError: return [ECONNRESET, EPIPE, ETIMEDOUT].contains(e.errnoCode)
        default: return false
        }
    }

    /// Client-supplied ids are echoed only when short and printable (they end up in logs).
    static func acceptableRequestID(_ s: String) -> String? {
        guard (1...128).contains(s.utf8.count), s.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }
        return s
    }

    static func errorResponse(status: Int, code: String, message: String) -> Response {
        APIErrorBody(code: code, message: message).response(status: .init(code: status))
    }

    /// Maps any other error (a ``RecServiceError`` answers itself) to (status, code, message) without leaking internals.
    static func map(_ error: Error, logger: Logger) -> (Int, String, String) {
        switch error {
        case let e as PostgresError:
            switch e.code {
            case .poolTimeout, .connectionFailed, .connectionLost, .poolClosed:
                logger.warning("database unavailable", metadata: ["error": "\(e)"])
                return (503, RecServiceError.Code.unavailable.description, "the database is unavailable; retry shortly")
            default:
                logger.error("database error", metadata: ["error": "\(e)"])
                return (500, RecServiceError.Code.internal.description, "internal error")
            }
        case let e as HTTPParserError:
            // A malformed chunked body and the like: the client's fault.
            logger.debug("malformed request", metadata: ["error": "\(e)"])
            return (400, RecServiceError.Code.invalidInput.description, "malformed HTTP request")
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
