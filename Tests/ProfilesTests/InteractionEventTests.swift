import Foundation
import Testing
import RecCore
@testable import Profiles

@Suite struct InteractionEventTests {
    let id = "6f1c2a9e-3b4d-4c5e-8f70-112233445566"

    func json(_ fields: String) -> [UInt8] { Array("{\(fields)}".utf8) }

    @Test func decodesAFullEvent() throws {
        let i = try InteractionEvent.decode(json(#""eventId":"\#(id)","occurredAt":"2026-11-29T00:30:25.250+01:00","userId":"u1","productId":"p9","type":"rating","value":4.5,"sessionId":"s1""#))
        #expect(i.eventID == UUID(uuidString: id))
        #expect(i.userID == "u1")
        #expect(i.itemID == "p9")
        #expect(i.type == .rating)
        #expect(i.value == 4.5)
        #expect(i.sessionID == "s1")
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime]
        let whole = try #require(reference.date(from: "2026-11-28T23:30:25Z"))
        #expect(abs(i.occurredAt.timeIntervalSince(whole) - 0.25) < 1e-6)
    }

    @Test func encodeThenDecodeRoundTrips() throws {
        let i = Interaction(eventID: UUID(), occurredAt: Date(timeIntervalSince1970: 1_796_085_025.125), userID: "u \"quoted\" ü", itemID: "p\\1", type: .addToCart, value: nil, sessionID: "s")
        let back = try InteractionEvent.decode(Array(InteractionEvent.encode(i).utf8))
        #expect(back == i)
    }

    @Test(arguments: [
        (#""occurredAt":"2026-11-29T00:30:25Z","userId":"u","productId":"p","type":"view""#, InteractionEventError.Code.missingField),
        (#""eventId":"nope","occurredAt":"2026-11-29T00:30:25Z","userId":"u","productId":"p","type":"view""#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"9999-12-31T23:59:59Z","userId":"u","productId":"p","type":"view""#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"1970-01-01T00:00:00Z","userId":"u","productId":"p","type":"view""#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25Z","userId":"u","productId":"p","type":"rating","value":1e300"#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25Z","userId":"u","productId":"p","type":"rating","value":7"#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25Z","userId":"u","productId":"p","type":"view","value":1e300"#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"yesterday","userId":"u","productId":"p","type":"view""#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-02-30T00:00:00Z","userId":"u","productId":"p","type":"view""#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25","userId":"u","productId":"p","type":"view""#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25Z","userId":"","productId":"p","type":"view""#, .missingField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25Z","userId":"u","type":"view""#, .missingField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25Z","userId":"u","productId":"p","type":"like""#, .unknownType),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25Z","userId":"u","productId":"p","type":"rating""#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25Z","userId":7,"productId":"p","type":"view""#, .malformedJSON),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25Z","userId":"u\u0000x","productId":"p","type":"view""#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25Z","userId":"u","productId":"p\u0000","type":"view""#, .invalidField),
        (#""eventId":"6f1c2a9e-3b4d-4c5e-8f70-112233445566","occurredAt":"2026-11-29T00:30:25Z","userId":"u","productId":"p","type":"view","sessionId":"s\n1""#, .invalidField),
    ])
    func rejectsInvalidEvents(fields: String, code: InteractionEventError.Code) {
        #expect(throws: InteractionEventError.self) { try InteractionEvent.decode(json(fields)) }
        do { _ = try InteractionEvent.decode(json(fields)) } catch { #expect(error.code == code) }
    }

    @Test func rejectsNonJSON() {
        do { _ = try InteractionEvent.decode(Array("not json".utf8)); Issue.record("accepted garbage") } catch { #expect(error.code == .malformedJSON) }
    }

    @Test func rfc3339FormatAndParseAgree() throws {
        var g = SeededGenerator(seed: 7)
        for _ in 0..<1000 {
            let ms = Double(Int64.random(in: 0...4_102_444_800_000, using: &g)) / 1000
            let d = Date(timeIntervalSince1970: ms)
            let back = try #require(RFC3339.parse(RFC3339.format(d)))
            #expect(abs(back.timeIntervalSince1970 - ms) < 1e-6)
        }
        #expect(RFC3339.parse("2024-02-29T12:00:00z") != nil)
        #expect(RFC3339.parse("2023-02-29T12:00:00Z") == nil)
        #expect(RFC3339.parse("2026-11-29T00:30:25.Z") == nil)
    }
}
