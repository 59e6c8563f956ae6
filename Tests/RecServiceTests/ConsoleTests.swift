import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import RecCore
import Testing
@testable import RecService

/// The web console without services: its route table, static files and headers, and the pure parts of the
/// pipeline view (Prometheus text, rates, metrics sources).
@Suite("Console")
struct ConsoleTests {
    @Test func consoleRoutesAreAdminOnlyAndLeftOutOfThePublicDocument() throws {
        let open: Set<String> = ["/console", "/console/app.js", "/console/app.css", "/console/icon.svg"]
        for route in RouteTable.console {
            let spec = route.spec
            #expect(spec.path.hasPrefix("/console"))
            if open.contains(spec.path) { #expect(spec.scope == nil, "\(spec.path)") } else { #expect(spec.scope == .admin, "\(spec.path) must be admin-only") }
        }
        guard case .object(let doc) = RouteTable.openAPIDocument(), case .object(let paths)? = doc["paths"] else { Issue.record("no paths"); return }
        #expect(!paths.keys.contains { $0.hasPrefix("/console") }, "the public document describes the console")
        guard case .object(let console) = RouteTable.consoleDocument, case .object(let cpaths)? = console["paths"] else { Issue.record("no console document"); return }
        #expect(Set(cpaths.keys) == Set(RouteTable.console.map(\.spec.path)))
        #expect(RouteTable.routes(matching: "/console/api/users/u1").map(\.method) == ["GET"], "405s know the console routes")
    }

    @Test func staticFilesCarryTheirHeadersAndRevalidate() async throws {
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: "postgresql://rec@127.0.0.1:1/unused", maxConnections: 1))
        defer { pool.close() }
        var deps = RecAPIDependencies(pool: pool, recommender: try ServiceTestStack.recommender(pool), auth: .apiKeys(APIKeyStore(pool: pool)))
        deps.console = ConsoleDependencies()
        try await Application(router: RecAPI(deps).makeRouter()).test(.router) { client in
            let page = try await client.call(.get, "/console")
            #expect(page.status == 200)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let csp = try #require(page.headers[.contentSecurityPolicy])
            #expect(csp.contains("script-src 'self'") && csp.contains("style-src 'self'") && !csp.contains("unsafe") && csp.contains("frame-ancestors 'none'"))
            #expect(page.headers[HTTPField.Name("x-content-type-options")!] == "nosniff")
            #expect(!page.text.contains("<script>") && !page.text.contains("style="), "inline code in the page")
            let etag = try #require(page.headers[.eTag])
            let again = try await client.call(.get, "/console", headers: [.ifNoneMatch: etag])
            #expect(again.status == 304 && again.text.isEmpty)
            let script = try await client.call(.get, "/console/app.js")
            #expect(script.status == 200 && script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(!script.text.contains("innerHTML") && !script.text.contains("eval("), "data must be inserted as text")
            #expect(try await client.call(.get, "/console/app.css").headers[.contentType] == "text/css; charset=utf-8")
            // The data API needs a key, and the 405s know the console's paths.
            let api = try await client.call(.get, "/console/api/session")
            #expect(api.status == 401 && api.errorCode == "unauthorized")
            let wrong = try await client.call(.post, "/console/api/pipeline", body: "{}")
            #expect(wrong.status == 405 && wrong.headers[.allow] == "GET")
        }
    }

    @Test func withoutConsoleDependenciesNothingIsServed() async throws {
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: "postgresql://rec@127.0.0.1:1/unused", maxConnections: 1))
        defer { pool.close() }
        let deps = RecAPIDependencies(pool: pool, recommender: try ServiceTestStack.recommender(pool), auth: .disabled)
        try await Application(router: RecAPI(deps).makeRouter()).test(.router) { client in
            let r = try await client.call(.get, "/console")
            #expect(r.status == 404 && r.errorCode == "route_not_found")
        }
    }

    @Test func prometheusTextParses() {
        let text = """
            # HELP rec_consumer_messages_total Messages.
            # TYPE rec_consumer_messages_total counter
            rec_consumer_messages_total{pipeline="interactions",outcome="done"} 42
            rec_consumer_lag{pipeline="interactions",topic="a \\"b\\"\\\\c",partition="3"} 7 1700000000000
            bedrock_request_duration_seconds_bucket{model="m",le="+Inf"} 5
            other_metric 1
            broken{pipeline="x" 1
            rec_consumer_paused_partitions NaN
            """
        let samples = PrometheusSample.parse(text, keep: PipelineHistory.keeps)
        #expect(samples.map(\.name) == ["rec_consumer_messages_total", "rec_consumer_lag", "bedrock_request_duration_seconds_bucket", "rec_consumer_paused_partitions"])
        #expect(samples[0].labels == ["pipeline": "interactions", "outcome": "done"] && samples[0].value == 42)
        #expect(samples[1].labels["topic"] == "a \"b\"\\c" && samples[1].value == 7)
        #expect(samples[2].labels["le"] == "+Inf")
        #expect(samples[3].value.isNaN)
    }

    @Test func countersBecomeRatesOverTheWindow() {
        func scrape(done: Double, requests: Double, latencySum: Double, buckets: [(String, Double)], lag: Double) -> [PrometheusSample] {
            [
                PrometheusSample(name: "rec_consumer_messages_total", labels: ["pipeline": "interactions", "outcome": "done"], value: done),
                PrometheusSample(name: "rec_consumer_lag", labels: ["pipeline": "interactions", "topic": "t", "partition": "0"], value: lag),
                PrometheusSample(name: "rec_consumer_dlq_total", labels: ["pipeline": "interactions"], value: 2),
                PrometheusSample(name: "bedrock_requests_total", labels: ["model": "m"], value: requests),
                PrometheusSample(name: "bedrock_request_duration_seconds_count", labels: ["model": "m"], value: requests),
                PrometheusSample(name: "bedrock_request_duration_seconds_sum", labels: ["model": "m"], value: latencySum),
            ] + buckets.map { PrometheusSample(name: "bedrock_request_duration_seconds_bucket", labels: ["model": "m", "le": $0.0], value: $0.1) }
        }
        var h = PipelineHistory()
        let t0 = Date(timeIntervalSince1970: 1_000)
        h.record(["consume": scrape(done: 100, requests: 10, latencySum: 1, buckets: [("0.05", 8), ("0.5", 10), ("+Inf", 10)], lag: 5)], at: t0)
        #expect(h.ticks.isEmpty && h.windowSeconds == 0)
        guard case .object(let first)? = h.consumers(sources: ["consume"]).first else { Issue.record("no consumer"); return }
        #expect(first["donePerSecond"] == .null, "no rate from one sample")
        h.record(["consume": scrape(done: 150, requests: 30, latencySum: 3, buckets: [("0.05", 8), ("0.5", 30), ("+Inf", 30)], lag: 1)], at: t0.addingTimeInterval(10)) 
        #expect(h.ticks == [PipelineHistory.Tick(at: t0.addingTimeInterval(10), messagesPerSecond: 5, httpRequestsPerSecond: 0)])
        guard case .object(let c)? = h.consumers(sources: ["consume"]).first else { Issue.record("no consumer"); return }
        #expect(c["donePerSecond"] == .number(5) && c["done"] == .number(150) && c["totalLag"] == .number(1))
        guard case .object(let e)? = h.embedding(sources: ["consume"]).first else { Issue.record("no embedding"); return }
        #expect(e["requestsPerSecond"] == .number(2))
        #expect(e["meanLatencyMs"] == .number(100), "2 s over 20 requests in the window")
        #expect(e["p95LatencyMs"] == .number(500), "every request of the window fell in the 0.5 s bucket")
        #expect(h.deadLettersPublished(sources: ["consume"]) == [["source": "consume", "pipeline": "interactions", "count": 2]])
        // A restarted consumer: its counter starts over, counted from zero.
        h.record(["consume": scrape(done: 20, requests: 0, latencySum: 0, buckets: [], lag: 0)], at: t0.addingTimeInterval(20))
        #expect(h.ticks.last?.messagesPerSecond == 2)
        // Old samples age out.
        h.record(["consume": scrape(done: 30, requests: 0, latencySum: 0, buckets: [], lag: 0)], at: t0.addingTimeInterval(1_000))
        #expect(h.snapshots["consume"]?.count == 1 && h.ticks.count == 1)
    }

    @Test func metricsSourcesAreValidated() throws {
        let sources = try MetricsSource.parseList("consume=http://127.0.0.1:28090/metrics, http://10.0.0.5:9100/metrics")
        #expect(sources.map(\.name) == ["consume", "10.0.0.5:9100"])
        for bad in ["ftp://host/metrics", "http://user:pw@host/metrics", "http://host/metrics?x=1", "not a url", "a=http://h/m,a=http://h/n"] {
            #expect(throws: RecServiceError.self, "\(bad)") { try MetricsSource.parseList(bad) }
        }
    }

    @Test func theImageCacheKeepsItsBudget() {
        let cache = ProductImageCache(maxBytes: 1_000)
        cache.put("a", bytes: [UInt8](repeating: 1, count: 200), mediaType: "image/png")
        cache.put("b", bytes: [UInt8](repeating: 2, count: 200), mediaType: "image/png")
        _ = cache.get("a")
        for k in ["c", "d", "e", "f"] { cache.put(k, bytes: [UInt8](repeating: 3, count: 200), mediaType: "image/png") }
        #expect(cache.usage.bytes <= 1_000)
        #expect(cache.get("a") != nil && cache.get("b") == nil, "the least recently used goes first")
        cache.put("huge", bytes: [UInt8](repeating: 0, count: 600), mediaType: "image/png")
        #expect(cache.get("huge") == nil, "one image may not take over the cache")
    }
}
