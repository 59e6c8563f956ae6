import RecCore
/// Every route of the v1 API. Registration, auth scopes and `/openapi.json` all read this table.
public enum RouteTable {
    static let listing: [RouteSpec.Query] = [
        .init("limit", "integer", "Items to return, 1 to 100 (default 20)."),
        .init("categories", "string", "Comma-separated categories; items in any of them."),
        .init("available", "boolean", "Only items with this availability."),
        .init("exclude", "string", "Comma-separated item ids never to return."),
        .init("diversity", "number", "MMR diversity 0 to 1 (λ = 1 − diversity); 0 keeps the score order."),
        .init("explain", "boolean", "Include each signal's contribution to the score."),
        asOf,
    ]
    /// Replays and offline evaluation: the instant every time-based term is computed at.
    static let asOf = RouteSpec.Query("asOf", "string", "RFC 3339 instant to compute time-based terms at (replays, evaluation); default now.")
    static let jsonSmall = RouteSpec.Body.json(maxBytes: 256 * 1024)
    /// Search bodies carry a base64 image (5 MB decoded ≈ 6.7 MB encoded).
    public static let searchBodyLimit = 7 * 1024 * 1024
    public static let eventsBodyLimit = 1024 * 1024

    public static let all: [RouteSpec] = [
        RouteSpec(method: "GET", path: "/v1/users/{userId}/recommendations", operationID: "getRecommendations",
                  summary: "Personalized recommendations by blended similarity (fallback: popularity and freshness).",
                  scope: .read, query: listing, attributeFilters: true, body: .none, successStatus: 200),
        RouteSpec(method: "POST", path: "/v1/users/{userId}/recommendations", operationID: "postRecommendations",
                  summary: "Recommendations with request-time context items (cart, viewed page) as extra positives.",
                  scope: .read, query: [], attributeFilters: false, body: jsonSmall, successStatus: 200),
        RouteSpec(method: "GET", path: "/v1/items/{itemId}/similar", operationID: "getSimilarItems",
                  summary: "Items similar to one item (kNN on its vector).",
                  scope: .read, query: listing, attributeFilters: true, body: .none, successStatus: 200),
        RouteSpec(method: "POST", path: "/v1/search", operationID: "search",
                  summary: "Multimodal search (text, image or both), optionally personalized.",
                  scope: .read, query: [], attributeFilters: false, body: .json(maxBytes: searchBodyLimit), successStatus: 200),
        RouteSpec(method: "POST", path: "/v1/recommend", operationID: "recommendFromExamples",
                  summary: "Recommendations from positive and negative example items (average_vector or best_score).",
                  scope: .read, query: [], attributeFilters: false, body: jsonSmall, successStatus: 200),
        RouteSpec(method: "GET", path: "/v1/popular", operationID: "getPopular", summary: "Items by decayed popularity.",
                  scope: .read, query: [.init("limit", "integer", "1 to 100 (default 20)."), .init("category", "string", "Only this category."),
                                        .init("available", "boolean", "Only items with this availability."), asOf],
                  attributeFilters: false, body: .none, successStatus: 200),
        RouteSpec(method: "GET", path: "/v1/trending", operationID: "getTrending",
                  summary: "Items with the most recent interactions, and top categories by decayed counters.",
                  scope: .read, query: [.init("limit", "integer", "1 to 100 (default 20)."), .init("category", "string", "Only this category."),
                                        .init("windowHours", "integer", "Recent window in hours, 1 to 720 (default 24)."), asOf],
                  attributeFilters: false, body: .none, successStatus: 200),
        RouteSpec(method: "POST", path: "/v1/events", operationID: "postEvents",
                  summary: "Up to 500 interaction events, produced to Kafka; 202 once the broker acknowledged all.",
                  scope: .events, query: [], attributeFilters: false, body: .json(maxBytes: eventsBodyLimit), successStatus: 202),
        RouteSpec(method: "GET", path: "/v1/users/{userId}/profile", operationID: "getUserProfile",
                  summary: "Profile summary: counts, top categories, last events.",
                  scope: .read, query: [], attributeFilters: false, body: .none, successStatus: 200),
        RouteSpec(method: "DELETE", path: "/v1/users/{userId}", operationID: "deleteUser",
                  summary: "Removes a user's profile and interactions.",
                  scope: .admin, query: [], attributeFilters: false, body: .none, successStatus: 200),
        RouteSpec(method: "GET", path: "/v1/items/{itemId}", operationID: "getItem", summary: "One catalog item.",
                  scope: .read, query: [], attributeFilters: false, body: .none, successStatus: 200),
        RouteSpec(method: "GET", path: "/health", operationID: "health", summary: "Liveness.",
                  scope: nil, query: [], attributeFilters: false, body: .none, successStatus: 200),
        RouteSpec(method: "GET", path: "/ready", operationID: "ready", summary: "Readiness: database and broker reachable.",
                  scope: nil, query: [], attributeFilters: false, body: .none, successStatus: 200),
        RouteSpec(method: "GET", path: "/metrics", operationID: "metrics", summary: "Prometheus metrics.",
                  scope: .admin, query: [], attributeFilters: false, body: .none, successStatus: 200),
        RouteSpec(method: "GET", path: "/openapi.json", operationID: "openapi", summary: "This API's OpenAPI 3 document.",
                  scope: nil, query: [], attributeFilters: false, body: .none, successStatus: 200),
    ]

