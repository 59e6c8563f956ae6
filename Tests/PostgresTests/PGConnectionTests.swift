import Foundation
import Testing
@testable import Postgres

@Suite(.enabled(if: TestDatabase.integration)) struct PGConnectionTests {
    @Test func parametersRoundTripInTextAndBinary() throws {
        let c = try PGConnection(url: try TestDatabase.url())
        let sql = "SELECT $1::int4 + 1, $2::text || '!', $3::float8 * 2, $4::bool, $5::int8, $6::text[]"
        let params: [any PostgresEncodable] = [Int32(41), "héllo", 1.25, true, Int64(1) << 40, ["a", "b\"c", "d,e"]]
        for format in [PostgresData.Format.text, .binary] {
            let row = try c.query(sql, params, resultFormat: format).first!
            #expect(try row.int(0) == 42)
            #expect(try row.string(1) == "héllo!")
            #expect(try row.double(2) == 2.5)
            #expect(try row.bool(3))
            #expect(try row.int(4) == 1 << 40)
        }
        let arr = try c.query("SELECT array_length($1::text[], 1), ($1::text[])[2]", [["a", "b\"c", "d,e"]]).first!
        #expect(try arr.int(0) == 3)
        #expect(try arr.string(1) == "b\"c")
    }

    @Test func nullsAndDates() throws {
        let c = try PGConnection(url: try TestDatabase.url())
        let d = Date(timeIntervalSince1970: 1_780_000_000.123456)
        let row = try c.query("SELECT $1::text IS NULL, $2::timestamptz", [String?.none, d], resultFormat: .binary).first!
        #expect(try row.bool(0))
        #expect(abs(try row.date(1).timeIntervalSince(d)) < 1e-5)
        let t = try c.query("SELECT $1::timestamptz", [d]).first!
        #expect(abs(try t.date(0).timeIntervalSince(d)) < 1e-5)
    }

    @Test func halfvecTravelsInBinary() throws {
        try TestDatabase.ensureVector()
        let c = try PGConnection(url: try TestDatabase.url())
        let v: [Float] = [0.5, -1, 0.25, 3]
        let row = try c.query("SELECT $1::halfvec, $2::vector, ($1::halfvec)::text", [PGVector.halfvec(v), PGVector.vector(v)], resultFormat: .binary).first!
        #expect(try row.vector(0) == v)
        #expect(try row.vector(1) == v)
        #expect(try row.string(2) == "[0.5,-1,0.25,3]")
    }

    @Test func serverErrorsCarrySQLStateWithoutValues() throws {
        let c = try PGConnection(url: try TestDatabase.url())
        let e = #expect(throws: PostgresError.self) { try c.query("SELECT 1/$1::int", [Int32(0)]) }
        #expect(e?.sqlState == "22012")
        #expect(e?.code == .server)
        #expect(e?.isRetriable == false)
        // The connection is still usable after a statement error.
        #expect(try c.query("SELECT 1").first!.int(0) == 1)
    }

    @Test func badPasswordIsAClearConnectionErrorWithoutTheSecret() throws {
        var comps = URLComponents(string: try TestDatabase.url())!
        comps.password = "wrong-secret-123"
        let e = #expect(throws: PostgresError.self) { try PGConnection(url: comps.string!) }
        #expect(e?.code == .connectionFailed)
        #expect(!(e?.description.contains("wrong-secret-123") ?? true))
    }

    @Test func transactionRollsBackOnError() throws {
        let c = try PGConnection(url: try TestDatabase.url())
        try c.execute("CREATE TEMP TABLE tx_test (v int)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try c.transaction { t in
                try t.query("INSERT INTO tx_test VALUES ($1)", [Int32(1)])
                throw Boom()
            }
        }
        _ = try c.transaction { t in try t.query("INSERT INTO tx_test VALUES ($1)", [Int32(2)]) }
        #expect(try c.query("SELECT coalesce(sum(v),0) FROM tx_test").first!.int(0) == 2)
    }

    @Test func copyInLoadsRows() throws {
        let c = try PGConnection(url: try TestDatabase.url())
        try c.execute("CREATE TEMP TABLE copy_test (id text, note text)")
        let n = try c.copyIn("COPY copy_test (id, note) FROM STDIN", lines: (0..<1000).map { "k\($0)\t\(PGConnection.copyEscape($0 == 7 ? nil : "tab\there\\"))" })
        #expect(n == 1000)
        #expect(try c.query("SELECT count(*) FROM copy_test WHERE note IS NULL").first!.int(0) == 1)
        #expect(try c.query("SELECT note FROM copy_test WHERE id = $1", ["k1"]).first!.string(0) == "tab\there\\")
    }
}
