import BedrockClient
import Consumers

/// Catalog pipeline settings from the environment (command-line options override them).
///
/// | variable | meaning | default |
/// | --- | --- | --- |
/// | `REC_CATALOG_TOPIC` | catalog topic | `catalog.v1` |
/// | `REC_CATALOG_GROUP` | consumer group | `rec-products` |
/// | `REC_EMBEDDING_MODE` | `fused` or `separate` | `fused` |
/// | `BEDROCK_EMBEDDING_DIMENSIONS` | 256, 384, 1024, 3072 (Nova) | 1024 |
/// | `REC_BROKEN_IMAGES` | `text-only` or `dead-letter` | `text-only` |
/// | `AWS_ENDPOINT_URL_S3` | path-style S3 endpoint for `s3://` images | regional virtual-hosted |
/// | `REC_IMAGE_ALLOW_CIDRS` | comma-separated address blocks image downloads may reach despite the address policy (loopback, private, link-local, ...) | none: public addresses only |
/// | `REC_IMAGE_FILE_DIR` | the directory `file://` image URLs may read (resolved paths must stay inside) | unset: `file://` refused |
extension AppConfiguration {
    public var catalogTopic: String { nonEmpty("REC_CATALOG_TOPIC") ?? Topics.catalog }
    public var catalogGroup: String { nonEmpty("REC_CATALOG_GROUP") ?? "rec-products" }
    public var embeddingMode: String { nonEmpty("REC_EMBEDDING_MODE") ?? CatalogIngestConfiguration.EmbeddingMode.fused.rawValue }
    public var embeddingDimensions: String { nonEmpty("BEDROCK_EMBEDDING_DIMENSIONS") ?? String(TitanModel.defaultDimension) }
    public var brokenImages: String { nonEmpty("REC_BROKEN_IMAGES") ?? CatalogIngestConfiguration.BrokenImagePolicy.textOnly.rawValue }
    public var s3Endpoint: String? { nonEmpty("AWS_ENDPOINT_URL_S3") }

    /// The image fetcher of catalog ingest, with the image address and file policies of the environment.
    ///
    /// - Throws: ``ConfigurationError`` for a malformed `REC_IMAGE_ALLOW_CIDRS` or a `REC_IMAGE_FILE_DIR` that is not a directory.
    public func imageFetcher(transport: any HTTPTransport, s3: ImageFetcher.S3? = nil) throws -> ImageFetcher {
        let policy: AddressPolicy
        do { policy = try AddressPolicy(allowList: nonEmpty("REC_IMAGE_ALLOW_CIDRS") ?? "") } catch {
            throw ConfigurationError("REC_IMAGE_ALLOW_CIDRS: \(error.message)")
        }
        var directory: ImageFileDirectory?
        if let path = nonEmpty("REC_IMAGE_FILE_DIR") {
            do { directory = try ImageFileDirectory(path) } catch { throw ConfigurationError("REC_IMAGE_FILE_DIR: \(error.message)") }
        }
        return ImageFetcher(transport: transport, s3: s3, addressPolicy: policy, fileDirectory: directory)
    }

    private func nonEmpty(_ key: String) -> String? {
        environment[key].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    }
}
