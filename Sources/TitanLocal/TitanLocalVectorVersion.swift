import BedrockClient
import Foundation
import RecCore

/// The version of the vectors this build of `rec titan-local` makes from its model files: the same model id
/// (`amazon.titan-embed-image-v1`) answers with other vectors when the MiniLM weights, the vocabulary or the
/// stand-in's own algorithm (image descriptor, projections, fusion) change. `GET /health` reports it as
/// `vectorVersion`, and the product's embedding client puts it into every content hash it computes against this
/// endpoint (``TitanEmbeddingClient/vectorVersion()``), so vectors of an older build are never reused from the
/// embedding cache, nor taken for current by catalog ingest.
public enum TitanLocalVectorVersion {
    /// Bump with any change to what the base models answer: ``ImageDescriptor``, the projection seeds or
    /// construction, the fusion, MiniLM's pooling.
    static let algorithm = "titan-local vectors 1"

    private static let known = Locked<[String: String]>([:])

    /// `titan-local-<16 hex digits>`: SHA-256 over ``algorithm`` and the SHA-256 of each model file (computed once
    /// per directory and process; ~0.3 s for the 90 MB weights).
    public static func of(modelDirectory: URL) -> String {
        let key = modelDirectory.standardizedFileURL.path
        if let v = known.withLock({ $0[key] }) { return v }
        var material = algorithm
        for file in MiniLMModel.requiredFiles {
            let url = modelDirectory.appendingPathComponent(file)
            let digest = (try? Data(contentsOf: url, options: .alwaysMapped)).map { SigV4Canonical.hexSHA256(Array($0)) } ?? "missing"
            material += "\n\(file) \(digest)"
        }
        let version = "titan-local-" + SigV4Canonical.hexSHA256(Array(material.utf8)).prefix(16)
        known.withLock { $0[key] = version }
        return version
    }
}
