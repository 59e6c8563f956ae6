import Foundation
import Testing
@testable import Postgres

@Suite(.enabled(if: TestDatabase.integration)) struct PreparedStatementTests {
    @Test func preparedGivesTheSameRowsAsUnprepared() throws {
        let c = try PGConnection(url: try TestDatabase.url())
        let sql = "SELECT g, $1::text || g::text, $2::float8 * g FROM generate_series(1, $3::int4) g ORDER BY g DESC"
        for format in [PostgresData.Format.text, .binary] {
            for n in [Int32(0), 3, 7] {
                let params: [any PostgresEncodable] = ["x", 0.5, n]
                let plain = try c.query(sql, params, resultFormat: format)
                let prepared = try c.query(sql, params, resultFormat: format, prepared: true)
                #expect(prepared.count == Int(n))
                #expect(prepared.columns == plain.columns)
                for (a, b) in zip(plain, prepared) {
                    #expect(try a.int(0) == b.int(0))
                    #expect(try a.string(1) == b.string(1))
                    #expect(try a.double(2) == b.double(2))
                }
            }
        }
        // One statement per SQL text and result-independent parameter types, reused across calls.
        #expect(c.preparedStatementCount == 1)
        // A statement error leaves the connection and the cache usable.
        let e = #expect(throws: PostgresError.self) { try c.query("SELECT 1/$1::int4", [Int32(0)], prepared: true) }
        #expect(e?.sqlState == "22012")
        #expect(try c.query("SELECT 1/$1::int4", [Int32(1)], prepared: true).first!.int(0) == 1)
        // A statement that does not parse is reported and not cached.
        #expect(throws: PostgresError.self) { try c.query("SELEC 1", prepared: true) }
        #expect(c.preparedStatementCount == 2)
    }

    @Test func halfvecParametersInferTheirTypeFromTheCast() throws {
        try TestDatabase.ensureVector()
        let c = try PGConnection(url: try TestDatabase.url())
        let sql = "SELECT $1::halfvec(4) <=> $2::halfvec(4), ($1::halfvec(4))::text"
        let a: [Float] = [1, 0, 0, 0], b: [Float] = [0, 1, 0, 0]
        for _ in 0..<7 {  // past the server's five custom plans, so the generic plan runs too
            let row = try c.query(sql, [PGVector.halfvec(a), PGVector.halfvec(b)], resultFormat: .binary, prepared: true).first!
            #expect(try row.double(0) == 1)
            #expect(try row.string(1) == "[1,0,0,0]")
        }
        let same = try c.query(sql, [PGVector.halfvec(a), PGVector.halfvec(a)], resultFormat: .binary, prepared: true).first!
        #expect(try same.double(0) == 0)
    }

    @Test func statementsArePreparedAgainAfterDeallocateAll() throws {
        let c = try PGConnection(url: try TestDatabase.url())
        let sql = "SELECT $1::int4 * 2"
        #expect(try c.query(sql, [Int32(21)], prepared: true).first!.int(0) == 42)
        let before = try c.query("SELECT count(*) FROM pg_prepared_statements").first!.int(0)
        #expect(before == 1)
        try c.execute("DEALLOCATE ALL")
        #expect(try c.query(sql, [Int32(5)], prepared: true).first!.int(0) == 10)
        #expect(try c.query("SELECT count(*) FROM pg_prepared_statements").first!.int(0) == 1)
        // Inside a transaction the failed EXECUTE aborts it: the error surfaces, and the next use re-prepares.
        try c.execute("DEALLOCATE ALL")
        try c.execute("BEGIN")
        let e = #expect(throws: PostgresError.self) { try c.query(sql, [Int32(1)], prepared: true) }
        #expect(e?.sqlState == "26000")
        try c.execute("ROLLBACK")
        #expect(try c.query(sql, [Int32(4)], prepared: true).first!.int(0) == 8)
    }

    @Test func aChangedResultTypeIsPreparedAgain() async throws {
        try await TestDatabase.withSchema { url in
            let c = try PGConnection(url: url)
            try c.execute("CREATE TABLE t (a int4, b text); INSERT INTO t VALUES (1, 'x')")
            #expect(try c.query("SELECT * FROM t WHERE a = $1::int4", [Int32(1)], prepared: true).columns == ["a", "b"])
            try c.execute("ALTER TABLE t ADD COLUMN c int4 DEFAULT 7")
            let r = try c.query("SELECT * FROM t WHERE a = $1::int4", [Int32(1)], prepared: true)
            #expect(r.columns == ["a", "b", "c"])
            #expect(try r.first!.int(2) == 7)
        }
    }

    @Test func queriesBuiltTheSameWayShareOnePreparedStatement() throws {
        let c = try PGConnection(url: try TestDatabase.url())
        func q(_ prefix: String, _ n: Int32, _ extra: Int?) -> PostgresQuery {
            var q: PostgresQuery = "SELECT \(bind: prefix) || g::text FROM generate_series(1, \(bind: n)) g"
            if let extra { q.append(" WHERE g > \(bind: extra)") }
            return q
        }
        #expect(try c.query(q("a", 3, nil), prepared: true).map { try $0.string(0) } == ["a1", "a2", "a3"])
        #expect(try c.query(q("b", 2, nil), prepared: true).map { try $0.string(0) } == ["b1", "b2"])
        #expect(c.preparedStatementCount == 1)
        #expect(try c.query(q("c", 4, 2), prepared: true).map { try $0.string(0) } == ["c3", "c4"])
        #expect(try c.query(q("d", 4, 3), prepared: true).map { try $0.string(0) } == ["d4"])
        #expect(c.preparedStatementCount == 2)
    }

    @Test func poolConnectionsPrepareIndependently() async throws {
        let pool = PostgresPool(configuration: try PostgresPoolConfiguration(url: try TestDatabase.url(), maxConnections: 3))
        defer { pool.close() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<30 {
                group.addTask { try await pool.query("SELECT $1::int8 + 1", [i], prepared: true).first!.int(0) - 1 }
            }
            var seen = Set<Int>()
            for try await v in group { seen.insert(v) }
            #expect(seen == Set(0..<30))
        }
    }
}
