import RecApp
import ArgumentParser
import BedrockClient
import Consumers
import Foundation
import Kafka
import Logging
import Postgres
import Profiles
import RecCore

/// `rec demo` (`rec demo run`): the product end to end, as a person would see it.
///
/// Publishes a generated catalog to Kafka, waits until the running consumers
/// (`rec consume all`) have embedded every product through Titan into pgvector,
/// sends scripted users' interactions through the HTTP API (`POST /v1/events`,
/// so they travel Kafka → profiles like any client's), waits until the
/// profiles hold them, then prints each user's recommendations with their
/// explanations and a text search, and checks that they make sense.
struct DemoRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Publish a demo catalog, script a few users, print their recommendations and a search.",
        discussion: "Needs the stack, `rec consume all` and `rec serve` running (deploy/local/stack demo starts them)."
    )

    @Option(help: "Products in the demo catalog.")
    var count = 300
    @Option(help: "Catalog generator seed.")
    var seed: UInt64 = 42
    @Option(help: "API base URL (default: http://$REC_HTTP_HOST:$REC_HTTP_PORT).")
    var baseURL: String?
    @Option(help: "API key with read and events scopes (default: $REC_API_KEY; none when the server runs without auth).")
    var apiKey: String?
    @Option(help: "Seconds to wait for ingestion and profiles.")
    var timeout: Int = 600
    @Option(help: "Publish image URLs instead of inline images: each product's PNG is written to --image-dir and sent as imageUrl <prefix><id>.png (the consumers, and serve's console, fetch it under their image policy: a loopback URL needs REC_IMAGE_ALLOW_CIDRS, file:// needs REC_IMAGE_FILE_DIR).")
    var imageURLPrefix: String?
    @Option(help: "Where --image-url-prefix's PNGs are written.")
    var imageDir: String?

    func run() async throws {
        let app = try AppConfiguration.fromEnvironment()
        let kafka = try app.kafkaConfiguration()
        let pool = try app.makePool()
        defer { pool.close() }
        let base = try baseURL ?? "http://\(app.httpHost):\(app.httpPort())"
        let api = DemoAPI(base: base, key: apiKey ?? app.apiKey)
        let deadline = ContinuousClock.now + .seconds(timeout)

        // 1. The catalog, through Kafka and Titan into pgvector.
        var products = DemoCatalog.products(count: count, seed: seed)
        if let prefix = imageURLPrefix {
            guard let dir = imageDir else { throw ValidationError("--image-url-prefix needs --image-dir") }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for i in products.indices {
                guard case .inline(let png)? = products[i].image else { continue }
                try Data(png).write(to: URL(fileURLWithPath: dir).appendingPathComponent("\(products[i].id).png"))
                products[i].image = .url(prefix + products[i].id + ".png")
            }
        }
        let ids = products.map(\.id)
        let topic = app.catalogTopic
        try await app.ensureTopics(try app.catalogTopicSpecs(topic), logger: Logger(label: "rec.demo"))
        try await DemoPublishCatalog.publish(products, topic: topic, kafka: kafka)
        print("published \(products.count) products to \(topic); waiting for `rec consume` to embed them…")
        var last = -1
        while true {
            let n = try await pool.query(
                "SELECT count(DISTINCT e.item_id) FROM item_embeddings e JOIN items i ON i.id = e.item_id WHERE e.item_id = ANY(\(bind: ids)) AND i.deleted_at IS NULL"
                    as PostgresQuery).first!.int(0)
            if n != last { print("  \(n)/\(ids.count) products embedded"); last = n }
            if n == ids.count { break }
            guard ContinuousClock.now < deadline else { throw ValidationError("only \(n) of \(ids.count) products were ingested in \(timeout) s: is `rec consume all` running? (.stack/log/consume.log)") }
            try await Task.sleep(for: .seconds(1))
        }

        // 2. Scripted users, through POST /v1/events.
        let script = DemoScript(products: products)
        let events = script.events()
        let scripted = Dictionary(grouping: events, by: { $0["userId"] as! String }).mapValues(\.count)
        // Re-runs add to earlier profiles: wait for the counts to grow by this run's events.
        var expected = scripted
        for (user, p) in try await Self.profiles(Array(scripted.keys), pool: pool) { expected[user, default: 0] += p.eventCount }
        let body = try JSONSerialization.data(withJSONObject: ["events": events])
        let accepted = try await api.call("POST", "/v1/events", body: Array(body))
        print("POST /v1/events: \(events.count) interactions accepted (\(accepted["accepted"] ?? "?") acknowledged by the broker)")
        while true {
            let have = try await Self.profiles(Array(expected.keys), pool: pool).mapValues(\.eventCount)
            if expected.allSatisfy({ have[$0.key, default: 0] >= $0.value }) { break }
            guard ContinuousClock.now < deadline else { throw ValidationError("profiles did not reach the scripted events in \(timeout) s: is `rec consume all` running?") }
            try await Task.sleep(for: .milliseconds(500))
        }
        print("profiles updated for \(expected.keys.sorted().joined(separator: ", "))\n")

        // 3. What a shop front-end would show.
        var failures = [String]()
        for user in DemoScript.users {
            let result = try await api.call("GET", "/v1/users/\(user.id)/recommendations?limit=5&explain=true&diversity=0.2")
            let items = result["items"] as? [[String: Any]] ?? []
            let strategy = result["strategy"] as? String ?? "?"
            print("▶ \(user.id) — \(user.story)")
            print("  strategy: \(strategy)\((result["fallback"] as? Bool) == true ? " (no profile yet: popularity/freshness fallback)" : "")")
            for item in items { print("  " + Self.describe(item)) }
            if let failure = user.check(items, (result["fallback"] as? Bool) == true) { failures.append("\(user.id): \(failure)") }
            print("")
        }
        let query = "warm dimmable desk lamp"
        let search = try await api.call("POST", "/v1/search", body: Array(try JSONSerialization.data(withJSONObject: ["text": query, "limit": 5, "explain": true])))
        let found = search["items"] as? [[String: Any]] ?? []
        print("▶ search: \"\(query)\"")
        for item in found { print("  " + Self.describe(item)) }
        if !(found.first.map { ($0["categories"] as? [String] ?? []).contains("lighting") } ?? false) {
            failures.append("search for \"\(query)\" did not put a lighting product first")
        }
        print("")
        print("▶ web console: \(base)/console — " + (app.demoConsoleKey.map { "log in with the admin key \($0)" }
            ?? "log in with an admin key (rec apikeys create --name console --scopes admin)"))
        print("")
        if failures.isEmpty {
            print("demo: every scripted user got what their story predicts ✓")
        } else {
            print("demo: \(failures.count) check(s) failed:\n  " + failures.joined(separator: "\n  "))
            throw ExitCode.failure
        }
    }

    /// The stored profiles (counters only, in the live embedding space) of `users`, by user id.
    static func profiles(_ users: [String], pool: PostgresPool) async throws -> [String: ProfileState] {
        try await pool.withConnection { conn in
            let live = try conn.query("SELECT name FROM embedding_spaces WHERE state = 'live'").first.map { try $0.string(0) } ?? "default"
            return try ProfileTable().read(users, space: live, parts: .counters, on: conn)
        }
    }

    static func describe(_ item: [String: Any]) -> String {
        let rank = (item["rank"] as? NSNumber)?.intValue ?? 0
        let title = item["title"] as? String ?? "?"
        let cats = (item["categories"] as? [String] ?? []).joined(separator: ",")
        let score = (item["score"] as? NSNumber)?.doubleValue ?? 0
        var line = String(format: "%2d. %-46@ %-10@ score %.3f", rank, title as NSString, cats as NSString, score)
        if let e = item["explanation"] as? [String: Any] {
            let parts = ["longTerm", "session", "negative", "popularity", "freshness", "query", "context"].compactMap { k -> String? in
                guard let v = (e[k] as? NSNumber)?.doubleValue, abs(v) >= 0.0005 else { return nil }
                return String(format: "%@ %+.3f", k, v)
            }
            line += "  = " + parts.joined(separator: ", ")
        }
        return line
    }
}

