import Foundation
import Postgres
import RecCore

/// The web console (docs/console.md): its page, script, stylesheet and icon (open: they hold no data), and the
/// admin-only JSON API its views read beside the public routes. Registered when ``RecAPIDependencies/console``
/// is set; described by `/console/api/openapi.json`, not by the public `/openapi.json`.
extension RouteTable {
    static let console: [Route] = [
        consolePage, consoleScript, consoleStylesheet, consoleIcon,
        consoleSession, consoleUsers, consoleUser, consoleItems, consoleItemActivity, consoleItemImage, consolePipeline, consoleEval,
        consoleOpenAPI,
    ]

    static let consolePage = Route(.get, "/console", operationID: "consolePage", summary: "The web console (one page; views by URL fragment).",
                                   scope: nil) { _ in ConsolePage() }
    static let consoleScript = Route(.get, "/console/app.js", operationID: "consoleScript", summary: "The console's ES module.", scope: nil) { _ in ConsoleScript() }
    static let consoleStylesheet = Route(.get, "/console/app.css", operationID: "consoleStylesheet", summary: "The console's stylesheet.", scope: nil) { _ in ConsoleStylesheet() }
    static let consoleIcon = Route(.get, "/console/icon.svg", operationID: "consoleIcon", summary: "The console's icon.", scope: nil) { _ in ConsoleIcon() }

    static let consoleSession = Route(
        .get, "/console/api/session", operationID: "consoleSession", summary: "Checks the key (admin) and tells what this server can show.", scope: .admin
    ) { call in
        let console = try call.consoleDependencies()
        let config = call.deps.recommender.configuration
        let w = config.weights
        let auth: JSONValue = if case .disabled = call.deps.auth { "off" } else { "api_keys" }
        return ConsoleSession(json: [
            "auth": auth, "dimensions": .number(Double(config.dimensions)), "embeddingKind": .string(config.embeddingKind),
            "features": [
                "search": .bool(call.deps.embedder != nil), "events": .bool(call.deps.events != nil), "images": .bool(console.fetchImage != nil),
                "deadLetters": .bool(console.deadLetters != nil), "metricsSources": .strings(console.metricsSources.map(\.name)),
            ],
            "weights": [
                "longTerm": .float(w.longTerm), "session": .float(w.session), "negative": .float(w.negative), "popularity": .float(w.popularity),
                "freshness": .float(w.freshness), "context": .float(w.context), "covisit": .float(w.covisit),
                "sessionHalfLifeHours": .number(w.sessionHalfLife / 3600), "freshnessHalfLifeHours": .number(w.freshnessHalfLife / 3600),
            ],
        ])
    }

    static let consoleUsers = Route(
        .get, "/console/api/users", operationID: "consoleUsers", summary: "Users whose id starts with q, most recently active first.", scope: .admin,
        query: [.init("q", "string", "Id prefix (default: all users)."), .init("limit", "integer", "1 to 100 (default 20).")]
    ) { call in
        let q = try call.consoleText("q")
        return ConsoleUserList(json: try await call.consoleReader().users(prefix: q, limit: try call.queryInt("limit", 1...100, default: 20)))
    }

    static let consoleUser = Route(
        .get, "/console/api/users/{userId}", operationID: "consoleUser",
        summary: "A user's profile terms (with the items nearest to each vector), category affinity and recent interactions.", scope: .admin,
        query: [.init("events", "integer", "Recent interactions to list, 1 to 50 (default 20).")]
    ) { call in
        let user = try call.pathParameter("userId")
        guard let p = try await call.consoleReader().profile(userID: user, events: try call.queryInt("events", 1...50, default: 20)) else {
            throw RecServiceError(.notFound, "user \(user) has no profile or interactions")
        }
        return ConsoleUserProfile(json: p)
    }

    static let consoleItems = Route(
        .get, "/console/api/items", operationID: "consoleItems", summary: "Live items whose id starts with q or whose title contains it.", scope: .admin,
        query: [.init("q", "string", "Id prefix or title words."), .init("limit", "integer", "1 to 100 (default 20).")]
    ) { call in
        let q = try call.consoleText("q")
        return ConsoleItemList(json: try await call.consoleReader().items(query: q, limit: try call.queryInt("limit", 1...100, default: 20)))
    }

