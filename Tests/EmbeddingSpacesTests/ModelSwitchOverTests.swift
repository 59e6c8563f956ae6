import BedrockClient
import Foundation
import IntegrationTestSupport
import Kafka
import Postgres
import RecCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The switch-over of issue #15 against real processes of the local stack (docs/models.md): `rec consume all` and
/// `rec serve` on a fresh schema and fresh topics, embedding through the stack's titan-local. A catalog and
/// events land in space `default` (Titan G1, 256-d); `rec models create b` (Amazon Nova Multimodal Embeddings, 384-d:
/// the Titan → Nova change of model family), backfill and `rec profiles rebuild
/// --space b`; then `rec models activate b` and back to `default` while a steady, bounded load of recommendations,
/// similar items and searches runs against `rec serve`. Not one request may fail, and each answer must come from
/// the space that was live when it started (give or take one refresh interval around a switch).
@Suite(.enabled(if: IntegrationStack.enabled), .serialized) struct ModelSwitchOverTests {
    static var recBinary: String { IntegrationStack.repository.appendingPathComponent(".build/debug/rec").path }
    static let refresh = 0.5  // REC_EMBEDDING_SPACE_REFRESH_S of the processes


    /// The environment of a `rec` child: the stack's titan-local and broker, this test's schema and topics, nothing
    /// else of this process's `REC_*`, `BEDROCK_*` or `KAFKA_*` settings.
    static func environment(url: String, catalogTopic: String, eventsTopic: String, port: Int) throws -> [String: String] {
        let own = IntegrationStack.environment
        guard let titan = own["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"], !titan.isEmpty else {
            throw PostgresError(.invalidConfiguration, "REC_INTEGRATION=1 but AWS_ENDPOINT_URL_BEDROCK_RUNTIME (titan-local) is not set: eval \"$(deploy/local/stack env)\"")
        }
        var env = own.filter { !$0.key.hasPrefix("REC_") && !$0.key.hasPrefix("BEDROCK_") && !$0.key.hasPrefix("KAFKA_") }
        env["DATABASE_URL"] = url
        env["KAFKA_BROKERS"] = own["KAFKA_BROKERS"]
        env["KAFKA_SESSION_TIMEOUT_MS"] = "6000"
        env["KAFKA_HEARTBEAT_INTERVAL_MS"] = "500"
        env["BEDROCK_EMBEDDING_DIMENSIONS"] = "256"
        env["REC_EMBEDDING_SPACE_REFRESH_S"] = String(refresh)
        env["REC_AUTH"] = "off"
        env["REC_CATALOG_TOPIC"] = catalogTopic
        env["REC_CATALOG_GROUP"] = catalogTopic
        env["REC_EVENTS_TOPIC"] = eventsTopic
        env["REC_INTERACTIONS_GROUP"] = eventsTopic
        env["REC_HTTP_PORT"] = String(port)
        return env
    }

    /// Runs `rec <arguments>` to its end; returns its exit status and output.
    static func rec(_ arguments: [String], _ env: [String: String], log: String) async throws -> (status: Int32, output: String) {
        try? FileManager.default.removeItem(atPath: log)
        let status = await IntegrationStack.wait(try IntegrationStack.spawn(recBinary, arguments, environment: env, log: log))
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), output)
    }

    static func event(user: String, item: String, minute: Int, type: String = "view") -> String {
        #"{"eventId":"\#(UUID().uuidString.lowercased())","occurredAt":"2026-11-30T10:\#(String(format: "%02d", minute % 60)):00Z","userId":"\#(user)","productId":"\#(item)","type":"\#(type)"}"#
    }

    /// One answer of the load.
    struct Answer: Sendable {
        var kind: String
        var started: ContinuousClock.Instant
        var status: Int
        var space: String?
        var body: [UInt8]
    }

    @Test func activateAndSwitchBackUnderLoadWithoutAnErrorOrAMixedAnswer() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.recBinary), "build the rec executable first (swift build)")
        try IntegrationStack.ensureVector()
        try await IntegrationStack.withSchema { url in
            let catalogTopic = IntegrationStack.unique("it-switch-catalog"), eventsTopic = IntegrationStack.unique("it-switch-events")
            let port = try IntegrationStack.freePort()
            let env = try Self.environment(url: url, catalogTopic: catalogTopic, eventsTopic: eventsTopic, port: port)
            let dir = FileManager.default.temporaryDirectory.path
            let conn = try PGConnection(url: url)
            func count(_ sql: String) throws -> Int { try conn.query(sql).first!.int(0) }

            // ---- Space `default` (256-d): a catalog with inline PNG images, then events, through real consumers.
            let published = try await Self.rec(["demo", "publish-catalog", "--count", "36"], env, log: "\(dir)/\(catalogTopic)-publish.log")
            try #require(published.status == 0, "publish-catalog: \(published.output)")
            let consumeLog = "\(dir)/\(catalogTopic)-consume.log", serveLog = "\(dir)/\(catalogTopic)-serve.log"
            let consumer = try IntegrationStack.spawn(Self.recBinary, ["consume", "all", "--batch-size", "16"], environment: env, log: consumeLog)
            let server = try IntegrationStack.spawn(Self.recBinary, ["serve"], environment: env, log: serveLog)
            var stopped = false
            func stop() async -> (Int32, Int32) {
                guard !stopped else { return (0, 0) }
                stopped = true
                kill(consumer, SIGTERM)
                kill(server, SIGTERM)
                return (await IntegrationStack.wait(consumer), await IntegrationStack.wait(server))
            }
            do {
                let producer = try KafkaProducer(configuration: try IntegrationStack.kafka())
                defer { producer.close() }
                let users = (0..<6).map { "u\($0)" }
                var events = [KafkaProducerRecord]()
                for (k, u) in users.enumerated() {
                    for j in 0..<8 {
                        let n: Int = (k * 6 + j * 5) % 36 + 1
                        let item = String(format: "demo-%04d", n)
                        let minute: Int = k * 8 + j
                        let value: String = Self.event(user: u, item: item, minute: minute, type: j == 7 ? "purchase" : "view")
                        events.append(KafkaProducerRecord(topic: eventsTopic, key: Array(u.utf8), value: Array(value.utf8)))
                    }
                }
                try #require(try await Self.eventually(.seconds(120)) { try count("SELECT count(*) FROM item_embeddings WHERE space = 'default'") == 36 },
                             "catalog ingested in space default (\(consumeLog))")
                for r in await producer.sendAll(events) { _ = try r.get() }
                try #require(try await Self.eventually(.seconds(120)) {
                    try count("SELECT count(*) FROM interactions WHERE folded") == events.count && count("SELECT count(*) FROM user_profiles WHERE space = 'default'") == users.count
                }, "events folded into space default's profiles (\(consumeLog))")
                #expect(try count("SELECT count(*) FROM item_images") == 36, "inline images kept for re-embedding")

                // ---- Space `b` (Nova, 384-d): create, backfill, rebuild; refused until complete.
                let create = try await Self.rec(["models", "create", "b", "--model-id", NovaModel.multimodalEmbeddingsV1, "--dimensions", "384"], env,
                                                 log: "\(dir)/\(catalogTopic)-create.log")
                try #require(create.status == 0, "models create: \(create.output)")
                let early = try await Self.rec(["models", "activate", "b"], env, log: "\(dir)/\(catalogTopic)-early.log")
                #expect(early.status != 0 && early.output.contains("incomplete"), "activation refused before the backfill: \(early.output)")
                let backfill = try await Self.rec(["models", "backfill", "b", "--batch-size", "10"], env, log: "\(dir)/\(catalogTopic)-backfill.log")
                try #require(backfill.status == 0, "models backfill: \(backfill.output)")
                #expect(backfill.output.contains("36/36 items") && backfill.output.contains("needs re-publish 0"), "\(backfill.output)")
                let again = try await Self.rec(["models", "backfill", "b"], env, log: "\(dir)/\(catalogTopic)-backfill2.log")
                #expect(again.status == 0 && again.output.contains("0/0 items"), "a second backfill finds nothing to do: \(again.output)")
                let rebuild = try await Self.rec(["profiles", "rebuild", "--space", "b"], env, log: "\(dir)/\(catalogTopic)-rebuild.log")
                try #require(rebuild.status == 0, "profiles rebuild: \(rebuild.output)")
                let status = try await Self.rec(["models", "status", "--json"], env, log: "\(dir)/\(catalogTopic)-status.log")
                try #require(status.status == 0, "\(status.output)")
                let spaces = try Self.statusRows(status.output)
                #expect(spaces["b"]?["complete"] as? Bool == true && spaces["b"]?["state"] as? String == "building", "\(status.output)")
                let index: String = (spaces["b"]?["index"] as? String) ?? ""
                #expect(index.hasPrefix("own"), "b has its own index: \(status.output)")
                // Every vector of b is 384-d and made by b's model; profiles too.
                #expect(try count("SELECT count(*) FROM item_embeddings WHERE space = 'b' AND dims = 384 AND model = '\(NovaModel.multimodalEmbeddingsV1)'") == 36)
                #expect(try count("SELECT count(*) FROM item_embeddings WHERE space = 'default' AND model = '\(TitanModel.multimodalEmbeddingsV1)'") == 36)
                #expect(try count("SELECT count(*) FROM user_profiles WHERE space = 'b' AND dims = 384 AND event_count > 0") == users.count)
                // The kNN of each space can use that space's index (forced past the tiny table's sequential scan).
                for (space, dims, index) in [("b", 384, "item_embeddings_space_b"), ("default", 256, "item_embeddings_hnsw_256")] {
                    let plan = try conn.transaction { c -> String in
                        try c.execute("SET LOCAL enable_seqscan = off")
                        return try c.query("""
                            EXPLAIN SELECT e.item_id FROM item_embeddings e WHERE e.space = '\(space)' AND e.dims = \(dims) AND e.kind = $1
                            ORDER BY e.embedding::halfvec(\(dims)) <=> (SELECT embedding FROM item_embeddings WHERE space = '\(space)' LIMIT 1)::halfvec(\(dims)) LIMIT 10
                            """, ["fused"]).map { try $0.string(0) }.joined(separator: "\n")
                    }
                    #expect(plan.contains(index), "the \(space) kNN uses \(index):\n\(plan)")
                }

                // ---- The switch, and back, under load.
                let base = "http://127.0.0.1:\(port)"
                try #require(try await Self.eventually(.seconds(60)) { (try? await Self.get(base + "/health").status) == 200 }, "rec serve is up (\(serveLog))")
                let load = Load(base: base, users: users)
                let running = Task { await load.run(clients: 3) }
                try await Task.sleep(for: .seconds(2))
                let switchA = ContinuousClock.now
                let activateB = try await Self.rec(["models", "activate", "b"], env, log: "\(dir)/\(catalogTopic)-activate-b.log")
                let switchedA = ContinuousClock.now
                try #require(activateB.status == 0, "activate b: \(activateB.output)")
                // A product published while b is live lands in both spaces.
                for r in await producer.sendAll([KafkaProducerRecord(topic: catalogTopic, key: Array("switch-1".utf8), value: Self.product("switch-1"))]) {
                    _ = try r.get()
                }
                try await Task.sleep(for: .seconds(3))
                let switchB = ContinuousClock.now
                let activateDefault = try await Self.rec(["models", "activate", "default"], env, log: "\(dir)/\(catalogTopic)-activate-default.log")
                let switchedB = ContinuousClock.now
                try #require(activateDefault.status == 0, "activate default: \(activateDefault.output)")
                try await Task.sleep(for: .seconds(3))
                load.stop()
                let answers = await running.value

                let failed = answers.filter { $0.status != 200 }
                #expect(failed.isEmpty, "\(failed.count) of \(answers.count) requests failed: \(failed.prefix(3).map { "\($0.kind) \($0.status) \(String(decoding: $0.body.prefix(200), as: UTF8.self))" })")
                #expect(answers.count >= 60, "a steady load ran (\(answers.count) answers)")
                let settle = Duration.seconds(Self.refresh * 2 + 0.5)
                func expected(_ a: Answer) -> String? {
                    if a.started < switchA { return "default" }
                    if a.started > switchedA + settle && a.started < switchB { return "b" }
                    if a.started > switchedB + settle { return "default" }
                    return nil  // around a switch: either space, but one
                }
                var checked = [String: Int]()
                for a in answers where a.status == 200 {
                    #expect(a.space == "default" || a.space == "b", "\(a.kind) answered from \(a.space ?? "nil")")
                    if let e = expected(a) {
                        #expect(a.space == e, "\(a.kind) started in the \(e) phase, answered from \(a.space ?? "nil")")
                        checked[e, default: 0] += 1
                    }
                }
                #expect((checked["default"] ?? 0) >= 10 && (checked["b"] ?? 0) >= 10, "answers checked per phase: \(checked)")
                let kinds = Dictionary(grouping: answers, by: \.kind).mapValues(\.count)
                print("switch-over: \(answers.count) answers \(kinds.sorted { $0.key < $1.key }), \(failed.count) failed; checked against their phase: \(checked); "
                    + "activate b took \(switchedA - switchA), activate default \(switchedB - switchB)")
                // Each similar-items answer's scores are cosines in the space it names.
                for a in answers where a.kind == "similar" && a.status == 200 {
                    guard let space = a.space, let first = Self.firstItem(a.body), let query = first.query else { continue }
                    let cos = try conn.query("""
                        SELECT 1 - (x.embedding <=> y.embedding)::float8 FROM item_embeddings x, item_embeddings y
                        WHERE x.item_id = 'demo-0001' AND y.item_id = $1 AND x.space = $2 AND y.space = $2 AND x.kind = 'fused' AND y.kind = 'fused'
                        """, [first.id, space]).first!.double(0)
                    #expect(abs(cos - query) < 2e-3, "similar to demo-0001 in \(space): \(first.id) scored \(query), SQL says \(cos)")
                }
                try #require(try await Self.eventually(.seconds(60)) {
                    try count("SELECT count(*) FROM item_embeddings WHERE item_id = 'switch-1'") == 2
                }, "a product published during the switch is in both spaces (\(consumeLog))")
                #expect(try count("SELECT count(DISTINCT space) FROM item_embeddings WHERE item_id = 'switch-1'") == 2)

                // ---- Retiring the space that was live a moment ago is refused; with --force it goes, rows and index.
                let retire = try await Self.rec(["models", "retire", "b"], env, log: "\(dir)/\(catalogTopic)-retire.log")
                #expect(retire.status != 0 && retire.output.contains("--force"), "\(retire.output)")
                let forced = try await Self.rec(["models", "retire", "b", "--force"], env, log: "\(dir)/\(catalogTopic)-retire2.log")
                #expect(forced.status == 0, "\(forced.output)")
                #expect(try count("SELECT count(*) FROM item_embeddings WHERE space = 'b'") == 0)
                #expect(try count("SELECT count(*) FROM user_profiles WHERE space = 'b'") == 0)
                #expect(try count("SELECT count(*) FROM pg_indexes WHERE indexname = 'item_embeddings_space_b' AND schemaname = current_schema()") == 0)
                let liveAgain = try await Self.get(base + "/v1/users/u1/recommendations?explain=true")
                #expect(liveAgain.status == 200 && Self.space(liveAgain.body) == "default")

                let (c, s) = await stop()
                #expect(c == 0 && s == 0, "SIGTERM: consume exited \(c), serve \(s)")
            } catch {
                _ = await stop()
                throw error
            }
        }
    }

    // MARK: - helpers

    static func eventually(_ limit: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try await condition()
    }

    static func product(_ id: String) -> [UInt8] {
        Array(#"{"type":"product.upserted","eventId":"\#(UUID().uuidString.lowercased())","occurredAt":"2026-11-30T11:00:00Z","product":{"id":"\#(id)","title":"Brass desk lamp with a linen shade","categories":["lighting"]}}"#.utf8)
    }

    static let http = CurlHTTPTransport()

    static func get(_ url: String) async throws -> HTTPTransportResponse {
        try await http.send(HTTPTransportRequest(method: "GET", url: url, timeout: 30))
    }

    static func post(_ url: String, _ body: String) async throws -> HTTPTransportResponse {
        try await http.send(HTTPTransportRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: Array(body.utf8), timeout: 30))
    }

    static func json(_ body: [UInt8]) -> [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }

    static func space(_ body: [UInt8]) -> String? { json(body)?["embeddingSpace"] as? String }

    static func firstItem(_ body: [UInt8]) -> (id: String, query: Double?)? {
        guard let item = (json(body)?["items"] as? [[String: Any]])?.first, let id = item["id"] as? String else { return nil }
        return (id, ((item["explanation"] as? [String: Any])?["query"] as? NSNumber)?.doubleValue)
    }

    /// `rec models status --json`'s rows by space name.
    static func statusRows(_ output: String) throws -> [String: [String: Any]] {
        guard let start = output.firstIndex(of: "["), let end = output.lastIndex(of: "]") else { throw POSIXError(.EINVAL) }
        let rows = try JSONSerialization.jsonObject(with: Data(output[start...end].utf8)) as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: rows.compactMap { r in (r["name"] as? String).map { ($0, r) } })
    }

    /// A steady, bounded load: `clients` loops, each sending one request (recommendations, similar items, search
    /// in turn) every 50 ms, until ``stop()``.
    final class Load: Sendable {
        let base: String
        let users: [String]
        private let stopped = Locked(false)

        init(base: String, users: [String]) {
            self.base = base
            self.users = users
        }

        func stop() { stopped.withLock { $0 = true } }

        func run(clients: Int) async -> [Answer] {
            await withTaskGroup(of: [Answer].self) { group in
                for c in 0..<clients {
                    group.addTask {
                        var out = [Answer]()
                        var i = c
                        while !self.stopped.current {
                            let started = ContinuousClock.now
                            let kind = ["recommendations", "similar", "search"][i % 3]
                            let user = self.users[i % self.users.count]
                            do {
                                let r: HTTPTransportResponse
                                switch kind {
                                case "recommendations": r = try await ModelSwitchOverTests.get(self.base + "/v1/users/\(user)/recommendations?limit=10&explain=true")
                                case "similar": r = try await ModelSwitchOverTests.get(self.base + "/v1/items/demo-0001/similar?limit=10&explain=true&diversity=0")
                                default: r = try await ModelSwitchOverTests.post(self.base + "/v1/search", #"{"text":"a warm reading lamp","limit":10,"explain":true,"userId":"\#(user)"}"#)
                                }
                                out.append(Answer(kind: kind, started: started, status: r.status, space: ModelSwitchOverTests.space(r.body), body: r.body))
                            } catch {
                                out.append(Answer(kind: kind, started: started, status: -1, space: nil, body: Array("\(error)".utf8)))
                            }
                            i += clients
                            try? await Task.sleep(for: .milliseconds(50))
                        }
                        return out
                    }
                }
                var all = [Answer]()
                for await part in group { all += part }
                return all
            }
        }
    }
}
