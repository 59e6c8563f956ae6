import RecApp
import RecCore
import Foundation
import Postgres

/// Deterministic synthetic data for `rec bench serve`: clustered item vectors (so profiles have structure),
/// profiles summed from items of one cluster, interactions for exclude-seen, and popularity counters.
/// Loaded with COPY; the HNSW index is built after the load (building is far faster than inserting).
struct BenchSeeder: Sendable {
    let dims: Int
    let items: Int
    let users: Int
    let clusters = 64

    /// SplitMix64 values in [-1, 1).
    struct RNG {
        var generator: SeededGenerator
        init(state: UInt64) { generator = SeededGenerator(seed: state) }
        mutating func next() -> Float { generator.nextSymmetricFloat() }
    }

    func center(_ c: Int) -> [Float] {
        var r = RNG(state: UInt64(c) &* 0x1234_5678_9ABC_DEF1 &+ 99)
        return (0..<dims).map { _ in r.next() }
    }

    /// Item `i`: its cluster's centre plus noise, unit length.
    func itemVector(_ i: Int, centers: [[Float]]) -> [Float] {
        var r = RNG(state: UInt64(i) &* 0x9E37_79B9 &+ 7)
        let c = centers[i % clusters]
        var v = [Float](repeating: 0, count: dims)
        var n: Float = 0
        for d in 0..<dims { v[d] = c[d] + 0.9 * r.next(); n += v[d] * v[d] }
        n = n.squareRoot()
        for d in 0..<dims { v[d] /= n }
        return v
    }

    /// The items user `u` interacted with: 5 items of cluster `u % clusters`.
    func userItems(_ u: Int) -> [Int] {
        let c = u % clusters
        return (0..<5).map { j in c + clusters * ((u / clusters * 5 + j) % max(1, items / clusters)) }.filter { $0 < items }
    }

    /// A query vector like a user's long-term profile (for the raw kNN loop).
    func profileVector(user u: Int) -> [Float] {
        let centers = (0..<clusters).map(center)
        return sum(userItems(u).map { itemVector($0, centers: centers) })
    }

    func sum(_ vs: [[Float]]) -> [Float] {
        var out = [Float](repeating: 0, count: dims)
        for v in vs { for d in 0..<dims { out[d] += v[d] } }
        return out
    }

    /// `[0.1234,-0.0567,…]` with 4 decimals, formatted by hand (Float.description dominates otherwise).
    static func literal(_ v: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(v.count * 8 + 2)
        bytes.append(UInt8(ascii: "["))
        for (i, x) in v.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            var q = Int((x * 10_000).rounded())
            if q < 0 { bytes.append(UInt8(ascii: "-")); q = -q }
            let whole = q / 10_000, frac = q % 10_000
            bytes += Array(String(whole).utf8)
            bytes.append(UInt8(ascii: "."))
            bytes.append(UInt8(48 + frac / 1000)); bytes.append(UInt8(48 + frac / 100 % 10))
            bytes.append(UInt8(48 + frac / 10 % 10)); bytes.append(UInt8(48 + frac % 10))
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    func seed(_ conn: PGConnection) throws {
        let centers = (0..<clusters).map(center)
        let colors = ["red", "blue", "green", "black", "white", "beige", "pink", "grey"]
        let clock = ContinuousClock()
        var t = clock.now
        func lap(_ what: String) {
            let d = clock.now - t
            print(String(format: "bench serve: %@ in %.1f s", what, d.seconds))
            t = clock.now
        }
        try conn.execute("DROP INDEX IF EXISTS item_embeddings_hnsw_\(dims)")
        try conn.copyIn("COPY items (id, title, categories, attributes, available, version_at, created_at) FROM STDIN",
                        lines: (0..<items).lazy.map { i in
                            "i\(i)\titem \(i)\t{cat\(i % self.clusters % 20)}\t{\"color\":\"\(colors[i % colors.count])\"}\t\(i % 10 == 9 ? "f" : "t")\t2026-01-01 00:00:00+00\t"
                                + "2026-\(String(format: "%02d", 1 + i % 11))-01 00:00:00+00"
                        })
        try conn.copyIn("COPY item_embeddings (item_id, kind, model, dims, content_hash, embedding) FROM STDIN",
                        lines: (0..<items).lazy.map { i in "i\(i)\tfused\tbench\t\(self.dims)\t\\\\x00\t" + Self.literal(self.itemVector(i, centers: centers)) })
        lap("loaded \(items) items and vectors (COPY)")
        try conn.execute("SET maintenance_work_mem = '1GB'")
        try conn.execute("CREATE INDEX item_embeddings_hnsw_\(dims) ON item_embeddings USING hnsw ((embedding::public.halfvec(\(dims))) public.halfvec_cosine_ops) "
            + "WITH (m = 16, ef_construction = 64) WHERE dims = \(dims)")
        lap("built the HNSW index")
        try conn.copyIn("COPY user_profiles (user_id, dims, long_term, long_term_ref_at, session, session_id, session_ref_at, negative, negative_ref_at, event_count, counts_by_type, last_event_at) FROM STDIN",
                        lines: (0..<users).lazy.map { u in
                            let liked = self.userItems(u)
                            let long = Self.literal(self.sum(liked.map { self.itemVector($0, centers: centers) }))
                            let session = u % 2 == 0 ? Self.literal(self.itemVector((u * 13 + 1) % self.items, centers: centers)) : "\\N"
                            let negative = u % 4 == 0 ? Self.literal(self.itemVector((u * 17 + 2) % self.items, centers: centers)) : "\\N"
                            return "u\(u)\t\(self.dims)\t\(long)\tnow\t\(session)\t\(u % 2 == 0 ? "s\(u)" : "\\N")\t\(u % 2 == 0 ? "now" : "\\N")\t\(negative)\t\(u % 4 == 0 ? "now" : "\\N")\t\(liked.count)\t{\"purchase\": \(liked.count)}\tnow"
                        })
        try conn.copyIn("COPY interactions (event_id, user_id, item_id, type, occurred_at, folded) FROM STDIN",
                        lines: (0..<users).lazy.flatMap { u in self.userItems(u).map { i in "\(UUID().uuidString)\tu\(u)\ti\(i)\tpurchase\tnow\tt" } })
        // Counters as of now (``DecayedScore``: log₂ of the score plus now in half-lives of 7 days).
        let nowHalfLives = Date().timeIntervalSince1970 / (7 * 86_400)
        try conn.copyIn("COPY item_popularity (item_id, score_log2, events) FROM STDIN",
                        lines: (0..<min(items, 5000)).lazy.map { i in "i\(i * 7 % self.items)\t\(log2(Double(5000 - i) / 10) + nowHalfLives)\t\(5000 - i)" })
        // Behavioural transitions between each user's items (both ways), so recommendations read real edges:
        // the graph the interaction consumer would have written from these histories.
        var edges = [String: Double]()
        for u in 0..<users {
            let its = userItems(u)
            for a in its { for b in its where a != b { edges["i\(a)\ti\(b)", default: 0] += 1 } }
        }
        let transitionHalfLives = Date().timeIntervalSince1970 / (180 * 86_400)
        try conn.copyIn("COPY item_transitions (src_item, dst_item, score_log2, events) FROM STDIN",
                        lines: edges.lazy.map { k, n in "\(k)\t\(log2(n) + transitionHalfLives)\t\(Int(n))" })
        try conn.execute("ANALYZE")
        lap("loaded \(users) profiles, interactions, popularity and \(edges.count) transitions")
    }
}
