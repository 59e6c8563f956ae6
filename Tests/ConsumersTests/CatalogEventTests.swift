import Foundation
import Testing
@testable import Consumers

@Suite struct CatalogEventTests {
    static let png = PNGEncoder.encode(width: 2, height: 2, rgb: [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9])

    func json(_ s: String) -> [UInt8] { Array(s.utf8) }

    let envelope = #""eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00.250Z""#

    @Test func decodesAFullUpsertAndADelete() throws {
        let b64 = Data(Self.png).base64EncodedString()
        let e = try CatalogEvent.decode(json(#"{"type":"product.upserted",\#(envelope),"product":{"id":"p1","title":"Red mug","description":"Stoneware","categories":["kitchen","mugs"],"attributes":{"color":"red","size":{"ml":350}},"imageBase64":"\#(b64)","price":12.5,"available":false}}"#))
        guard case .upserted(_, let at, let p) = e else { Issue.record("not an upsert"); return }
        #expect(p.id == "p1" && p.title == "Red mug" && p.description == "Stoneware")
        #expect(p.categories == ["kitchen", "mugs"])
        #expect(p.attributesJSON == #"{"color":"red","size":{"ml":350}}"#)
        #expect(p.image == .inline(Self.png))
        #expect(p.price == 12.5 && p.available == false)
        #expect(abs(at.timeIntervalSince1970 - 1_795_946_400.25) < 0.001)

        let d = try CatalogEvent.decode(json(#"{"type":"product.deleted",\#(envelope),"productId":"p1"}"#))
        #expect(d.productID == "p1")
        if case .deleted = d {} else { Issue.record("not a delete") }
    }

    @Test func roundTripsThroughItsOwnJSON() throws {
        let e = CatalogEvent.upserted(eventID: UUID(), occurredAt: Date(timeIntervalSince1970: 1_790_000_000.5),
                                      product: CatalogProduct(id: "x", title: "T", description: "D", categories: ["a"], attributesJSON: #"{"k":1}"#,
                                                              image: .url("https://example.com/a.png"), price: 3, available: true))
        #expect(try CatalogEvent.decode(e.jsonBytes) == e)
    }

    @Test(arguments: [
        ("not json at all", CatalogEventError.Code.invalidJSON),
        (#"{"type":"product.upserted","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a","title":"t"}}"#, .missingField),
        (#"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"title":"t"}}"#, .missingField),
        (#"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a","title":"t","price":"12"}}"#, .invalidField),
        (#"{"type":"product.upserted","eventId":"nope","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a","title":"t"}}"#, .invalidField),
        (#"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"yesterday","product":{"id":"a","title":"t"}}"#, .invalidField),
        (#"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a","title":"t","imageUrl":"ftp://x/y.png"}}"#, .badImage),
        (#"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a","title":"t","imageBase64":"R0lGODlhAQABAAAAACw="}}"#, .badImage),
        (#"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"","title":"t"}}"#, .invalidField),
        (#"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a\u0000b","title":"t"}}"#, .invalidField),
        (#"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a","title":"t","categories":["x\u0000"]}}"#, .invalidField),
        ("{\"type\":\"product.upserted\",\"eventId\":\"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00\",\"occurredAt\":\"2026-11-29T10:00:00Z\",\"product\":{\"id\":\"e" + String(repeating: "\u{301}", count: 300) + "\",\"title\":\"t\"}}", .invalidField),
        (#"{"type":"product.renamed","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z"}"#, .unknownType),
        (#"{"type":"product.deleted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z"}"#, .missingField),
    ])
    func rejectsInvalidEventsWithAReason(input: String, code: CatalogEventError.Code) {
        let e = #expect(throws: CatalogEventError.self) { try CatalogEvent.decode(Array(input.utf8)) }
        #expect(e?.code == code, "\(e?.description ?? "")")
    }

    /// Stored text without NUL, times inside the event window, bounded sizes (issue #13: each of these was
    /// retried forever or silently cut before).
    @Test(arguments: [
        #"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a","title":"t\u0000cut"}}"#,
        #"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a","title":"t","description":"d\u0000"}}"#,
        #"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a","title":"t","attributes":{"k":["ok",{"deep":"x\u0000"}]}}}"#,
        #"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a","title":"t","attributes":{"k\u0000":1}}}"#,
        #"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"9999-12-31T23:59:59Z","product":{"id":"a","title":"t"}}"#,
        #"{"type":"product.deleted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"9999-12-31T23:59:59Z","productId":"a"}"#,
        #"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"1970-01-01T00:00:00Z","product":{"id":"a","title":"t"}}"#,
        #"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2026-11-29T10:00:00Z","product":{"id":"a","title":"t","publishedAt":"9999-01-01T00:00:00Z"}}"#,
        "{\"type\":\"product.upserted\",\"eventId\":\"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00\",\"occurredAt\":\"2026-11-29T10:00:00Z\",\"product\":{\"id\":\"a\",\"title\":\"" + String(repeating: "x", count: 2_001) + "\"}}",
    ])
    func rejectsWhatCannotBeStoredAsSent(input: String) {
        let e = #expect(throws: CatalogEventError.self) { try CatalogEvent.decode(Array(input.utf8)) }
        #expect(e?.code == .invalidField, "\(e?.description ?? "")")
    }

    @Test func acceptsOldEventsForBackfillsAndStoredTextWithNewlines() throws {
        let e = try CatalogEvent.decode(json(#"{"type":"product.upserted","eventId":"6f1c4a2e-8d7b-4c1e-9a55-2b0d6a1e7f00","occurredAt":"2000-01-01T00:00:00Z","product":{"id":"a","title":"line 1\nline 2\tend","publishedAt":"1964-02-19T00:00:00Z"}}"#))
        guard case .upserted(_, _, let p) = e else { Issue.record("not an upsert"); return }
        #expect(p.title == "line 1\nline 2\tend")
    }

    @Test func rejectsImagesOverFiveMegabytes() {
        let big = Self.png + [UInt8](repeating: 0, count: 5 * 1024 * 1024)
        let e = #expect(throws: CatalogEventError.self) { try CatalogEvent.checkImageBytes(big) }
        #expect(e?.code == .badImage)
    }

    @Test func captionKeepsTheTitleAndFitsTheTokenLimit() {
        let c = CatalogCaption.make(title: "  Red   mug ", description: "Stoneware,\n dishwasher safe")
        #expect(c.text == "Red mug. Stoneware, dishwasher safe")
        #expect(!c.truncated)
        #expect(CatalogCaption.make(title: "Sale!", description: "Now").text == "Sale! Now")
        let long = CatalogCaption.make(title: "Walnut desk", description: String(repeating: "handcrafted solid wood furniture ", count: 60))
        #expect(long.truncated)
        #expect(long.text.hasPrefix("Walnut desk. handcrafted"))
        #expect(TitanTokenEstimatorBudget.fits(long.text))
    }

    @Test func contentHashChangesWithEveryInput() {
        let base = CatalogIngest.contentHash(model: "m", dimensions: 256, kind: "fused", text: "a", image: [1, 2])
        #expect(base == CatalogIngest.contentHash(model: "m", dimensions: 256, kind: "fused", text: "a", image: [1, 2]))
        #expect(base != CatalogIngest.contentHash(model: "m2", dimensions: 256, kind: "fused", text: "a", image: [1, 2]))
        #expect(base != CatalogIngest.contentHash(model: "m", dimensions: 384, kind: "fused", text: "a", image: [1, 2]))
        #expect(base != CatalogIngest.contentHash(model: "m", dimensions: 256, kind: "text", text: "a", image: [1, 2]))
        #expect(base != CatalogIngest.contentHash(model: "m", dimensions: 256, kind: "fused", text: "a", image: [1, 3]))
        #expect(base != CatalogIngest.contentHash(model: "m", dimensions: 256, kind: "fused", text: "a", image: nil))
        // Length prefixes: moving a byte between caption and image changes the hash.
        #expect(CatalogIngest.contentHash(model: "m", dimensions: 256, kind: "fused", text: "a\u{1}", image: [2])
                != CatalogIngest.contentHash(model: "m", dimensions: 256, kind: "fused", text: "a", image: [1, 2]))
    }

    @Test func pngHasValidChecksums() {
        #expect(PNGEncoder.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        // Adler-32 of "Wikipedia" is 0x11E60398 (the classic example).
        let z = PNGEncoder.zlibStored(Array("Wikipedia".utf8))
        #expect(Array(z.suffix(4)) == [0x11, 0xE6, 0x03, 0x98])
        #expect(Self.png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }
}

import BedrockClient
enum TitanTokenEstimatorBudget {
    static func fits(_ s: String) -> Bool { TitanTokenEstimator.estimate(s) <= TitanTokenEstimator.budget }
}
