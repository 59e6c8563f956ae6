import Foundation
import RecCore

/// The rows of a completed statement, copied out of libpq (so they are `Sendable`
/// and outlive the connection).
public struct PostgresRows: Sendable, Sequence {
    public let columns: [String]
    public let columnOIDs: [UInt32]
    public let format: PostgresData.Format
    let cells: [[[UInt8]?]]
    /// Rows affected by INSERT/UPDATE/DELETE (from the command tag), 0 otherwise.
    public let affectedRows: Int

    public var count: Int { cells.count }
    public var isEmpty: Bool { cells.isEmpty }
    public var first: PostgresRow? { cells.isEmpty ? nil : self[0] }

    public subscript(_ i: Int) -> PostgresRow { PostgresRow(rows: self, index: i) }

    public func makeIterator() -> AnyIterator<PostgresRow> {
        var i = 0
        return AnyIterator {
            guard i < self.cells.count else { return nil }
            defer { i += 1 }
            return self[i]
        }
    }

    /// The index of column `name`.
    public func column(_ name: String) throws -> Int {
        guard let i = columns.firstIndex(of: name) else { throw PostgresError(.decoding, "no column named \(name)") }
        return i
    }
}

/// One row; accessors decode by the column's type and the result's format.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let index: Int

    public func isNull(_ column: Int) -> Bool { rows.cells[index][column] == nil }

    public func bytes(_ column: Int) -> [UInt8]? { rows.cells[index][column] }

    private func raw(_ column: Int) throws -> [UInt8] {
        guard column < rows.columns.count else { throw PostgresError(.decoding, "column \(column) out of range") }
        guard let b = rows.cells[index][column] else {
            throw PostgresError(.decoding, "column \(rows.columns[column]) is NULL")
        }
        return b
    }

    private var binary: Bool { rows.format == .binary }

    public func string(_ column: Int) throws -> String {
        let b = try raw(column)
        if binary, rows.columnOIDs[column] == PostgresOID.uuid { return try uuid(column).uuidString.lowercased() }
        return String(decoding: b, as: UTF8.self)
    }

    public func optionalString(_ column: Int) throws -> String? { isNull(column) ? nil : try string(column) }

    public func int(_ column: Int) throws -> Int {
        let b = try raw(column)
        if binary {
            switch b.count {
            case 2: return Int(Int16(bitPattern: UInt16(bigEndian: b)))
            case 4: return Int(Int32(bitPattern: UInt32(bigEndian: b)))
            case 8: return Int(Int64(bitPattern: UInt64(bigEndian: b)))
            default: throw PostgresError(.decoding, "column \(rows.columns[column]) is not an integer")
            }
        }
        guard let v = Int(String(decoding: b, as: UTF8.self)) else {
            throw PostgresError(.decoding, "column \(rows.columns[column]) is not an integer")
        }
        return v
    }

    public func double(_ column: Int) throws -> Double {
        let b = try raw(column)
        if binary {
            switch rows.columnOIDs[column] {
            case PostgresOID.float8: return Double(bitPattern: UInt64(bigEndian: b))
            case PostgresOID.float4: return Double(Float(bitPattern: UInt32(bigEndian: b)))
            case PostgresOID.int2, PostgresOID.int4, PostgresOID.int8: return Double(try int(column))
            default: throw PostgresError(.decoding, "column \(rows.columns[column]) is not a float in binary format")
            }
        }
        guard let v = Double(String(decoding: b, as: UTF8.self)) else {
            throw PostgresError(.decoding, "column \(rows.columns[column]) is not a number")
        }
        return v
    }

    public func bool(_ column: Int) throws -> Bool {
        let b = try raw(column)
        if binary { return b.first == 1 }
        return b.first == UInt8(ascii: "t")
    }

    public func date(_ column: Int) throws -> Date {
        let b = try raw(column)
        if binary {
            let micros = Int64(bitPattern: UInt64(bigEndian: b))
            return Date(timeIntervalSince1970: Double(micros) / 1_000_000 + 946_684_800)
        }
        // Text timestamptz as PostgreSQL prints it with DateStyle ISO: "2026-01-02 03:04:05.123456+00".
        let s = String(decoding: b, as: UTF8.self)
        guard let d = PostgresTimestamp.parse(s) else { throw PostgresError(.decoding, "column \(rows.columns[column]) is not a timestamp") }
        return d
    }

    public func uuid(_ column: Int) throws -> UUID {
        let b = try raw(column)
        if binary {
            guard b.count == 16 else { throw PostgresError(.decoding, "column \(rows.columns[column]) is not a uuid") }
            return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
        }
        guard let u = UUID(uuidString: String(decoding: b, as: UTF8.self)) else {
            throw PostgresError(.decoding, "column \(rows.columns[column]) is not a uuid")
        }
        return u
    }

    /// A pgvector `vector` or `halfvec` column (binary or text result).
    public func vector(_ column: Int) throws -> [Float] {
        let b = try raw(column)
        if binary {
            // Only the length tells the two binary formats apart here; the header gives the dimension.
            guard b.count >= 4 else { throw PostgresError(.decoding, "short pgvector value") }
            let dim = Int(UInt16(b[0]) << 8 | UInt16(b[1]))
            return b.count == 4 + dim * 2 ? try PGVector.decodeHalfvec(b) : try PGVector.decodeVector(b)
        }
        return try PGVector.parseText(String(decoding: b, as: UTF8.self))
    }
}

extension UInt16 {
    init(bigEndian b: [UInt8]) { self = UInt16(b[0]) << 8 | UInt16(b[1]) }
}
extension UInt32 {
    init(bigEndian b: [UInt8]) { self = b.prefix(4).reduce(0) { $0 << 8 | UInt32($1) } }
}
extension UInt64 {
    init(bigEndian b: [UInt8]) { self = b.prefix(8).reduce(0) { $0 << 8 | UInt64($1) } }
}

/// Parses PostgreSQL's ISO text timestamps (`DateStyle = ISO`), to the microsecond:
/// `2026-01-02 03:04:05.123456+00` or `+05:30` — RFC 3339 but for the short offset.
enum PostgresTimestamp {
    static func parse(_ s: String) -> Date? {
        var t = s
        let u = Array(s.utf8)
        if u.count >= 3, u[u.count - 3] == UInt8(ascii: "+") || u[u.count - 3] == UInt8(ascii: "-") { t += ":00" }
        return RFC3339.parse(t)
    }
}
