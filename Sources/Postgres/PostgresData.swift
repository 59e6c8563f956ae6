import Foundation
import RecCore

/// One parameter or result value as it travels on the wire: a type OID, a
/// format (text or binary) and the bytes (nil is SQL NULL).
public struct PostgresData: Sendable, Equatable {
    public enum Format: Int32, Sendable { case text = 0, binary = 1 }

    /// The type OID, or 0 to let the server infer it from the statement (needed
    /// for extension types such as pgvector's, whose OIDs differ per database).
    public var oid: UInt32
    public var format: Format
    public var bytes: [UInt8]?

    public init(oid: UInt32, format: Format, bytes: [UInt8]?) {
        self.oid = oid
        self.format = format
        self.bytes = bytes
    }

    public static let null = PostgresData(oid: 0, format: .text, bytes: nil)

    /// A text-format value of an inferred type (e.g. `'2026-01-01'` for `$1::timestamptz`).
    public static func text(_ s: String) -> PostgresData { PostgresData(oid: 0, format: .text, bytes: Array(s.utf8)) }

    public var isNull: Bool { bytes == nil }
}

/// Well-known built-in type OIDs.
public enum PostgresOID {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let varchar: UInt32 = 1043
    public static let timestamptz: UInt32 = 1184
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
    public static let textArray: UInt32 = 1009
}

/// A Swift value that can be bound as a statement parameter.
public protocol PostgresEncodable: Sendable {
    var postgresData: PostgresData { get }
}

extension String: PostgresEncodable {
    public var postgresData: PostgresData { PostgresData(oid: PostgresOID.text, format: .text, bytes: Array(utf8)) }
}
extension Int: PostgresEncodable {
    public var postgresData: PostgresData { PostgresData(oid: PostgresOID.int8, format: .binary, bytes: Int64(self).bigEndianBytes) }
}
extension Int64: PostgresEncodable {
    public var postgresData: PostgresData { PostgresData(oid: PostgresOID.int8, format: .binary, bytes: bigEndianBytes) }
}
extension Int32: PostgresEncodable {
    public var postgresData: PostgresData { PostgresData(oid: PostgresOID.int4, format: .binary, bytes: bigEndianBytes) }
}
extension Double: PostgresEncodable {
    public var postgresData: PostgresData { PostgresData(oid: PostgresOID.float8, format: .binary, bytes: bitPattern.bigEndianBytes) }
}
extension Float: PostgresEncodable {
    public var postgresData: PostgresData { PostgresData(oid: PostgresOID.float4, format: .binary, bytes: bitPattern.bigEndianBytes) }
}
extension Bool: PostgresEncodable {
    public var postgresData: PostgresData { PostgresData(oid: PostgresOID.bool, format: .binary, bytes: [self ? 1 : 0]) }
}
extension Date: PostgresEncodable {
    /// Binary timestamptz: microseconds since 2000-01-01 UTC.
    public var postgresData: PostgresData {
        let micros = Int64(((timeIntervalSince1970 - 946_684_800) * 1_000_000).rounded())
        return PostgresData(oid: PostgresOID.timestamptz, format: .binary, bytes: micros.bigEndianBytes)
    }
}
extension UUID: PostgresEncodable {
    public var postgresData: PostgresData {
        let u = uuid
        return PostgresData(oid: PostgresOID.uuid, format: .binary, bytes: [
            u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15,
        ])
    }
}
extension Array: PostgresEncodable where Element == String {
    /// A `text[]` in text format (`{"a","b"}`), quoting every element.
    public var postgresData: PostgresData {
        let body = map { s -> String in
            var q = "\""
            for ch in s.unicodeScalars {
                if ch == "\"" || ch == "\\" { q.append("\\") }
                q.unicodeScalars.append(ch)
            }
            return q + "\""
        }.joined(separator: ",")
        return PostgresData(oid: PostgresOID.textArray, format: .text, bytes: [UInt8](("{" + body + "}").utf8))
    }
}
extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresData: PostgresData {
        switch self {
        case .none: return .null
        case .some(let w): return w.postgresData
        }
    }
}
extension PostgresData: PostgresEncodable {
    public var postgresData: PostgresData { self }
}

/// Raw bytes bound as `bytea`.
public struct PostgresBytes: PostgresEncodable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var postgresData: PostgresData { PostgresData(oid: PostgresOID.bytea, format: .binary, bytes: bytes) }
}

/// A JSON document bound as `jsonb` (text format; the server parses it).
public struct PostgresJSON: PostgresEncodable {
    public var json: String
    public init(_ json: String) { self.json = json }
    public var postgresData: PostgresData { PostgresData(oid: PostgresOID.jsonb, format: .text, bytes: Array(json.utf8)) }
}

extension FixedWidthInteger {
    var bigEndianBytes: [UInt8] {
        withUnsafeBytes(of: self.bigEndian) { Array($0) }
    }
}
