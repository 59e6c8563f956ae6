import BedrockClient
import BedrockTestSupport
import Foundation
import IntegrationTestSupport
import Kafka
import Postgres
import RecCore
import Testing
@testable import Consumers

/// The hostile-input probes of issue #13, kept as a re-runnable suite against real processes: `rec consume
/// products`, `rec consume interactions` and `rec serve` on a fresh schema and fresh topics of the local stack,
/// with a loopback Bedrock fake. Every case is sent, then the suite asserts: no 5xx for bad input, every bad
/// message in its DLQ with a reason, every good one applied exactly once, nothing left paused or uncommitted.
@Suite(.enabled(if: TestStack.integration), .serialized) struct HostileInputTests {
    static let id = "6f1c4a2e-8d7b-4c1e-9a55-"

    /// A product event as JSON text (`product` given as JSON text too, so tests can break it freely).
    static func upsert(_ product: String, at: String = "2026-06-01T10:00:00Z") -> String {
        #"{"type":"product.upserted","eventId":"\#(UUID().uuidString.lowercased())","occurredAt":"\#(at)","product":\#(product)}"#
    }

    static func view(user: String, item: String, at: String = "2026-06-01T10:00:00Z", type: String = "view", value: String? = nil,
                     eventID: UUID = UUID()) -> String {
        var s = #"{"eventId":"\#(eventID.uuidString.lowercased())","occurredAt":"\#(at)","userId":"\#(user)","productId":"\#(item)","type":"\#(type)""#
        if let value { s += #","value":\#(value)"# }
        return s + "}"
    }


    struct Running {
        var processes: [ChildProcess] = []
        var logs: [String] = []
        func stop() async {
            for p in processes { p.signal(SIGTERM) }
            for p in processes { _ = await p.wait(timeout: .seconds(30)) }
        }
    }

    @Test func everyHostileInputIsRejectedOrAppliedAndNothingWedges() async throws {
        let rec = CatalogConsumerProcessTests.recBinary
        try #require(FileManager.default.isExecutableFile(atPath: rec), "build the rec executable first (swift build)")
        try await TestStack.withSchema { url in
            let fake = try FakeBedrockEndpoint()
            let config = try TestStack.kafka()
            let admin = try KafkaAdmin(configuration: config)
            let catalogTopic = TestStack.unique("it-hostile-catalog"), eventsTopic = TestStack.unique("it-hostile-events")
            for t in [catalogTopic, eventsTopic] {
                _ = try await admin.createTopic(t, partitions: 2)
                _ = try await admin.createTopic(Topics.deadLetter(of: t), partitions: 1)
            }
            var big = config
            big["message.max.bytes"] = "10000000"
            let producer = try KafkaProducer(configuration: big)
            defer { producer.close() }
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }

            var env = TestStack.recProcessEnvironment(url: url, bedrockEndpoint: fake.endpoint)
            env["BEDROCK_EMBEDDING_DIMENSIONS"] = "256"
            env["REC_AUTH"] = "off"
            env["REC_EVENTS_TOPIC"] = eventsTopic
            let httpPort = try IntegrationStack.freePort(), productsMetrics = try IntegrationStack.freePort(), eventsMetrics = try IntegrationStack.freePort()
            let dir = FileManager.default.temporaryDirectory.path
            var running = Running()
            func start(_ args: [String], _ extra: [String: String], _ name: String) throws {
                let log = "\(dir)/\(catalogTopic)-\(name).log"
                running.logs.append(log)
                running.processes.append(try ChildProcess.spawn(rec, args, environment: env.merging(extra) { $1 }, logPath: log))
            }
            try start(["consume", "products", "--topic", catalogTopic, "--group", catalogTopic, "--dimensions", "256", "--batch-size", "64"],
                      ["REC_METRICS_PORT": "\(productsMetrics)"], "products")
            try start(["consume", "interactions", "--topic", eventsTopic, "--group", eventsTopic, "--batch-size", "64"],
                      ["REC_METRICS_PORT": "\(eventsMetrics)"], "interactions")
            try start(["serve"], ["REC_HTTP_PORT": "\(httpPort)"], "serve")
            let http = CurlHTTPTransport()
            let base = "http://127.0.0.1:\(httpPort)"
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> Int {
                let r = try await http.send(HTTPTransportRequest(method: method, url: base + path, headers: body == nil ? [] : [("Content-Type", "application/json")],
                                                                 body: Array((body ?? "").utf8), timeout: 30))
                return r.status
            }
            do {
                let up = try await TestStack.eventually(within: .seconds(60)) { (try? await call("GET", "/health")) == 200 }
                try #require(up, "rec serve answers /health (logs: \(running.logs))")

                // ---- Catalog: good products, poison of every kind found, and time bombs.
                var good = (0..<20).map { i in Self.upsert(#"{"id":"good-\#(i)","title":"Good product \#(i)","categories":["c\#(i % 3)"]}"#) }
                let bad: [(String, String)] = [
                    ("NUL in an attribute", Self.upsert(#"{"id":"bad-attr","title":"t","attributes":{"k":"a\u0000b"}}"#)),
                    ("NUL in a category", Self.upsert(#"{"id":"bad-cat","title":"t","categories":["x\u0000"]}"#)),
                    ("NUL in the id", Self.upsert(#"{"id":"bad\u0000id","title":"t"}"#)),
                    ("NUL in the title", Self.upsert(#"{"id":"bad-title","title":"cut\u0000here"}"#)),
                    ("512 code points", Self.upsert(#"{"id":"e\#(String(repeating: "\u{301}", count: 511))","title":"t"}"#)),
                    ("dated 9999", Self.upsert(#"{"id":"good-1","title":"Time bomb"}"#, at: "9999-12-31T23:59:59Z")),
                    ("dated 1970", Self.upsert(#"{"id":"good-2","title":"Epoch zero"}"#, at: "1970-01-01T00:00:00Z")),
                    ("not JSON", "{\"type\":"),
                ]
                // After the time bomb, a normal update of good-1 must still apply.
                good.append(Self.upsert(#"{"id":"good-1","title":"Updated after the bomb"}"#, at: "2026-06-02T10:00:00Z"))
                // Images that must not be read: a local file and a loopback server (refused by the fetch policy;
                // the product is stored text-only with the reason).
                good.append(Self.upsert(#"{"id":"img-file","title":"File image","imageUrl":"file:///etc/hostname"}"#))
                good.append(Self.upsert(#"{"id":"img-loopback","title":"Loopback image","imageUrl":"http://127.0.0.1:\#(httpPort)/health"}"#))
                // Over the DLQ producer's message.max.bytes: dead-lettered by reference.
                let huge = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 6 * 1024 * 1024)).base64EncodedString()
                let oversize = Self.upsert(#"{"id":"huge","title":"t","imageBase64":"\#(huge)"}"#)
                var records = [KafkaProducerRecord]()
                for (k, v) in good.enumerated() { records.append(KafkaProducerRecord(topic: catalogTopic, key: "k\(k % 5)", value: v)) }
                for (k, (_, v)) in bad.enumerated() { records.insert(KafkaProducerRecord(topic: catalogTopic, key: "k\(k % 5)", value: v), at: 3 * k) }
                // The bomb before the update of the same product (same key, same partition).
                let bombIndex = records.firstIndex { String(decoding: $0.value, as: UTF8.self).contains("Time bomb") }!
                let bomb = records.remove(at: bombIndex)
                let updateIndex = records.firstIndex { String(decoding: $0.value, as: UTF8.self).contains("Updated after the bomb") }!
                records.insert(KafkaProducerRecord(topic: catalogTopic, key: Array("g1".utf8), value: bomb.value), at: updateIndex)
                records[updateIndex + 1] = KafkaProducerRecord(topic: catalogTopic, key: Array("g1".utf8), value: records[updateIndex + 1].value)
                records.append(KafkaProducerRecord(topic: catalogTopic, key: Array("k-huge".utf8), value: Array(oversize.utf8)))
                for r in await producer.sendAll(records) { _ = try r.get() }

                // ---- Interactions over Kafka: good ones (including a 2000-01-01 backfill) and poison.
                let goodEventIDs = (0..<30).map { _ in UUID() }
                var events = goodEventIDs.enumerated().map { i, e in Self.view(user: "u\(i % 4)", item: "good-\(i % 20)", eventID: e) }
                let oldID = UUID()
                events.append(Self.view(user: "u-old", item: "good-3", at: "2000-01-01T00:00:00Z", eventID: oldID))
                let badEvents = [
                    "not json",
                    Self.view(user: "u\\u0000x", item: "good-1"),
                    Self.view(user: "u0", item: "good-1", type: "rating", value: "1e300"),
                    Self.view(user: "u0", item: "good-1", at: "9999-12-31T23:59:59Z"),
                    Self.view(user: "u0", item: "good-1", at: "1970-01-01T00:00:00Z"),
                ]
                for (k, b) in badEvents.enumerated() { events.insert(b, at: 5 * k + 2) }
                for r in await producer.sendAll(events.enumerated().map { k, v in KafkaProducerRecord(topic: eventsTopic, key: "u\(k % 4)", value: v) }) {
                    _ = try r.get()
                }

                // ---- HTTP: every bad request is a 4xx, the good ones are accepted.
                let badRequests: [(String, String, String?)] = [
                    ("GET", "/v1/items/good-1%00x", nil),
                    ("GET", "/v1/users/u0%00zz/profile", nil),
                    ("DELETE", "/v1/users/u0%00zz", nil),
                    ("GET", "/v1/items/good-1/similar?categories=c1%00", nil),
                    ("GET", "/v1/users/u0/recommendations?exclude=good-1%00", nil),
                    ("POST", "/v1/events", #"{"events":[\#(Self.view(user: "u\\u0000x", item: "good-1"))]}"#),
                    ("POST", "/v1/events", #"{"events":[\#(Self.view(user: "u0", item: "good-1", type: "rating", value: "1e300"))]}"#),
                    ("POST", "/v1/events", #"{"events":[\#(Self.view(user: "u0", item: "good-1", at: "9999-12-31T23:59:59Z"))]}"#),
                    ("POST", "/v1/events", #"{"events":[\#(Self.view(user: "u0", item: "good-1", at: "1970-01-01T00:00:00Z"))]}"#),
                    ("POST", "/v1/events", #"{"events":[{"eventId":"x"}]}"#),
                    ("POST", "/v1/events", "{"),
                    ("POST", "/v1/search", #"{"imageBase64":"aGVsbG8gd29ybGQ="}"#),
                ]
                for (method, path, body) in badRequests {
                    let status = try await call(method, path, body)
                    #expect((400..<500).contains(status), "\(method) \(path) answered \(status)")
                }
                #expect(try await call("PUT", "/v1/events", "{}") == 405, "a known path with another method")
                let apiEventID = UUID()
                let accepted = try await call("POST", "/v1/events", #"{"events":[\#(Self.view(user: "u-api", item: "good-5", eventID: apiEventID))]}"#)
                #expect(accepted == 202)

                // ---- Every good message applied exactly once.
                let catalogDone = try await TestStack.eventually(within: .seconds(120)) {
                    try await Self.count(pool, "SELECT count(*) FROM items WHERE id LIKE 'good-%' OR id LIKE 'img-%'") == 22
                }
                #expect(catalogDone, "good products stored (logs: \(running.logs))")
                let ids = (goodEventIDs + [oldID, apiEventID]).map { $0.uuidString.lowercased() }
                let eventsDone = try await TestStack.eventually(within: .seconds(120)) {
                    try await Self.count(pool, "SELECT count(*) FROM interactions WHERE event_id::text = ANY(string_to_array($1, ','))", [ids.joined(separator: ",")]) == ids.count
                }
                #expect(eventsDone, "good interactions applied (logs: \(running.logs))")
                #expect(try await Self.count(pool, "SELECT count(*) FROM interactions") == ids.count, "nothing else applied, nothing twice")
                #expect(try await Self.count(pool, "SELECT count(*) FROM items WHERE id LIKE 'bad%' OR id = 'huge'") == 0)
                #expect(try await Self.text(pool, "SELECT title FROM items WHERE id = 'good-1'") == "Updated after the bomb")
                #expect(try await Self.text(pool, "SELECT title FROM items WHERE id = 'good-2'") == "Good product 2")
                for (id, refusal) in [("img-file", "not enabled"), ("img-loopback", "is not allowed (loopback)")] {
                    let reason = try await Self.text(pool, "SELECT image_error FROM items WHERE id = $1", [id]) ?? ""
                    #expect(reason.contains(refusal), "\(id): the image was refused by the fetch policy, not read (\(reason))")
                }

                // ---- Every bad message in its DLQ with a reason.
                let catalogDLQ = try await TestStack.readAll(Topics.deadLetter(of: catalogTopic), count: bad.count + 1, within: .seconds(60))
                #expect(catalogDLQ.count == bad.count + 1)
                for d in catalogDLQ {
                    let reason = d.header(DeadLetterPublisher.errorHeader).map { String(decoding: $0, as: UTF8.self) } ?? ""
                    #expect(!reason.isEmpty)
                }
                let reference = catalogDLQ.first { $0.header(DeadLetterPublisher.payloadHeader) != nil }
                #expect(reference.map { String(decoding: $0.value, as: UTF8.self) }?.contains(#""payload":"reference""#) == true,
                        "the oversize message is dead-lettered by reference")
                let eventsDLQ = try await TestStack.readAll(Topics.deadLetter(of: eventsTopic), count: badEvents.count, within: .seconds(60))
                #expect(eventsDLQ.count == badEvents.count)
                #expect(eventsDLQ.allSatisfy { $0.header(DeadLetterPublisher.errorHeader)?.isEmpty == false })

                // ---- Nothing paused, everything committed.
                for port in [productsMetrics, eventsMetrics] {
                    let metrics = try await http.send(HTTPTransportRequest(method: "GET", url: "http://127.0.0.1:\(port)/metrics"))
                    let text = String(decoding: metrics.body, as: UTF8.self)
                    let paused = text.split(separator: "\n").filter { $0.hasPrefix("rec_consumer_paused_partitions") }
                    #expect(!paused.isEmpty && paused.allSatisfy { $0.hasSuffix(" 0") || $0.hasSuffix(" 0.0") }, "\(paused)")
                }
                for (topic, expected) in [(catalogTopic, records.count), (eventsTopic, events.count + 1)] {
                    let check = try KafkaConsumer(configuration: config, groupID: topic, topics: [topic])
                    let all = try await TestStack.eventually(within: .seconds(30)) {
                        let committed = try await check.committed((0..<2).map { KafkaTopicPartition(topic: topic, partition: $0) })
                        return committed.values.reduce(Int64(0)) { $0 + ($1 ?? 0) } == Int64(expected)
                    }
                    await check.close()
                    #expect(all, "\(topic): every message committed")
                }
            } catch {
                await running.stop()
                throw error
            }
            await running.stop()
        }
    }

    static func count(_ pool: PostgresPool, _ sql: String, _ params: [any PostgresEncodable] = []) async throws -> Int {
        try await pool.query(sql, params).first?.int(0) ?? -1
    }

    static func text(_ pool: PostgresPool, _ sql: String, _ params: [any PostgresEncodable] = []) async throws -> String? {
        try await pool.query(sql, params).first.flatMap { try? $0.string(0) }
    }
}
