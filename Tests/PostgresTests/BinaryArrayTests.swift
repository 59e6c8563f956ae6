import Foundation
import Testing
import Postgres

/// PostgreSQL's binary array layout, without a server (the integration suites send these to one).
@Suite struct BinaryArrayTests {
    func int32s(_ b: [UInt8], _ n: Int) -> [Int32] {
        (0..<n).map { k in Int32(bitPattern: UInt32(b[4 * k]) << 24 | UInt32(b[4 * k + 1]) << 16 | UInt32(b[4 * k + 2]) << 8 | UInt32(b[4 * k + 3])) }
    }

    @Test func textsRoundTripWithTheirHeader() throws {
        let d = BinaryArray.texts(["a", nil, "ünï"])
        let b = try #require(d.bytes)
        #expect(d.oid == 0 && d.format == .binary)
        // ndim 1, has NULL, element type text, length 3, lower bound 1, then "a" and a NULL.
        #expect(int32s(b, 6) == [1, 1, Int32(PostgresOID.text), 3, 1, 1])
        #expect(b[24] == UInt8(ascii: "a") && int32s(Array(b[25...]), 1) == [-1])
        #expect(try BinaryArray.decodeTexts(b) == ["a", "ünï"], "NULL elements are skipped")
        #expect(try BinaryArray.decodeTexts(try #require(BinaryArray.texts([]).bytes)) == [])
    }

    @Test func vectorsCarryTheTypeOIDAndDimension() throws {
        let b = try #require(BinaryArray.vectors([[1, -2], nil], oid: 12345).bytes)
        #expect(int32s(b, 6) == [1, 1, 12345, 2, 1, 4 + 2 * 4])
        #expect(Array(b[24..<28]) == [0, 2, 0, 0], "pgvector header: dimension 2")
        #expect(Array(b[28..<32]) == Array(withUnsafeBytes(of: Float(1).bitPattern.bigEndian) { $0 }))
        #expect(int32s(Array(b[36...]), 1) == [-1])
        #expect(b.count == 40)
    }
}
