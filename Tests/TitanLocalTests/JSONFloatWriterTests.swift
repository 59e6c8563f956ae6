import BedrockClient
import Foundation
import Testing
@testable import TitanLocal

@Suite("JSON float writer")
struct JSONFloatWriterTests {
    static func text(_ value: Float) -> String {
        var out: [UInt8] = []
        JSONFloatWriter.append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Exactly JSON's number grammar.
    static func isJSONNumber(_ s: String) -> Bool {
        s.wholeMatch(of: /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/) != nil
    }

    /// Parsed as a client would: strtof-like (`Float(String)`) and through `Double` (`JSONDecoder`).
    static func expectRoundTrip(_ value: Float, sourceLocation: SourceLocation = #_sourceLocation) {
        let s = text(value)
        #expect(isJSONNumber(s), "\(s)", sourceLocation: sourceLocation)
        #expect(Float(s)?.bitPattern == value.bitPattern, "\(value) written as \(s)", sourceLocation: sourceLocation)
        #expect(Double(s).map { Float($0).bitPattern } == value.bitPattern, "\(value) written as \(s)", sourceLocation: sourceLocation)
    }

    @Test("every kind of finite Float parses back bit-identical")
    func edgeCasesRoundTrip() {
        var values: [Float] = [0, -0.0, 1, -1, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 0.5, 1e-7, 1e-8, 1.2e-7, 9.9999999e-8,
                               123_456_789, 1e9, 999_999_940, 1e10, 3.4e38, .greatestFiniteMagnitude, .leastNormalMagnitude,
                               .leastNonzeroMagnitude, Float.leastNormalMagnitude.nextDown, 16_777_216, 16_777_217,
                               0.031234567, -0.0078125, 1e-45, 1e-30, 1e30]
        for e in -149...127 { values.append(Float(sign: .plus, exponent: e, significand: 1)) }
        for v in values {
            for w in [v, -v, v.nextUp, v.nextDown] where w.isFinite { Self.expectRoundTrip(w) }
        }
    }

    @Test("random bit patterns and unit-vector components parse back bit-identical")
    func randomRoundTrip() {
        var state: UInt64 = 0x5EED_F10A_7000_0001
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var checked = 0
        while checked < 200_000 {
            let bits = UInt32(truncatingIfNeeded: next())
            let v = checked.isMultiple(of: 2) ? Float(bitPattern: bits) : Float(Int32(truncatingIfNeeded: bits)) / Float(Int32.max) / 8
            guard v.isFinite else { continue }
            let s = Self.text(v)
            if Float(s)?.bitPattern != v.bitPattern || !Self.isJSONNumber(s) || s.utf8.count > JSONFloatWriter.maxLength {
                Issue.record("\(v) (bits \(v.bitPattern)) written as \(s)")
                return
            }
            checked += 1
        }
    }

    @Test("short values stay short and non-finite values become 0")
    func shortestForms() {
        #expect(Self.text(0.1) == "0.1")
        #expect(Self.text(1) == "1")
        #expect(Self.text(-2.5) == "-2.5")
        #expect(Self.text(100) == "100")
        #expect(Self.text(0.001) == "0.001")
        #expect(Self.text(1e-8) == "1e-8")
        #expect(Self.text(3e20) == "3e20")
        #expect(Self.text(0) == "0")
        #expect(Self.text(-0.0) == "-0")
        #expect(Self.text(.infinity) == "0")
        #expect(Self.text(.nan) == "0")
        // Never longer than 9 significant digits, and no longer than Swift's shortest form.
        for v: Float in [0.33333334, -0.031234567, 0.70710677, 1.4142135] {
            #expect(Self.text(v).count <= v.description.count, "\(Self.text(v)) vs \(v.description)")
        }
    }

    @Test("a whole response decodes bit-identical with both client decoders")
    func responseDecodes() throws {
        let vector = DimensionProjector(inputDimension: 384, outputDimension: 1024, seed: 7)
            .project((0..<384).map { Float(($0 * 37) % 101) - 50 })
        let bytes = TitanEmbedder.encode(.init(embedding: vector, inputTextTokenCount: 9))
        let decoded = try JSONDecoder().decode(TitanEmbeddingResponse.self, from: Data(bytes))
        #expect(decoded.embedding.map(\.bitPattern) == vector.map(\.bitPattern))
        #expect(decoded.inputTextTokenCount == 9)
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        #expect((object?["embedding"] as? [Any])?.count == 1024)
    }
}
