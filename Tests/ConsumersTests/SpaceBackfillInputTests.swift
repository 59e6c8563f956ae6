import BedrockClient
import EmbeddingSpaces
import Foundation
import Testing
@testable import Consumers

/// What `rec models backfill` embeds an item from (docs/models.md), without services: the catalog's own
/// caption, the stored inline image or the URL fetched again, and never a guess where the live vector says the
/// input had an image nobody kept.
@Suite struct SpaceBackfillInputTests {
    static let live = EmbeddingSpace(name: EmbeddingSpace.defaultName, model: "amazon.titan-embed-image-v1", dims: 256, mode: .fused)
    static let liveModel = EmbeddingModelIdentity(family: .titan, hashModel: "amazon.titan-embed-image-v1")
    static func row(url: String? = nil, error: String? = nil, stored: [UInt8]? = nil, liveHash: [UInt8]? = nil, liveHasImage: Bool = false) -> SpaceBackfill.Row {
        SpaceBackfill.Row(id: "p1", title: "Red mug", description: "Stoneware.", imageURL: url, imageError: error, versionAt: Date(),
                          storedImage: stored, liveHash: liveHash, liveHasImage: liveHasImage)
    }
    static let caption = CatalogCaption.make(title: "Red mug", description: "Stoneware.").text

    @Test func theStoredInlineImageComesFirst() {
        guard case .embed(let caption, let image, let lost) = SpaceBackfill.input(Self.row(url: "https://x/y.png", stored: [1, 2, 3]), live: Self.live, liveModel: Self.liveModel, fetched: nil) else {
            Issue.record("not embedded"); return
        }
        #expect(caption == Self.caption && image == [1, 2, 3] && !lost)
    }

    @Test func anImageURLIsFetchedAgainAndABrokenOneMeansTextOnly() {
        guard case .embed(_, let image, let lost) = SpaceBackfill.input(Self.row(url: "https://x/y.png"), live: Self.live, liveModel: Self.liveModel, fetched: .success([9])) else {
            Issue.record("not embedded"); return
        }
        #expect(image == [9] && !lost)
        guard case .embed(_, nil, true) = SpaceBackfill.input(Self.row(url: "https://x/y.png"), live: Self.live, liveModel: Self.liveModel,
                                                              fetched: .failure(ImageFetchError("HTTP 404", isRetriable: false))) else {
            Issue.record("a broken URL is not text-only"); return
        }
        guard case .failed = SpaceBackfill.input(Self.row(url: "https://x/y.png"), live: Self.live, liveModel: Self.liveModel,
                                                 fetched: .failure(ImageFetchError("timeout", isRetriable: true))) else {
            Issue.record("a transient failure must be tried again, not embedded without its image"); return
        }
        // The live space stored it text-only already (the image was unusable): so does the new space.
        guard case .embed(_, nil, false) = SpaceBackfill.input(Self.row(url: "https://x/y.png", error: "HTTP 404"), live: Self.live, liveModel: Self.liveModel, fetched: nil) else {
            Issue.record("an item stored text-only is not text-only"); return
        }
    }

    @Test func withoutAnyImageTheLiveVectorDecides() {
        let textOnly = ContentHash.of(model: Self.live.model, dimensions: 256, kind: "fused", text: Self.caption, image: nil)
        guard case .embed(_, nil, false) = SpaceBackfill.input(Self.row(liveHash: textOnly), live: Self.live, liveModel: Self.liveModel, fetched: nil) else {
            Issue.record("a text-only product is not embedded text-only"); return
        }
        // The live vector was made from an inline image stored before migration 0010: not reproducible.
        let withImage = ContentHash.of(model: Self.live.model, dimensions: 256, kind: "fused", text: Self.caption, image: [7])
        guard case .needsRepublish = SpaceBackfill.input(Self.row(liveHash: withImage), live: Self.live, liveModel: Self.liveModel, fetched: nil) else {
            Issue.record("embedded an item whose image is lost"); return
        }
        var separate = Self.live
        separate.mode = .separate
        guard case .needsRepublish = SpaceBackfill.input(Self.row(liveHasImage: true), live: separate, liveModel: Self.liveModel, fetched: nil) else {
            Issue.record("a separate-mode image vector without its image"); return
        }
        guard case .embed(_, nil, false) = SpaceBackfill.input(Self.row(), live: separate, liveModel: Self.liveModel, fetched: nil) else {
            Issue.record("a text-only product of a separate space"); return
        }
    }
}
