import Foundation
import Kafka
import Postgres

/// `dlq_replays`: what `rec dlq replay` re-produced, one row per dead letter (dead-letter topic, partition,
/// offset), so a replay run again skips what an earlier one did. The only code that writes the table.
///
/// A replay claims a dead letter (``claim(_:run:force:)``) before producing it and confirms it
/// (``confirm(_:run:delivery:)``) once the broker acknowledged; a failed produce releases a fresh claim
/// (``release(_:run:)``). A claim never confirmed (the run was killed in between) is reported as such and
/// replayed again only with `force`, since its message may already be in the source topic — harmless
/// either way, as the consumers dedupe by event id.
public struct DeadLetterReplayLog: Sendable {
    /// One row.
    public struct Entry: Sendable, Equatable {
        public var source: DeadLetterRecord.Position
        /// Lowercase hex.
        public var sha256: String
        public var runID: UUID
        public var claimedAt: Date
        /// When the broker acknowledged the latest replay; nil while claimed and unconfirmed.
        public var replayedAt: Date?
        /// Where the latest replay landed in the source topic.
        public var replayedTo: DeadLetterRecord.Position?
        /// Confirmed replays (more than one only with `--force`).
        public var replays: Int

        public init(source: DeadLetterRecord.Position, sha256: String, runID: UUID, claimedAt: Date, replayedAt: Date? = nil,
                    replayedTo: DeadLetterRecord.Position? = nil, replays: Int = 0) {
            self.source = source
            self.sha256 = sha256
            self.runID = runID
            self.claimedAt = claimedAt
            self.replayedAt = replayedAt
            self.replayedTo = replayedTo
            self.replays = replays
        }

        /// Whether the row describes `record` (same source position and payload hash), rather than another
        /// message that once had the same place in a dead-letter topic since re-created.
        public func describes(_ record: DeadLetterRecord) -> Bool {
            source == record.source && sha256 == record.sha256
        }
    }

    /// What ``claim(_:run:force:)`` found and did.
    public enum Claim: Sendable, Equatable {
        /// Claimed: never replayed (or the row described another message, now replaced). Produce, then confirm.
        case claimed
        /// Claimed with `force` over an earlier replay (confirmed or not). Produce, then confirm.
        case forced(previous: Entry)
        /// Not claimed: replayed before (confirmed at `Entry.replayedAt`).
        case alreadyReplayed(Entry)
        /// Not claimed: claimed by a replay that never confirmed it (interrupted, or still running).
        case unconfirmed(Entry)
    }

    /// What to do with a row, decided without I/O.
    enum Decision: Equatable {
        case insert
        /// The row describes another message (the dead-letter topic was re-created): overwrite it.
        case replace
        /// `force`: take the claim over, keeping the row's history.
        case takeOver
        case skip(Claim)
    }

    static func decide(existing: Entry?, record: DeadLetterRecord, force: Bool) -> Decision {
        guard let existing else { return .insert }
        guard existing.describes(record) else { return .replace }
        if force { return .takeOver }
        return .skip(existing.replayedAt == nil ? .unconfirmed(existing) : .alreadyReplayed(existing))
    }

    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Checks that the table exists.
    ///
    /// - Throws: ``DeadLetterError`` `replayLog` naming `rec migrate` when it does not; ``PostgresError`` otherwise.
    public func verify() async throws {
        do {
            try await pool.query("SELECT 1 FROM dlq_replays LIMIT 0" as PostgresQuery)
        } catch let e as PostgresError where e.sqlState == "42P01" {
            throw DeadLetterError(.replayLog, "the replay log table dlq_replays does not exist: run rec migrate")
        }
    }

    /// Claims `record` for run `run`, unless an earlier replay of it exists and `force` is false.
    ///
    /// - Throws: ``PostgresError``; ``DeadLetterError`` `replayLog` when the row changed under the claim.
    public func claim(_ record: DeadLetterRecord, run: UUID, force: Bool) async throws -> Claim {
        let key = record.position
        let hash = PostgresBytes(Self.bytes(hex: record.sha256))
        return try await pool.transaction { c in
            let existing = try Self.read(key, lock: true, on: c)
            switch Self.decide(existing: existing, record: record, force: force) {
            case .skip(let claim):
                return claim
            case .insert:
                let inserted = try c.query("""
                    INSERT INTO dlq_replays (dlq_topic, dlq_partition, dlq_offset, source_topic, source_partition, source_offset, payload_sha256, run_id)
                    VALUES (\(bind: key.topic), \(bind: key.partition), \(bind: key.offset), \(bind: record.source.topic), \(bind: record.source.partition),
                            \(bind: record.source.offset), \(bind: hash), \(bind: run))
                    ON CONFLICT (dlq_topic, dlq_partition, dlq_offset) DO NOTHING
                    """ as PostgresQuery).affectedRows
                // Another run inserted it between our read and our insert: it holds the claim.
                guard inserted == 1 else {
                    guard let now = try Self.read(key, lock: false, on: c) else { throw DeadLetterError(.replayLog, "\(key): the replay log row vanished while claiming it") }
                    return now.replayedAt == nil ? .unconfirmed(now) : .alreadyReplayed(now)
                }
                return .claimed
            case .replace:
                try c.query("""
                    UPDATE dlq_replays SET source_topic = \(bind: record.source.topic), source_partition = \(bind: record.source.partition),
                        source_offset = \(bind: record.source.offset), payload_sha256 = \(bind: hash), run_id = \(bind: run), claimed_at = now(),
                        replayed_at = NULL, replayed_partition = NULL, replayed_offset = NULL, replays = 0
                    WHERE dlq_topic = \(bind: key.topic) AND dlq_partition = \(bind: key.partition) AND dlq_offset = \(bind: key.offset)
                    """ as PostgresQuery)
                return .claimed
            case .takeOver:
                try c.query("""
                    UPDATE dlq_replays SET run_id = \(bind: run), claimed_at = now()
                    WHERE dlq_topic = \(bind: key.topic) AND dlq_partition = \(bind: key.partition) AND dlq_offset = \(bind: key.offset)
                    """ as PostgresQuery)
                return .forced(previous: existing!)
            }
        }
    }

