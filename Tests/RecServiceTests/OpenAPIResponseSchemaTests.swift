import BedrockTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Postgres
import RecCore
import Testing
@testable import RecService

/// Every route answers what `/openapi.json` says it answers: real responses (success and errors) of every
/// route, validated against the published schemas.
@Suite("OpenAPI response schemas", .enabled(if: ServiceTestStack.integration), .serialized)
struct OpenAPIResponseSchemaTests {
    /// Accepts every batch, keeping it.
    final class RecordingSink: EventSink {
        let published = NIOLockedValueBox<[SubmittedEvent]>([])
        func publish(_ events: [SubmittedEvent]) async throws { published.withLockedValue { $0 += events } }
    }

    /// One exchange to validate: the route template it exercises and what it sends.
    struct Exchange: Sendable {
        var method: HTTPRequest.Method
        var template: String
        var uri: String
        var body: String?
        var status: Int
    }

    @Test func everyRouteAnswersWhatItsSchemaSays() async throws {
        let fake = try FakeBedrockEndpoint()
        defer { fake.shutdown() }
        let brokerUp = NIOLockedValueBox(true)
        let sink = RecordingSink()
        try await ServiceTestStack.withSchema { pool, conn in
            let catalog = try TestCatalog.seed(conn)
            try ServiceTestStack.insertProfile(conn, user: "ann", longTerm: catalog.sum(["dresses-red-1", "dresses-red-2"]),
                                               session: catalog.vectors["bags-red-1"]!, negative: catalog.vectors["shoes-blue-0"]!,
                                               categories: #"{"dresses":2.5,"bags":1}"#)
            try ServiceTestStack.insertInteraction(conn, user: "ann", item: "dresses-red-1", type: "purchase")
            try ServiceTestStack.insertInteraction(conn, user: "bob", item: "bags-red-1", type: "view")  // interactions, no profile yet
            try ServiceTestStack.insertProfile(conn, user: "cy", longTerm: catalog.sum(["shoes-red-1"]), categories: #"{"shoes":1.25}"#)
            try ServiceTestStack.insertInteraction(conn, user: "cy", item: "shoes-red-1", type: "rating")
            try conn.query("UPDATE items SET price = 19.5, image_url = 'https://shop.example/bags-red-1.png' WHERE id = 'bags-red-1'")
            let deps = RecAPIDependencies(pool: pool, recommender: try ServiceTestStack.recommender(pool), auth: .disabled,
                                          embedder: try ServiceTestStack.fakeEmbedder(fake), events: sink,
                                          brokerCheck: { if !brokerUp.withLockedValue({ $0 }) { throw RecServiceError(.unavailable, "down") } })
            let event = #"{"eventId":"6f1c8e0e-3a3b-4a4f-9b0e-1d2c3b4a5f60","occurredAt":"2026-01-15T08:00:00.5+01:00","userId":"u","productId":"p","type":"rating","value":4.5,"sessionId":"s"}"#
            let exchanges: [Exchange] = [
                .init(method: .get, template: "/v1/users/{userId}/recommendations", uri: "/v1/users/ann/recommendations?limit=5&explain=true", status: 200),
                .init(method: .get, template: "/v1/users/{userId}/recommendations", uri: "/v1/users/newbie/recommendations?limit=5", status: 200),
                .init(method: .post, template: "/v1/users/{userId}/recommendations", uri: "/v1/users/ann/recommendations",
                      body: #"{"limit":5,"context":["bags-blue-0"],"explain":true,"filters":{"available":true}}"#, status: 200),
                .init(method: .get, template: "/v1/items/{itemId}/similar", uri: "/v1/items/dresses-red-0/similar?limit=3&explain=true", status: 200),
                .init(method: .post, template: "/v1/search", uri: "/v1/search", body: "{\"text\":\"\(TestCatalog.caption)\",\"limit\":3,\"explain\":true}", status: 200),
                .init(method: .post, template: "/v1/recommend", uri: "/v1/recommend",
                      body: #"{"positive":["dresses-red-1"],"negative":[{"id":"dresses-blue-1","weight":1}],"limit":5,"explain":true}"#, status: 200),
                .init(method: .get, template: "/v1/popular", uri: "/v1/popular?limit=3", status: 200),
                .init(method: .get, template: "/v1/trending", uri: "/v1/trending?limit=5", status: 200),
                .init(method: .post, template: "/v1/events", uri: "/v1/events", body: "{\"events\":[\(event)]}", status: 202),
                .init(method: .get, template: "/v1/users/{userId}/profile", uri: "/v1/users/ann/profile", status: 200),
                .init(method: .get, template: "/v1/users/{userId}/profile", uri: "/v1/users/bob/profile", status: 200),
                .init(method: .get, template: "/v1/items/{itemId}", uri: "/v1/items/bags-red-1", status: 200),
                .init(method: .get, template: "/v1/items/{itemId}", uri: "/v1/items/dresses-red-1", status: 200),
                .init(method: .delete, template: "/v1/users/{userId}", uri: "/v1/users/ann", status: 200),
                .init(method: .get, template: "/health", uri: "/health", status: 200),
                .init(method: .get, template: "/ready", uri: "/ready", status: 200),
                .init(method: .get, template: "/metrics", uri: "/metrics", status: 200),
                .init(method: .get, template: "/openapi.json", uri: "/openapi.json", status: 200),
                // Errors.
                .init(method: .get, template: "/v1/users/{userId}/recommendations", uri: "/v1/users/ann/recommendations?limit=0", status: 400),
                .init(method: .post, template: "/v1/events", uri: "/v1/events", body: "{\"events\":[\(event.replacingOccurrences(of: "2026", with: "2126"))]}", status: 400),
                .init(method: .get, template: "/v1/items/{itemId}", uri: "/v1/items/nope", status: 404),
                .init(method: .get, template: "/v1/users/{userId}/profile", uri: "/v1/users/nobody/profile", status: 404),
                .init(method: .post, template: "/v1/users/{userId}/recommendations", uri: "/v1/users/ann/recommendations",
                      body: "{\"context\":[\"" + String(repeating: "x", count: 300 * 1024) + "\"]}", status: 413),
            ]
            let app = Application(router: RecAPI(deps).makeRouter())
            try await app.test(.router) { client in
                let published = try await client.call(.get, "/openapi.json")
                let document = try #require(published.json)
                let validator = JSONSchemaValidator(document: document)
                var answered = Set<String>()
                for x in exchanges {
                    let r = try await client.call(x.method, x.uri, body: x.body)
                    let label = "\(x.method) \(x.uri.prefix(60)) → \(r.status)"
                    #expect(r.status == x.status, "\(label): \(r.text.prefix(300))")
                    answered.insert("\(x.method) \(x.template) \(r.status)")
                    try validate(r, validator, method: x.method.rawValue, template: x.template, label: label)
                }
                // Errors outside any route: 405 and 404 route_not_found, in the error schema.
                let errorSchema = try #require(validator.resolve("#/components/schemas/Error"))
                for (method, uri, status) in [(HTTPRequest.Method.put, "/v1/search", 405), (.get, "/v1/nowhere", 404)] {
                    let r = try await client.call(method, uri)
                    #expect(r.status == status)
                    #expect(validator.violations(try #require(r.json), errorSchema).isEmpty, "\(r.text)")
                }
                // Readiness with the broker down: 503 with its own body.
                brokerUp.withLockedValue { $0 = false }
                let notReady = try await client.call(.get, "/ready")
                #expect(notReady.status == 503)
                answered.insert("GET /ready 503")
                try validate(notReady, validator, method: "GET", template: "/ready", label: "GET /ready (broker down)")

                // The catalog routes answer what the catalog reader reads, to the byte (their types only carry it).
                let reader = CatalogReader(pool: pool, weights: deps.recommender.configuration.weights)
                let at = RFC3339.format(Date())
                let instant = try #require(RFC3339.parse(at))
                func withRequestID(_ v: JSONValue, _ r: HTTPResult) -> String {
                    guard case .object(var o) = v else { return "" }
                    o["requestId"] = r["requestId"]
                    return JSONValue.object(o).jsonText
                }
                let item = try await client.call(.get, "/v1/items/bags-red-1")
                #expect(item.text == (try await reader.item(id: "bags-red-1"))?.jsonText)
                for user in ["bob", "cy"] {
                    let profile = try await client.call(.get, "/v1/users/\(user)/profile")
                    #expect(profile.text == (try await reader.profile(userID: user))?.jsonText)
                }
                let popular = try await client.call(.get, "/v1/popular?limit=3&asOf=\(at)")
                #expect(popular.text == withRequestID(["items": .array(try await reader.popular(limit: 3, category: nil, available: nil, now: instant))], popular))
                let trending = try await client.call(.get, "/v1/trending?limit=5&asOf=\(at)")
                #expect(trending.text == withRequestID(try await reader.trending(limit: 5, category: nil, window: 86_400, now: instant), trending))

                // Every route was called, and every documented success body was seen.
                for spec in RouteTable.all {
                    for body in spec.responses {
                        #expect(answered.contains("\(spec.method) \(spec.path) \(body.status)"), "\(spec.method) \(spec.path) \(body.status) not exercised")
                    }
                }
            }
            #expect(sink.published.withLockedValue { $0.count } == 1)
        }
    }

    /// `r`'s body against the schema the document publishes for its route and status (errors: the route's
    /// reference to the error response), and its content type.
    func validate(_ r: HTTPResult, _ validator: JSONSchemaValidator, method: String, template: String, label: String) throws {
        let mediaType = r.headers[.contentType] ?? ""
        let schema = try #require(validator.responseSchema(method, template, status: r.status, mediaType: mediaType),
                                  "\(label): no schema for \(r.status) \(mediaType)")
        let body: JSONValue = mediaType == "application/json" ? try #require(r.json, "\(label): not JSON") : .string(r.text)
        let problems = validator.violations(body, schema)
        #expect(problems.isEmpty, "\(label): \(problems.prefix(10).joined(separator: "; ")) in \(r.text.prefix(400))")
    }
}