/// A tiny JSON-over-HTTP client for the demo, through the product's own libcurl transport.
struct DemoAPI {
    let base: String
    let key: String?
    let transport = CurlHTTPTransport(maxConnections: 2)

    func call(_ method: String, _ path: String, body: [UInt8] = []) async throws -> [String: Any] {
        var headers: [(name: String, value: String)] = [("accept", "application/json")]
        if !body.isEmpty { headers.append(("content-type", "application/json")) }
        if let key { headers.append(("x-api-key", key)) }
        let response: HTTPTransportResponse
        do {
            response = try await transport.send(HTTPTransportRequest(method: method, url: base + path, headers: headers, body: body, timeout: 30))
        } catch {
            throw ValidationError("\(method) \(path): \(error) — is `rec serve` running at \(base)?")
        }
        let json = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        guard (200..<300).contains(response.status) else {
            let message = ((json["error"] as? [String: Any])?["message"] as? String) ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            throw ValidationError("\(method) \(path): HTTP \(response.status): \(message)")
        }
        return json
    }
}

/// The scripted users and the events that tell their stories.
struct DemoScript {
    struct User: Sendable {
        let id: String
        let story: String
        /// nil when the list fits the story, else why not.
        let check: @Sendable ([[String: Any]], Bool) -> String?
    }

