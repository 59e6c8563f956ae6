import BedrockClient

/// What `rec titan-local` answers to an InvokeModel body for a model id: Titan Multimodal Embeddings G1, Nova
/// Multimodal Embeddings, or a custom (or provisioned) model of ``ModelCustomizationJobs``. The one code path of
/// the InvokeModel route and of batch inference jobs (``ModelInvocationJobs``), so that both answer the same vectors.
struct LocalModelInvoker: Sendable {
    /// An InvokeModel answer.
    struct Answer: Sendable {
        /// The response body (JSON).
        var body: [UInt8]
        /// Titan's `inputTextTokenCount` (the `X-Amzn-Bedrock-Input-Token-Count` header), when counted.
        var inputTokenCount: Int?
    }

    let embedder: TitanEmbedder
    let customization: ModelCustomizationJobs

    /// Whether `modelID` names a model served here.
    func serves(_ modelID: String) -> Bool {
        modelID == NovaModel.multimodalEmbeddingsV1 || modelID == TitanModel.multimodalEmbeddingsV1 || customization.adapter(forModelID: modelID) != nil
    }

    /// - Throws: ``TitanLocalError``: `ResourceNotFoundException` for a model not served here, `ValidationException`
    ///   for a body the model refuses.
    func invoke(modelID: String, body: [UInt8]) async throws -> Answer {
        if modelID == NovaModel.multimodalEmbeddingsV1 {
            return Answer(body: TitanEmbedder.encode(try await embedder.embedNova(body: body)), inputTokenCount: nil)
        }
        var adapter: ImageAdapter?
        if modelID != TitanModel.multimodalEmbeddingsV1 {
            guard let custom = customization.adapter(forModelID: modelID) else { throw Self.notServed(modelID) }
            adapter = custom
        }
        let answer = try await embedder.embed(body: body, adapter: adapter)
        return Answer(body: TitanEmbedder.encode(answer), inputTokenCount: answer.inputTextTokenCount)
    }

    static func notServed(_ modelID: String) -> TitanLocalError {
        TitanLocalError(.resourceNotFound, "Model \(modelID) is not available here: rec titan-local serves \(TitanModel.multimodalEmbeddingsV1), \(NovaModel.multimodalEmbeddingsV1) and the custom models it trained.")
    }
}
