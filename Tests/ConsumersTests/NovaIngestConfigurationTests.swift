import BedrockClient
import Testing
@testable import Consumers

/// Catalog ingest's side of the model families: which dimensions each may store, and the embedding cache key.
@Suite struct NovaIngestConfigurationTests {
    @Test func dimensionsFollowTheModelFamily() throws {
        let nova = try CatalogIngestConfiguration(dimensions: 3072, modelID: NovaModel.multimodalEmbeddingsV1)
        #expect(nova.family == .nova)
        #expect(try CatalogIngestConfiguration(dimensions: 256, modelID: NovaModel.multimodalEmbeddingsV1).family == .nova)
        let titan = #expect(throws: CatalogEventError.self) { try CatalogIngestConfiguration(dimensions: 3072) }
        #expect(titan?.description.contains("256, 384 or 1024") == true)
        #expect(throws: CatalogEventError.self) { try CatalogIngestConfiguration(dimensions: 2048, modelID: NovaModel.multimodalEmbeddingsV1) }
        // A provisioned model ARN takes the family it is given.
        let arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcd1234"
        #expect(try CatalogIngestConfiguration(dimensions: 3072, modelID: arn, family: .nova).family == .nova)
        #expect(throws: CatalogEventError.self) { try CatalogIngestConfiguration(dimensions: 3072, modelID: arn) }
    }

    @Test func cacheKeyHasTheExactModelIDAndDimension() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
        func key(_ model: String, _ dims: Int) -> [UInt8] {
            CatalogIngest.contentHash(model: model, dimensions: dims, kind: "fused", text: "Red mug. Stoneware", image: png)
        }
        let novaFull = key(NovaModel.multimodalEmbeddingsV1, 3072)
        #expect(novaFull == key(NovaModel.multimodalEmbeddingsV1, 3072))
        #expect(novaFull != key(NovaModel.multimodalEmbeddingsV1, 1024))
        #expect(key(NovaModel.multimodalEmbeddingsV1, 1024) != key(TitanModel.multimodalEmbeddingsV1, 1024))
        // The exact id, not the family: a provisioned Nova model's vectors are another space.
        #expect(key("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcd1234", 3072) != novaFull)
    }
}
