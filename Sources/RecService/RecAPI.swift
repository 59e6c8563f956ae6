import RecCore
import BedrockClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Postgres
import Profiles

/// The v1 HTTP API: request parsing and validation, auth, and responses; ranking lives in ``Recommender``.
public struct RecAPI: Sendable {
    public typealias Handler = @Sendable (Request, RecRequestContext, RouteSpec) async throws -> Response
    let deps: RecAPIDependencies
    let catalog: CatalogReader
    /// Largest decoded search image (Titan's limit). Default: 5 MB.
    public static let maxImageBytes = 5 * 1024 * 1024

    public init(_ deps: RecAPIDependencies) {
        self.deps = deps
        self.catalog = CatalogReader(pool: deps.pool, weights: deps.recommender.configuration.weights)
    }

    /// The router with every route of ``RouteTable/all`` and the API middleware.
    public func makeRouter() -> Router<RecRequestContext> {
        let router = Router(context: RecRequestContext.self)
        router.add(middleware: RecAPIMiddleware(metrics: deps.metrics))
        let handlers = self.handlers
        for spec in RouteTable.all {
            guard let handler = handlers[spec.operationID], let method = HTTPRequest.Method(spec.method) else {
                preconditionFailure("route \(spec.operationID) has no handler")
            }
            router.on(RouterPath(spec.routerPath), method: method) { request, context in
                try await self.authorize(spec, request)
                try Self.checkQuery(request, spec)
                return try await handler(request, context, spec)
            }
        }
        return router
    }

    /// Handlers by operation id (a test checks every table entry has one).
    public var handlers: [String: Handler] {
        [
            "getRecommendations": { r, c, s in try await getRecommendations(r, c, s) },
            "postRecommendations": { r, c, s in try await postRecommendations(r, c, s) },
            "getSimilarItems": { r, c, s in try await similar(r, c, s) },
            "search": { r, c, s in try await search(r, c, s) },
            "recommendFromExamples": { r, c, s in try await recommendFromExamples(r, c, s) },
            "getPopular": { r, c, s in try await popular(r, c, s) },
            "getTrending": { r, c, s in try await trending(r, c, s) },
            "postEvents": { r, c, s in try await postEvents(r, c, s) },
            "getUserProfile": { r, c, s in try await profile(r, c, s) },
            "deleteUser": { r, c, s in try await deleteUser(r, c, s) },
            "getItem": { r, c, s in try await item(r, c, s) },
            "health": { _, _, _ in Self.json(["status": "ok"]) },
            "ready": { r, c, s in try await ready(r, c, s) },
            "metrics": { _, _, _ in
                let u = deps.pool.usage
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                                body: .init(byteBuffer: ByteBuffer(string: deps.metrics.render(poolInUse: u.inUse, poolSize: u.size)
                                    + (deps.moreMetrics?() ?? ""))))
            },
            "openapi": { _, _, _ in Self.json(RouteTable.openAPIDocument()) },
        ]
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

    // MARK: - parsing helpers

    static func checkQuery(_ request: Request, _ spec: RouteSpec) throws {
        let allowed = Set(spec.query.map(\.name))
        for (k, _) in request.uri.queryParameters {
            if allowed.contains(String(k)) { continue }
            if spec.attributeFilters, k.hasPrefix("attr."), k.count > 5 { continue }
            throw RecServiceError(.invalidInput, "unknown query parameter '\(k.prefix(64))'")
        }
    }

    static func pathParameter(_ context: RecRequestContext, _ name: String) throws -> String {
        guard let raw = context.parameters.get(name) else { throw RecServiceError(.invalidInput, "missing \(name)") }
        let v = raw.removingPercentEncoding ?? raw
        guard (1...256).contains(v.utf8.count) else { throw RecServiceError(.invalidInput, "\(name) must be 1 to 256 bytes") }
        guard !IdentifierRule.hasControlCharacter(v) else { throw RecServiceError(.invalidInput, "\(name) must not contain control characters") }
        return v
    }

