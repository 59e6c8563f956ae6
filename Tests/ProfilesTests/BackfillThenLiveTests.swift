import Foundation
import IntegrationTestSupport
import Postgres
import RecCore
import Testing
@testable import Profiles

/// Years of history imported, then live traffic: nothing is rejected, old history weighs less than today's.
@Suite("Backfill then live", .enabled(if: ProfilesTestDatabase.integration), .serialized)
struct BackfillThenLiveTests {
    let dim = 256

    @Test func aBackfillOfDecadesOldEventsThenLiveEventsRejectsNothing() async throws {
        try await ProfilesTestDatabase.withSchema { url in
            var g = SeededGenerator(seed: 41)
            let conn = try PGConnection(url: url)
            for k in 0..<6 {
                try ProfilesTestDatabase.insertItem(conn, id: "p\(k)", categories: ["c\(k % 2)"], vector: (0..<dim).map { _ in Float.random(in: -1...1, using: &g) })
            }
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let store = ProfileStore(pool: pool, configuration: try ProfileConfiguration(dimension: dim))
            func event(_ user: String, _ item: String, _ t: Date, _ type: EventType = .purchase) -> Interaction {
                Interaction(eventID: UUID(), occurredAt: t, userID: UserID(user), itemID: ItemID(item), type: type, value: type == .rating ? 4 : nil)
            }
            // p0: 504 events in 1990–2000 (a backfill decades old: power(2, −x) underflowed here before);
            // p1: 193 events last week.
            let now = Date()
            let old = Date(timeIntervalSince1970: 631_152_000)  // 1990-01-01
            var backfill = (0..<504).map { n in event("old\(n % 40)", n % 3 == 0 ? "p2" : "p0", old.addingTimeInterval(Double(n) * 600_000)) }
            backfill += [event("old0", "p0", Date(timeIntervalSince1970: 0), .view)]
            for chunk in stride(from: 0, to: backfill.count, by: 100) { try await store.record(Array(backfill[chunk..<min(chunk + 100, backfill.count)])) }
            let live = (0..<193).map { n in event("new\(n % 30)", n % 2 == 0 ? "p1" : "p0", now.addingTimeInterval(-7 * 86_400 + Double(n) * 3000)) }
            let result = try await store.record(live)
            #expect(result.inserted == 193 && result.folded == 193)

            let rows = try conn.query("SELECT item_id, score_log2, events FROM item_popularity ORDER BY score_log2 DESC")
            let order = try rows.map { try $0.string(0) }
            #expect(try rows.allSatisfy { try $0.double(1).isFinite })
            #expect(try rows.reduce(0) { $0 + (try $1.int(2)) } == backfill.count + live.count, "every event counted once")
            // Today's items lead: p0 has more events in all, but most are decades old.
            #expect(order.prefix(2).sorted() == ["p0", "p1"] && order.last == "p2")
            let p0 = try conn.query("SELECT events FROM item_popularity WHERE item_id = 'p0'").first!.int(0)
            #expect(p0 > 300)
            // Categories merge the same way.
            #expect(try conn.query("SELECT count(*) FROM category_popularity WHERE score_log2 = '-Infinity'::float8").first!.int(0) == 0)
            // Transitions from the backfill and the live events, no error either.
            #expect(try conn.query("SELECT count(*) FROM item_transitions").first!.int(0) > 0)
        }
    }

