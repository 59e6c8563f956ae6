import Foundation
import HTTPTypes
import Hummingbird
import RecCore

/// The v1 HTTP API: the routes of ``RouteTable/routes`` behind the API middleware, with auth; ranking
/// lives in ``Recommender``.
public struct RecAPI: Sendable {
    let deps: RecAPIDependencies
    let catalog: CatalogReader
    /// Largest decoded search image (Titan's limit). Default: 5 MB.
    public static let maxImageBytes = 5 * 1024 * 1024

    public init(_ deps: RecAPIDependencies) {
        self.deps = deps
        self.catalog = CatalogReader(pool: deps.pool, weights: deps.recommender.configuration.weights, spaces: deps.recommender.spaces)
    }

    /// The router with every route of ``RouteTable/routes`` and the API middleware.
    public func makeRouter() -> Router<RecRequestContext> {
        let router = Router(context: RecRequestContext.self)
        router.add(middleware: RecAPIMiddleware(metrics: deps.metrics))
        for route in deps.console == nil ? RouteTable.routes : RouteTable.registered {
            router.on(RouterPath(route.spec.routerPath), method: route.method) { request, context in
                let call = APIRequest(request: request, context: context, spec: route.spec, api: self)
                try await self.authorize(route.spec, request)
                try call.checkQuery()
                return try await route.respond(call)
            }
        }
        return router
    }

    // MARK: - auth

    static let apiKeyHeader = HTTPField.Name("x-api-key")!

    func authorize(_ spec: RouteSpec, _ request: Request) async throws {
        guard let scope = spec.scope, case .apiKeys(let store) = deps.auth else { return }
        var token = request.headers[Self.apiKeyHeader]
        if token == nil, let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            token = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        guard let token, !token.isEmpty else {
            throw RecServiceError(.unauthorized, "an API key is required (x-api-key header or Authorization: Bearer)")
        }
        guard let scopes = try await store.verify(token) else { throw RecServiceError(.unauthorized, "the API key is invalid or revoked") }
        guard scopes.contains(scope) || scopes.contains(APIKeyScope.admin) else {
            throw RecServiceError(.forbidden, "this API key lacks the '\(scope.rawValue)' scope")
        }
    }
}
