import Foundation

/// PostgreSQL's binary array format (`array_send`/`array_recv`), so a whole
/// batch travels as a few parameters of `unnest(...)` — one round trip for
/// thousands of rows, vectors included, without formatting floats as text.
///
/// Layout: int32 ndim, int32 has-null flag, oid element type, then per dimension
/// int32 length and int32 lower bound, then per element int32 length (-1 = NULL) and bytes.
public enum BinaryArray {
    /// A one-dimensional array parameter (OID 0: the SQL casts it, e.g. `$1::uuid[]`).
    public static func encode(elementOID: UInt32, _ elements: [[UInt8]?]) -> PostgresData {
        var total = 20
        for e in elements { total += 4 + (e?.count ?? 0) }
        var out = [UInt8]()
        out.reserveCapacity(total)
        func int32(_ v: Int32) { withUnsafeBytes(of: v.bigEndian) { out += $0 } }
        header(elementOID: elementOID, count: elements.count, hasNull: elements.contains { $0 == nil }).forEach(int32)
        for e in elements {
            if let e {
                int32(Int32(e.count))
                out += e
            } else {
                int32(-1)
            }
        }
        return PostgresData(oid: 0, format: .binary, bytes: out)
    }

    /// A `text[]` parameter (`$n::text[]`); nil elements are NULL.
    public static func texts(_ values: [String?]) -> PostgresData {
        encode(elementOID: PostgresOID.text, values.map { $0.map { Array($0.utf8) } })
    }

    /// A `uuid[]` parameter (`$n::uuid[]`).
    public static func uuids(_ values: [UUID]) -> PostgresData {
        encode(elementOID: PostgresOID.uuid, values.map { $0.postgresData.bytes })
    }

    /// A `timestamptz[]` parameter (`$n::timestamptz[]`); nil elements are NULL.
    public static func dates(_ values: [Date?]) -> PostgresData {
        encode(elementOID: PostgresOID.timestamptz, values.map { $0?.postgresData.bytes })
    }

    /// A `float8[]` parameter (`$n::float8[]`); nil elements are NULL.
    public static func doubles(_ values: [Double?]) -> PostgresData {
        encode(elementOID: PostgresOID.float8, values.map { $0?.postgresData.bytes })
    }

    /// An `int8[]` parameter (`$n::int8[]`).
    public static func int64s(_ values: [Int]) -> PostgresData {
        encode(elementOID: PostgresOID.int8, values.map { $0.postgresData.bytes })
    }

    /// A `bool[]` parameter (`$n::bool[]`).
    public static func bools(_ values: [Bool]) -> PostgresData {
        encode(elementOID: PostgresOID.bool, values.map { [$0 ? 1 : 0] })
    }

    /// pgvector `vector` elements; `oid` is the extension type's OID in this database.
    /// Written straight into one buffer: at 1024 dimensions a batch carries megabytes of floats.
    public static func vectors(_ values: [[Float]?], oid: UInt32) -> PostgresData {
        var total = 20
        for v in values { total += 4 + (v.map { 4 + $0.count * 4 } ?? 0) }
        var out = [UInt8](repeating: 0, count: total)
        out.withUnsafeMutableBytes { raw in
            var p = 0
            func int32(_ v: Int32) { raw.storeBytes(of: v.bigEndian, toByteOffset: p, as: Int32.self); p += 4 }
            header(elementOID: oid, count: values.count, hasNull: values.contains { $0 == nil }).forEach(int32)
            for v in values {
                guard let v else { int32(-1); continue }
                int32(Int32(4 + v.count * 4))
                raw.storeBytes(of: UInt16(v.count).bigEndian, toByteOffset: p, as: UInt16.self)
                p += 4
                for f in v {
                    raw.storeBytes(of: f.bitPattern.bigEndian, toByteOffset: p, as: UInt32.self)
                    p += 4
                }
            }
        }
        return PostgresData(oid: 0, format: .binary, bytes: out)
    }

    /// The header of a one-dimensional array: ndim 1, the has-null flag, the element type, the length, lower bound 1.
    private static func header(elementOID: UInt32, count: Int, hasNull: Bool) -> [Int32] {
        [1, hasNull ? 1 : 0, Int32(bitPattern: elementOID), Int32(count), 1]
    }

    /// Decodes a binary one-dimensional `text[]` result value.
    public static func decodeTexts(_ b: [UInt8]) throws -> [String] {
        func int32(_ at: Int) throws -> Int {
            guard at + 4 <= b.count else { throw PostgresError(.decoding, "short array value") }
            return Int(Int32(bitPattern: UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])))
        }
        let ndim = try int32(0)
        if ndim == 0 { return [] }
        guard ndim == 1 else { throw PostgresError(.decoding, "expected a one-dimensional array") }
        let n = try int32(12)
        var p = 20
        var out = [String]()
        out.reserveCapacity(n)
        for _ in 0..<n {
            let len = try int32(p)
            p += 4
            if len < 0 { continue }
            guard p + len <= b.count else { throw PostgresError(.decoding, "short array element") }
            out.append(String(decoding: b[p..<p + len], as: UTF8.self))
            p += len
        }
        return out
    }
}