    /// Records that run `run`'s replay of `record` reached the broker at `delivery`.
    ///
    /// - Returns: false when another run took the claim over meanwhile (`--force` elsewhere); nothing changed.
    @discardableResult
    public func confirm(_ record: DeadLetterRecord, run: UUID, delivery: KafkaDeliveryReport) async throws -> Bool {
        let key = record.position
        return try await pool.query("""
            UPDATE dlq_replays SET replayed_at = now(), replayed_partition = \(bind: delivery.partition), replayed_offset = \(bind: delivery.offset),
                replays = replays + 1
            WHERE dlq_topic = \(bind: key.topic) AND dlq_partition = \(bind: key.partition) AND dlq_offset = \(bind: key.offset) AND run_id = \(bind: run)
            """ as PostgresQuery).affectedRows == 1
    }

    /// Drops run `run`'s fresh, unconfirmed claim of `record` (its produce failed), so the next run replays it.
    public func release(_ record: DeadLetterRecord, run: UUID) async throws {
        let key = record.position
        try await pool.query("""
            DELETE FROM dlq_replays
            WHERE dlq_topic = \(bind: key.topic) AND dlq_partition = \(bind: key.partition) AND dlq_offset = \(bind: key.offset)
              AND run_id = \(bind: run) AND replayed_at IS NULL AND replays = 0
            """ as PostgresQuery)
    }

    /// The row of the dead letter at `position`, if any.
    public func entry(at position: DeadLetterRecord.Position) async throws -> Entry? {
        try await pool.withConnection { c in try Self.read(position, lock: false, on: c) }
    }

    /// Every row of `dlqTopic`, by dead-letter position (what `rec dlq inspect` marks as replayed).
    public func entries(dlqTopic: String) async throws -> [DeadLetterRecord.Position: Entry] {
        let rows = try await pool.query("SELECT \(unescaped: Self.columns), dlq_partition, dlq_offset FROM dlq_replays WHERE dlq_topic = \(bind: dlqTopic)" as PostgresQuery,
                                        resultFormat: .binary)
        var out = [DeadLetterRecord.Position: Entry]()
        for row in rows {
            out[DeadLetterRecord.Position(topic: dlqTopic, partition: Int32(try row.int(10)), offset: Int64(try row.int(11)))] = try Self.decode(row)
        }
        return out
    }

    // MARK: - internals

    static let columns = "source_topic, source_partition, source_offset, payload_sha256, run_id, claimed_at, replayed_at, replayed_partition, replayed_offset, replays"

    private static func read(_ key: DeadLetterRecord.Position, lock: Bool, on c: PGConnection) throws -> Entry? {
        let q: PostgresQuery = """
            SELECT \(unescaped: columns) FROM dlq_replays
            WHERE dlq_topic = \(bind: key.topic) AND dlq_partition = \(bind: key.partition) AND dlq_offset = \(bind: key.offset)\(unescaped: lock ? " FOR UPDATE" : "")
            """
        return try c.query(q, resultFormat: .binary).first.map(decode)
    }

    private static func decode(_ row: PostgresRow) throws -> Entry {
        let source = DeadLetterRecord.Position(topic: try row.string(0), partition: Int32(try row.int(1)), offset: Int64(try row.int(2)))
        let replayedTo = row.isNull(7) || row.isNull(8) ? nil
            : DeadLetterRecord.Position(topic: source.topic, partition: Int32(try row.int(7)), offset: Int64(try row.int(8)))
        return Entry(source: source, sha256: SHA256Digest.hex(row.bytes(3) ?? []), runID: try row.uuid(4), claimedAt: try row.date(5),
                     replayedAt: row.isNull(6) ? nil : try row.date(6), replayedTo: replayedTo, replays: try row.int(9))
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return 0
            }
        }
        return stride(from: 0, to: digits.count - 1, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
    }
}