    /// The routes whose template matches `path` (a raw request path, no query), as the router matches it:
    /// empty segments are ignored, a `{parameter}` matches any one segment.
    public static func routes(matching path: String) -> [RouteSpec] {
        let segments = path.split(separator: "/")
        return all.filter { spec in
            let template = spec.path.split(separator: "/")
            return template.count == segments.count
                && zip(template, segments).allSatisfy { t, s in t.hasPrefix("{") || t == s }
        }
    }

    /// The OpenAPI 3.0 document for ``all``.
    public static func openAPIDocument() -> JSONValue {
        let errorRef: JSONValue = ["$ref": "#/components/responses/Error"]
        var paths = [String: [String: JSONValue]]()
        for r in all {
            var params = [JSONValue]()
            for p in r.pathParameters {
                params.append(["name": .string(p), "in": "path", "required": true, "schema": ["type": "string", "maxLength": 256]])
            }
            for q in r.query {
                params.append(["name": .string(q.name), "in": "query", "required": false, "description": .string(q.description),
                               "schema": ["type": .string(q.type)]])
            }
            var op: [String: JSONValue] = [
                "operationId": .string(r.operationID), "summary": .string(r.summary),
                "responses": .object([
                    String(r.successStatus): ["description": "Success", "content": ["application/json": ["schema": ["type": "object"]]]],
                    "400": errorRef, "401": errorRef, "403": errorRef, "404": errorRef, "413": errorRef, "503": errorRef,
                ]),
            ]
            if r.body != .none, case .object(var responses)? = op["responses"] {
                // The body did not arrive within the body timeout (`rec serve --body-timeout`).
                responses["408"] = errorRef
                op["responses"] = .object(responses)
            }
            if r.attributeFilters {
                op["x-attribute-filters"] = "Query parameters attr.<name>=<value> keep items whose attributes contain name: value."
            }
            if !params.isEmpty { op["parameters"] = .array(params) }
            if case .json(let max) = r.body {
                op["requestBody"] = ["required": true, "content": ["application/json": ["schema": ["type": "object"]]],
                                     "description": .string("JSON, at most \(max) bytes.")]
            }
            op["security"] = r.scope == nil ? [] : [["apiKey": [.string(r.scope!.rawValue)]], ["bearer": [.string(r.scope!.rawValue)]]]
            paths[r.path, default: [:]][r.method.lowercased()] = .object(op)
        }
        return [
            "openapi": "3.0.3",
            "info": [
                "title": "rec recommendations API", "version": "1.0.0",
                "description": .string("Errors are {\"error\":{\"code\",\"message\"}}. A method not listed for a path answers 405 "
                    + "method_not_allowed with an Allow header; an unknown path 404 route_not_found; a request head or body that "
                    + "does not arrive within the server's timeouts 408 request_timeout, and the connection is closed."),
            ],
            "paths": .object(paths.mapValues { .object($0) }),
            "components": [
                "securitySchemes": [
                    "apiKey": ["type": "apiKey", "in": "header", "name": "x-api-key"],
                    "bearer": ["type": "http", "scheme": "bearer"],
                ],
                "responses": ["Error": ["description": "Error", "content": ["application/json": ["schema": [
                    "type": "object", "required": ["error"],
                    "properties": ["error": ["type": "object", "required": ["code", "message"],
                                             "properties": ["code": ["type": "string"], "message": ["type": "string"]]]],
                ]]]]],
            ],
        ]
    }
}
