import BedrockClient
import Consumers

/// Catalog pipeline settings from the environment (command-line options override them).
///
/// | variable | meaning | default |
/// | --- | --- | --- |
/// | `REC_CATALOG_TOPIC` | catalog topic | `catalog.v1` |
/// | `REC_CATALOG_GROUP` | consumer group | `rec-products` |
/// | `REC_EMBEDDING_MODE` | `fused` or `separate` | `fused` |
/// | `BEDROCK_EMBEDDING_DIMENSIONS` | 256, 384, 1024 | 1024 |
/// | `REC_BROKEN_IMAGES` | `text-only` or `dead-letter` | `text-only` |
/// | `REC_CATALOG_PARTITIONS` | partitions when the topic is created | 6 |
/// | `AWS_ENDPOINT_URL_S3` | path-style S3 endpoint for `s3://` images | regional virtual-hosted |
extension AppConfiguration {
    var catalogTopic: String { nonEmpty("REC_CATALOG_TOPIC") ?? Topics.catalog }
    var catalogGroup: String { nonEmpty("REC_CATALOG_GROUP") ?? "rec-products" }
    var embeddingMode: String { nonEmpty("REC_EMBEDDING_MODE") ?? CatalogIngestConfiguration.EmbeddingMode.fused.rawValue }
    var embeddingDimensions: String { nonEmpty("BEDROCK_EMBEDDING_DIMENSIONS") ?? String(TitanModel.defaultDimension) }
    var brokenImages: String { nonEmpty("REC_BROKEN_IMAGES") ?? CatalogIngestConfiguration.BrokenImagePolicy.textOnly.rawValue }
    var catalogPartitions: Int { Int(nonEmpty("REC_CATALOG_PARTITIONS") ?? "") ?? 6 }
    var s3Endpoint: String? { nonEmpty("AWS_ENDPOINT_URL_S3") }

    private func nonEmpty(_ key: String) -> String? {
        environment[key].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    }
}
