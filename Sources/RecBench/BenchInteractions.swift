import RecApp
import ArgumentParser
import Consumers
import Foundation
import Kafka
import Logging
import Postgres
import Profiles
import RecCore
import ServiceLifecycle

/// `rec bench interactions`: sustained events/s from a pre-filled topic to
/// committed profiles, against a raw librdkafka poll loop that only decodes
/// JSON, in the same run; RSS at start, middle and end.
///
/// Uses its own PostgreSQL schema (dropped afterwards unless `--keep`) and its own topic.
struct BenchInteractions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interactions",
        abstract: "Benchmark rec consume interactions: events/s to committed profiles vs. a raw consume loop.",
        discussion: "Needs DATABASE_URL and KAFKA_BROKERS (the local stack). Quick run: --events 100000 --users 2000 --items 5000 --dimension 256."
    )

    @Option(help: "Events pre-filled into the topic.")
    var events: Int = 1_000_000
    @Option(help: "Distinct users.")
    var users: Int = 10_000
    @Option(help: "Distinct items (each with a random vector).")
    var items: Int = 50_000
    @Option(help: "Vector dimension (256, 384, 1024).")
    var dimension: Int = 1024
    @Option(help: "Topic partitions.")
    var partitions: Int = 4
    @Option(help: "Consumers in the group (each one BatchConsumerService), at most --partitions.")
    var consumers: Int = 2
    @Option(help: "Most events per batch (one transaction). Larger batches fold more events per profile write.")
    var batchSize: Int = 100_000
    @Option(help: "Events the database rejects for good (SQLSTATE 22023, raised by a trigger on this bench's schema), spread over the backlog: measures how the consumer isolates them (dead-lettered, the rest applied).")
    var poison: Int = 0
    @Flag(help: "Keep the bench schema and topic afterwards.")
    var keep = false
    @Flag(help: "Log each batch's phase timings (debug level).")
    var verbose = false

    func validate() throws {
        guard events > 0, users > 0, items > 0 else { throw ValidationError("--events, --users and --items must be positive") }
        guard [256, 384, 1024].contains(dimension) else { throw ValidationError("--dimension must be 256, 384 or 1024") }
        guard partitions > 0, consumers > 0, consumers <= partitions, batchSize > 0 else { throw ValidationError("check --partitions, --consumers, --batch-size") }
        guard poison >= 0, poison <= events else { throw ValidationError("--poison must be from 0 to --events") }
    }

    func run() async throws {
        let app = try AppConfiguration.fromEnvironment()
        var kafka = try app.kafkaConfiguration()
        // Quick group joins on the local broker, unless configured.
        for (k, v) in ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"] where kafka.properties[k] == nil { kafka.properties[k] = v }
        var logger = Logger(label: "rec.bench.interactions")
        logger.logLevel = verbose ? .debug : .warning

        let base = try app.requireDatabaseURL()
        let schema = "bench_interactions_" + UUID().uuidString.prefix(8).lowercased()
        let url = try app.databaseURL(schema: schema)
        let admin = try PGConnection(url: base)
        try admin.execute("CREATE SCHEMA \(schema)")
        defer { if !keep { _ = try? admin.execute("DROP SCHEMA \(schema) CASCADE") } }
        let topic = "bench-interactions-" + UUID().uuidString.prefix(8).lowercased()

        say("bench interactions: \(events) events, \(users) users, \(items) items, dim \(dimension), \(partitions) partitions, \(consumers) consumer(s), batch \(batchSize)")
        say("  schema \(schema), topic \(topic)")
        let setup = ContinuousClock.now
        let conn = try PGConnection(url: url)
        _ = try Migrator(migrations: try Migration.load(from: app.migrationsDirectory)).migrate(conn)
        // Profiles never search the item index; building HNSW for the bench items would only measure catalog ingest.
        try conn.execute("DROP INDEX IF EXISTS item_embeddings_hnsw_1024, item_embeddings_hnsw_384, item_embeddings_hnsw_256")
        try conn.query("""
            INSERT INTO items (id, categories, version_at)
            SELECT 'p' || i, ARRAY['c' || (i % 50)], now() FROM generate_series(0, $1 - 1) AS i
            """, [items])
        try conn.query("""
            INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding)
            SELECT 'p' || i, 'fused', 'bench', $2, '\\x00',
                   (SELECT array_agg(random() - 0.5) FROM generate_series(1, $2) WHERE i >= 0)::public.vector::public.halfvec
            FROM generate_series(0, $1 - 1) AS i
            """, [items, dimension])
        say(String(format: "  catalog seeded in %.1f s", (ContinuousClock.now - setup).seconds))
        if poison > 0 {
            // A database-side rejection no validation catches, like the events the hostile-input review found.
            try conn.execute("""
                CREATE FUNCTION bench_poison() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.user_id LIKE 'poison-%' THEN RAISE EXCEPTION 'bench poison event' USING ERRCODE = '22023'; END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER bench_poison BEFORE INSERT ON interactions FOR EACH ROW EXECUTE FUNCTION bench_poison();
                """)
            say("  \(poison) poison event(s) among the \(events)")
        }

        let kadmin = try KafkaAdmin(configuration: try app.kafkaConfiguration())
        _ = try await kadmin.createTopic(topic, partitions: partitions)
        _ = try await kadmin.createTopic(Topics.deadLetter(of: topic), partitions: 1)
        let producer = try KafkaProducer(configuration: try app.kafkaConfiguration())
        defer { producer.close() }
        let fill = ContinuousClock.now
        try await prefill(topic: topic, producer: producer)
        say(String(format: "  topic pre-filled in %.1f s", (ContinuousClock.now - fill).seconds))

        // Raw: a librdkafka poll loop that only decodes JSON.
        let rawRate = try await rawConsume(topic: topic, kafka: kafka)
        say(String(format: "  raw consume + JSON decode:    %9.0f events/s", rawRate))

        // The pipeline.
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: consumers + 1))
        defer { pool.close() }
        let store = ProfileStore(pool: pool, configuration: try ProfileConfiguration(dimension: dimension), logger: logger)
        let meter = Meter(total: events - poison)
        let rssStart = Self.rssMB()
        var services = [BatchConsumerService<CountingHandler>]()
        for _ in 0..<consumers {
            services.append(BatchConsumerService(
                consumer: try KafkaConsumer(configuration: kafka, groupID: "bench-" + topic, topics: [topic], logger: logger),
                handler: CountingHandler(inner: InteractionPipeline(store: store, logger: logger), meter: meter),
                deadLetters: DeadLetterPublisher(producer: producer),
                configuration: BatchConsumerConfiguration(name: "bench", maxBatchSize: batchSize),
                logger: logger))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for s in services { group.addTask { try await s.run() } }
            await meter.waitUntilDone()
            for s in services { s.requestStop() }
            try await group.waitForAll()
        }
        let stats = meter.snapshot()
        let rate = Double(stats.count) / stats.seconds
        let logged = try conn.query("SELECT count(*) FROM interactions").first!.int(0)
        if poison > 0 {
            let dlq = try await countDeadLetters(topic: topic, kafka: kafka)
            say("  poison events dead-lettered: \(dlq) of \(poison); good events logged: \(logged) of \(events - poison)")
        }
        let profiles = try conn.query("SELECT count(*), sum(event_count)::int8 FROM user_profiles").first!
        say(String(format: "  pipeline to committed profiles: %7.0f events/s  (%.1f s for %d events, %.2fx raw)", rate, stats.seconds, stats.count, rate / rawRate))
        say("  log rows \(logged), profiles \(try profiles.int(0)) with \(try profiles.int(1)) events folded")
        say(String(format: "  RSS MB: start %.0f, middle %.0f, end %.0f", rssStart, stats.rssMiddle, Self.rssMB()))
        say(String(format: "  targets: >= 20000 events/s %@, >= 0.3x raw %@", rate >= 20_000 ? "met" : "NOT met", rate / rawRate >= 0.3 ? "met" : "NOT met"))
    }

    /// One user's events in time order, sessions of 20 events; a view-heavy mix like a shop's.
    private func prefill(topic: String, producer: KafkaProducer) async throws {
        var g = SystemRandomNumberGenerator()
        let start = Date().addingTimeInterval(-30 * 86_400)
        let types: [(EventType, Int)] = [(.view, 60), (.click, 20), (.addToCart, 8), (.purchase, 4), (.rating, 4), (.dismiss, 4)]
        let chunk = 20_000
        var sent = 0
        while sent < events {
            let n = min(chunk, events - sent)
            var records = [KafkaProducerRecord]()
            records.reserveCapacity(n)
            for k in 0..<n {
                let i = sent + k
                var roll = Int.random(in: 0..<100, using: &g)
                var type = EventType.view
                for (t, p) in types { if roll < p { type = t; break }; roll -= p }
                let user = Int.random(in: 0..<users, using: &g)
                let poisoned = poison > 0 && i % (events / poison) == events / poison / 2 && i / (events / poison) < poison
                let e = Interaction(eventID: UUID(), occurredAt: start + Double(i) * (30 * 86_400 / Double(events)),
                                    userID: UserID(poisoned ? "poison-\(i)" : "u\(user)"), itemID: ItemID("p\(Int.random(in: 0..<items, using: &g))"), type: type,
                                    value: type == .rating ? Double(Int.random(in: 1...5, using: &g)) : nil,
                                    sessionID: "s\(user)-\(i / (20 * users))")
                records.append(KafkaProducerRecord(topic: topic, key: e.userID.rawValue, value: InteractionEvent.encode(e)))
            }
            // Own task group rather than KafkaProducer.sendAll, which crashed here in release builds (see the report).
            let acked = try await withThrowingTaskGroup(of: Int.self) { group in
                for r in records { group.addTask { _ = try await producer.send(r); return 1 } }
                return try await group.reduce(0, +)
            }
            guard acked == n else { throw ValidationError("only \(acked) of \(n) records were acknowledged") }
            sent += n
        }
    }

    private func rawConsume(topic: String, kafka: KafkaConfiguration) async throws -> Double {
        let consumer = try KafkaConsumer(configuration: kafka, groupID: "bench-raw-" + topic, topics: [topic])
        var count = 0
        var first: ContinuousClock.Instant?
        while count < events {
            let batch = try await consumer.poll(maxMessages: batchSize, timeout: .milliseconds(500))
            if first == nil, !batch.isEmpty { first = .now }
            for m in batch { if (try? InteractionEvent.decode(m.value)) != nil { count += 1 } }
        }
        let seconds = (ContinuousClock.now - first!).seconds
        await consumer.close()
        return Double(count) / seconds
    }

    /// Messages in the topic's DLQ (read until `--poison` are in, or for 15 s).
    private func countDeadLetters(topic: String, kafka: KafkaConfiguration) async throws -> Int {
        let consumer = try KafkaConsumer(configuration: kafka, groupID: "bench-dlq-" + topic, topics: [Topics.deadLetter(of: topic)])
        var n = 0
        let end = ContinuousClock.now + .seconds(15)
        while n < poison, ContinuousClock.now < end { n += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(500)).count }
        await consumer.close()
        return n
    }

    /// Prints and flushes, so progress shows when stdout is a file.
    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Resident set size from /proc/self/statm (pages → MB).
    static func rssMB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let parts = s.split(separator: " ")
        guard parts.count > 1, let pages = Double(parts[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}

/// Counts handled events across consumers: first batch start, RSS at the middle, done at the total.
private final class Meter: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private var count = 0
    private var first: ContinuousClock.Instant?
    private var last: ContinuousClock.Instant?
    private var rssMiddle = 0.0
    private var waiter: CheckedContinuation<Void, Never>?
    private var finished = false

    init(total: Int) { self.total = total }

    func started() {
        lock.lock(); if first == nil { first = .now }; lock.unlock()
    }

    func add(_ n: Int) {
        lock.lock()
        let before = count
        count += n
        last = .now
        if before < total / 2, count >= total / 2 { rssMiddle = BenchInteractions.rssMB() }
        var resume: CheckedContinuation<Void, Never>?
        if count >= total, !finished { finished = true; resume = waiter; waiter = nil }
        lock.unlock()
        resume?.resume()
    }

    func waitUntilDone() async {
        await withCheckedContinuation { cont in
            lock.lock()
            if finished { lock.unlock(); cont.resume(); return }
            waiter = cont
            lock.unlock()
        }
    }

    func snapshot() -> (count: Int, seconds: Double, rssMiddle: Double) {
        lock.lock(); defer { lock.unlock() }
        return (count, ((last ?? .now) - (first ?? .now)).seconds, rssMiddle)
    }
}

/// Passes batches to the pipeline and counts the events it made durable.
private struct CountingHandler: BatchHandler {
    let inner: InteractionPipeline
    let meter: Meter
    func handle(_ batch: [KafkaMessage]) async throws -> BatchOutcome {
        meter.started()
        let outcome = try await inner.handle(batch)
        meter.add(outcome.results.filter { $0 == .done }.count)
        return outcome
    }
}
