import RecCore
import Foundation
import Testing
@testable import RecService

@Suite("Request parsing")
struct RequestParsingTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func event(_ overrides: [String: JSONValue] = [:], drop: String? = nil) -> JSONValue {
        var o: [String: JSONValue] = [
            "eventId": "6f1c8e0e-3a3b-4a4f-9b0e-1d2c3b4a5f60", "occurredAt": "2027-01-15T08:00:00Z",
            "userId": "u1", "productId": "p1", "type": "view",
        ]
        for (k, v) in overrides { o[k] = v }
        if let drop { o[drop] = nil }
        return .object(o)
    }

    @Test func validEventsRoundTripToTheWireFormat() throws {
        let events = try SubmittedEvent.parseBatch(["events": [event(["type": "rating", "value": 4, "sessionId": "s1"])]], now: now)
        #expect(events.count == 1)
        #expect(events[0].type == .rating && events[0].value == 4 && events[0].sessionID == "s1")
        let wire = events[0].json
        #expect(wire == event(["type": "rating", "value": 4, "sessionId": "s1"]))
        #expect(try SubmittedEvent.parseBatch(.array([event()]), now: now).count == 1)
    }

    @Test(arguments: [
        ("missing eventId", JSONValue.null, "eventId"),
        ("bad uuid", ["eventId": "nope"], "eventId"),
        ("bad time", ["occurredAt": "yesterday"], "occurredAt"),
        ("future", ["occurredAt": "2030-01-01T00:00:00Z"], "future"),
        ("type", ["type": "like"], "type"),
        ("wrong type", ["userId": 5], "userId"),
        ("rating without value", ["type": "rating"], "rating"),
        ("unknown field", ["extra": true], "extra"),
    ] as [(String, JSONValue, String)])
    func invalidEventsAreRejectedNamingTheField(_ name: String, _ overrides: JSONValue, _ mention: String) throws {
        var body = event(drop: name == "missing eventId" ? "eventId" : nil)
        if case .object(let o) = overrides, case .object(var b) = body { for (k, v) in o { b[k] = v }; body = .object(b) }
        do {
            _ = try SubmittedEvent.parseBatch(["events": [body]], now: now)
            Issue.record("accepted \(name)")
        } catch let e as RecServiceError {
            #expect(e.code == .invalidInput)
            #expect(e.message.contains(mention), "\(e.message)")
        }
    }

    @Test func batchesAreBounded() {
        #expect(throws: RecServiceError.self) { try SubmittedEvent.parseBatch(["events": []], now: now) }
        let many = JSONValue.array(Array(repeating: event(), count: 501))
        #expect(throws: RecServiceError.self) { try SubmittedEvent.parseBatch(["events": many], now: now) }
        #expect(throws: RecServiceError.self) { try SubmittedEvent.parseBatch("hello", now: now) }
    }

    @Test func jsonParsingIsStrictAboutTypes() throws {
        let v = try JSONValue.parse(Array(#"{"a":true,"b":1,"c":"x","d":[1],"e":null}"#.utf8))
        let o = try JSONObjectReader(v)
        #expect(try o.bool("a") == true)
        #expect(try o.int("b", in: 0...2) == 1)
        #expect(throws: RecServiceError.self) { try o.int("b", in: 2...3) }
        #expect(throws: RecServiceError.self) { try o.bool("b") }
        #expect(throws: RecServiceError.self) { try o.string("b") }
        #expect(throws: RecServiceError.self) { try o.number("a") }
        #expect(try o.string("e") == nil)
        #expect(throws: RecServiceError.self) { try o.onlyAllow(["a", "b"]) }
        #expect(throws: RecServiceError.self) { try JSONValue.parse(Array("{nope".utf8)) }
        #expect(throws: RecServiceError.self) { try JSONValue.parse([]) }
    }

    @Test func openAPIDocumentDescribesEveryRouteAndEveryRouteHasAHandler() throws {
        let doc = RouteTable.openAPIDocument()
        guard case .object(let top) = doc, case .object(let paths)? = top["paths"] else { Issue.record("no paths"); return }
        var documented = Set<String>()
        for (path, ops) in paths {
            guard case .object(let o) = ops else { continue }
            for m in o.keys { documented.insert("\(m.uppercased()) \(path)") }
        }
        let table = Set(RouteTable.all.map { "\($0.method) \($0.path)" })
        #expect(documented == table)
        #expect(RouteTable.all.count == table.count, "no duplicate routes")
        for r in RouteTable.all {
            guard case .object(let ops)? = paths[r.path], case .object(let op)? = ops[r.method.lowercased()] else { continue }
            let declared: [String]
            if case .array(let ps)? = op["parameters"] {
                declared = ps.compactMap { if case .object(let p) = $0, case .string(let n)? = p["name"], p["in"] == "path" { n } else { nil } }
            } else { declared = [] }
            #expect(declared == r.pathParameters, "\(r.path)")
        }
        #expect(RouteTable.all.first { $0.path == "/v1/items/{itemId}/similar" }?.routerPath == "/v1/items/:itemId/similar")
    }
}

@Suite("JSON encoding")
struct JSONEncodingTests {
    @Test func handWrittenEncoderRoundTripsThroughJSONDecoder() throws {
        let value: JSONValue = ["b": [1, .number(2.5), "x\"y\\z\n\u{01}é"], "a": nil, "c": ["t": true, "f": false], "n": .number(-0.000123)]
        let bytes = value.encoded()
        #expect(try JSONValue.parse(bytes) == value)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("{\"a\":null,\"b\":[1,2.5,"))
    }
}
