import HTTPTypes
import Hummingbird

/// One route of the API: what it is (``RouteSpec``) and the handler that answers it, declared together.
///
/// ``RecAPI/makeRouter()`` registers every route of ``RouteTable/routes``; the 405 answers and
/// `/openapi.json` (request and response schemas included) read the same declarations.
public struct Route: Sendable {
    public let spec: RouteSpec
    let method: HTTPRequest.Method
    let respond: @Sendable (APIRequest) async throws -> Response

    /// Declares a route.
    ///
    /// - Parameters:
    ///   - status: the success status, written over the 200 a body's response has by default.
    ///   - otherResponses: route-specific bodies for other statuses (errors are ``APIErrorBody`` otherwise).
    ///   - handler: answers a request that passed authorization and the query-parameter check.
    init<Output: APIResponseBody>(_ method: HTTPRequest.Method, _ path: String, operationID: String, summary: String, scope: APIKeyScope?,
                                  query: [RouteSpec.Query] = [], attributeFilters: Bool = false, body: RouteSpec.Body = .none,
                                  status: HTTPResponse.Status = .ok, otherResponses: [RouteSpec.ResponseBody] = [],
                                  handler: @escaping @Sendable (APIRequest) async throws -> Output) {
        self.method = method
        spec = RouteSpec(method: method.rawValue, path: path, operationID: operationID, summary: summary, scope: scope, query: query,
                         attributeFilters: attributeFilters, body: body,
                         responses: [.init(status: Int(status.code), Output.self)] + otherResponses)
        respond = { call in
            var response = try await handler(call).response(from: call.request, context: call.context)
            if status != .ok, response.status == .ok { response.status = status }
            return response
        }
    }
}
