import Foundation
import Testing
@testable import Postgres

/// The query builder without a server: placeholders, parameters, composition.
@Suite struct PostgresQueryTests {
    @Test func interpolatedValuesBecomeNumberedParameters() {
        let id = "p1'; DROP TABLE items; --"
        let q: PostgresQuery = "SELECT title FROM items WHERE id = \(bind: id) AND price < \(bind: 9.5) AND available = \(bind: true)"
        #expect(q.sql == "SELECT title FROM items WHERE id = $1 AND price < $2 AND available = $3")
        #expect(q.binds == [id.postgresData, 9.5.postgresData, true.postgresData])
    }

    @Test func nilBindsNull() {
        let missing: String? = nil
        let q: PostgresQuery = "UPDATE t SET v = \(bind: missing)"
        #expect(q.sql == "UPDATE t SET v = $1")
        #expect(q.binds == [.null])
    }

    @Test func fragmentsAreRenumberedAfterWhatPrecedesThem() {
        let cond: PostgresQuery = " AND a = \(bind: 1) AND b = \(bind: "x")"
        let q: PostgresQuery = "SELECT * FROM t WHERE k = \(bind: "k")\(fragment: cond) AND c = \(bind: 3)\(fragment: cond)"
        #expect(q.sql == "SELECT * FROM t WHERE k = $1 AND a = $2 AND b = $3 AND c = $4 AND a = $5 AND b = $6")
        #expect(q.binds.count == 6)
        #expect(q.binds[4] == 1.postgresData && q.binds[5] == "x".postgresData)
    }

    @Test func literalsAndUnescapedTextGoIntoTheStatement() {
        let q: PostgresQuery = "SELECT embedding::halfvec(\(literal: 256)) FROM \(unescaped: "item_embeddings") LIMIT \(literal: 10)"
        #expect(q.sql == "SELECT embedding::halfvec(256) FROM item_embeddings LIMIT 10")
        #expect(q.binds.isEmpty)
        let plain: PostgresQuery = "SELECT 1"
        #expect(plain.sql == "SELECT 1" && plain.binds.isEmpty)
    }

    @Test func appendingAndJoining() {
        var q: PostgresQuery = "SELECT x FROM t WHERE true"
        q.append(" AND y = \(bind: 2)")
        q.append(unescaped: " ORDER BY x")
        #expect(q.sql == "SELECT x FROM t WHERE true AND y = $1 ORDER BY x")
        let parts: [PostgresQuery] = ["(SELECT \(bind: 1))", "(SELECT 2)", "(SELECT \(bind: 3))"]
        let u = parts.joined(separator: " UNION ALL ")
        #expect(u.sql == "(SELECT $1) UNION ALL (SELECT 2) UNION ALL (SELECT $2)")
        #expect(u.binds == [1.postgresData, 3.postgresData])
        #expect(([] as [PostgresQuery]).joined(separator: ", ").sql.isEmpty)
    }

    @Test func theTextDependsOnTheShapeNotOnTheValues() {
        func q(_ user: String, _ limit: Int) -> PostgresQuery { "SELECT * FROM interactions WHERE user_id = \(bind: user) LIMIT \(bind: limit)" }
        #expect(q("a", 1).sql == q("b", 2).sql)
        #expect(q("a", 1).binds != q("b", 2).binds)
    }
}
