import RecApp
import ArgumentParser
import Consumers
import Foundation
import Logging
import Postgres

/// `rec dlq inspect|replay`: look at dead-lettered messages and re-produce them once their cause is fixed.
struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect and replay dead letters (messages the consumers could not apply).",
        discussion: """
            The consumers send a message they cannot apply to <topic>.dlq (catalog.v1.dlq, interactions.v1.dlq) with \
            its key, value and headers, the reason (dlq-error) and its source position (dlq-source-topic, \
            dlq-source-partition, dlq-source-offset). A message too large for the dead-letter topic is dead-lettered \
            by reference (dlq-payload: reference): a small JSON record with its source position, size and SHA-256, \
            while the payload stays in the source topic until its retention ends. See docs/operations.md.
            """,
        subcommands: [DLQInspectCommand.self, DLQReplayCommand.self]
    )

    /// Log lines of the readers and the producer only when something is wrong: the report is the output.
    static var logger: Logger {
        var l = Logger(label: "rec.dlq")
        l.logLevel = .warning
        return l
    }
}

/// Which dead-letter topic(s) a `rec dlq` command reads.
struct DLQTopicOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The dead-letter topic to read, e.g. catalog.v1.dlq.", valueName: "dlq-topic"))
    var topic: String?

    @Option(help: ArgumentHelp("The source topic whose dead letters to read (<source>.dlq), e.g. interactions.v1.", valueName: "source-topic"))
    var source: String?

    func validate() throws {
        if topic != nil, source != nil { throw ValidationError("give --topic or --source, not both") }
        if topic?.isEmpty == true || source?.isEmpty == true { throw ValidationError("the topic name is empty") }
    }

    /// The chosen topic, or both configured dead-letter topics (REC_CATALOG_TOPIC, REC_EVENTS_TOPIC).
    func topics(_ config: AppConfiguration) -> [String] {
        if let topic { return [topic] }
        if let source { return [Topics.deadLetter(of: source)] }
        let configured = [config.catalogTopic, config.eventsTopic].map(Topics.deadLetter(of:))
        return configured[0] == configured[1] ? [configured[0]] : configured
    }

    var isExplicit: Bool { topic != nil || source != nil }
}

struct DLQInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List dead letters and count them by reason.",
        discussion: """
            Reads each dead-letter topic from its first stored offset to its end and exits, without joining a consumer \
            group or committing offsets (it moves no one's position). Without --topic/--source it reads both configured \
            dead-letter topics (REC_CATALOG_TOPIC and REC_EVENTS_TOPIC, each with .dlq).

            Per dead letter: partition:offset, when it was dead-lettered, its source topic/partition/offset, the payload \
            size, the key, the reason and the start of the payload with control characters escaped; BY REFERENCE marks \
            oversize messages whose payload stays in the source topic. With DATABASE_URL set, dead letters that \
            `rec dlq replay` re-produced are marked `replayed <time>`.

            Example: rec dlq inspect --source interactions.v1 --reason occurredAt --limit 20
            """
    )

    @OptionGroup var topics: DLQTopicOptions

    @Option(help: "List at most this many dead letters per topic, the newest (0: all). The counts cover all of them.")
    var limit: Int = 50

    @Option(help: "Only dead letters whose reason contains this text (case-insensitive).")
    var reason: String?

    @Flag(help: "Print one JSON document {\"topics\":[...]} instead of text.")
    var json = false

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
    }

    struct Output: Encodable {
        var topics: [DeadLetterInspection]
    }

    func run() async throws {
        let config = try AppConfiguration.fromEnvironment()
        let kafka = try config.kafkaConfiguration()
        let pool = config.databaseURL == nil ? nil
            : PostgresPool(configuration: try PostgresPoolConfiguration(url: try config.requireDatabaseURL(), maxConnections: 1), logger: DLQCommand.logger)
        defer { pool?.close() }
        let inspector = DeadLetterInspector(kafka: kafka, replayLog: pool.map(DeadLetterReplayLog.init(pool:)), logger: DLQCommand.logger)
        var reports = [DeadLetterInspection]()
        for (k, topic) in topics.topics(config).enumerated() {
            let report = try await inspector.inspect(dlqTopic: topic, reason: reason, limit: limit)
            if !json { print((k > 0 ? "\n" : "") + report.text(), terminator: "") }
            reports.append(report)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Output(topics: reports)), as: UTF8.self))
        }
    }
}

