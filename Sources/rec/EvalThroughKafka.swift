import RecApp
import Consumers
import Evaluation
import Foundation
import Hummingbird
import Kafka
import Logging
import Postgres
import RecCore
import RecService
import ServiceLifecycle

/// `rec eval --through-kafka`: the replay as a shop would run it, end to end. In this process, on topics and
/// a schema of the evaluation's own: the catalog consumer and the interaction consumer (the services
/// `rec consume all` runs) and the HTTP API (`rec serve`'s router, auth off, on loopback). The catalog is
/// produced to the catalog topic, the training events are sent through `POST /v1/events` in time order,
/// and every test user's list comes from `GET /v1/users/{id}/recommendations?asOf=…`.
struct EvalThroughKafka {
    let replay: EvalReplay
    let app: AppConfiguration
    let port: Int
    let logger: Logger

    func run(data: EvalDataset, train: [EvalEvent], cases: [EvalCase], training: EvalTraining, k: Int, limit: Int,
             sessionGap: TimeInterval, say: @escaping (String) -> Void) async throws -> EvalReport.Row {
        try replay.create()
        let catalogTopic = "\(replay.schema).catalog", eventsTopic = "\(replay.schema).interactions"
        let app = try self.app.overriding(["DATABASE_URL": try replay.url, "REC_CATALOG_TOPIC": catalogTopic, "REC_EVENTS_TOPIC": eventsTopic])
        let kafka = try app.kafkaConfiguration()
        let pool = try app.makePool()
        let producer = try KafkaProducer(configuration: kafka)
        defer { producer.close(); pool.close() }

        var services: [any Service] = [
            try await CatalogOptions.parse(["--topic", catalogTopic, "--group", "\(replay.schema)-products"]).makeService(app, pool: pool, producer: producer, logger: logger),
        ]
        let interactions = try ConsumeInteractionsCommand.parse(["--topic", eventsTopic, "--group", "\(replay.schema)-interactions",
                                                                  "--batch-size", "50000", "--pending-interval", "1"])
        try await interactions.ensureTopics(app, logger: logger)
        services += try interactions.makeServices(app, pool: pool, producer: producer, logger: logger)
        let recommender = Recommender(pool: pool, configuration: try app.recommenderConfiguration())
        let deps = RecAPIDependencies(pool: pool, recommender: recommender, auth: .disabled, embedder: nil,
                                      events: KafkaEventSink(producer: producer, topic: eventsTopic), brokerCheck: nil)
        services.append(Application(router: RecAPI(deps).makeRouter(),
                                    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "rec-eval"), logger: logger))
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }

        // 1. The catalog through Kafka and catalog ingest.
        let records = data.items.map { KafkaProducerRecord(topic: catalogTopic, key: Array($0.id.utf8), value: EvalReplay.catalogEvent($0).jsonBytes) }
        for chunk in stride(from: 0, to: records.count, by: 1000) {
            for r in await producer.sendAll(Array(records[chunk..<min(chunk + 1000, records.count)])) { _ = try r.get() }
        }
        try await waitFor("catalog", pool: pool, sql: "SELECT count(*) FROM processed_catalog_events", target: records.count, say: say)

        // 2. The training events through the HTTP API, in time order, 500 a request.
        let client = try BenchHTTPClient(port: UInt16(port), headers: [])
        let all = EvalReplay.interactions(train, sessionGap: sessionGap)
        let start = ContinuousClock.now
        for from in stride(from: 0, to: all.count, by: 500) {
            let batch = all[from..<min(from + 500, all.count)].map { i -> JSONValue in
                var o: [String: JSONValue] = [
                    "eventId": .string(i.eventID.uuidString.lowercased()), "occurredAt": .string(RFC3339.format(i.occurredAt)),
                    "userId": .string(i.userID.rawValue), "productId": .string(i.itemID.rawValue), "type": .string(i.type.rawValue),
                ]
                if let v = i.value { o["value"] = .number(v) }
                if let s = i.sessionID { o["sessionId"] = .string(s) }
                return .object(o)
            }
            let status = try client.request(method: "POST", path: "/v1/events", body: JSONValue.object(["events": .array(batch)]).encoded(), keepBody: true)
            guard status == 202 else { throw ConfigurationError("POST /v1/events answered \(status): \(String(decoding: client.lastBody.prefix(300), as: UTF8.self))") }
            if (from / 500) % 200 == 199 { say("events: \(from + 500)/\(all.count) accepted by the API (\(ContinuousClock.now - start))") }
        }
        try await waitFor("interactions", pool: pool, sql: "SELECT count(*) FILTER (WHERE folded) FROM interactions", target: all.count, say: say)

        // 3. Every test user's list from the API at the held-out event's instant.
        var row = RowAccumulator(k: k, limit: limit, training: training)
        for (n, c) in cases.enumerated() {
            let user = c.user.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? c.user
            let asOf = RFC3339.format(c.asOf).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let status = try client.request(method: "GET", path: "/v1/users/\(user)/recommendations?limit=\(limit)&asOf=\(asOf)", keepBody: true)
            guard status == 200, case .object(let o) = try JSONValue.parse(client.lastBody), case .array(let items)? = o["items"] else {
                throw ConfigurationError("GET recommendations for \(c.user) answered \(status)")
            }
            let ranked = items.compactMap { item -> String? in
                if case .object(let f) = item, case .string(let id)? = f["id"] { return id } else { return nil }
            }
            row.add(ranked: ranked, target: c.target, strict: c.strict)
            if (n + 1) % max(cases.count / 10, 1) == 0 { say("through the API: \(n + 1)/\(cases.count) users") }
        }
        await group.triggerGracefulShutdown()
        try await running.value
        return row.row(name: "rec: blended, through Kafka + HTTP")
    }

    /// Polls `sql` (a count) until it reaches `target`; fails after two minutes without progress.
    func waitFor(_ what: String, pool: PostgresPool, sql: String, target: Int, say: (String) -> Void) async throws {
        var last = -1
        var idle = ContinuousClock.now
        while true {
            let n = try await pool.query(sql).first!.int(0)
            if n >= target { say("\(what): \(n)/\(target) applied by the consumers"); return }
            if n != last { last = n; idle = .now }
            if ContinuousClock.now - idle > .seconds(120) {
                throw ConfigurationError("\(what): the consumers applied \(n) of \(target) and made no progress for 2 minutes (see the dead-letter topic)")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
