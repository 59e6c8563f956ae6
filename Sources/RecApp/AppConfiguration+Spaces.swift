import BedrockClient
import EmbeddingSpaces
import Foundation
import Logging
import Postgres

/// The embedding spaces as the processes see them (docs/models.md).
///
/// | variable | meaning | default |
/// | --- | --- | --- |
/// | `REC_EMBEDDING_SPACE_REFRESH_S` | seconds between re-reads of `embedding_spaces` | 2 |
///
/// `BEDROCK_MODEL_ID`, `BEDROCK_EMBEDDING_DIMENSIONS` and `REC_EMBEDDING_MODE` describe the space `default` that
/// the first process registers on an empty database; after that, the registered spaces decide.
extension AppConfiguration {
    /// `REC_EMBEDDING_SPACE_REFRESH_S`. Default: 2 s.
    public func embeddingSpaceRefreshInterval() throws -> Duration {
        guard let text = environment["REC_EMBEDDING_SPACE_REFRESH_S"], !text.trimmingCharacters(in: .whitespaces).isEmpty else { return .seconds(2) }
        guard let s = Double(text), s > 0, s <= 3600 else { throw ConfigurationError("REC_EMBEDDING_SPACE_REFRESH_S must be a number of seconds in (0, 3600]") }
        return .milliseconds(Int64((s * 1000).rounded()))
    }

    /// The space `default` of this process's settings (`BEDROCK_MODEL_ID`, `BEDROCK_EMBEDDING_DIMENSIONS`,
    /// `REC_EMBEDDING_MODE`), with `dimensions`/`mode` overriding the latter two (command-line options).
    public func embeddingSpaceSeed(dimensions: Int? = nil, mode: String? = nil) throws -> EmbeddingSpace {
        let model = environment["BEDROCK_MODEL_ID"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } ?? TitanModel.multimodalEmbeddingsV1
        let family: EmbeddingModelFamily
        do {
            family = try EmbeddingModelFamily.resolve(modelID: model, setting: environment["BEDROCK_MODEL_FAMILY"].flatMap { $0.isEmpty ? nil : $0 })
        } catch { throw ConfigurationError(error.message) }
        guard let dims = dimensions ?? Int(embeddingDimensions), family.supportedDimensions.contains(dims) else {
            throw ConfigurationError("BEDROCK_EMBEDDING_DIMENSIONS must be \(family.dimensionsText) for \(family.rawValue) models")
        }
        guard let m = EmbeddingSpace.Mode(rawValue: mode ?? embeddingMode) else { throw ConfigurationError("REC_EMBEDDING_MODE must be fused or separate") }
        return .default(model: model, dims: dims, mode: m)
    }

    /// The spaces read from the database behind `pool` (registering `seed`, default ``embeddingSpaceSeed(dimensions:mode:)``,
    /// when none is live), re-read every `REC_EMBEDDING_SPACE_REFRESH_S` by an ``EmbeddingSpaceMonitor``.
    public func embeddingSpaces(pool: PostgresPool, seed: EmbeddingSpace? = nil, logger: Logger) async throws -> EmbeddingSpaceRegistry {
        try await EmbeddingSpaceRegistry.database(pool: pool, seed: try seed ?? embeddingSpaceSeed(), refreshInterval: try embeddingSpaceRefreshInterval(),
                                                  logger: logger)
    }
}
