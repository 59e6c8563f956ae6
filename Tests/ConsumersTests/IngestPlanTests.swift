import BedrockClient
import EmbeddingSpaces
import Foundation
import Testing
@testable import Consumers

/// Catalog ingest's decisions as values: no broker, no database, no endpoint.
@Suite struct IngestPlanTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    static func up(_ index: Int, _ id: String, at: Double, title: String = "t", image: CatalogImage? = nil) -> IngestPlan.Event {
        (index, .upserted(eventID: UUID(), occurredAt: t0 + at, product: CatalogProduct(id: id, title: title, image: image)))
    }

    static func del(_ index: Int, _ id: String, at: Double) -> IngestPlan.Event {
        (index, .deleted(eventID: UUID(), occurredAt: t0 + at, productID: id))
    }

    @Test(arguments: [
        // (events as (kind, at), expected winner's index)
        ([("up", 1.0), ("up", 2.0)], 1),
        ([("up", 2.0), ("up", 1.0)], 0),
        ([("up", 1.0), ("del", 1.0)], 1),
        ([("del", 1.0), ("up", 1.0)], 0),
        ([("up", 1.0), ("up", 1.0)], 1),
    ])
    func theNewestEventWinsADeleteWinsATieThenTheLaterMessage(events: [(String, Double)], winner: Int) {
        let batch = events.enumerated().map { i, e in e.0 == "up" ? Self.up(i, "p", at: e.1) : Self.del(i, "p", at: e.1) }
        let (winners, superseded) = IngestPlan.winners(batch)
        #expect(winners["p"]?.index == winner)
        #expect(superseded["p"]?.map(\.index) == batch.indices.filter { $0 != winner })
    }

    @Test func staleWinnersAndWhatTheySupersedeAreSettledWithoutTitan() {
        let batch = [Self.up(0, "old", at: 1), Self.up(1, "old", at: 5), Self.up(2, "new", at: 9), Self.del(3, "gone", at: 5), Self.del(4, "later", at: 4)]
        let (winners, superseded) = IngestPlan.winners(batch)
        let versions = ["old": Self.t0 + 5, "new": Self.t0 + 5, "gone": Self.t0 + 5, "later": Self.t0 + 5]
        let plan = IngestPlan(winners: winners, superseded: superseded, versions: versions)
        // An upsert at the stored time is stale; a delete at the stored time applies (tombstones win ties).
        #expect(plan.candidates.map(\.product.id) == ["new"])
        #expect(plan.settled.deletes.map(\.id) == ["gone"])
        let settledEvents = Set(plan.settled.processed.map(\.eventID))
        #expect(settledEvents == Set([0, 1, 3, 4].map { batch[$0].event.eventID }))
    }

    @Test func anImageTheEndpointRejectedIsLeftOutWithItsReason() {
        let e = Self.up(0, "p", at: 1, image: .inline([0x89, 0x50]))
        let plan = IngestPlan(winners: ["p": e], superseded: [:], versions: [:], imageErrors: [0: "the embedding endpoint rejected the image: CMYK"])
        #expect(plan.candidates.first?.image == nil)
        #expect(plan.candidates.first?.product.image == nil)
        #expect(plan.candidates.first?.imageError == "the embedding endpoint rejected the image: CMYK")
        #expect(plan.candidates.first?.imageURL == nil, "nothing to fetch")
        let withURL = IngestPlan(winners: ["p": Self.up(0, "p", at: 1, image: .url("https://example.com/a.png"))], superseded: [:], versions: [:])
        #expect(withURL.candidates.first?.imageURL == "https://example.com/a.png")
    }

    static func hash(_ kind: String, _ text: String?, _ image: [UInt8]?) -> [UInt8] {
        ContentHash.of(model: "m", dimensions: 256, kind: kind, text: text, image: image)
    }

    @Test func piecesPerModeAndWhatNeedsEmbedding() {
        let fused = IngestPlan.pieces(caption: "Red shoe", image: [1, 2], mode: .fused, hash: Self.hash)
        #expect(fused.map(\.kind) == ["fused"] && fused[0].text == "Red shoe" && fused[0].image == [1, 2])
        let separate = IngestPlan.pieces(caption: "Red shoe", image: [1, 2], mode: .separate, hash: Self.hash)
        #expect(separate.map(\.kind) == ["text", "image"])
        #expect(IngestPlan.pieces(caption: "Red shoe", image: nil, mode: .separate, hash: Self.hash).map(\.kind) == ["text"])

        // Two products with the same caption share one embedding; a product whose stored hash matches needs none.
        var a = IngestPlan.Candidate(index: 0, eventID: UUID(), occurredAt: Self.t0, product: CatalogProduct(id: "a", title: "x"))
        var b = IngestPlan.Candidate(index: 1, eventID: UUID(), occurredAt: Self.t0, product: CatalogProduct(id: "b", title: "x"))
        var c = IngestPlan.Candidate(index: 2, eventID: UUID(), occurredAt: Self.t0, product: CatalogProduct(id: "c", title: "y"))
        a.pieces = IngestPlan.pieces(caption: "Same", image: nil, mode: .fused, hash: Self.hash)
        b.pieces = a.pieces
        c.pieces = IngestPlan.pieces(caption: "Unchanged", image: nil, mode: .fused, hash: Self.hash)
        let stored = ["c": ["default/fused": c.pieces[0].hash]]
        let (needed, unchanged) = IngestPlan.changedPieces([a, b, c], stored: stored)
        #expect(needed.count == 1 && unchanged == 2)

        let (ready, waiting, remaining) = IngestPlan.schedule([a, b, c], stored: stored, have: [])
        #expect(ready == [2], "the unchanged product is written at once")
        #expect(waiting[a.pieces[0].hash] == [0, 1])
        #expect(remaining == [0: 1, 1: 1])
        let cached = IngestPlan.schedule([a, b, c], stored: stored, have: [a.pieces[0].hash])
        #expect(cached.ready == [0, 1, 2] && cached.waiting.isEmpty, "a cached vector needs no embedding")
    }

    @Test func contentHashIsSHA256OfTheFramedInput() {
        #expect(SHA256Digest.hex(SHA256Digest.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hash("fused", "a", nil) != Self.hash("fused", nil, Array("a".utf8)), "text and image are framed apart")
    }

    /// Each space's caption is cut to its model's text limit: Titan's 128 tokens (budget 120), Nova's 8,192
    /// characters; a custom model ARN is cut as the family the client speaks to it.
    @Test func eachSpaceCutsTheCaptionToItsModelsLimit() {
        let description = Array(repeating: "handwoven wool with a natural linen backing", count: 60).joined(separator: " ")
        let full = CatalogCaption.full(title: "Rug", description: description)
        #expect(full.count > 2_000)
        let titan = EmbeddingSpace(name: EmbeddingSpace.defaultName, model: TitanModel.multimodalEmbeddingsV1, dims: 1024, mode: .fused)
        let nova = EmbeddingSpace(name: EmbeddingSpace.validName("nova")!, model: NovaModel.multimodalEmbeddingsV1, dims: 1024, mode: .fused)
        let custom = EmbeddingSpace(name: EmbeddingSpace.validName("ft")!, model: "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/x", dims: 1024, mode: .fused)
        let identity = { (m: String) in EmbeddingModelIdentity(family: EmbeddingModelFamily.inferred(fromModelID: m) ?? .titan, hashModel: m) }
        let pieces = IngestPlan.pieces(caption: full, image: nil, targets: [titan, nova, custom], identity: identity)
        let text = Dictionary(uniqueKeysWithValues: pieces.map { ($0.space.value, $0.text ?? "") })
        #expect(text["default"] == CatalogCaption.make(title: "Rug", description: description).text)
        #expect(TitanTokenEstimator.estimate(text["default"]!) <= 120 && text["default"]!.hasPrefix("Rug. handwoven"))
        #expect(text["nova"] == full, "Nova takes the whole caption")
        #expect(text["ft"] == text["default"], "a custom Titan model is cut like Titan")
        #expect(CatalogCaption.make(title: "Rug", description: description, family: .nova) == (full, false))
        let long = CatalogCaption.make(title: "Rug", description: String(repeating: "wool ", count: 3_000), family: .nova)
        #expect(long.truncated && long.text.count <= NovaModel.maxTextCharacters && long.text.hasPrefix("Rug. wool"))
    }
}
