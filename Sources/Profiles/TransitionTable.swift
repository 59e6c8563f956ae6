import Foundation
import Postgres
import RecCore

/// `item_transitions`: behavioural edges between items (what users engaged with next), appended by every
/// batch and merged by compaction. The only code that writes the table; the recommender reads it in its
/// candidate statement.
///
/// Rows are appended, not upserted: concurrent consumers never wait on each other's edges, and an edge may
/// have several rows (the log-sum of their weights, the sum of their events) until ``compact(after:sources:on:)``
/// merges them.
struct TransitionTable: Sendable {
    /// One event of a user's sequence, as transitions see it.
    struct SequenceEvent {
        var item: String
        var time: Date
        /// False for events already in the log before this batch.
        var isNew: Bool
    }

    /// A directed edge between two items.
    struct Key: Hashable, Comparable {
        var src: String
        var dst: String
        static func < (a: Key, b: Key) -> Bool { a.src != b.src ? a.src < b.src : a.dst < b.dst }
    }

    /// The edges a batch adds (pure): per user, the logged tail and the new events in time order (the
    /// batch's order among equal times); every pair `a → b` at most `window` positions apart of which at
    /// least one event is new adds `decay^(distance−1)` at `b`'s time (and `b → a` that times the reverse
    /// weight). Pairs of two logged events were counted when the later one arrived. A late event older than
    /// the whole logged tail links only to the tail (what is known without reading the user's whole history).
    ///
    /// - Parameter tails: per user, the logged events the batch follows (``InteractionLog/sequenceTails(_:window:on:)``).
    static func transitions(new events: [Interaction], tails: [String: [SequenceEvent]], configuration c: ProfileConfiguration)
        -> [Key: PopularityCounter] {
        guard c.transitionWindow > 0 else { return [:] }
        var byUser = [String: [SequenceEvent]]()
        for e in events where c.weights.engagementWeight(for: e.type, value: e.value) > 0 {
            byUser[e.userID.rawValue, default: []].append(SequenceEvent(item: e.itemID.rawValue, time: e.occurredAt, isNew: true))
        }
        var out = [Key: PopularityCounter]()
        for (user, new) in byUser {
            // Stable: logged events first at equal times, then the batch's own order.
            var seq = tails[user] ?? []
            seq.append(contentsOf: new)
            let order = seq.indices.sorted { seq[$0].time != seq[$1].time ? seq[$0].time < seq[$1].time : $0 < $1 }
            let s = order.map { seq[$0] }
            for b in s.indices {
                for d in 1...c.transitionWindow {
                    let a = b - d
                    guard a >= 0 else { break }
                    guard s[a].isNew || s[b].isNew, s[a].item != s[b].item else { continue }
                    let w = pow(c.transitionPositionDecay, Double(d - 1))
                    out[Key(src: s[a].item, dst: s[b].item), default: PopularityCounter()]
                        .add(weight: w, at: s[b].time, halfLife: c.transitionHalfLife)
                    if c.transitionReverseWeight > 0 {
                        out[Key(src: s[b].item, dst: s[a].item), default: PopularityCounter()]
                            .add(weight: w * c.transitionReverseWeight, at: s[b].time, halfLife: c.transitionHalfLife)
                    }
                }
            }
        }
        return out
    }

    /// Appends `edges` (each merged within the batch) with COPY, in (source, target) order so consecutive
    /// rows land on the same index pages. COPY parses about twice as fast as the same rows through
    /// `INSERT … SELECT unnest(…)`, and edges are most of what a batch writes.
    func append(_ edges: [Key: PopularityCounter], on conn: PGConnection) throws {
        guard !edges.isEmpty else { return }
        let keys = edges.keys.sorted()
        try conn.copyIn("COPY item_transitions (src_item, dst_item, score_log2, events) FROM STDIN",
                        lines: keys.lazy.map { k in
                            let e = edges[k]!
                            return "\(PGConnection.copyEscape(k.src))\t\(PGConnection.copyEscape(k.dst))\t\(e.score.log2)\t\(e.events)"
                        })
    }

    /// Merges the rows of each edge into one (the log-sum of their weights, the sum of their events), for
    /// up to `sources` source items after `after`, on `conn` inside a transaction. Rows appended meanwhile
    /// by consumers are not in this transaction's snapshot and stay as they are, so no weight is lost or
    /// counted twice.
    ///
    /// - Returns: rows read and written, and the last source compacted (nil when there are no more).
    func compact(after: String, sources: Int, on conn: PGConnection) throws -> (read: Int, written: Int, last: String?) {
        let range = try conn.query(
            "SELECT max(src_item) FROM (SELECT DISTINCT src_item FROM item_transitions WHERE src_item > \(bind: after) ORDER BY src_item LIMIT \(bind: sources)) s")
        guard let first = range.first, !first.isNull(0) else { return (0, 0, nil) }
        let last = try first.string(0)
        let rows = try conn.query(
            "DELETE FROM item_transitions WHERE src_item > \(bind: after) AND src_item <= \(bind: last) RETURNING src_item, dst_item, score_log2, events",
            resultFormat: .binary)
        var merged = [Key: PopularityCounter]()
        for r in rows {
            merged[Key(src: try r.string(0), dst: try r.string(1)), default: PopularityCounter()]
                .merge(PopularityCounter(score: DecayedScore(log2: try r.double(2)), events: try r.int(3)))
        }
        try append(merged, on: conn)
        return (rows.count, merged.count, last)
    }
}
