import BedrockClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Postgres
import RecCore
import Testing
@testable import RecService

/// The console's admin API against a real schema: every route answers what `/console/api/openapi.json` says,
/// and each view's data is what a person would check (profile terms, activity, proxied images, pipeline rates,
/// stored evaluation reports).
@Suite("Console API", .enabled(if: ServiceTestStack.integration), .serialized)
struct ConsoleAPIIntegrationTests {
    /// A consumer's `/metrics`, with its messages counter growing by 30 per scrape.
    final class FakeMetrics: HTTPTransport {
        let scrapes = NIOLockedValueBox(0)
        let urls = NIOLockedValueBox<[String]>([])
        func send(_ request: HTTPTransportRequest) async throws(BedrockError) -> HTTPTransportResponse {
            let n = scrapes.withLockedValue { $0 += 1; return $0 }
            urls.withLockedValue { $0.append(request.url) }
            #expect(!request.followRedirects && request.maxResponseBytes != nil)
            let text = """
                # TYPE rec_consumer_messages_total counter
                rec_consumer_messages_total{pipeline="interactions",outcome="done"} \(n * 30)
                rec_consumer_lag{pipeline="interactions",topic="interactions.v1",partition="0"} 4
                bedrock_requests_total{model="amazon.titan-embed-image-v1"} \(n * 3)
                some_other_family{secret="not relayed"} 1
                """
            return HTTPTransportResponse(status: 200, headers: [("content-type", "text/plain")], body: Array(text.utf8))
        }
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 64)
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 9, count: 64)

    @Test func everyConsoleRouteAnswersWhatItsDocumentSays() async throws {
        let metrics = FakeMetrics()
        let fetched = NIOLockedValueBox<[String]>([])
        try await ServiceTestStack.withSchema { pool, conn in
            let catalog = try TestCatalog.seed(conn)
            try ServiceTestStack.insertProfile(conn, user: "ann", longTerm: catalog.sum(["dresses-red-1", "dresses-red-2"]),
                                               session: catalog.vectors["bags-red-1"]!, negative: catalog.vectors["shoes-blue-0"]!,
                                               categories: #"{"dresses":2.5,"bags":1}"#)
            try ServiceTestStack.insertInteraction(conn, user: "ann", item: "dresses-red-1", type: "purchase", ago: 600)
            try ServiceTestStack.insertInteraction(conn, user: "bob", item: "bags-red-1", type: "view")
            try conn.query("UPDATE items SET image_url = 'https://shop.example/bags-red-1.png' WHERE id = 'bags-red-1'")
            try conn.query("UPDATE items SET image_url = 'https://shop.example/broken' WHERE id = 'bags-blue-1'")
            // The inline images the embedding-space switch-over keeps (its migration 0010 creates the table; here it may not exist yet).
            try conn.execute("CREATE TABLE IF NOT EXISTS item_images (item_id text PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE, sha256 bytea NOT NULL, image bytea NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())")
            try conn.query("INSERT INTO item_images (item_id, sha256, image) VALUES ('shoes-red-1', sha256($1), $1)", [PostgresBytes(Self.jpeg)])
            let report = #"{"rows":[{"name":"rec: blended","strict":{"k":10,"cases":2,"hitRate":0.5,"ndcg":0.3,"mrr":0.2,"coverage":0.1,"novelty":2},"all":{"k":10,"cases":3,"hitRate":0.3,"ndcg":0.2,"mrr":0.1,"coverage":0.1,"novelty":2}}]}"#
            let reportID = try await EvalReportStore(pool: pool).record(label: "ml-1m leave-last-out", parameters: ["split": "leave-last-out"], report: Array(report.utf8))

            var deps = RecAPIDependencies(pool: pool, recommender: try ServiceTestStack.recommender(pool), auth: .disabled)
            deps.console = ConsoleDependencies(
                metricsSources: [try MetricsSource(name: "consume", url: "http://127.0.0.1:9/metrics")], metricsTransport: metrics,
                fetchImage: { url in
                    fetched.withLockedValue { $0.append(url) }
                    if url.hasSuffix("broken") { return [0x3C, 0x68, 0x74, 0x6D, 0x6C] }   // "<html": not an image
                    return Self.png
                },
                deadLetters: { [DeadLetterSummary(topic: "interactions.v1.dlq", exists: true, total: 3, byReason: [("occurredAt is in the future", 3)])] },
                topics: ["catalog.v1", "interactions.v1"])
            let validator = JSONSchemaValidator(document: RouteTable.consoleDocument)
            try await Application(router: RecAPI(deps).makeRouter()).test(.router) { client in
                func call(_ uri: String, _ template: String, status: Int = 200, headers: HTTPFields = [:]) async throws -> HTTPResult {
                    let r = try await client.call(.get, uri, headers: headers)
                    #expect(r.status == status, "\(uri): \(r.text.prefix(300))")
                    if r.headers[.contentType] == "application/json" {
                        let found = validator.responseSchema("GET", template, status: r.status, mediaType: "application/json")
                        #expect(found != nil, "\(uri): no schema for \(r.status)")
                        if let schema = found {
                            let problems = validator.violations(try #require(r.json), schema)
                            #expect(problems.isEmpty, "\(uri): \(problems.prefix(5)) in \(r.text.prefix(300))")
                        }
                        if r.status == 200 { #expect(r.headers[.cacheControl] == "no-store", "\(uri)") }
                    }
                    return r
                }
                let session = try await call("/console/api/session", "/console/api/session")
                #expect(session["auth"]?.string == "off")
                let users = try await call("/console/api/users?q=a", "/console/api/users")
                #expect(users.text.contains("\"ann\"") && !users.text.contains("\"bob\""), "bob has no profile; q is a prefix")

                let ann = try await call("/console/api/users/ann", "/console/api/users/{userId}")
                guard case .array(let terms)? = ann["terms"] else { Issue.record("no terms"); return }
                let byName = Dictionary(uniqueKeysWithValues: terms.compactMap { t -> (String, [String: JSONValue])? in
                    guard case .object(let o) = t, case .string(let n)? = o["term"] else { return nil }
                    return (n, o)
                })
                guard case .array(let nearest)? = byName["longTerm"]?["nearest"], case .object(let top)? = nearest.first else { Issue.record("no nearest items"); return }
                #expect(top["id"]?.string?.hasPrefix("dresses-red") == true, "the long-term taste looks like red dresses: \(top)")
                #expect((byName["negative"]?["weightNow"]?.double ?? 0) < 0, "dislikes count against")
                #expect(ann.text.contains("\"title\":\"red dresses 1\""), "recent events carry titles")
                let bob = try await call("/console/api/users/bob", "/console/api/users/{userId}")
                #expect(bob["hasProfile"] == .bool(false))
                _ = try await call("/console/api/users/nobody", "/console/api/users/{userId}", status: 404)

                let items = try await call("/console/api/items?q=red%20dresses", "/console/api/items")
                #expect(items.text.contains("dresses-red-1") && !items.text.contains("shoes"))
                let activity = try await call("/console/api/items/dresses-red-1/activity?window=24h", "/console/api/items/{itemId}/activity")
                #expect(activity["totals"] == ["purchase": 1] && activity["users"] == .number(1))
                guard case .array(let buckets)? = activity["buckets"] else { Issue.record("no buckets"); return }
                #expect(buckets.count == 24)
                _ = try await call("/console/api/items/dresses-red-1/activity?window=2d", "/console/api/items/{itemId}/activity", status: 400)
                _ = try await call("/console/api/items/nope/activity", "/console/api/items/{itemId}/activity", status: 404)

                // Images: only the item's own stored image, through the fetch policy's closure, cached, revalidated by ETag.
                let image = try await call("/console/api/items/bags-red-1/image", "/console/api/items/{itemId}/image")
                #expect(image.headers[.contentType] == "image/png" && image.headers[.contentLength] == String(Self.png.count))
                #expect(image.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
                let etag = try #require(image.headers[.eTag])
                _ = try await call("/console/api/items/bags-red-1/image", "/console/api/items/{itemId}/image", status: 304, headers: [.ifNoneMatch: etag])
                _ = try await call("/console/api/items/bags-red-1/image", "/console/api/items/{itemId}/image")
                #expect(fetched.withLockedValue { $0 } == ["https://shop.example/bags-red-1.png"], "fetched once, then served from the cache")
                let inline = try await call("/console/api/items/shoes-red-1/image", "/console/api/items/{itemId}/image")
                #expect(inline.headers[.contentType] == "image/jpeg" && inline.headers[.contentLength] == String(Self.jpeg.count))
                _ = try await call("/console/api/items/dresses-red-2/image", "/console/api/items/{itemId}/image", status: 404)
                _ = try await call("/console/api/items/bags-blue-1/image", "/console/api/items/{itemId}/image", status: 502)

                // The pipeline: the configured source's counters become a rate on the second scrape.
                _ = try await call("/console/api/pipeline", "/console/api/pipeline")
                try await Task.sleep(for: .milliseconds(1_100))
                let pipeline = try await call("/console/api/pipeline", "/console/api/pipeline")
                #expect(metrics.urls.withLockedValue { $0 } == ["http://127.0.0.1:9/metrics", "http://127.0.0.1:9/metrics"])
                guard case .array(let consumers)? = pipeline["consumers"], case .object(let c)? = consumers.first else { Issue.record("no consumers"); return }
                #expect(c["source"]?.string == "consume" && (c["donePerSecond"]?.double ?? 0) > 0)
                #expect(!pipeline.text.contains("not relayed"), "only the console's metric families are kept")
                #expect(pipeline.text.contains("occurredAt is in the future"))
                #expect(pipeline.text.contains("item_embeddings_hnsw_256"), "the HNSW index of the served dimension")

                let eval = try await call("/console/api/eval", "/console/api/eval")
                guard case .object(let selected)? = eval["selected"] else { Issue.record("no selected report"); return }
                #expect(selected["id"] == .number(Double(reportID)) && selected["label"]?.string == "ml-1m leave-last-out")
                _ = try await call("/console/api/eval?id=99999", "/console/api/eval", status: 404)
                _ = try await call("/console/api/openapi.json", "/console/api/openapi.json")

                // The public similar-items route with one kind of evidence.
                let content = try await client.call(.get, "/v1/items/dresses-red-0/similar?signals=content&explain=true&limit=5")
                #expect(content.status == 200 && content.ids.first == "dresses-red-0-dup")
                #expect(content.items.allSatisfy { item in
                    if case .object(let e)? = item["explanation"] { return e["covisit"] == .number(0) } else { return false }
                })
                let behaviour = try await client.call(.get, "/v1/items/dresses-red-0/similar?signals=behaviour&explain=true")
                #expect(behaviour.status == 200 && behaviour.ids.isEmpty, "no transitions were recorded")
                #expect(try await client.call(.get, "/v1/items/dresses-red-0/similar?signals=looks").status == 400)
            }
        }
    }
}
