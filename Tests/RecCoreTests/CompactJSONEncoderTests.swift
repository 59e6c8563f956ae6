import Foundation
import Testing
@testable import RecCore

@Suite("Compact JSON encoder")
struct CompactJSONEncoderTests {
    func text(_ v: some Encodable) throws -> String { String(decoding: try CompactJSONEncoder().encode(v), as: UTF8.self) }

    @Test func writesJSONValueDocumentsByteForByteAsJSONValueDoes() throws {
        let documents: [JSONValue] = [
            nil, true, 0, -1, 42, .number(0.1), .number(-0.000123), .number(1e-7), .number(1e15), .number(123456789012345), .number(.nan),
            .number(.infinity), "", "x\"y\\z\n\r\t\u{01}\u{1f}é😀/", [], [:],
            ["b": [1, .number(2.5), "x"], "a": nil, "c": ["t": true, "f": false, "": [[:], []]], "ä": 1, "B": 2, "a2": [["z": 1, "y": [2]]]],
            .array((0..<50).map { .object(["k\($0 % 7)": .number(Double($0)), "id": .string("i\($0)")]) }),
        ]
        for d in documents {
            #expect(try text(d) == d.jsonText)
        }
    }

    struct Unsorted: Encodable {
        var zeta = 1
        var alpha: String? = "a"
        var missing: Int? = nil
        @Nullable var price: Double?
        var inner = Inner()
        var list = [Inner(), Inner()]
        struct Inner: Encodable {
            var y = 0.5
            var x: Float = 0.1
            var w: Nullable<Int>? = Nullable(nil)
            var v: Nullable<Int>? = nil
        }
    }

    @Test func keysComeOutSortedAndOptionalsAreAbsentOrNull() throws {
        let inner = #"{"w":null,"x":0.1,"y":0.5}"#
        #expect(try text(Unsorted(price: nil)) == #"{"alpha":"a","inner":\#(inner),"list":[\#(inner),\#(inner)],"price":null,"zeta":1}"#)
        #expect(try text(Unsorted(alpha: nil, price: 2)) == #"{"inner":\#(inner),"list":[\#(inner),\#(inner)],"price":2,"zeta":1}"#)
    }

    /// Hand-written conformances with nested containers and super encoders, written in order.
    struct Nested: Encodable {
        enum K: String, CodingKey { case b, a, list, sup }
        enum L: String, CodingKey { case y, x }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            try c.encode("B", forKey: .b)
            var n = c.nestedContainer(keyedBy: L.self, forKey: .a)
            try n.encode(2, forKey: .y)
            try n.encode(1, forKey: .x)
            var u = c.nestedUnkeyedContainer(forKey: .list)
            try u.encode(1)
            var uu = u.nestedUnkeyedContainer()
            try uu.encodeNil()
            var uk = u.nestedContainer(keyedBy: L.self)
            try uk.encode(true, forKey: .x)
            #expect(u.count == 3)
            try Int8(7).encode(to: c.superEncoder(forKey: .sup))
        }
    }

    @Test func nestedContainersAndSuperEncoders() throws {
        #expect(try text(Nested()) == #"{"a":{"x":1,"y":2},"b":"B","list":[1,[null],{"x":true}],"sup":7}"#)
    }

    struct Silent: Encodable { func encode(to encoder: any Encoder) throws {} }

    @Test func aValueThatEncodesNothingIsAnEmptyObject() throws {
        #expect(try text([Silent(), Silent()]) == "[{},{}]")
        #expect(try text(["k": Silent()]) == #"{"k":{}}"#)
    }

    struct Late: Encodable {
        enum K: CodingKey { case a, b }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: K.self)
            var n = c.nestedContainer(keyedBy: K.self, forKey: .a)
            try c.encode(1, forKey: .b)
            try n.encode(2, forKey: .a)  // after its parent moved on
        }
    }

    @Test func writingToAContainerAfterItsParentMovedOnThrows() {
        #expect(throws: EncodingError.self) { try CompactJSONEncoder().encode(Late()) }
    }

    @Test func nullableDecodesNullAndAbsence() throws {
        struct Member: Codable, Equatable {
            @Nullable var a: Int?
            var b: Nullable<Int>?
        }
        let decoder = JSONDecoder()
        #expect(try decoder.decode(Member.self, from: Data(#"{"a":null,"b":null}"#.utf8)) == Member(a: nil, b: Nullable(nil)))
        #expect(try decoder.decode(Member.self, from: Data(#"{"a":1,"b":2}"#.utf8)) == Member(a: 1, b: Nullable(2)))
        #expect(try decoder.decode(Member.self, from: Data("{}".utf8)) == Member(a: nil, b: nil))
        #expect(try text(Member(a: nil, b: nil)) == #"{"a":null}"#)
    }
}
