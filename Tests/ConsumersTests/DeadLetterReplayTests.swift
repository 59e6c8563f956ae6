import Foundation
import Kafka
import Postgres
import Testing
@testable import Consumers

/// `rec dlq inspect|replay` against a real `rec consume interactions` process, on a fresh schema and fresh topics:
/// poison is dead-lettered (one event inline, one too large for the dead-letter topic, so by reference), the cause
/// is fixed, and replays — again, and forced — apply each event exactly once.
@Suite(.enabled(if: TestStack.integration), .serialized) struct DeadLetterReplayTests {
    static func event(_ id: UUID, user: String, item: String, at: String = "2026-06-01T10:00:00Z", padding: Int = 0) -> String {
        var s = #"{"eventId":"\#(id.uuidString.lowercased())","occurredAt":"\#(at)","userId":"\#(user)","productId":"\#(item)","type":"view""#
        // Members the decoder does not know are ignored: a valid event of any size.
        if padding > 0 { s += #","padding":"\#(String(repeating: "x", count: padding))""# }
        return s + "}"
    }

    /// Runs `rec` with `arguments` to its end; its exit status and output (stdout and stderr).
    static func rec(_ arguments: [String], environment: [String: String]) async throws -> (status: Int32?, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rec-dlq-\(UUID().uuidString.prefix(8)).log").path
        let p = try ChildProcess.spawn(CatalogConsumerProcessTests.recBinary, arguments, environment: environment, logPath: log)
        let status = await p.wait(timeout: .seconds(120))
        if status == nil { p.signal(SIGKILL) }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: log)
        return (status, output)
    }

    static func count(_ pool: PostgresPool, _ sql: String, _ params: [any PostgresEncodable] = []) async throws -> Int {
        try await pool.query(sql, params).first!.int(0)
    }

    @Test func poisonIsInspectedFixedAndReplayedExactlyOnceAlsoByReference() async throws {
        let rec = CatalogConsumerProcessTests.recBinary
        try #require(FileManager.default.isExecutableFile(atPath: rec), "build the rec executable first (swift build)")
        try await TestStack.withSchema { url in
            let config = try TestStack.kafka()
            let admin = try KafkaAdmin(configuration: config)
            let topic = TestStack.unique("it-dlq-events"), dlqTopic = Topics.deadLetter(of: topic)
            _ = try await admin.createTopic(topic, partitions: 2)
            _ = try await admin.createTopic(dlqTopic, partitions: 1)
            var big = config
            big["message.max.bytes"] = "10000000"
            let producer = try KafkaProducer(configuration: big)
            defer { producer.close() }
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }

            // Items with vectors, so events fold into profiles (user_profiles.event_count counts folds).
            for item in ["p1", "p2"] {
                try await pool.query("INSERT INTO items (id, title, version_at) VALUES ($1, 't', now())", [item])
                try await pool.query("""
                    INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding)
                    VALUES ($1, 'fused', 'test', 256, '\\x00', array_fill(0.5::real, ARRAY[256])::public.vector::public.halfvec)
                    """, [item])
            }
            // The cause: the database rejects u-poison's events for good (a data exception): they are dead-lettered.
            try await pool.query("""
                CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.user_id = 'u-poison' THEN RAISE EXCEPTION 'poisoned user' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$
                """)
            try await pool.query("CREATE TRIGGER reject_poison BEFORE INSERT ON interactions FOR EACH ROW EXECUTE FUNCTION reject_poison()")

            var env = TestStack.recProcessEnvironment(url: url, bedrockEndpoint: "http://127.0.0.1:9")
            env["BEDROCK_EMBEDDING_DIMENSIONS"] = "256"
            let consumerLog = FileManager.default.temporaryDirectory.appendingPathComponent("\(topic)-interactions.log").path
            let consumer = try ChildProcess.spawn(rec, ["consume", "interactions", "--topic", topic, "--group", topic, "--batch-size", "64"],
                                                  environment: env, logPath: consumerLog)
            do {
                let good = (0..<5).map { _ in UUID() }
                let inlinePoison = UUID(), oversizePoison = UUID()
                var records = good.enumerated().map { i, id in
                    KafkaProducerRecord(topic: topic, key: "u-good", value: Self.event(id, user: "u-good", item: "p\(i % 2 + 1)"))
                }
                records.append(KafkaProducerRecord(topic: topic, key: "u-poison", value: Self.event(inlinePoison, user: "u-poison", item: "p1")))
                // Over the dead-letter producer's message.max.bytes (1 MB): dead-lettered by reference.
                let oversize = Self.event(oversizePoison, user: "u-poison", item: "p2", at: "2026-06-01T10:01:00Z", padding: 1_500_000)
                records.append(KafkaProducerRecord(topic: topic, key: "u-poison", value: oversize))
                for r in records { try await producer.send(r) }

                let applied = try await TestStack.eventually(within: .seconds(90)) { try await Self.count(pool, "SELECT count(*) FROM interactions") == 5 }
                try #require(applied, "the good events are applied (log: \(consumerLog))")
                let dead = try await TestStack.eventually(within: .seconds(60)) { try await Self.end(of: dlqTopic, config: config) == [2] }
                try #require(dead, "both poison events are dead-lettered (log: \(consumerLog))")

                // ---- inspect: both listed with the reason, the oversize one by reference; nothing replayed yet.
                let inspected = try await Self.rec(["dlq", "inspect", "--topic", dlqTopic, "--json"], environment: env)
                #expect(inspected.status == 0, "\(inspected.output)")
                // The document is the lines from "{" to "}" (log lines, if any, are outside it).
                let lines = inspected.output.components(separatedBy: "\n")
                let open = try #require(lines.firstIndex(of: "{")), close = try #require(lines.lastIndex(of: "}"))
                let json = lines[open...close].joined(separator: "\n")
                let doc = try JSONDecoder().decode([String: [DeadLetterInspection]].self, from: Data(json.utf8))
                let report = try #require(doc["topics"]?.first)
                #expect(report.matched == 2 && report.byReference == 1 && report.malformed == 0)
                #expect(report.entries.allSatisfy { $0.reason.contains("poisoned user") && $0.source?.topic == topic && $0.replayedAt == nil })
                #expect(report.entries.map(\.byReference) == [false, true])
                #expect(report.entries[1].bytes == oversize.utf8.count && report.entries[1].preview == nil)
                #expect(report.entries[0].preview?.contains(inlinePoison.uuidString.lowercased()) == true)
                #expect(report.byReason.map(\.count) == [2])
                let text = try await Self.rec(["dlq", "inspect", "--source", topic, "--reason", "POISONED"], environment: env)
                #expect(text.status == 0 && text.output.contains("2 dead letters") && text.output.contains("BY REFERENCE"), "\(text.output)")

                // A dry run produces and records nothing.
                let dry = try await Self.rec(["dlq", "replay", "--topic", dlqTopic, "--offsets", "0:0-1", "--dry-run"], environment: env)
                #expect(dry.status == 0 && dry.output.components(separatedBy: "would replay ").count == 3, "\(dry.output)")
                #expect(try await Self.count(pool, "SELECT count(*) FROM dlq_replays") == 0)

                // ---- fix the cause; meanwhile the client re-sends the inline poison event itself, which applies.
                try await pool.query("DROP TRIGGER reject_poison ON interactions")
                try await producer.send(KafkaProducerRecord(topic: topic, key: "u-poison", value: Self.event(inlinePoison, user: "u-poison", item: "p1")))
                #expect(try await TestStack.eventually(within: .seconds(60)) {
                    try await Self.count(pool, "SELECT count(*) FROM interactions WHERE user_id = 'u-poison'") == 1
                })

                // ---- replay: both re-produced (the oversize one fetched back from the source topic).
                let first = try await Self.rec(["dlq", "replay", "--source", topic, "--all"], environment: env)
                #expect(first.status == 0, "\(first.output)")
                #expect(first.output.components(separatedBy: "\nreplayed     ").count == 3, "\(first.output)")
                #expect(first.output.contains("by reference"), "\(first.output)")
                #expect(try await TestStack.eventually(within: .seconds(60)) {
                    try await Self.count(pool, "SELECT count(*) FROM interactions WHERE user_id = 'u-poison'") == 2
                }, "the by-reference event is applied (log: \(consumerLog))")
                #expect(try await Self.count(pool, "SELECT count(*) FROM dlq_replays WHERE replayed_at IS NOT NULL AND replays = 1") == 2)

                // ---- the same replay again: skipped, nothing produced.
                let before = try await Self.end(of: topic, config: config)
                let second = try await Self.rec(["dlq", "replay", "--source", topic, "--all"], environment: env)
                #expect(second.status == 0 && second.output.components(separatedBy: "\nskipped      ").count == 3, "\(second.output)")
                #expect(second.output.contains("already replayed"), "\(second.output)")
                #expect(try await Self.end(of: topic, config: config) == before, "a second replay produces nothing")

                // ---- forced: produced again, and the consumer's event-id dedup still applies each event once.
                let forced = try await Self.rec(["dlq", "replay", "--topic", dlqTopic, "--offsets", "0:0-1", "--force"], environment: env)
                #expect(forced.status == 0 && forced.output.components(separatedBy: "\nreplayed*    ").count == 3, "\(forced.output)")
                // A sentinel behind the forced replays in u-poison's partition: once it is applied, they were handled.
                let sentinel = UUID()
                try await producer.send(KafkaProducerRecord(topic: topic, key: "u-poison", value: Self.event(sentinel, user: "u-poison", item: "p2", at: "2026-06-01T10:02:00Z")))
                #expect(try await TestStack.eventually(within: .seconds(60)) {
                    try await Self.count(pool, "SELECT count(*) FROM interactions WHERE event_id = $1::uuid", [sentinel.uuidString]) == 1
                })
                #expect(try await Self.count(pool, "SELECT count(*) FROM interactions WHERE user_id = 'u-poison'") == 3)
                #expect(try await Self.count(pool, "SELECT event_count::int FROM user_profiles WHERE user_id = 'u-poison'") == 3,
                        "each of u-poison's events folded into the profile exactly once")
                #expect(try await Self.count(pool, "SELECT event_count::int FROM user_profiles WHERE user_id = 'u-good'") == 5)
                #expect(try await Self.count(pool, "SELECT replays FROM dlq_replays WHERE dlq_offset = 1") == 2)

                // The replays carry the original key and dlq-replayed-from; none was dead-lettered again.
                let tail = try await Self.replays(of: topic, config: config)
                #expect(tail.count == 4, "two replays, two forced replays")
                for m in tail {
                    #expect(m.keyString == "u-poison")
                    let from = m.header(DeadLetterPublisher.replayedFromHeader).map { String(decoding: $0, as: UTF8.self) }
                    #expect(from == "\(dlqTopic)/0/0" || from == "\(dlqTopic)/0/1")
                    #expect(!m.headers.contains { $0.name == DeadLetterPublisher.errorHeader })
                }
                #expect(tail.contains { $0.value == Array(oversize.utf8) }, "the by-reference payload, byte for byte")
                #expect(try await Self.end(of: dlqTopic, config: config) == [2], "no replay was dead-lettered again")

                // inspect now marks both as replayed.
                let after = try await Self.rec(["dlq", "inspect", "--topic", dlqTopic], environment: env)
                #expect(after.output.components(separatedBy: "  replayed 20").count == 3, "\(after.output)")

                // A forged dead letter naming another topic as its source is not written there.
                let elsewhere = TestStack.unique("it-dlq-elsewhere")
                _ = try await admin.createTopic(elsewhere, partitions: 1)
                let forged = KafkaMessage(topic: elsewhere, partition: 0, offset: 0, key: nil, value: Array(Self.event(UUID(), user: "u-x", item: "p1").utf8))
                try await producer.send(DeadLetterPublisher.record(forged, reason: "forged", topic: dlqTopic))
                let refused = try await Self.rec(["dlq", "replay", "--topic", dlqTopic, "--offsets", "0:2"], environment: env)
                #expect(refused.status == 1 && refused.output.contains("as its source, but \(dlqTopic) is the dead-letter topic of \(topic)"), "\(refused.output)")
                #expect(try await Self.end(of: elsewhere, config: config) == [0])

                // An offset that is not in the dead-letter topic is reported unavailable, with exit status 1.
                let missing = try await Self.rec(["dlq", "replay", "--topic", dlqTopic, "--offsets", "0:7"], environment: env)
                #expect(missing.status == 1 && missing.output.contains("offset 7 not in \(dlqTopic)"), "\(missing.output)")
            } catch {
                consumer.signal(SIGTERM)
                _ = await consumer.wait(timeout: .seconds(30))
                throw error
            }
            consumer.signal(SIGTERM)
            #expect(await consumer.wait(timeout: .seconds(30)) == 0, "the consumer exits cleanly (log: \(consumerLog))")
        }
    }

    /// The high watermark of each partition of `topic`.
    static func end(of topic: String, config: KafkaConfiguration) async throws -> [Int64] {
        let reader = try KafkaPartitionReader(configuration: config)
        var out = [Int64]()
        do {
            for p in try await reader.partitions(of: topic) ?? [] { out.append(try await reader.watermarks(KafkaTopicPartition(topic: topic, partition: p)).high) }
        } catch {
            await reader.close()
            throw error
        }
        await reader.close()
        return out
    }

    /// The messages of `topic` that carry `dlq-replayed-from`.
    static func replays(of topic: String, config: KafkaConfiguration) async throws -> [KafkaMessage] {
        let reader = try KafkaPartitionReader(configuration: config)
        var out = [KafkaMessage]()
        var ranges = [KafkaTopicPartition: Range<Int64>]()
        for p in try await reader.partitions(of: topic) ?? [] {
            let tp = KafkaTopicPartition(topic: topic, partition: p)
            let (low, high) = try await reader.watermarks(tp)
            ranges[tp] = low..<high
        }
        try await reader.read(ranges) { batch in out += batch.filter { $0.header(DeadLetterPublisher.replayedFromHeader) != nil } }
        await reader.close()
        return out
    }
}