    static func categoryCount(_ items: [[String: Any]], _ category: String) -> Int {
        items.filter { ($0["categories"] as? [String] ?? []).contains(category) }.count
    }

    static let users: [User] = [
        User(id: "demo-alice", story: "viewed, carted and bought footwear") { items, fallback in
            let n = categoryCount(items, "footwear")
            return !fallback && n >= 3 ? nil : "expected mostly footwear, got \(n) of \(items.count)"
        },
        User(id: "demo-bob", story: "listens to audio gear, dismissed kitchen items") { items, fallback in
            let audio = categoryCount(items, "audio"), kitchen = categoryCount(items, "kitchen")
            return !fallback && audio >= 3 && kitchen == 0 ? nil : "expected audio and no kitchen, got \(audio) audio, \(kitchen) kitchen"
        },
        User(id: "demo-carol", story: "is browsing lamps in her current session") { items, fallback in
            let n = categoryCount(items, "lighting")
            return !fallback && n >= 3 ? nil : "expected mostly lighting, got \(n) of \(items.count)"
        },
        User(id: "demo-dave", story: "is new: no events yet") { items, fallback in
            fallback && !items.isEmpty ? nil : "expected the popularity/freshness fallback"
        },
    ]

    let products: [CatalogProduct]

    func events() -> [[String: Any]] {
        let byCategory = Dictionary(grouping: products.filter(\.available), by: { $0.categories.first ?? "" })
        let now = Date()
        var out = [[String: Any]]()
        var minute = 0.0
        func add(_ user: String, _ item: CatalogProduct, _ type: String, session: String? = nil, value: Double? = nil) {
            minute += 1
            var e: [String: Any] = [
                "eventId": UUID().uuidString.lowercased(), "userId": user, "productId": item.id, "type": type,
                "occurredAt": RFC3339.format(now.addingTimeInterval(-3600 + minute * 20)),
            ]
            if let session { e["sessionId"] = session }
            if let value { e["value"] = value }
            out.append(e)
        }
        let footwear = byCategory["footwear", default: []], audio = byCategory["audio", default: []]
        let kitchen = byCategory["kitchen", default: []], lighting = byCategory["lighting", default: []]
        for p in footwear.prefix(6) { add("demo-alice", p, "view") }
        for p in footwear.prefix(3) { add("demo-alice", p, "add_to_cart") }
        for p in footwear.prefix(2) { add("demo-alice", p, "purchase") }
        for p in audio.prefix(5) { add("demo-bob", p, "view") }
        add("demo-bob", audio[0], "purchase")
        add("demo-bob", audio[1], "rating", value: 5)
        for p in kitchen.prefix(4) { add("demo-bob", p, "dismiss") }
        for p in lighting.prefix(5) { add("demo-carol", p, "view", session: "carol-evening") }
        add("demo-carol", lighting[1], "click", session: "carol-evening")
        return out
    }
}