struct DLQReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-produce dead letters to their source topic once their cause is fixed.",
        discussion: """
            Each selected dead letter's original payload, key and headers (without the dlq-* ones) go back to the source \
            partition it was read from, with dlq-replayed-from: <dlq topic>/<partition>/<offset>. A by-reference dead \
            letter's payload is fetched from the source topic at its recorded position and checked against the recorded \
            size and SHA-256; once the source topic's retention has passed it is reported unavailable.

            Idempotent: each replay is recorded in the dlq_replays table (rec migrate creates it), and dead letters \
            replayed before are skipped unless --force. The consumers also dedupe by event id, so an event replayed \
            twice, or re-sent by its producer meanwhile, is applied once. A replay that fails again is dead-lettered \
            again, with its dlq-replayed-from header.

            Prints one line per dead letter: replayed, skipped (already replayed) or unavailable (not in the dead-letter \
            topic, malformed, payload gone from the source topic). Exits 1 when any selected dead letter was unavailable. \
            Needs DATABASE_URL and KAFKA_BROKERS.

            Examples:
              rec dlq replay --source interactions.v1 --offsets 0:12,0:20-25 --dry-run
              rec dlq replay --source catalog.v1 --all --reason 'embedding rejected'
            """
    )

    @OptionGroup var topics: DLQTopicOptions

    @Option(help: ArgumentHelp("Dead letters to replay: partition:offset or partition:first-last, comma-separated (e.g. 0:12,0:20-25).",
                               valueName: "p:o,p:o-o2"))
    var offsets: String?

    @Flag(help: "Replay every dead letter of the topic (or of the reason given with --reason).")
    var all = false

    @Option(help: "Only dead letters whose reason contains this text (case-insensitive).")
    var reason: String?

    @Flag(help: "Replay dead letters even if the replay log says they were replayed (or claimed) before.")
    var force = false

    @Flag(help: "Produce and record nothing; print what would be replayed (by-reference payloads are still fetched and checked).")
    var dryRun = false

    func validate() throws {
        guard (offsets != nil) != all else { throw ValidationError("choose the dead letters: --offsets p:o,... or --all") }
        if offsets != nil, !topics.isExplicit { throw ValidationError("--offsets needs one dead-letter topic: --topic or --source") }
        if let offsets {
            do throws(DeadLetterError) { _ = try DeadLetterSelection(parsing: offsets) } catch { throw ValidationError(error.message) }
        }
    }

    func run() async throws {
        let config = try AppConfiguration.fromEnvironment()
        let selection = try offsets.map { try DeadLetterSelection(parsing: $0, reason: reason) } ?? .all(reason: reason)
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: try config.requireDatabaseURL(), maxConnections: 1), logger: DLQCommand.logger)
        defer { pool.close() }
        let log = DeadLetterReplayLog(pool: pool)
        try await log.verify()
        let replayer = DeadLetterReplayer(kafka: try config.kafkaConfiguration(), replayLog: log, logger: DLQCommand.logger)
        var unavailable = 0
        for topic in topics.topics(config) {
            print("\(dryRun ? "dry run: " : "")replaying \(selection) of \(topic)\(force ? " (--force)" : "")")
            let summary: DeadLetterReplayer.Summary
            do {
                summary = try await replayer.replay(dlqTopic: topic, selection: selection, force: force, dryRun: dryRun) { report in
                    print(Self.line(report))
                }
            } catch let e as DeadLetterError where e.code == .unknownTopic && !topics.isExplicit {
                // One of the two configured dead-letter topics may never have been created.
                print("\(topic): no such topic, nothing to replay")
                continue
            }
            var counts = dryRun ? ["\(summary.wouldReplay) would be replayed"] : ["\(summary.replayed) replayed"]
            counts += ["\(summary.skipped) skipped", "\(summary.unavailable) unavailable"]
            print("\(topic): " + counts.joined(separator: ", "))
            unavailable += summary.unavailable
        }
        if unavailable > 0 { throw ExitCode(1) }
    }

    /// `replayed     interactions.v1.dlq/0/12  -> interactions.v1/1/57  (482 B from interactions.v1/1/9; reason: ...)`
    static func line(_ r: DeadLetterReplayer.Report) -> String {
        let what: String, detail: String
        switch r.outcome {
        case .replayed(let to, let again): (what, detail) = (again ? "replayed*" : "replayed", "-> \(to)\(again ? " (again, --force)" : "")")
        case .wouldReplay(let topic, let p): (what, detail) = ("would replay", "-> \(topic)/\(p.map(String.init) ?? "by key")")
        case .skipped(let why): (what, detail) = ("skipped", why)
        case .unavailable(let why): (what, detail) = ("unavailable", EscapedText.escape(why))
        }
        var s = what.padding(toLength: 13, withPad: " ", startingAt: 0) + "\(r.position)  \(detail)"
        if let rec = r.record {
            s += "  (\(rec.size) B\(rec.isByReference ? " by reference" : "") from \(EscapedText.escape(rec.source.description)); reason: \(EscapedText.preview(Array(rec.reason.utf8), maxCharacters: 100).text))"
        }
        return s
    }
}
