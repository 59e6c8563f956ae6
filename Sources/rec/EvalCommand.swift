import RecApp
import ArgumentParser
import Evaluation
import Foundation
import Logging
import Postgres
import Profiles
import RecCore
import RecService

/// `rec eval`: offline evaluation of the product's recommendations on a timestamped dataset, through the
/// code paths that serve requests, next to baselines computed in the same run.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate recommendations offline: replay a dataset through the product and score held-out events.",
        discussion: """
            Input: an items file (id, title or text, optional description, categories separated by |, image, publishedAt) and an \
            interactions file (user, item, type or rating/value, timestamp in Unix seconds or RFC 3339), CSV, TSV or JSONL by \
            extension, with a header row. An image is a URL or a file path; files are read only inside the items file's folder \
            (or REC_IMAGE_FILE_DIR), and URLs only on public addresses (or REC_IMAGE_ALLOW_CIDRS). The catalog is embedded \
            through the configured endpoint by catalog ingest, the training \
            interactions are replayed in event-time order through the interaction consumer's transaction (profiles, popularity, \
            transitions) into a schema of their own, and every test user's list comes from the recommender with the request's \
            "now" set to the held-out event's time. Full ranking over the catalog (no sampled negatives), seen items excluded. \
            Reports HR@K, NDCG@K, MRR@N, coverage@K and novelty@K for users whose held-out event is strictly later than all their \
            history, and for all users, next to random, most-popular, item-kNN and recent-items item-kNN baselines. \
            MovieLens-1M: deploy/local/datasets ml-1m.
            """
    )

    @Option(help: "Items file (.csv, .tsv, .jsonl).")
    var items: String
    @Option(help: "Interactions file (.csv, .tsv, .jsonl).")
    var interactions: String
    @Option(help: "leave-last-out (each user's last event) or time-split (each user's first event after a global time cut).")
    var split: String = "leave-last-out"
    @Option(help: "time-split: the share of events (by time) used for training.")
    var trainFraction: Double = 0.8
    @Option(help: "Cut-off of HR, NDCG, coverage and novelty.")
    var k: Int = 10
    @Option(help: "Length of each recommended list (MRR is MRR@limit), at most 100 as in the API.")
    var limit: Int = 100
    @Option(help: "Which of the product's configurations to score: comma list of popularity, content, collaborative, blended.")
    var variants: String = "popularity,content,collaborative,blended"
    @Flag(help: "Skip the baselines.")
    var noBaselines = false
    @Option(help: "Tune on a validation split carved from the training data only: a JSON object of environment variable → list of values (REC_W_*, REC_COVISIT_*, ...). Prints the chosen configuration and scores it on the test split.")
    var grid: String?
    @Option(help: "Schema for the replayed data. Default: rec_eval_<random>, dropped at the end unless --keep.")
    var schema: String?
    @Flag(help: "Keep the schema (and reuse it with --reuse --schema S on the next run).")
    var keep = false
    @Flag(help: "Reuse an existing replay in --schema instead of loading it again (the same dataset and split).")
    var reuse = false
    @Option(help: "Recommendation requests in flight.")
    var concurrency: Int = 4
    @Option(help: "Interactions per replayed batch (one consumer transaction each).")
    var batchSize: Int = 50_000
    @Option(help: "Gap in minutes that ends a user's session in the replay (ratings carry no session id).")
    var sessionGapMinutes: Double = 30
    @Option(help: "Evaluate at most this many test users (a deterministic sample; 0: all).")
    var maxUsers: Int = 0
    @Flag(help: "Also replay through the real path: the catalog to a Kafka topic and catalog ingest, the events through POST /v1/events and the interaction consumer, the lists from GET /v1/users/{id}/recommendations?asOf=… (all in this process, on topics and a schema of the run's own; needs KAFKA_BROKERS).")
    var throughKafka = false
    @Option(help: "Loopback port of the API that --through-kafka starts.")
    var apiPort: Int = 28181
    @Option(help: "Also write the report as JSON to this file.")
    var json: String?
    @Flag(help: "Do not record the report in the database (table eval_reports of DATABASE_URL's schema, which the web console reads).")
    var noStore = false

    mutating func validate() throws {
        guard (1...100).contains(k), (k...100).contains(limit) else { throw ValidationError("k must be 1...100 and limit k...100") }
        guard ["leave-last-out", "time-split"].contains(split) else { throw ValidationError("split must be leave-last-out or time-split") }
        guard concurrency >= 1, batchSize >= 1 else { throw ValidationError("concurrency and batch size must be positive") }
        if reuse && schema == nil { throw ValidationError("--reuse needs --schema") }
    }

    func run() async throws {
        var logger = Logger(label: "rec.eval")
        logger.logLevel = .warning
        var app = try AppConfiguration.fromEnvironment()
        if app.imageFileDirectorySetting == nil {
            // The dataset's own image files; catalog ingest reads file:// only inside one directory.
            app = try app.overriding(["REC_IMAGE_FILE_DIR": URL(fileURLWithPath: items).deletingLastPathComponent().path])
        }
        let started = ContinuousClock.now
        func say(_ s: String) { FileHandle.standardError.write(Data("[eval \(Self.elapsed(started))] \(s)\n".utf8)) }

        let data = try EvalDataset.load(items: URL(fileURLWithPath: items), interactions: URL(fileURLWithPath: interactions))
        say("loaded \(data.items.count) items, \(data.events.count) interactions of \(data.userCount) users"
            + (data.skippedUnknownItems > 0 ? " (\(data.skippedUnknownItems) naming unknown items skipped)" : ""))
        let protocolValue: SplitProtocol = split == "time-split" ? .globalTime(trainFraction: trainFraction) : .leaveLastOut
        let testSplit = try EvalSplit(data.events, protocol: protocolValue)
        let cases = Self.sample(testSplit.cases, maxUsers)
        say("\(split): \(testSplit.train.count) training events, \(cases.count) test users (\(cases.filter(\.strict).count) strict)")

        var chosen = [String: String]()
        if let grid {
            chosen = try await tune(gridFile: grid, data: data, split: testSplit, app: app, logger: logger, say: say)
        }

        let replay = EvalReplay(app: app, schema: schema ?? "rec_eval_\(UUID().uuidString.prefix(8).lowercased())", logger: logger)
        defer { if !keep { try? replay.drop() } }  // also when loading fails half-way
        try await load(replay, train: testSplit.train, data: data, app: app.overriding(chosen), logger: logger, say: say)

        let training = EvalTraining(train: testSplit.train, catalog: data.catalog)
        var report = EvalReport()
        if !noBaselines {
            report.rows.append(await EvalRunner.evaluate(name: "random", ranker: RandomRanker(training: training), cases: cases, training: training, k: k, limit: limit))
            report.rows.append(await EvalRunner.evaluate(name: "most-popular", ranker: PopularityRanker(training: training), cases: cases, training: training, k: k, limit: limit))
            let similarity = ItemSimilarity(training: training)
            report.rows.append(await EvalRunner.evaluate(name: "item-kNN", ranker: ItemKNNRanker(similarity: similarity), cases: cases, training: training, k: k, limit: limit))
            report.rows.append(await EvalRunner.evaluate(name: "recent item-kNN", ranker: RecentItemKNNRanker(similarity: similarity), cases: cases, training: training, k: k, limit: limit))
            say("baselines scored")
        }
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: try replay.url, maxConnections: max(concurrency * 2, 4)))
        defer { pool.close() }
        for variant in variants.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let overrides = Self.variantOverrides[variant] else { throw ValidationError("unknown variant \(variant)") }
            let config = try app.overriding(chosen.merging(overrides) { _, v in v }).recommenderConfiguration()
            let row = try await Self.scoreProduct(name: "rec: \(variant)", configuration: config, pool: pool, cases: cases,
                                                  training: training, k: k, limit: limit, concurrency: concurrency, say: say)
            report.rows.append(row)
        }
        if throughKafka {
            let path = EvalReplay(app: app, schema: replay.schema + "_kafka", logger: logger)
            defer { if !keep { try? path.drop() } }
            let row = try await EvalThroughKafka(replay: path, app: try app.overriding(chosen), port: apiPort, logger: logger)
                .run(data: data, train: testSplit.train, cases: cases, training: training, k: k, limit: limit,
                     sessionGap: sessionGapMinutes * 60, say: say)
            report.rows.append(row)
        }
        print(report.table())
        if !chosen.isEmpty { print("configuration (tuned): " + chosen.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
        if let json { try report.json().write(to: URL(fileURLWithPath: json)) }
        if !noStore { await record(report, chosen: chosen, cases: cases, app: app, say: say) }
        say("done" + (keep ? "; replay kept in schema \(replay.schema)" : ""))
    }

    /// Records the report for the web console (``EvalReportStore``); a database without migration 0011 only
    /// gets a warning: the report is printed either way.
    func record(_ report: EvalReport, chosen: [String: String], cases: [EvalCase], app: AppConfiguration, say: (String) -> Void) async {
        do {
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: try app.requireDatabaseURL(), maxConnections: 1))
            defer { pool.close() }
            let itemsURL = URL(fileURLWithPath: items)
            let dataset = itemsURL.deletingLastPathComponent().lastPathComponent
            var parameters: [String: JSONValue] = [
                "dataset": .string(dataset), "items": .string(itemsURL.lastPathComponent),
                "interactions": .string(URL(fileURLWithPath: interactions).lastPathComponent), "split": .string(split), "k": .number(Double(k)),
                "limit": .number(Double(limit)), "variants": .string(variants), "baselines": .bool(!noBaselines),
                "users": .number(Double(cases.count)), "strictUsers": .number(Double(cases.filter(\.strict).count)),
                "throughKafka": .bool(throughKafka),
            ]
            if split == "time-split" { parameters["trainFraction"] = .number(trainFraction) }
            if maxUsers > 0 { parameters["maxUsers"] = .number(Double(maxUsers)) }
            if !chosen.isEmpty { parameters["tuned"] = .object(chosen.mapValues { .string($0) }) }
            let id = try await EvalReportStore(pool: pool).record(label: "\(dataset) \(split)", parameters: .object(parameters), report: Array(try report.json()))
            say("report recorded as eval_reports \(id) (the web console's Evaluation view)")
        } catch let e as PostgresError where e.sqlState == "42P01" {
            say("warning: the report was not recorded: the database lacks table eval_reports (run rec migrate)")
        } catch {
            say("warning: the report was not recorded: \(error)")
        }
    }

    /// The product's variants: each turns some signals off (weights to 0) on the same replayed data.
    static let variantOverrides: [String: [String: String]] = [
        "popularity": ["REC_W_LONG": "0", "REC_W_SESSION": "0", "REC_W_NEGATIVE": "0", "REC_W_COVISIT": "0", "REC_W_FRESHNESS": "0", "REC_W_POPULARITY": "1"],
        "content": ["REC_W_COVISIT": "0", "REC_W_POPULARITY": "0", "REC_W_FRESHNESS": "0"],
        "collaborative": ["REC_W_LONG": "0", "REC_W_SESSION": "0", "REC_W_NEGATIVE": "0", "REC_W_POPULARITY": "0", "REC_W_FRESHNESS": "0", "REC_W_COVISIT": "1"],
        "blended": [:],
    ]

    /// Variables that change what the replay stores (profiles, counters, transitions): a grid over them
    /// replays the validation data once per combination; every other variable only changes serving.
    static let storageVariables: Set<String> = [
        "REC_EVENT_WEIGHTS", "REC_PROFILE_HALF_LIFE_DAYS", "REC_SESSION_HALF_LIFE_MINUTES", "REC_NEGATIVE_HALF_LIFE_DAYS",
        "REC_POPULARITY_HALF_LIFE_DAYS", "REC_TRANSITION_WINDOW", "REC_TRANSITION_POSITION_DECAY", "REC_TRANSITION_HALF_LIFE_DAYS", "REC_TRANSITION_REVERSE_WEIGHT",
    ]

    /// Loads `train` into `replay`'s schema: the catalog through catalog ingest (or copied from
    /// `catalogFrom`, a replay of the same dataset in this run), then the interactions.
    func load(_ replay: EvalReplay, train: [EvalEvent], data: EvalDataset, app: AppConfiguration, catalogFrom: EvalReplay? = nil,
              logger: Logger, say: (String) -> Void) async throws {
        if reuse, try replay.exists() {
            say("reusing the replay in schema \(replay.schema)")
            return
        }
        try replay.create()
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: try replay.url, maxConnections: 4))
        defer { pool.close() }
        if let catalogFrom {
            try replay.copyCatalog(from: catalogFrom)
        } else {
            let (stored, rejected) = try await replay.ingestCatalog(data.items, pool: pool, progress: say)
            if !rejected.isEmpty { say("catalog: \(rejected.count) items rejected, e.g. \(rejected.prefix(3).joined(separator: "; "))") }
            say("catalog: \(stored) items stored")
        }
        let store = ProfileStore(pool: pool, configuration: try app.profileConfiguration(), logger: logger)
        try await replay.replayInteractions(train, store: store, batchSize: batchSize, sessionGap: sessionGapMinutes * 60, progress: say)
        _ = try await pool.withConnection { conn in try conn.execute("ANALYZE") }
    }

    /// Grid search on a validation split carved from the training events only (the test events never
    /// influence the choice). Maximizes NDCG@K of the strict validation users.
    func tune(gridFile: String, data: EvalDataset, split: EvalSplit, app: AppConfiguration, logger: Logger,
              say: (String) -> Void) async throws -> [String: String] {
        let grid = try EvalGrid.parse(try Data(contentsOf: URL(fileURLWithPath: gridFile)))
        let configurations = try grid.configurations()
        let validation = try split.validation()
        let cases = Self.sample(validation.cases, maxUsers)
        let training = EvalTraining(train: validation.train, catalog: data.catalog)
        say("grid: \(configurations.count) configurations on a validation split of \(validation.train.count) events, \(cases.count) users")
        let groups = Dictionary(grouping: configurations) { c in c.filter { Self.storageVariables.contains($0.key) } }
        var best: (score: Double, config: [String: String])?
        var tried = 0
        var first: EvalReplay?  // the first replay's catalog serves the others
        defer { try? first?.drop() }
        // With --schema and one storage combination, the validation replay is "<schema>_val", kept with
        // --keep and reused with --reuse: tuning serving knobs again costs no replay.
        let named = schema.map { "\($0)_val" }
        if named != nil, groups.count > 1 { say("grid: several storage combinations; the validation replays are not kept") }
        for (storage, serving) in groups.sorted(by: { $0.key.description < $1.key.description }) {
            let kept = groups.count == 1 ? named : nil
            let replay = EvalReplay(app: app, schema: kept ?? "rec_eval_val_\(UUID().uuidString.prefix(8).lowercased())", logger: logger)
            try await load(replay, train: validation.train, data: data, app: app.overriding(storage), catalogFrom: first, logger: logger, say: say)
            defer { if first?.schema != replay.schema && !(keep && kept != nil) { try? replay.drop() } }
            if first == nil && !(keep && kept != nil) { first = replay }
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: try replay.url, maxConnections: max(concurrency * 2, 4)))
            defer { pool.close() }
            for c in serving {
                let config = try app.overriding(c).recommenderConfiguration()
                let row = try await Self.scoreProduct(name: "grid", configuration: config, pool: pool, cases: cases, training: training,
                                                      k: k, limit: limit, concurrency: concurrency, say: { _ in })
                tried += 1
                let text = c.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                say("grid \(tried)/\(configurations.count): " + String(format: "NDCG@%d %.4f HR@%d %.4f  ", k, row.strict.ndcg, k, row.strict.hitRate) + text)
                if best == nil || row.strict.ndcg > best!.score { best = (row.strict.ndcg, c) }
            }
        }
        let chosen = best?.config ?? [:]
        say("grid: chose " + chosen.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        return chosen
    }

    /// Scores the product's own recommender (``Recommender/recommend(userID:request:contextItems:now:)``,
    /// the code behind `GET /v1/users/{id}/recommendations`) on every case, at the case's instant.
    static func scoreProduct(name: String, configuration: RecommenderConfiguration, pool: PostgresPool, cases: [EvalCase],
                             training: EvalTraining, k: Int, limit: Int, concurrency: Int, say: (String) -> Void) async throws -> EvalReport.Row {
        let recommender = Recommender(pool: pool, configuration: configuration, parallelSourcesUpTo: 0)
        try await recommender.warmVectorCache()
        var row = RowAccumulator(k: k, limit: limit, training: training)
        let start = ContinuousClock.now
        var done = 0
        var next = 0
        try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            func submit() {
                guard next < cases.count else { return }
                let i = next
                next += 1
                let c = cases[i]
                group.addTask {
                    let result = try await recommender.recommend(userID: c.user, request: ListingRequest(limit: limit), now: c.asOf)
                    return (i, result.items.map(\.candidate.itemID))
                }
            }
            for _ in 0..<concurrency { submit() }
            while let (i, ranked) = try await group.next() {
                row.add(ranked: ranked, target: cases[i].target, strict: cases[i].strict)
                done += 1
                if done % max(cases.count / 10, 1) == 0 { say("\(name): \(done)/\(cases.count) users (\(ContinuousClock.now - start))") }
                submit()
            }
        }
        return row.row(name: name)
    }

    /// At most `n` cases (every `count/n`-th, so the sample spreads over the users); 0: all.
    static func sample(_ cases: [EvalCase], _ n: Int) -> [EvalCase] {
        guard n > 0, cases.count > n else { return cases }
        let step = Double(cases.count) / Double(n)
        return (0..<n).map { cases[Int(Double($0) * step)] }
    }

    static func elapsed(_ since: ContinuousClock.Instant) -> String {
        let s = (ContinuousClock.now - since).components.seconds
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}