    static func queryInt(_ request: Request, _ name: String, _ range: ClosedRange<Int>, default d: Int) throws -> Int {
        guard let s = request.uri.queryParameters.get(name) else { return d }
        guard let v = Int(s), range.contains(v) else {
            throw RecServiceError(.invalidInput, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    static func queryBool(_ request: Request, _ name: String) throws -> Bool? {
        guard let s = request.uri.queryParameters.get(name) else { return nil }
        switch s.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw RecServiceError(.invalidInput, "\(name) must be true or false")
        }
    }

    /// The request's instant: `asOf` (RFC 3339) for replays and offline evaluation, else the wall clock.
    /// Every time-based term (session fade, popularity, freshness, trending, transitions, published items)
    /// is computed at it.
    static func asOf(_ request: Request) throws -> Date {
        guard let s = request.uri.queryParameters.get("asOf") else { return Date() }
        return try parseAsOf(String(s), field: "asOf")
    }

    static func parseAsOf(_ text: String, field: String) throws -> Date {
        guard text.utf8.count <= 64, let t = RFC3339.parse(text) else {
            throw RecServiceError(.invalidInput, "\(field) must be an RFC 3339 timestamp")
        }
        return t
    }

    static func queryList(_ request: Request, _ name: String, max: Int) throws -> [String] {
        let values = request.uri.queryParameters.getAll(name).flatMap { $0.split(separator: ",").map(String.init) }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard values.count <= max else { throw RecServiceError(.invalidInput, "\(name) lists more than \(max) values") }
        guard values.allSatisfy({ $0.utf8.count <= 256 }) else { throw RecServiceError(.invalidInput, "\(name) values must be at most 256 bytes") }
        guard !values.contains(where: IdentifierRule.hasControlCharacter) else { throw RecServiceError(.invalidInput, "\(name) values must not contain control characters") }
        return values
    }

    static func listing(_ request: Request) throws -> (ListingRequest, explain: Bool) {
        var filters = ItemFilters()
        filters.categories = try queryList(request, "categories", max: 50)
        filters.available = try queryBool(request, "available")
        filters.exclude = try queryList(request, "exclude", max: 500)
        for (k, v) in request.uri.queryParameters where k.hasPrefix("attr.") {
            let name = String(k.dropFirst(5))
            guard (1...64).contains(name.utf8.count), v.utf8.count <= 256 else {
                throw RecServiceError(.invalidInput, "attribute filters are attr.<name>=<value> with a name of at most 64 bytes")
            }
            filters.attributes[name] = String(v)
        }
        var diversity: Float = 0
        if let s = request.uri.queryParameters.get("diversity") {
            guard let d = Float(s), (0...1).contains(d) else { throw RecServiceError(.invalidInput, "diversity must be a number from 0 to 1") }
            diversity = d
        }
        let limit = try queryInt(request, "limit", 1...100, default: 20)
        return (ListingRequest(limit: limit, filters: filters, diversity: diversity), try queryBool(request, "explain") ?? false)
    }

    static func body(_ request: Request, _ spec: RouteSpec) async throws -> JSONValue {
        guard case .json(let max) = spec.body else { return .null }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: max)
        } catch let e as any HTTPResponseError where e.status == .contentTooLarge {
            throw RecServiceError(.payloadTooLarge, "the request body is larger than \(max) bytes")
        }
        return try JSONValue.parse(Array(buffer.readableBytesView))
    }

    /// `{limit, filters, diversity, explain}` shared by the JSON listing bodies.
    static func listing(_ o: JSONObjectReader) throws -> (ListingRequest, explain: Bool) {
        var filters = ItemFilters()
        if let f = try o.object("filters") {
            try f.onlyAllow(["categories", "attributes", "available", "exclude"])
            filters.categories = try f.stringArray("categories", maxCount: 50) ?? []
            filters.exclude = try f.stringArray("exclude", maxCount: 500) ?? []
            filters.available = try f.bool("available")
            if let a = try f.object("attributes") {
                for (k, v) in a.fields {
                    guard case .string(let s) = v, (1...64).contains(k.utf8.count), s.utf8.count <= 256 else {
                        throw RecServiceError(.invalidInput, "body.filters.attributes must map names to strings")
                    }
                    filters.attributes[k] = s
                }
            }
        }
        let limit = try o.int("limit", in: 1...100) ?? 20
        let diversity = Float(try o.number("diversity", in: 0...1) ?? 0)
        return (ListingRequest(limit: limit, filters: filters, diversity: diversity), try o.bool("explain") ?? false)
    }