    @Test func transitionsLinkEachNewEventToItsPredecessorsWithinTheWindow() throws {
        let c = try ProfileConfiguration(dimension: dim, transitionWindow: 2, transitionPositionDecay: 0.5, transitionHalfLife: 86_400,
                                         transitionReverseWeight: 0.25)
        let t0 = Date(timeIntervalSince1970: 1_000_000_000)
        func e(_ item: String, _ s: Double) -> Interaction {
            Interaction(eventID: UUID(), occurredAt: t0.addingTimeInterval(s), userID: "u", itemID: ItemID(item), type: .view)
        }
        // Logged tail a, b; new events c, d (arriving out of order) and a dismissal that links nothing.
        let tails = ["u": [TransitionTable.SequenceEvent(item: "a", time: t0, isNew: false), TransitionTable.SequenceEvent(item: "b", time: t0.addingTimeInterval(10), isNew: false)]]
        let dismiss = Interaction(eventID: UUID(), occurredAt: t0.addingTimeInterval(25), userID: "u", itemID: "x", type: .dismiss)
        let edges = TransitionTable.transitions(new: [e("d", 30), e("c", 20), dismiss], tails: tails, configuration: c)
        func w(_ s: String, _ d: String) -> Double? {
            edges[TransitionTable.Key(src: s, dst: d)].map { $0.score.value(at: t0, halfLife: 86_400) }
        }
        // Sequence a(0) b(10) c(20) d(30): new pairs a→c (2 apart), b→c, b→d (2 apart), c→d; a→b was counted before.
        #expect(Set(edges.keys.map { "\($0.src)>\($0.dst)" }) == ["a>c", "b>c", "b>d", "c>d", "c>a", "c>b", "d>b", "d>c"])
        #expect(abs(w("b", "c")! - exp2(20 / 86_400.0)) < 1e-9, "adjacent: weight 1 at the later event's time")
        #expect(abs(w("a", "c")! - 0.5 * exp2(20 / 86_400.0)) < 1e-9, "two apart: decay^1")
        #expect(abs(w("c", "a")! - 0.25 * 0.5 * exp2(20 / 86_400.0)) < 1e-9, "the reverse edge: its weight times the reverse weight")
        #expect(edges.values.allSatisfy { $0.events == 1 })
    }

    @Test func appendedTransitionRowsCompactToOneRowPerEdgeWithTheSameWeight() async throws {
        try await ProfilesTestDatabase.withSchema { url in
            var g = SeededGenerator(seed: 43)
            let conn = try PGConnection(url: url)
            for k in 0..<5 {
                try ProfilesTestDatabase.insertItem(conn, id: "p\(k)", vector: (0..<dim).map { _ in Float.random(in: -1...1, using: &g) })
            }
            let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: url, maxConnections: 2))
            defer { pool.close() }
            let store = ProfileStore(pool: pool, configuration: try ProfileConfiguration(dimension: dim, transitionWindow: 3))
            let t0 = Date(timeIntervalSince1970: 1_500_000_000)
            // Three batches of the same habits: p0 → p1 → p2 by many users; each batch appends its own rows.
            for batch in 0..<3 {
                let events = (0..<20).flatMap { u in (0..<3).map { k in
                    Interaction(eventID: UUID(), occurredAt: t0.addingTimeInterval(Double(batch * 86_400 + u * 600 + k * 60)),
                                userID: UserID("u\(u)"), itemID: ItemID("p\(k)"), type: .view)
                } }
                try await store.record(events)
            }
            func edges() throws -> [String: (log2: Double, events: Int, rows: Int)] {
                var out = [String: (log2: Double, events: Int, rows: Int)]()
                for r in try conn.query("SELECT src_item || '>' || dst_item, score_log2, events FROM item_transitions") {
                    let k = try r.string(0)
                    let old = out[k] ?? (-.infinity, 0, 0)
                    out[k] = (DecayedScore.logAdd(old.log2, try r.double(1)), old.events + (try r.int(2)), old.rows + 1)
                }
                return out
            }
            let before = try edges()
            #expect(before.values.contains { $0.rows > 1 }, "later batches append rows for edges that exist")
            let (read, written) = try await store.compactTransitions()
            let after = try edges()
            #expect(read > written && written == after.count)
            #expect(Set(after.keys) == Set(before.keys))
            for (k, b) in before {
                let a = try #require(after[k])
                #expect(a.rows == 1 && a.events == b.events && abs(a.log2 - b.log2) < 1e-9, "\(k)")
            }
            // p1 follows p0 right away three times per user; p0 comes two steps after p1 only twice.
            #expect(try #require(after["p0>p1"]).log2 > (try #require(after["p1>p0"]).log2))
        }
    }
}