    static let consoleItemActivity = Route(
        .get, "/console/api/items/{itemId}/activity", operationID: "consoleItemActivity",
        summary: "An item's interactions per time bucket and event type, from the interaction log.", scope: .admin,
        query: [.init("window", "string", "24h, 7d, 30d (default) or 365d.")]
    ) { call in
        let item = try call.pathParameter("itemId")
        let text = call.request.uri.queryParameters.get("window").map { String($0) } ?? ItemActivityWindow.month.rawValue
        guard let window = ItemActivityWindow(rawValue: text) else { throw RecServiceError(.invalidInput, "window must be 24h, 7d, 30d or 365d") }
        guard let a = try await call.consoleReader().activity(itemID: item, window: window) else {
            throw RecServiceError(.notFound, "item \(item) does not exist")
        }
        return ItemActivity(json: a)
    }

    static let consoleItemImage = Route(
        .get, "/console/api/items/{itemId}/image", operationID: "consoleItemImage",
        summary: "A known item's stored image, proxied with catalog ingest's fetch policy (PNG or JPEG, at most 5 MB).", scope: .admin,
        otherResponses: [.init(status: 502, schemaName: OpenAPIDocument.errorSchemaName, schema: APIErrorBody.jsonSchema)]
    ) { call in
        try await ProductImage.load(itemID: try call.pathParameter("itemId"), ifNoneMatch: call.request.headers[.ifNoneMatch],
                                    pool: call.deps.pool, console: try call.consoleDependencies())
    }

    static let consolePipeline = Route(
        .get, "/console/api/pipeline", operationID: "consolePipeline",
        summary: "Consumer lag and throughput, embedding latency and throttles, dead letters by reason, the vector index.", scope: .admin
    ) { call in
        PipelineStatus(json: try await ConsolePipeline.status(deps: call.deps, console: try call.consoleDependencies(), reader: call.consoleReader()))
    }

    static let consoleEval = Route(
        .get, "/console/api/eval", operationID: "consoleEval", summary: "Stored `rec eval` reports, one of them in full (default: the newest).",
        scope: .admin, query: [.init("id", "integer", "The report to return in full.")]
    ) { call in
        let id = try call.request.uri.queryParameters.get("id").map { s -> Int in
            guard let v = Int(s), v > 0 else { throw RecServiceError(.invalidInput, "id must be a positive integer") }
            return v
        }
        do {
            return EvalReports(json: try await EvalReportStore(pool: call.deps.pool).read(id: id, limit: 20))
        } catch let e as PostgresError where e.sqlState == "42P01" {
            // The database is not migrated to 0011 yet: no reports to show.
            return EvalReports(json: ["reports": [], "selected": .null])
        }
    }

    static let consoleOpenAPI = Route(
        .get, "/console/api/openapi.json", operationID: "consoleOpenAPI", summary: "The console API's OpenAPI 3 document.", scope: .admin
    ) { _ in
        ConsoleOpenAPIDocument(json: consoleDocument)
    }

    /// The OpenAPI document of ``console``.
    static let consoleDocument: JSONValue = {
        guard case .object(var doc) = OpenAPIDocument.describe(console.map(\.spec)), case .object(var info)? = doc["info"] else { return .null }
        info["title"] = "rec web console API"
        info["description"] = .string("The admin-only API behind /console (docs/console.md): internal, versioned with the console, not part of the "
            + "public contract of /openapi.json. Errors are {\"error\":{\"code\",\"message\"}}.")
        doc["info"] = .object(info)
        return .object(doc)
    }()
}

extension APIRequest {
    func consoleDependencies() throws -> ConsoleDependencies {
        guard let c = deps.console else { throw RecServiceError(.notFound, "the console is not served") }
        return c
    }

    func consoleReader() -> ConsoleReader { ConsoleReader(pool: deps.pool, recommender: deps.recommender) }

    /// A short free-text query parameter (empty when absent).
    func consoleText(_ name: String) throws -> String {
        let v = request.uri.queryParameters.get(name).map { String($0) } ?? ""
        guard v.utf8.count <= 256, !IdentifierRule.hasControlCharacter(v) else {
            throw RecServiceError(.invalidInput, "\(name) must be at most 256 bytes without control characters")
        }
        return v.trimmingCharacters(in: .whitespaces)
    }
}