    // MARK: - responses

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.encoded())))
    }

    static func render(_ result: RecommendationResult, explain: Bool, extra: [String: JSONValue] = [:], requestID: String) -> Response {
        var out = extra
        out["strategy"] = .string(result.strategy)
        out["fallback"] = .bool(result.fallback)
        out["requestId"] = .string(requestID)
        out["items"] = .array(result.items.enumerated().map { rank, s in
            var o: [String: JSONValue] = [
                "id": .string(s.candidate.itemID), "title": .string(s.candidate.title),
                "categories": .strings(s.candidate.categories), "score": .float(s.score), "rank": .number(Double(rank + 1)),
                "available": .bool(s.candidate.available), "price": s.candidate.price.map { .number($0) } ?? .null,
            ]
            if explain {
                let e = s.explanation
                o["explanation"] = [
                    "longTerm": .float(e.longTerm), "session": .float(e.session), "context": .float(e.context),
                    "negative": .float(e.negative), "covisit": .float(e.covisit), "popularity": .float(e.popularity), "freshness": .float(e.freshness),
                    "query": .float(e.query), "sources": .strings(s.candidate.sources.sorted()),
                ]
            }
            return .object(o)
        })
        return json(.object(out))
    }

    // MARK: - handlers

    func getRecommendations(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        let user = try Self.pathParameter(context, "userId")
        let (listing, explain) = try Self.listing(request)
        let result = try await deps.recommender.recommend(userID: user, request: listing, now: try Self.asOf(request))
        return Self.render(result, explain: explain, extra: ["userId": .string(user)], requestID: context.requestID)
    }

    func postRecommendations(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        let user = try Self.pathParameter(context, "userId")
        let o = try JSONObjectReader(try await Self.body(request, spec))
        try o.onlyAllow(["limit", "filters", "diversity", "explain", "context", "asOf"])
        let (listing, explain) = try Self.listing(o)
        let contextItems = try o.stringArray("context", maxCount: 50) ?? []
        let now = try o.string("asOf", maxLength: 64).map { try Self.parseAsOf($0, field: "body.asOf") } ?? Date()
        let result = try await deps.recommender.recommend(userID: user, request: listing, contextItems: contextItems, now: now)
        return Self.render(result, explain: explain, extra: ["userId": .string(user)], requestID: context.requestID)
    }

    func similar(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        let item = try Self.pathParameter(context, "itemId")
        let (listing, explain) = try Self.listing(request)
        let result = try await deps.recommender.similar(itemID: item, request: listing, now: try Self.asOf(request))
        return Self.render(result, explain: explain, extra: ["itemId": .string(item)], requestID: context.requestID)
    }

    func search(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        let o = try JSONObjectReader(try await Self.body(request, spec))
        try o.onlyAllow(["text", "imageBase64", "limit", "filters", "userId", "personalization", "diversity", "explain"])
        let text = try o.string("text", maxLength: 4096)
        var image: [UInt8]?
        if let b64 = try o.string("imageBase64", maxLength: RouteTable.searchBodyLimit) {
            guard let data = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else {
                throw RecServiceError(.invalidInput, "body.imageBase64 is not valid base64")
            }
            guard data.count <= Self.maxImageBytes else { throw RecServiceError(.payloadTooLarge, "the image is larger than 5 MB") }
            guard TitanInput.imageFormat(Array(data)) != nil else { throw RecServiceError(.invalidInput, "the image must be PNG or JPEG") }
            image = Array(data)
        }
        guard (text.map { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? false) || image != nil else {
            throw RecServiceError(.invalidInput, "search needs body.text, body.imageBase64, or both")
        }
        let (listing, explain) = try Self.listing(o)
        let user = try o.string("userId")
        let personalization = Float(try o.number("personalization", in: 0...1) ?? (user == nil ? 0 : 0.3))
        guard let embedder = deps.embedder else { throw RecServiceError(.unavailable, "search is not configured (no embedding endpoint)") }
        let vector = try await embedder.embed(text: text, image: image, dimensions: deps.recommender.configuration.dimensions)
        let result = try await deps.recommender.search(vector: vector, request: listing, userID: user, personalization: personalization)
        return Self.render(result, explain: explain, requestID: context.requestID)
    }

    func recommendFromExamples(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        let o = try JSONObjectReader(try await Self.body(request, spec))
        try o.onlyAllow(["positive", "negative", "strategy", "limit", "filters", "ignoreMissing", "diversity", "explain", "asOf"])
        func examples(_ key: String) throws -> [Recommender.Example] {
            try (o.array(key, maxCount: 64) ?? []).enumerated().map { i, v in
                switch v {
                case .string(let s) where (1...256).contains(s.utf8.count) && !IdentifierRule.hasControlCharacter(s): return .init(id: s)
                case .object:
                    let e = try JSONObjectReader(v, path: "body.\(key)[\(i)]")
                    try e.onlyAllow(["id", "weight"])
                    let id = try e.string("id", required: true)!
                    guard (1...256).contains(id.utf8.count), !IdentifierRule.hasControlCharacter(id) else {
                        throw RecServiceError(.invalidInput, "body.\(key)[\(i)].id must be 1 to 256 bytes without control characters")
                    }
                    let w = try e.number("weight", in: 0.000001...1000) ?? 1
                    return .init(id: id, weight: Float(w))
                default: throw RecServiceError(.invalidInput, "body.\(key)[\(i)] must be an item id or {\"id\",\"weight\"}")
                }
            }
        }
        let positive = try examples("positive"), negative = try examples("negative")
        guard !positive.isEmpty || !negative.isEmpty else { throw RecServiceError(.invalidInput, "give at least one positive or negative example") }
        let strategyText = try o.string("strategy", maxLength: 32) ?? "average_vector"
        guard let strategy = ExampleStrategy(rawValue: strategyText) else {
            throw RecServiceError(.invalidInput, "body.strategy must be average_vector or best_score")
        }
        let (listing, explain) = try Self.listing(o)
        let result = try await deps.recommender.recommend(positive: positive, negative: negative, strategy: strategy,
                                                          ignoreMissing: try o.bool("ignoreMissing") ?? false, request: listing,
                                                          now: try o.string("asOf", maxLength: 64).map { try Self.parseAsOf($0, field: "body.asOf") } ?? Date())
        return Self.render(result, explain: explain, requestID: context.requestID)
    }

    func popular(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        let limit = try Self.queryInt(request, "limit", 1...100, default: 20)
        let category = try Self.queryList(request, "category", max: 1).first
        let items = try await catalog.popular(limit: limit, category: category, available: try Self.queryBool(request, "available"),
                                              now: try Self.asOf(request))
        return Self.json(["items": .array(items), "requestId": .string(context.requestID)])
    }

    func trending(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        let limit = try Self.queryInt(request, "limit", 1...100, default: 20)
        let hours = try Self.queryInt(request, "windowHours", 1...720, default: 24)
        let category = try Self.queryList(request, "category", max: 1).first
        var out = try await catalog.trending(limit: limit, category: category, window: TimeInterval(hours) * 3600, now: try Self.asOf(request))
        if case .object(var o) = out { o["requestId"] = .string(context.requestID); out = .object(o) }
        return Self.json(out)
    }

    func postEvents(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        let events = try SubmittedEvent.parseBatch(try await Self.body(request, spec))
        guard let sink = deps.events else { throw RecServiceError(.unavailable, "event intake is not configured (no broker)") }
        try await sink.publish(events)
        return Self.json(["accepted": .number(Double(events.count)), "requestId": .string(context.requestID)], status: .accepted)
    }

    func profile(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        let user = try Self.pathParameter(context, "userId")
        guard let p = try await catalog.profile(userID: user) else { throw RecServiceError(.notFound, "user \(user) has no profile or interactions") }
        return Self.json(p)
    }

    func deleteUser(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        let user = try Self.pathParameter(context, "userId")
        let deleted = try await ProfileStore.deleteUser(UserID(user), in: deps.pool)
        context.logger.info("deleted user data", metadata: ["interactions": "\(deleted.interactions)"])
        return Self.json(["userId": .string(user), "deletedProfile": .bool(deleted.profiles > 0),
                          "deletedInteractions": .number(Double(deleted.interactions))])
    }

    func item(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        let id = try Self.pathParameter(context, "itemId")
        guard let item = try await catalog.item(id: id) else { throw RecServiceError(.notFound, "item \(id) does not exist") }
        return Self.json(item)
    }

    func ready(_ request: Request, _ context: RecRequestContext, _ spec: RouteSpec) async throws -> Response {
        var checks: [String: JSONValue] = [:]
        var ok = true
        do { _ = try await deps.pool.query("SELECT 1"); checks["database"] = "ok" } catch { checks["database"] = "unreachable"; ok = false }
        if let brokerCheck = deps.brokerCheck {
            do { try await brokerCheck(); checks["broker"] = "ok" } catch { checks["broker"] = "unreachable"; ok = false }
        } else {
            checks["broker"] = "not configured"
        }
        if ok { return Self.json(["status": "ready", "checks": .object(checks)]) }
        return Self.json(["error": ["code": "unavailable", "message": "a dependency is unreachable"], "checks": .object(checks)],
                         status: .serviceUnavailable)
    }
}
