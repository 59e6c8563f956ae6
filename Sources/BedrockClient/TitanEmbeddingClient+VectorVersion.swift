import Foundation

extension TitanEmbeddingClient {
    /// The version of the vectors the endpoint makes, beyond its model id: what a content hash must include so that
    /// a cached vector is reused only from the very same model.
    ///
    /// - Bedrock itself (an `amazonaws.com` endpoint): `""`. Its model ids pin the model (`amazon.titan-embed-image-v1`,
    ///   a custom model's ARN), so the model id says it all, and hashes stay what they were.
    /// - Another endpoint (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`): asked once, with `GET /health`. A stand-in
    ///   (`rec titan-local`) answers its `vectorVersion` (a digest of its build's algorithm and model files); one
    ///   built before versions existed answers `standIn` only, taken as `titan-local-unversioned`; anything else
    ///   (a proxy in front of Bedrock: 403, 404, no JSON) counts as Bedrock, `""`.
    ///
    /// The answer is kept for the client's life; a transport failure is thrown (retriable, like an embed's) and
    /// asked again next time.
    public func vectorVersion() async throws(BedrockError) -> String {
        if let known = vectorVersionMemo.withLock({ $0 }) { return known }
        let version = try await askVectorVersion()
        vectorVersionMemo.withLock { $0 = version }
        if !version.isEmpty {
            logger.info("embedding endpoint is a stand-in; its vector version enters every content hash",
                        metadata: ["endpoint": "\(configuration.endpoint)", "vectorVersion": "\(version)"])
        }
        return version
    }

    /// Whether `endpoint` is Bedrock's own (`*.amazonaws.com`, `*.amazonaws.com.cn`, VPC endpoints included).
    static func isAWSEndpoint(_ endpoint: String) -> Bool {
        guard let host = URLComponents(string: endpoint)?.host?.lowercased() else { return false }
        return host.hasSuffix(".amazonaws.com") || host.hasSuffix(".amazonaws.com.cn")
    }

    private func askVectorVersion() async throws(BedrockError) -> String {
        guard !Self.isAWSEndpoint(configuration.endpoint) else { return "" }
        let response = try await transport.send(HTTPTransportRequest(
            method: "GET", url: configuration.endpoint + "/health", timeout: configuration.requestTimeout,
            connectTimeout: configuration.connectTimeout, maxResponseBytes: 64 * 1024))
        guard response.status == 200,
              let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else { return "" }
        if let version = json["vectorVersion"] as? String, !version.isEmpty { return version }
        return json["standIn"] as? Bool == true ? "titan-local-unversioned" : ""
    }
}

/// How the embedding client treats a model id: the request schema it speaks to it, and the model's name in content
/// hashes (two inputs share a cached vector only when their hashes, hence these names, agree).
public struct EmbeddingModelIdentity: Sendable, Hashable {
    public var family: EmbeddingModelFamily
    /// The model id, with `@` and the endpoint's vector version after it when there is one
    /// (``TitanEmbeddingClient/vectorVersion()``).
    public var hashModel: String

    public init(family: EmbeddingModelFamily, hashModel: String) {
        self.family = family
        self.hashModel = hashModel
    }
}

extension TitanEmbeddingClient {
    /// The identity of `modelID` at an endpoint of `vectorVersion` (see ``vectorVersion()``).
    public func identity(ofModel modelID: String, vectorVersion: String) -> EmbeddingModelIdentity {
        EmbeddingModelIdentity(family: configuration.family(forModelID: modelID),
                               hashModel: vectorVersion.isEmpty ? modelID : modelID + "@" + vectorVersion)
    }
}
