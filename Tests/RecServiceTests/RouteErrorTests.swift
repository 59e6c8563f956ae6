import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import RecCore
import Testing
@testable import RecService

/// Requests that match no route: 405 with `Allow` for a known path, 404 otherwise (no database needed).
@Suite("Route errors")
struct RouteErrorTests {
    @Test func aWrongMethodOnAKnownPathIs405WithAllow() async throws {
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: "postgresql://rec@127.0.0.1:1/unused", maxConnections: 1))
        defer { pool.close() }
        let metrics = ServiceMetrics()
        let deps = RecAPIDependencies(pool: pool, recommender: try ServiceTestStack.recommender(pool), auth: .disabled, metrics: metrics)
        try await Application(router: RecAPI(deps).makeRouter()).test(.router) { client in
            let search = try await client.call(.get, "/v1/search")
            #expect(search.status == 405)
            #expect(search.headers[.allow] == "POST")
            #expect(search.errorCode == "method_not_allowed")
            let user = try await client.call(.get, "/v1/users/u1")
            #expect(user.status == 405 && user.headers[.allow] == "DELETE")
            let recs = try await client.call(.put, "/v1/users/u1/recommendations", body: "{}")
            #expect(recs.status == 405 && recs.headers[.allow] == "GET, POST")
            let odd = try await client.call(HTTPRequest.Method("FROB")!, "/health")
            #expect(odd.status == 405 && odd.headers[.allow] == "GET")
            let unknown = try await client.call(.get, "/v1/nope")
            #expect(unknown.status == 404 && unknown.errorCode == "route_not_found" && unknown.headers[.allow] == nil)
            #expect(try await client.call(.get, "/health").status == 200)
        }
        let text = metrics.render(poolInUse: 0, poolSize: 1)
        #expect(text.contains(#"rec_http_requests_total{method="GET",route="/v1/search",status="405"} 1"#))
        #expect(text.contains(#"rec_http_requests_total{method="other",route="/health",status="405"} 1"#), "unknown methods are one label")
    }

    @Test func routesMatchTemplatesAsTheRouterDoes() {
        #expect(RouteTable.routes(matching: "/v1/search").map(\.method) == ["POST"])
        #expect(RouteTable.routes(matching: "/v1/users/u1").map(\.method) == ["DELETE"])
        #expect(Set(RouteTable.routes(matching: "/v1/users/u1/recommendations").map(\.method)) == ["GET", "POST"])
        #expect(RouteTable.routes(matching: "/v1/nope").isEmpty)
        #expect(RouteTable.routes(matching: "/v1/items/a/b/c").isEmpty)
    }

    @Test func theOpenAPIDocumentTellsOf405And408() {
        guard case .object(let doc) = RouteTable.openAPIDocument(), case .object(let paths)? = doc["paths"],
              case .object(let info)? = doc["info"], case .string(let description)? = info["description"] else {
            Issue.record("no paths or description"); return
        }
        #expect(description.contains("405") && description.contains("Allow") && description.contains("408"))
        func responses(_ path: String, _ method: String) -> [String: JSONValue] {
            guard case .object(let ops)? = paths[path], case .object(let op)? = ops[method], case .object(let r)? = op["responses"] else { return [:] }
            return r
        }
        #expect(responses("/v1/search", "post")["408"] != nil, "a body can time out")
        #expect(responses("/health", "get")["408"] == nil)
    }
}
