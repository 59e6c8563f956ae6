import CHalf
import Foundation
import RecCore

/// pgvector's binary wire formats, so vectors in hot paths never go through text.
///
/// `vector`: int16 dimension, int16 unused, then float4 big-endian each.
/// `halfvec`: int16 dimension, int16 unused, then IEEE half-precision big-endian each.
/// Bind with OID 0 and a cast in the SQL (`$1::halfvec`): extension type OIDs differ per database.
public enum PGVector {
    /// Encodes `values` as a binary `halfvec` parameter.
    ///
    /// Written straight into one buffer: appending a two-byte array per element cost more than the
    /// conversion itself for every 1,024-d query vector a request sends.
    public static func halfvec(_ values: [Float]) -> PostgresData {
        let n = values.count
        let out = [UInt8](unsafeUninitializedCapacity: 4 + n * 2) { buf, count in
            buf[0] = UInt8(truncatingIfNeeded: n >> 8); buf[1] = UInt8(truncatingIfNeeded: n)
            buf[2] = 0; buf[3] = 0
            values.withUnsafeBufferPointer { src in
                for k in 0..<n {
                    let bits = Float16(src[k]).bitPattern
                    buf[4 + 2 * k] = UInt8(truncatingIfNeeded: bits >> 8)
                    buf[5 + 2 * k] = UInt8(truncatingIfNeeded: bits)
                }
            }
            count = 4 + n * 2
        }
        return PostgresData(oid: 0, format: .binary, bytes: out)
    }

    /// Encodes `values` as a binary `vector` parameter.
    public static func vector(_ values: [Float]) -> PostgresData {
        var out = [UInt8]()
        out.reserveCapacity(4 + values.count * 4)
        out += UInt16(values.count).bigEndianBytes
        out += [0, 0]
        for v in values { out += v.bitPattern.bigEndianBytes }
        return PostgresData(oid: 0, format: .binary, bytes: out)
    }

    /// Decodes a binary `halfvec` value.
    ///
    /// Through `CHalf`: F16C widens eight elements per instruction (on x86-64 without it, `Float(Float16)`
    /// is a libcall per element, `__extendhfsf2`, which was the largest single cost of decoding 100+
    /// candidate vectors of 1,024 dimensions per request). Exact: every half is a float.
    public static func decodeHalfvec(_ b: [UInt8]) throws -> [Float] {
        let dim = try dimension(b, elementSize: 2)
        guard dim > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: dim) { out, count in
            widenHalfvec(b, dimension: dim, dividedBy: 1, into: out.baseAddress!)
            count = dim
        }
    }

    /// The dimension of a well-formed binary `halfvec` (header and length agree), else nil.
    public static func halfvecDimension(_ b: [UInt8]) -> Int? { try? dimension(b, elementSize: 2) }

    /// ``decodeHalfvec(_:)`` into memory the caller owns, each element divided by `divisor` (the vector's
    /// norm gives the unit vector in the same pass): `out` holds `dimension` floats, which
    /// ``halfvecDimension(_:)`` returned for `b`.
    public static func widenHalfvec(_ b: [UInt8], dimension: Int, dividedBy divisor: Float, into out: UnsafeMutablePointer<Float>) {
        precondition(b.count == 4 + 2 * dimension, "not a binary halfvec of \(dimension) elements")
        b.withUnsafeBufferPointer { src in chalf_widen_be(src.baseAddress! + 4, out, dimension, divisor) }
    }

    /// Decodes a binary `vector` value.
    public static func decodeVector(_ b: [UInt8]) throws -> [Float] {
        let dim = try dimension(b, elementSize: 4)
        return [Float](unsafeUninitializedCapacity: dim) { out, count in
            b.withUnsafeBytes { raw in
                for k in 0..<dim { out[k] = Float(bitPattern: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 + 4 * k, as: UInt32.self))) }
            }
            count = dim
        }
    }

    /// Parses pgvector's text form `[1,2,3]` (for text-format results).
    public static func parseText(_ text: String) throws -> [Float] {
        let trimmed = text.trimmingCharacters(in: .init(charactersIn: "[] "))
        if trimmed.isEmpty { return [] }
        var out = [Float]()
        for part in trimmed.split(separator: ",") {
            guard let f = Float(part.trimmingCharacters(in: .whitespaces)) else {
                throw PostgresError(.decoding, "not a pgvector literal")
            }
            out.append(f)
        }
        return out
    }

    /// The dimension in a binary value's header, checked against the value's length.
    private static func dimension(_ b: [UInt8], elementSize: Int) throws -> Int {
        guard b.count >= 4 else { throw PostgresError(.decoding, "pgvector value shorter than its header") }
        let dim = Int(UInt16(b[0]) << 8 | UInt16(b[1]))
        guard b.count == 4 + dim * elementSize else {
            throw PostgresError(.decoding, "pgvector value of \(b.count) bytes does not hold \(dim) elements")
        }
        return dim
    }
}
