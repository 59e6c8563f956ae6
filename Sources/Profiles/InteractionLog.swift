import Foundation
import Postgres
import RecCore

/// `interactions`: the append-only log of every event (the event id is the key, so a redelivered event is
/// recognised), with `folded` telling whether the event is in its user's profile yet. The only code that
/// writes the table, and its row codec (``decode(_:)``) for every reader of whole events.
public struct InteractionLog: Sendable {
    public init() {}

    /// The columns ``decode(_:)`` reads, in its order.
    public static let columns = "event_id, user_id, item_id, type, value, session_id, occurred_at"

    /// One event from a row that starts with ``columns`` (either result format).
    ///
    /// - Throws: ``ProfileStoreError`` `corruptProfile` for an event type this build does not know.
    public static func decode(_ row: PostgresRow) throws -> Interaction {
        guard let type = EventType(rawValue: try row.string(3)) else { throw ProfileStoreError(.corruptProfile, "unknown event type in the log") }
        return Interaction(eventID: try row.uuid(0), occurredAt: try row.date(6), userID: UserID(try row.string(1)), itemID: ItemID(try row.string(2)),
                           type: type, value: row.isNull(4) ? nil : try row.double(4), sessionID: try row.optionalString(5))
    }

    /// Appends `batch`; returns the ids actually inserted (not already there).
    ///
    /// - Parameter folded: whether an event is folded into its profile in the same transaction (false: its
    ///   item has no vector in the live space yet, and ``claimPending(space:dimension:limit:on:)`` returns it later).
    func append(_ batch: [Interaction], folded: (Interaction) -> Bool, on conn: PGConnection) throws -> Set<UUID> {
        // In (user, time) order: consecutive rows land on the same leaf of the user/time index and
        // the same heap pages, and a user's rows end up together for the readers of their history.
        let batch = batch.sorted { $0.userID.rawValue != $1.userID.rawValue ? $0.userID.rawValue < $1.userID.rawValue : $0.occurredAt < $1.occurredAt }
        let rows = try conn.query("""
            INSERT INTO interactions (\(unescaped: Self.columns), folded)
            SELECT * FROM unnest(\(bind: BinaryArray.uuids(batch.map(\.eventID)))::uuid[], \(bind: BinaryArray.texts(batch.map(\.userID.rawValue)))::text[],
                                 \(bind: BinaryArray.texts(batch.map(\.itemID.rawValue)))::text[], \(bind: BinaryArray.texts(batch.map(\.type.rawValue)))::text[],
                                 \(bind: BinaryArray.doubles(batch.map(\.value)))::float8[], \(bind: BinaryArray.texts(batch.map(\.sessionID)))::text[],
                                 \(bind: BinaryArray.dates(batch.map(\.occurredAt)))::timestamptz[], \(bind: BinaryArray.bools(batch.map(folded)))::bool[])
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
            """, resultFormat: .binary)
        var ids = Set<UUID>()
        ids.reserveCapacity(rows.count)
        for row in rows { ids.insert(try row.uuid(0)) }
        return ids
    }

    /// The newest `window` engaged events (not dismissals) of each user, oldest first: what a batch's
    /// events follow (read before the batch is logged).
    func sequenceTails(_ users: [String], window: Int, on conn: PGConnection) throws -> [String: [TransitionTable.SequenceEvent]] {
        guard window > 0, !users.isEmpty else { return [:] }
        let rows = try conn.query("""
            SELECT u.id, x.item_id, x.occurred_at FROM unnest(\(bind: BinaryArray.texts(users))::text[]) AS u(id)
            CROSS JOIN LATERAL (SELECT item_id, occurred_at FROM interactions
                                WHERE user_id = u.id AND type <> 'dismiss' ORDER BY occurred_at DESC LIMIT \(bind: window)) x
            """, resultFormat: .binary)
        var out = [String: [TransitionTable.SequenceEvent]]()
        for row in rows {
            out[try row.string(0), default: []].append(.init(item: try row.string(1), time: try row.date(2), isNew: false))
        }
        for k in out.keys { out[k]!.reverse() }
        return out
    }

    /// Claims up to `limit` unfolded events whose item has gained a vector in `space` (the live one) since
    /// they arrived (`FOR UPDATE SKIP LOCKED`: concurrent claimers take disjoint rows), in user order.
    func claimPending(space: String, dimension: Int, limit: Int, on conn: PGConnection) throws -> [Interaction] {
        try conn.query("""
            SELECT \(unescaped: Self.columns)
            FROM interactions i
            WHERE NOT i.folded
              AND EXISTS (SELECT 1 FROM item_embeddings e WHERE e.item_id = i.item_id AND e.space = \(bind: space) AND e.dims = \(bind: dimension))
            ORDER BY i.user_id
            LIMIT \(bind: limit)
            FOR UPDATE OF i SKIP LOCKED
            """, resultFormat: .binary).map(Self.decode)
    }

    /// Marks events as folded into their profiles.
    func markFolded(_ ids: [UUID], on conn: PGConnection) throws {
        try conn.query("UPDATE interactions SET folded = true WHERE event_id = ANY(\(bind: BinaryArray.uuids(ids))::uuid[]) AND NOT folded")
    }

    /// Every event of `users` (with `onlyFolded`, those folded into the live space's profiles), per user in
    /// event-time order, locked until the transaction ends.
    func history(_ users: [String], onlyFolded: Bool = false, on conn: PGConnection) throws -> [Interaction] {
        try conn.query("""
            SELECT \(unescaped: Self.columns)
            FROM interactions WHERE user_id = ANY(\(bind: BinaryArray.texts(users))::text[])\(unescaped: onlyFolded ? " AND folded" : "")
            ORDER BY user_id, occurred_at, event_id
            FOR UPDATE
            """, resultFormat: .binary).map(Self.decode)
    }

    /// The newest `limit` events of `user`, newest first.
    public func recent(_ user: String, limit: Int, on conn: PGConnection) throws -> [Interaction] {
        try conn.query("SELECT \(unescaped: Self.columns) FROM interactions WHERE user_id = \(bind: user) ORDER BY occurred_at DESC LIMIT \(bind: limit)",
                       resultFormat: .binary).map(Self.decode)
    }

    /// Up to `limit` users with logged events after `after`, in id order (pages of a rebuild).
    func users(after: String, limit: Int, on conn: PGConnection) throws -> [String] {
        try conn.query("SELECT DISTINCT user_id FROM interactions WHERE user_id > \(bind: after) ORDER BY user_id LIMIT \(bind: limit)")
            .map { try $0.string(0) }
    }

    /// Removes every logged event of `user`; returns how many there were.
    func delete(_ user: String, on conn: PGConnection) throws -> Int {
        try conn.query("DELETE FROM interactions WHERE user_id = \(bind: user)").affectedRows
    }
}
