import Foundation
import IntegrationTestSupport
import Kafka
import Postgres
import Profiles
import RecCore
#if canImport(Glibc)
import Glibc
#endif

/// The local stack for the interaction pipeline's integration tests: a migrated
/// throw-away schema, unique topics, catalog rows, the reference computation and
/// `rec` subprocesses.
enum PipelineTestStack {
    static var env: [String: String] { IntegrationStack.environment }
    static var integration: Bool { IntegrationStack.enabled }
    static var disruptive: Bool { IntegrationStack.disruptive }
    static let dimension = 256
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func kafka() throws -> KafkaConfiguration { try IntegrationStack.kafka() }
    static func unique(_ prefix: String) -> String { IntegrationStack.unique(prefix) }
    static func withSchema<T>(_ body: (String) async throws -> T) async throws -> T { try await IntegrationStack.withSchema(body) }
    static var repository: URL { IntegrationStack.repository }

    /// Items `p0…p{count-1}` with random vectors; returns vectors as stored (halfvec) and categories.
    static func seedItems(_ conn: PGConnection, count: Int, seed: UInt64) throws -> ([String: [Float]], [String: [String]]) {
        var g = SeededGenerator(seed: seed)
        var vectors = [String: [Float]](), categories = [String: [String]]()
        for k in 0..<count {
            let v = (0..<dimension).map { _ in Float.random(in: -1...1, using: &g) }
            try insertItem(conn, id: "p\(k)", categories: ["c\(k % 3)"], vector: v)
            vectors["p\(k)"] = v.map { Float(Float16($0)) }
            categories["p\(k)"] = ["c\(k % 3)"]
        }
        return (vectors, categories)
    }

    static func insertItem(_ conn: PGConnection, id: String, categories: [String], vector: [Float]) throws {
        try conn.query("INSERT INTO items (id, categories, version_at) VALUES ($1, $2, now()) ON CONFLICT (id) DO NOTHING", [id, categories])
        try conn.query("""
            INSERT INTO item_embeddings (item_id, kind, model, dims, content_hash, embedding)
            VALUES ($1, 'fused', 'test', $2, '\\x00', $3::halfvec)
            """, [id, vector.count, PGVector.halfvec(vector)])
    }

    /// Events over `users` users and `items` items; one user's sessions do not overlap in time.
    static func events(count: Int, users: Int, items: [String], seed: UInt64) -> [Interaction] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { n in
            let type = EventType.allCases.randomElement(using: &g)!
            return Interaction(eventID: UUID(), occurredAt: t0 + Double(n) * 60 + Double.random(in: 0...50, using: &g),
                               userID: UserID("u\(Int.random(in: 0..<users, using: &g))"), itemID: ItemID(items.randomElement(using: &g)!),
                               type: type, value: type == .rating ? Double(Int.random(in: 1...5, using: &g)) : nil, sessionID: "s\(n / 25)")
        }
    }

    /// The reference: the pure rule over every event, in time order.
    static func direct(_ events: [Interaction], vectors: [String: [Float]], categories: [String: [String]]) throws -> [String: ProfileState] {
        let rule = ProfileUpdateRule(configuration: try ProfileConfiguration(dimension: dimension))
        var out = [String: ProfileState]()
        for e in events.sorted(by: { $0.occurredAt < $1.occurredAt }) {
            guard let v = vectors[e.itemID.rawValue] else { continue }
            rule.apply(e, item: ItemFeatures(vector: v, categories: categories[e.itemID.rawValue] ?? []),
                       to: &out[e.userID.rawValue, default: ProfileState(userID: e.userID, dimension: dimension)])
        }
        return out
    }

    /// Sends `events` keyed by user (per-user order), waiting for every ack.
    static func produce(_ events: [Interaction], to topic: String, producer: KafkaProducer) async throws {
        for chunk in stride(from: 0, to: events.count, by: 1000) {
            let records = events[chunk..<min(chunk + 1000, events.count)].map {
                KafkaProducerRecord(topic: topic, key: $0.userID.rawValue, value: InteractionEvent.encode($0))
            }
            for r in await producer.sendAll(Array(records)) { _ = try r.get() }
        }
    }

    static func count(_ url: String, _ sql: String) -> Int {
        (try? PGConnection(url: url).query(sql).first?.int(0)) ?? -1
    }

    static func eventually(within deadline: Duration = .seconds(90), _ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    // MARK: - subprocesses

    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String], log: String) throws -> pid_t {
        try IntegrationStack.spawn(executable, arguments, environment: environment, log: log)
    }
    static func wait(_ pid: pid_t) async -> Int32 { await IntegrationStack.wait(pid) }
    static func stack(_ arguments: [String]) async throws { try await IntegrationStack.stack(arguments) }

    static var recBinary: String { repository.appendingPathComponent(".build/debug/rec").path }
}


func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var d = 0.0, na = 0.0, nb = 0.0
    for i in 0..<a.count { d += Double(a[i]) * Double(b[i]); na += Double(a[i]) * Double(a[i]); nb += Double(b[i]) * Double(b[i]) }
    return na > 0 && nb > 0 ? d / (na.squareRoot() * nb.squareRoot()) : 0
}
