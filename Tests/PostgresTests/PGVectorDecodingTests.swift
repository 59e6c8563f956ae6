import CHalf
import Postgres
import Testing

/// Half-precision decoding (no database): every one of the 65,536 half values must widen to the float that
/// `Float(Float16)` gives, through the F16C path this CPU takes and through the portable fallback.
@Suite("pgvector halfvec decoding")
struct PGVectorDecodingTests {
    /// All half bit patterns as one binary halfvec (the header's dimension is 16 bits, so two values).
    static func wire(_ bits: Range<Int>) -> [UInt8] {
        var b: [UInt8] = [UInt8(truncatingIfNeeded: bits.count >> 8), UInt8(truncatingIfNeeded: bits.count), 0, 0]
        for h in bits { b += [UInt8(h >> 8), UInt8(h & 0xFF)] }
        return b
    }

    static func expectExact(_ got: [Float], _ bits: Range<Int>, path: String) {
        #expect(got.count == bits.count)
        var mismatches = 0
        for (k, h) in bits.enumerated() {
            let want = Float(Float16(bitPattern: UInt16(h)))
            let same = want.isNaN ? got[k].isNaN : got[k].bitPattern == want.bitPattern
            if !same { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(path): \(mismatches) half values widened wrongly")
    }

    @Test func everyHalfValueWidensExactly() throws {
        for bits in [0..<0x8000, 0x8000..<0x10000] {  // positive and negative halves (a dimension fits 16 bits)
            let b = Self.wire(bits)
            Self.expectExact(try PGVector.decodeHalfvec(b), bits, path: "decodeHalfvec")
            var out = [Float](repeating: 0, count: bits.count)
            b.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { chalf_widen_be_portable(src.baseAddress! + 4, $0.baseAddress!, bits.count, 1) } }
            Self.expectExact(out, bits, path: "portable")
        }
    }

    @Test func dividingInTheSamePassEqualsDividingAfterwards() throws {
        let v: [Float] = (0..<1027).map { Float($0 % 97) * 0.013 - 0.6 }  // not a multiple of 8: the tail loop too
        let b = PGVector.halfvec(v).bytes ?? []
        let widened = try PGVector.decodeHalfvec(b)
        let norm: Float = 3.7
        var divided = [Float](repeating: 0, count: widened.count)
        divided.withUnsafeMutableBufferPointer { PGVector.widenHalfvec(b, dimension: widened.count, dividedBy: norm, into: $0.baseAddress!) }
        #expect(divided == widened.map { $0 / norm })
        #expect(try PGVector.decodeHalfvec(PGVector.halfvec([]).bytes ?? []) == [])
    }
}
